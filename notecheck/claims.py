"""Billed claim lines: `--billed 64493-50` and `--claims FILE.csv` (note_id,cpt,modifiers,units).

Parsed and validated up front so a typo in a claim is a clear usage error, never a silent mismatch.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .report import Code

_CPT = re.compile(r"^(?:\d{5}|\d{4}[TtFf])$")
_MODIFIER = re.compile(r"^[A-Za-z0-9]{2}$")
_BILLED = re.compile(r"^\s*(?P<cpt>[0-9]{4}[0-9TtFf])(?P<mods>(?:-[A-Za-z0-9]{2})*)(?:\s*[xX*:]\s*(?P<units>\d{1,2}))?\s*$")
CLAIM_COLUMNS = ("note_id", "cpt", "modifiers", "units")


class ClaimError(ValueError):
    """A claim line that cannot be understood; the message says where and why."""


def parse_billed(value: str) -> Code:
    """"64493-50" → Code(cpt="64493", modifiers=["50"]); "64636x2" → units 2; "64493-RT-KX" → two modifiers."""
    m = _BILLED.match(value or "")
    if not m:
        raise ClaimError(f"billed code {value!r} is not of the form CPT[-MOD…][xUNITS], e.g. 64493-50 or 64636x2")
    units = int(m["units"]) if m["units"] else 1
    if units < 1:
        raise ClaimError(f"billed code {value!r}: units must be at least 1")
    mods = [x.upper() for x in m["mods"].split("-") if x]
    return Code(cpt=m["cpt"].upper(), modifiers=mods, units=units)


def parse_claim_fields(cpt: str, modifiers: str, units: str, where: str) -> Code:
    cpt = (cpt or "").strip().upper()
    if not _CPT.match(cpt):
        raise ClaimError(f"{where}: CPT code {cpt!r} is not a 5-character code such as 64493 or 0216T")
    mods = [x.strip().upper() for x in re.split(r"[;,\s]+", modifiers or "") if x.strip()]
    bad = [x for x in mods if not _MODIFIER.match(x)]
    if bad:
        raise ClaimError(f"{where}: modifier {bad[0]!r} is not a 2-character modifier such as 50, LT, RT or KX")
    try:
        n = int((units or "1").strip() or "1")
    except ValueError:
        raise ClaimError(f"{where}: units {units!r} is not a whole number") from None
    if not 1 <= n <= 99:
        raise ClaimError(f"{where}: units {n} is outside 1-99")
    return Code(cpt=cpt, modifiers=mods, units=n)


def read_claims(path: Path) -> dict[str, list[Code]]:
    """note_id → its claim lines, in file order."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ClaimError(f"{path}: cannot open claims file ({exc.strerror})") from None
    claims: dict[str, list[Code]] = {}
    with handle:
        reader = csv.DictReader(handle)
        try:
            fieldnames = reader.fieldnames or []
            missing = [c for c in ("note_id", "cpt") if c not in fieldnames]
            if missing:
                raise ClaimError(f"{path}: claims file needs columns {', '.join(CLAIM_COLUMNS)}; missing {', '.join(missing)}")
            for row in reader:
                _add_row(claims, row, f"{path}:{reader.line_num}")
        except UnicodeDecodeError as exc:
            raise ClaimError(f"{path}: claims file is not UTF-8 text (byte {exc.start})") from None
        except csv.Error as exc:
            raise ClaimError(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None
    return claims


def _add_row(claims: dict[str, list[Code]], row: dict, where: str) -> None:
    note_id = (row.get("note_id") or "").strip()
    if not note_id:
        raise ClaimError(f"{where}: empty note_id")
    code = parse_claim_fields(row.get("cpt") or "", row.get("modifiers") or "", row.get("units") or "1", where)
    claims.setdefault(note_id, []).append(code)
