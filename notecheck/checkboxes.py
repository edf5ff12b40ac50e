"""Checkbox lines of EHR templates: which text a ticked or an empty box governs.

A template prints every option and ticks some ("PROCEDURE: ☑ Facet joint injection ☐ Medial branch block
☐ RF ablation", "Side: [x] Bilateral [ ] Left [ ] Right"). Every option is a term the target rules find, so
the label of an empty box must count for nothing — whatever its length ("[ ] Facet joint injection
(intra-articular)") — while the label of a ticked box is documented. A box governs the text after it on
its line, up to the next box. Some templates put the box after its label ("Fluoroscopy [x]   CT [ ]"); on a
line whose last box ends the line, each box governs the text before it, back to the previous box or the
field's colon. The glyphs are data (``resources/checkboxes.json``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from .resources import load


@dataclass(frozen=True)
class Box:
    start: int
    end: int
    checked: bool
    #: The characters of the note this box governs: [label_start, label_end).
    label_start: int
    label_end: int


@lru_cache(maxsize=None)
def _glyphs() -> re.Pattern:
    data = load("checkboxes.json")
    return re.compile(f"(?P<unchecked>{data['unchecked']})|(?P<checked>{data['checked']})")


@lru_cache(maxsize=None)
def _dropdown() -> re.Pattern:
    return re.compile(load("checkboxes.json")["dropdown_value"]["pattern"])


def without_value_brackets(text: str) -> str:
    """The note with the brackets around chosen values ("Laterality: [Right]") as spaces: same length, so
    offsets into it are offsets into the note. Boxes ("[x]", "[ ]") stay."""
    if "[" not in text:
        return text
    return _dropdown().sub(lambda m: " " + m.group(1) + " ", text)


def find_boxes(text: str) -> list[Box]:
    """Every checkbox of the note with the text it governs, in order."""
    found = [(m.start(), m.end(), m.lastgroup == "checked") for m in _glyphs().finditer(text)]
    boxes: list[Box] = []
    i = 0
    while i < len(found):
        # The boxes of one line.
        line_end = text.find("\n", found[i][0])
        line_end = len(text) if line_end < 0 else line_end
        line_start = text.rfind("\n", 0, found[i][0]) + 1
        j = i
        while j < len(found) and found[j][0] < line_end:
            j += 1
        line = found[i:j]
        boxes_after_labels = not text[line[-1][1]:line_end].strip() and bool(text[line_start:line[0][0]].strip())
        for k, (start, end, checked) in enumerate(line):
            if boxes_after_labels:
                label_start = line[k - 1][1] if k else _after_field_label(text, line_start, start)
                boxes.append(Box(start, end, checked, label_start, start))
            else:
                label_end = line[k + 1][0] if k + 1 < len(line) else line_end
                boxes.append(Box(start, end, checked, end, label_end))
        i = j
    return boxes


def _after_field_label(text: str, line_start: int, box_start: int) -> int:
    """Where the first option's label starts on a "Guidance: Fluoroscopy [x]" line: after the colon."""
    colon = text.rfind(":", line_start, box_start)
    return colon + 1 if colon >= 0 else line_start


class BoxIndex:
    """Which box, if any, governs a position of the note."""

    def __init__(self, text: str):
        self.boxes = find_boxes(text)
        self._starts = [b.label_start for b in self.boxes]

    def governing(self, start: int, end: int | None = None) -> Box | None:
        """The box whose label holds the characters [start, end)."""
        end = start + 1 if end is None else end
        i = bisect_right(self._starts, start) - 1
        if i >= 0 and self.boxes[i].label_start <= start and end <= self.boxes[i].label_end:
            return self.boxes[i]
        return None

    def unchecked(self, start: int, end: int | None = None) -> bool:
        """Is [start, end) the label of an empty box (so it documents nothing)?"""
        box = self.governing(start, end)
        return box is not None and not box.checked
