"""Reading a user's word-vector text file (GloVe or word2vec text format).

Accepted: UTF-8 text (a BOM is fine), one word per line followed by its numbers,
separated by any whitespace (spaces, tabs, runs of them), LF or CRLF line ends,
blank lines anywhere. An optional word2vec header line ``<count> <dim>`` comes
first. Keys are ``lookup_key(word)``, exactly like typed tokens; when two rows give the same
key the first is kept and the duplicates are counted in ``notes``.

Rejected, with the line named: binary or compressed files, text in another
encoding than UTF-8 (the line, the column and the byte are named), vectors of
fewer than ``MIN_DIM`` = 2 numbers, rows whose length
differs from the first row's, fields that are not numbers, values that are not
finite in float32 (``nan``, ``inf``, ``1e39``: word vectors are float32, and
anything beyond float32's range would overflow the scores downstream), and
files beyond the size limits below (checked before any parsing).
"""

from __future__ import annotations

import numpy as np

from .embeddings import VectorTable
from .errors import NonFiniteVectorFileError, VectorFileError
from .text import lookup_key

# The upload limit, one number everywhere: 5 MB = 5,000,000 bytes. `.streamlit/config.toml` says
# `maxUploadSize = 5` (megabytes). Streamlit 1.67 turns that into bytes in two places: the browser's
# uploader (frontend `BYTE_CONVERSION_SIZE = isFromWindows() ? 1024 : 1000`) refuses files over
# 5 * 1000**2 bytes and shows "5.0MB", except on Windows, where it uses 5 * 1024**2; the server
# (`starlette_routes.py`, `maxUploadSize * 1024 * 1024`) refuses bodies over 5,242,880 bytes.
# The smallest of these, 5,000,000, is what most students meet, so the core enforces exactly that:
# a Windows browser that lets 5,000,001 .. 5,242,880 bytes through gets the same limit, stated here.
MAX_UPLOAD_BYTES = 5_000_000
MAX_BYTES = MAX_UPLOAD_BYTES  # the former name, kept for callers
MIN_DIM = 2  # attention on 1-number vectors has no direction to compare and no 2-D map to draw
MAX_ROWS = 50_000
MAX_DIM = 1_000
FLOAT32_MAX = float(np.finfo(np.float32).max)  # ~3.4e38

_BINARY_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"PK\x03\x04": "zip",
    b"BZh": "bzip2",
    b"\xfd7zXZ": "xz",
}
_NOT_TEXT = "binary/compressed files are not supported; upload text (one word and its numbers per line)."
# C0 control bytes that never appear in a text file (tab, LF, VT, FF, CR and ESC excepted). Raw float32
# bytes are uniform in their low bytes, so about 1 byte in 10 of a binary word2vec file is one of these;
# a Latin-1 or Windows-1252 text file has none.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\x0b\x0c\r\x1b")


def _looks_binary(sample: bytes) -> bool:
    """True for data that is not text in any 8-bit encoding: NUL bytes, or > 1% control bytes."""
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > len(sample) // 100


def _not_utf8(data: bytes, exc: UnicodeDecodeError) -> VectorFileError:
    """Name the line, the column and the byte where UTF-8 decoding failed (1-based, in bytes)."""
    start = exc.start
    line_no = data.count(b"\n", 0, start) + 1
    column = start - (data.rfind(b"\n", 0, start) + 1) + 1
    return VectorFileError(
        f"line {line_no} is not UTF-8 (byte 0x{data[start]:02x} at column {column}); save the file as UTF-8 "
        "(in most editors: Save as, Encoding: UTF-8)."
    )


def _number(text: str, line_no: int, field_no: int, word: str = "") -> float:
    try:
        value = float(text)
    except ValueError:
        raise VectorFileError(
            f"line {line_no}, field {field_no}: '{text[:40]}' is not a number "
            "(use a dot for decimals, e.g. 0.25)."
        ) from None
    if not np.isfinite(value) or abs(value) > FLOAT32_MAX:
        raise NonFiniteVectorFileError(
            f"line {line_no}, field {field_no}: non-finite value '{text[:40]}'"
            + (f" in the vector of '{word[:40]}'" if word else "")
            + " (NaN, infinity or beyond float32's range)."
        )
    return value


def _too_few_dims() -> str:
    return (f"word vectors need at least {MIN_DIM} numbers each: attention on 1-number vectors has no "
            "direction to compare and no 2-D map to draw.")


def _is_int(text: str) -> bool:
    return text.isascii() and text.isdigit()  # "²".isdigit() is True, but int("²") fails


def parse_vectors(data: bytes, name: str = "uploaded vectors", *, max_rows: int = MAX_ROWS,
                  max_dim: int = MAX_DIM, max_bytes: int = MAX_BYTES) -> VectorTable:
    """Parse a GloVe / word2vec *text* file into a ``VectorTable``.

    Parameters
    ----------
    data : bytes
        The whole file.
    name : str
        Shown in the UI.

    Returns
    -------
    VectorTable
        ``.matrix`` is float64 (vocab_size, d_model); ``.notes`` lists what was
        dropped (duplicates, extra rows beyond a header's count).

    Raises
    ------
    VectorFileError
        With the line number and the reason.
    """
    # 1. cheap checks before reading anything
    if len(data) > max_bytes:
        raise VectorFileError(
            f"file is {len(data) / 1e6:.1f} MB ({len(data):,} bytes); the limit is {max_bytes / 1e6:g} MB = "
            f"{max_bytes:,} bytes. Keep only the words you need."
        )
    if not data.strip():
        raise VectorFileError("file is empty.")
    for magic, kind in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise VectorFileError(f"this looks like a {kind} file: {_NOT_TEXT}")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Windows Notepad's "Unicode": full of NUL bytes, yet text
        raise VectorFileError("line 1 is not UTF-8: this file is UTF-16 text; save the file as UTF-8.")
    if b"\x00" in data[:65536]:
        raise VectorFileError(_NOT_TEXT)
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        # binary data is almost never valid UTF-8; text in another encoding (Latin-1) is not either,
        # but it has no control bytes, and the student can fix it by saving the file again as UTF-8
        if _looks_binary(data[:65536]):
            raise VectorFileError(_NOT_TEXT) from None
        raise _not_utf8(data, UnicodeDecodeError(exc.encoding, data, exc.start + bom, exc.end + bom,
                                                 exc.reason)) from None

    # 2. lines, with their 1-based numbers; blank lines are skipped
    #    Read lazily and stop at the first row over the limit (a header + max_rows vectors): a 4 MB
    #    file of a million short lines used to be split whole first (~3 s, ~300 MB) only to be refused.
    rows, over = [], None  # over: the line of a row beyond a header + max_rows vectors
    for i, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(rows) > max_rows:
            over = i
            break
        rows.append((i, fields))
    if not rows:
        raise VectorFileError("file is empty.")

    # 3. optional word2vec header "<count> <dim>"
    declared = None
    first_no, first = rows[0]
    if all(_is_int(f) for f in first):
        if len(first) != 2 or int(first[0]) < 1 or int(first[1]) < 1:
            raise VectorFileError(
                f"line {first_no}: not a header or vector row: a header is two positive whole "
                f"numbers '<count> <dimension>', a row is a word followed by its numbers; got '{' '.join(first)[:60]}'."
            )
        declared, dim = int(first[0]), int(first[1])
        if dim < MIN_DIM:
            raise VectorFileError(f"line {first_no}: the header declares {dim} dimension; {_too_few_dims()}")
        if declared > max_rows:
            raise VectorFileError(f"line {first_no}: the header declares {declared} vectors; the limit is {max_rows}.")
        if dim > max_dim:
            raise VectorFileError(f"line {first_no}: the header declares {dim} dimensions; the limit is {max_dim}.")
        rows = rows[1:]
        if not rows:
            raise VectorFileError(f"the header declares {declared} vectors but the file has none.")
    else:
        dim = len(first) - 1
        if dim < 1:
            raise VectorFileError(
                f"line {first_no}: not a header or vector row: expected a word followed by numbers, "
                f"got '{' '.join(first)[:60]}'."
            )
        if dim > max_dim:
            raise VectorFileError(f"line {first_no}: {dim} dimensions; the limit is {max_dim}.")
        for field_no, f in enumerate(first[1:], start=2):
            try:
                float(f)
            except ValueError:
                raise VectorFileError(
                    f"line {first_no}, field {field_no}: not a header or vector row: expected a word followed by "
                    f"{dim} numbers, '{f[:40]}' is not a number; got '{' '.join(first)[:60]}'."
                ) from None
        if dim < MIN_DIM:
            raise VectorFileError(f"line {first_no}: 1 number after the word; {_too_few_dims()}")
    if over is not None:  # (after the header checks, which name line 1)
        raise VectorFileError(f"line {over}: the file has more than {max_rows} vectors; the limit is {max_rows}. "
                              "Keep only the words you need.")
    if len(rows) > max_rows and declared is None:
        raise VectorFileError(f"the file has {len(rows)} vectors; the limit is {max_rows}.")

    # 4. the vectors
    notes: list[str] = []
    if declared is not None and len(rows) != declared:
        if len(rows) < declared:
            raise VectorFileError(
                f"line {first_no}: the header declares {declared} vectors, but the file has {len(rows)}."
            )
        extra = len(rows) - declared
        notes.append(f"the header declares {declared} vector{'s' * (declared != 1)}: "
                     f"{extra} extra row{'s' * (extra != 1)} ignored.")
        rows = rows[:declared]
    words: list[str] = []
    seen: set[str] = set()
    duplicates = 0
    matrix = np.empty((len(rows), dim), dtype=np.float64)  # (n_rows, d_model)
    n = 0
    for line_no, fields in rows:
        if len(fields) - 1 != dim:
            raise VectorFileError(
                f"line {line_no}: expected {dim} values after the word, got {len(fields) - 1}."
            )
        key = lookup_key(fields[0])  # the one key function: a row is found the way a typed word is looked up
        values = [_number(f, line_no, j, fields[0]) for j, f in enumerate(fields[1:], start=2)]
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        words.append(key)
        matrix[n] = values
        n += 1
    if duplicates:
        notes.append(f"{duplicates} duplicate word(s): the first vector of each was kept.")
    return VectorTable(name, words, matrix[:n], notes=tuple(notes))
