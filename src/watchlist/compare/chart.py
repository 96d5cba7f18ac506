"""Cumulative designations over time per jurisdiction, drawn as an SVG step chart (pygal)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pygal
from pygal.style import Style

__all__ = ["timeline_svg"]

#: Jurisdiction -> line colour, in the order lines are drawn (others take the rest).
COLOURS = ("#1f4e79", "#c0392b", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037",
           "#455a64")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def timeline_svg(series: dict[str, Any], names: dict[str, str], title: str) -> str:
    """The chart of `Comparison.timeline()` as SVG text: one step line per jurisdiction
    (its name from `names`), "first seen" counts in the legend, no script."""
    style = Style(colors=COLOURS, background="white", plot_background="white",
                  font_family="sans-serif")
    chart = pygal.DateLine(js=[], style=style, title=title, show_dots=False,
                           interpolate=None, x_label_rotation=30, fill=False,
                           legend_at_bottom=True, width=900, height=420,
                           disable_xml_declaration=True, x_value_formatter=lambda d:
                           d.isoformat())
    dated = {code: [(d, p["count"]) for p in body["points"] if (d := _day(p["date"]))]
             for code, body in series.items()}
    last = max((points[-1][0] for points in dated.values() if points), default=None)
    for code, body in series.items():
        points = dated[code]
        if not points or last is None:
            continue
        steps: list[tuple[date, int]] = [(points[0][0], 0)]
        for day, count in points + [(last, points[-1][1])]:
            steps += [(day, steps[-1][1]), (day, count)]  # the old count up to the day
        label = names.get(code, code.upper())
        if body.get("first_seen"):
            label += f" ({body['first_seen']} first seen)"
        chart.add(label, steps)
    if not chart.raw_series:
        chart.add("no dated designations", [])
    return chart.render(is_unicode=True)
