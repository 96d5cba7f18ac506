"""Screening payments: listed parties in any role and listed names in free text are found,
each named by message, field, role and path; clean payments report nothing; every
screening is in the audit log; the `scan-payment` command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES, module_home, shared_file
from watchlist.cli import app
from watchlist.screener import Screener
from watchlist.store.audit import iter_audit, verify_audit
from watchlist.store.store import Store
from watchlist.text import Scanner
from watchlist.text.payments import Payment, read_payments
from watchlist.text.payments.screen import (
    PaymentResult,
    audit_payment,
    party_query,
    screen_payment,
)
from watchlist.updates.pipeline import update_from_paths

PAYMENTS = FIXTURES / "payments"
LISTS = PAYMENTS / "ofac_belarus_csv"
LUKASHENKO = "us-ofac-sdn-9760"
BELARUSKALI = "us-ofac-sdn-32746"
BELINVESTBANK = "us-ofac-sdn-34752"
ABSOLUTBANK = "us-ofac-sdn-32682"
TX1 = "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]"
TX2 = "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with module_home(tmp_path_factory, "payments") as path:
        yield path


@pytest.fixture(scope="module")
def store(home: Path) -> Store:
    store = Store()
    update_from_paths(store, [LISTS])
    return store


@pytest.fixture(scope="module")
def screener(store: Store) -> Screener:
    return Screener.open(store)


@pytest.fixture(scope="module")
def scanner(store: Store, screener: Screener) -> Scanner:
    return Scanner(screener.index, store=store)


def payments(name: str) -> list[Payment]:
    items = list(read_payments((PAYMENTS / name).read_bytes(), name))
    assert all(isinstance(i, Payment) for i in items), items
    return items  # type: ignore[return-value]


def screened(screener: Screener, scanner: Scanner, name: str) -> PaymentResult:
    (payment,) = payments(name)
    return screen_payment(screener, scanner, payment)


def found(result: PaymentResult) -> list[tuple[Any, ...]]:
    """Each hit as (kind, field, path, entity id), with offsets and text for text hits."""
    out = []
    for h in result.findings():
        if h["kind"] == "party":
            out.append(("party", h["field"], h["path"], h["entity_id"]))
        else:
            out.append(("text", h["field"], h["path"], h["entity_id"], h["start"], h["text"]))
    return out


def test_listed_beneficiary_and_its_bank_are_found_and_nothing_else(
        screener: Screener, scanner: Scanner) -> None:
    result = screened(screener, scanner, "mt103_listed_beneficiary.fin")
    assert found(result) == [("party", "57A", "{4:}/:57A:", BELINVESTBANK),
                             ("party", "59", "{4:}/:59:", BELARUSKALI)]
    hits = {h["field"]: h for h in result.findings()}
    assert hits["59"]["message"] == "PO-2024-0117"
    assert hits["59"]["role"] == "beneficiary customer"
    assert hits["59"]["name"] == "BELARUSKALI OAO"
    assert hits["57A"]["role"] == "account with institution"
    assert hits["57A"]["bic"] == "BLBBBY2X"
    assert [(d["source"], d["ref"]) for d in hits["59"]["designations"]] == [
        ("us_ofac_sdn", "32746")]
    bank = next(p for p in result.parties if p.party.field == "57A")
    assert bank.hits[0].explanation["identifier_match"]["detail"] == "same identifier BLBBBY2X"


def test_listed_ordering_customer_and_ordering_bank_are_found(
        screener: Screener, scanner: Scanner) -> None:
    result = screened(screener, scanner, "mt103_listed_ordering.txt")
    assert found(result) == [("party", "50F", "{4:}/:50F:", LUKASHENKO),
                             ("party", "52A", "{4:}/:52A:", ABSOLUTBANK)]
    customer = result.parties[0]
    assert customer.query == {"name": ["LUKASHENKO ALEKSANDR"], "schema": "Person",
                              "country": "by", "identifier": ["MP3456789"],
                              "birth_date": "1954-08-30"}
    explanation = customer.hits[0].explanation
    assert explanation["birth_date_match"]["detail"] == "same birth date"
    assert explanation["country_match"]["score"] == 1.0


def test_listed_name_in_remittance_text_is_found_with_its_offsets(
        screener: Screener, scanner: Scanner) -> None:
    result = screened(screener, scanner, "mt103_listed_in_remittance.fin")
    assert found(result) == [("text", "70", "{4:}/:70:", BELARUSKALI, 13, "BELARUSKALI")]
    (hit,) = result.findings()
    text = result.payment.texts[0].text
    assert text[hit["start"]:hit["end"]] == hit["text"]
    assert [t.text.field for t in result.texts] == ["70", "72"]
    assert result.texts[1].mentions == []


def test_pacs008_hits_name_transfer_role_and_path(screener: Screener,
                                                  scanner: Scanner) -> None:
    result = screened(screener, scanner, "pacs008_v08_listed.xml")
    assert found(result) == [
        ("party", "InstdAgt", f"{TX1}/InstdAgt", BELINVESTBANK),
        ("party", "UltmtDbtr", f"{TX1}/UltmtDbtr", LUKASHENKO),
        ("party", "CdtrAgt", f"{TX1}/CdtrAgt", BELINVESTBANK),
        ("party", "Cdtr", f"{TX1}/Cdtr", BELARUSKALI),
        ("text", "RmtInf/Strd/AddtlRmtInf", f"{TX2}/RmtInf/Strd/AddtlRmtInf", ABSOLUTBANK,
         20, "Absolutbank")]
    by_path = {h["path"]: h for h in result.findings()}
    assert by_path[f"{TX1}/Cdtr"]["transaction"] == "E2E-POTASH-2024-17"
    assert by_path[f"{TX1}/Cdtr"]["role"] == "creditor"
    assert by_path[f"{TX2}/RmtInf/Strd/AddtlRmtInf"]["transaction"] == "E2E-SEEDS-2024-18"
    assert {h["message"] for h in result.findings()} == {"RZB20240601-0042"}
    assert result.hit_count == 5


@pytest.mark.parametrize("name", ["mt103_clean.fin", "pacs008_v02_clean.xml"])
def test_payments_between_unlisted_parties_report_nothing(
        screener: Screener, scanner: Scanner, name: str) -> None:
    result = screened(screener, scanner, name)
    assert result.findings() == [] and result.hit_count == 0
    assert all(p.query is not None for p in result.parties)  # every party was screened
    assert result.texts and all(t.mentions == [] for t in result.texts)


def test_queries_say_what_the_message_says_of_each_party() -> None:
    (payment,) = payments("pacs008_v08_listed.xml")
    queries = {(p.field, p.transaction): party_query(p) for p in payment.parties}
    assert queries["CdtrAgt", "E2E-POTASH-2024-17"] == {
        "name": ["Belinvestbank"], "schema": "Organization", "country": "by",
        "identifier": ["BLBBBY2X"]}
    assert queries["InstdAgt", "E2E-POTASH-2024-17"] == {
        "name": ["BLBBBY2X"], "schema": "Organization", "country": "by",
        "identifier": ["BLBBBY2X"]}
    assert queries["Dbtr", "E2E-POTASH-2024-17"] == {
        "name": ["Donau Agrarhandel GmbH"], "schema": "LegalEntity", "country": "at"}
    assert queries["UltmtDbtr", "E2E-POTASH-2024-17"] == {
        "name": ["Aleksandr Lukashenko"], "schema": "Person", "birth_date": "1954-08-30"}


def test_a_party_without_name_or_bic_is_reported_as_not_screened(
        screener: Screener, scanner: Scanner) -> None:
    text = (PAYMENTS / "mt103_clean.fin").read_text().replace(":57A:NDEAFIHH",
                                                              ":57C://FI123456")
    (payment,) = [p for p in read_payments(text, "m.fin") if isinstance(p, Payment)]
    result = screen_payment(screener, scanner, payment)
    party = next(p for p in result.parties if p.party.field == "57C")
    assert party.query is None and party.hits == []
    assert party.note and party.note.startswith("not screened: no name or BIC")


def test_results_serialise_to_json(screener: Screener, scanner: Scanner) -> None:
    result = screened(screener, scanner, "pacs008_v08_listed.xml")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["message"]["reference"] == "RZB20240601-0042"
    assert data["message"]["end_to_end_ids"] == ["E2E-POTASH-2024-17", "E2E-SEEDS-2024-18"]
    assert data["hit_count"] == 5 and len(data["hits"]) == 5
    assert [v["source"] for v in data["versions"]] == ["us_ofac_sdn"]
    creditor = next(p for p in data["parties"] if p["path"] == f"{TX1}/Cdtr")
    assert [h["entity_id"] for h in creditor["hits"]] == [BELARUSKALI]
    text = next(t for t in data["texts"] if t["mentions"])
    assert text["mentions"][0]["entity_id"] == ABSOLUTBANK


def test_each_screening_is_in_the_audit_log(store: Store, screener: Screener,
                                            scanner: Scanner) -> None:
    before = len(list(iter_audit(store)))
    result = screened(screener, scanner, "mt103_listed_beneficiary.fin")
    audit_payment(store, "test:payments", result)
    entries = list(iter_audit(store))
    assert len(entries) == before + 1
    entry = entries[-1]
    assert (entry.actor, entry.action) == ("test:payments", "scan-payment")
    assert entry.query["reference"] == "PO-2024-0117" and entry.query["format"] == "mt103"
    assert entry.query["uetr"] == "8a562c67-ca16-48ba-b074-65581be6f001"
    assert [v["source"] for v in entry.versions] == ["us_ofac_sdn"]
    assert [(h["where"]["field"], h["where"]["path"], h["listed"]["entity_id"])
            for h in entry.hits] == [("57A", "{4:}/:57A:", BELINVESTBANK),
                                     ("59", "{4:}/:59:", BELARUSKALI)]
    assert verify_audit(store).ok


# -- the command -----------------------------------------------------------------------------


def run(home: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["scan-payment", *args],
                              env={"WATCHLIST_HOME": str(home)})


def test_cli_exit_code_says_hits_and_errors(home: Path, store: Store) -> None:
    clean = run(home, str(PAYMENTS / "mt103_clean.fin"), str(PAYMENTS / "pacs008_v02_clean.xml"))
    assert clean.exit_code == 0, clean.output
    assert "0 with hits" in clean.output
    hits = run(home, str(PAYMENTS / "mt103_listed_beneficiary.fin"))
    assert hits.exit_code == 1, hits.output
    assert "BELARUSKALI OAO" in hits.output and "us_ofac_sdn 32746" in hits.output
    both = run(home, str(PAYMENTS / "mt103_batch.fin"))
    assert both.exit_code == 3, both.output
    assert "mt103_batch.fin message 2: field 32A: amount '12,,5' is not a SWIFT amount" \
        in " ".join(both.output.split())
    missing = run(home, str(PAYMENTS / "no_such_file.fin"), str(PAYMENTS / "mt103_clean.fin"))
    assert missing.exit_code == 2, missing.output
    assert "no_such_file.fin: cannot be read" in missing.output


def test_cli_refuses_mt_text_that_is_not_utf8_unless_encoding_names_it(
        home: Path, store: Store, tmp_path: Path) -> None:
    source = tmp_path / "latin.fin"
    text = (PAYMENTS / "mt103_clean.fin").read_text(encoding="utf-8")
    source.write_bytes(text.replace(":70:", ":70:Café ", 1).encode("cp1252"))
    refused = run(home, str(source))
    assert refused.exit_code == 2, refused.output
    assert f"{source}: not valid UTF-8 text: cannot decode byte 0xe9" in \
        " ".join(refused.output.split())
    read = run(home, str(source), "--encoding", "cp1252")
    assert read.exit_code == 0, read.output
    unknown = run(home, str(source), "--encoding", "klingon")
    assert unknown.exit_code == 2 and "--encoding klingon: unknown encoding" in unknown.output


def test_cli_json_lists_messages_hits_and_errors(home: Path, store: Store) -> None:
    before = len(list(iter_audit(store)))
    result = run(home, str(PAYMENTS / "mt103_batch.fin"), str(PAYMENTS / "pacs008_v08_listed.xml"),
                 "--json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert [m["message"]["reference"] for m in data["messages"]] == [
        "NL-2024-00981", "PO-2024-0117", "RZB20240601-0042"]
    assert [m["hit_count"] for m in data["messages"]] == [0, 2, 5]
    assert data["hit_count"] == 7
    assert [(e["file"], e["field"]) for e in data["errors"]] == [
        (str(PAYMENTS / "mt103_batch.fin") + " message 2", "32A")]
    logged = list(iter_audit(store))[before:]
    assert [(e.action, e.query["reference"]) for e in logged] == [
        ("scan-payment", "NL-2024-00981"), ("scan-payment", "PO-2024-0117"),
        ("scan-payment", "RZB20240601-0042")]


def test_cli_refuses_to_call_a_payment_clean_without_lists(tmp_path: Path) -> None:
    result = run(tmp_path / "empty-home", str(PAYMENTS / "mt103_listed_beneficiary.fin"))
    assert result.exit_code == 2, result.output
    assert "no list is serving" in result.output


def test_cli_format_option_overrides_detection(home: Path, store: Store) -> None:
    result = run(home, str(PAYMENTS / "pacs008_v02_clean.xml"), "--format", "mt103")
    assert result.exit_code == 2, result.output
    assert "pacs008_v02_clean.xml: is not an MT103" in " ".join(result.output.split())
    unknown = run(home, str(PAYMENTS / "mt103_clean.fin"), "--format", "mt940")
    assert unknown.exit_code == 2 and "unknown format 'mt940'" in unknown.output


# -- real lists ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Screener, Scanner]]:
    """Canada's SEMA list of May 2025 (about 4,000 designations, Belarus among them)."""
    sema = shared_file("ca/sema-lmes_2025-05.xml")
    path = tmp_path_factory.mktemp("payments-real") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WATCHLIST_HOME", str(path))
        store = Store()
        update_from_paths(store, [sema])
        screener = Screener.open(store)
        yield screener, Scanner(screener.index, store=store)


SEMA_LUKASHENKO = "ca-dfatd-sema-sanctions-by-part-1-item-8"
SEMA_BELARUSKALI = "ca-dfatd-sema-sanctions-by-part-2-item-15"
SEMA_BELINVESTBANK = "ca-dfatd-sema-sanctions-by-part-2-item-23"
SEMA_ABSOLUTBANK = "ca-dfatd-sema-sanctions-by-part-2-item-13"


@pytest.mark.parametrize("name, expected", [
    ("mt103_listed_beneficiary.fin", [("party", "59", "{4:}/:59:", SEMA_BELARUSKALI)]),
    ("mt103_listed_ordering.txt", [("party", "50F", "{4:}/:50F:", SEMA_LUKASHENKO)]),
    ("mt103_listed_in_remittance.fin", [("text", "70", "{4:}/:70:", SEMA_BELARUSKALI, 13,
                                         "BELARUSKALI")]),
    ("pacs008_v08_listed.xml", [
        ("party", "UltmtDbtr", f"{TX1}/UltmtDbtr", SEMA_LUKASHENKO),
        ("party", "CdtrAgt", f"{TX1}/CdtrAgt", SEMA_BELINVESTBANK),
        ("party", "Cdtr", f"{TX1}/Cdtr", SEMA_BELARUSKALI),
        ("text", "RmtInf/Strd/AddtlRmtInf", f"{TX2}/RmtInf/Strd/AddtlRmtInf",
         SEMA_ABSOLUTBANK, 20, "Absolutbank")]),
    ("mt103_clean.fin", []),
    ("pacs008_v02_clean.xml", []),
])
def test_real_list_finds_exactly_the_listed_parties(real: tuple[Screener, Scanner],
                                                    name: str, expected: list[Any]) -> None:
    screener, scanner = real
    assert found(screened(screener, scanner, name)) == expected
