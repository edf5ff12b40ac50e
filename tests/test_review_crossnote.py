"""Cross-note checks over the store, end to end (real notes through the pipeline): frequency per region per
rolling 12 months, the earlier block's relief before a second block or an RFA, cloned documentation."""

from __future__ import annotations

import json
from datetime import date

from notecheck.profiles import load_profile
from notecheck.review.crossnote import measured_relief, months_before
from notecheck.review.runner import run_review
from notecheck.review.store import Store
from review_helpers import ia_note, mbb_note, rfa_note, write_export_csv


def review_rows(tmp_path, name: str, rows: list[dict]) -> dict[str, list[dict]]:
    """Review an export of these rows; note_id → its cross-note findings."""
    path = write_export_csv(tmp_path / f"{name}.csv", rows)
    db = tmp_path / f"{name}.db"
    run_review(path, db, progress=False)
    with Store(db, create=False) as store:
        keys = {r["key"]: r["note_id"] for r in store.notes(columns="key, note_id")}
        out: dict[str, list[dict]] = {nid: [] for nid in keys.values()}
        for key, findings in store.findings_by_note().items():
            out[keys[key]] += [f for f in findings if f["origin"] == "crossnote"]
    return out


def codes(found: dict[str, list[dict]], code: str) -> set[str]:
    return {nid for nid, fs in found.items() if any(f["code"] == code for f in fs)}


def row(nid, patient, day, text, **kw):
    return {"note_id": nid, "patient_id": patient, "date_of_service": day, "text": text, **kw}


def test_months_before_and_measured_relief():
    assert months_before(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert months_before(date(2024, 1, 10), 12) == date(2023, 1, 10)
    assert months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    report = {"history": {"pain_scores": [{"scale": "NRS", "value": 8, "timing": "pre"},
                                          {"scale": "NRS", "value": 2, "timing": "post"},
                                          {"scale": "VAS", "value": 5, "timing": "post"}]}}
    assert measured_relief(report) == 75.0
    assert measured_relief({"history": {"pain_scores": [{"scale": "NRS", "value": 8, "timing": "pre"}]}}) is None


def test_frequency_per_region_per_rolling_window(tmp_path):
    rows = []
    # P1: five diagnostic sessions in five months: the fifth is over Medicare's 4
    for n, day in enumerate(["2024-01-10", "2024-02-10", "2024-03-10", "2024-04-10", "2024-05-10"], start=1):
        rows.append(row(f"p1-{n}", "P1", day, mbb_note(day, flavour=f"Visit {n}.")))
    # P2: the window is (d - 12 months, d]: a session exactly 12 months earlier is outside it
    for n, day in enumerate(["2024-01-10", "2024-02-10", "2024-03-10", "2024-04-10", "2025-01-10"], start=1):
        rows.append(row(f"p2-{n}", "P2", day, mbb_note(day, flavour=f"Session {n}.")))
    # P3: two notes of one day are one session
    for n, day in enumerate(["2024-01-10", "2024-02-10", "2024-03-10", "2024-04-10", "2024-04-10"], start=1):
        rows.append(row(f"p3-{n}", "P3", day, mbb_note(day, level="L5-S1", nerves="L4 medial branch and L5 dorsal ramus",
                                                        flavour=f"Entry {n}.")))
    # P4: three RFAs in seven months: the third is over the 2 allowed
    for n, day in enumerate(["2024-01-05", "2024-04-05", "2024-08-05"], start=1):
        rows.append(row(f"p4-{n}", "P4", day, rfa_note(day, flavour=f"Course {n}.")))
    # P5: five therapeutic injections, but in two regions: 3 lumbar + 2 cervical, under the cap in each
    for n, (day, region) in enumerate([("2024-01-01", "lumbar"), ("2024-02-01", "cervical"), ("2024-03-01", "lumbar"),
                                       ("2024-04-01", "cervical"), ("2024-05-01", "lumbar")], start=1):
        rows.append(row(f"p5-{n}", "P5", day, ia_note(day, region=region, flavour=f"Round {n}.")))
    # no patient id: cannot be placed, never counted
    for n in range(1, 7):
        rows.append(row(f"anon-{n}", "", f"2024-0{n}-15", mbb_note(f"2024-0{n}-15", flavour=f"Anon {n}.")))
    found = review_rows(tmp_path, "freq", rows)
    assert codes(found, "FREQUENCY_EXCEEDED") == {"p1-5", "p4-3"}
    (f,) = [f for f in found["p1-5"] if f["code"] == "FREQUENCY_EXCEEDED"]
    assert f["severity"] == "error" and f["rule"] == "MED-10"
    assert f["details"]["sessions_in_window"] == 5 and f["details"]["cap"] == 4 and f["details"]["category"] == "diagnostic"
    assert [o["note_id"] for o in f["details"]["other_notes"]] == ["p1-1", "p1-2", "p1-3", "p1-4"]
    assert "session 5" in f["message"] and "at most 4" in f["message"] and "lumbar/sacral" in f["message"]
    (g,) = [f for f in found["p4-3"] if f["code"] == "FREQUENCY_EXCEEDED"]
    assert g["details"]["category"] == "rfa" and g["details"]["cap"] == 2 and g["details"]["sessions_in_window"] == 3


def test_relief_of_the_earlier_block(tmp_path):
    rows = [
        # A: first block measured 87.5% → the second block is fine
        row("a1", "A", "2024-01-10", mbb_note("2024-01-10", pre=8, post=1, flavour="A one.")),
        row("a2", "A", "2024-02-10", mbb_note("2024-02-10", block=2, flavour="A two.")),
        # B: first block measured 25% → flagged on the second
        row("b1", "B", "2024-01-10", mbb_note("2024-01-10", pre=8, post=6, flavour="B one.")),
        row("b2", "B", "2024-02-10", mbb_note("2024-02-10", block=2, flavour="B two.")),
        # C: the first note measures nothing, the second states 90%: that stands in
        row("c1", "C", "2024-01-10", mbb_note("2024-01-10", post=None, flavour="C one.")),
        row("c2", "C", "2024-02-10", mbb_note("2024-02-10", block=2, prior=" The first block gave 90% relief.", flavour="C two.")),
        # D: nothing anywhere → flagged, relief unknown
        row("d1", "D", "2024-01-10", mbb_note("2024-01-10", post=None, flavour="D one.")),
        row("d2", "D", "2024-02-10", mbb_note("2024-02-10", block=2, flavour="D two.")),
        # E: two good blocks, then RFA → fine
        row("e1", "E", "2024-01-10", mbb_note("2024-01-10", post=1, flavour="E one.")),
        row("e2", "E", "2024-02-10", mbb_note("2024-02-10", block=2, post=0, flavour="E two.")),
        row("e3", "E", "2024-03-10", rfa_note("2024-03-10", flavour="E three.")),
        # F: the second block was poor → the RFA is flagged (and the second block is fine: the first was good)
        row("f1", "F", "2024-01-10", mbb_note("2024-01-10", post=1, flavour="F one.")),
        row("f2", "F", "2024-02-10", mbb_note("2024-02-10", block=2, post=6, flavour="F two.")),
        row("f3", "F", "2024-03-10", rfa_note("2024-03-10", flavour="F three.")),
        # G: no measurements; the RFA note states 90% and 70%, matched to the blocks in date order
        row("g1", "G", "2024-01-10", mbb_note("2024-01-10", post=None, flavour="G one.")),
        row("g2", "G", "2024-02-10", mbb_note("2024-02-10", block=2, post=None, prior=" The first block gave 90% relief.", flavour="G two.")),
        row("g3", "G", "2024-03-10", rfa_note("2024-03-10", prior=" Two diagnostic medial branch blocks gave 90% and 70% relief.", flavour="G three.")),
        # H: an RFA after an earlier RFA is a repeat (MED-7's repeat rule), not judged here
        row("h1", "H", "2024-01-10", rfa_note("2024-01-10", flavour="H one.")),
        row("h2", "H", "2024-02-10", mbb_note("2024-02-10", post=6, flavour="H two.")),
        row("h3", "H", "2024-09-10", rfa_note("2024-09-10", flavour="H three.")),
    ]
    found = review_rows(tmp_path, "relief", rows)
    assert codes(found, "SERIES_RELIEF_NOT_SHOWN") == {"b2", "d2"}
    assert codes(found, "RFA_BLOCK_RELIEF_NOT_SHOWN") == {"f3", "g3"}
    (b,) = [f for f in found["b2"] if f["code"] == "SERIES_RELIEF_NOT_SHOWN"]
    assert b["rule"] == "MED-5" and b["severity"] == "warning"
    assert b["details"]["earlier_blocks"] == [{"note_id": "b1", "date_of_service": "2024-01-10", "relief_pct": 25.0,
                                               "relief_from": "earlier note (pre/post pain score)", "meets_threshold": False}]
    assert "b1 on 2024-01-10: 25% relief" in b["message"] and "at least 80%" in b["message"]
    (d,) = [f for f in found["d2"] if f["code"] == "SERIES_RELIEF_NOT_SHOWN"]
    assert d["details"]["earlier_blocks"][0]["relief_pct"] is None and "no relief documented" in d["message"]
    (f3,) = [f for f in found["f3"] if f["code"] == "RFA_BLOCK_RELIEF_NOT_SHOWN"]
    assert f3["rule"] == "MED-7"
    assert [(x["note_id"], x["meets_threshold"]) for x in f3["details"]["earlier_blocks"]] == [("f1", True), ("f2", False)]
    (g3,) = [f for f in found["g3"] if f["code"] == "RFA_BLOCK_RELIEF_NOT_SHOWN"]
    assert [(x["relief_pct"], x["relief_from"]) for x in g3["details"]["earlier_blocks"]] == [
        (90.0, "this note (prior relief stated)"), (70.0, "this note (prior relief stated)")]


def test_relief_threshold_comes_from_the_profile():
    assert load_profile("bcbs").parameters.diagnostic_relief_pct == 50  # the same check, a lower bar


def test_cloned_documentation(tmp_path):
    body = mbb_note("2024-01-10", name="Sam Example")
    clone = body.replace("Sam Example", "Robin Mockwell").replace("2024-01-10", "2024-03-10")
    short = "Procedure cancelled today. Patient rescheduled."
    rows = [
        row("x", "P1", "2024-01-10", body),
        row("y", "P2", "2024-03-10", clone),                           # another patient, later: the clone
        row("z", "P1", "2024-01-10", body),                            # same patient and day as x: a duplicate
        row("w", "P3", "2024-02-01", rfa_note("2024-02-01", name="Drew Sample")),
        row("v", "P4", "2024-02-02", ia_note("2024-02-02", name="Quinn Fakeley")),
        row("s1", "P5", "2024-02-03", short), row("s2", "P6", "2024-02-04", short),  # too short to judge
        row("u", "", "", mbb_note("2024-05-01", name="Unknown Person", flavour="A long and different history of a fall down the stairs, "
                                  "with two weeks of rest, ice, a brace and then chiropractic care without any benefit whatsoever.")),
    ]
    found = review_rows(tmp_path, "clone", rows)
    assert codes(found, "DOCUMENTATION_CLONED") == {"y"}
    (f,) = found["y"]
    assert f["rule"] == "DOC-HIST" and f["severity"] == "warning"
    pairs = f["details"]["pairs"]
    assert {p["note_id"] for p in pairs} == {"x", "z"}
    assert all(p["similarity"] >= load_profile("medicare").parameters.clone_similarity_threshold for p in pairs)
    assert all(p["relation"] == "a different patient" for p in pairs)
    assert "x and 1 other note(s)" in f["message"] or "z and 1 other note(s)" in f["message"]


def test_crossnote_findings_are_replaced_not_accumulated(tmp_path):
    rows = [row(f"r{n}", "P1", day, rfa_note(day, flavour=f"Course {n}."))
            for n, day in enumerate(["2024-01-05", "2024-04-05", "2024-08-05"], start=1)]
    path = write_export_csv(tmp_path / "b.csv", rows)
    db = tmp_path / "b.db"
    run_review(path, db, progress=False)
    run_review(path, db, progress=False)  # again: the cross-note checks run again over the same store
    with Store(db, create=False) as store:
        n = store.db.execute("SELECT COUNT(*) FROM findings WHERE code='FREQUENCY_EXCEEDED'").fetchone()[0]
        details = json.loads(store.db.execute("SELECT details FROM findings WHERE code='FREQUENCY_EXCEEDED'").fetchone()[0])
    assert n == 1 and details["sessions_in_window"] == 3
