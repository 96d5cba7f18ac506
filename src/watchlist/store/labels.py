"""How a list version is named wherever one is shown, so a snapshot bundled in the package
always says it is one (status, check and scan output, API responses, web pages)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def _get(version: Any, key: str) -> Any:
    if isinstance(version, Mapping):
        return version.get(key)
    return getattr(version, key, None)


def bundled_date(version: Any) -> str | None:
    """The snapshot date of a version imported from the bundle (a Version or its dict form);
    None for a version from a publisher or a user's file."""
    return _get(version, "bundled") or None


def bundled_notice(version: Any) -> str | None:
    """`bundled snapshot of DATE, not the publisher's current list`, or None."""
    date = bundled_date(version)
    return f"bundled snapshot of {date}, not the publisher's current list" if date else None


def published_text(version: Any) -> str:
    """A version's date as shown beside it: the publisher's, or the bundled notice."""
    notice = bundled_notice(version)
    published = _get(version, "published") or "not dated"
    return f"{published} ({notice})" if notice else published


def version_label(version: Any) -> str:
    """`un_sc_sanctions v3`, with the bundled notice when it is one."""
    label = f"{_get(version, 'source')} v{_get(version, 'version')}"
    notice = bundled_notice(version)
    return f"{label} ({notice})" if notice else label


def bundled_summary(versions: Iterable[Any]) -> str | None:
    """The labels of the bundled versions among these, `; `-joined; None when there are none."""
    found = [version_label(v) for v in versions if bundled_date(v)]
    return "; ".join(found) or None


def mark_ref(ref: dict[str, Any], version: Any) -> dict[str, Any]:
    """A version's JSON reference with `bundled` (its date) and `notice` added when it is a
    bundled snapshot; unchanged otherwise."""
    date = bundled_date(version)
    if date:
        ref = {**ref, "bundled": date, "notice": bundled_notice(version)}
    return ref


def version_ref(version: Any) -> dict[str, Any]:
    """How an answer, a report or the audit log names a list version (a Version, or a
    mapping of its fields): source, version number, publisher date, sha256, and `bundled`,
    `notice` for a snapshot bundled in the package."""
    data = dict(version) if isinstance(version, Mapping) else version.to_dict()
    return mark_ref({k: data.get(k) for k in ("source", "version", "published", "sha256")}, data)


def header_value(versions: Sequence[Any]) -> str:
    """`un_sc_sanctions=3, us_ofac_sdn=1;bundled=2021-07-07`: each version, and the date of
    a bundled snapshot."""
    parts = []
    for v in versions:
        data = v if isinstance(v, Mapping) else v.to_dict()
        date = bundled_date(data)
        parts.append(f"{data['source']}={data['version']}" + (f";bundled={date}" if date else ""))
    return ", ".join(parts) or "none"
