"""Levels recognizer: the facet joints treated, with laterality per joint (DOC-LEVEL, DOC-SIDE).

Joints are read from written levels ("L4-5", "L34, L45, L5S1", "L3-4 through L5-S1"); for medial
branch blocks and RFA also from the nerves named ("L3, L4 medial branches and L5 dorsal ramus" →
L4-L5, L5-S1, marked derived). A joint named explicitly wins over a derivation (facet-rules.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import resources
from ..levels import joint_order, joints_between, joints_from_nerves, parse_level, parse_nerves
from ..report import Level
from ..scan import NoteForScan, pattern_spans
from ..scope import Mention
from .context import NoteContext

_RANGE_GAP = re.compile(r"^\s*(?:-|–|—|to|through|thru)\s*$", re.I)
# "comma": a dictated list left as spoken ("C3 comma C4 and C5")
_LIST_GAP = re.compile(r"^\s*(?:,|;|/|&|\+|and|as well as|,\s*and|,\s*&|comma(?:\s+and)?)\s*$", re.I)
_NERVE_KINDS = {"medial_branch_block", "radiofrequency_ablation", "unknown"}


def _side_regex() -> re.Pattern:
    terms = [t for t, _ in resources.side_terms() if len(t) > 1 and t not in {"bl", "both"}]
    alternation = "|".join(re.escape(t).replace(r"\ ", r"[\s-]+") for t in terms)
    # single letters only where they cannot be a vertebra: "(R)", or "R T7-8" before a level
    # "both" only right before a level ("both L5/S1 joints"): elsewhere it is "both legs", "both blocks"
    return re.compile(rf"(?<![A-Za-z])(?:{alternation})(?![A-Za-z])|\((?:l|r|b|lt|rt|bil|bilat)\)"
                      rf"|(?<![A-Za-z0-9])[RL](?=\s+(?:[CTLS]\s?\d|third\s+occipital|TON\b|(?:cervical|thoracic|lumbar)\b))|(?<![A-Za-z])both(?=\s+(?:the\s+)?[CTL]\s?\d)", re.I)


_SIDE = _side_regex()
_SIDE_OF = {t.lower(): s for t, s in resources.side_terms()}
_SIDE_OF.update({"(l)": "left", "(r)": "right", "(b)": "bilateral", "(lt)": "left", "(rt)": "right",
                 "(bil)": "bilateral", "(bilat)": "bilateral"})
_OTHER_SIDE = re.compile("|".join(f"(?:{p})" for p in resources.load("laterality.json")["other_side"]), re.I)
_REPEAT_ON = re.compile(resources.load("laterality.json")["repeat_on_side"], re.I)
_AFTER_FILLER = (r"(?:\s*(?:facet|facets|joint|joints|level|levels|region|area|space|interspace|medial|branch|branches|"
                 r"nerves?|mbb|mbbs|injections?|z-joints?|zygapophyseal|was|were|injected|blocked|treated|targeted|"
                 r"performed|segment|sided))*")
_AFTER_SIDE = re.compile(rf"^{_AFTER_FILLER}\s*[,(|:-]?\s*(?:on|at|to|from)?\s*(?:the\s+)?(?:both\s+)?(?P<side>{_SIDE.pattern})", re.I)


# a table's side column: "L4 MB      R       85 C    90 s" (a lone letter between wide gaps cannot be a vertebra)
_TABLE_SIDE = re.compile(r"^[ \t]*(?:\t|[ \t]{2,}|\|[ \t]*)(?P<letter>[LRB]|Lt|Rt|Bil|Bilat)(?=[ \t]*(?:\t|[ \t]{2,}|\||\r?\n|$))")


_THEN_OTHER_SIDE = re.compile(rf"\s*,?\s*(?:and|&|then|and then|followed by)\s+(?:then\s+)?(?:on\s+)?(?:the\s+)?"
                              rf"(?P<side>{_SIDE.pattern})", re.I)
_BOTH_SIDES_JOINED = re.compile(r"^[a-z]+\W+(?:and|&|\+|as well as)\s+(?:then\s+)?(?:on\s+)?(?:the\s+)?$", re.I)


def _side_hits(ctx: NoteContext, start: int, end: int) -> list[tuple[int, str]]:
    """(position, side) of each side term in the note's [start, end); an empty box's label ("☐ Left") says
    nothing."""
    hits = []
    # the window ends where a level starts; the terms that need a level after them ("both L5/S1", "R L4-5") look
    # past it
    for m in _SIDE.finditer(ctx.text, start, min(len(ctx.text), end + 12)):
        if m.end() > end:
            break
        if ctx.boxes.unchecked(m.start(), m.end()):
            continue
        side = side_of(m.group())
        if side:
            hits.append((m.start(), side))
    return hits


def side_of(term: str) -> str | None:
    t = re.sub(r"[\s-]+", " ", term.lower()).strip()
    return _SIDE_OF.get(t) or _SIDE_OF.get(t.replace(" ", "-")) or _SIDE_OF.get(term.lower())


def _opposite(a: set[str], b: set[str]) -> bool:
    """One says left, the other right (neither bilateral)."""
    return len(a) == 1 and len(b) == 1 and a | b == {"left", "right"}


def _combine(sides: set[str]) -> str | None:
    if not sides:
        return None
    if "bilateral" in sides or {"left", "right"} <= sides:
        return "bilateral"
    return sides.pop()


@dataclass
class _Site:
    """One written level or nerve phrase, with the joints it names."""
    mention: Mention
    joints: list[str]
    derived: bool
    nerves: list[str] = field(default_factory=list)
    ton: bool = False
    side: str | None = None


def _level_patterns() -> dict[str, re.Pattern]:
    rules = resources.load("target_rules.json")["target_rules"]
    return {label: re.compile("|".join(f"(?:{r['pattern']})" for r in rules if r["category"] == label), re.I)
            for label in ("LEVEL", "LEVEL_CONT")}


_LEVEL_PATTERNS = _level_patterns()


def _atoms(mentions: list[Mention]) -> list[Mention]:
    """The written levels inside each mention. The matcher widens a match to whole tokens, so one
    mention can hold "L3-4/L4-5"; re-finding the pattern inside it keeps exact evidence spans."""
    out = []
    for m in mentions:
        found = list(_LEVEL_PATTERNS[m.label].finditer(m.text))
        if not found:
            out.append(m)
        for hit in found:
            out.append(Mention(m.label, m.start + hit.start(), m.start + hit.end(), hit.group(), m.sentence,
                               m.section, m.current, m.negated, m.reason, m.meta, m.modifiers))
    return out


_VERTEBRA_LIST_AFTER = re.compile(r"\s*/\s*[CTLS]\s?\d", re.I)
_VERTEBRA_LIST_BEFORE = re.compile(r"[CTLS]\s?\d{1,2}\s*/\s*$", re.I)
_IMAGED = re.compile(resources.load("scope.json")["imaged_range_before"]["pattern"], re.I)
_RETRACTED = re.compile(resources.load("scope.json")["correction"]["retracted_after"], re.I)


def _sites_from_levels(ctx: NoteContext, mentions: list[Mention] | None = None) -> list[_Site]:
    sites: list[_Site] = []
    prev: _Site | None = None
    if mentions is None:
        mentions = ctx.current("LEVEL", "LEVEL_CONT", "NERVE")
    nerves = [(n.start, n.end) for n in mentions if n.label == "NERVE" and not _names_joints(ctx, n)]
    for m in _atoms([m for m in mentions if m.label in ("LEVEL", "LEVEL_CONT")]):
        if _IMAGED.search(ctx.text[max(0, m.start - 60):m.start]):
            continue  # levels imaged, not treated
        if _RETRACTED.match(ctx.text, m.end, m.end + 30):
            continue  # "Left L2-3 comma correction comma left L3-4": said, then taken back
        if any(s <= m.start and m.end <= e for s, e in nerves):
            continue  # "L1/L2/L3 MB" names nerves, not the joint L1-L2
        if _VERTEBRA_LIST_AFTER.match(ctx.text[m.end:m.end + 6]) or _VERTEBRA_LIST_BEFORE.search(ctx.text[max(0, m.start - 6):m.start]):
            continue  # "SAP/TP junction at L3/L4/L5": a list of vertebrae, not a joint
        if _nerve_range(ctx, m):
            continue  # "the L1 through L4 medial branches": a range of nerves (_sites_from_nerves)
        if _VERTEBRA_TARGETS_BEFORE.search(ctx.text, max(0, m.start - 40), m.start) and len(parse_level(m.text)) >= 2:
            continue  # "each articular pillar from C3 to C6", "the SAP/TP junction (L2-L4)": vertebrae targeted
        gap = ctx.text[prev.mention.end:m.start] if prev else ""
        same_sentence = prev is not None and prev.mention.sentence == m.sentence
        if m.label == "LEVEL_CONT":
            if not (prev and same_sentence and _LIST_GAP.match(gap) and prev.joints):
                continue
            joints = parse_level(m.text, previous=prev.joints[-1])
        else:
            joints = parse_level(m.text)
        if not joints:
            continue
        if prev and same_sentence and _RANGE_GAP.match(gap) and prev.joints:
            upper = prev.joints[0].split("-")[0]
            lower = joints[-1].split("-")[1]
            span_joints = joints_between(upper, lower)
            if span_joints:
                prev.joints = span_joints
                prev.mention = _merged(prev.mention, m)
                continue
        site = _Site(m, joints, derived=False)
        sites.append(site)
        prev = site
    return sites


def _merged(a: Mention, b: Mention) -> Mention:
    return Mention(a.label, a.start, b.end, a.text, a.sentence, a.section, a.current, a.negated, a.reason, a.meta, a.modifiers)


_NERVE_WORD_AFTER = re.compile(r"\s*(?:primary\s+)?(?:medial[- ]+br[a-z]{3}|mbs?\b|mbns?\b|(?:primary\s+)?dorsal\s+ram)",
                               re.I)


_WORDED_RANGE = re.compile(r"\s(?:to|through|thru)\s", re.I)
_VERTEBRA_TARGETS_BEFORE = re.compile(r"(?:pillars?|pillar waists?|saps?|transverse process(?:es)?|tps?|vertebrae?|laminae?|"
                                      r"junctions?)\s*(?:(?:from|at|of)\s+(?:the\s+)?|\(\s*)$", re.I)


# "medial branches of L2-L4": the nerves of each vertebra in the range (not "medial branch block at L4-5")
_NERVES_OF_BEFORE = re.compile(r"(?:medial[- ]+br[a-z]{3,7}|mbs|mbns|dorsal\s+rami)(?:\s+nerves)?\s+of\s+(?:the\s+)?$", re.I)


def _nerve_range(ctx: NoteContext, m: Mention) -> bool:
    """ "the L1 through L4 medial branches", "T5-T7 MBs", "the medial branches of L2-L4" name nerves;
    "L4-5 medial branch block" (one joint) names the joint."""
    if (_WORDED_RANGE.search(m.text) or len(parse_level(m.text)) >= 2) \
            and _NERVE_WORD_AFTER.match(ctx.text, m.end) is not None:
        return True
    return len(parse_level(m.text)) >= 2 and _NERVES_OF_BEFORE.search(ctx.text, max(0, m.start - 40), m.start) is not None


def _nerve_range_sites(ctx: NoteContext, mentions: list[Mention]) -> list[_Site]:
    """ "the L1 through L4 medial branches": every nerve of the range."""
    sites = []
    for m in _atoms([m for m in mentions if m.label == "LEVEL"]):
        joints = parse_level(m.text) if _nerve_range(ctx, m) else []
        if len(joints) >= 2:
            nerves = [j.split("-")[0] for j in joints] + [joints[-1].split("-")[1]]
            sites.append(_Site(m, [], derived=True, nerves=nerves))
    return sites


_JOINT_WORD_AFTER = re.compile(r"\s+(?:(?:facet|zygapophys[ie]al|apophys[ie]al)\s+)?(?:joints?|jts?)\b", re.I)


def _names_joints(ctx: NoteContext, m: Mention) -> bool:
    """ "medial branch blocks, T12/L1 and L1/2 facet joints": the slashed pairs before "facet joints" are
    joints, not a list of nerves."""
    return "/" in m.text and _JOINT_WORD_AFTER.match(ctx.text, m.end) is not None


def _sites_from_nerves(ctx: NoteContext, mentions: list[Mention] | None = None) -> list[_Site]:
    if mentions is None:
        mentions = ctx.current("LEVEL", "NERVE")
    sites = _nerve_range_sites(ctx, mentions)
    for m in (m for m in mentions if m.label == "NERVE"):
        if m.meta.get("ton"):
            sites.append(_Site(m, [], derived=True, ton=True))
            continue
        nerves = parse_nerves(m.text)
        if nerves and not _names_joints(ctx, m):
            sites.append(_Site(m, [], derived=True, nerves=nerves))
    return sites


def _assign_sides(ctx: NoteContext, sites: list[_Site]) -> None:
    """Side per written site: right after it, else in the words before it, else inherited along a list."""
    sites.sort(key=lambda s: s.mention.start)
    prev: _Site | None = None
    for site in sites:
        m = site.mention
        sent = ctx.sentence(m.sentence)
        next_start = min((s.mention.start for s in sites if s.mention.start > m.start and s.mention.sentence == m.sentence),
                         default=sent.end)
        after = ctx.text[m.end:min(next_start, m.end + 60, sent.end)]
        hit = _AFTER_SIDE.match(after)
        if hit and not ctx.boxes.unchecked(m.end + hit.start("side"), m.end + hit.end("side")):
            site.side = side_of(hit["side"])
            then = _THEN_OTHER_SIDE.match(after, hit.end())  # "... on the left and then the right"
            if then and _opposite({site.side}, {side_of(then["side"])}):
                site.side = "bilateral"
            prev = site
            continue
        column = _TABLE_SIDE.match(after)
        if column:
            site.side = side_of(f"({column['letter']})")  # the letters of "(L)", "(Rt)", "(B)"
            prev = site
            continue
        inside = {side for _, side in _side_hits(ctx, m.start, m.end)}
        if len(inside) == 1:  # "medial branch blocks (Rt T3 + T4": the side written inside the mention
            site.side = inside.pop()
            prev = site
            continue
        window_start = max(sent.start, m.start - 90)
        if prev is not None and prev.mention.sentence == m.sentence:
            window_start = max(window_start, prev.mention.end)
        found = _side_hits(ctx, window_start, m.start)
        if len(found) >= 2 and _opposite({found[-2][1]}, {found[-1][1]}) \
                and _BOTH_SIDES_JOINED.match(ctx.text[found[-2][0]:found[-1][0]]):
            site.side = "bilateral"  # "into the left and then the right C5-6 facet joint"
        elif found:
            site.side = found[-1][1]
        elif prev is not None and prev.mention.sentence == m.sentence:
            site.side = prev.side
        else:
            sentence_sides = {side for _, side in _side_hits(ctx, sent.start, sent.end)}
            site.side = sentence_sides.pop() if len(sentence_sides) == 1 else None
        prev = site


_SIDE_FIELD = re.compile(r"^\s*[-*]?\s*(?:side|laterality|sides?\s+treated)\s*(?::|\||\t|\n|$)", re.I)


def _field_side(ctx: NoteContext) -> str | None:
    """The side a "Laterality:" / "Side:" field states, if one."""
    previous = None
    sides = set()
    for s in ctx.sentences:
        if _SIDE_FIELD.match(s.text) or (previous is not None and _SIDE_FIELD.match(previous.text)
                                         and s.section_start == previous.section_start):
            sides |= {side for _, side in _side_hits(ctx, s.start, s.end)}
        if any(ch.isalnum() for ch in s.text):
            previous = s
    return sides.pop() if len(sides) == 1 else None


def _note_side(ctx: NoteContext) -> str | None:
    """The one side stated for the whole procedure — in its title/procedure sentences or a "Side:" field —
    if only one."""
    from .procedure import title_sentence_indexes

    indexes = set(title_sentence_indexes(ctx))
    previous = None  # the previous sentence with words in it (a heading's line break is a sentence of its own)
    for s in ctx.sentences:
        if _SIDE_FIELD.match(s.text) or (s.section == "levels" and previous is not None and _SIDE_FIELD.match(previous.text)):
            indexes.add(s.index)
        if any(ch.isalnum() for ch in s.text):
            previous = s
    sides = set()
    for i in sorted(indexes):
        sides |= {side for _, side in _side_hits(ctx, ctx.sentences[i].start, ctx.sentences[i].end)}
        letter = _SIDE_LETTER_FIELD.match(ctx.sentences[i].text)
        if letter:  # "Side: R": a field's lone letter is a side, with no level after it
            sides.add(side_of(letter["side"]))
    return sides.pop() if len(sides) == 1 else None


_SIDE_LETTER_FIELD = re.compile(r"^\s*[-*]?\s*(?:(?:side|laterality)\s*:\s*)?(?P<side>[LRB]|Lt|Rt|Bil)\.?\s*$", re.I)


_CORRECTION = {key: re.compile(resources.load("scope.json")["correction"][key], re.I)
               for key in ("cue", "negative_clause", "clause_break")}


def _corrected_mentions(ctx: NoteContext) -> list[Mention] | None:
    """The levels and nerves an addendum that corrects the note (or a sentence saying what was actually done)
    says were done, or None without one.

    An addendum holding a correction cue ("Correction: levels were L3-4 and L4-5, not L4-5 and L5-S1";
    "the header carries the wrong side. The lesions were made on the left ...") is the final statement of
    what was done. Its sentences' levels count even where a cue word would scope them out ("as the saved
    images show"), except those in a clause that says not ("not L4-5", "no block was done at L5-S1")."""
    from .procedure import actually_done_sentences

    sections = {}
    for s in ctx.sentences:
        if s.section == "addendum":
            sections.setdefault(s.section_start, []).append(s)
    correcting = [s for group in sections.values() if any(_CORRECTION["cue"].search(s.text) for s in group) for s in group]
    # "The procedure actually performed today ... was limited to LEFT L4-5 and LEFT L5-S1" (under a template
    # header naming more) is the final statement too.
    correcting += [ctx.sentences[i] for i in actually_done_sentences(ctx)]
    if not correcting:
        return None
    indexes = {s.index for s in correcting}
    out = []
    for m in ctx.of("LEVEL", "LEVEL_CONT", "NERVE"):
        if m.sentence not in indexes or m.negated or set(m.modifiers) & {"NOT_TREATED", "HYPOTHETICAL", "CONSENT"}:
            continue
        sent = ctx.sentence(m.sentence)
        before = ctx.text[sent.start:m.start]
        breaks = list(_CORRECTION["clause_break"].finditer(before))
        clause = before[breaks[-1].end():] if breaks else before
        if _CORRECTION["negative_clause"].search(clause):
            continue
        out.append(m)
    return out


_SIDE_NOT_DONE = re.compile(resources.load("laterality.json")["side_not_done"]["pattern"], re.I)


def _sides_not_done(ctx: NoteContext) -> set[str]:
    """Sides the note says were not done, aborted or deferred, outside history and plans."""
    found = set()
    for s in ctx.sentences:
        if s.excluded_by_section:
            continue
        for m in _SIDE_NOT_DONE.finditer(s.text):
            found.add(side_of(m["side"] or m["side2"]))
    return found - {None, "bilateral"}


def _other_procedure_sentences(ctx: NoteContext) -> set[int]:
    """Sentences about another procedure done the same day ("2. L5-S1 interlaminar epidural steroid injection"):
    they name a non-facet procedure and no facet one, so their levels are not facet joints."""
    cues: dict[int, set[str]] = {}
    for m in ctx.current("PROC"):
        cues.setdefault(m.sentence, set()).add(m.meta.get("cue"))
    return {i for i, found in cues.items() if found == {"non_facet"}}


def recognize_levels(ctx: NoteContext) -> list[Level]:
    if not ctx.performed:
        return []
    from .procedure import title_sentence_indexes

    corrected = _corrected_mentions(ctx)
    mentions = corrected
    other = _other_procedure_sentences(ctx) if corrected is None and ctx.kind != "not_facet" else set()
    if other:
        mentions = [m for m in ctx.current("LEVEL", "LEVEL_CONT", "NERVE") if m.sentence not in other]
    explicit = _sites_from_levels(ctx, mentions)
    nerve_sites = _sites_from_nerves(ctx, mentions) if ctx.kind in _NERVE_KINDS else []
    if mentions is not None and not explicit and not nerve_sites:  # the correction (or the filter) left no level
        explicit = _sites_from_levels(ctx)
        nerve_sites = _sites_from_nerves(ctx) if ctx.kind in _NERVE_KINDS else []
        corrected = None
    _assign_sides(ctx, explicit + nerve_sites)
    # a correction is the last word: the procedure line it corrects does not lend its sides
    titles = set(title_sentence_indexes(ctx)) if corrected is None else set()
    title_sides: dict[str, set[str]] = {}

    sides: dict[str, set[str]] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    derived: dict[str, bool] = {}
    for site in explicit:
        for joint in site.joints:
            bucket = title_sides if site.mention.sentence in titles else sides
            bucket.setdefault(joint, set()).update({site.side} - {None})
            sides.setdefault(joint, set())
            spans.setdefault(joint, []).append((site.mention.start, site.mention.end))
            derived[joint] = False
    # nerves → joints, per side (unsided nerves join every sided group)
    by_side: dict[str | None, list[_Site]] = {}
    for site in nerve_sites:
        by_side.setdefault(site.side, []).append(site)
    unsided = by_side.pop(None, [])
    # "L3 and L4 medial branches bilaterally; additionally the L5 dorsal ramus on the right": the bilateral
    # nerves are on the right too, so with the right L5 ramus they cover the right L5-S1
    both = by_side.get("bilateral", [])
    groups = {side: group + unsided + (both if side in ("left", "right") else [])
              for side, group in by_side.items()} or ({None: unsided} if unsided else {})
    for side, group in groups.items():
        nerves = [n for s in group for n in s.nerves]
        joints = joints_from_nerves(nerves, third_occipital=any(s.ton for s in group))
        for joint in joints:
            if joint not in derived:
                derived[joint] = True
            # where the joint is named too ("... then on the right side at C4 through C7"), the nerves still
            # say on which sides it was treated
            bucket = title_sides if all(s.mention.sentence in titles for s in group) else sides
            bucket.setdefault(joint, set()).update({side} - {None})
            if derived[joint]:
                sides.setdefault(joint, set())
                spans.setdefault(joint, []).extend((s.mention.start, s.mention.end) for s in group)

    # The procedure line and the description usually agree; where they name opposite sides, the
    # description of what was done wins ("PROCEDURE: Left ..." over a body that treats the right).
    # only the procedure description may overrule the procedure line, never a history paragraph
    body_note_sides = {side for i in ctx.current_sentence_indexes()
                       if i not in titles and ctx.sentences[i].section == "procedure"
                       for _, side in _side_hits(ctx, ctx.sentences[i].start, ctx.sentences[i].end)}
    for joint, heading in title_sides.items():
        body = sides[joint]
        if not body and len(heading) == 1 and len(body_note_sides) == 1 and _opposite(heading, body_note_sides):
            body |= body_note_sides  # the heading says left; every side the description names is right
        elif not body or not _opposite(heading, body):
            body |= heading

    # "same procedure carried out on the other side", "then repeated on the right side"
    current_text = [ctx.sentences[i] for i in ctx.current_sentence_indexes()] or ctx.sentences
    whole = " ".join(s.text for s in ctx.sentences if not s.excluded_by_section)
    if next(pattern_spans(_OTHER_SIDE, NoteForScan.of(whole)), None) is not None:  # _OTHER_SIDE.search, fast
        for joint in sides:
            sides[joint] = {"bilateral"}
    else:
        for s in current_text:
            for hit in _REPEAT_ON.finditer(s.text):
                side = side_of(hit.group(1))
                for joint in sides:
                    # "L side first: ... pillars; same procedure repeated on the R": a joint no side was
                    # written at was done on the side the description named first as well
                    other = {"left": "right", "right": "left"}.get(side)
                    if not sides[joint] and other in body_note_sides:
                        sides[joint].add(other)
                    sides[joint].add(side)
    # "LATERALITY: Bilateral" over a description that names the left and then the right, though only the
    # second side's nerves are written out: every joint was done on both sides
    one_side = {frozenset(js) for js in sides.values()}
    if len(one_side) == 1 and len(next(iter(one_side))) == 1 and next(iter(one_side)) <= {"left", "right"} \
            and {"left", "right"} <= body_note_sides and _field_side(ctx) == "bilateral":
        for joint in sides:
            sides[joint] = {"bilateral"}
    not_done = _sides_not_done(ctx)
    if len(not_done) == 1:  # "The right side was not done today": a bilateral level keeps the other side
        side = not_done.pop()
        other = "left" if side == "right" else "right"
        for joint, joint_sides in sides.items():
            if "bilateral" in joint_sides or {"left", "right"} <= joint_sides:
                sides[joint] = {other}
    default = _note_side(ctx)
    levels = []
    for joint in sorted(sides, key=joint_order):
        side = _combine(set(sides[joint])) or default
        levels.append(Level(joint=joint, laterality=side, derived_from_nerves=derived[joint],
                            spans=sorted(set(spans[joint]))))
    return levels


def procedure_side(ctx: NoteContext, levels: list[Level]) -> str | None:
    """The side of the procedure as a whole: from its levels, else from the procedure statement."""
    if levels:
        return _combine({lv.laterality for lv in levels} - {None})
    if not ctx.performed:
        return None
    side = _note_side(ctx)
    if side:
        return side
    sides = {side for i in ctx.current_sentence_indexes() if ctx.sentences[i].section == "procedure"
             for _, side in _side_hits(ctx, ctx.sentences[i].start, ctx.sentences[i].end)}
    if not sides and not any(s.section == "procedure" for s in ctx.sentences):
        # a note without headings: the sentences that name the procedure ("procedure bilateral lumbar facet
        # joint injections at the symptomatic levels")
        named = {m.sentence for m in ctx.current("PROC")}
        sides = {side for i in sorted(named) for _, side in _side_hits(ctx, ctx.sentences[i].start, ctx.sentences[i].end)}
    return _combine(sides)
