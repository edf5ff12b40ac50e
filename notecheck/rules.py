"""Requirement check: the extraction against a payer profile → findings, supported codes, claim findings.

Each finding code has one small check (registered with `@check`) that decides whether it applies and
with what evidence and facts. Severity, message, fix text and citation come from the profile (data),
so a biller can read and change them without touching this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .codes import (
    INJECTION_KINDS, facet_codes, format_code, injection_codes, levels_billed, rank_of_code, supported_codes, table,
)
from .levels import joint_order, region_of
from .profiles import PayerProfile
from .report import Code, Finding, NoteReport, Span

FACET_KINDS = {"facet_injection", "medial_branch_block", "radiofrequency_ablation", "unknown"}
_REGION_NAMES = {"cervical_thoracic": "cervical/thoracic", "lumbar_sacral": "lumbar/sacral"}


@dataclass
class Hit:
    """A check that applies: where it shows (or where the element was expected), and the facts."""
    spans: list[Span] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Case:
    report: NoteReport
    profile: PayerProfile
    supported: list[Code]
    billed: list[Code]

    @property
    def kind(self) -> str:
        return self.report.procedure.kind

    @property
    def where(self) -> list[Span]:
        """Where a missing element was expected: the procedure statement, else the note's start."""
        return list(self.report.procedure.spans[:1]) or [(0, 0)]

    @property
    def billed_facet(self) -> list[Code]:
        return [c for c in self.billed if c.cpt in facet_codes()]

    @property
    def injectates(self):
        return [m for m in self.report.medications if m.injectate and m.role != "contrast"]


Check = Callable[[Case], "Hit | None"]
CHECKS: dict[str, tuple[str, Check]] = {}


def check(code: str, applies_to: str = "facet") -> Callable[[Check], Check]:
    """Register the check for a finding code. applies_to: facet (facet procedures), claim (when billed
    codes are given, any note), not_facet."""
    def register(fn: Check) -> Check:
        CHECKS[code] = (applies_to, fn)
        return fn
    return register


# --- documentation (DOC-*) -----------------------------------------------------------------------------

@check("LEVEL_MISSING")
def _level_missing(c: Case):
    return None if c.report.levels else Hit(c.where)


@check("LATERALITY_MISSING")
def _laterality_missing(c: Case):
    unsided = [lv for lv in c.report.levels if lv.laterality is None]
    if unsided:
        return Hit([s for lv in unsided for s in lv.spans], details={"joints": [lv.joint for lv in unsided]})
    if not c.report.levels and c.report.procedure.laterality is None:
        return Hit(c.where)
    return None


def _guidance_state(c: Case) -> tuple[bool, list[str]]:
    covered = set(c.profile.parameters.covered_guidance)
    positive = [g for g in c.report.guidance if not g.negated]
    if any(g.modality in covered for g in positive):
        return True, []
    other = sorted({g.modality for g in positive if g.modality not in covered})
    if c.report.landmark_technique:
        other.append("landmark technique")
    return False, other


@check("GUIDANCE_MISSING")
def _guidance_missing(c: Case):
    covered, other = _guidance_state(c)
    if covered or other:
        return None
    negated = [s for g in c.report.guidance for s in g.spans]
    return Hit(negated or c.where, details={"negated": [g.modality for g in c.report.guidance]})


@check("GUIDANCE_NOT_COVERED")
def _guidance_not_covered(c: Case):
    covered, other = _guidance_state(c)
    if covered or not other:
        return None
    spans = [s for g in c.report.guidance if not g.negated for s in g.spans] + list(c.report.landmark_technique)
    return Hit(spans or c.where, params={"noncovered_guidance": " and ".join(other)}, details={"modalities": other})


@check("MEDICATION_MISSING")
def _medication_missing(c: Case):
    return None if c.injectates else Hit(c.where)


@check("VOLUME_MISSING")
def _volume_missing(c: Case):
    meds = c.injectates
    if not meds or any(m.volume_ml is not None for m in meds):
        return None
    return Hit([s for m in meds for s in m.spans[:1]], details={"drugs": [m.name for m in meds]})


@check("TOLERANCE_MISSING")
def _tolerance_missing(c: Case):
    return None if c.report.tolerance.documented else Hit(c.where)


# --- policy (MED-8, MED-9, CPT-6) --------------------------------------------------------------------------

@check("LEVELS_EXCEED_LIMIT")
def _levels_exceed(c: Case):
    limit = c.profile.parameters.max_levels_per_session
    n = len(c.report.levels)
    if n <= limit:
        return None
    extra = [lv for lv in sorted(c.report.levels, key=lambda lv: joint_order(lv.joint))][limit:]
    noncovered = sorted({x.cpt for x in c.supported if x.cpt in c.profile.parameters.noncovered_codes})
    note = f" ({', '.join(noncovered)} are non-covered)" if noncovered else ""
    return Hit([s for lv in extra for s in lv.spans], params={"levels": n, "noncovered_note": note},
               details={"levels": n, "limit": limit, "joints": [lv.joint for lv in c.report.levels]})


def session_regions(joints: list[str]) -> set[str]:
    """Regions of a session; T12-L1 with lumbar joints is one lumbar session (CPT-7)."""
    regions = {region_of(j) for j in joints if j != "T12-L1"}
    if "T12-L1" in joints and "lumbar_sacral" not in regions:
        regions.add("cervical_thoracic")
    return regions


@check("REGIONS_MULTIPLE")
def _regions_multiple(c: Case):
    joints = [lv.joint for lv in c.report.levels]
    if len(session_regions(joints)) < 2:
        return None
    return Hit([s for lv in c.report.levels for s in lv.spans[:1]], details={"joints": joints})


@check("RFA_NOT_THERMAL")
def _rfa_not_thermal(c: Case):
    ablation = c.report.procedure.ablation
    chemical = any(m.role == "neurolytic" for m in c.report.medications)
    if c.kind != "radiofrequency_ablation" or ablation is None or (ablation.thermal and not chemical):
        return None
    how = ("chemical neurolysis" if ablation.chemical or chemical else "pulsed radiofrequency" if ablation.pulsed
           else f"a lesion at {ablation.temperature_c:g} °C")
    return Hit(ablation.spans or c.where, params={"how": how},
               details={"temperature_c": ablation.temperature_c, "pulsed": ablation.pulsed, "chemical": ablation.chemical or chemical})


# --- claims (CPT-1..CPT-8), only when billed codes are given -------------------------------------------

def _fmt(codes: list[Code]) -> str:
    return ", ".join(format_code(x) for x in codes) or "nothing"


def _claim_params(c: Case, billed: list[Code]) -> dict[str, Any]:
    return {"billed": _fmt(billed), "supported": _fmt(c.supported)}


@check("CLAIM_NOT_SUPPORTED", "claim")
def _claim_not_supported(c: Case):
    if c.kind != "not_facet" or not c.billed_facet:
        return None
    params = _claim_params(c, c.billed_facet)
    params["described"] = c.report.procedure.described_as or "another procedure"
    return Hit(c.where, params=params, details={"billed": [format_code(x) for x in c.billed_facet]})


@check("CLAIM_UNBUNDLED", "claim")
def _claim_unbundled(c: Case):
    guidance = [x for x in c.billed if x.cpt in table()["bundled_guidance"]]
    if not guidance or not (c.billed_facet or c.kind in FACET_KINDS):
        return None
    return Hit(c.where, params=_claim_params(c, guidance), details={"unbundled": [format_code(x) for x in guidance]})


def code_rank(cpt: str) -> str | None:
    return rank_of_code().get(cpt)


@check("CLAIM_REGION_MISMATCH", "claim")
def _claim_region(c: Case):
    if c.kind not in FACET_KINDS or not c.billed_facet or not c.supported:
        return None
    region_of_code = table()["region_of_code"]
    expected = {code_rank(x.cpt): region_of_code[x.cpt] for x in c.supported if x.cpt in region_of_code}
    if not expected:
        return None  # 64999 (non-thermal ablation) has no region; RFA_NOT_THERMAL carries that claim
    wrong = [x for x in c.billed_facet
             if expected.get(code_rank(x.cpt), region_of_code[x.cpt]) != region_of_code[x.cpt]
             or region_of_code[x.cpt] not in set(expected.values())]
    if not wrong:
        return None
    documented = set(expected.values())
    params = _claim_params(c, wrong)
    params["billed_region"] = _REGION_NAMES[region_of_code[wrong[0].cpt]]
    params["documented_region"] = " and ".join(_REGION_NAMES[r] for r in sorted(documented))
    return Hit([s for lv in c.report.levels for s in lv.spans[:1]], params=params,
               details={"billed": [format_code(x) for x in wrong]})


def documented_level_count(c: Case) -> int:
    n = len(c.report.levels)
    return min(n, 3) if c.kind in INJECTION_KINDS else n


@check("CLAIM_LEVEL_MISMATCH", "claim")
def _claim_levels(c: Case):
    if c.kind not in FACET_KINDS or not c.billed_facet:
        return None
    billed = levels_billed(c.billed_facet)
    documented = documented_level_count(c) if c.supported else 0
    if billed == documented:
        return None
    params = _claim_params(c, c.billed_facet)
    joints = ", ".join(f"{lv.joint} {lv.laterality or ''}".strip() for lv in c.report.levels) or "no codable level"
    over = billed > documented
    supported = {format_code(x) for x in c.supported}
    billed_set = {format_code(x) for x in c.billed_facet}
    params.update(billed_levels=billed, documented_levels=documented, joints=joints,
                  direction=("Over-billing: the extra level(s) will be denied and are an overpayment if paid." if over
                             else "Under-billing: documented work is not billed (lost revenue)."))
    return Hit([s for lv in c.report.levels for s in lv.spans[:1]] or c.where, params=params, details={
        "billed_levels": billed, "documented_levels": documented,
        "over_billed": sorted(billed_set - supported) if over else [],
        "not_billed": sorted(supported - billed_set) if not over else [],
    })


_RANK_ORDER = {"primary": 0, "second": 1, "additional": 1, "third_plus": 2}
_SIDE_OF_MODIFIER = {"50": "bilateral", "LT": "left", "RT": "right"}


def paired_joints(c: Case) -> list[tuple[Code, list]]:
    """Billed facet lines paired with the documented joints, cranial to caudal, by rank: the primary with
    the first joint, the second-level line with the second, an RFA add-on with as many joints as its
    units, a third-and-beyond line with the rest."""
    levels = sorted(c.report.levels, key=lambda lv: joint_order(lv.joint))
    lines = sorted(c.billed_facet, key=lambda x: _RANK_ORDER.get(code_rank(x.cpt) or "", 3))
    pairs, i = [], 0
    for line in lines:
        rank = code_rank(line.cpt)
        take = len(levels) - i if rank == "third_plus" else (line.units if rank == "additional" else 1)
        pairs.append((line, levels[i:i + take]))
        i += take
    return pairs


@check("CLAIM_LATERALITY_MISMATCH", "claim")
def _claim_sides(c: Case):
    if c.kind not in FACET_KINDS or not c.billed_facet or not c.supported:
        return None
    wrong = []
    for line, joints in paired_joints(c):
        billed_sides = {_SIDE_OF_MODIFIER[m] for m in line.modifiers if m in _SIDE_OF_MODIFIER}
        for level in joints:
            if level.laterality is None:
                continue  # nothing documented to compare with (LATERALITY_MISSING says so)
            if level.laterality == "bilateral" and "bilateral" not in billed_sides:
                wrong.append((line, level))  # a bilateral level billed one side or as two lines
            elif level.laterality != "bilateral" and billed_sides and level.laterality not in billed_sides:
                wrong.append((line, level))  # 50 on a unilateral level, or the other side
    if not wrong:
        return None
    params = _claim_params(c, c.billed_facet)
    params["sides"] = ", ".join(f"{lv.joint} {lv.laterality}" for lv in c.report.levels)
    return Hit(sorted({s for _, lv in wrong for s in lv.spans[:1]}), params=params,
               details={"lines": [f"{format_code(line)} for {lv.joint} {lv.laterality}" for line, lv in wrong]})


@check("CLAIM_KX_MISSING", "claim")
def _claim_kx(c: Case):
    modifier = c.profile.parameters.diagnostic_modifier
    if not modifier or c.kind not in INJECTION_KINDS or c.report.procedure.intent != "diagnostic" or not c.supported:
        return None
    missing = [x for x in c.billed_facet if x.cpt in injection_codes() and modifier not in x.modifiers]
    if not missing:
        return None
    return Hit(c.report.procedure.spans or c.where, params=_claim_params(c, missing),
               details={"lines_without": [format_code(x) for x in missing]})


# --- medical necessity (MED-*) -------------------------------------------------------------------------------

@check("PAIN_DURATION_MISSING")
def _duration_missing(c: Case):
    return None if c.report.history.pain_duration else Hit(c.where)


@check("PAIN_DURATION_SHORT")
def _duration_short(c: Case):
    d = c.report.history.pain_duration
    minimum = c.profile.parameters.min_pain_duration_months
    if d is None or d.months is None or d.months >= minimum:
        return None
    return Hit(d.spans, params={"duration": d.text}, details={"months": d.months})


@check("CONSERVATIVE_CARE_MISSING")
def _care_missing(c: Case):
    return None if c.report.history.conservative_care else Hit(c.where)


@check("PAIN_SCORE_MISSING")
def _scores_missing(c: Case):
    scores = c.report.history.pain_scores
    pre = {s.scale for s in scores if s.timing == "pre"}
    post = {s.scale for s in scores if s.timing == "post"}
    if pre & post:
        return None
    return Hit([sp for s in scores for sp in s.spans] or c.where,
               details={"pre": sorted(pre), "post": sorted(post)})


@check("FUNCTIONAL_IMPAIRMENT_MISSING")
def _function_missing(c: Case):
    return None if c.report.history.functional_impairment.documented else Hit(c.where)


@check("RADICULAR_SYMPTOMS")
def _radicular(c: Case):
    r = c.report.history.radicular
    return Hit(r.spans) if r.present else None


@check("SEDATION_UNJUSTIFIED")
def _sedation(c: Case):
    s = c.report.history.sedation
    if not s.given or s.necessity_stated:
        return None
    return Hit(s.spans or c.where, params={"agents": ", ".join(s.agents) or "sedation"}, details={"agents": s.agents})


def _needs_prior_relief(c: Case) -> str | None:
    if c.kind == "radiofrequency_ablation":
        return "a radiofrequency ablation"
    if c.kind in INJECTION_KINDS and c.report.procedure.block_number == 2:
        return "a second diagnostic block"
    return None


@check("PRIOR_RELIEF_MISSING")
def _relief_missing(c: Case):
    what = _needs_prior_relief(c)
    if what is None or c.report.history.prior_relief:
        return None
    return Hit(c.where, params={"what": what})


@check("PRIOR_RELIEF_INSUFFICIENT")
def _relief_low(c: Case):
    what = _needs_prior_relief(c)
    relief = c.report.history.prior_relief
    threshold = c.profile.parameters.diagnostic_relief_pct
    if what is None or not relief:
        return None
    after_ablation = [r for r in relief if r.after == "ablation"]
    if c.kind == "radiofrequency_ablation" and after_ablation:
        # a repeat ablation is judged by the last one's relief (MED-7: >= 50 % for >= 6 months)
        what, relief, threshold = "a repeat radiofrequency ablation", after_ablation, c.profile.parameters.rfa_repeat_relief_pct
        best = max(relief, key=lambda r: r.percent)
    else:
        # a first ablation needs each of its two blocks over the threshold (MED-7); a second block, the first (MED-5)
        best = (min if c.kind == "radiofrequency_ablation" else max)(relief, key=lambda r: r.percent)
    if best.percent >= threshold:
        return None
    return Hit(best.spans, params={"what": what, "relief": f"{best.percent:g}", "threshold": f"{threshold:g}"},
               details={"relief_pct": best.percent, "threshold_pct": threshold})


@check("NOT_FACET_PROCEDURE", "not_facet")
def _not_facet(c: Case):
    return Hit(c.report.procedure.spans or c.where, params={"described": c.report.procedure.described_as or "another procedure"})


# --- putting it together --------------------------------------------------------------------------------------

class _Params(dict):
    """str.format_map that leaves unknown placeholders visible instead of failing."""
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _profile_params(profile: PayerProfile) -> dict[str, Any]:
    p = profile.parameters
    return {
        "payer": profile.name.split(" (")[0], "max_levels": p.max_levels_per_session,
        "min_pain_months": f"{p.min_pain_duration_months:g}", "min_care_weeks": f"{p.min_conservative_care_weeks:g}",
        "diagnostic_relief_pct": f"{p.diagnostic_relief_pct:g}", "covered_guidance": " or ".join(p.covered_guidance),
    }


def evaluate(report: NoteReport, profile: PayerProfile, billed: list[Code] | None = None) -> tuple[list[Finding], list[Code]]:
    """Findings and supported codes for one extracted note."""
    billed = list(billed or [])
    supported = supported_codes(report, profile)
    case = Case(report, profile, supported, billed)
    facet = case.kind in FACET_KINDS
    findings: list[Finding] = []
    base = _profile_params(profile)
    for code, (applies_to, fn) in CHECKS.items():
        if applies_to == "facet" and not facet or applies_to == "not_facet" and facet:
            continue
        if applies_to == "claim" and not billed:
            continue
        requirement = profile.requirement(code)
        if requirement is None:
            continue  # this payer does not ask for it
        hit = fn(case)
        if hit is None:
            continue
        params = _Params(base, **hit.params)
        findings.append(Finding(
            code=code, severity=requirement.severity, message=requirement.message.format_map(params),
            fix=requirement.fix.format_map(params), rule=requirement.rule, spans=sorted(set(hit.spans)),
            details=hit.details,
        ))
    order = {"error": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: order[f.severity])
    return findings, supported
