"""Check one note: text → spaCy Doc → extraction → report. The library entry point."""

from __future__ import annotations

from typing import Iterable, Iterator

from .checkboxes import without_value_brackets
from .pipeline import get_nlp
from .profiles import DEFAULT_PAYER, PayerProfile, load_profile
from .reading import NoteInput, note_from_text
from .report import Code, NoteReport
from .rules import evaluate


def report_from_extraction(note_id: str, extraction, warnings: list[str] | None = None) -> NoteReport:
    """The extraction's elements as a report (the extraction's fields are the report's, less ``performed``)."""
    fields = {name: getattr(extraction, name) for name in type(extraction).model_fields if name != "performed"}
    return NoteReport(note_id=note_id, warnings=list(warnings or []), **fields)


def check_note(note: NoteInput, profile: PayerProfile | None = None, billed: list[Code] | None = None,
               use_model: bool | None = None) -> NoteReport:
    """A report for one note; a note that cannot be read gets a report with ``errors`` and nothing else."""
    profile = profile or load_profile(DEFAULT_PAYER)
    if note.text is None:
        return NoteReport(note_id=note.note_id, errors=list(note.errors), warnings=list(note.warnings),
                          billed=list(billed or []), payer=profile.id)
    nlp = get_nlp(use_model=use_model)  # a missing or tampered model is the caller's error, not the note's
    try:
        doc = nlp(without_value_brackets(note.text))  # "Laterality: [Right]" reads as "Laterality:  Right "
        report = report_from_extraction(note.note_id, doc._.notecheck, note.warnings)
        report.payer = profile.id
        report.billed = list(billed or [])
        report.findings, report.codes = evaluate(report, profile, report.billed)
        return report
    except Exception as exc:  # one bad note must never stop a batch; the message names no note text
        return NoteReport(note_id=note.note_id, errors=[f"internal error while checking the note ({exc.__class__.__name__})"],
                          warnings=list(note.warnings))


def check_text(text: str, note_id: str = "note", profile: PayerProfile | None = None,
               billed: list[Code] | None = None) -> NoteReport:
    return check_note(note_from_text(text, note_id), profile, billed)


def check_notes(notes: Iterable[NoteInput], profile: PayerProfile | None = None) -> Iterator[NoteReport]:
    for note in notes:
        yield check_note(note, profile)
