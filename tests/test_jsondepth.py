"""JSON nesting is measured without parsing and without recursion: brackets in strings do
not count, and a megabyte of hostile text is measured in well under a second."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchlist.jsondepth import MAX_DEPTH, too_deep


def _reference_depth(text: str) -> int:
    """The deepest nesting, read character by character (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


@pytest.mark.parametrize("text", ["[" * 100_000, "{\"a\":" * 3000 + "1" + "}" * 3000,
                                  '{"queries": ' + "[" * (MAX_DEPTH + 1)])
def test_deep_json_is_too_deep(text: str) -> None:
    assert too_deep(text)
    assert too_deep(text.encode())


def test_the_limit_itself_is_accepted() -> None:
    document = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert not too_deep(document)
    assert json.loads(document)  # and parses: the limit is below the parser's own
    assert too_deep("[" + document + "]")


@pytest.mark.parametrize("text", [
    json.dumps({"name": "[" * 10_000}),                       # brackets inside a string
    json.dumps({"name": '\\"' + "{" * 10_000 + '"'}),         # escaped quotes in it too
    "[]" * 100_000,                                           # many, never deep
    json.dumps([[[[1]]]] * 1000),
])
def test_brackets_in_strings_or_side_by_side_are_not_depth(text: str) -> None:
    assert not too_deep(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='[]{}"\\a, ', max_size=40), st.integers(min_value=0, max_value=4))
def test_depth_agrees_with_a_character_by_character_reading(text: str, limit: int) -> None:
    assert too_deep(text, limit) == (_reference_depth(text) > limit)


@pytest.mark.parametrize("text", [
    "[" + "[]," * 349_000 + "[]]",                            # 1 MB of brackets, depth 2
    ("[" * 399 + "]" * 399 + ",") * 1300,                     # 1 MB just under the limit
    '"' + '\\"' * 500_000,                                    # a string that never ends
    '\\"' * 500_000 + "\\",                                   # quotes behind backslashes
])
def test_a_megabyte_of_hostile_text_is_measured_quickly(text: str) -> None:
    start = time.perf_counter()
    too_deep(text)
    assert time.perf_counter() - start < 1.0
