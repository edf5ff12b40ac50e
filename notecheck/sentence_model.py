"""A learned sentence classifier: does this sentence describe *today's procedure*, or history, imaging,
plans, consent or technique boilerplate?

Why a model: the rules decide scope from headings and cue words; many notes have no headings and
history sentences without a cue word ("She got good relief and is back for the right side"). A TF-IDF +
logistic regression over the sentence (with its section as a token) learns the register of procedure
narrative ("was advanced", "was injected", "tolerated") against history and plans.

Training data are annotated sentences in corpora/sentences/*.jsonl, derived from the gold of the dev
notes (`notecheck sentences`): a sentence whose level/drug/guidance mentions are all in its note's gold
is "procedure"; one whose mentions are all absent from the gold is "other"; mixed sentences are left out.
The model is written with skops (never pickle) and loaded with an explicit list of trusted types; its
SHA-256 is recorded in the model card and checked on load, so a tampered file is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable

MODEL_NAME = "sentence_scope"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
LABELS = ("other", "procedure")
#: The only types a model file may contain (checked before anything is loaded).
TRUSTED_TYPES = [
    "sklearn.pipeline.Pipeline",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.float64",
    "numpy.int64",
    "builtins.slice",
    "scipy.sparse._csr.csr_matrix",
]

_LEVEL = re.compile(r"\b[CTLS]\s?\d{1,2}(?:\s*[-/–]\s*[CTLS]?\s?\d{1,2})?\b", re.I)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


class ModelError(RuntimeError):
    """A model file that is missing, tampered with, or not a notecheck sentence model."""


def features(sentence: str, section: str | None) -> str:
    """The text the vectorizer sees: the section as a token, levels and numbers abstracted away (the
    model should learn how a sentence speaks, not which level it names)."""
    text = _LEVEL.sub(" LEVELTOKEN ", sentence)
    text = _NUMBER.sub(" NUM ", text)
    return f"SECTION_{section or 'none'} {text.lower()}"


@dataclass
class SentenceModel:
    pipeline: object
    path: Path
    card: dict

    def p_procedure(self, texts: list[str]) -> list[float]:
        if not texts:
            return []
        proba = self.pipeline.predict_proba(texts)
        index = list(self.pipeline.classes_).index("procedure")
        return [float(row[index]) for row in proba]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_paths(model_dir: Path = DEFAULT_MODEL_DIR) -> tuple[Path, Path]:
    return model_dir / f"{MODEL_NAME}.skops", model_dir / f"{MODEL_NAME}.card.json"


def load_model(path: Path | None = None) -> SentenceModel:
    """Load and verify the model: checksum against its card, then only trusted types."""
    import skops.io as sio

    model_path, card_path = (path, path.with_suffix("").with_suffix(".card.json")) if path else model_paths()
    if not model_path.exists():
        raise ModelError(f"model file {model_path} is missing; run `notecheck train` to create it")
    if not card_path.exists():
        raise ModelError(f"model card {card_path} is missing; the model cannot be verified (run `notecheck train`)")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"model card {card_path} cannot be read ({exc})") from None
    if card.get("sha256") != sha256(model_path):
        raise ModelError(f"model file {model_path} does not match the checksum in {card_path.name}: "
                         "it was changed after training; retrain with `notecheck train`")
    try:
        untrusted = sio.get_untrusted_types(file=model_path)
    except Exception as exc:  # a corrupt archive
        raise ModelError(f"model file {model_path} is not a readable skops file ({exc.__class__.__name__})") from None
    unexpected = [t for t in untrusted if t not in TRUSTED_TYPES]
    if unexpected:
        raise ModelError(f"model file {model_path} contains types that are not trusted: {', '.join(unexpected)}")
    pipeline = sio.load(model_path, trusted=[t for t in untrusted])
    return SentenceModel(pipeline, model_path, card)


# --- training ------------------------------------------------------------------------------------------------

def read_sentences(paths: Iterable[Path]) -> list[dict]:
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def train(rows: list[dict], heldout_notes: set[str], seed: int = 13) -> tuple[object, dict]:
    """Fit on the rows whose note is not held out; report metrics on the held-out notes."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import classification_report
    from sklearn.pipeline import Pipeline

    train_rows = [r for r in rows if r["note"] not in heldout_notes]
    test_rows = [r for r in rows if r["note"] in heldout_notes]
    pipeline = Pipeline([
        ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=20000)),
        ("lr", LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000, random_state=seed)),
    ])
    pipeline.fit([features(r["text"], r["section"]) for r in train_rows], [r["label"] for r in train_rows])
    metrics = {"train_sentences": len(train_rows), "heldout_sentences": len(test_rows)}
    if test_rows:
        predicted = pipeline.predict([features(r["text"], r["section"]) for r in test_rows])
        report = classification_report([r["label"] for r in test_rows], predicted, labels=list(LABELS),
                                       output_dict=True, zero_division=0)
        metrics["heldout"] = {k: {m: round(v, 4) for m, v in report[k].items()} for k in (*LABELS, "macro avg")}
        metrics["heldout"]["accuracy"] = round(
            sum(p == r["label"] for p, r in zip(predicted, test_rows)) / len(test_rows), 4)
    return pipeline, metrics


def save_model(pipeline: object, metrics: dict, sources: list[str], model_dir: Path = DEFAULT_MODEL_DIR) -> tuple[Path, Path]:
    import skops.io as sio

    from . import __version__

    model_dir.mkdir(parents=True, exist_ok=True)
    model_path, card_path = model_paths(model_dir)
    sio.dump(pipeline, model_path)
    card = {
        "model": MODEL_NAME, "notecheck_version": __version__, "trained": date.today().isoformat(),
        "task": "sentence scope: 'procedure' (describes today's procedure) vs 'other' (history, imaging, plan, "
                "consent, technique boilerplate)",
        "data": {"sources": sources, "labels": "derived from the gold of the dev corpora (see notecheck/sentence_model.py)"},
        "features": "TF-IDF of word 1-2-grams over the lower-cased sentence with its section as a token; "
                    "levels and numbers replaced by placeholders",
        "estimator": "LogisticRegression(C=4, class_weight=balanced)",
        "metrics": metrics,
        "use": "notecheck_scope excludes a mention in a sentence without a deciding heading or cue when the model "
               "gives P(procedure) below the threshold in resources/scope.json",
        "sha256": sha256(model_path),
    }
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return model_path, card_path


# --- annotated sentences from the gold of the dev corpora -------------------------------------------------

SITE_LABELS = ("LEVEL", "LEVEL_CONT", "DRUG", "GUIDANCE")


def label_sentences(doc, gold: dict, note_id: str) -> list[dict]:
    """Sentences of one note labelled from its gold: all mentions in the gold → procedure; none → other."""
    from .levels import parse_level

    joints = {lv["joint"] for lv in gold.get("levels", [])}
    drugs = {m["name"].lower() for m in gold.get("medications", [])}
    modalities = {g["modality"] for g in gold.get("guidance", [])}
    verdicts: dict[int, set[bool]] = {}
    for m in doc._.nc_mentions:
        if m.label not in SITE_LABELS:
            continue
        if m.label in ("LEVEL", "LEVEL_CONT"):
            found = set(parse_level(m.text))
            if not found:
                continue
            verdict = found <= joints if found & joints else False
        elif m.label == "DRUG":
            verdict = m.meta.get("generic", "").lower() in drugs
        else:
            if m.meta.get("modality") == "generic":
                continue
            verdict = m.meta.get("modality") in modalities
        verdicts.setdefault(m.sentence, set()).add(verdict)
    rows = []
    for index, found in sorted(verdicts.items()):
        if len(found) != 1:
            continue  # mixed: part of it is this procedure, part is not
        s = doc._.nc_sentences[index]
        rows.append({"note": note_id, "text": s.text.strip(), "section": s.section,
                     "label": "procedure" if found.pop() else "other"})
    return rows
