"""The notecheck spaCy pipeline: built once per process from medspaCy parts and notecheck's own factories.

    tokenizer              medspaCy's clinical tokenizer (splits "L4-5", "0.5%", "40mg/mL" sensibly)
    notecheck_sentences    line-aware sentence splitter (see sentences.py for why not PyRuSH)
    notecheck_sectionizer  medspaCy's Sectionizer, writing token sections in bulk (sectionizer.py):
                           headings → section categories (resources/sections.json)
    notecheck_targets      medspaCy TargetRules for levels, nerves, drugs, guidance, ... (target_rules.json,
                           drugs.json), matched in one pass per rule (see targets.py for why)
    notecheck_context      medspaCy's ConText, pairing modifiers and targets sentence by sentence
                           (context.py): negation, history, plan, consent, imaging, generic technique
                           (context_rules.json)
    notecheck_scope        which mentions describe this procedure (resources/scope.json)
    notecheck_extractor    typed extraction → ``doc._.notecheck`` (recognizers/)

Every notecheck component is a registered factory, so another spaCy pipeline can ``add_pipe`` it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
import warnings
from functools import lru_cache

import spacy
from spacy.language import Language

from . import resources
from .doctext import doc_scan
from .scan import pattern_spans
from .scope import SPAN_GROUP

_lock = threading.Lock()


def silence_third_party_loggers() -> None:
    """PyRuSH logs every token at DEBUG through loguru; note text must never reach logs (PHI)."""
    try:
        from loguru import logger

        for name in ("PyRuSH", "PyFastNER", "medspacy"):
            logger.disable(name)
    except ImportError:  # pragma: no cover - loguru comes with medspaCy
        pass
    for name in ("medspacy", "PyRuSH", "spacy"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # medspaCy's matchers keep an empty token Matcher when all rules are regexes; spaCy warns on every doc.
    warnings.filterwarnings("ignore", message=r"\[W036\]")


def _regex_matcher_call(self, doc):
    """medspaCy's RegexMatcher.__call__ with the note's text read once instead of once per rule
    (``Doc.text_with_ws`` joins every token on each access; with the sectionizer's and ConText's regex
    rules that was ~45 rebuilds of the text per note), or not at all in notecheck's pipeline, where the
    sentence splitter has stored it (doctext.py); and scans take scan.py's exact shortcuts (no scan
    where a pattern cannot match, a lower-case twin where it can). Same matches, same order, same token
    alignment."""
    from medspacy.common.util import get_token_for_char

    note = doc_scan(doc, store=doc._.notecheck_text is not None)  # a Doc from another pipeline is left as is
    matches = []
    for match_id, patterns in self._patterns.items():
        on_match = self._callbacks[match_id]
        for pattern in patterns:
            for match_start, match_end in pattern_spans(pattern, note):
                span = doc.char_span(match_start, match_end)
                if span is None:
                    start = get_token_for_char(doc, match_start, resolve=self.resolve_start)
                    end = get_token_for_char(doc, match_end, resolve=self.resolve_end)
                    span = doc[start.i: len(doc) if end is None else end.i]
                if len(span):
                    matches.append((match_id, span.start, span.end))
                if on_match is not None:
                    on_match(self, doc, len(matches) - 1, matches)
    return matches


def speed_up_medspacy() -> None:
    """Install `_regex_matcher_call` (idempotent)."""
    from medspacy.common.regex_matcher import RegexMatcher

    if RegexMatcher.__call__ is not _regex_matcher_call:
        RegexMatcher._original_call = RegexMatcher.__call__
        RegexMatcher.__call__ = _regex_matcher_call


def drug_target_rules():
    """TargetRules for every drug alias and sedation agent in drugs.json."""
    from medspacy.ner import TargetRule

    rules = []
    for drug in resources.load("drugs.json")["drugs"]:
        for alias in drug["aliases"]:
            rules.append(TargetRule(alias, "DRUG", pattern=resources.alias_pattern(alias),
                                    metadata={"generic": drug["generic"], "role": drug["role"]}))
    for generic, aliases in resources.load("drugs.json")["sedatives"]["aliases"].items():
        for alias in aliases:
            rules.append(TargetRule(alias, "SEDATIVE", pattern=resources.alias_pattern(alias),
                                    metadata={"generic": generic}))
    return rules


def merge_rules(rules):
    """One regex per (category, metadata) instead of one per term.

    medspaCy's regex matcher scans the whole note once per rule; the JSON keeps one readable rule per
    term, and this joins terms that mean the same thing into one alternation (longest first, so the
    longest term wins where two start at the same place). Same matches, a fraction of the scans.
    """
    import json

    from medspacy.ner import TargetRule

    groups: dict[tuple[str, str], list] = {}
    for rule in rules:
        if not isinstance(rule.pattern, str):
            groups.setdefault((rule.category, id(rule)), []).append(rule)
            continue
        key = (rule.category, json.dumps(rule.metadata or {}, sort_keys=True))
        groups.setdefault(key, []).append(rule)
    merged = []
    for (category, _), members in groups.items():
        if len(members) == 1:
            rule = members[0]
        else:
            patterns = sorted((m.pattern for m in members), key=len, reverse=True)
            rule = TargetRule(" | ".join(m.literal for m in members), category,
                              pattern=_alternation(patterns), metadata=members[0].metadata)
        merged.append(rule)
    return merged


def context_rules():
    """ConTextRules from context_rules.json. Read here rather than by medspaCy's loader because a rule may
    set ``terminated_by`` (", and" ends a negation's scope, not every modifier's), which that loader refuses."""
    import json

    from medspacy.context import ConTextRule

    with resources.resource_path("context_rules.json").open(encoding="utf-8") as handle:
        data = json.load(handle)
    return [ConTextRule(**rule) for rule in data["context_rules"]]


_WORD_START = "(?<![A-Za-z])"


def _alternation(patterns: list[str]) -> str:
    """Join term patterns; a word-start lookbehind they all begin with is tested once, not per term
    (Python's regex engine would otherwise re-test it for every alternative at every position)."""
    if all(p.startswith(_WORD_START) for p in patterns):
        return _WORD_START + "(?:" + "|".join(f"(?:{p[len(_WORD_START):]})" for p in patterns) + ")"
    return "|".join(f"(?:{p})" for p in patterns)


def target_rules():
    from medspacy.ner import TargetRule

    return merge_rules(TargetRule.from_json(str(resources.resource_path("target_rules.json"))) + drug_target_rules())


def build_nlp(extract: bool = True, model_path: str | None = None, context_factory: str = "notecheck_context",
              sectionizer_factory: str = "notecheck_sectionizer") -> Language:
    """A fresh pipeline. Use `get_nlp()` to share one per process. ``model_path``: the learned sentence
    model (sentence_model.py) that decides scope where the rules do not; None for rules only.
    ``context_factory="medspacy_context"`` and ``sectionizer_factory="medspacy_sectionizer"`` build medspaCy's
    own components instead: the same results, slower (kept to show they are the same)."""
    silence_third_party_loggers()
    import medspacy  # noqa: F401  (registers medspaCy factories)
    from medspacy.custom_tokenizer import create_medspacy_tokenizer

    from . import context, extractor, scope, sectionizer, sentences, targets  # noqa: F401  (register factories)

    speed_up_medspacy()

    nlp = spacy.blank("en")
    nlp.tokenizer = create_medspacy_tokenizer(nlp)
    nlp.add_pipe("notecheck_sentences")
    nlp.add_pipe(sectionizer_factory, config={
        "rules": str(resources.resource_path("sections.json")),
        "input_span_type": None, "span_attrs": None, "apply_sentence_boundary": True,
    })
    nlp.add_pipe("notecheck_targets", config={"span_group": SPAN_GROUP})
    context_pipe = nlp.add_pipe(context_factory, config={
        "rules": None,
        "input_span_type": "group", "span_group_name": SPAN_GROUP, "span_attrs": None,
        "prune_on_target_overlap": True,
    })
    context_pipe.add(context_rules())
    nlp.add_pipe("notecheck_scope", config={"model_path": model_path})
    if extract:
        nlp.add_pipe("notecheck_extractor")
    return nlp


@lru_cache(maxsize=None)
def _shared(extract: bool, model_path: str | None) -> Language:
    return build_nlp(extract, model_path)


def default_model_path() -> str | None:
    """The shipped sentence model, if there is one (models/sentence_scope.skops)."""
    from .sentence_model import model_paths

    path, _ = model_paths()
    return str(path) if path.exists() else None


def get_nlp(extract: bool = True, use_model: bool | None = None) -> Language:
    """The process-wide pipeline (built on first use; thread-safe). The default is the rules alone: the
    sentence model did not beat them on the annotated corpora (README, "The sentence model"), so it is
    opt-in; ``use_model=True`` requires it."""
    from .sentence_model import ModelError, model_paths

    if use_model:
        model = str(model_paths()[0])
        if not Path(model).exists():
            raise ModelError(f"model file {model} is missing; run `notecheck train` to create it")
    else:
        model = None
    with _lock:
        return _shared(extract, model)
