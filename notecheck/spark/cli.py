"""Command-line entry points of the Spark sub-package, registered on the main `notecheck` app.

    notecheck spark-check INPUT --out OUT.parquet [--format auto|parquet|csv|jsonl] [--payer P] [--master local[2]]

INPUT is Parquet, CSV or JSON Lines with columns note_id, text and optionally billed, or cpt/modifiers/units
(one row per claim line). Two Parquet outputs: the reports (OUT) and the findings (OUT.findings.parquet, or
--findings-out). For a cluster, run it through spark-submit with bench/spark_entry.py (see bench/spark_submit.sh
and docs/scale.md). pyspark is imported only when the command runs, never by `notecheck` itself.

Standard error carries counts and problems, never note text. Exit status as for `check`: 0 no error-level
finding, 1 error-level findings, 2 bad usage or notes that could not be read (the others are still reported).
"""

from __future__ import annotations

import os
import sys
import time
from enum import Enum
from typing import List, Optional

import typer
from rich.markup import escape

from ..console import err, usage_error as _usage_error


class SparkInputFormat(str, Enum):
    auto = "auto"
    parquet = "parquet"
    csv = "csv"
    jsonl = "jsonl"


def _session(master: Optional[str], app_name: str, debug: bool):
    """The active session, or a new one: --master if given; spark-submit's master under spark-submit;
    local[*] otherwise. Returns (session, created_here)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active, False
    under_submit = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit / pyspark started this Python
    local = (master or ("" if under_submit else "local[*]")).startswith("local")
    if local and not under_submit:
        # the Python workers must be this Python (with notecheck and its dependencies), not whatever `python3` is
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if master or not under_submit:
        builder = builder.master(master or "local[*]")
    if local:
        builder = builder.config("spark.ui.enabled", "false")
    spark = builder.getOrCreate()
    if not debug:
        spark.sparkContext.setLogLevel("WARN")
    return spark, active is None


def spark_check(
    input_path: str = typer.Argument(..., metavar="INPUT", help="Parquet, CSV or JSON Lines (a file or a folder; any Spark path: hdfs://, s3a:// ...)."),
    out: str = typer.Option(..., "--out", help="Where the reports are written (Parquet)."),
    findings_out: Optional[str] = typer.Option(None, "--findings-out", help="Where the findings are written (default OUT.findings.parquet)."),
    fmt: SparkInputFormat = typer.Option(SparkInputFormat.auto, "--format", help="Input format (auto: by extension; folders are Parquet)."),
    payer: str = typer.Option("medicare", "--payer", help="Payer profile: medicare, aetna, uhc, bcbs, or a profile file (read on the driver)."),
    master: Optional[str] = typer.Option(None, "--master", help="Spark master, e.g. local[2]; default: spark-submit's, else local[*]."),
    partitions: Optional[int] = typer.Option(None, "--partitions", min=1, help="Tasks to split the notes into (default: every core, <= 5,000 notes each)."),
    id_column: str = typer.Option("note_id", "--id-column", help="Column with the note id."),
    text_column: str = typer.Option("text", "--text-column", help="Column with the note text."),
    max_bytes: int = typer.Option(1_000_000, "--max-bytes", help="Notes larger than this are refused (error row)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing outputs."),
    debug: bool = typer.Option(False, "--debug", help="Spark's own INFO logging."),
) -> None:
    """Check notes at scale with Apache Spark: reports and findings as Parquet."""
    from .worker import ensure_notecheck

    ensure_notecheck()  # under spark-submit --py-files notecheck.whl the package is zipped: give it its files
    from notecheck.pipeline import silence_third_party_loggers
    from notecheck.profiles import ProfileError, load_profile

    silence_third_party_loggers()
    try:
        load_profile(payer)
    except ProfileError as exc:
        _usage_error(str(exc))
    try:
        import pyspark  # noqa: F401
    except ImportError:
        _usage_error("pyspark is not installed; install the extra: pip install 'notecheck[spark]'")
    from pyspark.errors import AnalysisException

    from notecheck.spark import job

    input_format = job.detect_format(input_path) if fmt is SparkInputFormat.auto else fmt.value
    findings_target = findings_out or job.findings_path(out)
    mode = "overwrite" if overwrite else "errorifexists"
    started = time.perf_counter()
    spark, created = _session(master, "notecheck spark-check", debug)
    try:
        try:
            notes = job.read_input(spark, input_path, input_format)
            reports = job.check_notes(notes, payer, max_bytes=max_bytes, id_column=id_column,
                                      text_column=text_column, partitions=partitions)
        except job.InputError as exc:
            _usage_error(f"{input_path}: {exc}")
        except AnalysisException as exc:
            _usage_error(f"{input_path}: cannot read the input as {input_format} ({_first_line(exc)})")
        session_s = time.perf_counter() - started
        t_check = time.perf_counter()
        try:
            reports.write.mode(mode).parquet(out)
        except AnalysisException as exc:
            _usage_error(f"{out}: cannot write the reports ({_first_line(exc)}); --overwrite replaces existing output")
        checking_s = time.perf_counter() - t_check
        written = spark.read.parquet(out)  # the findings come from the written reports: no second NLP pass
        try:
            job.findings_of(written).write.mode(mode).parquet(findings_target)
        except AnalysisException as exc:
            _usage_error(f"{findings_target}: cannot write the findings ({_first_line(exc)}); --overwrite replaces existing output")
        counts = job.summary(written)
    finally:
        if created:
            spark.stop()
    seconds = time.perf_counter() - started
    rate = counts["notes"] / checking_s if checking_s > 0 else 0.0
    err.print(f"spark-check: {counts['notes']} notes in {seconds:.1f} s (start-up and input {session_s:.1f} s; checking and "
              f"writing the reports {checking_s:.1f} s, {rate:.1f} notes/s): {counts['ok']} ok, {counts['flagged']} with "
              f"error-level findings, {counts['error']} could not be read; {counts['findings']} findings. "
              f"Reports: {escape(out)}  findings: {escape(findings_target)}")
    if counts["error"]:
        raise typer.Exit(2)
    raise typer.Exit(1 if counts["flagged"] else 0)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else exc.__class__.__name__


def register(app: typer.Typer) -> None:
    """Add the Spark commands to the main app."""
    app.command("spark-check")(spark_check)


def main(argv: Optional[List[str]] = None) -> None:
    """`spark-check` on its own, for spark-submit (bench/spark_entry.py): the same arguments, no sub-command."""
    single = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)
    single.command()(spark_check)
    typer.main.get_command(single).main(args=list(sys.argv[1:] if argv is None else argv),
                                        prog_name="notecheck-spark-check")
