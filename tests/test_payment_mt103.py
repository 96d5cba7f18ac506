"""SWIFT MT103: blocks, fields, parties and free text read as sent; malformed fields named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from watchlist.errors import WatchlistError
from watchlist.text.payments import PaymentError, detect_format, read_payments
from watchlist.text.payments.mt103 import (
    Field,
    format_block4,
    parse_block4,
    parse_mt103,
    split_messages,
)

PAYMENTS = FIXTURES / "payments"


def block4(*lines: str) -> str:
    return "\r\n".join(lines) + "\r\n-"


BASE = (":20:REF-1", ":23B:CRED", ":32A:240115EUR1000,00",
        ":50K:/DE89370400440532013000", "ACME WIDGETS GMBH", "HAUPTSTRASSE 1",
        "10115 BERLIN, GERMANY",
        ":59:/FR7630006000011234567890189", "DUPONT ET FILS SA", "PARIS, FR",
        ":71A:SHA")


def with_field(tag: str, *lines: str) -> str:
    """BASE with field `tag` replaced by (or, if absent, added as) these lines."""
    out: list[str] = []
    skipping = False
    replaced = False
    for line in BASE:
        match = re.match(r":(\w+):", line)
        if match:
            skipping = match.group(1) == tag
            if skipping:
                out.extend(lines)
                replaced = True
                continue
        if not skipping:
            out.append(line)
    if not replaced:
        out[-1:-1] = list(lines)
    return block4(*out)


def roles(payment) -> dict[str, object]:
    return {p.field: p for p in payment.parties}


def test_full_message_names_sender_receiver_and_every_party() -> None:
    payment = parse_mt103((PAYMENTS / "mt103_listed_beneficiary.fin").read_text(),
                          "mt103_listed_beneficiary.fin")
    assert payment.format == "mt103" and payment.reference == "PO-2024-0117"
    assert [(p.role, p.field, p.path) for p in payment.parties] == [
        ("sender", "block 1", "{1:}"), ("receiver", "block 2", "{2:}"),
        ("ordering customer", "50K", "{4:}/:50K:"),
        ("ordering institution", "52A", "{4:}/:52A:"),
        ("account with institution", "57A", "{4:}/:57A:"),
        ("beneficiary customer", "59", "{4:}/:59:")]
    parties = roles(payment)
    assert parties["block 1"].bic == "COBADEFF" and parties["block 2"].bic == "RZBAATWW"
    beneficiary = parties["59"]
    assert beneficiary.name == "BELARUSKALI OAO"
    assert beneficiary.account == "BY20BLBB30120000000000000000"
    assert beneficiary.address == ["UL. KORZHA 5", "223710 SOLIGORSK, BELARUS"]
    assert (beneficiary.country, beneficiary.country_from) == ("by", "address")
    bank = parties["57A"]
    assert (bank.bic, bank.country, bank.country_from, bank.kind) == ("BLBBBY2X", "by",
                                                                      "bic", "bank")
    assert payment.details["uetr"] == "8a562c67-ca16-48ba-b074-65581be6f001"
    assert payment.transactions == [{"reference": "PO-2024-0117", "value_date": "2024-01-15",
                                     "currency": "EUR", "amount": "125000.00",
                                     "uetr": "8a562c67-ca16-48ba-b074-65581be6f001"}]
    assert [(t.field, t.text) for t in payment.texts] == [
        ("70", "/INV/4711 POTASH FERTILIZER\nKCL 60 PCT 2500 MT")]


def test_block4_text_alone_is_a_message_without_header_parties() -> None:
    payment = parse_mt103(block4(*BASE))
    assert [p.field for p in payment.parties] == ["50K", "59"]
    assert payment.details["amount"] == "1000.00"


def test_output_message_takes_the_sender_from_the_input_reference() -> None:
    text = ("{1:F01RZBAATWWAXXX0000000000}"
            "{2:O1031200240115COBADEFFAXXX12345678902401151201N}{4:\r\n"
            + block4(*BASE) + "}")
    parties = roles(parse_mt103(text))
    assert parties["block 2"].role == "sender" and parties["block 2"].bic == "COBADEFF"
    assert parties["block 1"].role == "receiver" and parties["block 1"].bic == "RZBAATWW"


def test_50f_reads_name_address_country_birth_date_and_passport() -> None:
    payment = parse_mt103((PAYMENTS / "mt103_listed_ordering.txt").read_text())
    customer = roles(payment)["50F"]
    assert customer.kind == "person" and customer.schema == "Person"
    assert customer.name == "LUKASHENKO ALEKSANDR"
    assert customer.address == ["38 KARL MARX ST", "MINSK"]
    assert (customer.country, customer.birth_date) == ("by", "1954-08-30")
    assert customer.identifiers == ["MP3456789"]


def test_50f_name_continued_over_two_1_lines_is_one_name() -> None:
    payment = parse_mt103(with_field("50K", ":50F:/12345678", "1/OPEN JOINT STOCK COMPANY",
                                     "1/BELARUSKALI", "3/BY/SOLIGORSK"))
    customer = roles(payment)["50F"]
    assert customer.name == "OPEN JOINT STOCK COMPANY BELARUSKALI"
    assert (customer.account, customer.kind, customer.country) == ("12345678", "unknown",
                                                                    "by")


def test_mt_text_that_is_not_utf8_is_an_error_unless_its_encoding_is_named() -> None:
    data = block4(*BASE).replace("DUPONT", "DUPRÉ").encode("cp1252")
    (error,) = read_payments(data, "pay.fin")
    assert isinstance(error, PaymentError)
    assert str(error).startswith(f"pay.fin: not valid UTF-8 text: cannot decode byte 0xc9 at "
                                 f"offset {data.index(0xc9)}, line 9")
    assert "--encoding cp1252" in str(error)
    (payment,) = read_payments(data, "pay.fin", encoding="cp1252")
    assert roles(payment)["59"].name == "DUPRÉ ET FILS SA"


def test_59f_reads_numbered_lines_and_country() -> None:
    payment = parse_mt103(with_field("59", ":59F:/FR7630006000011234567890189",
                                     "1/ATELIERS MECANIQUES DE LYON SARL",
                                     "2/12 RUE DE LA REPUBLIQUE", "3/FR/69002 LYON"))
    beneficiary = roles(payment)["59F"]
    assert beneficiary.name == "ATELIERS MECANIQUES DE LYON SARL"
    assert beneficiary.address == ["12 RUE DE LA REPUBLIQUE", "69002 LYON"]
    assert beneficiary.country == "fr"


def test_59a_beneficiary_known_by_bic_is_an_organization() -> None:
    payment = parse_mt103(with_field("59", ":59A:/BY20BLBB30120000000000000000",
                                     "BLBBBY2XXXX"))
    beneficiary = roles(payment)["59A"]
    assert (beneficiary.kind, beneficiary.bic, beneficiary.identifiers) == (
        "organization", "BLBBBY2XXXX", ["BLBBBY2X"])
    assert beneficiary.names == [] and beneficiary.screenable


def test_long_first_line_may_run_on_so_both_readings_are_names() -> None:
    payment = parse_mt103(with_field("59", ":59:/BY123", "BELARUSSIAN BANK OF DEVELOPMENT AND",
                                     "RECONSTRUCTION BELINVESTBANK", "MINSK"))
    assert roles(payment)["59"].names == [
        "BELARUSSIAN BANK OF DEVELOPMENT AND",
        "BELARUSSIAN BANK OF DEVELOPMENT AND RECONSTRUCTION BELINVESTBANK"]


def test_accounts_with_debit_credit_marks_and_clearing_codes() -> None:
    payment = parse_mt103(with_field("52A", ":52A:/D/4711", "COBADEFFXXX").replace(
        ":71A:", ":57D://CH123456\r\nZUERCHER KANTONALBANK\r\nZURICH\r\n:71A:"))
    parties = roles(payment)
    assert parties["52A"].account == "4711" and parties["52A"].bic == "COBADEFFXXX"
    assert parties["57D"].account == "CH123456" and parties["57D"].name == "ZUERCHER KANTONALBANK"
    assert parties["57D"].kind == "bank" and parties["57D"].schema == "Organization"


def test_account_or_location_alone_is_kept_but_not_screenable() -> None:
    payment = parse_mt103(with_field("57A", ":57C://AT123456789").replace(
        ":71A:", ":53B:/C/99887766\r\nVIENNA\r\n:71A:"))
    parties = roles(payment)
    assert parties["57C"].account == "AT123456789" and not parties["57C"].screenable
    assert parties["53B"].address == ["VIENNA"] and not parties["53B"].screenable


def test_free_text_fields_keep_their_lines() -> None:
    payment = parse_mt103(with_field("70", ":70:ON BEHALF OF BELARUSKALI OAO",
                                     "CONTRACT 77/2021").replace(
        ":71A:SHA", ":71A:SHA\r\n:72:/ACC/BENEFICIARY TO BE ADVISED\r\n:77B:/ORDERRES/DE//X"))
    assert [(t.field, t.path, t.text) for t in payment.texts] == [
        ("70", "{4:}/:70:", "ON BEHALF OF BELARUSKALI OAO\nCONTRACT 77/2021"),
        ("72", "{4:}/:72:", "/ACC/BENEFICIARY TO BE ADVISED"),
        ("77B", "{4:}/:77B:", "/ORDERRES/DE//X")]


def test_a_file_of_several_messages_splits_on_dollar_and_block_1() -> None:
    one = (PAYMENTS / "mt103_clean.fin").read_text()
    two = (PAYMENTS / "mt103_listed_beneficiary.fin").read_text()
    assert len(split_messages(one + "$\r\n" + two)) == 2
    assert len(split_messages(one + two + one)) == 3
    assert len(split_messages(block4(*BASE) + "\n$\n" + block4(*BASE))) == 2


def test_a_bad_message_is_reported_and_the_others_are_read() -> None:
    path = PAYMENTS / "mt103_batch.fin"
    items = list(read_payments(path.read_bytes(), path.name))
    assert [type(i).__name__ for i in items] == ["Payment", "PaymentError", "Payment"]
    error = items[1]
    assert isinstance(error, PaymentError) and isinstance(error, WatchlistError)
    assert (error.file, error.field) == ("mt103_batch.fin message 2", "32A")
    assert str(error).startswith("mt103_batch.fin message 2: field 32A: amount '12,,5' is "
                                 "not a SWIFT amount")
    assert [i.reference for i in items if not isinstance(i, PaymentError)] == [
        "NL-2024-00981", "PO-2024-0117"]


def test_the_error_names_the_message_field_and_problem() -> None:
    with pytest.raises(PaymentError) as caught:
        parse_mt103(with_field("32A", ":32A:240115EUR12,,5"), "payment.mt103")
    assert str(caught.value).startswith(
        "payment.mt103: field 32A: amount '12,,5' is not a SWIFT amount")


@pytest.mark.parametrize("tag, lines, field, problem", [
    ("32A", (":32A:241315EUR10,",), "32A", "date '241315' is not a real date"),
    ("32A", (":32A:240115EU10,",), "32A", "currency 'EU1' is not a 3-letter"),
    ("32A", (":32A:240115EUR1000",), "32A", "amount '1000' is not a SWIFT amount"),
    ("33B", (":33B:EUR1234567890123,45",), "33B", "is not a SWIFT amount"),
    ("20", (":20:/REF",), "20", "must not start or end with '/'"),
    ("20", (":20:REFERENCE-TOO-LONG-17",), "20", "at most 16"),
    ("23B", (":23B:CASH",), "23B", "'CASH' is not one of CRED"),
    ("71A", (":71A:ALL",), "71A", "'ALL' is not one of BEN, OUR, SHA"),
    ("59", (":59:/123",), "59", "has no name"),
    ("59", (":59:A", "B", "C", "D", "E"), "59", "has 5 lines of name and address; at most 4"),
    ("59", (":59:" + "N" * 36,), "59", "line 1 has 36 characters; at most 35"),
    ("57A", (":57A:BLBBXX2X",), "57A", "'XX' (letters 5-6) is not an ISO country code"),
    ("57A", (":57A:BLBBBY2",), "57A", "has 7 characters; a BIC has 8 or 11"),
    ("57A", (":57A:BLB1BY2X",), "57A", "is not a BIC"),
    ("57A", (":57A:/ACC", "BLBBBY2X", "MINSK"), "57A", "one BIC line"),
    ("50K", (":50F:/1", "2/STREET", "3/BY/MINSK"), "50F", "first numbered line must be 1/"),
    ("50K", (":50F:/1", "1/NAME", "3/BY/MINSK", "2/STREET"), "50F", "must be in order"),
    ("50K", (":50F:/1", "1/NAME", "2/STREET"), "50F", "needs a line 3/"),
    ("50K", (":50F:/1", "1/NAME", "3/XX/TOWN"), "50F", "'XX' is not one"),
    ("50K", (":50F:/1", "1/NAME", "4/19541330"), "50F", "is not a real date"),
    ("50K", (":50F:/1", "1/NAME", "4/07540830"), "50F", "year 754 is not between"),
    ("50K", (":50F:PASS/BY/123", "1/NAME"), "50F", "neither /ACCOUNT nor CODE/CC"),
    ("50K", (":50F:/1", "NAME"), "50F", "is not a numbered line"),
    ("59", (":59F:/1", "1/NAME", "4/19540830"), "59F", "line number 4 is not one of 1, 2, 3"),
    ("70", (":70:A", "B", "C", "D", "E"), "70", "has 5 lines of text; at most 4"),
    ("59", (":59:X", ":59A:BLBBBY2X"), "59A", "is given as well as 59"),
    ("20", (":20:A", ":20:B"), "20", "appears twice"),
    ("20", (":99:X",), "99", "is not a field of an MT103"),
    ("71A", (), "71A", "is missing; an MT103 needs fields"),
])
def test_malformed_fields_are_named(tag: str, lines: tuple[str, ...], field: str,
                                    problem: str) -> None:
    with pytest.raises(PaymentError) as caught:
        parse_mt103(with_field(tag, *lines), "m.fin")
    assert caught.value.field == field, str(caught.value)
    assert problem in caught.value.problem, str(caught.value)


@pytest.mark.parametrize("text, field, problem", [
    ("{1:F01COBADEFFAXXX0000000000}{2:I202RZBAATWWXXXXN}{4:\r\n:20:X\r\n:21:Y\r\n-}",
     "block 2",
     "is an MT202, not an MT103"),
    ("{1:F01COBADEFFAXXX0000000000}{2:I103RZBAATWWXXXXN}{4:\r\n:20:X\r\n", None,
     "does not end with a line '-}'"),
    ("{1:F01COBADEFFAXXX0000000000}{2:I103RZBAATWWXXXXN}{3:{108:X}", None, "is not closed"),
    ("{1:F01COBADEFFAXXX0000000000}{2:I103RZBAATWWXXXXN}", "block 4", "is missing"),
    ("{1:F01COBADE}{2:I103RZBAATWWXXXXN}{4:\r\n:20:X\r\n-}", "block 1",
     "is not a basic header"),
    ("{1:F01COBAXXFFAXXX0000000000}{2:I103RZBAATWWXXXXN}{4:\r\n:20:X\r\n-}", "block 1",
     "not an ISO country code"),
    ("hello :20:X", None, "is not an MT103"),
    ("{4:\r\nnot a tag\r\n-}", None, "must start with a field tag"),
])
def test_malformed_messages_are_named(text: str, field: str | None, problem: str) -> None:
    with pytest.raises(PaymentError) as caught:
        parse_mt103(text, "m.fin")
    assert caught.value.field == field, str(caught.value)
    assert problem in caught.value.problem, str(caught.value)


def test_format_is_told_by_content() -> None:
    assert detect_format(b"{1:F01...") == "mt103"
    assert detect_format("\ufeff:20:REF\r\n") == "mt103"
    assert detect_format(b"  <?xml version='1.0'?><Document/>") == "pacs008"
    assert detect_format(b"name,country\n") is None
    items = list(read_payments(b"name,country\n", "x.csv"))
    assert len(items) == 1 and isinstance(items[0], PaymentError)
    assert "neither an MT103" in str(items[0])


# -- properties ---------------------------------------------------------------------------

SWIFT_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/-?().,'+ "
line35 = st.text(SWIFT_CHARS, min_size=1, max_size=35).filter(
    lambda s: s.strip() and not s.startswith((":", "-", "/")))
name_lines = st.lists(line35, min_size=1, max_size=4)
account = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=34)
tags = st.sampled_from(["20", "23B", "32A", "33B", "50K", "52D", "57D", "59", "70", "71A",
                        "72", "77B"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(tags, name_lines), min_size=1, max_size=8, unique_by=lambda f: f[0]))
def test_block4_round_trip(fields: list[tuple[str, list[str]]]) -> None:
    generated = [Field(tag, "\n".join(lines)) for tag, lines in fields]
    parsed = parse_block4(format_block4(generated))
    assert [(f.tag, f.value) for f in parsed] == [(f.tag, f.value) for f in generated]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ordering=name_lines, beneficiary=name_lines, acct=account,
       remittance=st.lists(line35, min_size=1, max_size=4))
def test_generated_parties_read_back(ordering: list[str], beneficiary: list[str], acct: str,
                                     remittance: list[str]) -> None:
    text = with_field("50K", ":50K:/" + acct, *ordering)
    text = text.replace(":59:/FR7630006000011234567890189\r\nDUPONT ET FILS SA\r\nPARIS, FR",
                        "\r\n".join([":59:" + beneficiary[0], *beneficiary[1:]]))
    text = text.replace(":71A:SHA", "\r\n".join([":70:" + remittance[0], *remittance[1:],
                                                 ":71A:SHA"]))
    payment = parse_mt103(text)
    parties = roles(payment)
    assert parties["50K"].account == acct and parties["50K"].name == ordering[0].strip()
    assert parties["50K"].address == [line.strip() for line in ordering[1:]]
    assert parties["59"].account is None and parties["59"].name == beneficiary[0].strip()
    assert payment.texts[0].text == "\n".join(remittance)


VALID = (PAYMENTS / "mt103_listed_beneficiary.fin").read_text()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(VALID)), st.integers(0, 6),
                          st.text(max_size=6)), min_size=1, max_size=5))
def test_mutated_messages_raise_only_payment_errors(edits: list[tuple[int, int, str]]) -> None:
    text = VALID
    for at, cut, insert in edits:
        text = text[:at] + insert + text[at + cut:]
    try:
        parse_mt103(text)
    except PaymentError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_garbage_gives_errors_never_exceptions(data: str | bytes) -> None:
    for item in read_payments(data, "garbage"):
        assert isinstance(item, PaymentError) or item.reference


def test_fixture_messages_are_realistic_swift_text() -> None:
    """Every fixture line of a field fits SWIFT's 35 characters (the parser checks the
    fields it reads; this checks the fixtures are what a bank would send)."""
    for path in Path(PAYMENTS).glob("mt103_*"):
        for line in path.read_text().splitlines():
            if not line.startswith("{"):
                body = re.sub(r"^:\w+:", "", line)
                assert len(body) <= 35, (path.name, line)
