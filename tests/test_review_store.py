"""The review store: one result per note, resume after a real kill -9, the same results with 1 or 2
workers, error records kept once, parameters recorded, note text never on stderr."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from notecheck import resources
from notecheck.cli import app
from notecheck.review.runner import run_review
from notecheck.review.store import Store, StoreError
from review_helpers import ROOT, load_generator, mbb_note

runner = CliRunner()
N_NOTES = 80


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """80 generated notes (facet and not, with claims, a clone, bad notes) and a reference store made
    with one worker in this process."""
    out = tmp_path_factory.mktemp("batch")
    gen = load_generator()
    counts = gen.generate(out, notes=N_NOTES, seed=11, bad_fraction=0.05, clone_fraction=0.03)
    assert sum(counts["bad"].values()) == 4 and counts["clones"] >= 1
    # a broken claims line would stop a folder input; add a note-less claim line instead (an error record)
    with (out / "claims.csv").open("a") as handle:
        handle.write("ghost,64493,LT,1,P99999,2024-05-01,Dr. Nobody Synthetic,Medicare,10.00\n")
    ref = out / "reference.db"
    run_review(out / "notes", ref, claims=out / "claims.csv", workers=1, progress=False)
    return out, ref


def dump(db: Path) -> dict:
    """Everything a result is made of, without run ids, times and row ids."""
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    notes = sorted(tuple(r) for r in con.execute(
        "SELECT key, source, note_id, locator, content_hash, status, patient_id, date_of_service, provider, payer_name,"
        " paid_amount, kind, region, intent, worst_severity, billed, supported, text, report FROM notes"))
    findings = sorted(tuple(r) for r in con.execute(
        "SELECT note_key, note_id, code, severity, rule, message, fix, spans, details, origin FROM findings"))
    errors = sorted(tuple(r) for r in con.execute("SELECT key, note_key, source, locator, note_id, stage, message FROM input_errors"))
    con.close()
    return {"notes": notes, "findings": findings, "errors": errors}


def test_reference_store_contents(batch):
    out, ref = batch
    d = dump(ref)
    assert len(d["notes"]) == N_NOTES and len({n[2] for n in d["notes"]}) == N_NOTES
    statuses = [n[5] for n in d["notes"]]
    assert statuses.count("unreadable") == 3  # empty, binary, oversized (non-UTF-8 is read with a warning)
    assert {e[5] for e in d["errors"]} == {"read", "claims"}
    codes = {f[2] for f in d["findings"]}
    assert "DOCUMENTATION_CLONED" in codes and "NOT_FACET_PROCEDURE" in codes
    with Store(ref, create=False) as store:
        (run,) = store.runs()
        assert run["status"] == "completed" and run["notes_checked"] == N_NOTES and run["notes_skipped"] == 0
        assert json.loads(run["rule_versions"]) == resources.versions()
        assert run["payer"] == "medicare" and run["use_model"] == 0 and run["notecheck_version"]
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # findings are rows one can query
        n = store.db.execute("SELECT COUNT(*) FROM finding_rows WHERE severity='error' AND code LIKE 'CLAIM_%'").fetchone()[0]
        assert n > 0
    assert stat.S_IMODE(ref.stat().st_mode) == 0o600  # the store holds note text


def test_rerun_checks_nothing_and_adds_nothing(batch, tmp_path):
    out, ref = batch
    db = tmp_path / "again.db"
    run_review(out / "notes", db, claims=out / "claims.csv", workers=1, progress=False)
    first = dump(db)
    result = run_review(out / "notes", db, claims=out / "claims.csv", workers=1, progress=False)
    assert result.checked == 0 and result.skipped == N_NOTES and result.input_errors == 0
    assert dump(db) == first == dump(ref)


def test_two_workers_give_the_same_store_as_one(batch, tmp_path):
    out, ref = batch
    db = tmp_path / "two.db"
    result = run_review(out / "notes", db, claims=out / "claims.csv", workers=2, progress=False)
    assert result.checked == N_NOTES
    assert dump(db) == dump(ref)


def test_resume_after_kill_9(batch, tmp_path):
    """Start a real review in a subprocess (2 workers), kill -9 its whole process group mid-run, rerun:
    every note exactly once, and the store equals the uninterrupted one."""
    out, ref = batch
    db = tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "notecheck.cli", "review", str(out / "notes"), "--claims", str(out / "claims.csv"),
           "--db", str(db), "--workers", "2", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    seen = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
                    seen = con.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
                    con.close()
                except sqlite3.OperationalError:
                    seen = 0
            if seen >= 5:
                break
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the review and its pool workers: nothing gets to clean up
        proc.wait(timeout=30)
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, f"the run ended before it could be killed: {stderr[-500:]}"
    with Store(db, create=False) as store:
        stored = store.note_count()
        (killed_run,) = store.runs()
    assert 5 <= stored < N_NOTES
    assert killed_run["status"] == "running" and killed_run["finished_at"] is None  # it never got to finish

    result = run_review(out / "notes", db, claims=out / "claims.csv", workers=1, progress=False)
    assert result.skipped == stored and result.checked == N_NOTES - stored
    after = dump(db)
    assert len(after["notes"]) == N_NOTES
    assert len({n[2] for n in after["notes"]}) == N_NOTES  # one result per note id
    assert after == dump(ref)  # nothing lost, nothing doubled: findings and error records included
    with Store(db, create=False) as store:
        assert [r["status"] for r in store.runs()] == ["running", "completed"]


def test_an_edited_note_replaces_its_old_result(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text(mbb_note("2024-01-10"))
    (notes / "b.txt").write_text(mbb_note("2024-01-11", post=None))
    db = tmp_path / "s.db"
    run_review(notes, db, progress=False, crossnote=False)
    (notes / "b.txt").write_text(mbb_note("2024-01-11"))  # pain score added
    result = run_review(notes, db, progress=False, crossnote=False)
    assert (result.checked, result.skipped) == (1, 1)
    with Store(db, create=False) as store:
        rows = list(store.notes(columns="note_id, text"))
        assert [r["note_id"] for r in rows] == ["a", "b"]
        assert "NRS 1/10" in rows[1]["text"]
        codes = store.db.execute("SELECT code FROM findings WHERE note_id='b'").fetchall()
        assert ("PAIN_SCORE_MISSING",) not in [tuple(c) for c in codes]


def test_a_store_is_bound_to_its_payer_profile(tmp_path):
    (tmp_path / "a.txt").write_text(mbb_note("2024-01-10"))
    db = tmp_path / "s.db"
    run_review(tmp_path, db, progress=False, crossnote=False)
    with pytest.raises(StoreError, match="payer profile 'medicare'"):
        run_review(tmp_path, db, payer="aetna", progress=False)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        Store(junk, create=False)


def test_review_cli_exit_codes_and_no_note_text_on_stderr(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    marker = "ZZPHIMARKER"
    (notes / "a.txt").write_text(mbb_note("2024-01-10", flavour=f"Patient {marker} says hello."))
    db = tmp_path / "s.db"
    result = runner.invoke(app, ["review", str(notes), "--db", str(db), "--progress-every", "0"])
    assert result.exit_code == 0, result.stderr
    assert marker not in result.stderr and marker not in result.stdout
    assert "review: 1/1 notes" in result.stderr and "notes/s" in result.stderr  # plain progress when not a terminal
    (notes / "b.txt").write_bytes(b"\x00\x01binary" * 50)
    (notes / "c.txt").write_text(f"PROCEDURE: Left L4-5 facet joint injection.\nThe patient ({marker}) did well.\n")  # errors
    result = runner.invoke(app, ["review", str(notes), "--db", str(db)])
    assert result.exit_code == 2  # a note could not be read; the others are still in the store
    assert marker not in result.stderr
    assert "could not be read" in result.stderr
    with Store(db, create=False) as store:
        assert store.note_count() == 3
        (err,) = store.input_errors()
        assert err["note_id"] == "b" and err["message"] == "note is binary, not text"
    (notes / "b.txt").unlink()
    result = runner.invoke(app, ["review", str(notes), "--db", str(tmp_path / "t.db")])
    assert result.exit_code == 1  # error-level findings
    result = runner.invoke(app, ["review", str(tmp_path / "missing"), "--db", str(db)])
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_progress_bar_on_a_terminal_and_plain_lines_otherwise():
    import io

    from notecheck.review.runner import _Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty = Terminal()
    bar = _Progress(40, 2, stream=tty)
    for _ in range(40):
        bar.advance()
    bar.close()
    shown = tty.getvalue()
    assert bar.bar is not None and "40/40" in shown and "notes/s" in shown and "ETA" in shown

    plain = io.StringIO()
    bar = _Progress(3, 1, stream=plain, every=0.0)
    for _ in range(3):
        bar.advance()
    bar.close()
    lines = plain.getvalue().splitlines()
    assert bar.bar is None and lines[0] == "review: 3 notes to check (1 already in the store)"
    assert lines[-1].startswith("review: 3/3 notes (") and "ETA 0:00:00" in lines[-1]
