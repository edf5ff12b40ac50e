"""Checking notes held in a Spark DataFrame: the driver side.

    from notecheck.spark.job import check_notes, findings_of
    reports = check_notes(spark.read.parquet("notes.parquet"), payer="medicare")   # lazy, one row per note
    findings = findings_of(reports)                                                  # one row per finding

Input columns: ``note_id``, ``text`` and, optionally, the claim: ``billed`` (array<string> or a string of
codes separated by ";", "," or spaces, each in the --billed form 64493-50-KX / 64636x2) and/or one row per
claim line with ``cpt``, ``modifiers`` ("50;KX") and ``units`` (the rows of one note_id are then grouped,
claim lines in input order; the note's text is taken from its first row that has one).

The reports come from `mapInPandas` with `notecheck.spark.worker.check_batches`: each Spark Python worker
builds the pipeline once and reuses it for every task (spark.python.worker.reuse, on by default). Checking
is lazy and every action on ``reports`` runs it again: write the reports (or persist them) before using
them twice; `findings_of` only parses the report JSON, no NLP.

pyspark is imported here and only here (and in cli.py, lazily): the core never imports it.
"""

from __future__ import annotations

import functools
import math

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, BinaryType

from ..reading import DEFAULT_MAX_BYTES
from . import worker

#: The findings of a report, as Spark reads them out of the report JSON (details stays JSON text).
FINDINGS_JSON_SCHEMA = ("struct<findings: array<struct<code: string, severity: string, rule: string, message: string, "
                        "fix: string, spans: array<array<int>>, details: string>>>")
FINDING_COLUMNS = ["note_id", "code", "severity", "rule", "message", "fix", "spans", "details"]
#: Notes per partition when the caller does not say (a partition is one task: ~3 minutes of one core).
ROWS_PER_PARTITION = 5000


class InputError(ValueError):
    """The input DataFrame lacks a column the job needs."""


def _ship_wheel_requested(spark: SparkSession) -> bool:
    """True when a notecheck wheel/zip was given to spark-submit --py-files (executors may not have notecheck)."""
    files = spark.sparkContext.getConf().get("spark.submit.pyFiles", "") or ""
    return any(f.rsplit("/", 1)[-1].startswith("notecheck") and f.endswith((".whl", ".zip")) for f in files.split(","))


def prepare(df: DataFrame, id_column: str = "note_id", text_column: str = "text") -> DataFrame:
    """The input as (note_id, text, billed, claim_cpt, claim_modifiers, claim_units), one row per note."""
    cols = set(df.columns)
    missing = [c for c in (id_column, text_column) if c not in cols]
    if missing:
        raise InputError(f"the input needs columns {id_column!r} and {text_column!r}; missing {', '.join(map(repr, missing))} "
                         f"(it has {', '.join(df.columns) or 'no columns'})")
    empty = F.array().cast("array<string>")
    if "billed" in cols:
        if isinstance(df.schema["billed"].dataType, ArrayType):
            billed = F.col("billed").cast("array<string>")
        else:
            billed = F.filter(F.split(F.trim(F.col("billed").cast("string")), r"[;,\s]+"), lambda x: x != "")
        billed = F.coalesce(billed, empty)
    else:
        billed = empty
    # the text travels as bytes: the worker decodes it like a note file, and invalid UTF-8 in a string
    # column cannot break the transfer to Python
    note_id = F.col(id_column).cast("string")
    text = F.col(text_column) if isinstance(df.schema[text_column].dataType, BinaryType) else F.col(text_column).cast("string")
    text = text.cast("binary")
    if "cpt" not in cols:
        return df.select(note_id.alias("note_id"), text.alias("text"), billed.alias("billed"),
                         empty.alias("claim_cpt"), empty.alias("claim_modifiers"), empty.alias("claim_units"))
    # one row per claim line: group the rows of a note, claim lines in input order
    cpt = F.trim(F.col("cpt").cast("string"))
    line = F.struct(F.col("_row").alias("row"), cpt.alias("cpt"),
                    (F.col("modifiers").cast("string") if "modifiers" in cols else F.lit(None).cast("string")).alias("modifiers"),
                    (F.col("units").cast("string") if "units" in cols else F.lit(None).cast("string")).alias("units"))
    rows = df.select(note_id.alias("note_id"), text.alias("text"), billed.alias("billed"),
                     F.monotonically_increasing_id().alias("_row"), F.col("cpt").alias("cpt"),
                     *[F.col(c) for c in ("modifiers", "units") if c in cols])
    lines = F.when(cpt.isNotNull() & (cpt != ""), line)
    grouped = rows.groupBy("note_id").agg(
        F.min("_row").alias("_first"),
        F.min_by("text", F.when(F.col("text").isNotNull(), F.col("_row"))).alias("text"),
        F.flatten(F.transform(F.array_sort(F.collect_list(F.struct("_row", "billed"))), lambda x: x["billed"])).alias("billed"),
        F.array_sort(F.collect_list(lines)).alias("_lines"),
    )
    return grouped.select(
        "note_id", "text", "billed",
        F.transform("_lines", lambda x: x["cpt"]).alias("claim_cpt"),
        F.transform("_lines", lambda x: x["modifiers"]).alias("claim_modifiers"),
        F.transform("_lines", lambda x: x["units"]).alias("claim_units"),
    )


def check_notes(df: DataFrame, payer: str = "medicare", *, max_bytes: int = DEFAULT_MAX_BYTES,
                id_column: str = "note_id", text_column: str = "text", partitions: int | None = None,
                ship_code: bool | None = None) -> DataFrame:
    """The reports DataFrame (worker.REPORT_SCHEMA), one row per note; lazy.

    ``payer``: a bundled profile id or a profile file (read here, on the driver, and sent to the workers).
    ``partitions``: how many tasks to split the notes into (default: enough for every core, at most
    ROWS_PER_PARTITION notes each). ``ship_code``: pickle the worker code by value so executors without
    notecheck installed can run it from a shipped wheel (default: when spark-submit --py-files names one).
    Raises ProfileError for an unknown or invalid profile and InputError for missing columns.
    """
    from ..profiles import load_profile

    spark = df.sparkSession
    profile_json = load_profile(payer).model_dump_json()
    prepared = prepare(df, id_column, text_column)
    if partitions is None:
        cores = spark.sparkContext.defaultParallelism
        partitions = max(cores, math.ceil(prepared.count() / ROWS_PER_PARTITION)) if cores else None
    if partitions:
        prepared = prepared.repartition(partitions)
    if ship_code is None:
        ship_code = _ship_wheel_requested(spark)
    if ship_code:
        from pyspark import cloudpickle

        cloudpickle.register_pickle_by_value(worker)
    fn = functools.partial(worker.check_batches, profile_json=profile_json, max_bytes=max_bytes)
    return prepared.mapInPandas(fn, schema=worker.REPORT_SCHEMA)


def findings_of(reports: DataFrame) -> DataFrame:
    """One row per finding (note_id, code, severity, rule, message, fix, spans, details as JSON text),
    read out of the reports' JSON; no NLP runs again if ``reports`` was read back from storage or persisted."""
    parsed = F.from_json("report", FINDINGS_JSON_SCHEMA)
    return (reports.select("note_id", F.explode(parsed["findings"]).alias("f"))
            .select("note_id", *[F.col(f"f.{c}").alias(c) for c in FINDING_COLUMNS[1:]]))


def summary(reports: DataFrame) -> dict[str, int]:
    """Counts by status, and the number of notes and findings (an action)."""
    row = reports.agg(
        F.count(F.lit(1)).alias("notes"),
        *[F.sum(F.when(F.col("status") == s, 1).otherwise(0)).alias(s) for s in ("ok", "flagged", "error")],
        F.sum("n_findings").alias("findings"), F.sum("n_errors").alias("error_findings"),
    ).first()
    return {k: int(row[k] or 0) for k in ("notes", "ok", "flagged", "error", "findings", "error_findings")}


def read_input(spark: SparkSession, path: str, fmt: str) -> DataFrame:
    """Parquet, CSV (header row; quoted multi-line cells, "" inside quotes) or JSON Lines."""
    if fmt == "parquet":
        return spark.read.parquet(path)
    if fmt == "csv":
        return (spark.read.option("header", True).option("multiLine", True).option("escape", '"')
                .option("mode", "PERMISSIVE").csv(path))
    if fmt == "jsonl":
        return spark.read.option("mode", "PERMISSIVE").json(path)
    raise ValueError(f"unknown input format {fmt!r}")


def detect_format(path: str) -> str:
    lower = path.lower().rstrip("/")
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl"
    return "parquet"


def findings_path(out: str) -> str:
    """reports.parquet → reports.findings.parquet (next to the reports)."""
    stripped = out.rstrip("/")
    return stripped[:-len(".parquet")] + ".findings.parquet" if stripped.endswith(".parquet") else stripped + ".findings"
