"""The project's own list of bad inputs: every row is (input, what it must get, the test that checks it).

``/work/shared/bad-inputs.md`` is the minimum the issue asked for; the rows below are the ones the
tests of "Hostile input, round two" use directly (parametrised over these lists), so the list and
the tests cannot drift apart. ``ALL`` gathers every row; ``test_every_bad_input_row_names_a_real_test``
(in tests/test_messages.py) checks that each named test exists.

Strings hold the characters themselves through escapes (``\\u200b``) so an invisible one is visible here.
"""

from __future__ import annotations

# --- 1. text: invisible characters, combining marks, compatibility forms, lone surrogates -------------

_T = "tests/test_core_text_embeddings.py::"

INVISIBLE_IN_WORDS = [  # (text, the one word it must give, test)
    ("ap\u00adple", "apple", _T + "test_invisible_characters_inside_a_word_are_removed"),  # soft hyphen
    ("ap\u200bple", "apple", _T + "test_invisible_characters_inside_a_word_are_removed"),  # zero-width space
    ("ap\u200cple", "apple", _T + "test_invisible_characters_inside_a_word_are_removed"),  # ZW non-joiner
    ("ap\u200dple", "apple", _T + "test_invisible_characters_inside_a_word_are_removed"),  # ZW joiner
    ("ap\u2060ple", "apple", _T + "test_invisible_characters_inside_a_word_are_removed"),  # word joiner
    ("\ufeffap\ufeffple", "apple", _T + "test_invisible_characters_inside_a_word_are_removed"),  # BOM / ZWNBSP
    ("ap\u202eple", "apple", _T + "test_invisible_characters_inside_a_word_are_removed"),  # bidi override (Cf)
    ("ap\x00ple", "apple", _T + "test_invisible_characters_inside_a_word_are_removed"),  # NUL (Cc)
    ("ap\x1b\x7fple", "apple", _T + "test_invisible_characters_inside_a_word_are_removed"),  # ESC, DEL (Cc)
    ("ap\U000e0041ple", "apple", _T + "test_invisible_characters_inside_a_word_are_removed"),  # tag char (Cf)
    ("cafe\u200b\u0301", "caf\u00e9", _T + "test_invisible_characters_inside_a_word_are_removed"),
]

ONE_TOKEN_SCRIPTS = [  # (text, the one token it must be, test)
    ("\u0928\u092e\u0938\u094d\u0924\u0947", "\u0928\u092e\u0938\u094d\u0924\u0947",  # नमस्ते (virama, Mc)
     _T + "test_combining_marks_of_every_script_stay_with_their_letter"),
    ("\u0643\u064e\u062a\u064e\u0628\u064e", "\u0643\u064e\u062a\u064e\u0628\u064e",  # كَتَبَ (fatha, Mn)
     _T + "test_combining_marks_of_every_script_stay_with_their_letter"),
    ("\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22", "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22",  # ภาษาไทย
     _T + "test_combining_marks_of_every_script_stay_with_their_letter"),
    ("\u0e19\u0e49\u0e33", "\u0e19\u0e49\u0e33",  # น้ำ (tone mark, Mn)
     _T + "test_combining_marks_of_every_script_stay_with_their_letter"),
    ("\u0dc1\u0dca\u200d\u0dbb\u0dd3", "\u0dc1\u0dca\u0dbb\u0dd3",  # Sinhala with ZWJ: marks kept, ZWJ removed
     _T + "test_combining_marks_of_every_script_stay_with_their_letter"),
    ("a\u20dd", "a\u20dd", _T + "test_combining_marks_of_every_script_stay_with_their_letter"),  # enclosing (Me)
]

FULL_WIDTH = [
    ("\uff41\uff50\uff50\uff4c\uff45", "word as typed, key 'apple' (NFKC), found in GloVe",
     _T + "test_full_width_and_compatibility_forms_fold_in_the_key_only"),
    ("\ufb01sh", "key 'fish' (ligature folded)", _T + "test_full_width_and_compatibility_forms_fold_in_the_key_only"),
]

LONE_SURROGATES = [  # (text, the words it must give, test)
    ("apple\ud800 juice", ("apple", "juice"), _T + "test_lone_surrogates_are_dropped_never_raised"),
    ("ap\udfffple", ("apple",), _T + "test_lone_surrogates_are_dropped_never_raised"),
    ("\ud83d\ude00 pie", ("pie",), _T + "test_lone_surrogates_are_dropped_never_raised"),  # a split emoji pair
]

TEXT_ROWS = (
    [(t, f"one token {w!r}", n) for t, w, n in INVISIBLE_IN_WORDS]
    + [(t, f"one token {w!r}", n) for t, w, n in ONE_TOKEN_SCRIPTS]
    + FULL_WIDTH
    + [(t, f"words {w}, nothing raised, everything UTF-8 encodable", n) for t, w, n in LONE_SURROGATES]
    + [("\u200b\u200c\u2060\ufeff\u00ad", "EmptyInputError 'enter at least one word'",
        _T + "test_only_invisible_characters_is_empty_input"),
       ("\ud800", "EmptyInputError 'enter at least one word'", _T + "test_only_invisible_characters_is_empty_input")]
)

# --- 2. uploads: encodings, binary, one-number vectors, the size limit ----------------------------------

_V = "tests/test_core_vectorfile.py::"
_W2V = b"2 4\n" + b"".join(w + b" " + bytes.fromhex("3f8ccccd bf19999a 4048f5c3 c0a3d70a") + b"\n"
                           for w in (b"the", b"of"))  # binary word2vec: raw float32s, no NUL byte among them

UPLOAD_NOT_UTF8 = [  # (file bytes, fragments the message must contain, test)
    (b"apple 0.1 0.2\npie 0.3 0.4\ncaf\xe9 0.1 0.2\n", ["line 3 is not UTF-8 (byte 0xe9 at column 4)",
                                                      "save the file as UTF-8"],
     _V + "test_text_in_another_encoding_names_line_column_and_byte"),  # Latin-1
    ("na\u00efve 1 2\n\u201cquoted\u201d 3 4\n".encode("cp1252"), ["line 1 is not UTF-8 (byte 0xef at column 3)"],
     _V + "test_text_in_another_encoding_names_line_column_and_byte"),  # Windows-1252
    (b"\xef\xbb\xbfa 1 2\r\nb\xe4r 3 4\r\n", ["line 2 is not UTF-8 (byte 0xe4 at column 2)"],
     _V + "test_text_in_another_encoding_names_line_column_and_byte"),  # BOM + CRLF, counted in bytes
    ("apple 1 2\n".encode("utf-16"), ["UTF-16", "save the file as UTF-8"],
     _V + "test_text_in_another_encoding_names_line_column_and_byte"),  # Notepad's "Unicode"
]

UPLOAD_BINARY = [  # (file bytes, a fragment the message must contain, test)
    (_W2V, "binary/compressed", _V + "test_real_binary_is_still_refused_as_binary"),
    (b"3 50\n" + bytes(range(256)) * 4, "binary/compressed", _V + "test_real_binary_is_still_refused_as_binary"),
    (b"a 1 2\x00\n", "binary/compressed", _V + "test_real_binary_is_still_refused_as_binary"),  # NUL
    (b"\x1f\x8b\x08\x00" + bytes(20), "gzip", _V + "test_real_binary_is_still_refused_as_binary"),
    (b"PK\x03\x04" + bytes(40), "zip", _V + "test_real_binary_is_still_refused_as_binary"),
]

UPLOAD_TOO_FEW_DIMS = [  # (file bytes, a fragment the message must contain, test)
    (b"apple 0.5\npie 0.25\n", "line 1: 1 number after the word",
     _V + "test_vectors_of_one_number_are_refused_with_the_minimum"),
    (b"2 1\napple 0.5\npie 0.25\n", "line 1: the header declares 1 dimension",
     _V + "test_vectors_of_one_number_are_refused_with_the_minimum"),
]

UPLOAD_ROWS = (
    [(d, "error: " + "; ".join(f), n) for d, f, n in UPLOAD_NOT_UTF8]
    + [(d, f"error: {f}: binary/compressed files are not supported; upload text", n) for d, f, n in UPLOAD_BINARY]
    + [(d, f"error: {f}; at least 2 numbers per word", n) for d, f, n in UPLOAD_TOO_FEW_DIMS]
    + [(b"a 1 2\n" * (5_000_000 // 6 + 1), "error: 'the limit is 5 MB = 5,000,000 bytes' (MAX_UPLOAD_BYTES)",
        _V + "test_upload_limit_is_one_number_everywhere"),
       ("ap\u00adple 1 2\n\uff4a\uff55\uff49\uff43\uff45 3 4\n".encode(), "keys 'apple', 'juice' (lookup_key)",
        _V + "test_upload_keys_are_lookup_keys_like_typed_words")]
)

ALL = [*TEXT_ROWS, *UPLOAD_ROWS]
