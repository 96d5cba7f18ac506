"""Tokenising running text: offsets, possessives, line breaks, and inflected names."""

from __future__ import annotations

import os
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from watchlist.text.inflect import EXACT, FEMININE, INFLECTED, word_forms
from watchlist.text.tokens import BREAK, HYPHEN, INITIAL, LINE, SPACE, tokenize


@given(st.text(alphabet=st.sampled_from(list("abAB Лукаш'’.-,\n\t\u0301")), max_size=60))
def test_token_offsets_always_point_at_the_word(text: str) -> None:
    previous_end = 0
    for token in tokenize(text):
        assert 0 <= previous_end <= token.start < token.end <= len(text)
        if "\n" not in text[token.start:token.end]:
            assert text[token.start:token.end] == token.text
        previous_end = token.end


def test_possessive_ends_the_word_and_the_name() -> None:
    tokens = tokenize("Lukashenko's regime and O'Brien")
    assert [(t.text, t.possessive) for t in tokens] == [
        ("Lukashenko", True), ("regime", False), ("and", False), ("O'Brien", False)]
    assert tokens[0].end == len("Lukashenko") and tokens[1].gap == BREAK


def test_gaps_say_where_a_name_may_run_on() -> None:
    tokens = tokenize("A. Lukashenko\nmet Jong-un, then\n\nPutin")
    assert [t.gap for t in tokens] == [BREAK, INITIAL, LINE, SPACE, HYPHEN, BREAK, BREAK]
    assert tokens[-1].sentence_start and not tokens[1].sentence_start


def test_word_hyphenated_over_a_line_is_one_word() -> None:
    text = "President Lukashen-\nko spoke"
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["President", "Lukashenko", "spoke"]
    assert text[tokens[1].start:tokens[1].end] == "Lukashen-\nko"


def test_russian_case_endings_give_the_nominative() -> None:
    forms = dict(word_forms("Путина"))
    assert forms["putina"] == EXACT and forms["putin"] == FEMININE
    assert dict(word_forms("Лукашенка"))["lukashenko"] == INFLECTED  # Ukrainian genitive
    assert dict(word_forms("Ермошиной"))["yermoshina"] == INFLECTED
    assert dict(word_forms("Александру"))["aleksandr"] == INFLECTED
    assert dict(word_forms("Putins"))["putin"] == INFLECTED
    assert word_forms("Lukashenko") == (("lukashenko", EXACT),)


def test_word_forms_do_not_depend_on_the_hash_seed() -> None:
    script = ("from watchlist.text.inflect import word_forms; "
              "print([word_forms(w) for w in ('Ермошиной', 'Лукашэнку', 'Аляксандра', "
              "'Sheyman', 'Путиным')])")
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join(sys.path)}
        done = subprocess.run([sys.executable, "-c", script], env=env, check=True,
                              capture_output=True, text=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1
