"""The ownership tree of a party laid out for the page: its owners in rows above it, its
holdings in rows below, each a box at a position, and the lines between them with their
shares. Pure: the page's template draws the SVG from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 200, 48, 24, 56, 12
#: Boxes drawn per row at most; the rest are counted ("and 12 more").
MAX_PER_ROW = 12


@dataclass(frozen=True)
class Box:
    """One party in the tree."""

    party: str
    name: str
    status: str | None
    x: int
    y: int
    relation: str  # how it holds (or is held by) the party it hangs from: "55%", "control"
    center: bool = False

    @property
    def label(self) -> str:
        """What a screen reader says of the box."""
        status = {"listed": "listed", "blocked": "blocked by ownership",
                  "possible": "possibly blocked by ownership"}.get(self.status or "", "")
        parts = [self.name, status, self.relation]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Line:
    x1: int
    y1: int
    x2: int
    y2: int
    label: str
    kind: str


@dataclass
class Drawing:
    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    hidden: dict[int, int] = field(default_factory=dict)  # row -> boxes not drawn


def relation_text(node: dict[str, Any]) -> str:
    """An edge as words: "owns 55%", "owns 50-75%", "controls", "linked", "owns ?%"."""
    if node["kind"] == "control":
        return "control"
    if node["kind"] == "linked":
        return "linked"
    low, high = node.get("share"), node.get("share_high")
    if low is None:
        return "share unknown"
    return f"{low:g}%" if high in (None, low) else f"{low:g}-{high:g}%"


def _rows(nodes: list[dict[str, Any]], parent: int, row: int,
          rows: dict[int, list[tuple[dict[str, Any], int]]], step: int) -> None:
    for node in nodes:
        rows.setdefault(row, []).append((node, parent))
        index = len(rows[row]) - 1
        _rows(node.get("next") or [], index, row + step, rows, step)


def layout(tree: dict[str, Any]) -> Drawing:
    """Rows of owners above the party (row -1 its direct owners) and of holdings below."""
    rows: dict[int, list[tuple[dict[str, Any], int]]] = {}
    _rows(tree.get("owners") or [], 0, -1, rows, -1)
    _rows(tree.get("holdings") or [], 0, 1, rows, 1)
    rows[0] = [({"id": tree["id"], "name": tree.get("name") or tree["id"],
                 "status": tree.get("status"), "kind": "", "share": None}, 0)]
    hidden = {r: len(items) - MAX_PER_ROW for r, items in rows.items()
              if len(items) > MAX_PER_ROW}
    widest = max(min(len(items), MAX_PER_ROW) for items in rows.values())
    width = 2 * MARGIN + widest * BOX_W + (widest - 1) * GAP_X
    top = min(rows)
    drawing = Drawing(width, 2 * MARGIN + (max(rows) - top + 1) * (BOX_H + GAP_Y) - GAP_Y,
                      hidden=hidden)
    placed: dict[int, list[tuple[int, int]]] = {}
    for row in sorted(rows):
        items = rows[row][:MAX_PER_ROW]
        span = len(items) * BOX_W + (len(items) - 1) * GAP_X
        left = (width - span) // 2
        y = MARGIN + (row - top) * (BOX_H + GAP_Y)
        placed[row] = []
        for i, (node, _parent) in enumerate(items):
            x = left + i * (BOX_W + GAP_X)
            placed[row].append((x, y))
            drawing.boxes.append(Box(node["id"], node.get("name") or node["id"],
                                     node.get("status"), x, y,
                                     relation_text(node) if row else "", center=row == 0))
    for row in sorted(rows):
        if row == 0:
            continue
        toward = row + 1 if row < 0 else row - 1
        for i, (node, parent) in enumerate(rows[row][:MAX_PER_ROW]):
            if parent >= len(placed[toward]):
                continue
            x, y = placed[row][i]
            px, py = placed[toward][parent]
            if row < 0:  # an owner above: from its bottom to the top of what it owns
                line = Line(x + BOX_W // 2, y + BOX_H, px + BOX_W // 2, py, relation_text(node),
                            node["kind"])
            else:
                line = Line(px + BOX_W // 2, py + BOX_H, x + BOX_W // 2, y, relation_text(node),
                            node["kind"])
            drawing.lines.append(line)
    return drawing
