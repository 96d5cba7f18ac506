"""Files no customer should send (a program, bytes that do not decode, nothing, a header
alone), for the tests of every command that reads a customer file."""

from __future__ import annotations

import sys
from pathlib import Path


def bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """Files no customer should send, each with what the error must say of it."""
    program = folder / "ls.csv"
    program.symlink_to(Path(sys.executable).resolve())
    undecodable = folder / "latin.csv"
    undecodable.write_bytes(b"name\n" + b"Person\n" * 1000 + b"Jos\xe9\n")
    empty = folder / "empty.csv"
    empty.write_bytes(b"")
    header = folder / "header.csv"
    header.write_text("name,birth_date\n")
    return {"binary": (program, "a program"),
            "undecodable": (undecodable, "not valid UTF-8 text: cannot decode byte 0xe9 at "
                                         "offset 7,008, line 1,002"),
            "empty": (empty, "the file is empty (0 bytes)"),
            "header only": (header, "no rows to read: only a header line")}
