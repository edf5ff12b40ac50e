"""notecheck.reading: every unusable input becomes an error record, never an exception or a hang.

The content cases are shared by `decode_note` (bytes), `read_note_file` (the same bytes on disk) and, where
a string equivalent exists, `note_from_text`.
"""

from __future__ import annotations

import os
import random
import threading
from pathlib import Path

import pytest

from notecheck.reading import NoteInput, decode_note, expand_paths, note_from_text, read_note_file

GOOD_NOTE = (
    "PROCEDURE: Right L5-S1 facet joint injection under fluoroscopic guidance.\n"
    "1 mL of 0.5% bupivacaine was injected. The patient tolerated the procedure well.\n"
)

_rng = random.Random(20240611)
_CONTROLS = [b for b in range(32) if b not in (0, 9, 10, 12, 13)]
RANDOM_CONTROLS = bytes(_rng.choice(_CONTROLS) for _ in range(4000))
# Mostly text, but one byte in five is a control byte: well over the 10 % binary threshold.
MOSTLY_CONTROLS = b"".join(b"L4-5" + bytes([_rng.choice(_CONTROLS)]) for _ in range(500))
# A few stray control bytes in a long note (form feed excluded): under the threshold, still text.
FEW_CONTROLS = GOOD_NOTE.encode() + b"\x1b" + GOOD_NOTE.encode() * 5

# (id, bytes, expected text or None, expected error substring or None, expected warning substring or None)
BYTE_CASES = [
    ("empty", b"", None, "note is empty", None),
    ("whitespace_only", b"  \n\t\r\n   \x0c\n", None, "note is empty", None),
    ("bom_only", b"\xef\xbb\xbf \n", None, "note is empty", None),
    ("nul_bytes", b"PROCEDURE: L4-5\x00\x00\x00facet", None, "binary", None),
    ("leading_nul", b"\x00" + GOOD_NOTE.encode(), None, "binary", None),
    ("random_control_bytes", RANDOM_CONTROLS, None, "binary", None),
    ("text_with_many_controls", MOSTLY_CONTROLS, None, "binary", None),
    ("text_with_few_controls", FEW_CONTROLS, FEW_CONTROLS.decode(), None, None),
    ("utf8", GOOD_NOTE.encode(), GOOD_NOTE, None, None),
    ("utf8_non_ascii", "Bilateral L4–5 facet, café, 0.5 mL\n".encode(), "Bilateral L4–5 facet, café, 0.5 mL\n", None, None),
    ("utf8_bom_stripped", b"\xef\xbb\xbf" + GOOD_NOTE.encode(), GOOD_NOTE, None, None),
    ("cp1252", b"caf\xe9 L4-5", "café L4-5", None, "cp1252"),
    ("cp1252_smart_quotes", b"\x93tolerated well\x94 L4-5", "\u201ctolerated well\u201d L4-5", None, "cp1252"),
    # 0x81 is undefined in cp1252, so the last resort is latin-1, and the warning says so.
    ("latin1_last_resort", b"\x81 L4-5 caf\xe9", "\x81 L4-5 café", None, "latin-1"),
]


def _check_result(text, errors, warnings, exp_text, exp_error, exp_warning):
    assert text == exp_text
    if exp_error is None:
        assert errors == []
    else:
        assert len(errors) == 1 and exp_error in errors[0]
    if exp_warning is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and exp_warning in warnings[0]
        assert "UTF-8" in warnings[0]


@pytest.mark.parametrize("data, exp_text, exp_error, exp_warning",
                         [c[1:] for c in BYTE_CASES], ids=[c[0] for c in BYTE_CASES])
def test_decode_note(data, exp_text, exp_error, exp_warning):
    text, errors, warnings = decode_note(data)
    _check_result(text, errors, warnings, exp_text, exp_error, exp_warning)


@pytest.mark.parametrize("data, exp_text, exp_error, exp_warning",
                         [c[1:] for c in BYTE_CASES], ids=[c[0] for c in BYTE_CASES])
def test_read_note_file(tmp_path, data, exp_text, exp_error, exp_warning):
    path = tmp_path / "n042.txt"
    path.write_bytes(data)
    note = read_note_file(path)
    assert isinstance(note, NoteInput)
    assert note.note_id == "n042"
    assert note.source == str(path)
    _check_result(note.text, note.errors, note.warnings, exp_text, exp_error, exp_warning)


def test_cp1252_warning_names_offset_but_not_content():
    _, _, warnings = decode_note(b"PATIENT ZZPHIMARKER caf\xe9 L4-5")
    assert warnings == ["note is not valid UTF-8 (byte 23); decoded as cp1252"]
    assert "ZZPHIMARKER" not in warnings[0]


@pytest.mark.parametrize("data", [c[1] for c in BYTE_CASES if c[3] is not None],
                         ids=[c[0] for c in BYTE_CASES if c[3] is not None])
def test_errors_never_quote_content(data):
    marked = data + b" ZZPHIMARKER"
    _, errors, warnings = decode_note(marked)
    assert all("ZZPHIMARKER" not in m for m in errors + warnings)


# --- size ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size, limit, too_large", [
    (100, 100, False),
    (101, 100, True),
    (5 * 1024 * 1024, 1_000_000, True),
])
def test_decode_note_size_limit(size, limit, too_large):
    text, errors, _ = decode_note(b"a" * size, max_bytes=limit)
    if too_large:
        assert text is None
        assert errors == [f"note is too large ({size:,} bytes; limit {limit:,})"]
    else:
        assert text == "a" * size and errors == []


def test_five_megabyte_file_is_refused_without_being_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # sparse: 5 MB on stat, nothing written
        handle.truncate(5 * 1024 * 1024)

    def no_open(self, *args, **kwargs):
        raise AssertionError(f"read_note_file opened {self} although stat() already showed it is too large")

    monkeypatch.setattr(Path, "open", no_open)
    note = read_note_file(path)
    assert note.text is None
    assert len(note.errors) == 1
    assert "too large" in note.errors[0] and "5,242,880" in note.errors[0]


def test_file_growing_past_limit_after_stat_is_still_refused(tmp_path, monkeypatch):
    """stat() says small, but only max_bytes + 1 bytes are read, and that is enough to refuse the note."""
    path = tmp_path / "grows.txt"
    path.write_bytes(b"L4-5 facet " * 20)  # 220 bytes on disk
    real_stat = Path.stat

    class SmallStat:
        st_size = 10
        st_mode = real_stat(path).st_mode

    monkeypatch.setattr(Path, "stat", lambda self, **kw: SmallStat() if self == path else real_stat(self, **kw))
    note = read_note_file(path, max_bytes=50)
    assert note.text is None
    assert note.errors == ["note is too large (51 bytes; limit 50)"]


def test_max_bytes_is_passed_through(tmp_path):
    path = tmp_path / "n.txt"
    path.write_text(GOOD_NOTE, encoding="utf-8")
    assert read_note_file(path).errors == []
    assert "too large" in read_note_file(path, max_bytes=10).errors[0]


# --- paths that are not readable files ---------------------------------------------------------------------

def _directory(tmp_path: Path) -> Path:
    d = tmp_path / "folder.txt"
    d.mkdir()
    return d


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nope.txt"


def _dangling_symlink(tmp_path: Path) -> Path:
    link = tmp_path / "dangling.txt"
    link.symlink_to(tmp_path / "target-that-does-not-exist.txt")
    return link


@pytest.mark.parametrize("make, expected_error", [
    (_directory, "path is a directory, not a note file"),
    (_missing, "file not found"),
    (_dangling_symlink, "file not found"),
], ids=["directory", "missing", "dangling_symlink"])
def test_unreadable_paths(tmp_path, make, expected_error):
    path = make(tmp_path)
    note = read_note_file(path)
    assert note.text is None
    assert note.errors == [expected_error]
    assert note.note_id == path.stem
    assert note.source == str(path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any file")
def test_permission_denied(tmp_path):
    path = tmp_path / "locked.txt"
    path.write_text(GOOD_NOTE)
    path.chmod(0)
    try:
        assert read_note_file(path).errors == ["permission denied"]
    finally:
        path.chmod(0o600)


def test_explicit_note_id(tmp_path):
    path = tmp_path / "file-name.txt"
    path.write_text(GOOD_NOTE)
    assert read_note_file(path, note_id="visit-7").note_id == "visit-7"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("note", read_note_file(fifo)), daemon=True)
    worker.start()
    worker.join(timeout=1.0)
    hung = worker.is_alive()
    if hung:  # unblock the reader so the thread ends: a writer that opens and closes at once
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        worker.join(timeout=5)
    assert not hung, "read_note_file blocked on a FIFO"
    assert result["note"].text is None and result["note"].errors


# --- note_from_text ------------------------------------------------------------------------------------------

# (id, text, expected error substring or None)
TEXT_CASES = [
    ("empty", "", "note is empty"),
    ("whitespace_only", " \n\t\r\n ", "note is empty"),
    ("nul", "PROCEDURE: L4-5\x00facet", "binary"),
    ("random_controls", RANDOM_CONTROLS.decode("ascii"), "binary"),
    ("many_controls", MOSTLY_CONTROLS.decode("ascii"), "binary"),
    ("few_controls", FEW_CONTROLS.decode("ascii"), None),
    ("good", GOOD_NOTE, None),
    ("non_ascii", "Bilateral L4–5 facet, café", None),
    ("not_a_string_none", None, "note text must be a string"),
    ("not_a_string_bytes", GOOD_NOTE.encode(), "note text must be a string"),
]


@pytest.mark.parametrize("text, exp_error", [c[1:] for c in TEXT_CASES], ids=[c[0] for c in TEXT_CASES])
def test_note_from_text(text, exp_error):
    note = note_from_text(text, note_id="t1")
    assert note.note_id == "t1"
    if exp_error is None:
        assert note.text == text and note.errors == []
    else:
        assert note.text is None
        assert len(note.errors) == 1 and exp_error in note.errors[0]


@pytest.mark.parametrize("text, limit, too_large", [
    ("a" * 100, 100, False),
    ("a" * 101, 100, True),
    ("é" * 60, 100, True),   # 120 bytes in UTF-8: the limit is in bytes, not characters
])
def test_note_from_text_size_limit(text, limit, too_large):
    note = note_from_text(text, max_bytes=limit)
    if too_large:
        assert note.text is None and "too large" in note.errors[0]
    else:
        assert note.text == text and note.errors == []


def test_note_from_text_bom_only_is_empty_like_a_file():
    assert decode_note("\ufeff \n".encode("utf-8"))[1] == ["note is empty"]
    note = note_from_text("\ufeff \n")
    assert note.text is None and note.errors == ["note is empty"]


# --- expand_paths -------------------------------------------------------------------------------------------

def test_expand_paths_sorts_folder_and_skips_dotfiles_and_other_files(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    for name in ["c.txt", "a.txt", "b10.txt", "b2.txt", ".hidden.txt", ".txt", "readme.md", "d.TXT.bak"]:
        (folder / name).write_text(GOOD_NOTE)
    (folder / "sub").mkdir()
    (folder / "sub" / "deep.txt").write_text(GOOD_NOTE)
    got = [p.name for p in expand_paths([folder])]
    assert got == ["a.txt", "b10.txt", "b2.txt", "c.txt"]


def test_expand_paths_keeps_argument_order_and_explicit_files(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "y.txt").write_text(GOOD_NOTE)
    (folder / "x.txt").write_text(GOOD_NOTE)
    z = tmp_path / "z.txt"
    z.write_text(GOOD_NOTE)
    hidden = tmp_path / ".explicit.txt"  # named explicitly: kept
    hidden.write_text(GOOD_NOTE)
    missing = tmp_path / "missing.txt"    # not checked here: read_note_file reports it
    got = list(expand_paths([z, folder, hidden, missing]))
    assert got == [z, folder / "x.txt", folder / "y.txt", hidden, missing]


def test_expand_paths_empty_folder(tmp_path):
    assert list(expand_paths([tmp_path])) == []
