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

# --- 3. core API arguments that used to escape as numpy's own errors (or pass silently) ------------------

_A = "tests/test_core_attention.py::"
_R = "tests/test_core_training.py::"
_E = "tests/test_core_text_embeddings.py::"

BAD_SEEDS = [-1, 2**32, True, False, 1.0, 2.5, float("nan"), float("inf"), "3", None]  # must be OutOfRangeError
GOOD_SEEDS = [0, 1, 2**32 - 1]

BAD_RANDOM_DIMS = [1.5, 2.0, 1, 0, -3, 1025, True, float("nan"), "8"]  # random_embeddings(dim): ShapeError

BAD_TRAINING = [  # (keyword arguments of train_projections, error class name, fragment of the message, test)
    ({"seed": -1}, "OutOfRangeError", "seed must be a whole number from 0 to 4,294,967,295",
     _R + "test_training_arguments_are_bounded_before_any_work"),
    ({"seed": 0.5}, "OutOfRangeError", "seed", _R + "test_training_arguments_are_bounded_before_any_work"),
    ({"d_k": 512}, "ShapeError", "d_k must be a whole number from 1 to 50",
     _R + "test_training_arguments_are_bounded_before_any_work"),  # ran 76 s before
    ({"d_k": 0}, "ShapeError", "d_k", _R + "test_training_arguments_are_bounded_before_any_work"),
    ({"d_k": 8.0}, "ShapeError", "d_k", _R + "test_training_arguments_are_bounded_before_any_work"),
    ({"steps": 2001}, "OutOfRangeError", "steps must be a whole number from 0 to 2,000",
     _R + "test_training_arguments_are_bounded_before_any_work"),
    ({"steps": -1}, "OutOfRangeError", "steps", _R + "test_training_arguments_are_bounded_before_any_work"),
]

NAN_VECTORS = [  # (input, what it must get, test)
    (b"apple 1 2\npie nan 3\n", "NonFiniteError (a VectorFileError) naming line 2 and 'pie'",
     "tests/test_core_vectorfile.py::test_nan_in_an_upload_is_a_non_finite_error_naming_the_word"),
    ({"apple": (float("nan"), 2.0), "pie": (1.0, 2.0)}, "NonFiniteError naming 'apple'",
     _E + "test_edited_toy_vectors_with_nan_or_text_name_the_word"),
    ({"apple": (None, 2.0)}, "NonFiniteError naming 'apple' (an emptied cell)",
     _E + "test_edited_toy_vectors_with_nan_or_text_name_the_word"),
    ({"apple": ("abc", 2.0)}, "NonFiniteError naming 'apple'",
     _E + "test_edited_toy_vectors_with_nan_or_text_name_the_word"),
    ({"apple": (1.0, 2.0), "pie": (1.0, 2.0, 3.0)}, "ShapeError naming both lengths",
     _E + "test_edited_toy_vectors_with_nan_or_text_name_the_word"),
]

API_ROWS = (
    [(f"Projections.random(4, 2, seed={v!r})", "OutOfRangeError", _A + "test_projections_random_refuses_bad_seeds")
     for v in BAD_SEEDS]
    + [(f"Projections.random(4, {v!r})", "ShapeError", _A + "test_projections_random_refuses_non_whole_sizes")
       for v in (1.5, 0, True)]
    + [(f"random_embeddings({v!r})", "ShapeError 'from 2 to 1,024'", _E + "test_random_embeddings_refuse_bad_dims")
       for v in BAD_RANDOM_DIMS]
    + [(f"random_embeddings(8, seed={v!r})", "OutOfRangeError", _E + "test_random_embeddings_refuse_bad_seeds")
       for v in BAD_SEEDS]
    + [(f"train_projections({k})", f"{c}: {f}", n) for k, c, f, n in BAD_TRAINING]
    + NAN_VECTORS
)

# --- 4. legal but huge (or tiny) numbers on screen ------------------------------------------------------

_N = "tests/test_messages.py::"
NUMBERS = [  # (x, what format_number must print, test)
    (3.4e38, "3.4e+38", _N + "test_format_number_examples"),
    (-3.4028234663852886e38, "-3.403e+38", _N + "test_format_number_examples"),
    (1.7976931348623157e308, "1.797e+308", _N + "test_format_number_examples"),  # cut, not rounded past the max
    (-1.23456e-100, "-1.23e-100", _N + "test_format_number_examples"),
    (5e-324, "4.941e-324", _N + "test_format_number_examples"),
    (1e6, "1e+06", _N + "test_format_number_examples"),
    (999999.4, "999999", _N + "test_format_number_examples"),
    (0.12345, "0.1235", _N + "test_format_number_examples"),
    (9.99e-5, "9.99e-05", _N + "test_format_number_examples"),
    (0.0, "0", _N + "test_format_number_examples"),
    (-0.0, "0", _N + "test_format_number_examples"),
    (0.5, "0.5", _N + "test_format_number_examples"),
    (float("nan"), "NaN", _N + "test_format_number_examples"),
    (float("inf"), "∞", _N + "test_format_number_examples"),
    (float("-inf"), "-∞", _N + "test_format_number_examples"),
]

# --- 5. messages: user text shown by st.error / st.warning / st.info ----------------------------------

AUTOLINK_TRIGGERS = [  # (text, what escape must give, test): each raw text is a link in remark-gfm
    ("Read https://127.0.0.1:9/phish first", "no link; readable text", _N + "test_escape_leaves_no_autolink"),
    ("http://evil.example/x?y=1", "no link", _N + "test_escape_leaves_no_autolink"),
    ("HTTPS://EXAMPLE.COM", "no link (case-insensitive)", _N + "test_escape_leaves_no_autolink"),
    ("www.example.com", "no link", _N + "test_escape_leaves_no_autolink"),
    ("(www.example.com)", "no link", _N + "test_escape_leaves_no_autolink"),
    ("WwW.example.com/path", "no link", _N + "test_escape_leaves_no_autolink"),
    ("user@host.com", "no link (mailto)", _N + "test_escape_leaves_no_autolink"),
    ("first.last+tag@sub.host.co.uk", "no link (mailto)", _N + "test_escape_leaves_no_autolink"),
    ("mailto:user@host.com", "no link", _N + "test_escape_leaves_no_autolink"),
    ("http://www.example.com", "no link (neither the http nor the www inside it)",
     _N + "test_escape_leaves_no_autolink"),
    ("*www.x.y* _http://a.b_ ~user@h.io~", "no link, no emphasis", _N + "test_escape_leaves_no_autolink"),
    ("line one\nhttps://x.y", "no link after a newline (newline becomes a space)",
     _N + "test_escape_leaves_no_autolink"),
]

HOSTILE_MESSAGES = [  # the Sentences rows of bad-inputs.md, as they would reach a message
    ("<script>alert(1)</script>", "shown literally, no HTML", _N + "test_escape_hostile_messages"),
    ("$5 and $10 :red[x] [a](javascript:alert(1))", "shown literally: no LaTeX, colour or link",
     _N + "test_escape_hostile_messages"),
    ("# heading\n- item\n> quote", "one line, no heading/list/quote", _N + "test_escape_hostile_messages"),
    ("**bold** `code` ~~strike~~ | a | b |", "shown literally", _N + "test_escape_hostile_messages"),
    (":material/error: :smile: \\(x\\)", "no icon, no emoji, no math", _N + "test_escape_hostile_messages"),
    ("![img](https://x.y/a.png)", "no image, no link", _N + "test_escape_hostile_messages"),
    ("<https://x.y> <user@h.io>", "no CommonMark autolink", _N + "test_escape_hostile_messages"),
    ("caf\u00e9 \u0928\u092e\u0938\u094d\u0924\u0947 \ud800 \u202eevil",
     "text kept; surrogate and bidi override removed", _N + "test_escape_hostile_messages"),
    ("", "empty stays empty", _N + "test_escape_hostile_messages"),
]

SHORTEN = [  # (text, limit, what shorten must give, test)
    ("short", 60, "short", _N + "test_shorten"),
    ("a" * 61, 60, "a" * 59 + "\u2026", _N + "test_shorten"),
    ("a" * 60, 60, "a" * 60, _N + "test_shorten"),
    ("one\ntwo\t three", 60, "one two three", _N + "test_shorten"),
    ("cafe\u0301 au lait", 5, "caf\u2026", _N + "test_shorten"),  # never an accent on the "…"
    ("word " * 30, 12, "word word w\u2026", _N + "test_shorten"),
    ("x\ud800y\u200bz", 60, "xyz", _N + "test_shorten"),
]

MESSAGE_ROWS = (
    AUTOLINK_TRIGGERS + HOSTILE_MESSAGES + [(f"shorten({t!r}, {n})", repr(e), name) for t, n, e, name in SHORTEN]
)

# --- 6. the UI: uploads, links, echoes, session state, numbers on screen (round two, UI items) ------------

_P = "tests/test_app.py::"
_L = "tests/test_app_lessons.py::"
_B = "tests/test_browser.py::"

UI_ROWS = [  # (input, what it must get, test)
    (b"a 1 2\na 1 2\n\n" * 333_333 + b"a 1 x\n", "a failing 4 MB upload of 1,000,000 lines is parsed once per "
     "content (not on every rerun, twice); bench/upload.py: later edits <= 1.5x, RSS <= 600 MB",
     _P + "test_a_failing_upload_is_parsed_once_per_content"),
    ("?s1=<100,000 characters>", "cut to the box's 500 characters with a notice; the link reopens",
     _P + "test_link_text_is_capped_so_every_link_reopens"),
    ("?target=<100,000 characters>, ?concepts=<100 kB>", "cut to 60 / 400 characters; every message short",
     _P + "test_link_text_is_capped_so_every_link_reopens"),
    ("every address the app writes while editing and changing pages", "opens in a fresh page: no HTTP 400, "
     "no exception", _B + "test_every_link_the_app_writes_reopens"),
    ("apple\ud800 juice (s1), pie\udfff (s2), \ud800 (target), a lone surrogate in the concepts",
     "cleaned before the link binding: no UnicodeEncodeError",
     _P + "test_a_lone_surrogate_in_text_state_never_escapes_as_a_traceback"),
    ({"apple": (float("nan"), 2.0)}, "edited 2-D vectors with a NaN: a message, the tutorial's vectors back",
     _L + "test_a_nan_in_the_edited_2d_vectors_is_a_message_not_a_traceback"),
    ("target 'apple pie with cream'", "'Following 'apple', the first word of the target.'",
     _P + "test_a_multi_word_target_says_it_follows_its_first_word"),
    ("target ''", "'No target word: type one in the sidebar'", _P + "test_an_empty_target_says_to_type_one"),
    ("an unreadable upload or an unknown concept word on Step by step / Why scale? / Why projections?",
     "an error without a 'Sentence 1:' prefix", _L + "test_upload_and_concept_errors_are_not_blamed_on_a_sentence"),
    ("no file (e.g. the uploader refused one over 5 MB)", "the message and the uploader state 5 MB = 5,000,000 bytes",
     _L + "test_the_uploader_states_the_limit"),
    (b"i 3.4e38 1.5e38 -3.4e38\n", "heatmap cells <= 10 characters; metric, score and hand-worked "
     "lines without 39-digit numbers", _P + "test_legal_but_huge_numbers_are_printed_short"),
    ("16 concepts, a concept of 10 words", "'only the first 12 concepts are used (4 left out)'; '8 words per concept'",
     _P + "test_more_than_12_concepts_are_cut_with_a_notice"),
    ("a map of identical vectors", "'exact', not 'approximate'",
     _P + "test_a_map_of_identical_vectors_is_exact_not_approximate"),
    (b"apple 1 2\n", "'1 word x 2 numbers' (not '1 words')", _P + "test_an_upload_summary_counts_in_the_singular"),
]


# --- rows of bad-inputs.md that earlier tests already check (listed so the list is complete) ----------

EARLIER_ROWS = [
    ("", "EmptyInputError 'enter at least one word'", _T + "test_no_words_is_empty_input_error"),
    ("!!! ???", "no words: same as empty", _T + "test_no_words_is_empty_input_error"),
    ("word " * 20_000, "truncated to MAX_TOKENS, truncated=True", _T + "test_100k_characters_truncated_and_bounded"),
    ("cafe\u0301 / caf\u00e9", "the same token and the same GloVe vector (NFC)",
     _T + "test_cafe_composed_and_decomposed_are_the_same_token"),
    ("<script>alert(1)</script>", "plain word tokens", _T + "test_script_tag_tokens_are_plain_words"),
    ("$5 and $10 :red[x] [a](javascript:alert(1))", "plain word tokens",
     _T + "test_markdown_latex_and_links_tokens_are_plain_words"),
    (b"", "'file is empty'", _V + "test_empty_file"),
    (b"3 50\n<2 rows>", "line 1: declares 3, has 2", _V + "test_header_declares_more_rows_than_found"),
    (b"<row 7 with 49 numbers>", "line 7: expected 50 values, got 49", _V + "test_row_7_with_49_numbers"),
    (b"w3 1 2 nan", "line 4, field 4: non-finite", _V + "test_non_finite_values_name_line"),
    (b"<gzip>", "binary/compressed files are not supported", _V + "test_gzip_refused"),
    (b"<zip>", "binary/compressed files are not supported", _V + "test_zip_refused"),
    (b"a" * 5_000_001, "the limit, in bytes", _V + "test_size_cap_at_real_default"),
]

ALL = [*UI_ROWS, *EARLIER_ROWS, *TEXT_ROWS, *UPLOAD_ROWS, *API_ROWS,
       *[(x, repr(out), n) for x, out, n in NUMBERS], *MESSAGE_ROWS]
