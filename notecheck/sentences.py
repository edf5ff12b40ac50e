"""A sentence splitter for clinical layout: lines, headings and lists are boundaries; wrapped lines are not.

Why not PyRuSH: measured here it costs ~30 ms of a ~40 ms note (pure-Python rules), and ConText only
needs boundaries that keep a heading, a bullet or a list item out of the next sentence's scope. This
component is one pass over the tokens (~0.1 ms a note) and honours what matters for scope:
- a blank line, or a line break before a heading, bullet, number or capital, starts a sentence;
- a line break inside running text (the next line starts lower case, or the line ends on "of", "with", "and"
  ...) does not;
- ``.``, ``!``, ``?`` (or ``.)``) followed by a capital or digit start a sentence, except after abbreviations; so does
  ``.`` followed by a lower-case clause opener ("then", "she", "needles"), for notes typed in lower case;
  leader dots ("Lidocaine 1% ..... 1.5 mL") end nothing.
"""


import re

import numpy
from spacy.attrs import IDX, IS_SPACE, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from .doctext import doc_text

_ABBREVIATIONS = {
    "dr", "mr", "mrs", "ms", "st", "vs", "approx", "e.g", "i.e", "no", "fig", "inc", "pt", "ca",
    "etc", "jr", "sr", "p.o", "b.i.d", "t.i.d", "q.i.d", "p.r.n", "a.m", "p.m",
}
_BULLETS = {"-", "*", "•", "·", "–", "—", "+", ">", "#"}
#: Dictated run-on notes splice whole paragraphs with commas; past this length a comma followed by a
#: word that opens a new clause also ends a sentence, so ConText's scope stays within one statement.
_RUN_ON_CHARS = 220
_CLAUSE_OPENERS = {
    "she", "he", "they", "we", "i", "the", "then", "there", "this", "it", "her", "his", "all", "no", "under",
    "after", "in", "once", "next", "a", "an", "with", "using", "following", "finally", "at", "on", "skin",
    "needles", "needle", "patient", "pt",
}
_FINAL = {".", "!", "?"}


#: a line that ends on one of these is wrapped mid-phrase ("Each site received 1 mL of\n0.25% bupivacaine")
_CONTINUES = {"of", "with", "and", "or", "to", "at", "in", "into", "per", "by", "for", "the", "a", "an", ",", "from",
              "than", "about", "approximately", "gave", "gives", "giving", "received", "provided", "reported",
              "showed", "was", "were", "is", "are", "had", "has"}


def _starts_new_line_sentence(prev_text: str, tok_text: str) -> bool:
    if prev_text[-1:] in {".", ":", ";", "!", "?", ")"}:
        return True
    if prev_text.lower() in _CONTINUES:
        return False
    first = tok_text[:1]
    return not first.islower()


def _line_start(texts: list[str], i: int) -> bool:
    return i == 0 or "\n" in texts[i - 1]


@Language.factory("notecheck_sentences")
def make_sentence_splitter(nlp: Language, name: str) -> "ClinicalSentenceSplitter":
    return ClinicalSentenceSplitter()


class ClinicalSentenceSplitter:
    """Sets ``token.is_sent_start`` from line layout and sentence punctuation.

    The boundaries are worked out on plain lists and written to the Doc in one ``from_array``: spaCy's
    ``Token.is_sent_start`` setter checks the whole Doc for a parse on every call, which made setting
    them token by token quadratic in the note's length."""

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        tokens = _Tokens(doc)
        starts = sentence_starts(doc, tokens)
        _split_run_ons(tokens, starts)
        # -1 "not a start", 1 "a start", as the uint64 that Doc.to_array gives
        doc.from_array([SENT_START], numpy.array([1 if start else -1 for start in starts], dtype="int64").view("uint64"))
        return doc


class _Tokens:
    """Each token's text, character offset and whether it is whitespace, read once."""

    def __init__(self, doc: Doc):
        self.texts = [tok.text for tok in doc]
        self.idx, self.spaces = (column.tolist() for column in doc.to_array([IDX, IS_SPACE]).T)


_LEADER_DOTS = re.compile(r"\.{3,}$")


def sentence_starts(doc: Doc, tokens: "_Tokens | None" = None) -> list[bool]:
    """Whether each token starts a sentence, from line layout and sentence punctuation."""
    text = doc_text(doc)
    tokens = tokens or _Tokens(doc)
    texts, idx, spaces = tokens.texts, tokens.idx, tokens.spaces
    starts = [False] * len(texts)
    starts[0] = True
    prev = None if spaces[0] else 0  # previous non-space token
    for i in range(1, len(texts)):
        if spaces[i]:
            continue
        tok_text = texts[i]
        start = False
        if prev is None:
            start = True
        else:
            prev_text = texts[prev]
            gap = text[idx[prev] + len(prev_text): idx[i]]
            if "\n" in gap:
                start = gap.count("\n") >= 2 or tok_text in _BULLETS or _starts_new_line_sentence(prev_text, tok_text)
            elif (prev_text in _FINAL or prev_text.endswith((".", "!", "?")) and len(prev_text) > 1
                  and not prev_text[0].isdigit()) and not _LEADER_DOTS.match(prev_text):  # "Lidocaine 1% ..... 1.5 mL"
                word = prev_text.rstrip(".!?").lower()
                before = texts[prev - 1].lower() if prev > 0 else ""
                abbreviation = word in _ABBREVIATIONS or (prev_text == "." and before in _ABBREVIATIONS)
                # "1.  Left L5-S1 ..." — a list number at the start of a line is not a sentence.
                if prev_text == "." and prev > 0 and doc[prev - 1].like_num and _line_start(texts, prev - 1):
                    abbreviation = True
                start = not abbreviation and (tok_text[:1].isupper() or tok_text[:1].isdigit() or tok_text in _BULLETS
                                              or tok_text[:1] in "(\"'"
                                              # notes typed all in lower case: "no runoff. then kenalog ..."
                                              or tok_text.lower() in _CLAUSE_OPENERS and prev_text == "."
                                              and before[-1:].isalpha())
            elif prev_text == ")" and prev > 0 and texts[prev - 1][-1:] in _FINAL and tok_text[:1].isupper():
                start = True  # "(For C3 to C6 the target is ... view.) The skin was ..."
        starts[i] = start
        prev = i
    return starts


def _split_run_ons(tokens: _Tokens, starts: list[bool]) -> None:
    """Split sentences longer than _RUN_ON_CHARS at ", <clause opener>" and "; "."""
    texts, idx, spaces = tokens.texts, tokens.idx, tokens.spaces
    sentence_start = 0
    for i in range(len(texts)):
        if starts[i]:
            sentence_start = idx[i]
        if i >= 2 and not spaces[i] and texts[i - 1] in (",", ";") and idx[i] - sentence_start >= _RUN_ON_CHARS:
            if texts[i - 1] == ";" or texts[i].lower() in _CLAUSE_OPENERS:
                starts[i] = True
                sentence_start = idx[i]
