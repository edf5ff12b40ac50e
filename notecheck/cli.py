"""The `notecheck` command line.

    notecheck check NOTE.txt|DIR ... [--format text|json|jsonl] [--claims FILE.csv] [--billed 64493-50]
    notecheck eval CORPUS_DIR [--gold GOLD.jsonl] [--format text|json]

Reports go to standard output. Standard error carries only counts and problems, never note text
(clinical notes are PHI), unless --debug is given.
Exit status of `check`: 0 no error-level finding, 1 error-level findings, 2 bad usage or an unreadable note.
"""

from __future__ import annotations

import json
import logging
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from . import __version__
from .console import err, usage_error as _usage_error

app = typer.Typer(
    add_completion=False, no_args_is_help=True,
    # Tracebacks with local variables would print note text: never show locals.
    pretty_exceptions_show_locals=False,
    help="Check facet-joint procedure notes for the documentation a payer requires.",
)


class Format(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"


class EvalFormat(str, Enum):
    text = "text"
    json = "json"


def _configure_logging(debug: bool) -> None:
    from .pipeline import silence_third_party_loggers

    silence_third_party_loggers()
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


@app.command()
def check(
    paths: List[Path] = typer.Argument(..., help="Note files (.txt) or folders of notes."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="text for people; json (one note) or jsonl for programs."),
    claims: Optional[Path] = typer.Option(None, "--claims", help="CSV with note_id,cpt,modifiers,units (modifiers separated by ';')."),
    billed: Optional[List[str]] = typer.Option(None, "--billed", help="A billed code for a single note, e.g. 64493-50 (repeatable)."),
    payer: str = typer.Option("medicare", "--payer", help="Payer profile: medicare, aetna, uhc, bcbs, or a profile file."),
    model: bool = typer.Option(False, "--model/--no-model", help="Let the learned sentence model decide scope where rules do not."),
    max_bytes: int = typer.Option(1_000_000, "--max-bytes", help="Notes larger than this are refused."),
    debug: bool = typer.Option(False, "--debug", help="Debug logging; may include note text."),
) -> None:
    """Check notes and print a report for each, in input order."""
    _configure_logging(debug)
    from .check import check_note
    from .claims import ClaimError, parse_billed, read_claims
    from .profiles import ProfileError, load_profile
    from .reading import expand_paths, read_note_file
    from .sentence_model import ModelError

    try:
        profile = load_profile(payer)
    except ProfileError as exc:
        _usage_error(str(exc))

    files = list(expand_paths(paths))
    if not files:
        _usage_error("no notes found (give .txt files or folders that contain them)")
    try:
        claim_map = read_claims(claims) if claims else {}
        billed_codes = [parse_billed(b) for b in billed or []]
    except ClaimError as exc:
        _usage_error(str(exc))
    if billed_codes and len(files) > 1:
        _usage_error("--billed applies to a single note; use --claims FILE.csv for several notes")
    if billed_codes and claims:
        _usage_error("give the billed codes either with --billed or with --claims, not both")

    out = Console(highlight=False, soft_wrap=True)
    as_lines = fmt is Format.jsonl or (fmt is Format.json and len(files) > 1)
    status = 0
    unreadable = flagged = 0
    for path in files:
        note = read_note_file(path, max_bytes=max_bytes)
        try:
            report = check_note(note, profile, billed_codes or claim_map.get(path.stem, []), use_model=model)
        except ModelError as exc:
            _usage_error(str(exc))
        if report.errors:
            unreadable += 1
            status = 2
        elif report.has_error_findings:
            flagged += 1
            status = max(status, 1)
        if fmt is Format.text:
            from .render import print_report

            print_report(out, report, note.text)
        elif as_lines:
            sys.stdout.write(report.model_dump_json() + "\n")
        else:
            sys.stdout.write(json.dumps(report.model_dump(mode="json"), indent=2) + "\n")
        sys.stdout.flush()
    if len(files) > 1 or unreadable:
        err.print(f"{len(files)} notes checked; {flagged} with error findings; {unreadable} could not be read")
    raise typer.Exit(status)


@app.command("eval")
def evaluate_cmd(
    corpus: Path = typer.Argument(..., help="Folder of NAME.txt notes with NAME.json gold files."),
    gold: Optional[Path] = typer.Option(None, "--gold", help="JSON Lines gold records (for notes kept outside corpora/)."),
    fmt: EvalFormat = typer.Option(EvalFormat.text, "--format", "-f"),
    max_misses: Optional[int] = typer.Option(200, "--max-misses", help="How many misses to list (text format)."),
    payer: str = typer.Option("medicare", "--payer", help="Payer profile the gold findings and codes assume."),
    model: Optional[bool] = typer.Option(None, "--model/--no-model", help="Score only with / without the sentence model "
                                         "(default: both, when a model is shipped)."),
) -> None:
    """Score the pipeline against annotated notes: precision / recall / F1 per element, and each miss."""
    _configure_logging(False)
    from .evaluate import evaluate, load_gold

    if not corpus.is_dir():
        _usage_error(f"{corpus} is not a folder")
    try:
        pairs = load_gold(corpus, gold)
    except (ValueError, KeyError, OSError) as exc:
        _usage_error(f"cannot read gold annotations: {exc}")
    if not pairs:
        _usage_error(f"no gold annotations in {corpus}")
    from .pipeline import default_model_path
    from .sentence_model import ModelError

    try:
        runs = {"with model": True, "rules only": False} if model is None and default_model_path() else \
            {("with model" if model else "rules only"): bool(model)}
        results = {name: evaluate(pairs, payer=payer, use_model=flag) for name, flag in runs.items()}
    except ModelError as exc:
        _usage_error(str(exc))
    result = next(iter(results.values()))
    if fmt is EvalFormat.json:
        payload = result.as_dict()
        payload["pipeline"] = next(iter(results))
        if len(results) > 1:
            payload["compare"] = {name: r.as_dict()["elements"] | {"findings_errors": r.findings_errors.as_dict(),
                                                                   "codes_exact": round(r.codes_exact_rate, 4)}
                                  for name, r in results.items()}
        sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
    else:
        from .render import print_compare, print_eval

        console = Console(highlight=False)
        print_eval(console, result, f"{corpus} ({next(iter(results))})", max_misses)
        if len(results) > 1:
            print_compare(console, results)
    if result.unreadable:
        err.print(f"{len(result.unreadable)} gold notes could not be read")
        raise typer.Exit(2)


@app.command()
def rules(
    payer: str = typer.Option("medicare", "--payer", help="Payer profile: medicare, aetna, uhc, bcbs, or a profile file."),
    fmt: EvalFormat = typer.Option(EvalFormat.text, "--format", "-f"),
) -> None:
    """List a payer profile's parameters and documentation requirements, for a biller."""
    from .profiles import ProfileError, available_profiles, load_profile

    try:
        profile = load_profile(payer)
    except ProfileError as exc:
        _usage_error(str(exc))
    if fmt is EvalFormat.json:
        sys.stdout.write(profile.model_dump_json(indent=2) + "\n")
        return
    from .render import print_rules

    print_rules(Console(highlight=False), profile, available_profiles())


@app.command()
def sentences(
    corpora: List[Path] = typer.Argument(None, help="Annotated corpus folders (default: corpora/dev, dev2, dev3)."),
    out: Path = typer.Option(Path("corpora/sentences/scope.jsonl"), "--out", help="Where to write the sentences."),
) -> None:
    """Derive annotated sentences for the sentence model from the gold of annotated notes."""
    _configure_logging(False)
    from .evaluate import load_gold
    from .pipeline import get_nlp
    from .reading import read_note_file
    from .sentence_model import label_sentences

    folders = corpora or [Path("corpora") / name for name in ("dev", "dev2", "dev3")]
    if any(f.name == "test" for f in folders):
        _usage_error("the test split is never used to build training data")
    nlp = get_nlp(use_model=False)
    rows = []
    for folder in folders:
        for path, gold in load_gold(folder):
            note = read_note_file(path)
            if note.text:
                rows += label_sentences(nlp(note.text), gold, f"{folder.name}/{path.stem}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    counts = {label: sum(r["label"] == label for r in rows) for label in ("procedure", "other")}
    err.print(f"{len(rows)} sentences from {len(folders)} corpora -> {out} ({counts})")


@app.command()
def train(
    data: List[Path] = typer.Argument(None, help="Annotated sentence files (default: corpora/sentences/*.jsonl)."),
    heldout: str = typer.Option("dev3/", "--heldout", help="Notes whose id starts with this are held out for the metrics."),
    out: Path = typer.Option(Path("models"), "--out", help="Folder for the model file and its card."),
) -> None:
    """Train the sentence scope model (scikit-learn), write it with skops and a model card."""
    from .sentence_model import read_sentences, save_model, train as fit

    files = data or sorted(Path("corpora/sentences").glob("*.jsonl"))
    if not files:
        _usage_error("no annotated sentences; run `notecheck sentences` first")
    rows = read_sentences(files)
    held = {r["note"] for r in rows if r["note"].startswith(heldout)}
    pipeline, metrics = fit(rows, held)
    model_path, card_path = save_model(pipeline, metrics, [str(f) for f in files], out)
    typer.echo(json.dumps(metrics, indent=2))
    typer.echo(f"wrote {model_path} and {card_path}")


@app.command()
def version() -> None:
    """Print the notecheck version and the versions of its rule files."""
    from .resources import versions

    typer.echo(f"notecheck {__version__}")
    for name, v in versions().items():
        typer.echo(f"  {name} {v}")


def _register_subpackages() -> None:
    """Commands of the service (serve), review (review, export, audit) and spark sub-packages."""
    from .review.cli import register as register_review
    from .service.cli import register as register_service
    from .spark.cli import register as register_spark

    register_service(app)
    register_review(app)
    register_spark(app)


_register_subpackages()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
