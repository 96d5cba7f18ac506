"""What the lists themselves publish about ownership and control, read from the notes the
list parsers keep on each target: OFAC's "Linked To:" (a link of unstated kind), the UK's
"Parent company:", "Subsidiaries:", "Ultimate beneficial owner:" (control), vessels'
"Current owners:" (a link), and statements that a party "is owned or controlled by", "is
a subsidiary of" or "is the parent company of" another (control).

Pure: given a target's id, name and notes, the relations; the other side is a name, resolved
to a listed party later (`watchlist.ownership.resolve`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from watchlist.names.orgs import is_legal_form
from watchlist.sources.relations import CONTROL, LINKED, Relation

#: Labelled notes: label -> (kind, whether the named party is above the target).
LABELS: dict[str, tuple[str, bool]] = {
    "linked to": (LINKED, True),
    "parent company": (CONTROL, True),
    "subsidiaries": (CONTROL, False),
    "subsidiary": (CONTROL, False),
    "ultimate beneficial owner": (CONTROL, True),
    "current owners": (LINKED, True),
    "vessel owner": (LINKED, True),
}
_LABELLED = re.compile(r"^(?P<label>[A-Za-z ]{3,40}):\s*(?P<value>.+)$", re.S)
_NAME = r"(?:the\s+)?(?P<name>[A-Z0-9][^,.;:()]{2,100}?)"
_END = r"(?=\s*(?:[,.;:(]|\s+(?:and|which|who|a designated|since|in \d{4})\b|$))"
#: Statements in the text: pattern, kind, whether the named party is above the target.
STATEMENTS = (
    (re.compile(rf"\b(?:is|are|was|company|entity|bank|firm)\s+(?:ultimately\s+)?owned\s+or\s+controlled\s+by\s+"
                rf"{_NAME}{_END}"), CONTROL, True),
    (re.compile(rf"\b(?:is|was)\s+(?:a|the)\s+(?:wholly[- ]owned\s+)?subsidiary\s+of\s+"
                rf"{_NAME}{_END}"), CONTROL, True),
    (re.compile(rf"\bis\s+the\s+parent\s+company\s+of\s+{_NAME}{_END}"), CONTROL, False),
)
_SPLIT = re.compile(r"\s*;\s*|\.\s+(?=[A-Z\u201c\"])|\s*\(\d+\)\s*")
_COMMA = re.compile(r"\s*,\s*")
#: A piece of a note that is an address or a remark, not a party's name.
_NOT_A_NAME = re.compile(r"\d|\b(street|st\.|road|avenue|building|highway|p\.?\s?o\.?\s?box|"
                         r"floor|district|province|branch|subsidiary of|parent)\b",
                         re.IGNORECASE)
_PREFIX = re.compile(r"^(owned\s*/\s*controlled by|owned or controlled by)\s+", re.IGNORECASE)
_ASIDE = re.compile(r"\s*\([^()]*\)")


def split_names(value: str) -> list[str]:
    """The names in a note's value: `;`-separated, numbered `(1) A (2) B`, sentences or
    comma-separated (a legal form after a comma stays with its name); an address or remark
    ends its part."""
    names: list[str] = []
    for part in _SPLIT.split(value):
        pieces: list[str] = []
        for piece in _COMMA.split(part):
            if pieces and is_legal_form(piece.strip(" .")):
                pieces[-1] += f", {piece}"
            else:
                pieces.append(piece)
        for piece in pieces:
            name = _PREFIX.sub("", piece.strip(" .;"))
            if _NOT_A_NAME.search(name):
                break  # an address or remark runs to the end of its part
            if len(name) > 1:
                names.append(name)
    return names


def relations_of(entity_id: str, name: str, notes: Iterable[str], source: str,
                 as_of: str = "") -> list[Relation]:
    """The relations a target's notes state, each side an id (the target) or a name."""
    found: list[Relation] = []
    seen: set[tuple[str, str, bool]] = set()

    def add(other: str, kind: str, above: bool, how: str) -> None:
        other = _ASIDE.sub("", other).strip(" .")
        if not other or other.casefold() == name.casefold() or (other, kind, above) in seen:
            return
        seen.add((other, kind, above))
        where = f"{source}: {how}"
        if above:
            found.append(Relation("", entity_id, kind, source=where, as_of=as_of,
                                  owner_name=other, owned_name=name))
        else:
            found.append(Relation(entity_id, "", kind, source=where, as_of=as_of,
                                  owner_name=name, owned_name=other))

    for note in notes:
        text = note.strip()
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        labelled = _LABELLED.match(text)
        label = labelled.group("label").strip().lower() if labelled else ""
        if labelled and label in LABELS:
            kind, above = LABELS[label]
            for other in split_names(labelled.group("value")):
                add(other, kind, above, labelled.group("label").strip())
            continue
        for pattern, kind, above in STATEMENTS:
            for statement in pattern.finditer(note):
                if note[statement.end():].lstrip().startswith(", or acts"):
                    continue
                add(statement.group("name"), kind, above, "statement")
    return found
