"""The `notecheck` command line, driven through typer's CliRunner (and once as `python -m notecheck.cli`).

Standard output carries the reports; standard error carries only counts and problems, never note text.
Exit status of `check`: 0 no error-level finding, 1 error-level findings, 2 bad usage or an unreadable note.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

import notecheck.check
from notecheck.cli import app
from notecheck.evaluate import ELEMENTS, EXTRA_ELEMENTS
from notecheck.report import Finding, NoteReport

# click >= 8.2 always keeps stderr apart (result.stdout / result.stderr) and dropped mix_stderr.
if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:  # pragma: no cover - older click
    runner = CliRunner(mix_stderr=False)
else:
    runner = CliRunner()

MARKER = "ZZPHIMARKER"

LUMBAR = (
    "PROCEDURE: Bilateral L4-5 facet joint injections under fluoroscopic guidance.\n\n"
    "INDICATION: Low back pain.\n\n"
    "DESCRIPTION: After informed consent, the patient was placed prone. Under fluoroscopic guidance, a 22-gauge "
    "spinal needle was advanced into the bilateral L4-5 facet joints. 0.5 mL of 0.5% bupivacaine was injected "
    "into each joint.\n\n"
    "The patient tolerated the procedure well. There were no complications.\n"
)
CERVICAL = (
    "PROCEDURE: Right C5-6 facet joint injection.\n"
    "TECHNIQUE: Under fluoroscopic guidance with AP and lateral views, a 25-gauge needle was placed into the "
    "right C5-6 facet joint. 0.5 mL of 1% lidocaine and 10 mg triamcinolone were injected.\n"
    "The patient tolerated the procedure without complications.\n"
)
LEGACY_CP1252 = (
    b"PROCEDURE: Left L5-S1 facet joint injection under fluoroscopy for Jos\xe9.\n"
    b"1 mL of 0.25% bupivacaine was injected.\nThe patient tolerated the procedure well.\n"
)
PHI_NOTE = (
    f"PATIENT: {MARKER}\n"
    f"PROCEDURE: Bilateral L4-5 facet joint injections for {MARKER} under fluoroscopic guidance.\n"
    f"DESCRIPTION: {MARKER} was placed prone. Under fluoroscopy, a 22-gauge needle was advanced into the L4-5 "
    f"facet joints bilaterally and 0.5 mL of 0.5% bupivacaine was injected into each joint ({MARKER}).\n"
    f"{MARKER} tolerated the procedure well with no complications.\n"
)

CONTRACT = {
    "procedure": {"kind", "region", "intent"},
    "levels": {"joint", "laterality", "derived_from_nerves", "spans"},
    "medications": {"name", "role", "concentration", "dose", "volume_ml", "spans"},
    "guidance": {"modality", "negated", "spans"},
    "tolerance": {"documented", "complications", "spans"},
}
TOP_LEVEL = {"note_id", "procedure", "levels", "medications", "guidance", "tolerance", "findings", "codes", "errors"}


def run(*args, **kwargs):
    # A wide console for stdout (Console() is created per run); stderr's console is created at import.
    kwargs.setdefault("env", {"COLUMNS": "200"})
    return runner.invoke(app, [str(a) for a in args], **kwargs)


def squash(s: str) -> str:
    """Rich wraps stderr at the console width (80 when not a terminal): compare without whitespace."""
    return "".join(s.split())


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def jsonl(stdout: str) -> list[dict]:
    lines = stdout.splitlines()
    assert all(line.strip() for line in lines), "JSON Lines output has blank lines"
    return [json.loads(line) for line in lines]


def expected_status(reports: list[dict]) -> int:
    """The documented exit status, from the reports themselves."""
    if any(r["errors"] for r in reports):
        return 2
    if any(f["severity"] == "error" for r in reports for f in r["findings"]):
        return 1
    return 0


def no_crash(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


# --- check: formats ---------------------------------------------------------------------------------------------

def test_check_json_one_note_is_one_object_with_the_contract(tmp_path):
    note = write(tmp_path, "lumbar01.txt", LUMBAR)
    result = run("check", note, "--format", "json")
    no_crash(result)
    report = json.loads(result.stdout)  # the whole of stdout is a single JSON value
    assert isinstance(report, dict)
    assert TOP_LEVEL <= set(report)
    for key, fields in CONTRACT.items():
        items = report[key] if isinstance(report[key], list) else [report[key]]
        assert items, f"{key} is empty for a note that documents it"
        for item in items:
            assert fields <= set(item), f"{key} lacks {fields - set(item)}"
    assert report["note_id"] == "lumbar01"
    assert report["errors"] == [] and isinstance(report["findings"], list) and isinstance(report["codes"], list)
    assert report["procedure"]["kind"] == "facet_injection"
    assert [(lv["joint"], lv["laterality"]) for lv in report["levels"]] == [("L4-L5", "bilateral")]
    assert report["tolerance"]["documented"] is True
    # Evidence spans point into the note text.
    assert report["levels"][0]["spans"]
    for start, end in report["levels"][0]["spans"]:
        assert "L4-5" in LUMBAR[start:end]
    assert any("bupivacaine" in LUMBAR[s:e] for s, e in report["medications"][0]["spans"])
    assert result.exit_code == expected_status([report])
    assert result.stderr == ""  # one readable note: nothing to say on stderr


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_check_several_notes_json_lines_in_input_order(tmp_path, fmt):
    b = write(tmp_path, "b_cervical.txt", CERVICAL)
    a = write(tmp_path, "a_lumbar.txt", LUMBAR)
    c = write(tmp_path, "c_lumbar.txt", LUMBAR)
    result = run("check", b, a, c, "--format", fmt)
    no_crash(result)
    reports = jsonl(result.stdout)
    assert [r["note_id"] for r in reports] == ["b_cervical", "a_lumbar", "c_lumbar"]  # argument order, not sorted
    assert reports[0]["levels"][0]["joint"] == "C5-C6"
    assert reports[1]["levels"][0]["joint"] == "L4-L5"
    assert result.exit_code == expected_status(reports)
    assert "3 notes checked" in result.stderr


def test_check_jsonl_one_note_is_one_line(tmp_path):
    note = write(tmp_path, "n1.txt", LUMBAR)
    result = run("check", note, "--format", "jsonl")
    no_crash(result)
    assert result.stdout.count("\n") == 1 and result.stdout.endswith("\n")
    assert jsonl(result.stdout)[0]["note_id"] == "n1"


def test_check_default_text_format(tmp_path):
    note = write(tmp_path, "visit-lumbar.txt", LUMBAR)
    result = run("check", note)
    no_crash(result)
    out = result.stdout
    assert "visit-lumbar" in out
    assert "L4-L5 bilateral" in out
    assert "bupivacaine" in out and "fluoroscopy used" in out
    assert "Tolerance documented" in out
    assert not out.lstrip().startswith("{")


# --- check: a folder of good and bad notes -------------------------------------------------------------------

def test_check_folder_with_bad_notes_reports_every_note(tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    write(folder, "a_empty.txt", b"")
    write(folder, "b_binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    write(folder, "c_legacy.txt", LEGACY_CP1252)
    with (folder / "d_huge.txt").open("wb") as handle:
        handle.truncate(5 * 1024 * 1024)
    write(folder, "e_good.txt", LUMBAR)
    write(folder, ".f_hidden.txt", b"")  # dotfile: skipped
    write(folder, "g_notes.md", b"")      # not a .txt: skipped

    result = run("check", folder, "--format", "json")
    no_crash(result)
    reports = {r["note_id"]: r for r in jsonl(result.stdout)}
    assert list(reports) == ["a_empty", "b_binary", "c_legacy", "d_huge", "e_good"]

    assert reports["a_empty"]["errors"] == ["note is empty"]
    assert reports["b_binary"]["errors"] == ["note is binary, not text"]
    assert len(reports["d_huge"]["errors"]) == 1 and "too large" in reports["d_huge"]["errors"][0]
    for bad in ("a_empty", "b_binary", "d_huge"):
        assert reports[bad]["levels"] == [] and reports[bad]["procedure"]["kind"] == "unknown"

    legacy = reports["c_legacy"]
    assert legacy["errors"] == []
    assert len(legacy["warnings"]) == 1 and "cp1252" in legacy["warnings"][0]
    assert [lv["joint"] for lv in legacy["levels"]] == ["L5-S1"]

    good = reports["e_good"]
    assert good["errors"] == [] and good["warnings"] == []
    assert [lv["joint"] for lv in good["levels"]] == ["L4-L5"]

    assert result.exit_code == 2 == expected_status(list(reports.values()))
    assert "5 notes checked" in result.stderr and "3 could not be read" in result.stderr


def test_check_folder_text_format_shows_errors_and_warning(tmp_path):
    write(tmp_path, "a_empty.txt", b"   \n")
    write(tmp_path, "b_legacy.txt", LEGACY_CP1252)
    result = run("check", tmp_path)
    no_crash(result)
    assert result.exit_code == 2
    assert "ERROR note is empty" in result.stdout
    assert squash("warning note is not valid UTF-8") in squash(result.stdout)
    assert squash("decoded as cp1252") in squash(result.stdout)
    assert "L5-S1 left" in result.stdout
    assert "1 could not be read" in result.stderr


@pytest.mark.parametrize("make_args, message", [
    (lambda tmp: [tmp / "missing.txt"], None),          # a report with "file not found", exit 2
    (lambda tmp: [tmp], "no notes found"),               # an empty folder: usage error
])
def test_check_nothing_usable(tmp_path, make_args, message):
    result = run("check", *make_args(tmp_path), "--format", "json")
    no_crash(result)
    assert result.exit_code == 2
    if message is None:
        assert json.loads(result.stdout)["errors"] == ["file not found"]
    else:
        assert result.stdout == ""
        assert message in result.stderr


# --- exit status ---------------------------------------------------------------------------------------------

def test_clean_note_exit_status_follows_error_findings(tmp_path):
    note = write(tmp_path, "clean.txt", LUMBAR)
    result = run("check", note, "--format", "json")
    no_crash(result)
    payload = json.loads(result.stdout)
    report = NoteReport.model_validate(payload)  # the JSON round-trips into the contract model
    assert report.errors == [] and report.levels and report.medications and report.guidance
    assert result.exit_code == (1 if report.has_error_findings else 0)


@pytest.mark.parametrize("severities, status", [
    ([], 0),
    (["info"], 0),
    (["warning"], 0),
    (["error"], 1),
    (["warning", "error", "info"], 1),
])
def test_exit_status_from_finding_severities(tmp_path, monkeypatch, severities, status):
    real_check_note = notecheck.check.check_note

    def with_findings(note, *args, **kwargs):
        report = real_check_note(note, *args, **kwargs)
        report.findings = [Finding(code=f"T{i}", severity=s, message=f"test {s}", rule="test")
                           for i, s in enumerate(severities)]
        return report

    monkeypatch.setattr(notecheck.check, "check_note", with_findings)
    note = write(tmp_path, "n.txt", LUMBAR)
    result = run("check", note, "--format", "json")
    no_crash(result)
    assert [f["severity"] for f in json.loads(result.stdout)["findings"]] == severities
    assert result.exit_code == status

    text = run("check", note)
    assert text.exit_code == status
    for i, severity in enumerate(severities):
        assert squash(f"{severity.upper()} T{i}: test {severity} (test)") in squash(text.stdout)
    if not severities:
        assert "No findings." in text.stdout


def test_unreadable_note_outranks_error_findings(tmp_path, monkeypatch):
    real_check_note = notecheck.check.check_note

    def with_error(note, *args, **kwargs):
        report = real_check_note(note, *args, **kwargs)
        if not report.errors:
            report.findings = [Finding(code="T", severity="error", message="m", rule="r")]
        return report

    monkeypatch.setattr(notecheck.check, "check_note", with_error)
    good = write(tmp_path, "a.txt", LUMBAR)
    empty = write(tmp_path, "b.txt", b"")
    result = run("check", good, empty, "--format", "jsonl")
    assert result.exit_code == 2
    assert "1 with error findings" in result.stderr and "1 could not be read" in result.stderr


# --- billed codes and claims ----------------------------------------------------------------------------------

@pytest.mark.parametrize("billed, expected", [
    (["64493-50"], [{"cpt": "64493", "modifiers": ["50"], "units": 1}]),
    (["64493-50", "64494-50"], [{"cpt": "64493", "modifiers": ["50"], "units": 1},
                                {"cpt": "64494", "modifiers": ["50"], "units": 1}]),
    (["64636x2"], [{"cpt": "64636", "modifiers": [], "units": 2}]),
    ([], []),
])
def test_check_billed_appears_in_report(tmp_path, billed, expected):
    note = write(tmp_path, "n.txt", LUMBAR)
    args = [a for b in billed for a in ("--billed", b)]
    result = run("check", note, "--format", "json", *args)
    no_crash(result)
    assert json.loads(result.stdout)["billed"] == expected


def test_check_billed_in_text_format(tmp_path):
    note = write(tmp_path, "n.txt", LUMBAR)
    result = run("check", note, "--billed", "64493-50", "--billed", "64636x2")
    assert "Billed 64493-50, 64636 x2" in result.stdout


def test_check_billed_with_two_notes_is_a_usage_error(tmp_path):
    a = write(tmp_path, "a.txt", LUMBAR)
    b = write(tmp_path, "b.txt", CERVICAL)
    result = run("check", a, b, "--billed", "64493-50")
    no_crash(result)
    assert result.exit_code == 2
    assert result.stdout == ""  # refused before any note is checked
    assert squash("--billed applies to a single note") in squash(result.stderr)
    assert "--claims" in result.stderr


@pytest.mark.parametrize("code", ["6449", "64493-5", "abc", "64493x0"])
def test_check_bad_billed_code_is_a_usage_error(tmp_path, code):
    note = write(tmp_path, "n.txt", LUMBAR)
    result = run("check", note, "--billed", code)
    no_crash(result)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert squash(f"billed code '{code}'") in squash(result.stderr)


def test_check_claims_map_to_notes(tmp_path):
    a = write(tmp_path, "a.txt", LUMBAR)
    b = write(tmp_path, "b.txt", CERVICAL)
    claims = write(tmp_path, "claims.csv", "note_id,cpt,modifiers,units\na,64493,50;KX,1\na,64494,50,1\nzz,64490,,1\n")
    result = run("check", a, b, "--claims", claims, "--format", "jsonl")
    no_crash(result)
    reports = jsonl(result.stdout)
    assert reports[0]["billed"] == [{"cpt": "64493", "modifiers": ["50", "KX"], "units": 1},
                                    {"cpt": "64494", "modifiers": ["50"], "units": 1}]
    assert reports[1]["billed"] == []


@pytest.mark.parametrize("rows, line, what", [
    ("a,64493,50,1\nb,6449,50,1\n", 3, "CPT code '6449'"),
    ("a,64493,50,lots\n", 2, "units 'lots'"),
    (",64493,50,1\n", 2, "empty note_id"),
])
def test_check_bad_claims_row_is_a_usage_error_naming_file_and_line(tmp_path, rows, line, what):
    note = write(tmp_path, "a.txt", LUMBAR)
    claims = write(tmp_path, "claims.csv", "note_id,cpt,modifiers,units\n" + rows)
    result = run("check", note, "--claims", claims)
    no_crash(result)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert squash(f"{claims}:{line}: {what}") in squash(result.stderr)


def test_check_non_utf8_claims_is_a_usage_error(tmp_path):
    note = write(tmp_path, "a.txt", LUMBAR)
    claims = write(tmp_path, "claims.csv", b"note_id,cpt,modifiers,units\nJos\xe9,64493,50,1\n")
    result = run("check", note, "--claims", claims)
    assert result.exit_code == 2
    assert squash(str(claims)) in squash(result.stderr)


@pytest.mark.parametrize("args, must_show", [
    # Any bad --billed: the package's own hint "CPT[-MOD…][xUNITS]" loses "[xUNITS]" (read as a style tag).
    (["check", "{note}", "--billed", "abc"], "CPT[-MOD…][xUNITS]"),
    # A code with a closing tag: rich.errors.MarkupError escapes as a traceback, exit 1 instead of 2.
    (["check", "{note}", "--billed", "64493[/]"], "billed code '64493[/]'"),
    # A folder name with brackets: "notes[draft] is not a folder" is printed as "notes is not a folder".
    (["eval", "{tmp}/notes[draft]"], "notes[draft] is not a folder"),
], ids=["hint_loses_xUNITS", "closing_tag_crashes", "path_with_brackets"])
def test_usage_errors_are_printed_verbatim(tmp_path, args, must_show):
    note = write(tmp_path, "n.txt", LUMBAR)
    result = run(*[a.format(note=note, tmp=tmp_path) for a in args])
    assert result.exit_code == 2
    assert squash(must_show) in squash(result.stderr)


# --- eval ------------------------------------------------------------------------------------------------------

GOLD = {
    "e01": (LUMBAR, {
        "note_id": "e01", "style": "templated", "traps": [],
        "procedure": {"kind": "facet_injection", "region": "lumbar_sacral", "intent": None},
        "levels": [{"joint": "L4-L5", "laterality": "bilateral", "derived_from_nerves": False,
                    "evidence": "Bilateral L4-5 facet joint injections"}],
        "medications": [{"name": "bupivacaine", "role": "anesthetic", "concentration": "0.5%", "dose": None,
                         "volume_ml": 0.5, "injectate": True, "evidence": "0.5% bupivacaine"}],
        "guidance": [{"modality": "fluoroscopy", "negated": False, "evidence": "fluoroscopic guidance"}],
        "tolerance": {"documented": True, "complications": [], "evidence": "tolerated the procedure well"},
    }),
    "e02": (CERVICAL, {
        "note_id": "e02", "style": "templated", "traps": [],
        "procedure": {"kind": "facet_injection", "region": "cervical_thoracic", "intent": None},
        "levels": [{"joint": "C5-C6", "laterality": "right", "derived_from_nerves": False,
                    "evidence": "Right C5-6 facet joint injection"}],
        "medications": [
            {"name": "lidocaine", "role": "anesthetic", "concentration": "1%", "dose": None,
             "volume_ml": 0.5, "injectate": True, "evidence": "1% lidocaine"},
            {"name": "triamcinolone", "role": "steroid", "concentration": None, "dose": "10 mg",
             "volume_ml": None, "injectate": True, "evidence": "triamcinolone"},
        ],
        "guidance": [{"modality": "fluoroscopy", "negated": False, "evidence": "fluoroscopic guidance"}],
        "tolerance": {"documented": True, "complications": [], "evidence": "without complications"},
    }),
}


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for note_id, (text, gold) in GOLD.items():
        write(folder, f"{note_id}.txt", text)
        write(folder, f"{note_id}.json", json.dumps(gold, indent=2))
    return folder


def test_eval_text_prints_a_row_per_element(corpus):
    result = run("eval", corpus)
    no_crash(result)
    assert result.exit_code == 0
    assert "2 notes" in result.stdout
    header = next(line for line in result.stdout.splitlines() if "element" in line)
    assert [c.strip() for c in header.strip("┃ ").split("┃")] == ["element", "precision", "recall", "F1", "TP", "FP", "FN"]
    rows = {}
    for line in result.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 7 and cells[0] in ELEMENTS + EXTRA_ELEMENTS:
            rows[cells[0]] = cells
    assert list(rows) == list(ELEMENTS + EXTRA_ELEMENTS)  # one row per element, in order
    for name, cells in rows.items():
        precision, recall, f1 = (float(x) for x in cells[1:4])
        tp, fp, fn = (int(x) for x in cells[4:7])
        assert all(0.0 <= x <= 1.0 for x in (precision, recall, f1))
        if tp + fp:
            assert precision == pytest.approx(tp / (tp + fp), abs=5e-4)
    assert int(rows["levels"][4]) + int(rows["levels"][6]) == 2  # TP + FN = the two gold levels


def test_eval_json(corpus):
    result = run("eval", corpus, "--format", "json")
    no_crash(result)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["notes"] == 2
    assert data["unreadable"] == []
    levels = data["elements"]["levels"]
    assert 0.0 <= levels["f1"] <= 1.0
    # Every gold level is either found or missed, whatever the pipeline does.
    assert levels["tp"] + levels["fn"] == sum(len(g["levels"]) for _, g in GOLD.values())
    meds = data["elements"]["medications"]
    assert meds["tp"] + meds["fn"] == 3
    assert set(data["elements"]) == set(ELEMENTS + EXTRA_ELEMENTS)


def test_eval_lists_a_miss(corpus):
    gold = json.loads((corpus / "e01.json").read_text())
    gold["levels"].append({"joint": "L2-L3", "laterality": "left", "derived_from_nerves": False})
    (corpus / "e01.json").write_text(json.dumps(gold))
    data = json.loads(run("eval", corpus, "--format", "json").stdout)
    assert {"note_id": "e01", "element": "levels", "kind": "missed", "item": "L2-L3"} in data["misses"]
    assert data["elements"]["levels"]["fn"] >= 1
    text = run("eval", corpus)
    assert any("e01" in line and "L2-L3" in line and "missed" in line for line in text.stdout.splitlines())


def test_eval_note_missing_for_gold_is_reported_unreadable(corpus):
    (corpus / "e02.txt").unlink()
    result = run("eval", corpus, "--format", "json")
    assert result.exit_code == 2  # the scores are still printed, but a gold note that cannot be read fails the run
    assert json.loads(result.stdout)["unreadable"] == ["e02.txt"]


@pytest.mark.parametrize("setup, message", [
    (lambda tmp: (write(tmp, "n.txt", LUMBAR), tmp)[1], "no gold annotations"),
    (lambda tmp: tmp / "absent", "is not a folder"),
    (lambda tmp: write(tmp, "n.txt", LUMBAR), "is not a folder"),
    (lambda tmp: (write(tmp, "n.json", "{not json"), tmp)[1], "cannot read gold annotations"),
], ids=["no_gold", "missing_folder", "a_file", "bad_gold_json"])
def test_eval_usage_errors(tmp_path, setup, message):
    target = setup(tmp_path)
    result = run("eval", target)
    no_crash(result)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert squash(message) in squash(result.stderr)


# --- PHI: note text never reaches standard error ---------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_note_text_never_on_stderr(tmp_path, capfd, caplog, fmt):
    folder = tmp_path / "notes"
    folder.mkdir()
    write(folder, "phi.txt", PHI_NOTE)
    write(folder, "sibling.txt", b"\x00\x01\x02" + MARKER.encode() + b"\x00" * 50)  # binary, names the marker
    write(folder, "legacy.txt", LEGACY_CP1252.replace(b"Jos\xe9", MARKER.encode() + b" Jos\xe9"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run("check", folder, "--format", fmt)
    no_crash(result)
    assert result.exit_code == 2
    assert "3 notes checked" in result.stderr and "1 could not be read" in result.stderr
    assert MARKER not in result.stderr
    assert all(MARKER not in str(w.message) for w in caught)
    outside = capfd.readouterr()  # anything written around CliRunner (loguru, stray prints)
    assert MARKER not in outside.err and MARKER not in outside.out
    assert MARKER not in caplog.text  # under pytest, logging records go to caplog rather than stderr
    # The user's own report on stdout is allowed to quote the note; it must still report the note.
    if fmt == "text":
        assert "phi" in result.stdout and "L4-L5 bilateral" in result.stdout
    else:
        reports = {r["note_id"]: r for r in jsonl(result.stdout)}
        assert [lv["joint"] for lv in reports["phi"]["levels"]] == ["L4-L5"]
        assert reports["sibling"]["errors"] == ["note is binary, not text"]
        assert MARKER not in json.dumps(reports["sibling"]) + json.dumps(reports["legacy"]["warnings"])


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_pipeline_exception_becomes_internal_error_without_note_text(tmp_path, monkeypatch, capfd, caplog, fmt):
    from notecheck.pipeline import get_nlp

    real_nlp = get_nlp()

    def nlp(text):
        if MARKER in text:
            raise RuntimeError(f"tokenizer exploded on: {text}")
        return real_nlp(text)

    monkeypatch.setattr(notecheck.check, "get_nlp", lambda *a, **k: nlp)
    phi = write(tmp_path, "phi.txt", PHI_NOTE)
    good = write(tmp_path, "good.txt", LUMBAR)
    result = run("check", phi, good, "--format", fmt)
    no_crash(result)
    assert result.exit_code == 2
    assert MARKER not in result.stderr
    assert MARKER not in result.stdout
    assert MARKER not in result.output
    assert MARKER not in "".join(capfd.readouterr())
    assert MARKER not in caplog.text
    assert "1 could not be read" in result.stderr
    if fmt == "json":
        first, second = jsonl(result.stdout)
        assert first["note_id"] == "phi"
        assert first["errors"] == ["internal error while checking the note (RuntimeError)"]
        assert second["errors"] == [] and second["levels"][0]["joint"] == "L4-L5"  # the batch went on
    else:
        assert squash("ERROR internal error while checking the note (RuntimeError)") in squash(result.stdout)


# --- the module entry point -------------------------------------------------------------------------------------

def test_python_dash_m_entry_point(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    write(folder, "a_phi.txt", PHI_NOTE)
    write(folder, "b_empty.txt", b"")
    proc = subprocess.run([sys.executable, "-m", "notecheck.cli", "check", str(folder), "--format", "jsonl"],
                          capture_output=True, text=True, timeout=120)
    reports = jsonl(proc.stdout)
    assert [r["note_id"] for r in reports] == ["a_phi", "b_empty"]
    assert reports[0]["levels"][0]["joint"] == "L4-L5"
    assert reports[1]["errors"] == ["note is empty"]
    assert proc.returncode == 2 == expected_status(reports)
    assert "2 notes checked" in proc.stderr
    assert MARKER not in proc.stderr  # real process stderr: loguru, warnings and logging included
