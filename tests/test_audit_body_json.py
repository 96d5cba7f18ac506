"""The hashed text of an audit entry, put together from its parts, is its canonical JSON."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from watchlist.store.audit import _body_json, canonical_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@given(seq=st.integers(1, 2**62), at=st.text(), actor=st.text(), action=st.text(),
       query=json_values, versions=json_values, hits=json_values, prev=st.text())
def test_entry_text_from_parts_equals_canonical_json_of_the_body(
        seq: int, at: str, actor: str, action: str, query: Any, versions: Any, hits: Any,
        prev: str) -> None:
    body = {"seq": seq, "at": at, "actor": actor, "action": action, "query": query,
            "versions": versions, "hits": hits, "prev_hash": prev}
    assert _body_json(seq, at, actor, action, canonical_json(query), canonical_json(versions),
                      canonical_json(hits), prev) == canonical_json(body)
