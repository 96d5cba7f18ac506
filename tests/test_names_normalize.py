"""normalize_text: one ASCII, lower-case, single-spaced form of any text, idempotent and total."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from watchlist.names import name_tokens, normalize_text

CLEAN = re.compile(r"^(?:[a-z0-9]+(?: [a-z0-9]+)*)?$")


def test_case_and_diacritics_are_folded() -> None:
    assert normalize_text("Łódź") == "lodz"
    assert normalize_text("MÜLLER") == "muller"
    assert normalize_text("Straße") == "strasse"
    assert normalize_text("Nguyễn Tấn Dũng") == "nguyen tan dung"
    assert normalize_text("Əliyev") == "aliyev"
    assert normalize_text("İstanbul") == "istanbul"


def test_apostrophes_join_the_word() -> None:
    assert normalize_text("O'Brien") == "obrien"
    assert normalize_text("O’Brien") == "obrien"
    assert normalize_text("d`Artagnan") == "dartagnan"


def test_soft_and_hard_signs_leave_no_trace() -> None:
    assert normalize_text("Григорьевич") == "grigoryevich"
    assert normalize_text("подъезд") == "podyezd"


def test_punctuation_and_whitespace_become_single_spaces() -> None:
    assert normalize_text("  Jean-Pierre\t\n DUPONT (jr.) ") == "jean pierre dupont jr"
    assert normalize_text("V.V. Putin") == "v v putin"
    assert normalize_text("a\u00a0b\u2003c") == "a b c"


def test_compatibility_forms_and_other_digits() -> None:
    assert normalize_text("Ｔｏｋｙｏ") == "tokyo"
    assert normalize_text("ﬁnance") == "finance"
    assert normalize_text("٣٤٥") == "345"


def test_cyrillic_uses_the_russian_bgn_convention_by_default() -> None:
    assert normalize_text("Лукашенко Александр") == "lukashenko aleksandr"
    assert normalize_text("Хрущёв") == "khrushchev"
    assert normalize_text("Ельцин") == "yeltsin"


def test_cyrillic_homoglyph_inside_a_latin_word_reads_as_latin() -> None:
    assert normalize_text("\u0420utin") == "putin"  # Cyrillic Р
    assert normalize_text("B\u0430nk") == "bank"  # Cyrillic а


def test_untransliterable_text_becomes_empty_not_garbage() -> None:
    assert normalize_text("វ៉្លាឌីមៀរ") == ""
    assert normalize_text("🙂 ★") == ""
    assert normalize_text("") == ""


def test_lone_surrogates_do_not_raise() -> None:
    assert CLEAN.match(normalize_text("abc\ud800def Пу\udfffтин"))


def test_name_tokens_split_the_normal_form() -> None:
    assert name_tokens("LUKASHENKA, Aliaksandr") == ["lukashenka", "aliaksandr"]
    assert name_tokens("") == []


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_output_is_ascii_lower_single_spaced_and_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert CLEAN.match(once), once
    assert normalize_text(once) == once


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.characters(
            min_codepoint=0x0370, max_codepoint=0xFFFF, exclude_categories=("Cs",)
        ),
        max_size=30,
    )
)
def test_non_latin_text_is_normalised_cleanly(text: str) -> None:
    once = normalize_text(text)
    assert CLEAN.match(once), once
    assert normalize_text(once) == once
