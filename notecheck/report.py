"""The report contract: what `notecheck check --format json` prints for one note.

Later issues add fields; none may be removed or change meaning. Every extracted item carries its
evidence as character spans ``[start, end)`` into the original note text.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Span = tuple[int, int]

ProcedureKind = Literal[
    "facet_injection", "medial_branch_block", "radiofrequency_ablation", "not_facet", "unknown"
]
Region = Literal["cervical_thoracic", "lumbar_sacral"]
Intent = Literal["diagnostic", "therapeutic"]
Laterality = Literal["left", "right", "bilateral"]
Role = Literal["anesthetic", "steroid", "contrast", "neurolytic", "other"]
Modality = Literal["fluoroscopy", "ct", "ultrasound", "mri"]
Severity = Literal["error", "warning", "info"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Ablation(_Model):
    """How an RFA lesion was made (DOC-RFA, CPT-6): thermal ≥ 80 °C is 64633-64636, anything else 64999."""
    temperature_c: float | None = None
    pulsed: bool = False
    chemical: bool = False
    cooled: bool = False
    spans: list[Span] = Field(default_factory=list)

    @property
    def thermal(self) -> bool:
        # CPT-6 as written: a stated lesion temperature under 80 °C is not thermal ablation. A cooled-RF
        # probe temperature is judged the same way (flagged `cooled` so a reviewer can see why).
        low = self.temperature_c is not None and self.temperature_c < 80
        return not (self.pulsed or self.chemical or low)


class Procedure(_Model):
    kind: ProcedureKind = "unknown"
    region: Region | None = None
    intent: Intent | None = None
    #: What the note appears to be when it is not a facet procedure ("transforaminal epidural", ...).
    described_as: str | None = None
    #: The side stated for the procedure as a whole (used when no level is named).
    laterality: Laterality | None = None
    #: Which block in a diagnostic series this is (1 or 2), where stated.
    block_number: int | None = None
    ablation: Ablation | None = None
    spans: list[Span] = Field(default_factory=list)


class Level(_Model):
    joint: str
    laterality: Laterality | None = None
    derived_from_nerves: bool = False
    spans: list[Span] = Field(default_factory=list)


class Medication(_Model):
    name: str
    role: Role
    concentration: str | None = None
    dose: str | None = None
    volume_ml: float | None = None
    #: False when the drug was only used for skin / subcutaneous local anaesthesia.
    injectate: bool = True
    spans: list[Span] = Field(default_factory=list)


class Guidance(_Model):
    modality: Modality
    negated: bool = False
    #: Supporting detail where stated: views, contrast confirmation, images saved.
    details: list[str] = Field(default_factory=list)
    spans: list[Span] = Field(default_factory=list)


class Tolerance(_Model):
    documented: bool = False
    complications: list[str] = Field(default_factory=list)
    spans: list[Span] = Field(default_factory=list)


class PainDuration(_Model):
    text: str
    months: float | None = None
    spans: list[Span] = Field(default_factory=list)


class ConservativeCare(_Model):
    therapies: list[str] = Field(default_factory=list)
    duration_weeks: float | None = None
    spans: list[Span] = Field(default_factory=list)


class FunctionalImpairment(_Model):
    documented: bool = False
    scales: list[str] = Field(default_factory=list)
    spans: list[Span] = Field(default_factory=list)


class PainScore(_Model):
    scale: str
    value: float
    maximum: float = 10
    timing: Literal["pre", "post", "unknown"] = "unknown"
    spans: list[Span] = Field(default_factory=list)


class PriorRelief(_Model):
    percent: float
    #: the earlier procedure it followed, where the sentence says: "block" (diagnostic blocks) or "ablation"
    after: Literal["block", "ablation"] | None = None
    spans: list[Span] = Field(default_factory=list)


class Radicular(_Model):
    present: bool | None = None
    spans: list[Span] = Field(default_factory=list)


class Sedation(_Model):
    given: bool = False
    agents: list[str] = Field(default_factory=list)
    necessity_stated: bool = False
    spans: list[Span] = Field(default_factory=list)


class History(_Model):
    """What a payer asks about the patient (MED-1..MED-7, MED-12), read from the whole note."""
    pain_duration: PainDuration | None = None
    conservative_care: ConservativeCare | None = None
    functional_impairment: FunctionalImpairment = Field(default_factory=FunctionalImpairment)
    pain_scores: list[PainScore] = Field(default_factory=list)
    prior_relief: list[PriorRelief] = Field(default_factory=list)
    radicular: Radicular = Field(default_factory=Radicular)
    sedation: Sedation = Field(default_factory=Sedation)


class Finding(_Model):
    code: str
    severity: Severity
    message: str
    rule: str
    fix: str | None = None
    spans: list[Span] = Field(default_factory=list)
    #: Structured facts behind the finding (e.g. codes billed but not supported, levels counted).
    details: dict[str, Any] = Field(default_factory=dict)


class Code(_Model):
    cpt: str
    modifiers: list[str] = Field(default_factory=list)
    units: int = 1


class NoteReport(_Model):
    note_id: str
    procedure: Procedure = Field(default_factory=Procedure)
    levels: list[Level] = Field(default_factory=list)
    medications: list[Medication] = Field(default_factory=list)
    guidance: list[Guidance] = Field(default_factory=list)
    #: Spans where the note says the procedure was done by landmarks (palpation, "blind"); "without imaging"
    #: alone states no technique (GUIDANCE_MISSING, not GUIDANCE_NOT_COVERED).
    landmark_technique: list[Span] = Field(default_factory=list)
    tolerance: Tolerance = Field(default_factory=Tolerance)
    history: History = Field(default_factory=History)
    #: The payer profile the findings and codes were judged against.
    payer: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    codes: list[Code] = Field(default_factory=list)
    #: Claim lines given for this note (from --billed / --claims), as parsed.
    billed: list[Code] = Field(default_factory=list)
    #: Why the note could not be read, if it could not.
    errors: list[str] = Field(default_factory=list)
    #: Non-fatal notes about reading the input (e.g. decoded with a fallback encoding).
    warnings: list[str] = Field(default_factory=list)

    @property
    def has_error_findings(self) -> bool:
        return any(f.severity == "error" for f in self.findings)
