"""The deployment examples in docs/deploy: the systemd units pass `systemd-analyze verify`
(where this machine has it) and ask only for options the commands have."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from watchlist.cli import app

DEPLOY = Path(__file__).resolve().parents[1] / "docs" / "deploy"
UNITS = ("watchlist.service", "watchlist-updater.service")


def _exec_start(text: str) -> list[str]:
    line = re.search(r"^ExecStart=(.*?)(?<!\\)$", text.replace("\\\n", " "), re.M)
    assert line is not None
    return line.group(1).split()


@pytest.mark.parametrize("unit", UNITS)
def test_the_unit_passes_systemd_analyze_verify(unit: str, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    program = Path(sys.executable).with_name("watchlist")
    if not program.exists():
        pytest.skip(f"no watchlist program beside {sys.executable}")
    text = (DEPLOY / unit).read_text().replace("/opt/watchlist/bin/watchlist", str(program))
    (tmp_path / unit).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / unit)],
                          capture_output=True, text=True, timeout=60)
    problems = [line for line in (done.stdout + done.stderr).splitlines() if unit in line]
    assert done.returncode == 0 and not problems, done.stdout + done.stderr


@pytest.mark.parametrize("unit", UNITS)
def test_the_unit_uses_only_options_the_command_has(unit: str) -> None:
    words = _exec_start((DEPLOY / unit).read_text())
    command = words[1]
    helped = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert helped.exit_code == 0
    for option in (w for w in words if w.startswith("--")):
        assert option in helped.output, f"{unit}: `watchlist {command}` has no {option}"
