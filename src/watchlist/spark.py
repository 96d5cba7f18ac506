"""Screening on Apache Spark: a DataFrame of names in, a DataFrame of hits out.

```python
from watchlist.spark import screen_dataframe

hits = screen_dataframe(spark.read.parquet("s3://bank/customers/"), "/dbfs/watchlist-index.zip",
                        mapping={"full_name": "name", "dob": "birth_date"})
hits.write.parquet("s3://bank/screening/2026-11-25/")
```

The input has the columns of `watchlist screen` (`name`, optional `id`, `schema`,
`birth_date`, `country`, `identifier`; `mapping` renames others). Each row is prepared and
screened exactly as the local `screen` does it, inside the executors (`mapInPandas`); each
Python worker loads the index once, from an artifact made by `watchlist index export`:

* a local path on the driver is shipped to the executors with the job (`SparkContext.addFile`),
  so they need no shared filesystem;
* a URL (s3://, hdfs://, abfs://, gs://...) is read by each executor through fsspec and
  copied once per machine into a local cache.

The result has one row per hit (`OUTPUT_SCHEMA`: the input id and row number, the hit's rank,
profile, lead record, caption, schema, score, designations and explanation as JSON) and one
row with `error` per input row that cannot be screened; a row without hits gives no row.
Rows are numbered from 1 in the order Spark reads the input (for one file, its order, as
locally), which costs one light pass counting each partition's rows; a row without an id
takes its number as id.

`screen_files` reads Parquet or CSV, screens and writes Parquet or CSV: what
`watchlist screen INPUT -o OUTPUT --engine spark` runs. pyspark is imported only here, inside
functions: `import watchlist` never needs it, nor Java.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchlist.errors import WatchlistError
from watchlist.index.artifact import has_scheme, load_artifact
from watchlist.screening.readers import (
    COLUMNS,
    FIELDS,
    InputError,
    detect_format,
    normalise_column,
    prepare_row,
)
from watchlist.screening.writers import DESIGNATION_KEYS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "OUTPUT_COLUMNS",
    "OUTPUT_SCHEMA",
    "SparkSummary",
    "field_columns",
    "flatten_record",
    "screen_dataframe",
    "screen_files",
]

#: The result's columns (Spark DDL); designations and explanation are JSON text.
OUTPUT_SCHEMA = (
    "id string, row long, rank int, profile_id string, entity_id string, caption string, "
    "schema string, score double, designations string, explanation string, error string, "
    "index_key string"
)
OUTPUT_COLUMNS = [part.strip().split(" ")[0] for part in OUTPUT_SCHEMA.split(",")]
DEFAULT_LIMIT = 10
INPUT_FORMATS = ("parquet", "csv")
_INPUT_SUFFIXES = ((".parquet", "parquet"), (".pq", "parquet"), (".csv", "csv"),
                   (".csv.gz", "csv"), (".tsv", "csv"), (".tsv.gz", "csv"))
OUTPUT_FORMATS = {".csv": "csv", ".tsv": "csv"}


class SparkError(WatchlistError):
    """Spark could not be started, or a Spark job failed; says why."""


# -- pure parts: columns and output rows -----------------------------------------------------

def field_columns(columns: list[str], mapping: Mapping[str, str] | None = None,
                  where: str = "the input") -> dict[str, str]:
    """{column as named in the input: field} as the local reader maps them: names are
    normalised (`Full Name` is `full_name`), `mapping` {column: field} renames others."""
    mapping = {normalise_column(k): v for k, v in (mapping or {}).items()}
    for column, field in mapping.items():
        if field not in COLUMNS:
            raise InputError(f"--map {column}={field}: {field!r} is not a field; use one of "
                             f"{', '.join(COLUMNS)}")
    normal = {normalise_column(c): c for c in columns}
    for column in mapping:
        if column not in normal:
            raise InputError(f"{where}: --map names a column {column!r} that is not there; "
                             f"its columns: {', '.join(columns)}")
    fields: dict[str, str] = {}
    mapped = set(mapping.values())
    for norm, original in normal.items():
        if norm in mapping:
            fields[original] = mapping[norm]
        elif norm in COLUMNS and norm not in mapped:
            fields[original] = norm
    if "name" not in fields.values():
        raise InputError(f"{where}: no `name` column; its columns are "
                         f"{', '.join(columns) or '(none)'}. Map one with --map COLUMN=name")
    return fields


def flatten_record(record: Mapping[str, Any], row: int | None = None,
                   index_key: str | None = None) -> list[dict[str, Any]]:
    """A local result record ({"id", "matches"} or {"id", "error"}) as output rows: one
    per hit, best first, or one with the error; none for a row without hits."""
    row_id = record.get("id")
    base: dict[str, Any] = dict.fromkeys(OUTPUT_COLUMNS)
    base.update(id=None if row_id is None else str(row_id), row=row, index_key=index_key)
    if record.get("error"):
        return [{**base, "error": str(record["error"])}]
    rows = []
    for rank, hit in enumerate(record.get("matches") or [], 1):
        designations = [{k: d.get(k) for k in DESIGNATION_KEYS}
                        for d in hit.get("designations") or []]
        rows.append({**base, "rank": rank, "profile_id": hit.get("profile_id"),
                     "entity_id": hit.get("entity_id"), "caption": hit.get("caption"),
                     "schema": hit.get("schema"), "score": hit.get("score"),
                     "designations": json.dumps(designations, ensure_ascii=False, default=str),
                     "explanation": json.dumps(hit.get("explanation") or {},
                                               ensure_ascii=False, default=str)})
    return rows


def _cell(value: Any) -> Any:
    """A pandas cell as the local reader would see it: arrays (Parquet lists) and numpy
    scalars as Python values, the missing (None, NaN, pandas' NA and NaT) as None."""
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "tolist"):
        value = value.tolist()
        if isinstance(value, list):
            return value
    import pandas as pd

    return None if pd.isna(value) else value


# -- the executor side -----------------------------------------------------------------------

#: Per Python worker: the artifact loaded ({path: (index, manifest)}) and screeners on it.
_LOADED: dict[str, tuple[Any, dict[str, Any]]] = {}
_SCREENERS: dict[tuple[str, float | None], Any] = {}


def _artifact_file(artifact: str, shipped: bool) -> str:
    """Where this executor finds the artifact: its copy of a shipped file, else the path."""
    if shipped:
        from pyspark import SparkFiles

        return SparkFiles.get(artifact)
    return artifact


def executor_screener(artifact: str, shipped: bool, threshold: float | None) -> Any:
    """The screener of this Python worker, loading the index the first time only."""
    key = (f"{shipped}:{artifact}", threshold)
    screener = _SCREENERS.get(key)
    if screener is None:
        from watchlist.index.artifact import load_artifact
        from watchlist.screener import Screener

        path = _artifact_file(artifact, shipped)
        loaded = _LOADED.get(path)
        if loaded is None:
            loaded = _LOADED[path] = load_artifact(path)
        screener = _SCREENERS[key] = Screener(loaded[0], threshold)
    return screener


def _screen_batches(batches: Iterator[Any], artifact: str, shipped: bool,
                    threshold: float | None, limit: int | None, offsets: dict[int, int],
                    fields: list[str]) -> Iterator[Any]:
    """mapInPandas: the output rows of each batch of input rows of one partition."""
    import pandas as pd
    from pyspark import TaskContext

    from watchlist.screening.runner import screen_chunk

    screener = executor_screener(artifact, shipped, threshold)
    key = screener.index.key
    context = TaskContext.get()
    number = offsets.get(context.partitionId(), 0) if context is not None else 0
    for frame in batches:
        rows, numbers = [], []
        for values in frame[fields].itertuples(index=False, name=None):
            number += 1
            raw = {field: _cell(value) for field, value in zip(fields, values, strict=True)}
            rows.append(prepare_row(raw, number))
            numbers.append(number)
        records = screen_chunk(screener, rows, limit, shape=False)
        out = [flat for record, n in zip(records, numbers, strict=True)
               for flat in flatten_record(record, n, key)]
        yield pd.DataFrame(out, columns=OUTPUT_COLUMNS)


# -- the driver side -------------------------------------------------------------------------

def _quoted(column: str) -> str:
    return "`" + column.replace("`", "``") + "`"


def _partition_offsets(frame: DataFrame) -> tuple[dict[int, int], int]:
    """The number of rows before each partition, and the total (one light pass)."""
    from pyspark.sql import functions as F

    per_partition = frame.select(F.spark_partition_id().alias("p")).groupBy("p").count()
    counts: dict[int, int] = dict(per_partition.collect())
    offsets: dict[int, int] = {}
    total = 0
    for partition in sorted(counts):
        offsets[int(partition)] = total
        total += int(counts[partition])
    return offsets, total


def _ship(spark: SparkSession, index_path: str) -> str:
    """Add a local artifact to the job under a name unique to its content; the name."""
    _index, manifest = load_artifact(index_path)  # read in full: refused here, not in tasks
    name = f"watchlist-index-{manifest['sha256'][:16]}.zip"
    folder = Path(tempfile.gettempdir()) / "watchlist-ship"
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / name
    if not copy.is_file():
        tmp = folder / f".{name}.{os.getpid()}"
        shutil.copyfile(index_path, tmp)
        os.replace(tmp, copy)
    spark.sparkContext.addFile(str(copy))
    return name


def screen_dataframe(df: DataFrame, index_path: str | os.PathLike[str],
                     threshold: float | None = None, limit: int | None = DEFAULT_LIMIT,
                     mapping: Mapping[str, str] | None = None,
                     ship: bool = True) -> DataFrame:
    """Screen every row of `df` in the executors: one row per hit, one per bad row.

    `index_path` is an artifact of `watchlist index export`: a local path, shipped with the
    job (with `ship=False` every executor reads that path itself: a shared mount, or Spark
    Connect, which cannot ship files), or a URL that each executor reads through fsspec.
    `threshold` and `limit` are those of `watchlist screen`; `mapping` is {column: field}.
    The artifact is checked here, before any task starts.
    """
    return _screen(df, index_path, threshold, limit, mapping, ship)[0]


def _screen(df: DataFrame, index_path: str | os.PathLike[str], threshold: float | None,
            limit: int | None, mapping: Mapping[str, str] | None,
            ship: bool) -> tuple[DataFrame, int]:
    """`screen_dataframe`, and the number of input rows."""
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise WatchlistError(f"threshold {threshold}: give a score from 0 to 1")
    spark = df.sparkSession
    fields = field_columns(list(df.columns), mapping, "the DataFrame")
    from pyspark.sql import functions as F

    columns = [f for f in ("id", *FIELDS) if f in fields.values()]
    by_field = {field: column for column, field in fields.items()}
    selected = df.select([F.col(_quoted(by_field[f])).alias(f) for f in columns])
    artifact = os.fspath(index_path)
    shipped = ship and (not has_scheme(artifact) or artifact.startswith("file://"))
    if shipped:
        artifact = _ship(spark, artifact.removeprefix("file://"))
    else:
        load_artifact(artifact)  # a clear error now, not in every task
    offsets, total = _partition_offsets(selected)

    def screen_partition(batches: Iterator[Any]) -> Iterator[Any]:
        return _screen_batches(batches, artifact, shipped, threshold, limit, offsets, columns)

    return selected.mapInPandas(screen_partition, OUTPUT_SCHEMA), total


# -- files -----------------------------------------------------------------------------------

@dataclass
class SparkSummary:
    """What a Spark run did: rows read, rows with hits, hit rows, error rows, seconds."""

    rows: int
    with_hits: int
    hits: int
    errors: int
    seconds: float
    output: str
    format: str
    index_key: str
    lists: list[dict[str, Any]]

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def input_format(path: str, given: str | None = None) -> str:
    """`parquet` or `csv` for an input file (by content), a directory of part files or a
    URL (by the name's extension, else Parquet)."""
    if given:
        if given not in INPUT_FORMATS:
            raise InputError(f"--format {given}: the spark engine reads "
                             f"{' or '.join(INPUT_FORMATS)}")
        return given
    local = Path(path) if not has_scheme(path) else None
    if local is not None and local.is_file():
        found = detect_format(local)
        if found not in INPUT_FORMATS:
            raise InputError(f"{path}: {found} input; the spark engine reads Parquet or CSV "
                             "(or use the local engine)")
        return found
    names = [path.rstrip("/").lower()]
    if local is not None and local.is_dir():  # a directory of part files: by their names
        names += sorted(p.name.lower() for p in local.iterdir()
                        if p.is_file() and not p.name.startswith(("_", ".")))
    for name in names:
        for suffix, fmt in _INPUT_SUFFIXES:
            if name.endswith(suffix):
                return fmt
    return "parquet"  # a table's folder or URL: Spark tables are Parquet unless told


def _csv_options(path: str, encoding: str | None = None) -> dict[str, str]:
    """Spark's CSV options reading like the local reader: header, RFC 4180 quotes, the
    encoding named (else UTF-8), and, for a local file, its delimiter as sniffed from its
    first lines and a check that it decodes."""
    from watchlist.screening.csv_input import read_sample, sniff_delimiter
    from watchlist.screening.encoding import named_encoding
    from watchlist.screening.readers import BatchReader

    options = {"header": "true", "escape": '"', "quote": '"', "mode": "PERMISSIVE",
               "sep": "\t" if ".tsv" in path.lower() else ","}
    try:
        codec = named_encoding(encoding) if encoding else "utf-8-sig"
    except ValueError as exc:
        raise InputError(str(exc)) from None
    options["encoding"] = spark_charset(codec)
    local = Path(path) if not has_scheme(path) else None
    if local is None or not local.is_file():
        return options
    reader = BatchReader(local, format="csv", encoding=encoding)
    reader.check_decodes()  # Spark would put U+FFFD in for a bad byte, without a word
    with reader._open_text() as handle:
        options["sep"] = sniff_delimiter(*read_sample(handle))
    options["encoding"] = spark_charset(reader._encoding())
    return options


#: The charsets Spark 4 reads without `spark.sql.legacy.javaCharsets`.
SPARK_CHARSETS = ("iso-8859-1", "us-ascii", "utf-16", "utf-16be", "utf-16le", "utf-32",
                  "utf-8")


def spark_charset(codec: str) -> str:
    """The Java charset Spark knows a Python codec by (`cp1252` as `windows-1252`)."""
    wide = re.fullmatch(r"utf-(16|32)-(le|be)", codec)
    if wide:
        return f"UTF-{wide[1]}{wide[2].upper()}"
    if codec.startswith("iso8859-"):
        return "ISO-8859-" + codec.removeprefix("iso8859-")
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32",
            "cp1252": "windows-1252"}.get(codec, codec)


def read_input(spark: SparkSession, path: str, fmt: str | None = None,
               encoding: str | None = None) -> tuple[DataFrame, str]:
    """The input as a DataFrame (CSV: every value as text, blank lines skipped, as
    locally; UTF-8 unless `encoding` names another) and its format."""
    fmt = input_format(path, fmt)
    options = _csv_options(path, encoding) if fmt == "csv" else {}
    if options.get("encoding", "UTF-8").lower() not in SPARK_CHARSETS:
        # Spark 4 reads other charsets (windows-1252...) only with its Java ones allowed.
        spark.conf.set("spark.sql.legacy.javaCharsets", "true")
    try:
        if fmt == "parquet":
            return spark.read.parquet(path), fmt
        frame = spark.read.options(**options).csv(path)
    except Exception as exc:  # noqa: BLE001 - AnalysisException and py4j errors
        raise InputError(f"{path}: cannot be read as {fmt}: {_spark_message(exc)}") from None
    return frame.na.drop(how="all"), fmt


def output_format(path: str) -> str:
    """`csv` for .csv/.tsv, else `parquet`; JSON lines are refused (a table of hits is
    Parquet or CSV)."""
    name = path.rstrip("/").lower()
    for suffix, fmt in OUTPUT_FORMATS.items():
        if name.endswith(suffix):
            return fmt
    if name.endswith((".jsonl", ".json", ".ndjson")):
        raise WatchlistError(f"{path}: the spark engine writes Parquet or CSV (name the "
                             "output .parquet or .csv)")
    return "parquet"


_RAISED = re.compile(r"^(?:[\w.]+\.)?(?:ArtifactError|InputError|WatchlistError|QueryError|"
                     r"SparkError): (.+)$")
_PYTHON_ERROR = re.compile(r"^\w+(?:Error|Exception): .+$")


def _spark_message(exc: BaseException) -> str:
    """The useful line of a Spark or py4j error: our own error raised in an executor, else
    the first line."""
    text = str(getattr(exc, "desc", None) or exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    ours = [m.group(1) for m in map(_RAISED.match, lines) if m]
    if ours:
        return ours[-1]
    python = [line for line in lines if _PYTHON_ERROR.match(line)]
    if python:  # the exception a Python worker raised, below Java's wrapping of it
        return python[-1]
    return lines[0] if lines else type(exc).__name__


def _is_local(master: str | None) -> bool:
    return master is None or master.startswith("local")


def spark_session(master: str | None = None) -> tuple[SparkSession, bool]:
    """The active Spark session, else a new one (on `master`); whether it is new."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkError("the spark engine needs pyspark: pip install 'watchlist[spark]'"
                         ) from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # under spark-submit: its settings hold
    if _is_local(master) and not (submitted and master is None):
        # Executors on this machine run this Python, which has watchlist installed.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("watchlist screen").config(
        "spark.ui.showConsoleProgress", "false")
    if master:
        builder = builder.master(master)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - the JVM could not start
        raise SparkError(f"Spark could not start ({_spark_message(exc)}); it needs Java 17 "
                         "or newer (`java -version`)") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark, True


class _Progress(threading.Thread):
    """Reports (tasks done, tasks) of the running stages every half second."""

    def __init__(self, spark: SparkSession, report: Callable[[int, int], None]) -> None:
        super().__init__(daemon=True)
        self.tracker = spark.sparkContext.statusTracker()
        self.report = report
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            try:
                found = [self.tracker.getStageInfo(s) for s in self.tracker.getActiveStageIds()]
            except Exception:  # noqa: BLE001 - the context is stopping
                return
            stages = [s for s in found if s is not None]
            if stages:
                self.report(sum(s.numCompletedTasks for s in stages),
                            sum(s.numTasks for s in stages))


def screen_files(input_path: str, output_path: str, index_path: str,
                 threshold: float | None = None, limit: int | None = DEFAULT_LIMIT,
                 mapping: Mapping[str, str] | None = None, master: str | None = None,
                 input_format_: str | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 input_encoding: str | None = None) -> SparkSummary:
    """Read Parquet or CSV with Spark, screen it, write the hit rows (CSV for a .csv or .tsv
    output, else Parquet; a directory of part files) and count them."""
    from watchlist.index.artifact import read_manifest

    manifest = read_manifest(index_path)
    if not manifest.get("entities"):
        raise WatchlistError(f"{index_path}: the index holds no listed party; run "
                             "`watchlist update` first")
    if not has_scheme(output_path) and Path(output_path).exists():
        raise WatchlistError(f"{output_path}: already exists; remove it or name another "
                             "output (Spark writes a directory of part files)")
    if output_path.rstrip("/") == input_path.rstrip("/"):
        raise WatchlistError(f"{output_path}: the output would overwrite the input")
    fmt = output_format(output_path)
    spark, created = spark_session(master)
    try:
        started = time.perf_counter()
        frame, _fmt = read_input(spark, input_path, input_format_, input_encoding)
        hits, rows = _screen(frame, index_path, threshold, limit, mapping, True)
        if rows == 0:
            raise InputError(f"{input_path}: no rows to read (a header and no row, or an "
                             "empty table)")
        if fmt == "csv":
            hits = formula_safe(hits)
        writer = hits.write.mode("errorifexists")
        if fmt == "csv":
            writer = writer.options(**_csv_output_options(output_path))
        watcher = _Progress(spark, progress) if progress else None
        if watcher:
            watcher.start()
        try:
            getattr(writer, fmt)(output_path)
        except Exception as exc:  # noqa: BLE001 - Py4JJavaError, AnalysisException
            raise SparkError(f"screening failed: {_spark_message(exc)}") from None
        finally:
            if watcher:
                watcher.done.set()
        seconds = time.perf_counter() - started
        counts = _count_output(spark, output_path, fmt)
        return SparkSummary(rows=rows, seconds=seconds, output=output_path, format=fmt,
                            index_key=str(manifest.get("key")),
                            lists=list(manifest.get("lists") or []), **counts)
    finally:
        if created:
            spark.stop()


def formula_safe(frame: DataFrame) -> DataFrame:
    """The text columns with a `'` before any cell a spreadsheet would run as a formula:
    the rule of `watchlist.screening.csv_safety`, as a Spark expression, for CSV output."""
    from pyspark.sql import functions as F

    from watchlist.screening.csv_safety import FORMULA_START

    columns = []
    for field in frame.schema.fields:
        column = F.col(field.name)
        if field.dataType.typeName() == "string":
            column = (F.when(F.substring(column, 1, 1).isin(*FORMULA_START),
                             F.concat(F.lit("'"), column))
                      .otherwise(column).alias(field.name))
        columns.append(column)
    return frame.select(*columns)


def _csv_output_options(path: str) -> dict[str, str]:
    sep = "\t" if path.rstrip("/").lower().endswith(".tsv") else ","
    return {"header": "true", "escape": '"', "quote": '"', "sep": sep}


def _count_output(spark: SparkSession, path: str, fmt: str) -> dict[str, int]:
    """Hit rows, input rows with hits and error rows, read back from the written output."""
    from pyspark.sql import functions as F

    reader = spark.read.schema(OUTPUT_SCHEMA)
    if fmt == "csv":
        written = reader.options(**_csv_output_options(path)).csv(path)
    else:
        written = reader.parquet(path)
    row = written.agg(
        F.sum(F.when(F.col("error").isNull(), 1).otherwise(0)).alias("hits"),
        F.countDistinct(F.when(F.col("error").isNull(), F.col("row"))).alias("with_hits"),
        F.sum(F.when(F.col("error").isNotNull(), 1).otherwise(0)).alias("errors"),
    ).first()
    if row is None:
        return {"hits": 0, "with_hits": 0, "errors": 0}
    return {"hits": int(row["hits"] or 0), "with_hits": int(row["with_hits"] or 0),
            "errors": int(row["errors"] or 0)}
