"""A user's own list as FollowTheMoney entities: one JSON object per line (`*.ftm.json`).

Each line is an entity `{"id", "schema", "properties", ...}` as OpenSanctions and
`ftm` export them; nested entities (a property holding an entity object, as in
`targets.nested.json`) are read as entities of their own. Ids are kept as given, so a
user's references between entities keep working. Values are cleaned by their FtM type;
a value that is not valid for its property (a phone number FtM cannot read) is kept in
`notes` with a warning, never silently lost.

Targets: when any entity in the file carries topics, the file says who is designated, and
exactly the entities with the `sanction` topic are targets. When no entity has topics (a
plain list of names, or an export such as party donations), every legal entity, vessel
and airplane in it is marked as a target, so the user's list is screened as a list.

A line that is not JSON, or JSON that is no entity, means a corrupt or truncated file:
the whole file is refused, naming the line. An entity of an unknown schema, or without
an id, is skipped with a warning. The file carries no list date; the newest `last_change`
(OpenSanctions exports) or Sanction date stands in.

Each file is a source of its own: the dataset its entities name (`datasets`), when they
all name the same one, else the file's name (see `watchlist.sources.naming`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from followthemoney import EntityProxy, model
from followthemoney.exc import InvalidData
from followthemoney.types import registry

from watchlist.normalize.dates import iso_date, parse_date
from watchlist.sources.base import MAX_NAME_LENGTH, MAX_VALUE_LENGTH, Context, Format, Sniff
from watchlist.sources.entities import mark_target
from watchlist.sources.files import HEAD_SIZE, head_text, is_html
from watchlist.sources.meter import open_read
from watchlist.sources.naming import file_source_id

SOURCE = "ftm"
FORMAT = "ftm_json"
#: Distinct dataset names kept from a file (one is all that names its source).
MAX_DATASETS = 20
#: Schemata marked as targets when the file has no topics at all.
TARGET_SCHEMATA = ("LegalEntity", "Vessel", "Airplane")
#: Sanction properties whose dates stand in for the missing list date.
_DATE_PROPS = ("listingDate", "startDate", "modifiedAt")
#: How deep nested entities may go before the file is refused.
MAX_NESTING = 8
#: Lines read from the head when sniffing.
SNIFF_LINES = 5
_PARTIAL_ENTITY = re.compile(r'^\s*\{.*"schema"\s*:\s*"[A-Z][A-Za-z]*"', re.DOTALL)
_PARTIAL_PROPS = re.compile(r'"properties"\s*:\s*\{')


def is_entity_dict(data: object) -> bool:
    """True for a JSON object shaped like an FtM entity (a schema name and properties)."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("schema"), str)
        and isinstance(data.get("properties", {}), dict)
        and "properties" in data
    )


def sniff(path: Path, head: bytes) -> Sniff | None:
    """Complete lines of the head parse as JSON entities (a cut last line is ignored).

    The source is named after the file; `parse` finds the dataset its entities name.
    """
    if is_html(head) or head.startswith(b"PK"):
        return None
    text = head_text(head)
    if not text.lstrip().startswith("{"):
        return None
    complete = len(head) < HEAD_SIZE or text.endswith("\n")
    lines = text.splitlines()
    if not complete:
        lines = lines[:-1]
    seen = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            return None
        if not is_entity_dict(data):
            return None
        seen += 1
        if seen >= SNIFF_LINES:
            break
    if seen or (not complete and _PARTIAL_ENTITY.match(text) and _PARTIAL_PROPS.search(text)):
        return Sniff(format=FORMAT, source=file_source_id(path))
    return None


def read_lines(ctx: Context, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, JSON object) for every non-blank line; a bad line fails the file."""
    with open_read(path) as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ctx.fail(f"line {number} is not UTF-8 ({exc}); corrupt file?") from exc
            try:
                data = json.loads(line)
            except (ValueError, RecursionError) as exc:
                raise ctx.fail(f"line {number} is not JSON ({str(exc)[:120]}); "
                               "corrupt or truncated file?") from exc
            if not isinstance(data, dict) or not isinstance(data.get("schema"), str):
                raise ctx.fail(f"line {number} is not a FollowTheMoney entity "
                               "(a JSON object with \"schema\" and \"properties\")")
            yield number, data


def _clean_value(ctx: Context, entity: EntityProxy, prop_name: str, value: object,
                 ref: str) -> str | None:
    """A value cleaned by its property's type; too long or invalid values warned about."""
    prop = entity.schema.properties[prop_name]
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    limit = MAX_NAME_LENGTH if prop.type == registry.name else MAX_VALUE_LENGTH
    if len(text) > limit:
        ctx.warn(ref, f"{prop_name} of {len(text)} characters dropped (longer than {limit})")
        return None
    try:
        cleaned = prop.type.clean(text, format=prop.format, proxy=entity)
    except InvalidData as exc:
        ctx.warn(ref, f"{prop_name} {text[:80]!r} dropped: {exc}")
        return None
    if cleaned is None and prop.type == registry.date:
        parsed = parse_date(text)
        if parsed is not None:
            ctx.warn(ref, f"{prop_name} {text[:80]!r}: {parsed.problem or 'not ISO'}; "
                     f"kept as {parsed.iso}")
            return parsed.iso
    if cleaned is None:
        keep = prop.type != registry.entity and "notes" in entity.schema.properties
        ctx.warn(ref, f"{prop_name} {text[:80]!r} is not a valid {prop.type.name}; "
                 + ("kept in notes" if keep else "dropped"))
        if keep:
            entity.add("notes", f"{prop_name}: {text}", quiet=True)
    return cleaned


def build_entity(ctx: Context, data: Mapping[str, Any], ref: str,
                 depth: int = 0) -> tuple[EntityProxy | None, list[EntityProxy]]:
    """The entity of one JSON object and any nested entities it holds (ids as given)."""
    if depth > MAX_NESTING:
        raise ctx.fail(f"{ref}: entities nested more than {MAX_NESTING} deep")
    schema = model.get(str(data.get("schema")))
    if schema is None or schema.abstract:
        what = "abstract" if schema is not None else "unknown"
        ctx.warn(ref, f"{what} schema {str(data.get('schema'))[:60]!r}; entity skipped")
        return None, []
    raw_id = data.get("id")
    entity_id = registry.entity.clean(str(raw_id)) if raw_id not in (None, "") else None
    if entity_id is None:
        ctx.warn(ref, f"id {str(raw_id)[:80]!r} missing or not a valid entity id; skipped")
        return None, []
    entity = ctx.make(schema.name)
    entity.id = entity_id
    nested: list[EntityProxy] = []
    properties = data.get("properties") or {}
    if not isinstance(properties, dict):
        ctx.warn(entity_id, "properties are not a JSON object; entity skipped")
        return None, []
    for prop_name, values in properties.items():
        if prop_name not in schema.properties:
            ctx.warn(entity_id, f"property {str(prop_name)[:60]!r} is not in {schema.name}; "
                     "dropped")
            continue
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, dict):
                child, more = build_entity(ctx, value, f"{entity_id}.{prop_name}", depth + 1)
                nested.extend(more)
                if child is None:
                    continue
                nested.append(child)
                value = child.id
            elif isinstance(value, (list, bool)):
                ctx.warn(entity_id, f"{prop_name} value {str(value)[:60]!r} is not text; dropped")
                continue
            cleaned = _clean_value(ctx, entity, prop_name, value, entity_id)
            if cleaned is not None:
                entity.unsafe_add(schema.properties[prop_name], cleaned, cleaned=True)
    return entity, nested


def _note_datasets(ctx: Context, data: Mapping[str, Any]) -> None:
    """Keep the dataset names an entity carries (OpenSanctions' `datasets`), a few at most."""
    names = data.get("datasets")
    for name in names if isinstance(names, list) else []:
        if isinstance(name, str) and len(ctx.datasets) < MAX_DATASETS:
            ctx.datasets.add(name)


def _note_dates(ctx: Context, data: Mapping[str, Any], entity: EntityProxy) -> None:
    """Feed the stand-in list date: OpenSanctions' last_change, a Sanction's dates."""
    last_change = data.get("last_change")
    if isinstance(last_change, str):
        ctx.saw_listing_date(iso_date(last_change[:10]))
    if entity.schema.is_a("Sanction"):
        for prop in _DATE_PROPS:
            for value in entity.get(prop, quiet=True):
                if len(value) >= 10:
                    ctx.saw_listing_date(value[:10])


def is_default_target(entity: EntityProxy) -> bool:
    """A legal entity, vessel or airplane: what a list without topics designates."""
    return any(entity.schema.is_a(name) for name in TARGET_SCHEMATA)


def parse(ctx: Context, files: Mapping[str, Path]) -> Iterator[EntityProxy]:
    """Every entity of the file; targets as its topics say, or every party if it has none."""
    path = files["main"]
    entities: list[EntityProxy] = []
    lines = 0
    for number, data in read_lines(ctx, path):
        lines += 1
        _note_datasets(ctx, data)
        entity, nested = build_entity(ctx, data, f"line {number}")
        entities.extend(nested)
        if entity is not None:
            _note_dates(ctx, data, entity)
            entities.append(entity)
    if lines == 0:
        raise ctx.fail("holds no entities: zero records")
    if not entities:
        raise ctx.fail(f"none of its {lines} lines is an entity watchlist can read")
    has_topics = any(entity.get("topics", quiet=True) for entity in entities)
    for entity in entities:
        if not has_topics and is_default_target(entity):
            mark_target(entity)
        yield entity

FORMATS = [Format(name=FORMAT, sniff=sniff, parse=parse)]
