"""The rule data shipped inside the package (term lists, patterns, drug dictionary, scope tables).

Each file carries ``_source`` (what it is derived from) and ``_version``; the versions are reported with
every run so a result can be traced to the rules that produced it.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

RESOURCE_FILES = ("sections.json", "target_rules.json", "context_rules.json", "drugs.json", "scope.json", "laterality.json",
                  "checkboxes.json", "history.json", "codes.json")


def resource_path(name: str) -> Path:
    return Path(__file__).resolve().parent / "resources" / name


@lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    with resource_path(name).open(encoding="utf-8") as handle:
        return json.load(handle)


def versions() -> dict[str, str]:
    return {name: str(load(name).get("_version", "?")) for name in RESOURCE_FILES}


@lru_cache(maxsize=None)
def drug_index() -> dict[str, tuple[str, str]]:
    """alias (lower case) → (generic, role)."""
    index: dict[str, tuple[str, str]] = {}
    for drug in load("drugs.json")["drugs"]:
        for alias in drug["aliases"]:
            index[alias.lower()] = (drug["generic"], drug["role"])
    return index


@lru_cache(maxsize=None)
def sedative_index() -> dict[str, str]:
    return {alias.lower(): generic for generic, aliases in load("drugs.json")["sedatives"]["aliases"].items() for alias in aliases}


def alias_pattern(alias: str) -> str:
    """Regex for a drug alias: whole word, flexible space/hyphen ("depo medrol" = "Depo-Medrol")."""
    parts = [re.escape(p) for p in re.split(r"[\s-]+", alias)]
    return r"(?<![A-Za-z])" + r"[\s-]*".join(parts) + r"(?![A-Za-z])"


@lru_cache(maxsize=None)
def side_terms() -> list[tuple[str, str]]:
    """(term, side), longest first so "left and right" wins over "left"."""
    sides = load("laterality.json")["sides"]
    pairs = [(term, side) for side, terms in sides.items() for term in terms]
    return sorted(pairs, key=lambda p: -len(p[0]))
