"""The report contract: what `notecheck check --format json` prints for one note.

Later issues add fields; none may be removed or change meaning. Every extracted item carries its
evidence as character spans ``[start, end)`` into the original note text.
"""

from __future__ import annotations

from typing import Literal

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


class Procedure(_Model):
    kind: ProcedureKind = "unknown"
    region: Region | None = None
    intent: Intent | None = None
    #: What the note appears to be when it is not a facet procedure ("transforaminal epidural", ...).
    described_as: str | None = None
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


class Finding(_Model):
    code: str
    severity: Severity
    message: str
    rule: str
    fix: str | None = None
    spans: list[Span] = Field(default_factory=list)


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
    #: Spans where the note says the procedure was done by landmarks / without imaging.
    landmark_technique: list[Span] = Field(default_factory=list)
    tolerance: Tolerance = Field(default_factory=Tolerance)
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
