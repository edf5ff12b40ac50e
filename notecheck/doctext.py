"""The note's text, joined once per Doc.

spaCy's ``Doc.text`` joins every token on each access (~0.13 ms for a 420-word note); the sentence
splitter, the regex matchers, the target finder, scope and the extractor all read it. The first reader
stores it in ``doc._.notecheck_text`` (a Doc extension, so spaCy never prints it: merging Docs names the
extension it skips, not its value). Tokens cannot change their text, and a stored text that does not end
where the Doc's last token ends is read again."""

from spacy.tokens import Doc

if not Doc.has_extension("notecheck_text"):
    Doc.set_extension("notecheck_text", default=None)
if not Doc.has_extension("notecheck_scan"):
    Doc.set_extension("notecheck_scan", default=None)


def doc_text(doc: Doc, store: bool = True) -> str:
    """``doc.text``; ``store=False`` reads a stored text but leaves a Doc without one as it was (for code
    that also runs on other pipelines' Docs)."""
    text = doc._.notecheck_text
    if text is None or len(text) != _length(doc):
        text = doc.text
        if store:
            doc._.notecheck_text = text
    return text


def _length(doc: Doc) -> int:
    if not len(doc):
        return 0
    last = doc[-1]
    return last.idx + len(last.text_with_ws)


def doc_scan(doc: Doc, store: bool = True):
    """The note prepared for rule scans (scan.py), worked out once per Doc like its text."""
    from .scan import NoteForScan

    text = doc_text(doc, store)
    prepared = doc._.notecheck_scan
    if prepared is None or prepared.text is not text:
        prepared = NoteForScan.of(text)
        if store:
            doc._.notecheck_scan = prepared
    return prepared
