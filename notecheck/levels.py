"""Spinal levels: every common writing of a facet joint → canonical joints; nerves → joints.

Pure functions over strings, so each writing is a table-driven test. The canonical form is
``C2-C3`` … ``C7-T1``, ``T1-T2`` … ``T12-L1``, ``L1-L2`` … ``L5-S1`` (facet-rules.md, CPT-2: a level is
one facet joint, or the nerves that supply it).
"""

from __future__ import annotations

import re
from typing import Iterable

#: Vertebrae in cranio-caudal order; a joint is two neighbours. C1-C2 is not a facet joint here.
VERTEBRAE: tuple[str, ...] = (
    tuple(f"C{i}" for i in range(2, 8)) + tuple(f"T{i}" for i in range(1, 13))
    + tuple(f"L{i}" for i in range(1, 6)) + ("S1",)
)
_INDEX = {v: i for i, v in enumerate(VERTEBRAE)}
JOINTS: tuple[str, ...] = tuple(f"{a}-{b}" for a, b in zip(VERTEBRAE, VERTEBRAE[1:]))
_JOINT_INDEX = {j: i for i, j in enumerate(JOINTS)}
#: Longest span a written range may cover ("L1 to S1" is 5 joints; more is a typo or a fusion).
MAX_RANGE_JOINTS = 6

_VERT = re.compile(r"([CTLS])\s?(1[0-2]|[1-9])", re.I)
_ATOM = re.compile(
    r"^(?P<a>[CTL])\s?(?P<an>1[0-2]|[1-9])"
    r"(?:(?P<sep>\s*(?:-|–|—|/|\\|~)\s*|\s+(?:to|through|thru)\s+|\s)?(?P<b>[CTLS])?\s?(?P<bn>1[0-2]|[1-9]))$",
    re.I,
)
_BARE = re.compile(r"^(?P<an>1[0-2]|[1-9])\s*(?:-|–|/)\s*(?P<b>[SL])?\s?(?P<bn>1[0-2]|[1-9])$", re.I)


#: Voice recognition writes levels in words: "L four five", "L five S one", "C four C five and C six".
SPOKEN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                  "ten": 10, "eleven": 11, "twelve": 12}
_SPOKEN = re.compile(r"(?<![A-Za-z])(" + "|".join(SPOKEN_NUMBERS) + r")(?![A-Za-z])", re.I)
#: "the lumbar four-five facet" (the region word stands for the letter), "the lumbosacral facet joint" (L5-S1)
_REGION_LETTER = {"cervical": "C", "thoracic": "T", "lumbar": "L"}
_REGION_WORD = re.compile(r"^(cervical|thoracic|lumbar)\s+(?=\d)", re.I)
_LUMBOSACRAL = re.compile(r"^lumbo-?sacral$", re.I)
_LETTER_SPACE_DIGIT = re.compile(r"(?<![A-Za-z])([CTLS])\s+(?=\d)", re.I)


def spoken_to_digits(text: str) -> str:
    """ "L four five" → "L4 5", "L five S one" → "L5 S1"; text without number words is returned as is."""
    if not _SPOKEN.search(text):
        return text
    text = _SPOKEN.sub(lambda m: str(SPOKEN_NUMBERS[m.group(1).lower()]), text)
    return _LETTER_SPACE_DIGIT.sub(r"\1", text)


def vertebra(letter: str, number: int | str) -> str | None:
    name = f"{letter.upper()}{int(number)}"
    return name if name in _INDEX else None


def joint_order(joint: str) -> int:
    return _JOINT_INDEX.get(joint, len(JOINTS))


def joints_between(upper: str, lower: str) -> list[str]:
    """Joints from vertebra ``upper`` down to vertebra ``lower`` ("L3", "S1" → L3-L4, L4-L5, L5-S1)."""
    if upper not in _INDEX or lower not in _INDEX:
        return []
    i, j = _INDEX[upper], _INDEX[lower]
    if j <= i or j - i > MAX_RANGE_JOINTS:
        return []
    return [f"{VERTEBRAE[k]}-{VERTEBRAE[k + 1]}" for k in range(i, j)]


def _next_vertebra(v: str) -> str | None:
    i = _INDEX.get(v)
    return VERTEBRAE[i + 1] if i is not None and i + 1 < len(VERTEBRAE) else None


def parse_level(text: str, previous: str | None = None) -> list[str]:
    """One written level (or vertebra range) → its joints, [] when it is not a level.

    ``previous`` is the joint written just before, for list shorthand ("L3-4, 4-5" → the bare "4-5"
    takes the letter of L3-4).
    """
    text = _REGION_WORD.sub(lambda m: _REGION_LETTER[m.group(1).lower()], spoken_to_digits(text.strip()))
    if _LUMBOSACRAL.match(text):
        return ["L5-S1"]
    m = _ATOM.match(text)
    if m:
        letter = m["a"].upper()
        upper = vertebra(letter, m["an"])
        sep = (m["sep"] or "")
        b_letter = (m["b"] or "").upper()
        if upper is None:
            return []
        if not sep:  # compact "L45", "L5S1"
            if b_letter:
                lower = vertebra(b_letter, m["bn"])
            else:
                if letter == "T":  # "T12" is a vertebra, not T1-T2
                    return []
                lower = vertebra(letter, m["bn"])
            return [f"{upper}-{lower}"] if lower and _next_vertebra(upper) == lower else []
        if sep.isspace() and not b_letter:  # "L4 5": only neighbours, to avoid "L4 5 mm"
            lower = vertebra(letter, m["bn"])
            return [f"{upper}-{lower}"] if lower and _next_vertebra(upper) == lower else []
        lower = _lower_vertebra(upper, letter, b_letter, m["bn"])
        return joints_between(upper, lower) if lower else []
    m = _BARE.match(text)
    if m and previous and previous in _JOINT_INDEX:
        letter = previous[0]
        b_letter = (m["b"] or "").upper()
        upper = vertebra(letter, m["an"])
        if upper is None:
            return []
        lower = _lower_vertebra(upper, letter, b_letter, m["bn"])
        return joints_between(upper, lower) if lower else []
    return []


def _lower_vertebra(upper: str, letter: str, b_letter: str, bn: str) -> str | None:
    """Second vertebra of "L4-5" / "L5-S1" / "T12-1" (T12-L1) / "C7-1" (C7-T1)."""
    if b_letter:
        return vertebra(b_letter, bn)
    same = vertebra(letter, bn)
    if same and _INDEX[same] > _INDEX[upper]:
        return same
    nxt = _next_vertebra(upper)  # "T12-1" → L1, "L5-1" → S1, "C7-1" → T1
    if nxt and nxt[0] != letter and int(bn) == int(nxt[1:]):
        return nxt
    return None


def region_of(joint: str) -> str:
    """``cervical_thoracic`` or ``lumbar_sacral`` (T12-L1 alone is thoracic, CPT-7)."""
    return "cervical_thoracic" if joint[0] in "CT" else "lumbar_sacral"


def session_region(joints: Iterable[str]) -> str | None:
    """The session's region: T12-L1 together with lumbar joints is one lumbar session (CPT-7)."""
    joints = list(joints)
    if not joints:
        return None
    regions = {region_of(j) for j in joints if j != "T12-L1"}
    if "T12-L1" in joints and (not regions or regions == {"cervical_thoracic"}):
        regions.add("cervical_thoracic")
    if len(regions) == 1:
        return regions.pop()
    counts = {r: sum(1 for j in joints if region_of(j) == r) for r in regions}
    return max(sorted(counts), key=counts.get)


# --- nerves → joints (facet-rules.md, "Nerves → joints") -------------------------------------------

def parse_nerves(text: str) -> list[str]:
    """The vertebrae named in a nerve phrase, in order: "L3, L4 medial branches and L5 dorsal ramus" →
    [L3, L4, L5]. A bare number after a lettered one takes its letter ("L3, 4 and 5")."""
    out: list[str] = []
    letter = None
    for m in re.finditer(r"(?<![A-Za-z0-9])([CTLS])?\s?(1[0-2]|[1-9])(?![0-9])", spoken_to_digits(text), re.I):
        if m.group(1):
            letter = m.group(1).upper()
        if letter is None:
            continue
        name = f"{letter}{int(m.group(2))}"
        if name not in out:
            out.append(name)
    return out


def nerve_position(nerve: str) -> tuple[str, int] | None:
    """Nerves on a common axis: cervical medial branch Cx at x; thoracic/lumbar medial branches and the
    L5 dorsal ramus by their vertebra; S-nerves are sacral lateral branches (SI joint), not facet nerves."""
    letter, num = nerve[0], int(nerve[1:])
    if letter == "C":
        return ("C", num) if 2 <= num <= 8 else None
    if letter == "T":
        return ("TL", num) if 1 <= num <= 12 else None
    if letter == "L":
        return ("TL", 12 + num) if 1 <= num <= 5 else None
    return None


def joints_from_nerves(nerves: Iterable[str], third_occipital: bool = False) -> list[str]:
    """Contiguous nerves → the joints they supply; N contiguous nerves cover N-1 joints.

    Cervical: joint Cx-C(x+1) ← Cx + C(x+1) medial branches; C2-C3 ← third occipital nerve.
    Thoracic/lumbar: joint Lx-L(x+1) ← L(x-1) + Lx medial branches; L5-S1 ← L4 MB + L5 dorsal ramus.
    """
    joints: set[str] = set()
    if third_occipital:
        joints.add("C2-C3")
    positions: dict[str, set[int]] = {}
    for nerve in nerves:
        pos = nerve_position(nerve)
        if pos:
            positions.setdefault(pos[0], set()).add(pos[1])
    tl = positions.get("TL", set())
    if 7 in positions.get("C", ()) and 8 not in positions["C"] and 1 in tl:
        joints.add("C7-T1")  # "C6, C7, T1 medial branches": the list runs on into the thoracic spine
    for x in sorted(positions.get("C", ())):
        if x + 1 in positions["C"]:
            upper = vertebra("C", x) if x <= 7 else None
            lower = vertebra("C", x + 1) if x + 1 <= 7 else "T1"
            if upper and lower:
                joints.add(f"{upper}-{lower}")
    for x in sorted(tl):
        if x + 1 in tl:
            # pair (x, x+1) supplies the joint below the lower nerve's vertebra: (x+1)-(x+2)
            joints.update(joints_between(_tl_vertebra(x + 1), _tl_vertebra(x + 2)) or [])
    return sorted(joints, key=joint_order)


def _tl_vertebra(pos: int) -> str:
    if pos <= 12:
        return f"T{pos}"
    return f"L{pos - 12}" if pos <= 17 else "S1"
