"""Showing the mentions found in a text: highlighted in the terminal (rich), or as an HTML
page whose highlights give the listed party and its designations on hover."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from watchlist.text.mentions import Mention

__all__ = ["designation_sources", "designations_text", "html_document", "html_page",
           "terminal_view"]


def designations_text(designations: Sequence[dict[str, Any]], limit: int = 6) -> str:
    """"us_ofac_sdn BELARUS; gb_hmt_sanctions Belarus, ..." (source and regime of each)."""
    parts = []
    for d in designations:
        regime = d.get("regime") or d.get("ref") or ""
        parts.append(f"{d.get('source')}{' ' + regime if regime else ''}")
    unique = list(dict.fromkeys(parts))
    text = "; ".join(unique[:limit])
    return text + (f"; +{len(unique) - limit} more" if len(unique) > limit else "")


def designation_sources(designations: Sequence[dict[str, Any]]) -> str:
    """"us_ofac_sdn (BELARUS), gb_hmt_sanctions (2), ...": each source once, with its regime
    when it has one short one, else how many designations it has."""
    regimes: dict[str, list[str]] = {}
    for d in designations:
        regimes.setdefault(str(d.get("source")), []).append(str(d.get("regime") or ""))
    parts = []
    for source, values in regimes.items():
        unique = sorted(set(values) - {""})
        if len(unique) == 1 and len(unique[0]) <= 24:
            parts.append(f"{source} ({unique[0]})")
        elif len(values) > 1:
            parts.append(f"{source} ({len(values)})")
        else:
            parts.append(source)
    return ", ".join(parts)


def _kind(mention: Mention) -> str:
    return str(mention.evidence.get("kind") or "name")


def terminal_view(text: str, mentions: Sequence[Mention], title: str | None = None) -> Group:
    """The text with each mention highlighted, then a table of the mentions."""
    body = Text(text)
    for m in mentions:
        style = "bold black on yellow" if m.score >= 0.8 else "black on bright_yellow"
        body.stylize(style, m.start, m.end)
    parts: list[Any] = []
    if title:
        parts.append(Text(title, style="bold underline"))
    parts.append(body)
    if not mentions:
        parts.append(Text("\nNo listed party is mentioned.", style="bold green"))
        return Group(*parts)
    table = Table(title=f"{len(mentions)} mention{'s' if len(mentions) != 1 else ''} of "
                  f"{len({m.profile_id or m.entity_id for m in mentions})} listed "
                  "part" + ("ies" if len({m.profile_id or m.entity_id for m in mentions}) != 1
                            else "y"), title_justify="left")
    table.add_column("at", justify="right", style="dim")
    table.add_column("text")
    table.add_column("listed party")
    table.add_column("score", justify="right")
    table.add_column("how")
    table.add_column("designations")
    for m in mentions:
        table.add_row(str(m.start), Text(m.text.replace("\n", " ")), Text(m.caption),
                      f"{m.score:.2f}", _kind(m), Text(designation_sources(m.designations)))
    parts.append(Text(""))
    parts.append(table)
    return Group(*parts)


_STYLE = """
body { font: 16px/1.6 system-ui, sans-serif; max-width: 50em; margin: 2em auto; padding: 0 1em; }
.text { white-space: pre-wrap; }
mark { background: #ffd54f; border-radius: 2px; cursor: help; position: relative; }
mark.weak { background: #fff3c4; border-bottom: 2px dotted #c9a400; }
mark .tip { display: none; position: absolute; left: 0; top: 1.6em; z-index: 1; width: 28em;
  background: #222; color: #fff; font-size: 13px; line-height: 1.4; padding: .5em .7em;
  border-radius: 4px; white-space: normal; }
mark:hover .tip, mark:focus .tip { display: block; }
table { border-collapse: collapse; margin-top: 2em; font-size: 14px; }
th, td { text-align: left; padding: .2em .6em; border-bottom: 1px solid #ddd; vertical-align: top; }
"""


def _tip(m: Mention) -> str:
    lines = [f"<b>{html.escape(m.caption)}</b> ({html.escape(m.schema or 'party')}), score "
             f"{m.score:.2f}, {html.escape(_kind(m))}"]
    for d in m.designations:
        bits = [str(d.get(k)) for k in ("source", "regime", "ref", "listed") if d.get(k)]
        lines.append(html.escape(" · ".join(bits)))
    return "<br>".join(lines)


def _section(text: str, mentions: Sequence[Mention], title: str) -> str:
    out: list[str] = []
    position = 0
    for m in sorted(mentions, key=lambda m: m.start):
        if m.start < position:
            continue  # overlapping mentions: the first one is shown
        out.append(html.escape(text[position:m.start]))
        label = html.escape(f"{m.caption}: " + designations_text(m.designations, 20),
                            quote=True)
        css = "" if m.score >= 0.8 else ' class="weak"'
        out.append(f'<mark{css} tabindex="0" title="{label}" data-entity="'
                   f'{html.escape(m.entity_id, quote=True)}">{html.escape(m.text)}'
                   f'<span class="tip">{_tip(m)}</span></mark>')
        position = m.end
    out.append(html.escape(text[position:]))
    rows = "".join(
        f"<tr><td>{m.start}</td><td>{html.escape(m.text)}</td><td>{html.escape(m.caption)}"
        f"</td><td>{m.score:.2f}</td><td>{html.escape(_kind(m))}</td><td>"
        f"{html.escape(designations_text(m.designations, 20))}</td></tr>" for m in mentions)
    table = ("<table><tr><th>at</th><th>text</th><th>listed party</th><th>score</th>"
             f"<th>how</th><th>designations</th></tr>{rows}</table>" if mentions
             else "<p>No listed party is mentioned.</p>")
    return (f"<section><h2>{html.escape(title)}</h2><div class=\"text\">{''.join(out)}</div>"
            f"{table}</section>")


def html_document(sections: Sequence[tuple[str, str, Sequence[Mention]]],
                  title: str = "watchlist scan") -> str:
    """A standalone HTML page of several scanned texts, each (title, text, mentions)."""
    body = "".join(_section(text, mentions, name) for name, text, mentions in sections)
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
            f"{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>{body}</body></html>\n")


def html_page(text: str, mentions: Sequence[Mention], title: str = "watchlist scan") -> str:
    """A standalone HTML page: the text with highlighted mentions (designations on hover)
    and a table of them; every piece of the text is escaped."""
    return html_document([(title, text, mentions)], title)
