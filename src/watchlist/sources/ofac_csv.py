"""OFAC's legacy headerless CSV set: sdn.csv / cons_prim.csv with add, alt and comments files.

The primary file has one 12-column row per entry (ent_num, SDN_Name, SDN_Type, Program,
Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks); addresses,
aliases and remarks overflow sit in companion files linked by ent_num. Empty fields read
`-0- `, the file ends with a DOS end-of-file byte (0x1A), and most identifying data (DOB,
POB, nationality, passports, ids, wallets, weak aliases) lives in the Remarks text, which is
parsed here. The CSV carries no publication date, so `ctx.published` stays None; the newest
`Listing Date (...)` in the Remarks (EO 14024 directives, CMIC) stands in, where any is there.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from followthemoney import EntityProxy

from watchlist.sources.base import Context, FileSet, Format, Sniff
from watchlist.sources.entities import clean
from watchlist.sources.files import HEAD_SIZE, decode_text, head_text, is_html, xml_root_tag
from watchlist.sources.meter import in_turn, metered_text
from watchlist.sources.ofac_xml import (
    SDN,
    OfacRecord,
    apply_remarks,
    guess_source,
    split_programs,
    vessel_details,
)

FORMAT = "ofac_csv"
#: Column count of each file of the set, by role.
WIDTHS = {"main": 12, "add": 6, "alt": 5, "comments": 2}
EOF_MARK = "\x1a"
#: Remarks longer than this are cut in the primary file, the rest is in the comments file.
REMARKS_LIMIT = 1000
_TYPES = {"individual", "vessel", "aircraft", "-0-", ""}
_ALT_TYPES = {"aka", "fka", "nka"}


# --- reading -----------------------------------------------------------------------------

def _cut_at_eof(text: str) -> tuple[str, bool, bool]:
    """Text before OFAC's 0x1A mark; whether the mark was there and whether data follows it."""
    if EOF_MARK not in text:
        return text, False, False
    before, after = text.split(EOF_MARK, 1)
    return before, True, bool(after.strip())


def read_rows(ctx: Context, path: Path, role: str) -> list[list[str]]:
    """All rows of one file of the set, each checked for its column count and numeric key."""
    name = path.name
    data = path.read_bytes()
    if not data.strip():
        raise ctx.fail(f"{name} is empty")
    if is_html(data[:4096]):
        raise ctx.fail(f"{name} is an HTML page, not an OFAC CSV file")
    text, note = decode_text(data, f"{ctx.file}: {name}")
    if note:
        ctx.warn(name, note)
    text, marked, trailing = _cut_at_eof(text)
    if trailing:
        ctx.warn(name, "data after the end-of-file mark (0x1A) ignored (two files joined?)")
    if role == "main" and not marked:
        ctx.warn(name, "no end-of-file mark (0x1A) at the end; the file may be truncated")
    width = WIDTHS[role]
    rows: list[list[str]] = []
    try:
        for lineno, row in enumerate(csv.reader(metered_text(text, path), strict=True), 1):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                raise ctx.fail(f"{name} row {lineno} has {len(row)} columns, expected {width} "
                               "(truncated file or changed layout)")
            if not row[0].strip().isdigit():
                raise ctx.fail(f"{name} row {lineno}: ent_num {row[0][:40]!r} is not a number "
                               "(a header row or a changed layout?)")
            rows.append(row)
    except csv.Error as exc:
        raise ctx.fail(f"{name} is malformed CSV, truncated inside a quoted field? ({exc})") \
            from exc
    if not rows:
        raise ctx.fail(f"{name} holds no records")
    return rows


def _grouped(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    groups: dict[str, list[list[str]]] = defaultdict(list)
    for row in rows:
        groups[row[0].strip()].append(row)
    return groups


def _raw(cell: str) -> str:
    """A raw field with OFAC's `-0-` empty read as ''; whitespace kept for concatenation."""
    return "" if cell.strip() == "-0-" else cell


# --- records -----------------------------------------------------------------------------

def build(ctx: Context, row: list[str], adds: list[list[str]], alts: list[list[str]],
          overflow: str) -> list[EntityProxy]:
    """One primary row with its addresses, aliases and remarks overflow as entities."""
    ent_num = row[0].strip()
    rec = OfacRecord(ctx, ent_num, row[2])
    rec.name(row[1])
    rec.programs.extend(split_programs(row[3]))
    rec.title(row[4])
    vessel_details(rec, {
        "callSign": clean(row[5]), "vesselType": clean(row[6]), "tonnage": clean(row[7]),
        "grossRegisteredTonnage": clean(row[8]), "vesselFlag": clean(row[9]),
        "vesselOwner": clean(row[10]),
    })
    apply_remarks(rec, _raw(row[11]) + overflow)
    for alt in alts:
        rec.name(alt[3], rec.alias_prop(alt[2], strong=True))
        if clean(alt[4]):
            rec.note(f"{clean(alt[3])}: {clean(alt[4])}")
    for add in adds:
        rec.address(add[1].strip(), street=clean(add[2]), city=clean(add[3]),
                    country=clean(add[4]))
        if clean(add[5]):
            rec.note(f"Address remark: {clean(add[5])}")
    return rec.finish()


def parse(ctx: Context, files: Mapping[str, Path]) -> Iterator[EntityProxy]:
    """Read the set (primary file required) and yield one target per distinct ent_num."""
    if "main" not in files:
        raise ctx.fail("the OFAC CSV set lacks its primary file (sdn.csv / cons_prim.csv)")
    rows = read_rows(ctx, files["main"], "main")
    companions = {
        role: _grouped(read_rows(ctx, files[role], role))
        for role in ("add", "alt", "comments") if role in files
    }
    missing = [what for role, what in (("alt", "aliases (alt)"), ("add", "addresses (add)"))
               if role not in files]
    if missing:
        ctx.warn(files["main"].name, f"the set has no file of {' and no file of '.join(missing)}"
                 ": its records carry none of them (only the weak aliases in Remarks), so "
                 "against a version that had them, every one of them reads as removed")
    if "comments" not in files:
        cut = sum(1 for row in rows if len(row[11]) >= REMARKS_LIMIT)
        if cut:
            ctx.warn(files["main"].name, f"{cut} record(s) have Remarks cut at OFAC's "
                     f"{REMARKS_LIMIT}-character limit and the set has no comments (overflow) "
                     "file; their remarks are incomplete")
    primary_ids = {row[0].strip() for row in rows}
    for role, groups in companions.items():
        orphans = sorted(set(groups) - primary_ids, key=int)
        if orphans:
            ctx.warn(files[role].name, f"{len(orphans)} ent_num(s) not in the primary file "
                     f"ignored, e.g. {', '.join(orphans[:5])}")
    seen: set[str] = set()
    for row in in_turn(rows):
        ent_num = row[0].strip()
        if ent_num in seen:
            ctx.warn(ent_num, "ent_num repeated in the primary file; the later row was ignored")
            continue
        seen.add(ent_num)
        overflow = "".join(
            _raw(r[1]) for r in companions.get("comments", {}).get(ent_num, [])
        )
        yield from build(ctx, row, companions.get("add", {}).get(ent_num, []),
                         companions.get("alt", {}).get(ent_num, []), overflow)


# --- recognising and grouping ----------------------------------------------------------

def _head_rows(head: bytes) -> list[list[str]] | None:
    text = head_text(head)
    text, _marked, _trailing = _cut_at_eof(text)
    if len(head) >= HEAD_SIZE and "\n" in text:
        text = text[:text.rindex("\n")]
    try:
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    except csv.Error:
        return None
    return rows or None


def _role(rows: list[list[str]]) -> str | None:
    widths = {len(r) for r in rows}
    if len(widths) != 1 or not all(r[0].strip().isdigit() for r in rows):
        return None
    width = widths.pop()
    empties = any(c.strip() == "-0-" for r in rows for c in r)
    if width == 12 and empties and all(r[2].strip().lower() in _TYPES for r in rows):
        return "main"
    if width == 6 and empties and all(r[1].strip().isdigit() for r in rows):
        return "add"
    if width == 5 and all(r[1].strip().isdigit() and r[2].strip().lower() in _ALT_TYPES
                          for r in rows):
        return "alt"
    if width == 2 and any("; " in r[1] or "Linked To" in r[1] for r in rows):
        return "comments"
    return None


def sniff(path: Path, head: bytes) -> Sniff | None:
    """A headerless OFAC CSV, its role told by column shape; SDN or consolidated by programme.

    Companion files (add, alt, comments) cannot tell SDN from consolidated by their content:
    they are sniffed as SDN and `assemble` gives them the source of their primary file.
    """
    if not head or is_html(head) or xml_root_tag(head):
        return None
    rows = _head_rows(head)
    if rows is None:
        return None
    role = _role(rows)
    if role is None:
        return None
    if role != "main":
        return Sniff(FORMAT, SDN, role)
    return Sniff(FORMAT, guess_source([(split_programs(r[3]), r[11]) for r in rows]), "main")


def ent_nums(path: Path) -> set[str]:
    """The ent_nums a file of the set mentions (its first column)."""
    text, _marked, _trailing = _cut_at_eof(path.read_bytes().decode("utf-8", errors="replace"))
    try:
        return {r[0].strip() for r in csv.reader(io.StringIO(text))
                if r and r[0].strip().isdigit()}
    except csv.Error:
        return set()


def _family(path: Path) -> bool:
    return path.name.lower().startswith("cons")


def assemble(found: Sequence[tuple[Path, Sniff]]) -> tuple[list[FileSet], list[str]]:
    """Group each directory's files: a companion joins the primary whose ent_nums it shares most.

    A directory with companions but no primary file yields a message, not a snapshot.
    """
    by_dir: dict[Path, list[tuple[Path, Sniff]]] = defaultdict(list)
    for path, found_sniff in found:
        by_dir[path.parent].append((path, found_sniff))
    sets: list[FileSet] = []
    messages: list[str] = []
    for directory, items in sorted(by_dir.items()):
        primaries = [(p, s) for p, s in items if s.role == "main"]
        companions = [(p, s) for p, s in items if s.role != "main"]
        if not primaries:
            names = ", ".join(sorted(p.name for p, _ in companions))
            messages.append(f"OFAC CSV set in {directory} lacks its primary file "
                            f"(sdn.csv / cons_prim.csv); not imported: {names}")
            continue
        keys = {p: ent_nums(p) for p, _ in primaries}
        chosen: dict[tuple[Path, str], tuple[int, Path]] = {}
        for comp, comp_sniff in companions:
            ids = ent_nums(comp)
            overlap, _same, primary = max(
                (len(ids & keys[p]), _family(p) == _family(comp), p) for p in keys
            )
            if overlap == 0:
                messages.append(f"{comp}: shares no ent_num with any OFAC primary file in "
                                f"{directory}; not imported")
                continue
            slot = (primary, comp_sniff.role)
            if slot in chosen:
                kept = max(chosen[slot], (overlap, comp))
                dropped = comp if kept[1] != comp else chosen[slot][1]
                chosen[slot] = kept
                messages.append(f"{dropped}: a second {comp_sniff.role} file for {primary.name}; "
                                "not imported")
            else:
                chosen[slot] = (overlap, comp)
        for primary, primary_sniff in primaries:
            files = {"main": primary}
            files.update({role: comp for (p, role), (_n, comp) in chosen.items() if p == primary})
            sets.append(FileSet(FORMAT, primary_sniff.source, files))
    return sets, messages


FORMATS = [Format(name=FORMAT, sniff=sniff, parse=parse, assemble=assemble, passes=2)]
