"""Legal forms: found in many languages and scripts, grouped, and never a match on their own."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchlist.names import (
    ORG_WEAK_WORDS,
    WEAK_WORD_WEIGHT,
    canonical_legal_form,
    is_legal_form,
    name_key,
    name_tokens,
    org_token_weight,
    split_legal_form,
)


def test_ooo_romashka_and_romashka_llc_have_the_same_core() -> None:
    assert split_legal_form("OOO Romashka") == (["romashka"], ["llc"])
    assert split_legal_form("Romashka LLC") == (["romashka"], ["llc"])
    assert name_key("OOO Romashka") == name_key("Romashka LLC") == "romashka"


def test_cyrillic_ooo_and_its_long_form_are_llc() -> None:
    assert split_legal_form("ООО «Ромашка»") == (["romashka"], ["llc"])
    long_form = 'Общество с ограниченной ответственностью "Ромашка"'
    assert split_legal_form(long_form) == (["romashka"], ["llc"])
    spelled = "Obshchestvo s Ogranichennoy Otvetstvennostyu Romashka"
    assert split_legal_form(spelled) == (["romashka"], ["llc"])
    assert split_legal_form("ТОВ Ромашка") == (["romashka"], ["llc"])


@pytest.mark.parametrize("name", ["LTD", "Ltd.", "CORP", "Limited", "Inc", "ООО", "S.A."])
def test_a_legal_form_alone_yields_no_core_tokens(name: str) -> None:
    core, forms = split_legal_form(name)
    assert core == [] and forms
    assert name_key(name, "org") == ""
    assert is_legal_form(name)


@pytest.mark.parametrize(
    ("aliases", "canonical"),
    [
        (["OOO", "LLC", "Limited Liability Company", "L.L.C.", "ООО"], "llc"),
        (["ZAO", "CJSC", "ЗАО", "Closed Joint-Stock Company"], "cjsc"),
        (["OAO", "OJSC", "ОАО", "Open Joint Stock Company"], "ojsc"),
        (["PAO", "PJSC", "ПАО", "Публичное акционерное общество"], "pjsc"),
        (["JSC", "AO", "АО", "Joint Stock Company"], "jsc"),
        (["GmbH", "Gesellschaft mit beschränkter Haftung"], "gmbh"),
        (["Ltd", "Limited", "Co., Ltd."], "ltd"),
        (["Corp", "Corporation"], "corp"),
        (["Inc", "Incorporated"], "inc"),
        (["SA", "S.A.", "Société Anonyme"], "sa"),
        (["AG", "Aktiengesellschaft"], "ag"),
        (["PLC", "Public Limited Company"], "plc"),
        (["FZE", "Free Zone Establishment"], "fze"),
        (["FZCO", "FZ-LLC"], "fzco"),
    ],
)
def test_spellings_of_one_legal_form_share_a_canonical_name(
    aliases: list[str], canonical: str
) -> None:
    for alias in aliases:
        assert canonical_legal_form(alias) == canonical, alias
        assert split_legal_form(f"Acme {alias}") == (["acme"], [canonical]), alias


def test_rigour_supplies_the_long_tail_of_forms() -> None:
    assert split_legal_form("Acme Sp. z o.o.") == (["acme"], ["spzoo"])
    assert split_legal_form("Acme Oy")[0] == ["acme"]
    assert split_legal_form("Acme UAB")[0] == ["acme"]


def test_rigour_aliases_that_are_words_or_numerals_are_kept() -> None:
    assert split_legal_form("Bowne Global Solutions II, Inc.")[0] == [
        "bowne", "global", "solutions", "ii"
    ]  # fmt: skip
    assert split_legal_form("Keg Restaurants Ltd")[0] == ["keg", "restaurants"]
    assert split_legal_form("SEM Group")[0] == ["sem", "group"]


def test_longer_forms_count_anywhere_short_ones_only_at_the_ends() -> None:
    core, forms = split_legal_form("Gazprom Neft PJSC (formerly Sibneft)")
    assert core == ["gazprom", "neft", "formerly", "sibneft"] and forms == ["pjsc"]
    assert split_legal_form("Made As Art Ltd")[0] == ["made", "as", "art"]
    assert split_legal_form("A.S. Watson")[0] == ["a", "s", "watson"]
    assert split_legal_form("AO Kronshtadt") == (["kronshtadt"], ["jsc"])
    assert split_legal_form("XYZ GmbH & Co. KG") == (["xyz"], ["kg"])


def test_weak_org_words_stay_in_the_core_with_a_low_weight() -> None:
    assert split_legal_form("Acme Trading Company LLC") == (["acme", "trading", "company"], ["llc"])
    assert {"company", "trading", "international", "group", "bank"} <= ORG_WEAK_WORDS
    assert org_token_weight("trading") == WEAK_WORD_WEIGHT < 1.0
    assert org_token_weight("ltd") == 0.0
    assert org_token_weight("romashka") == 1.0


WORDS = st.sampled_from(
    ["romashka", "gazprom", "acme", "sibneft", "mahan", "melli", "rosoboronexport", "aeroflot"]
) | st.from_regex(r"[a-z]{4,10}", fullmatch=True)
CORE_WORD = WORDS.filter(lambda w: not is_legal_form(w))
ALIASES = st.sampled_from(
    ["LLC", "OOO", "ООО", "Ltd", "Limited", "GmbH", "PJSC", "ZAO", "S.A.", "AG", "Inc", "Corp"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(CORE_WORD, min_size=1, max_size=5), ALIASES, st.booleans())
def test_split_legal_form_never_loses_a_core_token(
    words: list[str], alias: str, leading: bool
) -> None:
    name = f"{alias} {' '.join(words)}" if leading else f"{' '.join(words)} {alias}"
    core, forms = split_legal_form(name)
    if leading and alias in ("S.A.", "AG"):  # short forms count only at the end
        assert core[-len(words) :] == words
    else:
        assert core == words
        assert len(forms) == 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_split_legal_form_core_is_a_subsequence_of_the_tokens(text: str) -> None:
    tokens = name_tokens(text)
    core, forms = split_legal_form(text)
    remaining = iter(tokens)
    assert all(token in remaining for token in core)
    assert len(core) <= len(tokens)
    if not forms:
        assert core == tokens
