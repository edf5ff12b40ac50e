"""The `notecheck_extractor` component: scoped mentions → the typed extraction in ``doc._.notecheck``.

One recognizer per element (recognizers/), run in dependency order: the procedure kind decides whether
nerves are read as levels; whether a procedure was performed at all decides if anything counts.
"""


from pydantic import BaseModel, Field
from spacy.language import Language
from spacy.tokens import Doc

from .doctext import doc_scan, doc_text
from .report import Guidance, History, Level, Medication, Procedure, Span, Tolerance
from .recognizers.context import NoteContext
from .recognizers.guidance import recognize_guidance
from .recognizers.history import ablation, block_number, recognize_history
from .recognizers.levels import procedure_side, recognize_levels
from .recognizers.medications import recognize_medications
from .recognizers.procedure import recognize_procedure, region_for
from .recognizers.tolerance import recognize_tolerance

if not Doc.has_extension("notecheck"):
    Doc.set_extension("notecheck", default=None)


class Extraction(BaseModel):
    """Everything read from one note (the extraction half of the report)."""

    procedure: Procedure
    levels: list[Level] = Field(default_factory=list)
    medications: list[Medication] = Field(default_factory=list)
    guidance: list[Guidance] = Field(default_factory=list)
    landmark_technique: list[Span] = Field(default_factory=list)
    tolerance: Tolerance = Field(default_factory=Tolerance)
    history: History = Field(default_factory=History)
    performed: bool = True


def extract(ctx: NoteContext) -> Extraction:
    procedure = recognize_procedure(ctx)
    levels = recognize_levels(ctx)
    procedure.region = region_for(ctx, [lv.joint for lv in levels]) if ctx.performed else None
    procedure.laterality = procedure_side(ctx, levels)
    if ctx.performed and ctx.kind != "not_facet":
        procedure.block_number = block_number(ctx)
        procedure.ablation = ablation(ctx)
    guidance, landmark = recognize_guidance(ctx)
    return Extraction(
        procedure=procedure, levels=levels, medications=recognize_medications(ctx),
        guidance=guidance, landmark_technique=landmark, tolerance=recognize_tolerance(ctx),
        history=recognize_history(ctx), performed=ctx.performed,
    )


@Language.factory("notecheck_extractor")
def make_extractor(nlp: Language, name: str) -> "ExtractorComponent":
    return ExtractorComponent()


class ExtractorComponent:
    def __call__(self, doc: Doc) -> Doc:
        ctx = NoteContext(doc_text(doc), doc._.nc_mentions or [], doc._.nc_sentences or [],
                          prepared_scan=doc_scan(doc), prepared_boxes=doc._.nc_boxes)
        doc._.notecheck = extract(ctx)
        return doc
