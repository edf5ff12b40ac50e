"""Reading notes from disk without ever crashing a batch.

A note that cannot be used (empty, binary, too large, unreadable) becomes a `NoteInput` with an
error and no text; the caller reports it and goes on. Error messages name the problem and the file,
never the note's content (clinical notes are PHI).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

#: Notes larger than this are refused (a procedure note is a few kB; 1 MB is a pasted chart).
DEFAULT_MAX_BYTES = 1_000_000
#: Share of control characters above which bytes are treated as binary, not text.
_BINARY_CONTROL_RATIO = 0.10
_TEXT_CONTROLS = {9, 10, 12, 13}  # tab, newline, form feed, carriage return


@dataclass
class NoteInput:
    note_id: str
    text: str | None
    source: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def decode_note(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str | None, list[str], list[str]]:
    """Bytes → (text, errors, warnings). UTF-8 first; a legacy encoding only as a warned fallback."""
    if len(data) > max_bytes:
        return None, [f"note is too large ({len(data):,} bytes; limit {max_bytes:,})"], []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        return None, ["note is empty"], []
    if b"\x00" in data[:8192] or _control_ratio(data[:8192]) > _BINARY_CONTROL_RATIO:
        return None, ["note is binary, not text"], []
    try:
        return data.decode("utf-8"), [], []
    except UnicodeDecodeError as exc:
        warning = f"note is not valid UTF-8 (byte {exc.start}); decoded as cp1252"
    try:
        return data.decode("cp1252"), [], [warning]
    except UnicodeDecodeError:
        return data.decode("latin-1"), [], [warning.replace("cp1252", "latin-1")]


def looks_garbled(text: str) -> bool:
    """Text a reader already decoded with replacement characters (U+FFFD for bytes it could not decode) that
    is mostly such characters and controls: binary, not a note; the same share as for bytes."""
    head = text[:8192]
    odd = head.count("\ufffd") + sum(1 for c in head if ord(c) < 32 and ord(c) not in _TEXT_CONTROLS)
    return bool(head) and odd / len(head) > _BINARY_CONTROL_RATIO


def _control_ratio(sample: bytes) -> float:
    if not sample:
        return 0.0
    controls = sum(1 for b in sample if b < 32 and b not in _TEXT_CONTROLS)
    return controls / len(sample)


def read_note_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, note_id: str | None = None) -> NoteInput:
    """Read one note file; every failure becomes an error record."""
    nid = note_id or path.stem
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            return NoteInput(nid, None, str(path), ["path is a directory, not a note file"])
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            return NoteInput(nid, None, str(path), ["not a regular file"])
        size = info.st_size
        if size > max_bytes:
            return NoteInput(nid, None, str(path), [f"note is too large ({size:,} bytes; limit {max_bytes:,})"])
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except IsADirectoryError:
        return NoteInput(nid, None, str(path), ["path is a directory, not a note file"])
    except FileNotFoundError:
        return NoteInput(nid, None, str(path), ["file not found"])
    except PermissionError:
        return NoteInput(nid, None, str(path), ["permission denied"])
    except OSError as exc:  # device errors, broken mounts, FIFOs that fail ...
        return NoteInput(nid, None, str(path), [f"could not read file ({exc.__class__.__name__}: {exc.strerror or 'error'})"])
    text, errors, warnings = decode_note(data, max_bytes)
    return NoteInput(nid, text, str(path), errors, warnings)


def note_from_text(text: str, note_id: str = "note", max_bytes: int = DEFAULT_MAX_BYTES) -> NoteInput:
    """A note given as a string (service, tests); the same checks as for files."""
    if not isinstance(text, str):
        return NoteInput(note_id, None, "", ["note text must be a string"])
    text = text.removeprefix("\ufeff")
    encoded = text.encode("utf-8", "replace")
    if len(encoded) > max_bytes:
        return NoteInput(note_id, None, "", [f"note is too large ({len(encoded):,} bytes; limit {max_bytes:,})"])
    if not text.strip():
        return NoteInput(note_id, None, "", ["note is empty"])
    if "\x00" in text[:8192] or _control_ratio(encoded[:8192]) > _BINARY_CONTROL_RATIO:
        return NoteInput(note_id, None, "", ["note is binary, not text"])
    return NoteInput(note_id, text)


def expand_paths(paths: Iterable[Path], pattern: str = "*.txt") -> Iterator[Path]:
    """Files as given; directories expanded to their notes (sorted, so runs are reproducible)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.glob(pattern) if not p.name.startswith("."))
        else:
            yield path


def iter_notes(paths: Iterable[Path], max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[NoteInput]:
    for path in expand_paths(paths):
        yield read_note_file(path, max_bytes)
