"""The note's text, joined once per Doc.

spaCy's ``Doc.text`` joins every token on each access (~0.13 ms for a 420-word note); the sentence
splitter, the regex matchers, the target finder, scope and the extractor all read it. The first reader
stores it in ``doc.user_data``; tokens cannot change their text, and a stored text whose length does not
end at the Doc's last token (a Doc built from others with ``Doc.from_docs``) is read again."""

from spacy.tokens import Doc

_KEY = "notecheck.text"


def doc_text(doc: Doc, store: bool = True) -> str:
    """``doc.text``; ``store=False`` reads a stored text but leaves a Doc without one as it was (for code
    that also runs on other pipelines' Docs)."""
    text = doc.user_data.get(_KEY)
    if text is None or len(text) != _length(doc):
        text = doc.text
        if store:
            doc.user_data[_KEY] = text
    return text


def _length(doc: Doc) -> int:
    if not len(doc):
        return 0
    last = doc[-1]
    return last.idx + len(last.text_with_ws)
