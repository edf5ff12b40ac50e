"""Check one note: text → spaCy Doc → extraction → report. The library entry point."""

from __future__ import annotations

from typing import Iterable, Iterator

from .pipeline import get_nlp
from .reading import NoteInput, note_from_text
from .report import NoteReport


def report_from_extraction(note_id: str, extraction, warnings: list[str] | None = None) -> NoteReport:
    return NoteReport(
        note_id=note_id,
        procedure=extraction.procedure,
        levels=extraction.levels,
        medications=extraction.medications,
        guidance=extraction.guidance,
        landmark_technique=extraction.landmark_technique,
        tolerance=extraction.tolerance,
        warnings=list(warnings or []),
    )


def check_note(note: NoteInput) -> NoteReport:
    """A report for one note; a note that cannot be read gets a report with ``errors`` and nothing else."""
    if note.text is None:
        return NoteReport(note_id=note.note_id, errors=list(note.errors), warnings=list(note.warnings))
    try:
        doc = get_nlp()(note.text)
        return report_from_extraction(note.note_id, doc._.notecheck, note.warnings)
    except Exception as exc:  # one bad note must never stop a batch; the message names no note text
        return NoteReport(note_id=note.note_id, errors=[f"internal error while checking the note ({exc.__class__.__name__})"],
                          warnings=list(note.warnings))


def check_text(text: str, note_id: str = "note") -> NoteReport:
    return check_note(note_from_text(text, note_id))


def check_notes(notes: Iterable[NoteInput]) -> Iterator[NoteReport]:
    for note in notes:
        yield check_note(note)
