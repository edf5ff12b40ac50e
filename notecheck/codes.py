"""The codes a note supports (CPT-1..CPT-8): joints, not nerves; one line per bilateral level with 50;
the third and further levels as one line; RFA add-on units per extra joint; ultrasound to Category III;
non-thermal ablation to 64999. Code numbers live in resources/codes.json.
"""

from __future__ import annotations

from functools import lru_cache

from . import resources
from .levels import joint_order, region_of
from .profiles import PayerProfile
from .report import Code, NoteReport

INJECTION_KINDS = {"facet_injection", "medial_branch_block", "unknown"}


@lru_cache(maxsize=None)
def table() -> dict:
    return resources.load("codes.json")


def facet_codes() -> set[str]:
    return set(table()["region_of_code"])


@lru_cache(maxsize=None)
def rank_of_code() -> dict[str, str]:
    """CPT → its rank: primary / second / third_plus (injections), primary / additional (RFA add-on)."""
    ranks = {}
    for family in ("injection", "injection_ultrasound", "rfa"):
        for region in table()[family].values():
            if isinstance(region, dict):
                for rank, code in region.items():
                    ranks[code] = "primary" if rank == "first" else rank
    return ranks


@lru_cache(maxsize=None)
def injection_codes() -> frozenset[str]:
    """64490-64495 and 0213T-0218T: the lines a diagnostic modifier (KX) belongs on."""
    return frozenset(code for family in ("injection", "injection_ultrasound") for region in table()[family].values()
                     if isinstance(region, dict) for code in region.values())


def _positive(report: NoteReport, modalities: set[str]) -> bool:
    return any(g.modality in modalities and not g.negated for g in report.guidance)


def _side_modifier(laterality: str | None) -> list[str]:
    return [table()["side_modifiers"][laterality]] if laterality else []


def supported_codes(report: NoteReport, profile: PayerProfile) -> list[Code]:
    kind = report.procedure.kind
    if kind == "not_facet" or not report.levels:
        return []
    levels = sorted(report.levels, key=lambda lv: joint_order(lv.joint))
    diagnostic = report.procedure.intent == "diagnostic" and profile.parameters.diagnostic_modifier
    if kind == "radiofrequency_ablation":
        ablation = report.procedure.ablation
        if ablation is not None and not ablation.thermal:
            return [Code(cpt=table()["unlisted_ablation"], modifiers=[], units=1)]
        return _rfa_lines(levels)
    if _positive(report, {"fluoroscopy", "ct"}):
        family = table()["injection"]
    elif _positive(report, {"ultrasound"}):
        family = table()["injection_ultrasound"]
    else:
        return []  # CPT-5: without fluoroscopy or CT (or ultrasound) there is no facet code to report
    lines: list[Code] = []
    for n, level in enumerate(levels, start=1):
        region = region_of(level.joint)
        if n == 1:
            cpt = family[region]["first"]
        elif n == 2:
            cpt = family[region]["second"]
        elif n == 3:
            cpt = family[region]["third_plus"]
        else:
            break  # the third-and-beyond line stands for every further level (CPT-1)
        mods = _side_modifier(level.laterality)
        if diagnostic:
            mods.append(profile.parameters.diagnostic_modifier)
        lines.append(Code(cpt=cpt, modifiers=mods, units=1))
    if len(levels) > 3:
        # the third line's side: bilateral if any of the third-and-beyond levels is
        sides = {lv.laterality for lv in levels[2:]}
        side = "bilateral" if "bilateral" in sides or {"left", "right"} <= sides else next(iter(sides))
        mods = _side_modifier(side) + ([profile.parameters.diagnostic_modifier] if diagnostic else [])
        lines[-1] = Code(cpt=lines[-1].cpt, modifiers=mods, units=1)
    return lines


def _rfa_lines(levels) -> list[Code]:
    rfa = table()["rfa"]
    first = levels[0]
    lines = [Code(cpt=rfa[region_of(first.joint)]["first"], modifiers=_side_modifier(first.laterality), units=1)]
    addons: dict[tuple[str, tuple[str, ...]], int] = {}
    for level in levels[1:]:
        key = (rfa[region_of(level.joint)]["additional"], tuple(_side_modifier(level.laterality)))
        addons[key] = addons.get(key, 0) + 1
    for (cpt, mods), units in addons.items():
        lines.append(Code(cpt=cpt, modifiers=list(mods), units=units))
    return lines


def levels_billed(codes: list[Code]) -> int:
    """How many levels claim lines stand for (a third-and-beyond line counts as one more level, and claims
    a third level even when no second-level line is billed: 64493 + 64495 stands for three)."""
    count = 0
    per_code = table()["level_count_of_code"]
    third_plus = table()["third_plus_codes"]
    for code in codes:
        n = per_code.get(code.cpt)
        if n == "units":
            count += code.units
        elif n and code.cpt in third_plus:
            count += n  # "three or more", however many units: reported once per session (CPT-1)
        elif n:
            count += n * code.units
    if any(code.cpt in table()["third_plus_codes"] for code in codes):
        count = max(count, 3)
    return count


def format_code(code: Code) -> str:
    mods = "".join(f"-{m}" for m in code.modifiers)
    units = f" x{code.units}" if code.units != 1 else ""
    return f"{code.cpt}{mods}{units}"
