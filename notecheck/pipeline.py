"""The notecheck spaCy pipeline: built once per process from medspaCy parts and notecheck's own factories.

    tokenizer            medspaCy's clinical tokenizer (splits "L4-5", "0.5%", "40mg/mL" sensibly)
    notecheck_sentences  line-aware sentence splitter (see sentences.py for why not PyRuSH)
    medspacy_sectionizer headings → section categories            (resources/sections.json)
    medspacy_target_matcher  levels, nerves, drugs, guidance, ... (resources/target_rules.json, drugs.json)
    medspacy_context     negation, history, plan, consent, imaging, generic technique (context_rules.json)
    notecheck_scope      which mentions describe this procedure   (resources/scope.json)
    notecheck_extractor  typed extraction → ``doc._.notecheck``   (recognizers/)

Every notecheck component is a registered factory, so another spaCy pipeline can ``add_pipe`` it.
"""

from __future__ import annotations

import logging
import threading
import warnings
from functools import lru_cache

import spacy
from spacy.language import Language

from . import resources
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
            merged.append(members[0])
            continue
        patterns = sorted((m.pattern for m in members), key=len, reverse=True)
        merged.append(TargetRule(" | ".join(m.literal for m in members), category,
                                 pattern="|".join(f"(?:{p})" for p in patterns), metadata=members[0].metadata))
    return merged


def target_rules():
    from medspacy.ner import TargetRule

    return merge_rules(TargetRule.from_json(str(resources.resource_path("target_rules.json"))) + drug_target_rules())


def build_nlp(extract: bool = True) -> Language:
    """A fresh pipeline. Use `get_nlp()` to share one per process."""
    silence_third_party_loggers()
    import medspacy  # noqa: F401  (registers medspaCy factories)
    from medspacy.custom_tokenizer import create_medspacy_tokenizer

    from . import extractor, scope, sentences  # noqa: F401  (register notecheck factories)

    nlp = spacy.blank("en")
    nlp.tokenizer = create_medspacy_tokenizer(nlp)
    nlp.add_pipe("notecheck_sentences")
    nlp.add_pipe("medspacy_sectionizer", config={
        "rules": str(resources.resource_path("sections.json")),
        "input_span_type": None, "span_attrs": None, "apply_sentence_boundary": True,
    })
    matcher = nlp.add_pipe("medspacy_target_matcher", config={
        "rules": None, "result_type": "group", "span_group_name": SPAN_GROUP, "prune": False,
    })
    matcher.add(target_rules())
    nlp.add_pipe("medspacy_context", config={
        "rules": str(resources.resource_path("context_rules.json")),
        "input_span_type": "group", "span_group_name": SPAN_GROUP, "span_attrs": None,
        "prune_on_target_overlap": True,
    })
    nlp.add_pipe("notecheck_scope")
    if extract:
        nlp.add_pipe("notecheck_extractor")
    return nlp


@lru_cache(maxsize=None)
def _shared(extract: bool) -> Language:
    return build_nlp(extract)


def get_nlp(extract: bool = True) -> Language:
    """The process-wide pipeline (built on first use; thread-safe)."""
    with _lock:
        return _shared(extract)
