"""`watchlist scan` and POST /scan: JSON, terminal and HTML views, inputs, audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import module_home
from watchlist.cli import app
from watchlist.screener import Screener
from watchlist.service import create_app
from watchlist.store.audit import iter_audit, verify_audit
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.text.extract import extract, html_text
from watchlist.text.render import html_page
from watchlist.updates.pipeline import update_from_paths

TEXTS = Path(__file__).parent / "fixtures" / "text"
runner = CliRunner()
NEWS = "Belarusian President Aleksandr Lukashenko met Joe Biden. Lukashenko's aide left."


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with module_home(tmp_path_factory, "scancli") as path:
        store = Store()
        assert update_from_paths(store, [TEXTS / "listed.ftm.json"]).ok
        store.close()
        yield path


@pytest.fixture
def store(home: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("WATCHLIST_HOME", str(home))
    return Store()


def test_scan_stdin_json_gives_offsets_into_the_input(store: Store) -> None:
    before = len(list(iter_audit(store)))
    result = runner.invoke(app, ["scan", "-", "--json"], input=NEWS)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    spans = [(m["start"], m["end"], m["text"], m["entity_id"]) for m in body["mentions"]]
    assert spans == [(21, 41, "Aleksandr Lukashenko", "t-lukashenko-a"),
                     (57, 67, "Lukashenko", "t-lukashenko-a")]
    assert body["mentions"][0]["designations"][0]["regime"] == "Belarus"
    assert body["versions"][0]["source"] == "listed"
    [entry] = list(iter_audit(store))[before:]
    assert entry.action == "scan" and entry.query["chars"] == len(NEWS)
    assert [h["id"] for h in entry.hits] == ["21:41", "57:67"]
    assert verify_audit(store).ok


def test_scan_terminal_view_and_html_page(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "news.html"
    source.write_text(f"<html><body><p>{NEWS}</p><script>Putin()</script>"
                      "<p>Viktor</p><p>Sheiman</p></body></html>", encoding="utf-8")
    page = tmp_path / "out.html"
    result = runner.invoke(app, ["scan", str(source), "--html", str(page)])
    assert result.exit_code == 0, result.output
    # paragraphs never join: "Viktor" and "Sheiman" are not one name (Sheiman alone is
    # a distinctive surname, reported lower)
    assert "Aleksandr Lukashenko" in result.stdout and "3 mentions of 2 listed parties" \
        in result.stdout and "surname only" in result.stdout
    html = page.read_text(encoding="utf-8")
    assert html.count("<mark") == 3 and "Putin()" not in html  # scripts are not text
    assert "Belarus" in html  # the designation, shown on hover


def test_scan_reports_unreadable_inputs_clearly(store: Store, tmp_path: Path) -> None:
    result = runner.invoke(app, ["scan", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2 and "missing.txt: no such file" in result.output
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Lukasch\xe9nko".encode("latin-1"))
    result = runner.invoke(app, ["scan", str(bad)])
    assert result.exit_code == 2 and "not UTF-8 text" in result.output
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    result = runner.invoke(app, ["scan", str(broken)])
    assert result.exit_code == 2 and "broken.pdf" in result.output
    assert "Traceback" not in result.output


def test_html_view_escapes_the_text() -> None:
    from watchlist.text.mentions import Mention

    text = "<script>alert(1)</script> & Putin"
    mention = Mention(29, 34, "Putin", "x", "<b>PUTIN</b>", 0.6, [{"source": "s<"}], {})
    page = html_page(text, [mention])
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<b>PUTIN</b>" not in page and "&lt;b&gt;PUTIN" in page


def test_html_and_pdf_text_extraction() -> None:
    assert html_text("<p>Aleksandr</p><p>Lukashenko</p>") == "Aleksandr\n\nLukashenko"
    doc = extract(_pdf("Viktor Sheiman"), "x.pdf")
    assert doc.format == "pdf" and "Viktor Sheiman" in doc.text


def _pdf(line: str) -> bytes:
    """A one-page PDF with one line of text (Helvetica)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
               + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


def test_post_scan_json_and_raw_bodies_are_audited(store: Store) -> None:
    screener = Screener.open(store)
    key = create_key(store, "reader", "screen")[1]
    with TestClient(create_app(store, screener_opener=lambda _s: screener)) as client:
        assert client.post("/scan", json={"text": NEWS}).status_code == 401
        headers = {"Authorization": f"ApiKey {key}"}
        before = len(list(iter_audit(store)))
        answer = client.post("/scan", json={"text": NEWS}, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [(m["start"], m["text"]) for m in body["mentions"]] == [
            (21, "Aleksandr Lukashenko"), (57, "Lukashenko")]
        assert body["versions"][0]["source"] == "listed"
        raw = client.post("/scan?min_score=0.95", content="Lidia Yermoshina spoke.",
                          headers={**headers, "Content-Type": "text/plain"})
        assert [m["entity_id"] for m in raw.json()["mentions"]] == ["t-yermoshina"]
        bad = client.post("/scan", content=b"{", headers={
            **headers, "Content-Type": "application/json"})
        assert bad.status_code == 400
        assert client.post("/scan", json={"txt": "x"}, headers=headers).status_code == 422
        odd = client.post("/scan", content=b"x", headers={**headers,
                                                          "Content-Type": "image/png"})
        assert odd.status_code == 415
        entries = list(iter_audit(store))[before:]
        assert [e.action for e in entries] == ["scan", "scan"]
        assert entries[0].actor.endswith(":reader")
