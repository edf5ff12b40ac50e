"""Payer profiles: parameters and documentation requirements as data (resources/profiles/*.json).

A profile that fails validation is a `ProfileError` naming the file and the field, so a biller who
edits one sees exactly what to fix.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .resources import resource_path

DEFAULT_PAYER = "medicare"
PROFILE_DIR = resource_path("profiles")

#: The fixed finding vocabulary (ANNOTATION-RULES.md); a profile may not invent codes.
FINDING_CODES = (
    "LEVEL_MISSING", "LATERALITY_MISSING", "GUIDANCE_MISSING", "GUIDANCE_NOT_COVERED", "MEDICATION_MISSING",
    "VOLUME_MISSING", "TOLERANCE_MISSING", "LEVELS_EXCEED_LIMIT", "REGIONS_MULTIPLE", "RFA_NOT_THERMAL",
    "CLAIM_NOT_SUPPORTED", "CLAIM_UNBUNDLED", "CLAIM_REGION_MISMATCH", "CLAIM_LEVEL_MISMATCH",
    "CLAIM_LATERALITY_MISMATCH", "CLAIM_KX_MISSING", "PAIN_DURATION_MISSING", "PAIN_DURATION_SHORT",
    "CONSERVATIVE_CARE_MISSING", "PAIN_SCORE_MISSING", "FUNCTIONAL_IMPAIRMENT_MISSING", "RADICULAR_SYMPTOMS",
    "SEDATION_UNJUSTIFIED", "PRIOR_RELIEF_MISSING", "PRIOR_RELIEF_INSUFFICIENT", "NOT_FACET_PROCEDURE",
    # cross-note checks of `notecheck review` (notecheck/review/crossnote.py)
    "FREQUENCY_EXCEEDED", "SERIES_RELIEF_NOT_SHOWN", "RFA_BLOCK_RELIEF_NOT_SHOWN", "DOCUMENTATION_CLONED",
)
_CITATION_PREFIXES = ("CPT-", "MED-", "DOC-", "PAY-")


class ProfileError(ValueError):
    """A payer profile that cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FrequencyCaps(_Strict):
    window_months: int = Field(ge=1, le=60)
    diagnostic_injection_sessions: int = Field(ge=0)
    therapeutic_injection_sessions: int = Field(ge=0)
    rfa_sessions: int = Field(ge=0)


class Parameters(_Strict):
    max_levels_per_session: int = Field(ge=1, le=10)
    min_pain_duration_months: float = Field(ge=0)
    min_conservative_care_weeks: float = Field(ge=0)
    diagnostic_relief_pct: float = Field(ge=0, le=100)
    repeat_therapeutic_relief_pct: float = Field(ge=0, le=100)
    repeat_therapeutic_duration_months: float = Field(ge=0)
    rfa_repeat_relief_pct: float = Field(ge=0, le=100)
    rfa_repeat_duration_months: float = Field(ge=0)
    covered_guidance: list[Literal["fluoroscopy", "ct", "ultrasound", "mri"]] = Field(min_length=1)
    diagnostic_modifier: str | None = None
    noncovered_codes: list[str] = Field(default_factory=list)
    frequency_caps: FrequencyCaps
    clone_similarity_threshold: float = Field(gt=0, le=1)


class Requirement(_Strict):
    code: str
    element: str
    category: Literal["documentation", "policy", "claim", "necessity", "info"]
    severity: Literal["error", "warning", "info"]
    message: str = Field(min_length=10)
    fix: str = Field(min_length=4)
    rule: str

    @field_validator("code")
    @classmethod
    def _known_code(cls, v: str) -> str:
        if v not in FINDING_CODES:
            raise ValueError(f"unknown finding code {v!r}; the vocabulary is fixed (see corpora/ANNOTATION-RULES.md)")
        return v

    @field_validator("rule")
    @classmethod
    def _cited(cls, v: str) -> str:
        if not v.startswith(_CITATION_PREFIXES):
            raise ValueError("must cite a rule id of ../shared/domain/facet-rules.md (CPT-…, MED-…, DOC-…, PAY-…)")
        return v


class PayerProfile(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: str
    version: str
    source: str = Field(min_length=10)
    parameters: Parameters
    requirements: list[Requirement] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> "PayerProfile":
        codes = [r.code for r in self.requirements]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"requirement codes appear more than once: {', '.join(dupes)}")
        return self

    def requirement(self, code: str) -> Requirement | None:
        return next((r for r in self.requirements if r.code == code), None)


def _field_path(loc: tuple) -> str:
    parts = []
    for p in loc:
        parts.append(f"[{p}]" if isinstance(p, int) else (("." if parts else "") + str(p)))
    return "".join(parts)


def load_profile_file(path: Path) -> PayerProfile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read payer profile ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(f"{path}: not valid JSON ({exc})") from None
    try:
        return PayerProfile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _field_path(first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise ProfileError(f"{path}: field {where}: {first['msg']}{more}") from None


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.json"))


@lru_cache(maxsize=None)
def load_profile(name: str = DEFAULT_PAYER) -> PayerProfile:
    """A bundled profile by id (medicare, aetna, uhc, bcbs) or a path to a profile file."""
    path = Path(name)
    if not path.suffix:
        path = PROFILE_DIR / f"{name}.json"
        if not path.exists():
            raise ProfileError(f"unknown payer profile {name!r}; available: {', '.join(available_profiles())}")
    return load_profile_file(path)
