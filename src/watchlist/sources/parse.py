"""Running a format over a snapshot's files and checking the result before it is stored."""

from __future__ import annotations

from followthemoney import EntityProxy
from followthemoney.types import registry

from watchlist.errors import SourceError
from watchlist.sources.base import Context, FileSet, Format
from watchlist.sources.meter import Progress, metering
from watchlist.sources.naming import given_source_problem, own_source_id
from watchlist.sources.registry import formats
from watchlist.sources.snapshot import (
    FILE_DATE,
    NEWEST_LISTING,
    UNDATED,
    Snapshot,
    files_sha256,
    stored_entity,
)


def parse_entities(fileset: FileSet, source: str | None = None,
                   progress: Progress | None = None) -> tuple[list[EntityProxy], Context]:
    """All entities of a snapshot, duplicates merged; raises SourceError for a broken file.

    `ctx.source` ends as the snapshot's source: `source` when given, else the one the file
    names for itself (a FollowTheMoney dataset), else the one it was recognised as.
    `progress(done, total)` is told the bytes of the files read so far as parsing goes.
    """
    if source is not None and (problem := given_source_problem(source, fileset.format)):
        raise SourceError(fileset.label, problem)
    ctx = Context(source=source or fileset.source, file=fileset.label)
    fmt = formats()[fileset.format]
    entities: dict[str, EntityProxy] = {}
    with metering(fileset.files.values(), progress, fmt.passes) as meter:
        _parse_into(entities, fmt, ctx, fileset)
        if meter is not None:
            meter.finish()
    if source is None:
        ctx.source, notes = own_source_id(fileset.format, fileset.source, ctx.datasets)
        ctx.notes.extend(notes)
    return list(entities.values()), ctx


def _parse_into(entities: dict[str, EntityProxy], fmt: Format, ctx: Context,
                fileset: FileSet) -> None:
    try:
        for entity in fmt.parse(ctx, fileset.files):
            if not entity.id:
                raise ctx.fail(f"the parser made a {entity.schema.name} without an id")
            seen = entities.get(entity.id)
            if seen is None:
                entities[entity.id] = entity
            elif seen.schema != entity.schema and not (
                seen.schema.is_a(entity.schema) or entity.schema.is_a(seen.schema)
            ):
                ctx.warn(entity.id, f"id used for both {seen.schema.name} and "
                         f"{entity.schema.name}; the second was dropped")
            else:
                seen.merge(entity)
    except SourceError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, UnicodeError, OSError, EOFError) as exc:
        raise SourceError(fileset.label, f"could not be read: {type(exc).__name__}: {exc}") from exc


def validate(entities: list[EntityProxy], ctx: Context) -> None:
    """Refuse a snapshot that cannot be a list: no target at all, or targets without names."""
    targets = [e for e in entities if "sanction" in e.get("topics", quiet=True)]
    if not targets:
        raise ctx.fail("holds no designated party; refusing to replace the list with nothing")
    nameless = [e.id for e in targets if not e.get_type_values(registry.name)]
    if len(nameless) > max(10, len(targets) // 10):
        raise ctx.fail(f"{len(nameless)} of {len(targets)} records have no name; "
                       "the file does not look like this format")
    for entity_id in nameless[:50]:
        ctx.warn(entity_id, "has no name")


def parse_snapshot(fileset: FileSet, origin: str, source: str | None = None,
                   progress: Progress | None = None) -> Snapshot:
    """Parse and validate a snapshot into what the store writes (`progress` as for
    `parse_entities`)."""
    entities, ctx = parse_entities(fileset, source, progress)
    validate(entities, ctx)
    if ctx.published:
        published, published_from = ctx.published, FILE_DATE
    elif ctx.latest_listing:
        published, published_from = ctx.latest_listing, NEWEST_LISTING
    else:
        published, published_from = None, UNDATED
    return Snapshot(
        source=ctx.source,
        format=fileset.format,
        origin=origin,
        files=dict(fileset.files),
        sha256=files_sha256(dict(fileset.files)),
        entities=[stored_entity(e) for e in entities],
        published=published,
        published_from=published_from,
        warnings=[f"{ctx.file}: {note}" for note in ctx.notes] + ctx.warnings,
        notes=ctx.notes,
    )
