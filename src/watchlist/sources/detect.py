"""Recognising list files by their content, and grouping them into snapshots."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from watchlist.sources.base import FileSet, Sniff
from watchlist.sources.files import is_html, read_head
from watchlist.sources.registry import formats

#: Files never worth sniffing (documentation, schemas, version control).
_IGNORED_SUFFIXES = {".md", ".txt", ".xsd", ".yml", ".yaml", ".pdf", ".py", ".html", ".htm"}


@dataclass(frozen=True)
class Skipped:
    """A file that was not imported, and why."""

    path: Path | None
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


def sniff_file(path: Path) -> Sniff | None:
    """The format and source of one file, judged from its content; None when unknown."""
    head = read_head(path)
    if not head.strip() or is_html(head):
        return None
    for fmt in formats().values():
        try:
            found = fmt.sniff(path, head)
        except Exception:  # a sniffer must never stop recognition of other files
            found = None
        if found is not None:
            return found
    return None


def _why_not(path: Path) -> str:
    head = read_head(path)
    if not head.strip():
        return "is empty"
    if is_html(head):
        return "is an HTML page, not a list (an error page served in its place?)"
    return "is not a list format watchlist knows"


def walk(paths: list[Path]) -> tuple[list[FileSet], list[Skipped]]:
    """Every snapshot found in the given files and directories (walked recursively)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.exists():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or directory")
    explicit = {p.resolve() for p in paths if p.is_file()}
    found: dict[str, list[tuple[Path, Sniff]]] = defaultdict(list)
    skipped: list[Skipped] = []
    for file in files:
        if file.suffix.lower() in _IGNORED_SUFFIXES and file.resolve() not in explicit:
            continue
        sniff = sniff_file(file)
        if sniff is None:
            skipped.append(Skipped(file, _why_not(file)))
        else:
            found[sniff.format].append((file, sniff))
    sets: list[FileSet] = []
    for name, items in found.items():
        groups, problems = formats()[name].assemble(items)
        sets.extend(groups)
        skipped.extend(Skipped(None, problem) for problem in problems)
    return sets, skipped
