"""The prolog check that refuses a DOCTYPE before any XML parser sees the document."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchlist.sources.xml_prolog import MAX_PROLOG, prolog_problem

ROOT = "<CONSOLIDATED_LIST a='1'><X>text</X></CONSOLIDATED_LIST>"
DOCTYPES = ['<!DOCTYPE r [<!ENTITY a "b">]>', "<!DOCTYPE r SYSTEM 'http://x/y.dtd'>",
            "<!doctype r>", "<!ENTITY a 'b'>", "<!ELEMENT r ANY>", "<![CDATA[x]]>"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-7",
             "latin-1", "cp1252", "koi8-r", "shift_jis", "iso2022_jp"]

_comment_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40).filter(
    lambda t: "--" not in t and not t.endswith("-"))
_misc = st.one_of(
    st.sampled_from([" ", "\n", "\r\n\t"]),
    _comment_text.map(lambda t: f"<!--{t}-->"),
    st.sampled_from(["<?xml-stylesheet href='a.xsl'?>", "<?pi data?>"]),
)


def _document(encoding: str, misc: list[str], doctype: str | None) -> bytes:
    declared = encoding.replace("-sig", "")
    prolog = "".join(misc)
    text = (f'<?xml version="1.0" encoding="{declared}"?>' + prolog
            + (doctype or "") + "\n" + ROOT)
    return text.encode(encoding, errors="ignore")


@given(st.sampled_from(ENCODINGS), st.lists(_misc, max_size=6), st.sampled_from(DOCTYPES))
def test_any_declaration_in_the_prolog_is_refused_in_any_encoding(
        encoding: str, misc: list[str], doctype: str) -> None:
    problem = prolog_problem(_document(encoding, misc, doctype), whole=True)
    assert problem is not None


@given(st.sampled_from(ENCODINGS), st.lists(_misc, max_size=6))
def test_a_prolog_of_comments_and_instructions_is_accepted(encoding: str,
                                                         misc: list[str]) -> None:
    data = _document(encoding, misc, None)
    assert prolog_problem(data, whole=True) is None


@given(st.binary(max_size=300))
def test_any_bytes_give_an_answer_never_an_exception(data: bytes) -> None:
    problem = prolog_problem(data, whole=True)
    assert problem is None or isinstance(problem, str)


def test_a_doctype_without_an_xml_declaration_is_refused() -> None:
    assert "DOCTYPE" in prolog_problem(b'<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>', whole=True)


def test_a_document_with_no_declaration_is_accepted() -> None:
    assert prolog_problem(ROOT.encode(), whole=True) is None


def test_utf16_without_a_byte_order_mark_is_read_by_its_first_bytes() -> None:
    data = '<?xml version="1.0"?><!DOCTYPE r><r/>'.encode("utf-16-le")
    assert "DOCTYPE" in prolog_problem(data, whole=True)


def test_an_unknown_encoding_is_refused_naming_it() -> None:
    problem = prolog_problem(b'<?xml version="1.0" encoding="x-klingon"?><r/>', whole=True)
    assert problem is not None and "x-klingon" in problem


def test_ebcdic_is_refused() -> None:
    data = '<?xml version="1.0" encoding="cp037"?><r/>'.encode("cp037")
    assert prolog_problem(data, whole=True) is not None


def test_a_prolog_longer_than_the_limit_is_refused_when_the_file_goes_on() -> None:
    data = b"<?xml version='1.0'?><!--" + b"x" * MAX_PROLOG
    assert prolog_problem(data[:MAX_PROLOG], whole=False) is not None


def test_a_short_truncated_file_is_left_to_the_parser_to_report() -> None:
    assert prolog_problem(b"<?xml version='1.0'?><!-- never closed", whole=True) is None


def test_invalid_bytes_in_the_prolog_are_refused_as_the_wrong_encoding() -> None:
    problem = prolog_problem(b"<?xml version='1.0' encoding='utf-8'?><!-- \xff\xfe --><r/>",
                             whole=True)
    assert problem is not None and "encoding" in problem


def test_invalid_bytes_after_the_root_starts_are_left_to_the_parser() -> None:
    assert prolog_problem(b"<?xml version='1.0'?><r>\xff</r>", whole=True) is None


@pytest.mark.parametrize("junk", [b"\x00\xffjunk", b"hello <r/>"])
def test_text_before_the_root_element_is_refused(junk: bytes) -> None:
    assert prolog_problem(junk, whole=True) is not None
