"""Uploaded word-vector files: every "Uploaded word-vector files" row of bad-inputs.md.
All files are built here as bytes."""

from __future__ import annotations

import gzip
import io
import zipfile

import numpy as np
import pytest

from attention_core import (
    AttentionLabError,
    Projections,
    ShapeError,
    VectorFileError,
    VectorTable,
    lookup_key,
    nearest_words,
    parse_vectors,
    pca_2d,
    self_attention,
    tokenize,
)
from attention_core.vectorfile import MAX_BYTES, MIN_DIM
from tests.bad_inputs import UPLOAD_BINARY, UPLOAD_NOT_UTF8, UPLOAD_TOO_FEW_DIMS


def rows(n, dim, start=0):
    """n text rows 'w<i> v v v ...' with distinct, exactly representable values."""
    lines = []
    for i in range(start, start + n):
        values = " ".join(f"{(i * dim + j) / 8:g}" for j in range(dim))
        lines.append(f"w{i} {values}")
    return lines


def expected_matrix(n, dim, start=0):
    return np.array([[(i * dim + j) / 8 for j in range(dim)] for i in range(start, start + n)])


def to_bytes(lines, sep="\n"):
    return (sep.join(lines) + sep).encode("utf-8")


def error_of(data, **kw):
    with pytest.raises(VectorFileError) as info:
        parse_vectors(data, **kw)
    assert isinstance(info.value, AttentionLabError)
    return str(info.value)


def assert_table(table, words, matrix):
    assert isinstance(table, VectorTable)
    assert table.words == list(words)
    assert table.matrix.dtype == np.float64
    assert np.all(np.isfinite(table.matrix))
    np.testing.assert_array_equal(table.matrix, np.asarray(matrix, dtype=np.float64))
    assert table.dim == np.asarray(matrix).shape[1]


# --- well-formed files -------------------------------------------------------------------

def test_glove_without_header_is_parsed():
    table = parse_vectors(to_bytes(rows(5, 4)))
    assert_table(table, [f"w{i}" for i in range(5)], expected_matrix(5, 4))
    assert table.notes == ()
    lk = table.lookup(["w3", "nope"])
    assert lk.known.tolist() == [True, False]
    np.testing.assert_array_equal(lk.vectors[0], expected_matrix(5, 4)[3])


def test_word2vec_header_is_parsed():
    table = parse_vectors(to_bytes(["3 4"] + rows(3, 4)))
    assert_table(table, ["w0", "w1", "w2"], expected_matrix(3, 4))
    assert table.notes == ()


def test_bom_crlf_blank_lines_tabs_and_double_spaces_are_parsed():
    text = "\ufeff\r\n\r\nApple\t0.5  -1.25\t\t3\r\n\r\n  juice   4 0\t 1e-3 \r\n\r\n"
    table = parse_vectors(text.encode("utf-8"))
    assert_table(table, ["apple", "juice"], [[0.5, -1.25, 3.0], [4.0, 0.0, 1e-3]])


def test_bom_with_header():
    table = parse_vectors(b"\xef\xbb\xbf2 2\r\na 1 2\r\nb 3 4\r\n")
    assert_table(table, ["a", "b"], [[1, 2], [3, 4]])


def test_keys_are_nfc_lowercase_like_typed_tokens():
    table = parse_vectors("Cafe\u0301 1 2\nAPPLE 3 4\n".encode("utf-8"))
    assert table.words == ["caf\u00e9", "apple"]
    lk = table.lookup(tokenize("café Apple").keys)
    assert lk.known.tolist() == [True, True]
    np.testing.assert_array_equal(lk.vectors, [[1.0, 2.0], [3.0, 4.0]])


def test_name_is_kept():
    assert parse_vectors(b"a 1 2\n", name="my vectors").name == "my vectors"


# --- empty, headers, counts ---------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n  \r\n"])
def test_empty_file(data):
    assert "file is empty" in error_of(data)


def test_header_declares_more_rows_than_found():
    msg = error_of(to_bytes(["3 50"] + rows(2, 50)))
    assert "line 1" in msg and "declares 3" in msg and "has 2" in msg


def test_header_only():
    msg = error_of(b"3 50\n")
    assert "declares 3" in msg


def test_header_declares_fewer_rows_extra_rows_ignored_with_note():
    table = parse_vectors(to_bytes(["1 50"] + rows(5, 50)))
    assert_table(table, ["w0"], expected_matrix(1, 50))
    assert any("4 extra rows ignored" in n for n in table.notes), table.notes


@pytest.mark.parametrize("first", ["2 3 4", "<<<<<<< HEAD", "0 50", "7", "=======", "hello"])
def test_first_line_neither_header_nor_row(first):
    msg = error_of(to_bytes([first] + rows(3, 3)))
    assert "line 1" in msg and "not a header or vector row" in msg


def test_unicode_digits_in_first_line_are_a_clear_error_not_a_crash():
    # "²".isdigit() is True but int("²") fails: must still be a VectorFileError
    msg = error_of("² ³\na 1 2\n".encode())
    assert "line 1" in msg


# --- bad rows --------------------------------------------------------------------------------

def test_row_7_with_49_numbers():
    lines = rows(6, 50) + [rows(1, 49, start=6)[0]] + rows(3, 50, start=7)
    msg = error_of(to_bytes(lines))
    assert "line 7" in msg and "expected 50 values" in msg and "got 49" in msg


def test_row_with_too_many_numbers_names_line():
    lines = rows(2, 4) + rows(1, 5, start=2)
    msg = error_of(to_bytes(lines))
    assert "line 3" in msg and "expected 4 values" in msg and "got 5" in msg


def test_line_numbers_count_blank_lines_and_header():
    lines = ["2 3", "", "a 1 2 3", "", "b 1 2"]
    msg = error_of(to_bytes(lines, sep="\r\n"))
    assert "line 5" in msg and "got 2" in msg


@pytest.mark.parametrize("bad", ["abc", "1,5", "0x1f", "--1"])
def test_non_number_names_line_and_field(bad):
    lines = rows(3, 4)
    lines[2] = f"w2 0.5 {bad} 1 2"
    msg = error_of(to_bytes(lines))
    assert "line 3" in msg and "field 3" in msg and bad in msg and "not a number" in msg


def test_non_number_in_first_row_names_line_and_field():
    msg = error_of(to_bytes(["apple 0.5 abc 1"] + rows(2, 3)))
    assert "line 1" in msg and "field 3" in msg and "abc" in msg


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-inf", "Infinity", "1e39", "-3.5e38"])
def test_non_finite_values_name_line(bad):
    lines = rows(4, 3)
    lines[3] = f"w3 1 2 {bad}"
    msg = error_of(to_bytes(lines))
    assert "line 4" in msg and "field 4" in msg and "non-finite" in msg


def test_non_finite_in_first_row_names_line_1():
    msg = error_of(b"a nan 1\nb 1 2\n")
    assert "line 1" in msg and "non-finite" in msg


def test_float32_max_itself_is_accepted():
    big = float(np.finfo(np.float32).max)
    table = parse_vectors(f"a {big!r} 1\n".encode())
    assert np.all(np.isfinite(table.matrix)) and table.matrix[0, 0] == big


def test_duplicate_words_first_kept_and_counted():
    lines = ["apple 1 2", "juice 3 4", "Apple 5 6", "apple 7 8", "pie 9 10"]
    table = parse_vectors(to_bytes(lines))
    assert_table(table, ["apple", "juice", "pie"], [[1, 2], [3, 4], [9, 10]])
    assert any(n.startswith("2 duplicate") for n in table.notes), table.notes


# --- binary / compressed ---------------------------------------------------------------------

def _assert_binary_refused(data):
    msg = error_of(data)
    assert "binary/compressed files are not supported" in msg and "upload text" in msg


def test_gzip_refused():
    _assert_binary_refused(gzip.compress(to_bytes(rows(3, 4))))


def test_zip_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("vectors.txt", to_bytes(rows(3, 4)))
    _assert_binary_refused(buf.getvalue())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_word2vec_refused(seed):
    rng = np.random.default_rng(seed)
    data = b"3 50\n" + b"".join(
        w.encode() + b" " + rng.standard_normal(50).astype(np.float32).tobytes() + b"\n" for w in ("the", "of", "and")
    )
    _assert_binary_refused(data)


def test_not_utf8_names_the_line_and_the_byte_not_binary():
    msg = error_of("café 1 2\n".encode("latin-1"))
    assert "line 1 is not UTF-8 (byte 0xe9 at column 4)" in msg and "save the file as UTF-8" in msg
    assert "binary" not in msg


# --- limits ----------------------------------------------------------------------------------

def test_size_cap_with_small_limit():
    data = to_bytes(rows(20, 4))
    msg = error_of(data, max_bytes=len(data) - 1)
    assert f"{len(data) - 1:,}" in msg and "limit" in msg
    # exactly at the limit is fine
    assert len(parse_vectors(data, max_bytes=len(data))) == 20


def test_size_cap_at_real_default():
    data = b"a" * (MAX_BYTES + 1)
    msg = error_of(data)
    assert "limit" in msg and f"{MAX_BYTES:,}" in msg and "5 MB" in msg


def test_too_many_rows():
    msg = error_of(to_bytes(rows(4, 2)), max_rows=3)
    assert "limit is 3" in msg and "4" in msg
    assert len(parse_vectors(to_bytes(rows(3, 2)), max_rows=3)) == 3


def test_header_declaring_too_many_rows():
    msg = error_of(to_bytes(["10 2"] + rows(10, 2)), max_rows=3)
    assert "line 1" in msg and "limit is 3" in msg and "10" in msg


def test_too_many_dims():
    msg = error_of(to_bytes(rows(2, 5)), max_dim=4)
    assert "line 1" in msg and "limit is 4" in msg and "5" in msg
    assert parse_vectors(to_bytes(rows(2, 4)), max_dim=4).dim == 4


def test_header_declaring_too_many_dims():
    msg = error_of(to_bytes(["2 5"] + rows(2, 5)), max_dim=4)
    assert "line 1" in msg and "limit is 4" in msg and "5 dimensions" in msg


# --- a file of another dimension than the projections / other sources -------------------------

def test_uploaded_dim_differs_from_projections_is_shape_error(glove):
    table = parse_vectors(to_bytes(rows(3, 3)))
    X = table.lookup(["w0", "w1", "w2"]).vectors
    with pytest.raises(ShapeError) as info:
        self_attention(X, Projections.random(50, 8, seed=0))
    msg = str(info.value)
    assert "3 dimensions" in msg and "50" in msg
    assert "broadcast" not in msg and "matmul" not in msg and "mismatch in its core" not in msg
    with pytest.raises(ShapeError) as info:
        nearest_words(X, glove, k=3)
    assert "(3, 3)" in str(info.value) and "50" in str(info.value)
    with pytest.raises(ShapeError) as info:
        pca_2d(X, glove.lookup(["apple", "pie", "tart"]).vectors)
    assert "(3, 3)" in str(info.value) and "(3, 50)" in str(info.value)


def test_uploaded_table_works_end_to_end():
    table = parse_vectors(b"apple 2 2\nphones 2 2\nlove -4 3\n")
    lk = table.lookup(tokenize("love apple phones").keys)
    tr = self_attention(lk.vectors, scale=False)
    np.testing.assert_array_equal(tr.scores[1], [-2.0, 8.0, 8.0])
    assert np.all(np.isfinite(tr.contextual_embeddings))
    top = nearest_words(tr.contextual_embeddings, table, k=2)
    assert len(top) == 3 and all(np.isfinite(c) for row in top for _, c in row)


# --- hostile input, round two ------------------------------------------------------------------

def test_upload_keys_are_lookup_keys_like_typed_words():
    """Uploads use the one key function: invisible characters, full-width letters and ’ fold as typed words do."""
    table = parse_vectors("ap\u00adple 1 2\n\uff4a\uff55\uff49\uff43\uff45 3 4\nit\u2019s 5 6\n".encode("utf-8"))
    assert table.words == ["apple", "juice", "it's"]
    lk = table.lookup([*tokenize("APPLE \uff2a\uff35\uff29\uff23\uff25").keys, lookup_key("IT\u2019S")])
    assert lk.known.all() and np.all(np.isfinite(lk.vectors))
    np.testing.assert_array_equal(lk.vectors, [[1, 2], [3, 4], [5, 6]])


@pytest.mark.parametrize("data, fragments, _test", UPLOAD_NOT_UTF8)
def test_text_in_another_encoding_names_line_column_and_byte(data, fragments, _test):
    msg = error_of(data)
    assert all(f in msg for f in fragments), msg
    assert "binary" not in msg and "compressed" not in msg


@pytest.mark.parametrize("data, fragment, _test", UPLOAD_BINARY)
def test_real_binary_is_still_refused_as_binary(data, fragment, _test):
    msg = error_of(data)
    assert "binary/compressed files are not supported; upload text" in msg and fragment in msg
    assert "not UTF-8" not in msg  # not blamed on one line's encoding


@pytest.mark.parametrize("data, fragment, _test", UPLOAD_TOO_FEW_DIMS)
def test_vectors_of_one_number_are_refused_with_the_minimum(data, fragment, _test):
    msg = error_of(data)
    assert fragment in msg and f"at least {MIN_DIM} numbers" in msg and MIN_DIM == 2
    table = parse_vectors(b"a 1 2\nb 3 4\n")  # 2 is enough
    assert table.dim == 2 and np.all(np.isfinite(table.matrix))


def test_upload_limit_is_one_number_everywhere():
    """5 MB = 5,000,000 bytes: what Streamlit's uploader enforces for maxUploadSize = 5 (outside Windows)."""
    import tomllib
    from pathlib import Path

    import attention_core

    assert attention_core.MAX_UPLOAD_BYTES == MAX_BYTES == 5_000_000
    config = tomllib.loads((Path(__file__).parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1000**2 == attention_core.MAX_UPLOAD_BYTES
    msg = error_of(b"a 1 2\n" * (5_000_000 // 6 + 1))  # 5,000,004 bytes
    assert "the limit is 5 MB = 5,000,000 bytes" in msg and "(5,000,004 bytes)" in msg
    assert len(parse_vectors(b"a 1 2\n" + b" " * (5_000_000 - 6))) == 1  # exactly at the limit is fine


def test_nan_in_an_upload_is_a_non_finite_error_naming_the_word():
    from attention_core import NonFiniteError

    with pytest.raises(NonFiniteError) as info:
        parse_vectors(b"apple 1 2\npie nan 3\n")
    assert isinstance(info.value, VectorFileError)
    msg = str(info.value)
    assert "line 2, field 2: non-finite value 'nan' in the vector of 'pie'" in msg
