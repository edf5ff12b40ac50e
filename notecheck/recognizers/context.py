"""What every recognizer reads: the note text, its sentences and the scoped target mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ..literals import can_skip, might_match, required_literals
from ..scope import Mention, Sentence

#: Cues that a sentence is about the past or the future even when no target in it was scoped out.
_NOT_NOW = re.compile(
    r"(?<![A-Za-z])(?:will|plan(?:s|ned|ning)?|schedul\w+|consider\w*|recommend\w*|candidate|would|may|might|"
    r"if|previous(?:ly)?|prior(?! to)|ago|last (?:year|month|week|time|visit)|history of|s/p|status post|"
    r"underwent|had undergone|has had|risks?|consent)(?![A-Za-z])",
    re.I,
)


@dataclass
class NoteContext:
    text: str
    mentions: list[Mention]
    sentences: list[Sentence]
    #: Filled by the procedure recognizer; later recognizers read it.
    kind: str = "unknown"
    performed: bool = True

    def current(self, *labels: str) -> list[Mention]:
        return [m for m in self.mentions if m.label in labels and m.current]

    def of(self, *labels: str) -> list[Mention]:
        return [m for m in self.mentions if m.label in labels]

    def sentence(self, index: int) -> Sentence:
        return self.sentences[index]

    @cached_property
    def sentence_excluded_cue(self) -> list[bool]:
        """Per sentence: does its text itself say past/plan/consent (used where no target decides)?"""
        return [bool(_NOT_NOW.search(s.text)) for s in self.sentences]

    @cached_property
    def lowered(self) -> str | None:
        """The note lower-cased for `may_match`, or None where that check would not be exact."""
        return self.text.lower() if can_skip(self.text) else None

    def may_match(self, pattern: re.Pattern) -> bool:
        """False when ``pattern`` cannot match anywhere in the note (literals.py), so no sentence needs
        scanning with it."""
        return self.lowered is None or might_match(required_literals(pattern.pattern, pattern.flags), self.lowered)

    def current_sentence_indexes(self) -> list[int]:
        return [s.index for s in self.sentences if not s.excluded_by_section and not self.sentence_excluded_cue[s.index]]
