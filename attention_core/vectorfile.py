"""Reading a user's word-vector text file (GloVe or word2vec text format).

Accepted: UTF-8 text (a BOM is fine), one word per line followed by its numbers,
separated by any whitespace (spaces, tabs, runs of them), LF or CRLF line ends,
blank lines anywhere. An optional word2vec header line ``<count> <dim>`` comes
first. Keys are ``lookup_key(word)``, exactly like typed tokens; when two rows give the same
key the first is kept and the duplicates are counted in ``notes``.

Rejected, with the line named: binary or compressed files, rows whose length
differs from the first row's, fields that are not numbers, values that are not
finite in float32 (``nan``, ``inf``, ``1e39``: word vectors are float32, and
anything beyond float32's range would overflow the scores downstream), and
files beyond the size limits below (checked before any parsing).
"""

from __future__ import annotations

import numpy as np

from .embeddings import VectorTable
from .errors import VectorFileError
from .text import lookup_key

MAX_BYTES = 5 * 1024 * 1024  # matches server.maxUploadSize = 5 (MB) in .streamlit/config.toml
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


def _number(text: str, line_no: int, field_no: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise VectorFileError(
            f"line {line_no}, field {field_no}: '{text[:40]}' is not a number "
            "(use a dot for decimals, e.g. 0.25)."
        ) from None
    if not np.isfinite(value) or abs(value) > FLOAT32_MAX:
        raise VectorFileError(
            f"line {line_no}, field {field_no}: non-finite value '{text[:40]}' "
            "(NaN, infinity or beyond float32's range)."
        )
    return value


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
            f"file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB ({max_bytes:,} bytes). "
            "Keep only the words you need."
        )
    if not data.strip():
        raise VectorFileError("file is empty.")
    for magic, kind in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise VectorFileError(f"this looks like a {kind} file: {_NOT_TEXT}")
    if b"\x00" in data[:65536]:
        raise VectorFileError(_NOT_TEXT)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise VectorFileError(f"not UTF-8 text (byte {exc.start}): {_NOT_TEXT}") from None

    # 2. lines, with their 1-based numbers; blank lines are skipped
    rows = [(i, line.split()) for i, line in enumerate(text.splitlines(), start=1)]
    rows = [(i, fields) for i, fields in rows if fields]
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
        values = [_number(f, line_no, j) for j, f in enumerate(fields[1:], start=2)]
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
