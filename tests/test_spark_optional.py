"""pyspark is an optional extra: without it (and so without Java) the core commands work,
and `--engine spark` says what to install instead of failing on an import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES

#: Run in a fresh interpreter where importing the [spark] extra's packages (pyspark, pandas,
#: fsspec) fails, as where they are not installed.
SCRIPT = """
import sys

class NoSpark:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pyspark", "pandas", "fsspec"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, NoSpark())
from typer.testing import CliRunner
from watchlist.cli import app

def run(*args):
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output

code, text = run("update", "--from", sys.argv[1])
assert code == 0, text
code, text = run("screen", sys.argv[2], "-o", sys.argv[3] + "/hits.jsonl")
assert code in (0, 1), text
code, text = run("index", "export", sys.argv[3] + "/index.zip")
assert code == 0, text
assert "pyspark" not in sys.modules
code, text = run("screen", sys.argv[2], "-o", sys.argv[3] + "/hits.parquet", "--engine",
                 "spark", "--index", sys.argv[3] + "/index.zip")
print(code)
print(text)
"""


def test_core_commands_need_no_pyspark_and_the_spark_engine_names_the_extra(
        tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text("id,name\nc1,Ivan Petrovich Testovsky\nc2,Jane Roe\n", encoding="utf-8")
    env = {**os.environ, "WATCHLIST_HOME": str(tmp_path / "home"),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1] / "src"),
                                          os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(FIXTURES / "un_small_v1.xml"),
                             str(book), str(tmp_path)], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    code, _, text = result.stdout.partition("\n")
    assert code == "2" and "pip install 'watchlist[spark]'" in text
    assert "Traceback" not in text
    assert (tmp_path / "hits.jsonl").read_text(encoding="utf-8").count("\n") == 2
