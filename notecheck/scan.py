"""Scanning a note with a rule pattern, fast and with exactly the pattern's own match spans.

Two shortcuts, each exact on the notes it is used for:
- skip: a pattern none of whose required words occur in the note cannot match there (literals.py);
- twin: a case-insensitive pattern runs as its case-sensitive twin on the note lower-cased once
  (lowered.py), ~2x faster.
`NoteForScan` holds what both need, worked out once per note; `pattern_spans` is the scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from .literals import can_skip, might_match, required_literals
from .lowered import lowered_twin, twin_ok


@dataclass(frozen=True)
class NoteForScan:
    text: str
    lowered: str
    skip_exact: bool  # required-literal checks are exact on this note
    twin_exact: bool  # lower-case twins give the original spans on this note

    @classmethod
    def of(cls, text: str) -> "NoteForScan":
        twins = twin_ok(text)
        return cls(text, text.lower(), twins or can_skip(text), twins)

    def may_match(self, pattern: re.Pattern) -> bool:
        """False only when ``pattern`` cannot match anywhere in this note (none of its required words occurs)."""
        return not self.skip_exact or might_match(required_literals(pattern.pattern, pattern.flags), self.lowered)

    def twin(self, pattern: re.Pattern) -> re.Pattern | None:
        """The pattern's lower-case twin, to run on ``lowered`` — None where the original must run on ``text``."""
        return lowered_twin(pattern.pattern, pattern.flags) if self.twin_exact else None


def pattern_spans(pattern: re.Pattern, note: NoteForScan) -> Iterator[tuple[int, int]]:
    """(start, end) of each match of ``pattern`` in the note, as ``pattern.finditer(note.text)`` gives."""
    if not note.may_match(pattern):
        return
    twin = note.twin(pattern)
    for m in (twin.finditer(note.lowered) if twin is not None else pattern.finditer(note.text)):
        yield m.span()
