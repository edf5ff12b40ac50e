"""Audit sampling and appraisal: a reproducible, documented sample; the statistics checked against an
independent computation (numpy / scipy.stats written out here, not notecheck's code)."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from notecheck.cli import app
from notecheck.review.audit import (AuditError, allocate, appraise, design_sample, hypergeom_limits, load_design,
                                    read_reviewed, units_from_input, write_design)
from review_helpers import write_export_csv

runner = CliRunner()
PROVIDERS = ["Dr A", "Dr B", "Dr C"]


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    """200 claims (the text does not matter for sampling): providers, CPTs and paid amounts vary."""
    rng = np.random.default_rng(5)
    rows = []
    for n in range(200):
        rows.append({"note_id": f"c{n:03d}", "text": f"note {n}", "patient_id": f"P{n % 70}", "date_of_service": "2024-03-01",
                     "provider": PROVIDERS[n % 3], "cpt": ["64493", "64490", "64635"][n % 5 % 3], "modifiers": "50",
                     "units": "1", "paid_amount": f"{rng.uniform(60, 900):.2f}"})
    return write_export_csv(tmp_path_factory.mktemp("audit") / "claims.csv", rows)


def test_allocation():
    assert allocate({"A": 50, "B": 30, "C": 20}, 10) == {"A": 5, "B": 3, "C": 2}
    assert allocate({"A": 96, "B": 2, "C": 2}, 10) == {"A": 6, "B": 2, "C": 2}  # at least 2 each
    assert allocate({"A": 10, "B": 10, "C": 1}, 9, "equal") == {"A": 4, "B": 4, "C": 1}
    assert sum(allocate({"A": 7, "B": 13, "C": 29}, 17).values()) == 17
    with pytest.raises(AuditError, match="larger than the frame"):
        allocate({"A": 3}, 4)


def _sample(export: Path, out: Path, seed: int, **kw):
    design = design_sample(units_from_input(export), seed=seed, source={"input": str(export)}, **kw)
    write_design(design, out)
    return design


def test_sample_is_reproducible_and_the_random_numbers_map_to_frame_rows(export, tmp_path):
    d1 = _sample(export, tmp_path / "s1", 20240601, size=24, stratify="provider", spares=3)
    _sample(export, tmp_path / "s2", 20240601, size=24, stratify="provider", spares=3)
    _sample(export, tmp_path / "s3", 7, size=24, stratify="provider", spares=3)
    for name in ("frame.csv", "random_numbers.csv", "sample.csv", "spares.csv"):
        assert (tmp_path / "s1" / name).read_bytes() == (tmp_path / "s2" / name).read_bytes()
    assert (tmp_path / "s1" / "sample.csv").read_bytes() != (tmp_path / "s3" / "sample.csv").read_bytes()

    manifest = json.loads((tmp_path / "s1" / "sample.json").read_text())
    frame_bytes = (tmp_path / "s1" / "frame.csv").read_bytes()
    assert manifest["frame"]["sha256"] == hashlib.sha256(frame_bytes).hexdigest() and manifest["frame"]["rows"] == 200
    assert manifest["seed"] == 20240601 and manifest["software"]["notecheck"] and manifest["software"]["scipy"]
    frame = list(csv.DictReader(frame_bytes.decode().splitlines()))
    assert [int(r["frame_row"]) for r in frame] == list(range(1, 201))
    assert [r["note_id"] for r in frame] == sorted(r["note_id"] for r in frame)
    members = {p: [int(r["frame_row"]) for r in frame if r["stratum"] == p] for p in PROVIDERS}
    assert {s["name"]: (s["N"], s["n"]) for s in manifest["strata"]} == {"Dr A": (67, 8), "Dr B": (67, 8), "Dr C": (66, 8)}

    # every draw recomputed from the documented formula alone
    draws = list(csv.DictReader((tmp_path / "s1" / "random_numbers.csv").read_text().splitlines()))
    for d in draws:
        h = hashlib.sha256(f"notecheck-sample-v1|20240601|{d['stratum']}|{d['draw']}".encode()).digest()
        u = int.from_bytes(h[:8], "big") / 2 ** 64
        assert float(d["random_number"]) == pytest.approx(u, abs=1e-14)
        row = math.floor(u * len(members[d["stratum"]])) + 1
        assert int(d["stratum_row"]) == row and int(d["frame_row"]) == members[d["stratum"]][row - 1]
    sample = list(csv.DictReader((tmp_path / "s1" / "sample.csv").read_text().splitlines()))
    spares = list(csv.DictReader((tmp_path / "s1" / "spares.csv").read_text().splitlines()))
    assert len(sample) == 24 and len(spares) == 9
    rows = [int(r["frame_row"]) for r in sample + spares]
    assert len(set(rows)) == len(rows)  # without replacement, spares apart from the sample
    for p in PROVIDERS:  # the first distinct draws of a stratum are its sample, in draw order
        firsts = []
        for d in draws:
            if d["stratum"] == p and int(d["frame_row"]) not in firsts:
                firsts.append(int(d["frame_row"]))
        assert [int(r["frame_row"]) for r in sample if r["stratum"] == p] == firsts[:8]
        assert [int(r["frame_row"]) for r in spares if r["stratum"] == p] == firsts[8:11]
    assert d1.units[0].frame_row == 1


def _review(sample_dir: Path, audited) -> Path:
    """Fill in sample.csv: audited_amount = audited(paid, i)."""
    rows = list(csv.DictReader((sample_dir / "sample.csv").read_text().splitlines()))
    for i, r in enumerate(rows):
        r["audited_amount"] = f"{audited(float(r['paid_amount']), i):.2f}"
    out = sample_dir / "reviewed.csv"
    with out.open("w", newline="") as handle:
        w = csv.DictWriter(handle, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return out


def _audited(paid: float, i: int) -> float:
    if i % 5 == 0:
        return 0.0             # nothing was due
    if i % 7 == 0:
        return round(paid * 0.5, 2)
    if i % 11 == 0:
        return paid + 25.0     # underpaid
    return paid


def _independent(over: np.ndarray, N: int) -> dict:
    n = len(over)
    mean, sd = over.mean(), over.std(ddof=1)
    se_total = N * sd / np.sqrt(n) * np.sqrt(1 - n / N)
    point = N * mean
    return {"mean": mean, "sd": sd, "point": point, "se": se_total,
            "ll90": point - stats.t.ppf(0.90, n - 1) * se_total,
            "two": (point - stats.t.ppf(0.95, n - 1) * se_total, point + stats.t.ppf(0.95, n - 1) * se_total)}


def _brute_limits(N: int, n: int, e: int) -> tuple[int, int]:
    lower = next(K for K in range(e, N + 1) if stats.hypergeom(N, K, n).sf(e - 1) > 0.05) if e else 0
    upper = max(K for K in range(e, N - (n - e) + 1) if stats.hypergeom(N, K, n).cdf(e) > 0.05)
    return lower, upper


def test_unrestricted_appraisal_matches_an_independent_computation(export, tmp_path):
    _sample(export, tmp_path, 99, size=30, spares=2)
    reviewed_path = _review(tmp_path, _audited)
    manifest, frame, uses = load_design(tmp_path)
    result = appraise(manifest, read_reviewed(reviewed_path, manifest, frame, uses))

    rows = list(csv.DictReader(reviewed_path.read_text().splitlines()))
    paid = np.array([float(r["paid_amount"]) for r in rows])
    aud = np.array([float(r["audited_amount"]) for r in rows])
    over, under = np.maximum(paid - aud, 0), np.maximum(aud - paid, 0)
    assert over.sum() > 0 and under.sum() > 0  # the fixture has both

    ind = _independent(over, 200)
    est = result["variable"]["overpayment"]["combined"]
    assert est["mean"] == pytest.approx(ind["mean"]) and est["sd"] == pytest.approx(ind["sd"])
    assert est["point_estimate"] == pytest.approx(ind["point"])
    assert est["se_total"] == pytest.approx(ind["se"])
    assert est["lower_limit_one_sided_90"] == pytest.approx(ind["ll90"])
    assert est["two_sided_90"] == pytest.approx(list(ind["two"]))
    assert est["precision_90_two_sided"] == pytest.approx(ind["two"][1] - ind["point"])
    assert est["df"] == 29

    ind_u = _independent(under, 200)  # underpayments: their own estimate, never netted against overpayments
    est_u = result["variable"]["underpayment"]["combined"]
    assert est_u["point_estimate"] == pytest.approx(ind_u["point"]) and est_u["lower_limit_one_sided_90"] == pytest.approx(ind_u["ll90"])
    assert est["point_estimate"] != pytest.approx(_independent(paid - aud, 200)["point"])

    errors = int(np.sum(np.abs(paid - aud) > 0.005))
    a = result["attribute"]
    assert (a["n"], a["errors"]) == (30, errors) and a["rate"] == pytest.approx(errors / 30)
    lo, hi = _brute_limits(200, 30, errors)
    assert a["ci_90_two_sided"] == pytest.approx([lo / 200, hi / 200])
    assert result["reproduce"]["seed"] == 99 and result["reproduce"]["frame_sha256"] == manifest["frame"]["sha256"]
    assert "Medicare" in result["variable"]["names"]["lower_limit_one_sided_90"]
    assert "CIA" in result["variable"]["names"]["two_sided_90"]


def test_stratified_appraisal_matches_an_independent_computation(export, tmp_path):
    design = design_sample(units_from_input(export), 36, 3, stratify="paid", bounds=[300.0, 600.0], spares=0)
    write_design(design, tmp_path)
    reviewed_path = _review(tmp_path, _audited)
    manifest, frame, uses = load_design(tmp_path)
    result = appraise(manifest, read_reviewed(reviewed_path, manifest, frame, uses))

    rows = list(csv.DictReader(reviewed_path.read_text().splitlines()))
    sizes = {s["name"]: s["N"] for s in manifest["strata"]}
    assert len(sizes) == 3 and sum(sizes.values()) == 200
    point, var, n_total = 0.0, 0.0, 0
    for s in result["variable"]["overpayment"]["strata"]:
        sub = [r for r in rows if r["stratum"] == s["stratum"]]
        over = np.array([max(float(r["paid_amount"]) - float(r["audited_amount"]), 0) for r in sub])
        ind = _independent(over, sizes[s["stratum"]])
        assert s["point_estimate"] == pytest.approx(ind["point"]) and s["se_total"] == pytest.approx(ind["se"])
        assert s["lower_limit_one_sided_90"] == pytest.approx(ind["ll90"])
        point += ind["point"]
        var += ind["se"] ** 2
        n_total += len(sub)
    comb = result["variable"]["overpayment"]["combined"]
    df = n_total - 3
    assert comb["point_estimate"] == pytest.approx(point) and comb["se_total"] == pytest.approx(math.sqrt(var))
    assert comb["df"] == df
    assert comb["lower_limit_one_sided_90"] == pytest.approx(point - stats.t.ppf(0.90, df) * math.sqrt(var))
    assert comb["two_sided_90"] == pytest.approx([point - stats.t.ppf(0.95, df) * math.sqrt(var),
                                                  point + stats.t.ppf(0.95, df) * math.sqrt(var)])
    # stratified error rate: Σ W_h p_h with its normal-approximation interval
    p_st, v = 0.0, 0.0
    for a in result["attribute"]["strata"]:
        sub = [r for r in rows if r["stratum"] == a["stratum"]]
        e = sum(abs(float(r["paid_amount"]) - float(r["audited_amount"])) > 0.005 for r in sub)
        n, N = len(sub), sizes[a["stratum"]]
        w, p = N / 200, e / n
        p_st += w * p
        v += w * w * (1 - n / N) * p * (1 - p) / (n - 1)
    z = stats.norm.ppf(0.95)
    assert result["attribute"]["rate"] == pytest.approx(p_st)
    assert result["attribute"]["ci_90_two_sided"] == pytest.approx([max(0, p_st - z * math.sqrt(v)), min(1, p_st + z * math.sqrt(v))])


def test_hypergeometric_limits_edge_cases():
    assert hypergeom_limits(100, 10, 0)[0] == 0
    lo, hi = hypergeom_limits(100, 10, 10)
    assert hi == 100 and lo == _brute_limits(100, 10, 10)[0]


def test_a_changed_frame_or_bad_review_rows_are_refused(export, tmp_path):
    _sample(export, tmp_path, 1, size=10, spares=1)
    manifest, frame, uses = load_design(tmp_path)
    bad = tmp_path / "bad.csv"
    for body, message in [
        ("frame_row,audited_amount\n999,1\n", "not in the frame"),
        ("frame_row,audited_amount\n{row},1\n{row},1\n", "appears twice"),
        ("frame_row,audited_amount,paid_amount\n{row},1,0.01\n", "differs from the frame"),
        ("frame_row,error\n{row},maybe\n", "is not 1/0"),
        ("note,audited_amount\nx,1\n", "frame_row column"),
        ("frame_row,audited_amount\n{undrawn},1\n", "was not drawn"),
    ]:
        row = next(r for r, use in uses.items() if use == "sample")
        undrawn = next(r for r in frame if r not in uses)
        bad.write_text(body.format(row=row, undrawn=undrawn))
        with pytest.raises(AuditError, match=message):
            read_reviewed(bad, manifest, frame, uses)
    text = (tmp_path / "frame.csv").read_text()
    (tmp_path / "frame.csv").write_text(text.replace(",c001,", ",c999,"))
    with pytest.raises(AuditError, match="frame was changed"):
        load_design(tmp_path)


def test_audit_cli_sample_and_report(export, tmp_path):
    out = tmp_path / "sample"
    result = runner.invoke(app, ["audit", "sample", "--input", str(export), "--size", "12", "--seed", "42",
                                 "--stratify", "cpt", "--spares", "2", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "stratified sample of 12" in result.stderr
    # one sample unit could not be reviewed: its stratum's first spare replaces it
    rows = list(csv.DictReader((out / "sample.csv").read_text().splitlines()))
    spares = list(csv.DictReader((out / "spares.csv").read_text().splitlines()))
    dropped = rows.pop(0)
    rows.append(next(s for s in spares if s["stratum"] == dropped["stratum"]))
    for r in rows:
        r["error"], r["audited_amount"] = "no", r["paid_amount"]
    rows[0]["error"], rows[0]["audited_amount"] = "yes", "0.00"
    reviewed = tmp_path / "reviewed.csv"
    with reviewed.open("w", newline="") as handle:
        w = csv.DictWriter(handle, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    result = runner.invoke(app, ["audit", "report", "--sample", str(out), "--reviewed", str(reviewed), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["attribute"]["errors"] == 1 and report["attribute"]["n"] == 12
    assert report["reproduce"]["seed"] == 42 and len(report["reproduce"]["frame_sha256"]) == 64
    assert any("spare(s) used" in n for n in report["notes"])
    assert report["variable"]["underpayment"]["combined"]["point_estimate"] == 0
    text = runner.invoke(app, ["audit", "report", "--sample", str(out), "--reviewed", str(reviewed)]).stdout
    assert "one-sided 90% lower limit (the amount a Medicare contractor demands)" in text
    assert "kept apart, never netted" in text
    result = runner.invoke(app, ["audit", "sample", "--size", "5", "--seed", "1", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "either --db" in result.stderr


def test_audit_sample_from_a_review_store(tmp_path):
    from notecheck.review.runner import run_review
    from review_helpers import ia_note

    rows = [{"note_id": f"n{i}", "text": ia_note("2024-01-01", flavour=f"Visit {i}."), "provider": "Dr A",
             "cpt": "64493", "modifiers": "RT", "units": "1", "paid_amount": f"{100 + i}"} for i in range(6)]
    path = write_export_csv(tmp_path / "b.csv", rows)
    db = tmp_path / "s.db"
    run_review(path, db, progress=False, crossnote=False)
    result = runner.invoke(app, ["audit", "sample", "--db", str(db), "--size", "3", "--seed", "5", "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.stderr
    frame = list(csv.DictReader((tmp_path / "s" / "frame.csv").read_text().splitlines()))
    assert [r["note_id"] for r in frame] == [f"n{i}" for i in range(6)] and frame[0]["paid_amount"] == "100.00"
    # the same units from the input itself: the same unit ids (note keys), so the same frame
    assert [u.unit_id for u in sorted(units_from_input(path), key=lambda u: u.note_id)] == [r["unit_id"] for r in frame]
