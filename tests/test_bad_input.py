"""Every bad input gets a clear error naming the file and the problem, and loses nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

GOOD = FIXTURES / "un_small_v1.xml"
NEWER = FIXTURES / "un_small_v2.xml"


@pytest.fixture
def store(home: Path) -> Store:
    """A store already serving a good version of the UN list."""
    store = Store()
    assert update_from_paths(store, [GOOD]).ok
    return store


def _refused(store: Store, path: Path, *words: str) -> str:
    report = update_from_paths(store, [path])
    assert not report.ok, "the bad file was accepted"
    message = report.failures[0]
    assert str(path) in message, message
    for word in words:
        assert word.lower() in message.lower(), message
    [serving] = store.serving()
    assert serving.version == 1 and serving.published == "2025-01-15"
    assert len(store.versions()) == 1
    return message


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_malformed_xml_is_refused(store: Store, tmp_path: Path) -> None:
    text = NEWER.read_text(encoding="utf-8").replace("</FIRST_NAME>", "</FIRST_NAM>", 1)
    _refused(store, _write(tmp_path, "consolidated.xml", text), "malformed")


def test_truncated_xml_is_refused(store: Store, tmp_path: Path) -> None:
    data = NEWER.read_bytes()
    _refused(store, _write(tmp_path, "consolidated.xml", data[: len(data) // 2]), "truncated")


def _parser_must_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any use of lxml's parsers by the list readers fail the test."""
    from watchlist.sources import files

    def never(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the XML parser was handed a document that declares a DOCTYPE")

    monkeypatch.setattr(files.etree, "iterparse", never)


BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)) + "]>\n"
    '<CONSOLIDATED_LIST dateGenerated="2025-06-01T00:00:00Z"><INDIVIDUALS><INDIVIDUAL>'
    "<DATAID>1</DATAID><FIRST_NAME>&lol9;</FIRST_NAME><REFERENCE_NUMBER>QDi.1"
    "</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"
)


def test_entity_expansion_bomb_is_refused_before_any_parser_sees_it(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _parser_must_not_run(monkeypatch)
    _refused(store, _write(tmp_path, "bomb.xml", BOMB), "DOCTYPE")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-7", "utf-32"])
def test_a_doctype_hidden_behind_another_encoding_is_refused_unparsed(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str) -> None:
    _parser_must_not_run(monkeypatch)
    text = BOMB.replace('version="1.0"?>', f'version="1.0" encoding="{encoding}"?>', 1)
    _refused(store, _write(tmp_path, "bomb.xml", text.encode(encoding)))


def test_a_doctype_after_a_long_comment_is_refused_unparsed(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _parser_must_not_run(monkeypatch)
    text = BOMB.replace("\n<!DOCTYPE", "\n<!--" + "x" * 200_000 + "-->\n<!DOCTYPE", 1)
    _refused(store, _write(tmp_path, "bomb.xml", text), "DOCTYPE")


def test_a_prolog_too_long_to_check_is_refused_unparsed(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _parser_must_not_run(monkeypatch)
    text = BOMB.replace("\n<!DOCTYPE", "\n<!--" + "x" * (2 << 20) + "-->\n<!DOCTYPE", 1)
    _refused(store, _write(tmp_path, "bomb.xml", text))


def test_external_entity_is_never_read(store: Store, tmp_path: Path, home: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _parser_must_not_run(monkeypatch)
    secret = _write(tmp_path, "secret.txt", "TOP-SECRET-VALUE")
    xxe = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        '<CONSOLIDATED_LIST dateGenerated="2025-06-01T00:00:00Z"><INDIVIDUALS><INDIVIDUAL>'
        "<DATAID>1</DATAID><FIRST_NAME>&x;</FIRST_NAME><REFERENCE_NUMBER>QDi.1"
        "</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"
    )
    _refused(store, _write(tmp_path, "xxe.xml", xxe), "DOCTYPE")
    store.close()
    for file in home.iterdir():
        assert b"TOP-SECRET-VALUE" not in file.read_bytes()


def test_wrong_encoding_is_refused(store: Store, tmp_path: Path) -> None:
    text = NEWER.read_text(encoding="utf-8").replace("IVAN", "IVÁN")
    latin = text.replace("Иван Тестовский", "Ivan").encode("latin-1")
    _refused(store, _write(tmp_path, "consolidated.xml", latin), "encoding")


def test_utf8_byte_order_mark_is_read(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "bom.xml", b"\xef\xbb\xbf" + NEWER.read_bytes())
    assert update_from_paths(store, [path]).ok
    assert store.serving()[0].published == "2025-03-01"


def test_utf16_with_byte_order_mark_is_read(store: Store, tmp_path: Path) -> None:
    text = NEWER.read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = _write(tmp_path, "u16.xml", text.encode("utf-16"))
    report = update_from_paths(store, [path])
    assert report.ok, report.failures
    assert store.serving()[0].targets == 3


def test_empty_file_is_refused(store: Store, tmp_path: Path) -> None:
    _refused(store, _write(tmp_path, "consolidated.xml", b""), "empty")


def test_html_error_page_is_refused(store: Store, tmp_path: Path) -> None:
    page = "<!DOCTYPE html><html><head><title>503</title></head><body>Try later</body></html>"
    _refused(store, _write(tmp_path, "consolidated.xml", page), "HTML")


def test_list_with_no_records_is_refused(store: Store, tmp_path: Path) -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST '
        'dateGenerated="2025-06-01T00:00:00Z"><INDIVIDUALS/><ENTITIES/></CONSOLIDATED_LIST>'
    )
    _refused(store, _write(tmp_path, "consolidated.xml", text), "no designated party")


def test_absurd_values_are_warned_and_the_record_kept(store: Store, tmp_path: Path) -> None:
    text = NEWER.read_text(encoding="utf-8")
    text = text.replace("<FIRST_NAME>SAMPLE SHIPPING LINES</FIRST_NAME>",
                        "<FIRST_NAME>SAMPLE SHIPPING LINES</FIRST_NAME>"
                        f"<SECOND_NAME>{'X' * 10_000}</SECOND_NAME>")
    text = text.replace("<DATE>1961-07-14</DATE>", "<DATE>1961-02-31</DATE>")
    path = _write(tmp_path, "consolidated.xml", text)
    report = update_from_paths(store, [path])
    assert report.ok, report.failures
    [serving] = store.serving()
    assert serving.targets == 3
    warnings = store.warnings(serving.id)
    assert any("10" in w and "characters" in w for w in warnings), warnings
    assert any("1961-02-31" in w for w in warnings), warnings
    ivan = next(e for e in store.iter_entities([serving], targets_only=True)
                if "IVAN" in e.caption.upper())
    assert "1961-02" in ivan.get("birthDate")
    assert all(len(n) < 1000 for e in store.iter_entities([serving]) for n in e.names)


def test_unknown_file_is_reported_by_name(store: Store, tmp_path: Path) -> None:
    _refused(store, _write(tmp_path, "notes.csv", "a,b,c\n1,2,3\n"), "not a list format")
