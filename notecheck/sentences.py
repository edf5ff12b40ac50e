"""A sentence splitter for clinical layout: lines, headings and lists are boundaries; wrapped lines are not.

Why not PyRuSH: measured here it costs ~30 ms of a ~40 ms note (pure-Python rules), and ConText only
needs boundaries that keep a heading, a bullet or a list item out of the next sentence's scope. This
component is one pass over the tokens (~0.1 ms a note) and honours what matters for scope:
- a blank line, or a line break before a heading, bullet, number or capital, starts a sentence;
- a line break inside running text (the next line starts lower case) does not;
- ``.``, ``!``, ``?`` followed by a capital or digit start a sentence, except after abbreviations.
"""


from spacy.language import Language
from spacy.tokens import Doc

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


def _starts_new_line_sentence(prev_text: str, tok_text: str) -> bool:
    if prev_text[-1:] in {".", ":", ";", "!", "?", ")"}:
        return True
    first = tok_text[:1]
    return not first.islower()


def _line_start(doc: Doc, i: int) -> bool:
    return i == 0 or "\n" in doc[i - 1].text


@Language.factory("notecheck_sentences")
def make_sentence_splitter(nlp: Language, name: str) -> "ClinicalSentenceSplitter":
    return ClinicalSentenceSplitter()


class ClinicalSentenceSplitter:
    """Sets ``token.is_sent_start`` from line layout and sentence punctuation."""

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        prev = None  # previous non-space token
        for tok in doc:
            if tok.i == 0:
                tok.is_sent_start = True
                if not tok.is_space:
                    prev = tok
                continue
            if tok.is_space:
                tok.is_sent_start = False
                continue
            gap = text[prev.idx + len(prev.text): tok.idx] if prev is not None else ""
            start = False
            if prev is None:
                start = True
            elif "\n" in gap:
                start = gap.count("\n") >= 2 or tok.text in _BULLETS or _starts_new_line_sentence(prev.text, tok.text)
            elif prev.text in _FINAL or prev.text.endswith((".", "!", "?")) and len(prev.text) > 1 and not prev.text[0].isdigit():
                word = prev.text.rstrip(".!?").lower()
                before = doc[prev.i - 1].text.lower() if prev.i > 0 else ""
                abbreviation = word in _ABBREVIATIONS or (prev.text == "." and before in _ABBREVIATIONS)
                # "1.  Left L5-S1 ..." — a list number at the start of a line is not a sentence.
                if prev.text == "." and prev.i > 0 and doc[prev.i - 1].like_num and _line_start(doc, prev.i - 1):
                    abbreviation = True
                start = not abbreviation and (tok.text[:1].isupper() or tok.text[:1].isdigit() or tok.text in _BULLETS or tok.text[:1] in "(\"'")
            tok.is_sent_start = start
            prev = tok
        _split_run_ons(doc)
        return doc


def _split_run_ons(doc: Doc) -> None:
    """Split sentences longer than _RUN_ON_CHARS at ", <clause opener>" and "; "."""
    sentence_start = 0
    for tok in doc:
        if tok.is_sent_start:
            sentence_start = tok.idx
        if tok.i < 2 or tok.is_space:
            continue
        prev = doc[tok.i - 1]
        if prev.text not in {",", ";"} or tok.idx - sentence_start < _RUN_ON_CHARS:
            continue
        if prev.text == ";" or tok.lower_ in _CLAUSE_OPENERS:
            tok.is_sent_start = True
            sentence_start = tok.idx
