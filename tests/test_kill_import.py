"""Killing the process at any moment of an import leaves the previous version serving."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

SCRIPT = """
import sys
from pathlib import Path
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths
print("started", flush=True)
update_from_paths(Store(), [Path(p) for p in sys.argv[1:]])
print("finished", flush=True)
"""


def _big_list(path: Path, copies: int) -> Path:
    """A valid UN-format list with many records, so the import takes a while."""
    text = (FIXTURES / "un_small_v2.xml").read_text(encoding="utf-8")
    start = text.index("    <INDIVIDUAL>")
    end = text.index("</INDIVIDUAL>", start) + len("</INDIVIDUAL>\n")
    record = text[start:end]
    many = "".join(record.replace("KPi.901", f"KPi.{9000 + i}") for i in range(copies))
    path.write_text(text[:start] + many + text[end:], encoding="utf-8")
    return path


@pytest.mark.parametrize("delay", [0.5, 1.0, 1.5, 2.0, 3.0])
def test_kill_mid_import_keeps_previous_version(store_url: str, home: Path, tmp_path: Path,
                                                delay: float) -> None:
    store = Store()
    assert update_from_paths(store, [FIXTURES / "un_small_v1.xml"]).ok
    store.close()
    big = _big_list(tmp_path / "big.xml", 6000)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1] / "src"))
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(big)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    if store_url.startswith("sqlite"):
        conn = sqlite3.connect(home / "store.sqlite")
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()
    store = Store()
    [serving] = store.serving()
    versions = store.versions()
    if len(versions) == 1:
        assert serving.version == 1 and serving.targets == 3
    else:
        # the import committed before the kill: then it is whole
        assert serving.version == 2 and serving.targets == 6002
    targets = list(store.iter_entities([serving], targets_only=True))
    assert len(targets) == serving.targets
