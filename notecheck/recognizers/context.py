"""What every recognizer reads: the note text, its sentences and the scoped target mentions."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from ..checkboxes import BoxIndex
from ..literals import required_literals
from ..scan import NoteForScan
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
    #: What the pipeline already worked out for the Doc (doctext.doc_scan, scope's checkboxes); found here
    #: from the text when not given.
    prepared_scan: NoteForScan | None = field(default=None, repr=False)
    prepared_boxes: BoxIndex | None = field(default=None, repr=False)
    _candidate_cache: dict = field(default_factory=dict, repr=False)

    def current(self, *labels: str) -> list[Mention]:
        return [m for m in self.mentions if m.label in labels and m.current]

    def of(self, *labels: str) -> list[Mention]:
        return [m for m in self.mentions if m.label in labels]

    def sentence(self, index: int) -> Sentence:
        return self.sentences[index]

    def sentence_of(self, position: int) -> Sentence:
        """The sentence holding a character offset of the note."""
        return self.sentences[max(0, bisect_right(self._sentence_starts, position) - 1)]

    @cached_property
    def sentence_excluded_cue(self) -> list[bool]:
        """Per sentence: does its text itself say past/plan/consent (used where no target decides)?"""
        return [self.found_in(_NOT_NOW, s) for s in self.sentences]

    # Scanning sentences with a pattern: the exact shortcuts of scan.py, for spans and yes/no only
    # (a twin's groups would hold lower-cased text).

    @cached_property
    def scan(self) -> NoteForScan:
        return self.prepared_scan if self.prepared_scan is not None else NoteForScan.of(self.text)

    def may_match(self, pattern: re.Pattern) -> bool:
        """False when ``pattern`` cannot match anywhere in the note (literals.py), so no sentence needs
        scanning with it."""
        return self.scan.may_match(pattern)

    @cached_property
    def boxes(self) -> BoxIndex:
        """The note's checkboxes: an empty box's label documents nothing."""
        return self.prepared_boxes if self.prepared_boxes is not None else BoxIndex(self.text)

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    def _candidates(self, pattern: re.Pattern) -> set[int] | None:
        """The sentences holding one of the pattern's required words: no other can match (None: any may).
        Called once per sentence and pattern, so the cache is keyed by the (long-lived, compiled) pattern."""
        cached = self._candidate_cache.get(id(pattern))  # id: hashing a compiled pattern rehashes its code
        if cached is not None and cached[0] is pattern:
            return cached[1]
        words = required_literals(pattern.pattern, pattern.flags) if self.scan.skip_exact else None
        found: set[int] | None = None
        if words is not None:
            lowered, starts, found = self.scan.lowered, self._sentence_starts, set()
            for word in words:
                at = lowered.find(word)
                while at >= 0:
                    i = bisect_right(starts, at) - 1
                    if i >= 0 and at + len(word) <= self.sentences[i].end:
                        found.add(i)
                    at = lowered.find(word, at + 1)
        self._candidate_cache[id(pattern)] = (pattern, found)  # the pattern is kept, so its id stays its own
        return found

    def may_hold(self, pattern: re.Pattern, s: Sentence) -> bool:
        """False only where ``pattern.search(s.text)`` is sure to fail (the sentence lacks every word it needs)."""
        candidates = self._candidates(pattern)
        return candidates is None or s.index in candidates

    def _twin_and_text(self, pattern: re.Pattern, s: Sentence) -> tuple[re.Pattern, str]:
        twin = self.scan.twin(pattern)
        return (twin, self.scan.lowered[s.start:s.end]) if twin is not None else (pattern, s.text)

    def spans_in(self, pattern: re.Pattern, s: Sentence) -> list[tuple[int, int]]:
        """(start, end) within the sentence of each match, as ``pattern.finditer(s.text)`` gives them."""
        if not self.may_hold(pattern, s):
            return []
        regex, text = self._twin_and_text(pattern, s)
        return [m.span() for m in regex.finditer(text)]

    def found_in(self, pattern: re.Pattern, s: Sentence) -> bool:
        """``bool(pattern.search(s.text))``."""
        if not self.may_hold(pattern, s):
            return False
        regex, text = self._twin_and_text(pattern, s)
        return regex.search(text) is not None

    def current_sentence_indexes(self) -> list[int]:
        return [s.index for s in self.sentences if not s.excluded_by_section and not self.sentence_excluded_cue[s.index]]
