"""The Spark job (notecheck.spark) in local mode gives the same reports as notecheck.check in one process.

One local[2] session for the module; a few hundred short generated notes. Skipped when pyspark (the optional
extra `notecheck[spark]`) or Java is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed: the Spark job is the optional extra "
                                      "(pip install -c constraints.txt -e '.[test,spark]')")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("Java is not on this machine (pyspark needs Java 17)", allow_module_level=True)

from notecheck.check import check_note
from notecheck.claims import parse_billed, parse_claim_fields
from notecheck.profiles import load_profile
from notecheck.reading import note_from_text

ROOT = Path(__file__).resolve().parents[1]
NOTES = 300


def _bench_module(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the workers need this venv's Python
    session = (SparkSession.builder.master("local[2]").appName("notecheck-tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def notes():
    return _bench_module("note_mix").short_notes(NOTES, seed=5)


def expected_report(note_id, text, billed=(), claim_lines=(), payer="medicare") -> dict:
    codes = [parse_billed(b) for b in billed] + [parse_claim_fields(c, m or "", u or "1", "t") for c, m, u in claim_lines]
    return json.loads(check_note(note_from_text(text, note_id), load_profile(payer), codes).model_dump_json())


def summary_of(report: dict) -> dict:
    """What the issue asks to compare, per note."""
    return {"kind": report["procedure"]["kind"], "levels": [(lv["joint"], lv["laterality"]) for lv in report["levels"]],
            "codes": report["codes"], "findings": sorted((f["code"], f["severity"]) for f in report["findings"]),
            "errors": report["errors"]}


BAD_ROWS = [  # (note_id, text, billed, expected error text)
    ("bad-empty", "  \n\n ", [], "note is empty"),
    ("bad-missing", None, [], "note text is missing"),
    ("bad-binary", "\x00\x01\x02PK\x03\x04" * 50, [], "binary"),
    ("bad-oversized", "Procedure note. " * 70_000, [], "too large"),
    ("bad-claim", "PROCEDURE: Left L4-5 facet injection under fluoroscopy.", ["ABC-50"], "billed code"),
    (None, "PROCEDURE: Left L4-5 facet injection under fluoroscopy.", [], "note_id is missing"),
]


def test_reports_equal_single_process_results(spark, notes):
    from notecheck.spark.job import check_notes, findings_of

    rows = [(n.note_id, n.text, n.billed) for n in notes] + [(i, t, b) for i, t, b, _ in BAD_ROWS]
    df = spark.createDataFrame(rows, "note_id string, text string, billed array<string>")
    reports = check_notes(df, "medicare", partitions=4).cache()
    got = {r["note_id"]: r.asDict() for r in reports.collect()}
    findings = findings_of(reports).collect()

    assert len(got) == len(rows), "one report row per input row"
    assert sum(bool(n.billed) for n in notes) > NOTES // 2  # most notes carry a claim
    mismatches = []
    for n in notes:
        row = got[n.note_id]
        want = expected_report(n.note_id, n.text, n.billed)
        report = json.loads(row["report"])
        if report != want:
            mismatches.append((n.note_id, summary_of(report), summary_of(want)))
            continue
        assert row["kind"] == want["procedure"]["kind"]
        assert row["levels"] == [lv["joint"] + (f" {lv['laterality']}" if lv["laterality"] else "") for lv in want["levels"]]
        assert row["finding_codes"] == [f["code"] for f in want["findings"]]
        assert row["n_errors"] == sum(f["severity"] == "error" for f in want["findings"])
        assert row["status"] == ("flagged" if row["n_errors"] else "ok")
        assert len(row["codes"]) == len(want["codes"]) and len(row["billed"]) == len(n.billed)
    assert not mismatches, mismatches[:3]

    statuses = {r["status"] for r in got.values()}
    assert {"ok", "flagged"} <= statuses  # the set is not trivially clean or trivially failing
    for note_id, _, _, message in BAD_ROWS:
        row = got[note_id or ""]
        assert row["status"] == "error" and row["errors"], note_id
        assert message in " ".join(row["errors"]), (note_id, row["errors"])

    by_note: dict[str, list] = {}
    for f in findings:
        by_note.setdefault(f["note_id"], []).append((f["code"], f["severity"], f["rule"], f["message"]))
    for n in notes:
        want = expected_report(n.note_id, n.text, n.billed)["findings"]
        assert sorted(by_note.get(n.note_id, [])) == sorted((f["code"], f["severity"], f["rule"], f["message"]) for f in want)
    reports.unpersist()


def test_claim_line_rows_are_grouped_per_note_in_input_order(spark, notes):
    """Input with one row per claim line (cpt, modifiers "50;KX", units), as a billing export has it."""
    from notecheck.spark.job import check_notes

    sample = [n for n in notes if len(n.billed) >= 2][:15] + [n for n in notes if not n.billed][:5]
    rows, lines = [], {}
    for n in sample:
        codes = [parse_billed(b) for b in n.billed]
        lines[n.note_id] = [(c.cpt, ";".join(c.modifiers), str(c.units)) for c in codes]
        for cpt, mods, units in lines[n.note_id] or [(None, None, None)]:
            rows.append((n.note_id, n.text, cpt, mods, units))
    df = spark.createDataFrame(rows, "note_id string, text string, cpt string, modifiers string, units string")
    got = {r["note_id"]: r for r in check_notes(df, partitions=2).collect()}
    assert set(got) == {n.note_id for n in sample}
    for n in sample:
        assert got[n.note_id]["billed"] == n.billed
        assert json.loads(got[n.note_id]["report"]) == expected_report(n.note_id, n.text, claim_lines=lines[n.note_id])


def test_worker_code_shipped_by_value_gives_the_same_reports(spark, notes):
    """The path for executors without notecheck installed (spark-submit --py-files notecheck.whl): the worker
    code travels pickled by value and imports notecheck itself."""
    from notecheck.spark.job import check_notes

    sample = notes[:12]
    df = spark.createDataFrame([(n.note_id, n.text, n.billed) for n in sample], "note_id string, text string, billed array<string>")
    got = {r["note_id"]: json.loads(r["report"]) for r in check_notes(df, "aetna", partitions=2, ship_code=True).collect()}
    for n in sample:
        assert got[n.note_id] == expected_report(n.note_id, n.text, n.billed, payer="aetna")


def test_spark_check_command_writes_reports_and_findings(spark, notes, tmp_path):
    from typer.testing import CliRunner

    from notecheck.cli import app
    from notecheck.review.inputs import read_input

    # JSON Lines with `billed`, and one line that is not JSON (it becomes a row without text, never a failure)
    src = tmp_path / "notes.jsonl"
    sample = notes[:30]
    with src.open("w", encoding="utf-8") as handle:
        for n in sample:
            handle.write(json.dumps({"note_id": n.note_id, "text": n.text, "billed": n.billed}) + "\n")
        handle.write('{"note_id": "broken", "text": "unterminated\n')
    out = tmp_path / "reports.parquet"
    result = CliRunner().invoke(app, ["spark-check", str(src), "--out", str(out), "--partitions", "2"])
    assert result.exit_code == 2, result.output  # a row could not be read
    reports = {r["note_id"]: r for r in spark.read.parquet(str(out)).collect()}
    findings = spark.read.parquet(str(tmp_path / "reports.findings.parquet")).collect()
    assert set(reports) == {n.note_id for n in sample} | {""}
    assert reports[""]["status"] == "error"
    for n in sample:
        assert json.loads(reports[n.note_id]["report"]) == expected_report(n.note_id, n.text, n.billed)
    assert len(findings) == sum(r["n_findings"] for r in reports.values())
    assert "spark-check: 31 notes" in result.output

    # generate_batch's CSV export (one row per claim line, bad notes mixed in) against the review reader
    gen = _bench_module("generate_batch")
    gen.generate(tmp_path / "batch", notes=40, seed=3, fmt="csv", bad_fraction=0.1)
    csv_path = tmp_path / "batch" / "batch.csv"
    out2 = tmp_path / "batch.parquet"
    result = CliRunner().invoke(app, ["spark-check", str(csv_path), "--out", str(out2), "--payer", "uhc"])
    assert result.exit_code == 2, result.output
    got = {r["note_id"]: r for r in spark.read.parquet(str(out2)).collect()}
    batch = read_input(csv_path, "csv")
    items = batch.items
    assert not batch.errors
    assert set(got) == {item.note_id for item in items}
    compared = 0
    for item in items:
        row = got[item.note_id]
        if item.note.text is None:
            assert row["status"] == "error", item.note_id  # empty, binary, oversized
        elif item.note.warnings:  # a cp1252 note: the review reader decodes it as cp1252; Spark's CSV reader as UTF-8
            assert row["status"] != "error" and "undecodable" in " ".join(row["warnings"]), item.note_id
        else:
            want = json.loads(check_note(item.note, load_profile("uhc"), item.billed).model_dump_json())
            assert json.loads(row["report"]) == want, item.note_id
            compared += 1
    assert compared >= 30


def test_the_core_never_imports_pyspark():
    code = ("import sys, notecheck.cli, notecheck.check, notecheck.pipeline, notecheck.review.runner;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyspark', 'py4j')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_binary_text_column_is_decoded_like_a_note_file(spark, notes):
    """Parquet may hold the text as bytes: BOM, cp1252 fallback (with a warning) and binary detection as for files."""
    from notecheck.reading import NoteInput, decode_note
    from notecheck.spark.job import check_notes

    text = notes[0].text.replace("tolerated", "toler\u00e9ted")
    cells = {"bom": b"\xef\xbb\xbf" + notes[1].text.encode("utf-8"), "cp1252": text.encode("cp1252"),
             "binary": bytes(range(256)) * 4, "utf8": notes[2].text.encode("utf-8")}
    df = spark.createDataFrame(list(cells.items()), "note_id string, text binary")
    got = {r["note_id"]: r for r in check_notes(df, partitions=1).collect()}
    for note_id, data in cells.items():
        decoded, errors, warnings = decode_note(data)
        want = json.loads(check_note(NoteInput(note_id, decoded, "", errors, warnings), load_profile("medicare")).model_dump_json())
        assert json.loads(got[note_id]["report"]) == want, note_id
    assert got["binary"]["status"] == "error" and "cp1252" in got["cp1252"]["warnings"][0]
