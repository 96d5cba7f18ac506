"""Evidence reports (a screening certificate, an alert's case file, a list's changes) as PDF
and CSV, from the core, the command line, the API and the pages; the PDFs are read back with
pypdf and their text checked."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader
from typer.testing import CliRunner

from watchlist.cli import app as cli_app
from watchlist.monitor.alerts import decide, list_alerts
from watchlist.monitor.review import approve, propose
from watchlist.reports.case_file import alert_case_file
from watchlist.reports.certificate import certificate_query, screening_certificate
from watchlist.reports.changes import list_changes
from watchlist.reports.document import Document, Fields, ReportError, Table
from watchlist.reports.render import render
from watchlist.screener import Screener
from watchlist.service import create_app
from watchlist.store.audit import iter_audit, verify_audit
from watchlist.store.store import Store
from webstore import PASSWORD, World, web_world

SEMA = "ca_dfatd_sema_sanctions"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_SEARCH_TOKEN = re.compile(r'name="t" value="([^"]+)"')


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from web_world(tmp_path_factory, "reports")




@pytest.fixture(scope="module")
def app(store: Store, screener: Screener) -> FastAPI:
    return create_app(store, warm=False, screener_opener=lambda _store: screener)


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF."""
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squeezed(text: str) -> str:
    """Text without whitespace: a hash wrapped over two lines of a table cell reads whole."""
    return "".join(text.split())


def last_entry(store: Store) -> Any:
    return list(iter_audit(store))[-1]


# -- the core ---------------------------------------------------------------------------------


def test_a_certificate_names_the_query_every_list_version_and_its_audit_entry(
        store: Store, screener: Screener) -> None:
    query = certificate_query("Alexander Lukashenko", "1954-08-30")
    document = screening_certificate(store, screener, query, "user:tester", "test", "pdf")
    text = pdf_text(render(document, "pdf"))
    entry = last_entry(store)
    assert entry.action == "check" and entry.actor == "user:tester"
    assert entry.seq == document.audit_seq and entry.hash == document.audit_hash
    assert entry.query["report"] == "certificate" and entry.hits
    assert "Screening certificate: Alexander Lukashenko" in text
    assert "1954-08-30" in text and "user:tester" in text and entry.at in text
    assert "LUKASHENKA" in text and "possible match" in text
    flat = squeezed(text)
    for version in screener.index.versions:
        assert version["source"] in flat and version["sha256"] in flat
        assert (version["published"] or "not dated") in text
    assert f"Sequencenumber{entry.seq}" in flat and entry.hash in flat
    assert verify_audit(store).ok


def test_a_certificate_of_no_match_says_so(store: Store, screener: Screener) -> None:
    query = certificate_query("Quentin Zyxwvut")
    text = pdf_text(render(screening_certificate(store, screener, query, "user:tester",
                                                 "test", "pdf"), "pdf"))
    assert "No match" in text and "Quentin Zyxwvut" in text
    assert last_entry(store).hits == []


def test_a_certificate_query_with_a_bad_date_is_refused_naming_it() -> None:
    with pytest.raises(ReportError, match="1954-13-45"):
        certificate_query("Alexander Lukashenko", "1954-13-45")


def test_names_in_cyrillic_print_in_the_pdf(store: Store) -> None:
    text = pdf_text(render(list_changes(store, SEMA, "user:tester", "test", "pdf"), "pdf"))
    assert "Александр Григорьевич" in text


def test_a_list_changes_report_gives_regime_and_listing_date_of_added_and_removed(
        store: Store) -> None:
    document = list_changes(store, SEMA, "user:tester", "test", "pdf")
    text = pdf_text(render(document, "pdf"))
    assert "Added (1)" in text and "Dmitry Lukashenko" in text
    assert "Removed (1)" in text and "Ivan Petrovich Testovich" in text
    assert "Special Economic Measures (Belarus)" in text
    assert "2021-12-02" in text and "2020-09-28" in text
    assert "Changed (1)" in text and "alias" in text
    entry = last_entry(store)
    assert entry.action == "report-export" and entry.seq == document.audit_seq
    assert entry.query == {"report": "changes", "format": "pdf", "via": "test",
                           "source": SEMA, "from": 1, "to": 2}


def test_a_case_file_shows_the_customer_beside_the_party_and_every_decision(
        store: Store) -> None:
    alerts, _total = list_alerts(store, "all")
    alert = next(a for a in alerts if a["customer_name"] == "Alexander Lukashenko")
    decide(store, alert["id"], "escalate", "Same birth date; passport copy requested",
           "user:analyst")
    document = alert_case_file(store, alert["id"], "user:reviewer", "test", "pdf")
    text = pdf_text(render(document, "pdf"))
    assert f"Case file: alert {alert['id']}" in text
    assert "Customer beside the listed party" in text
    assert "Alexander Lukashenko" in text and "LUKASHENKA" in text
    assert "1954-08-30" in text
    assert "Same birth date; passport copy requested" in text and "user:analyst" in text
    assert "escalate" in text and "Special Economic Measures (Belarus)" in text
    entry = last_entry(store)
    assert (entry.action, entry.actor) == ("report-export", "user:reviewer")
    assert entry.query["alert_id"] == alert["id"]


def test_a_case_file_shows_a_proposal_and_its_approval_by_another_person(
        store: Store) -> None:
    alerts, _total = list_alerts(store, "all")
    alert = next(a for a in alerts if a["customer_name"] != "Alexander Lukashenko")
    propose(store, alert["id"], "false-positive", "Different birth date and nationality",
            "user:maker")
    approve(store, alert["id"], "user:checker", "approve")
    text = pdf_text(render(alert_case_file(store, alert["id"], "user:auditor", "test", "pdf"),
                           "pdf"))
    assert "Different birth date and nationality" in text
    assert "user:maker" in text and "user:checker" in text
    assert "pending-approval" in text and "approve" in text


def test_a_csv_report_holds_the_same_and_runs_no_formula(store: Store,
                                                         screener: Screener) -> None:
    query = certificate_query("=HYPERLINK(1) Lukashenko")
    data = render(screening_certificate(store, screener, query, "user:tester", "test",
                                        "csv"), "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert ["Name", "'=HYPERLINK(1) Lukashenko"] in rows
    entry = last_entry(store)
    assert ["Sequence number", str(entry.seq)] in rows
    assert ["Entry hash (SHA-256)", entry.hash] in rows
    assert any(row[:2] == [SEMA, "2"] for row in rows)


def test_control_characters_in_a_value_are_dropped_from_the_pdf() -> None:
    document = Document("check", "Bell\x07 test", [
        Fields("Section", [("Name", "Ivan\x00 Petrov\x1b")]),
        Table("Rows", ["a", "b"], [["x\x08y", ""]])], "test")
    text = pdf_text(render(document, "pdf"))
    assert "Ivan Petrov" in text and "xy" in text and "Bell test" in text
    assert not any(ch in text for ch in "\x00\x07\x08\x1b")


# -- the command line ----------------------------------------------------------------------------


def test_report_commands_write_pdf_and_csv_files(store: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "certificate.pdf"
    result = runner.invoke(cli_app, ["report", "check", "Alexander Lukashenko", "--dob",
                                     "1954", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Screening certificate: Alexander Lukashenko" in pdf_text(target.read_bytes())
    changes = tmp_path / "changes.csv"
    result = runner.invoke(cli_app, ["report", "changes", SEMA, "-o", str(changes)])
    assert result.exit_code == 0, result.output
    assert "Dmitry Lukashenko" in changes.read_text("utf-8-sig")


def test_report_commands_refuse_unknown_alerts_and_formats_in_one_line(
        store: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli_app, ["report", "alert", "999999", "-o",
                                     str(tmp_path / "a.pdf")])
    assert result.exit_code == 2 and "no alert 999999" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "a.pdf").exists()
    result = runner.invoke(cli_app, ["report", "changes", SEMA, "-o",
                                     str(tmp_path / "c.pdf"), "--format", "docx"])
    assert result.exit_code == 2 and "unknown report format 'docx'" in result.output


# -- the API ----------------------------------------------------------------------------------


def test_the_api_answers_reports_as_files_and_audits_them(
        app: FastAPI, store: Store, world: tuple[Store, Screener, dict[str, str]]) -> None:
    headers = {"X-API-Key": world[2]["screen"]}
    with TestClient(app) as client:
        answer = client.get("/reports/check", params={"name": "Quentin Zyxwvut"},
                            headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/pdf"
        assert "attachment" in answer.headers["content-disposition"]
        entry = last_entry(store)
        assert answer.headers["x-audit-seq"] == str(entry.seq)
        assert entry.actor.startswith("key:") and "No match" in pdf_text(answer.content)
        answer = client.get(f"/reports/changes/{SEMA}", params={"format": "csv"},
                            headers=headers)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(
            "text/csv")
        assert "Dmitry Lukashenko" in answer.content.decode("utf-8-sig")
        assert client.get("/reports/alerts/999999", headers=headers).status_code == 404
        assert client.get("/reports/changes/no_such_list", headers=headers).status_code == 404
        assert client.get("/reports/check", params={"name": "x", "birth_date": "1954-13-45"},
                          headers=headers).status_code == 422
        assert client.get("/reports/check", params={"name": "x"}).status_code == 401


# -- the pages ------------------------------------------------------------------------------


def _signed_in(client: TestClient) -> str:
    form = client.get("/ui/login")
    token = html.unescape(_TOKEN.search(form.text).group(1))
    answer = client.post("/ui/login", data={"csrf_token": token, "method": "password",
                                            "name": "analyst", "password": PASSWORD,
                                            "next": "/ui/search"})
    assert answer.status_code == 200
    return html.unescape(_TOKEN.search(answer.text).group(1))


def test_the_search_page_offers_a_certificate_of_its_search(app: FastAPI, store: Store) -> None:
    with TestClient(app) as client:
        csrf = _signed_in(client)
        page = client.get("/ui/search")
        t = _SEARCH_TOKEN.search(page.text).group(1)
        results = client.get("/ui/search", params={"name": "Alexander Lukashenko", "t": t})
        assert 'action="/ui/reports/check"' in results.text
        assert 'name="name" value="Alexander Lukashenko"' in results.text
        answer = client.post("/ui/reports/check", data={
            "csrf_token": csrf, "name": "Alexander Lukashenko", "format": "pdf"})
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
        assert last_entry(store).actor == "user:analyst"
        assert "user:analyst" in pdf_text(answer.content)
        refused = client.post("/ui/reports/check", data={"name": "Alexander Lukashenko"})
        assert refused.status_code == 403


def test_the_alert_and_changes_pages_offer_their_reports(app: FastAPI, store: Store) -> None:
    alert_id = list_alerts(store, "all")[0][0]["id"]
    with TestClient(app) as client:
        csrf = _signed_in(client)
        assert f'action="/ui/reports/alerts/{alert_id}"' in client.get(
            f"/ui/alerts/{alert_id}").text
        assert f'action="/ui/reports/changes/{SEMA}"' in client.get(
            "/ui/changes", params={"source": SEMA}).text
        answer = client.post(f"/ui/reports/alerts/{alert_id}",
                             data={"csrf_token": csrf, "format": "csv"})
        assert answer.status_code == 200 and "Decisions and approvals" in answer.text
        answer = client.post(f"/ui/reports/changes/{SEMA}",
                             data={"csrf_token": csrf, "from": "1", "to": "2", "format": "pdf"})
        assert "Dmitry Lukashenko" in pdf_text(answer.content)
        missing = client.post("/ui/reports/alerts/999999", data={"csrf_token": csrf})
        assert missing.status_code == 404 and "No alert 999999" in missing.text
