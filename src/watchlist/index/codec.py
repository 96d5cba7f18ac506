"""The index as plain data: JSON and numpy `.npy` arrays, which loading can never run as code.

`encode` turns an `Index` into named members (`index.json` for names, records and the small
tables; one `.npy` file per numeric array or integer table, read with `allow_pickle=False`);
`decode` checks their shape (types, array kinds and lengths, every stored position in range)
and rebuilds an index that screens exactly as the original. Tables of integer tuples (the
deletion neighbourhood, skeletons, name symbols, identifiers, profiles) are stored as keys
plus offsets into one array, which is smaller and faster to read than JSON lists.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import orjson

from watchlist.errors import WatchlistError
from watchlist.index.model import FORMAT, Index
from watchlist.match.prepare import NameForm, Party, TokenStats, kind_of
from watchlist.match.symbols import load_symbols

__all__ = ["JSON_MEMBER", "MEMBERS", "IndexDataError", "decode", "encode", "load"]

JSON_MEMBER = "index.json"
#: Arrays of the index with the kind they must have ({name: dtype}).
_ARRAYS = {"form_entity": np.int32, "form_weight": np.float32, "vocab_weight": np.float32,
           "post_offsets": np.int64, "post_forms": np.int32, "profile_of": np.int32,
           "profile_lead": np.int32, "exp_offsets": np.int64, "exp_tids": np.int32,
           "exp_sims": np.float64}
#: Arrays an index may lack (stored empty).
_OPTIONAL = ("exp_offsets", "exp_tids", "exp_sims")
#: Tables {key: tuple of ints} (and the list of profiles) stored as keys + offsets + values.
_TABLES = ("deletes", "skeletons", "symbol_members", "identifiers", "profiles")
#: Every member an encoded index has, and no other.
MEMBERS = frozenset({JSON_MEMBER} | {f"{name}.npy" for name in _ARRAYS}
                    | {f"{name}.{part}.npy" for name in _TABLES
                       for part in ("offsets", "values")})


class IndexDataError(WatchlistError):
    """Encoded index data that does not describe an index (malformed or inconsistent)."""


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def _table(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and flat values of a sequence of integer tuples."""
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(v) for v in values])
    flat = np.fromiter((i for v in values for i in v), dtype=np.int32, count=int(offsets[-1]))
    return offsets, flat


def _party(p: Party) -> list[Any]:
    return [p.schema, [[n, w] for n, w in p.names], list(p.dates), sorted(p.countries),
            {k: sorted(v) for k, v in p.identifiers.items()}, p.gender, p.id, p.caption,
            None if p.primary is None else sorted(p.primary)]


def encode(index: Index) -> dict[str, bytes]:
    """The members (name -> bytes) holding the index as plain data."""
    tables: dict[str, list[str] | None] = {}
    members: dict[str, bytes] = {}
    for name in _TABLES:
        value = getattr(index, name)
        keys = None if name == "profiles" else list(value)
        rows = value if keys is None else [value[k] for k in keys]
        offsets, flat = _table(rows)
        members[f"{name}.offsets.npy"] = _npy(offsets)
        members[f"{name}.values.npy"] = _npy(flat)
        tables[name] = keys
    for name, dtype in _ARRAYS.items():
        value = getattr(index, name)
        members[f"{name}.npy"] = _npy(np.asarray([] if value is None else value, dtype=dtype))
    document = {
        "format": index.format, "key": index.key, "versions": index.versions,
        "built_at": index.built_at, "build_seconds": index.build_seconds,
        "stats": {"df": index.stats.df, "entities": index.stats.entities,
                  "key": index.stats.key},
        "parties": [_party(p) for p in index.parties],
        "sources": index.sources, "designations": index.designations,
        "forms": [list(f) for f in index.forms],
        "vocab_tokens": index.vocab_tokens,
        "symbols": {k: sorted(v) for k, v in index.symbols.items()},
        "profile_ids": index.profile_ids, "links": index.links,
        "table_keys": {k: v for k, v in tables.items() if v is not None},
    }
    members[JSON_MEMBER] = orjson.dumps(document)
    return members


def _fail(problem: str) -> IndexDataError:
    return IndexDataError(f"malformed index data: {problem}")


def _array(members: Mapping[str, bytes], name: str, dtype: Any) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(members[name]), allow_pickle=False)
    except KeyError:
        raise _fail(f"no {name}") from None
    except (ValueError, OSError, EOFError) as exc:
        raise _fail(f"{name} is not a numpy array ({exc})") from None
    if array.dtype != np.dtype(dtype) or array.ndim != 1:
        raise _fail(f"{name} holds {array.dtype} of {array.ndim} dimensions, not a list of "
                    f"{np.dtype(dtype)}")
    return array


def _check_range(name: str, array: np.ndarray, size: int) -> None:
    """Refuse positions outside 0..size-1 (they would fail in every screening)."""
    if len(array) and (int(array.min()) < 0 or int(array.max()) >= size):
        raise _fail(f"{name} points outside its {size} items")


def _check_offsets(name: str, offsets: np.ndarray, rows: int, total: int) -> None:
    if (len(offsets) != rows + 1 or (len(offsets) and int(offsets[0]) != 0)
            or int(offsets[-1]) != total or bool(np.any(np.diff(offsets) < 0))):
        raise _fail(f"{name} offsets do not describe {rows} rows of {total} values")


def _rows(members: Mapping[str, bytes], name: str, rows: int, size: int
          ) -> list[tuple[int, ...]]:
    """The integer tuples of a table, each value a position below `size`."""
    offsets = _array(members, f"{name}.offsets.npy", np.int64)
    flat = _array(members, f"{name}.values.npy", np.int32)
    _check_offsets(name, offsets, rows, len(flat))
    _check_range(name, flat, size)
    values = flat.tolist()
    bounds = offsets.tolist()
    return [tuple(values[bounds[i]:bounds[i + 1]]) for i in range(rows)]


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not set(map(type, value)) <= {str}:
        raise _fail(f"{what} is not a list of strings")
    return value


def _of(value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind):
        raise _fail(f"{what} is not {getattr(kind, '__name__', kind)}")
    return value


def _records(value: Any, what: str, nested: bool = False) -> list[Any]:
    """A list of records (JSON objects), or with `nested` a list of lists of them."""
    rows = _of(value, list, what)
    items = (x for row in rows for x in _of(row, list, what)) if nested else iter(rows)
    if not all(isinstance(x, dict) for x in items):
        raise _fail(f"{what} are not records")
    return rows


def _to_party(row: Any) -> Party:
    schema, names, dates, countries, identifiers, gender, pid, caption, primary = row
    return Party(schema=schema, names=[(n, w) for n, w in names], dates=tuple(dates),
                 countries=frozenset(countries),
                 identifiers={k: frozenset(v) for k, v in identifiers.items()},
                 gender=gender, id=pid, caption=caption,
                 primary=None if primary is None else frozenset(primary))


def _to_form(row: Any) -> NameForm:
    tokens, weights, legal, original, weak, script, minor = row
    return NameForm(tuple(tokens), tuple(weights), tuple(legal), original, weak, script,
                    tuple(minor))


def _each(rows: Any, make: Callable[[Any], Any], what: str) -> list[Any]:
    try:
        return [make(row) for row in _of(rows, list, what)]
    except (TypeError, ValueError, AttributeError) as exc:
        raise _fail(f"{what} ({type(exc).__name__}: {exc})") from None


def decode(members: Mapping[str, bytes]) -> Index:
    """The index the members hold, once their shape is checked (IndexDataError if not)."""
    if JSON_MEMBER not in members:
        raise _fail(f"no {JSON_MEMBER}")
    try:
        doc = orjson.loads(members[JSON_MEMBER])
    except orjson.JSONDecodeError as exc:
        raise _fail(f"{JSON_MEMBER} is not JSON ({exc})") from None
    doc = _of(doc, dict, JSON_MEMBER)
    if doc.get("format") != FORMAT:
        raise _fail(f"index format {doc.get('format')!r}, not {FORMAT}")
    stats_doc = _of(doc.get("stats"), dict, "stats")
    df = _of(stats_doc.get("df"), dict, "stats.df")
    if not all(isinstance(v, int) for v in df.values()):
        raise _fail("stats.df counts are not integers")
    stats = TokenStats(df, _of(stats_doc.get("entities"), int, "stats.entities"),
                       _of(stats_doc.get("key"), str, "stats.key"))
    parties = _each(doc.get("parties"), _to_party, "parties")
    forms = _each(doc.get("forms"), _to_form, "forms")
    vocab_tokens = _strings(doc.get("vocab_tokens"), "vocab_tokens")
    sources = _strings(doc.get("sources"), "sources")
    profile_ids = _strings(doc.get("profile_ids"), "profile_ids")
    designations = _records(doc.get("designations"), "designations", nested=True)
    if not len(sources) == len(designations) == len(parties):
        raise _fail(f"{len(parties)} parties but {len(sources)} sources and "
                    f"{len(designations)} designation lists")

    arrays = {name: _array(members, f"{name}.npy", dtype) for name, dtype in _ARRAYS.items()}
    if len(arrays["form_entity"]) != len(forms) or len(arrays["form_weight"]) != len(forms):
        raise _fail("form arrays do not have one value per name form")
    if len(arrays["vocab_weight"]) != len(vocab_tokens):
        raise _fail("vocab_weight does not have one value per token")
    if len(arrays["profile_of"]) != len(parties):
        raise _fail("profile_of does not have one value per party")
    _check_range("form_entity", arrays["form_entity"], len(parties))
    _check_offsets("post_offsets", arrays["post_offsets"], len(vocab_tokens),
                   len(arrays["post_forms"]))
    _check_range("post_forms", arrays["post_forms"], len(forms))
    expansions: dict[str, np.ndarray | None] = dict.fromkeys(_OPTIONAL)
    if len(arrays["exp_offsets"]):
        _check_offsets("exp_offsets", arrays["exp_offsets"], len(vocab_tokens),
                       len(arrays["exp_tids"]))
        if len(arrays["exp_sims"]) != len(arrays["exp_tids"]):
            raise _fail("exp_sims does not have one value per expansion")
        _check_range("exp_tids", arrays["exp_tids"], len(vocab_tokens))
        if not bool(np.all((arrays["exp_sims"] >= 0.0) & (arrays["exp_sims"] <= 1.0))):
            raise _fail("exp_sims holds a similarity outside [0, 1]")
        expansions = {name: arrays[name] for name in _OPTIONAL}

    keys = _of(doc.get("table_keys"), dict, "table_keys")
    sized = {"deletes": len(vocab_tokens), "skeletons": len(vocab_tokens),
             "symbol_members": len(vocab_tokens), "identifiers": len(parties)}
    tables: dict[str, Any] = {}
    for name, size in sized.items():
        names = _strings(keys.get(name), f"table_keys.{name}")
        tables[name] = dict(zip(names, _rows(members, name, len(names), size), strict=True))
    profile_rows = len(profile_ids)
    if len(arrays["profile_lead"]) != profile_rows:
        raise _fail("profile_lead does not have one value per profile")
    profiles = _rows(members, "profiles", profile_rows, len(parties))
    _check_range("profile_of", arrays["profile_of"], max(profile_rows, 1))
    _check_range("profile_lead", arrays["profile_lead"], len(parties))
    symbols = _of(doc.get("symbols"), dict, "symbols")

    index = Index(
        key=_of(doc.get("key"), str, "key"),
        versions=_records(doc.get("versions"), "versions"),
        stats=stats, parties=parties, sources=sources, designations=designations,
        form_entity=arrays["form_entity"], form_weight=arrays["form_weight"], forms=forms,
        vocab={t: i for i, t in enumerate(vocab_tokens)}, vocab_tokens=vocab_tokens,
        vocab_weight=arrays["vocab_weight"], post_offsets=arrays["post_offsets"],
        post_forms=arrays["post_forms"], exp_offsets=expansions["exp_offsets"],
        exp_tids=expansions["exp_tids"], exp_sims=expansions["exp_sims"],
        deletes=tables["deletes"], skeletons=tables["skeletons"],
        symbol_members=tables["symbol_members"],
        symbols={k: frozenset(_strings(v, "symbols")) for k, v in symbols.items()},
        identifiers=tables["identifiers"],
        profile_of=arrays["profile_of"], profiles=profiles,
        profile_lead=arrays["profile_lead"].tolist(), profile_ids=profile_ids,
        links=_records(doc.get("links"), "links"),
        built_at=_of(doc.get("built_at"), (int, float), "built_at"),
        build_seconds=_of(doc.get("build_seconds"), (int, float), "build_seconds"),
    )
    _attach_forms(index)
    return index


def _attach_forms(index: Index) -> None:
    """Give each party its prepared name forms (as the build left them cached), so the
    first screenings do not prepare every name again."""
    bounds = np.flatnonzero(np.diff(index.form_entity)) + 1
    if len(index.form_entity) and bool(np.any(np.diff(index.form_entity) < 0)):
        raise _fail("form_entity is not in party order")
    starts = [0, *bounds.tolist()]
    ends = [*bounds.tolist(), len(index.forms)]
    owners = index.form_entity[starts].tolist() if len(index.forms) else []
    slices = {e: (s, t) for e, s, t in zip(owners, starts, ends, strict=True)}
    key = index.stats.key
    for e, party in enumerate(index.parties):
        start, end = slices.get(e, (0, 0))
        party._forms[(kind_of(party.schema), key)] = index.forms[start:end]


def load(members: Mapping[str, bytes]) -> Index:
    """The index the members hold, ready to screen (IndexDataError if malformed).

    The cyclic garbage collector is paused while the many small objects are made (twice
    as fast), and they are then frozen out of its way for the life of the process."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        index = decode(members)
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    load_symbols(index.symbols, index.vocab_tokens)
    return index
