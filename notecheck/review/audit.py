"""Audit sampling and appraisal, after OIG RAT-STATS and CMS Program Integrity Manual (PIM) chapter 8.

Sampling (`notecheck audit sample`)
    The sampling unit is one note (one session's claim); its paid amount is the sum of its claim lines'
    paid amounts. The frame is every note of the store (or of an input), ordered by (source, note_id), each
    with a stratum: unrestricted (one stratum ``ALL``), or stratified by provider, by primary CPT (the first
    billed line, ``NONE`` without a claim) or by paid amount (boundaries given, or equal-count quantiles).
    Sample sizes per stratum: proportional (largest remainder, at least ``min_per_stratum``) or equal.

    Random numbers: u(h, i) = first 8 bytes of SHA-256("notecheck-sample-v1|{seed}|{stratum}|{i}") as an
    unsigned integer / 2^64, for i = 1, 2, ...; each maps to stratum row floor(u × N_h) + 1. Draws that
    repeat a row are recorded as duplicates and skipped (sampling without replacement); the first n_h
    distinct rows are the sample, the next ones the spares, in draw order. The generator is defined by this
    formula, not by a library, so the sample can be re-created anywhere from the seed and the frame.

    Files written: frame.csv (frame_row, unit, stratum, paid amount ...), random_numbers.csv (every draw and
    the frame row it maps to), sample.csv and spares.csv (with empty ``audited_amount`` and ``error``
    columns for the reviewer), sample.json (design, seed, strata, frame SHA-256, software versions).

Appraisal (`notecheck audit report`): see `appraise` and docs/review.md for the formulas.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import platform
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__

GENERATOR = "notecheck-sample-v1"
FRAME_COLUMNS = ["frame_row", "stratum", "unit_id", "source", "note_id", "patient_id", "date_of_service", "provider",
                 "cpt", "billed", "paid_amount"]
SAMPLE_COLUMNS = ["stratum", "sample_no", "frame_row", "random_draw", "random_number", "unit_id", "note_id",
                  "patient_id", "date_of_service", "provider", "cpt", "billed", "paid_amount", "audited_amount",
                  "error", "comment"]


class AuditError(ValueError):
    """A sampling design or a reviewed sample that cannot be used; the message says why."""


# --- the frame ---------------------------------------------------------------------------------------------------

@dataclass
class Unit:
    unit_id: str
    source: str
    note_id: str
    patient_id: str | None
    date_of_service: str | None
    provider: str | None
    billed: list[dict]
    paid_amount: float | None
    stratum: str = "ALL"
    frame_row: int = 0

    @property
    def cpt(self) -> str:
        return self.billed[0]["cpt"] if self.billed else ""

    def billed_text(self) -> str:
        from ..codes import format_code
        from ..report import Code

        return ", ".join(format_code(Code(**b)) for b in self.billed)


def units_from_store(db: Path) -> list[Unit]:
    from .store import Store

    store = Store(db, create=False)
    try:
        return [Unit(r["key"], r["source"], r["note_id"], r["patient_id"], r["date_of_service"], r["provider"],
                     json.loads(r["billed"]), r["paid_amount"])
                for r in store.notes(columns="key, source, note_id, patient_id, date_of_service, provider, billed, paid_amount")]
    finally:
        store.close()


def units_from_input(path: Path, fmt: str = "auto", claims: Path | None = None) -> list[Unit]:
    from .inputs import read_input

    batch = read_input(path, fmt, claims)
    return [Unit(it.key, it.source, it.note_id, it.meta.patient_id, it.meta.date_of_service, it.meta.provider,
                 [c.model_dump() for c in it.billed], it.meta.paid_amount) for it in batch.items]


def _money(v: float | None) -> str:
    return "" if v is None else f"{v:.2f}"


def assign_strata(units: list[Unit], stratify: str, bounds: list[float] | None = None, n_paid_strata: int = 3) -> list[float]:
    """Sets each unit's stratum; returns the paid-amount boundaries used (for the manifest)."""
    if stratify == "none":
        for u in units:
            u.stratum = "ALL"
        return []
    if stratify == "provider":
        for u in units:
            u.stratum = u.provider or "NONE"
        return []
    if stratify == "cpt":
        for u in units:
            u.stratum = u.cpt or "NONE"
        return []
    if stratify != "paid":
        raise AuditError(f"unknown stratification {stratify!r}; use none, provider, cpt or paid")
    missing = sum(u.paid_amount is None for u in units)
    if missing:
        raise AuditError(f"{missing} frame units have no paid amount; stratifying by paid amount needs one for each "
                         "(--paid-only keeps the paid claims only)")
    if not bounds:
        amounts = sorted(u.paid_amount for u in units)
        if n_paid_strata < 2:
            raise AuditError("--paid-strata must be at least 2")
        bounds = sorted({round(amounts[min(len(amounts) - 1, (len(amounts) * k) // n_paid_strata)], 2)
                         for k in range(1, n_paid_strata)})
    bounds = sorted(bounds)
    for u in units:
        k = sum(u.paid_amount >= b for b in bounds)
        lo = bounds[k - 1] if k > 0 else None
        hi = bounds[k] if k < len(bounds) else None
        u.stratum = (f"S{k + 1}: " + (f"{lo:.2f} <= paid" if lo is not None else "paid")
                     + (f" < {hi:.2f}" if hi is not None else ""))
    return bounds


def frame_csv(units: list[Unit]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FRAME_COLUMNS)
    for u in units:
        w.writerow([u.frame_row, u.stratum, u.unit_id, u.source, u.note_id, u.patient_id or "", u.date_of_service or "",
                    u.provider or "", u.cpt, u.billed_text(), _money(u.paid_amount)])
    return buf.getvalue().encode("utf-8")


# --- random numbers and allocation -----------------------------------------------------------------------------------

def random_number(seed: int | str, stratum: str, i: int) -> float:
    digest = hashlib.sha256(f"{GENERATOR}|{seed}|{stratum}|{i}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def allocate(sizes: dict[str, int], n: int, method: str = "proportional", minimum: int = 2) -> dict[str, int]:
    """Sample size per stratum: proportional to N_h by largest remainder (at least ``minimum``, at most N_h)
    or equal. Strata are taken in sorted order so the result does not depend on dict order."""
    names = sorted(sizes)
    total = sum(sizes.values())
    if n < 1:
        raise AuditError("the sample size must be at least 1")
    if n > total:
        raise AuditError(f"the sample size {n} is larger than the frame ({total} units)")
    floor = {h: min(minimum, sizes[h]) for h in names}
    if sum(floor.values()) > n:
        raise AuditError(f"{len(names)} strata need at least {sum(floor.values())} units at {minimum} per stratum; "
                         f"the sample size is {n}")
    if method == "equal":
        share = {h: n / len(names) for h in names}
    elif method == "proportional":
        share = {h: n * sizes[h] / total for h in names}
    else:
        raise AuditError(f"unknown allocation {method!r}; use proportional or equal")
    alloc = {h: min(sizes[h], max(floor[h], math.floor(share[h]))) for h in names}
    while sum(alloc.values()) > n:  # the minimums pushed it over: take from the largest allocations
        h = max((h for h in names if alloc[h] > floor[h]), key=lambda h: (alloc[h] - share[h], alloc[h], h))
        alloc[h] -= 1
    while sum(alloc.values()) < n:
        h = max((h for h in names if alloc[h] < sizes[h]), key=lambda h: (share[h] - alloc[h], sizes[h], h))
        alloc[h] += 1
    return alloc


@dataclass
class Draw:
    stratum: str
    draw: int
    number: float
    stratum_row: int
    frame_row: int
    use: str  # sample | spare | duplicate


def draw_stratum(seed: int | str, stratum: str, members: list[Unit], n: int, spares: int) -> list[Draw]:
    size = len(members)
    want = min(size, n + spares)
    picked: set[int] = set()
    draws: list[Draw] = []
    i = 0
    while len(picked) < want:
        i += 1
        u = random_number(seed, stratum, i)
        row = math.floor(u * size) + 1
        if row in picked:
            use = "duplicate"
        else:
            picked.add(row)
            use = "sample" if len(picked) <= n else "spare"
        draws.append(Draw(stratum, i, u, row, members[row - 1].frame_row, use))
    return draws


@dataclass
class SampleDesign:
    manifest: dict[str, Any]
    frame: bytes
    draws: list[Draw]
    units: list[Unit]


def software_versions() -> dict[str, str]:
    import numpy
    import scipy

    return {"notecheck": __version__, "python": sys.version.split()[0], "numpy": numpy.__version__,
            "scipy": scipy.__version__, "platform": platform.platform(terse=True)}


def design_sample(units: list[Unit], size: int, seed: int, stratify: str = "none", bounds: list[float] | None = None,
                  n_paid_strata: int = 3, allocation: str = "proportional", spares: int = 5, min_per_stratum: int = 2,
                  source: dict[str, str] | None = None, paid_only: bool = False) -> SampleDesign:
    if paid_only:
        units = [u for u in units if u.paid_amount is not None and u.paid_amount > 0]
    if not units:
        raise AuditError("the frame is empty" + (" (no unit has a paid amount)" if paid_only else ""))
    if spares < 0:
        raise AuditError("--spares cannot be negative")
    used_bounds = assign_strata(units, stratify, bounds, n_paid_strata)
    units.sort(key=lambda u: (u.source, u.note_id, u.unit_id))
    for n, u in enumerate(units, start=1):
        u.frame_row = n
    members: dict[str, list[Unit]] = {}
    for u in units:
        members.setdefault(u.stratum, []).append(u)
    sizes = {h: len(m) for h, m in members.items()}
    alloc = allocate(sizes, size, allocation, min_per_stratum if stratify != "none" else 1)
    draws = [d for h in sorted(members) for d in draw_stratum(seed, h, members[h], alloc[h], spares)]
    frame = frame_csv(units)
    strata = []
    for h in sorted(members):
        paid = [u.paid_amount for u in members[h] if u.paid_amount is not None]
        strata.append({"name": h, "N": sizes[h], "n": alloc[h], "spares": sum(d.use == "spare" for d in draws if d.stratum == h),
                       "paid_total": round(sum(paid), 2) if paid else None, "units_without_paid_amount": sizes[h] - len(paid)})
    manifest = {
        "design": "unrestricted" if stratify == "none" else "stratified", "stratify_by": stratify,
        "paid_bounds": used_bounds, "allocation": allocation if stratify != "none" else None, "seed": seed,
        "sample_size": size, "spares_per_stratum": spares, "min_per_stratum": min_per_stratum if stratify != "none" else None,
        "sampling_unit": "note (one session's claim); paid amount = sum of its claim lines",
        "frame_filter": "units with a paid amount > 0" if paid_only else "every unit",
        "frame": {"file": "frame.csv", "rows": len(units), "sha256": hashlib.sha256(frame).hexdigest(),
                  "order": "source, note_id, unit_id"},
        "strata": strata,
        "generator": {"id": GENERATOR, "formula": "u_i = int(sha256('notecheck-sample-v1|{seed}|{stratum}|{i}')[:8 bytes]) / 2^64; "
                      "stratum row = floor(u_i * N_h) + 1; repeats skipped; first n_h distinct rows = sample, next = spares"},
        "software": software_versions(), "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source": source or {},
    }
    return SampleDesign(manifest, frame, draws, units)


def write_design(design: SampleDesign, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "frame.csv").write_bytes(design.frame)
    by_row = {u.frame_row: u for u in design.units}
    with (out / "random_numbers.csv").open("w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle, lineterminator="\n")
        w.writerow(["stratum", "draw", "random_number", "stratum_row", "frame_row", "use"])
        for d in design.draws:
            w.writerow([d.stratum, d.draw, f"{d.number:.15f}", d.stratum_row, d.frame_row, d.use])
    for name, use in (("sample.csv", "sample"), ("spares.csv", "spare")):
        with (out / name).open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle, lineterminator="\n")
            w.writerow(SAMPLE_COLUMNS)
            counter: dict[str, int] = {}
            for d in design.draws:
                if d.use != use:
                    continue
                counter[d.stratum] = counter.get(d.stratum, 0) + 1
                u = by_row[d.frame_row]
                w.writerow([d.stratum, counter[d.stratum], d.frame_row, d.draw, f"{d.number:.15f}", u.unit_id, u.note_id,
                            u.patient_id or "", u.date_of_service or "", u.provider or "", u.cpt, u.billed_text(),
                            _money(u.paid_amount), "", "", ""])
    (out / "sample.json").write_text(json.dumps(design.manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


# --- appraisal -------------------------------------------------------------------------------------------------------

@dataclass
class Reviewed:
    frame_row: int
    stratum: str
    paid: float | None
    audited: float | None
    error: bool
    spare: bool


def load_design(sample_dir: Path) -> tuple[dict[str, Any], dict[int, dict[str, str]], dict[int, str]]:
    """(manifest, frame rows by frame_row, use of each drawn frame row: sample | spare)."""
    try:
        manifest = json.loads((sample_dir / "sample.json").read_text(encoding="utf-8"))
        frame_bytes = (sample_dir / "frame.csv").read_bytes()
        draws_text = (sample_dir / "random_numbers.csv").read_text(encoding="utf-8")
    except OSError as exc:
        raise AuditError(f"{sample_dir}: not a sample folder ({exc.filename}: {exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise AuditError(f"{sample_dir}/sample.json: not valid JSON ({exc.msg})") from None
    digest = hashlib.sha256(frame_bytes).hexdigest()
    if digest != manifest.get("frame", {}).get("sha256"):
        raise AuditError(f"{sample_dir}/frame.csv does not match the SHA-256 in sample.json: the frame was changed")
    frame = {int(r["frame_row"]): r for r in csv.DictReader(io.StringIO(frame_bytes.decode("utf-8"), newline=""))}
    uses = {int(r["frame_row"]): r["use"] for r in csv.DictReader(io.StringIO(draws_text, newline="")) if r["use"] != "duplicate"}
    return manifest, frame, uses


_TRUE = {"1", "y", "yes", "true", "t", "error"}
_FALSE = {"0", "n", "no", "false", "f", "ok", ""}


def read_reviewed(path: Path, manifest: dict[str, Any], frame: dict[int, dict[str, str]], uses: dict[int, str]) -> list[Reviewed]:
    """The reviewed sample: a CSV with frame_row, audited_amount (the amount that should have been paid) and
    optionally error (1/0, yes/no, true/false). Typically sample.csv with those columns filled in, plus any
    spares that replaced sample units that could not be reviewed. paid_amount comes from the frame; a
    different paid_amount in the file is an error."""
    from .inputs import parse_amount

    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise AuditError(f"{path}: cannot open ({exc.strerror})") from None
    rows: list[Reviewed] = []
    seen: set[int] = set()
    with handle:
        reader = csv.DictReader(handle)
        cols = set(reader.fieldnames or [])
        if "frame_row" not in cols:
            raise AuditError(f"{path}: the reviewed sample needs a frame_row column (and audited_amount and/or error)")
        if not {"audited_amount", "error"} & cols:
            raise AuditError(f"{path}: the reviewed sample needs audited_amount and/or error")
        for row in reader:
            where = f"{path}:{reader.line_num}"
            try:
                fr = int((row.get("frame_row") or "").strip())
            except ValueError:
                raise AuditError(f"{where}: frame_row {row.get('frame_row')!r} is not a whole number") from None
            if fr not in frame:
                raise AuditError(f"{where}: frame_row {fr} is not in the frame")
            if fr not in uses:
                raise AuditError(f"{where}: frame_row {fr} was not drawn (neither a sample unit nor a spare)")
            if fr in seen:
                raise AuditError(f"{where}: frame_row {fr} appears twice")
            seen.add(fr)
            unit = frame[fr]
            paid = parse_amount(unit["paid_amount"]) if unit["paid_amount"] else None
            if (row.get("paid_amount") or "").strip():
                try:
                    given = parse_amount(row["paid_amount"])
                except ValueError as exc:
                    raise AuditError(f"{where}: {exc}") from None
                if paid is None or abs(given - paid) > 0.005:
                    raise AuditError(f"{where}: paid_amount {given} differs from the frame's {unit['paid_amount'] or 'blank'}")
            audited = None
            if (row.get("audited_amount") or "").strip():
                try:
                    audited = parse_amount(row["audited_amount"])
                except ValueError as exc:
                    raise AuditError(f"{where}: audited_amount: {exc}") from None
            flag = (row.get("error") or "").strip().lower() if "error" in cols else None
            if audited is None and not flag:
                seen.discard(fr)
                continue  # not reviewed (yet): left out, and reported as a unit not reviewed
            if flag is not None and flag not in _TRUE | _FALSE:
                raise AuditError(f"{where}: error {row.get('error')!r} is not 1/0, yes/no or true/false")
            if flag is None or (flag == "" and audited is not None):
                if audited is None or paid is None:
                    raise AuditError(f"{where}: give error, or audited_amount for a unit with a paid amount")
                error = abs(paid - audited) > 0.005
            else:
                error = flag in _TRUE
            rows.append(Reviewed(fr, unit["stratum"], paid, audited, error, uses[fr] == "spare"))
    if not rows:
        raise AuditError(f"{path}: no reviewed units")
    return rows


def t_quantile(p: float, df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(p, df))


def hypergeom_limits(N: int, n: int, e: int, alpha: float = 0.05) -> tuple[int, int]:
    """Exact limits on the number of error units K in the population (two-sided, alpha in each tail):
    lower = smallest K with P(X ≥ e | K) > alpha, upper = largest K with P(X ≤ e | K) > alpha."""
    import numpy as np
    from scipy.stats import hypergeom

    ks = np.arange(e, N - (n - e) + 1)
    if e == 0:
        lower = 0
    else:
        sf = hypergeom.sf(e - 1, N, ks, n)
        lower = int(ks[np.argmax(sf > alpha)])
    cdf = hypergeom.cdf(e, N, ks, n)
    upper = int(ks[np.nonzero(cdf > alpha)[0][-1]])
    return lower, upper


def _variable(values: list[float], N: int) -> dict[str, float | int | None]:
    """Mean-per-unit estimate of a stratum total: mean, SD (n−1), SE of the mean with the finite population
    correction, point estimate N·mean, SE of the total N·SE(mean)."""
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    fpc = 1 - n / N
    se_mean = sd / math.sqrt(n) * math.sqrt(fpc) if sd is not None else None
    return {"n": n, "N": N, "sum": round(sum(values), 2), "mean": mean, "sd": sd, "se_mean": se_mean,
            "point_estimate": N * mean, "se_total": N * se_mean if se_mean is not None else None}


def _limits(point: float, se: float | None, df: int) -> dict[str, Any]:
    if se is None or df < 1:
        return {"df": df, "t_90_one_sided": None, "lower_limit_one_sided_90": None, "t_95": None,
                "precision_90_two_sided": None, "precision_pct": None, "two_sided_90": None}
    t90, t95 = t_quantile(0.90, df), t_quantile(0.95, df)
    precision = t95 * se
    return {"df": df, "t_90_one_sided": t90, "lower_limit_one_sided_90": point - t90 * se, "t_95": t95,
            "precision_90_two_sided": precision, "precision_pct": (precision / point * 100) if point else None,
            "two_sided_90": [point - precision, point + precision]}


def _estimate(strata: list[dict[str, Any]], values_of: str) -> dict[str, Any]:
    """Per stratum and combined (stratified) estimate of the total of ``values_of`` (overpaid | underpaid)."""
    per = []
    for s in strata:
        est = _variable([r[values_of] for r in s["rows"]], s["N"])
        est.update(_limits(est["point_estimate"], est["se_total"], est["n"] - 1))
        est["stratum"] = s["name"]
        per.append(est)
    point = sum(e["point_estimate"] for e in per)
    if any(e["se_total"] is None for e in per):
        se = None
    else:
        se = math.sqrt(sum(e["se_total"] ** 2 for e in per))
    n = sum(e["n"] for e in per)
    combined = {"n": n, "N": sum(e["N"] for e in per), "sum": round(sum(e["sum"] for e in per), 2),
                "point_estimate": point, "se_total": se}
    if len(per) == 1:
        combined.update({k: per[0][k] for k in ("mean", "sd", "se_mean")})
    combined.update(_limits(point, se, n - len(per)))
    return {"strata": per, "combined": combined}


def appraise(manifest: dict[str, Any], reviewed: list[Reviewed]) -> dict[str, Any]:
    """Attribute appraisal (error rate) and, with paid and audited amounts, variable appraisal of
    overpayments and — separately, never netted — underpayments. See docs/review.md for the formulas."""
    from scipy.stats import norm

    strata_n = {s["name"]: s for s in manifest["strata"]}
    groups: dict[str, list[Reviewed]] = {}
    for r in reviewed:
        groups.setdefault(r.stratum, []).append(r)
    notes: list[str] = []
    strata = []
    for name, s in sorted(strata_n.items()):
        rows = groups.get(name, [])
        if not rows:
            raise AuditError(f"stratum {name!r} has no reviewed units")
        planned = s["n"]
        sample_rows = sum(not r.spare for r in rows)
        if sample_rows < planned:
            notes.append(f"stratum {name}: {planned - sample_rows} sample unit(s) not reviewed; "
                         f"{sum(r.spare for r in rows)} spare(s) used")
        strata.append({"name": name, "N": s["N"], "rows": rows})

    # attribute appraisal
    attr_strata = []
    for s in strata:
        n, e, N = len(s["rows"]), sum(r.error for r in s["rows"]), s["N"]
        lo, hi = hypergeom_limits(N, n, e)
        attr_strata.append({"stratum": s["name"], "N": N, "n": n, "errors": e, "rate": e / n,
                            "exact_90_two_sided": [lo / N, hi / N], "error_units_90_two_sided": [lo, hi]})
    N_total = sum(s["N"] for s in strata)
    if len(strata) == 1:
        a = attr_strata[0]
        attribute = {"method": "unrestricted; exact hypergeometric limits (finite population), 90% two-sided",
                     "n": a["n"], "errors": a["errors"], "rate": a["rate"], "ci_90_two_sided": a["exact_90_two_sided"],
                     "strata": attr_strata}
    else:
        z = float(norm.ppf(0.95))
        rate = sum(a["N"] / N_total * a["rate"] for a in attr_strata)
        var = 0.0
        for a in attr_strata:
            if a["n"] < 2:
                var = float("nan")
                break
            w = a["N"] / N_total
            var += w * w * (1 - a["n"] / a["N"]) * a["rate"] * (1 - a["rate"]) / (a["n"] - 1)
        se = math.sqrt(var) if var == var else None
        ci = [max(0.0, rate - z * se), min(1.0, rate + z * se)] if se is not None else None
        attribute = {"method": "stratified; p = Σ W_h p_h, SE² = Σ W_h² (1 − n_h/N_h) p_h (1 − p_h)/(n_h − 1); "
                               "normal approximation, 90% two-sided (z = 1.645)",
                     "n": sum(a["n"] for a in attr_strata), "errors": sum(a["errors"] for a in attr_strata),
                     "rate": rate, "se": se, "z": z, "ci_90_two_sided": ci, "strata": attr_strata}

    result: dict[str, Any] = {
        "design": manifest["design"], "stratify_by": manifest.get("stratify_by"),
        "reproduce": {"seed": manifest["seed"], "frame_sha256": manifest["frame"]["sha256"],
                      "frame_rows": manifest["frame"]["rows"], "generator": manifest["generator"]["id"],
                      "software_at_sampling": manifest.get("software"), "software_at_appraisal": software_versions()},
        "attribute": attribute, "notes": notes,
    }
    with_amounts = all(r.paid is not None and r.audited is not None for r in reviewed)
    if not with_amounts:
        result["variable"] = None
        result["notes"].append("variable appraisal skipped: every reviewed unit needs a paid amount and an audited_amount")
        return result
    for s in strata:
        s["rows"] = [{"overpaid": max(0.0, r.paid - r.audited), "underpaid": max(0.0, r.audited - r.paid)} for r in s["rows"]]
    small = [s["name"] for s in strata if len(s["rows"]) < 2]
    if small:
        result["notes"].append(f"strata with fewer than 2 reviewed units have no SD, so no limits: {', '.join(small)}")
    result["variable"] = {
        "method": "mean-per-unit (difference) estimator per stratum, summed over strata; finite population "
                  "correction; t distribution with n_h − 1 (per stratum) and n − L (combined) degrees of freedom",
        "overpayment": _estimate(strata, "overpaid"),
        "underpayment": _estimate(strata, "underpaid"),
        "names": ESTIMATE_NAMES,
        "sample_paid": round(sum(r.paid for r in reviewed), 2),
        "sample_audited": round(sum(r.audited for r in reviewed), 2),
    }
    return result


ESTIMATE_NAMES = {
    "point_estimate": "Point estimate of the total in the frame (Σ N_h × mean_h)",
    "lower_limit_one_sided_90": "Lower limit, one-sided 90% confidence interval (point − t(0.90; df) × SE): the amount "
                                "Medicare contractors demand (CMS PIM ch. 8)",
    "two_sided_90": "Limits of the two-sided 90% confidence interval (point ± t(0.95; df) × SE): used by "
                    "integrity-agreement (CIA) claims reviews",
    "precision_90_two_sided": "Precision: half-width of the two-sided 90% interval, t(0.95; df) × SE",
}


def format_report(result: dict[str, Any]) -> str:
    def money(v):
        return "n/a" if v is None else f"{v:,.2f}"

    def pct(v):
        return "n/a" if v is None else f"{v * 100:.2f}%"

    out = [f"Audit appraisal ({result['design']}" + (f", stratified by {result['stratify_by']}" if result['design'] == 'stratified' else "") + ")",
           f"Re-create the sample: seed {result['reproduce']['seed']}, frame SHA-256 {result['reproduce']['frame_sha256']} "
           f"({result['reproduce']['frame_rows']} rows), generator {result['reproduce']['generator']}; "
           f"software at sampling: {json.dumps(result['reproduce']['software_at_sampling'], sort_keys=True)}", ""]
    a = result["attribute"]
    out.append(f"Attribute appraisal — error rate: {a['errors']} of {a['n']} = {pct(a['rate'])}; 90% two-sided confidence "
               f"interval {pct(a['ci_90_two_sided'][0]) if a['ci_90_two_sided'] else 'n/a'} to "
               f"{pct(a['ci_90_two_sided'][1]) if a['ci_90_two_sided'] else 'n/a'}  [{a['method']}]")
    if len(a["strata"]) > 1:
        for s in a["strata"]:
            out.append(f"  {s['stratum']}: {s['errors']}/{s['n']} (N={s['N']}) = {pct(s['rate'])}, exact 90% "
                       f"{pct(s['exact_90_two_sided'][0])} to {pct(s['exact_90_two_sided'][1])}")
    out.append("")
    v = result.get("variable")
    if v:
        out.append(f"Variable appraisal [{v['method']}]; sample paid {money(v['sample_paid'])}, audited {money(v['sample_audited'])}")
        for what in ("overpayment", "underpayment"):
            est = v[what]
            out.append(f"{what.capitalize()}s (kept apart, never netted):")
            rows = est["strata"] + ([dict(est["combined"], stratum="COMBINED")] if len(est["strata"]) > 1 else [])
            for e in rows:
                two = e.get("two_sided_90")
                out.append(f"  {e['stratum']}: N={e['N']} n={e['n']} sample total {money(e['sum'])}"
                           + (f", mean {money(e['mean'])}, SD {money(e['sd'])}, SE(mean) {money(e['se_mean'])}" if 'mean' in e else "")
                           + f", SE(total) {money(e['se_total'])}")
                demand = " (the amount a Medicare contractor demands)" if what == "overpayment" else ""
                out.append(f"    point estimate {money(e['point_estimate'])}; one-sided 90% lower limit{demand} "
                           f"{money(e['lower_limit_one_sided_90'])}; two-sided 90% limits (as CIA reviews use) "
                           f"{money(two[0]) if two else 'n/a'} to {money(two[1]) if two else 'n/a'}; precision "
                           f"{money(e['precision_90_two_sided'])}" + (f" ({e['precision_pct']:.1f}% of the point estimate)"
                                                                      if e.get('precision_pct') is not None else "")
                           + f"; df {e['df']}")
    for note in result.get("notes") or []:
        out.append(f"note: {note}")
    return "\n".join(out) + "\n"
