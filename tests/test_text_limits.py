"""Hostile documents to scan: a PDF that inflates beyond the limits is answered 413, a
malformed one 422 (API, Scan page, CLI), never a 500; deeply nested HTML is scanned whole
or refused, never cut short."""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import module_home
from watchlist.cli import app as cli_app
from watchlist.screener import Screener
from watchlist.service import create_app
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.store.users import create_user
from watchlist.text import extract as extract_module
from watchlist.text.extract import ExtractError, TooLargeError, extract, html_text
from watchlist.updates.pipeline import update_from_paths
from webstore import PASSWORD

TEXTS = Path(__file__).parent / "fixtures" / "text"
NAME = "Aleksandr Lukashenko"
runner = CliRunner()


def pdf(*contents: bytes, compressed: bool = True) -> bytes:
    """A PDF with one page per content stream (Helvetica as /F1), Flate-compressed or not."""
    count = len(contents)
    font = 3 + 2 * count
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode()]
    for i, content in enumerate(contents):
        data = zlib.compress(content, 9) if compressed else content
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents "
                       f"{4 + 2 * i} 0 R /Resources << /Font << /F1 {font} 0 R >> >> >>"
                       .encode())
        objects.append(f"<< {'/Filter /FlateDecode ' if compressed else ''}/Length "
                       f"{len(data)} >>\nstream\n".encode() + data + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
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


def line(text: str) -> bytes:
    return f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()


def bomb() -> bytes:
    """A page whose content stream is zeros inflating to twice the stream limit (tens of KB
    on disk)."""
    return pdf(bytes(2 * extract_module.MAX_PDF_STREAM))


def nested(depth: int, tag: str = "div") -> str:
    return (f"<html><body>{f'<{tag}>' * depth}deep text{f'</{tag}>' * depth}"
            f"<p>Belarusian President {NAME} met the press.</p></body></html>")


# Extraction -------------------------------------------------------------------------------


def test_a_flate_bomb_is_refused_as_too_large() -> None:
    data = bomb()
    assert len(data) < 100_000
    with pytest.raises(TooLargeError) as info:
        extract(data, "bomb.pdf")
    assert str(info.value).startswith("bomb.pdf: ") and "decompress" in str(info.value)


def test_pages_inflating_past_the_total_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract_module, "MAX_PDF_INFLATED", 2**20)
    data = pdf(*[bytes(400 * 1024)] * 3)
    with pytest.raises(TooLargeError, match="inflate to more than 1 MiB"):
        extract(data, "pages.pdf")
    assert extract(pdf(*[bytes(400 * 1024)] * 2), "two.pdf").format == "pdf"


def test_too_many_pages_or_characters_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = pdf(line(NAME), line("Viktor Sheiman"), line("Lidia Yermoshina"))
    assert "Viktor Sheiman" in extract(data, "ok.pdf").text
    monkeypatch.setattr(extract_module, "MAX_PDF_PAGES", 2)
    with pytest.raises(TooLargeError, match="3 pages; at most 2"):
        extract(data, "pages.pdf")
    monkeypatch.setattr(extract_module, "MAX_PDF_PAGES", 10)
    monkeypatch.setattr(extract_module, "MAX_PDF_CHARS", 30)
    with pytest.raises(TooLargeError, match="more than 30 characters"):
        extract(data, "chars.pdf")


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_garbled_pdf_raises_only_extract_error(data: st.DataObject) -> None:
    raw = bytearray(pdf(line(NAME), compressed=data.draw(st.booleans())))
    for _ in range(data.draw(st.integers(1, 6))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        extract(bytes(raw), "garbled.pdf", "pdf")
    except ExtractError:
        pass


@pytest.mark.parametrize("tag", ["div", "span", "b"])
def test_a_name_after_300_nested_levels_is_scanned(tag: str) -> None:
    text = html_text(nested(300, tag))
    assert "deep text" in text and NAME in text


@pytest.mark.parametrize("depth", [2_100, 5_000])
def test_html_nested_deeper_than_the_parser_reads_is_refused(depth: int) -> None:
    with pytest.raises(ExtractError) as info:
        html_text(nested(depth), "deep.html")
    message = str(info.value)
    assert message.startswith("deep.html: ") and "nested deeper" in message
    assert f"{extract_module.MAX_HTML_DEPTH:,}" in message and "refused" in message


def test_deep_html_uses_no_python_recursion() -> None:
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        assert NAME in html_text(nested(1_500))
    finally:
        sys.setrecursionlimit(limit)


# The API, the Scan page and the CLI --------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    with module_home(tmp_path_factory, "textlimits"):
        store = Store()
        assert update_from_paths(store, [TEXTS / "listed.ftm.json"]).ok
        create_user(store, "analyst", "screen", PASSWORD)
        yield store, create_key(store, "reader", "screen")[1]
        store.close()


@pytest.fixture(scope="module")
def client(world: tuple[Store, str]) -> Iterator[TestClient]:
    store, key = world
    screener = Screener.open(store)
    app = create_app(store, warm=False, screener_opener=lambda _s: screener)
    with TestClient(app, headers={"Authorization": f"ApiKey {key}"}) as client:
        yield client


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return html.unescape(found.group(1))


@pytest.fixture(scope="module")
def analyst(world: tuple[Store, str]) -> Iterator[TestClient]:
    store, _key = world
    screener = Screener.open(store)
    app = create_app(store, warm=False, screener_opener=lambda _s: screener)
    with TestClient(app) as client:
        form = client.get("/ui/login")
        signed = client.post("/ui/login", data={
            "csrf_token": _token(form.text), "method": "password", "name": "analyst",
            "password": PASSWORD, "next": "/ui/scan"})
        assert signed.status_code == 200
        yield client


def _post(client: TestClient, data: bytes, kind: str) -> Any:
    return client.post("/scan", content=data, headers={"Content-Type": kind})


def test_api_answers_a_pdf_bomb_413_and_a_malformed_pdf_422(client: TestClient) -> None:
    answer = _post(client, bomb(), "application/pdf")
    assert answer.status_code == 413, answer.text
    assert answer.json()["status"] == 413 and "decompress" in answer.json()["detail"]
    broken = _post(client, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", "application/pdf")
    assert broken.status_code == 422 and "unreadable PDF" in broken.json()["detail"]
    good = _post(client, pdf(line(NAME)), "application/pdf")
    assert good.status_code == 200 and good.json()["mentions"][0]["text"] == NAME


def test_api_scans_nested_html_whole_or_refuses_it(client: TestClient) -> None:
    found = _post(client, nested(300).encode(), "text/html")
    assert found.status_code == 200, found.text
    assert [m["text"] for m in found.json()["mentions"]] == [NAME]
    deep = _post(client, nested(5_000).encode(), "text/html")
    assert deep.status_code == 422 and "nested deeper" in deep.json()["detail"]


def _upload(analyst: TestClient, name: str, data: bytes, kind: str) -> Any:
    page = analyst.get("/ui/scan")
    return analyst.post("/ui/scan", data={"csrf_token": _token(page.text)},
                        files={"upload": (name, data, kind)})


def test_the_scan_page_answers_a_pdf_bomb_with_a_message(analyst: TestClient) -> None:
    answer = _upload(analyst, "bomb.pdf", bomb(), "application/pdf")
    assert answer.status_code == 413 and "bomb.pdf: the PDF expands beyond" in answer.text
    broken = _upload(analyst, "broken.pdf", b"%PDF-1.4 nothing else", "application/pdf")
    assert broken.status_code == 422 and "broken.pdf: unreadable PDF" in broken.text
    deep = _upload(analyst, "deep.html", nested(5_000).encode(), "text/html")
    assert deep.status_code == 422 and "deep.html: the HTML parser stopped" in deep.text


def test_cli_scan_reports_a_pdf_bomb_clearly(world: tuple[Store, str], tmp_path: Path) -> None:
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb())
    result = runner.invoke(cli_app, ["scan", str(path)])
    assert result.exit_code == 2 and f"{path}: the PDF expands beyond" in result.output
    assert "Traceback" not in result.output
