"""Tokenizer ("Sentences" rows of bad-inputs.md) and embedding sources:
GloVe, seeded random vectors, concept axes, the tutorial's toy vectors, OOV policies."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from attention_core import (
    DEFAULT_CONCEPTS,
    MAX_TOKENS,
    OOV_POLICIES,
    TOY_VECTORS,
    Embeddings,
    EmptyInputError,
    NonFiniteError,
    UnknownWordError,
    concept_embeddings,
    load_glove,
    lookup_key,
    random_embeddings,
    self_attention,
    tokenize,
    toy_embeddings,
)
from tests.numerics import assert_close, strict


def cos(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --- tokenizer ------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   \t\n", "!!! ???", "...", "— – •", "😀 🍎", "\u200b"])
def test_no_words_is_empty_input_error(text):
    with pytest.raises(EmptyInputError, match="at least one word"):
        tokenize(text)


def test_non_string_is_empty_input_error():
    with pytest.raises(EmptyInputError, match="at least one word"):
        tokenize(None)


def test_words_keep_spelling_keys_are_lowercase():
    t = tokenize("I love Apple phones!")
    assert t.words == ("I", "love", "Apple", "phones")
    assert t.keys == ("i", "love", "apple", "phones")
    assert not t.truncated
    assert len(t) == 4


def test_clitics_split_as_in_glove_punctuation_splits():
    t = tokenize("Don't stop: it's Apple's, e-mail")
    assert t.words == ("Do", "n't", "stop", "it", "'s", "Apple", "'s", "e", "mail")
    assert t.keys == ("do", "n't", "stop", "it", "'s", "apple", "'s", "e", "mail")
    assert tokenize("I'm sure they're, we've, you'll, he'd").words == (
        "I", "'m", "sure", "they", "'re", "we", "'ve", "you", "'ll", "he", "'d")
    assert tokenize("can't won't").keys == ("ca", "n't", "wo", "n't")  # GloVe's own pieces
    # a name keeps its apostrophe; an abbreviation keeps its dots
    assert tokenize("O'Brien lives in the U.S. since 9 a.m.").keys == (
        "o'brien", "lives", "in", "the", "u.s.", "since", "9", "a.m.")
    # the typographic apostrophe: shown as typed, looked up as '
    t = tokenize("Apple\u2019s don\u2019t")
    assert t.words == ("Apple", "\u2019s", "do", "n\u2019t") and t.keys == ("apple", "'s", "do", "n't")


def test_clitics_after_abbreviations_alone_and_stacked():
    """Found by review: the apostrophe must never be lost (a bare 's' is a different GloVe word)."""
    assert tokenize("A.I.'s rise in the U.S.'s labs").keys == ("a.i.", "'s", "rise", "in", "the", "u.s.", "'s",
                                                              "labs")
    assert tokenize("Apple 's").keys == ("apple", "'s")  # a clitic typed on its own keeps its apostrophe
    assert tokenize("'ll 'd n't").keys == ("'ll", "'d", "n't")
    assert tokenize("I'd've gone").keys == ("i", "'d", "'ve", "gone")
    assert tokenize("'so' 'scuse").keys == ("so", "scuse")  # quotes and elisions are not clitics
    assert tokenize("students' books").keys == ("students", "books")


def test_lookup_key_is_the_tokenizers_own():
    assert lookup_key("Apple") == "apple" and lookup_key("It\u2019s") == "it's"
    assert lookup_key("CAFE\u0301") == "caf\u00e9"  # NFC, as tokenize does
    assert all(lookup_key(w) == k for w, k in zip(*(lambda t: (t.words, t.keys))(tokenize("Don\u2019t ÉTÉ"))))


def test_every_piece_of_a_typical_sentence_is_in_glove(glove):
    """What students type naturally ('Apple's', "don't", 'U.S.') finds a vector for every piece."""
    keys = tokenize("I don't think Apple's phones are sold in the U.S. at 9 a.m.").keys
    assert all(k in glove for k in keys), [k for k in keys if k not in glove]


def test_split_clitics_count_towards_the_cap():
    t = tokenize("it's it's", max_tokens=3)
    assert t.words == ("it", "'s", "it") and t.truncated
    assert not tokenize("it's", max_tokens=2).truncated


def test_hello_is_one_token():
    t = tokenize("hello")
    assert t.words == ("hello",) and t.keys == ("hello",)


def test_the_the_keeps_both_tokens():
    assert tokenize("the the").keys == ("the", "the")


def test_100k_characters_truncated_and_bounded():
    text = "word " * 20_000
    assert len(text) == 100_000
    t = tokenize(text)
    assert t.truncated
    assert len(t) == MAX_TOKENS == 64
    assert set(t.keys) == {"word"}


def test_100k_characters_without_spaces_is_bounded():
    t = tokenize("a" * 100_000)
    assert t.truncated
    assert len(t) <= MAX_TOKENS
    assert sum(len(w) for w in t.words) <= 100_000


def test_max_tokens_argument():
    t = tokenize("a b c d e", max_tokens=3)
    assert t.words == ("a", "b", "c") and t.truncated
    t = tokenize("a b c", max_tokens=3)
    assert t.words == ("a", "b", "c") and not t.truncated
    with pytest.raises(ValueError):
        tokenize("a", max_tokens=0)


def test_cafe_composed_and_decomposed_are_the_same_token(glove):
    composed = "caf\u00e9"
    decomposed = "cafe\u0301"
    assert composed != decomposed
    assert unicodedata.normalize("NFC", decomposed) == composed
    a, b = tokenize(composed), tokenize(decomposed)
    assert a.keys == b.keys == (composed,)
    assert a.words == b.words  # displayed the same way too
    assert tokenize("CAFE\u0301").keys == (composed,)
    la, lb = glove.lookup(a.keys), glove.lookup(b.keys)
    assert la.known.tolist() == lb.known.tolist() == [True]
    assert np.all(np.isfinite(la.vectors))
    np.testing.assert_array_equal(la.vectors, lb.vectors)
    np.testing.assert_array_equal(la.vectors[0], np.asarray(glove.matrix[glove.index[composed]], dtype=np.float64))


def test_script_tag_tokens_are_plain_words():
    t = tokenize("<script>alert(1)</script>")
    assert t.words == ("script", "alert", "1", "script")
    assert not any(c in w for w in t.words for c in "<>/()")


def test_markdown_latex_and_links_tokens_are_plain_words():
    t = tokenize("$5 and $10 :red[x] [a](javascript:alert(1))")
    assert t.words == ("5", "and", "10", "red", "x", "a", "javascript", "alert", "1")
    assert not any(c in w for w in t.words for c in "$:[]()")


def test_non_latin_words_are_tokens():
    assert tokenize("Привет мир 你好").words == ("Привет", "мир", "你好")


# --- GloVe -------------------------------------------------------------------------

def test_load_glove_shape_dtype_readonly_and_cached(glove):
    assert isinstance(glove, Embeddings)
    assert len(glove) == 400_000 and len(glove.words) == 400_000
    assert glove.dim == 50 and glove.matrix.shape == (400_000, 50)
    assert load_glove() is glove
    assert glove.words[0] == "the" and "apple" in glove and "Apple" not in glove
    with pytest.raises(ValueError):
        glove.matrix[0, 0] = 1.0
    assert not glove.matrix.flags.writeable
    lk = glove.lookup(["apple", "the"])
    assert lk.vectors.dtype == np.float64 and lk.vectors.shape == (2, 50)
    assert lk.known.dtype == bool and lk.known.tolist() == [True, True]
    assert np.all(np.isfinite(lk.vectors))
    # the float64 row is exactly the stored float32 row
    np.testing.assert_array_equal(lk.vectors[0], glove.matrix[glove.index["apple"]].astype(np.float64))
    np.testing.assert_array_equal(glove.vector("apple"), lk.vectors[0])
    with pytest.raises(UnknownWordError, match="qwxzvbt"):
        glove.vector("qwxzvbt")


ALL_OOV = "Qwxzvbt blorptangq zzyzxqv qwxzvbt"


@pytest.mark.parametrize("oov", OOV_POLICIES)
def test_all_oov_sentence_flagged_and_finite(glove, oov):
    t = tokenize(ALL_OOV)
    lk = glove.lookup(t.keys, oov=oov)
    assert lk.known.tolist() == [False, False, False, False]
    assert lk.vectors.shape == (4, 50) and lk.vectors.dtype == np.float64
    assert np.all(np.isfinite(lk.vectors))
    with strict():
        tr = self_attention(lk.vectors)
    assert np.all(np.isfinite(tr.attention_weights)) and np.all(np.isfinite(tr.contextual_embeddings))
    assert_close(tr.attention_weights.sum(axis=1), np.ones(4))
    # the same word typed twice ("Qwxzvbt" and "qwxzvbt") gets the same vector under every policy
    np.testing.assert_array_equal(lk.vectors[0], lk.vectors[3])


def test_oov_zero_policy(glove):
    lk = glove.lookup(tokenize(ALL_OOV).keys, oov="zero")
    np.testing.assert_array_equal(lk.vectors, np.zeros((4, 50)))
    with strict():
        tr = self_attention(lk.vectors)
    # zero vectors score 0 everywhere: uniform attention, zero outputs
    np.testing.assert_array_equal(tr.attention_weights, np.full((4, 4), 0.25))
    np.testing.assert_array_equal(tr.contextual_embeddings, np.zeros((4, 50)))


def test_oov_default_policy_is_zero(glove):
    lk = glove.lookup(["qwxzvbt", "apple"])
    assert lk.known.tolist() == [False, True]
    np.testing.assert_array_equal(lk.vectors[0], np.zeros(50))


def test_oov_random_policy_is_deterministic_per_word(glove):
    keys = tokenize(ALL_OOV).keys
    a = glove.lookup(keys, oov="random")
    b = glove.lookup(list(reversed(keys)) + ["apple"], oov="random")  # other order, other sentence
    np.testing.assert_array_equal(a.vectors, b.vectors[3::-1])
    assert b.known.tolist() == [False] * 4 + [True]
    # different words get different vectors
    assert not np.allclose(a.vectors[0], a.vectors[1])
    # scaled to the typical (median) norm of real GloVe rows, computed here independently
    typical = float(np.median(np.linalg.norm(np.asarray(glove.matrix[:20_000], dtype=np.float64), axis=1)))
    assert np.isfinite(typical) and 3.0 < typical < 7.0
    assert_close(np.linalg.norm(a.vectors, axis=1), np.full(4, typical), rtol=1e-12)


def test_oov_mean_policy_is_vocabulary_mean(glove):
    lk = glove.lookup(["qwxzvbt", "blorptangq"], oov="mean")
    expected = glove.matrix.mean(axis=0, dtype=np.float64)
    assert_close(lk.vectors[0], expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(lk.vectors[0], lk.vectors[1])


def test_unknown_oov_policy_is_refused(glove):
    with pytest.raises(ValueError, match="oov"):
        glove.lookup(["apple"], oov="ignore")


# --- seeded random embeddings ----------------------------------------------------------

def test_random_embeddings_same_word_same_vector_any_sentence_any_order():
    emb = random_embeddings(16, seed=3)
    assert isinstance(emb, Embeddings) and emb.dim == 16
    a = emb.lookup(tokenize("I love apple juice").keys)
    b = random_embeddings(16, seed=3).lookup(tokenize("apple phones I love Apple").keys)
    assert a.known.all() and b.known.all()
    assert np.all(np.isfinite(a.vectors)) and np.all(np.isfinite(b.vectors))
    np.testing.assert_array_equal(a.vectors[2], b.vectors[0])  # apple
    np.testing.assert_array_equal(a.vectors[2], b.vectors[4])  # Apple
    np.testing.assert_array_equal(a.vectors[0], b.vectors[2])  # I
    np.testing.assert_array_equal(a.vectors[1], b.vectors[3])  # love
    assert not np.allclose(a.vectors[2], a.vectors[3])  # apple != juice


def test_random_embeddings_seeds_differ_and_are_standard_normal():
    a = random_embeddings(64, seed=0).lookup(["apple"]).vectors
    b = random_embeddings(64, seed=1).lookup(["apple"]).vectors
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(b))
    assert not np.allclose(a, b)
    many = random_embeddings(64, seed=0).lookup([f"w{i}" for i in range(200)]).vectors
    assert many.shape == (200, 64)
    assert abs(many.mean()) < 0.05 and 0.9 < many.std() < 1.1


def test_random_embeddings_bad_dim():
    from attention_core import ShapeError

    with pytest.raises(ShapeError):
        random_embeddings(0, seed=0)


# --- concept axes ---------------------------------------------------------------------

def test_concept_embeddings_are_cosines_with_concept_words(glove):
    emb = concept_embeddings(DEFAULT_CONCEPTS, glove)
    assert emb.dim == len(DEFAULT_CONCEPTS) == 6
    assert emb.concepts == DEFAULT_CONCEPTS
    words = ["apple", "phones", "juice", "qwxzvbt"]
    lk = emb.lookup(words)
    assert lk.vectors.shape == (4, 6) and lk.known.tolist() == [True, True, True, False]
    assert np.all(np.isfinite(lk.vectors))
    assert np.all(lk.vectors >= -1.0 - 1e-12) and np.all(lk.vectors <= 1.0 + 1e-12)
    for i, w in enumerate(words[:3]):
        for j, c in enumerate(DEFAULT_CONCEPTS):
            assert abs(lk.vectors[i, j] - cos(glove.vector(w), glove.vector(c))) < 1e-12
    np.testing.assert_array_equal(lk.vectors[3], np.zeros(6))  # zero vector: cosine 0, not NaN
    # a concept word on its own axis is 1
    self_lk = emb.lookup(["tech", "fruit"])
    assert_close([self_lk.vectors[0, 0], self_lk.vectors[1, 1]], [1.0, 1.0], rtol=1e-12)


def test_concept_embeddings_normalise_and_dedupe_concepts(glove):
    emb = concept_embeddings([" Tech", "tech", "FRUIT", ""], glove)
    assert emb.concepts == ("tech", "fruit") and emb.dim == 2


def test_unknown_concept_word_is_named(glove):
    with pytest.raises(UnknownWordError, match="qwxzvbt"):
        concept_embeddings(["tech", "qwxzvbt"], glove)
    with pytest.raises(UnknownWordError):
        concept_embeddings([" ", ""], glove)


# --- toy vectors ------------------------------------------------------------------------

def test_toy_embeddings_are_the_tutorial_vectors():
    toy = toy_embeddings()
    assert toy.dim == 2
    lk = toy.lookup(["apple", "phones", "love", "juice"])
    np.testing.assert_array_equal(lk.vectors, [[2, 2], [2, 2], [-4, 3], [4, 0]])
    assert set(toy.words) == set(TOY_VECTORS)


def test_toy_embeddings_edited_copy_and_non_finite():
    toy = toy_embeddings({"Apple": (1.0, 0.0, 0.0), "pie": (0.0, 1.0, 0.5)})
    assert toy.dim == 3 and toy.words == ["apple", "pie"]
    with pytest.raises(NonFiniteError):
        toy_embeddings({"apple": (float("nan"), 1.0)})


def test_concept_word_with_zero_vector_is_a_clear_error_not_nan():
    from attention_core import parse_vectors

    table = parse_vectors(b"tech 0 0\nfruit 1 0\napple 1 1\n")
    with strict(), pytest.raises(UnknownWordError, match="tech"):
        concept_embeddings(["tech", "fruit"], table)
    emb = concept_embeddings(["fruit"], table)  # a usable axis still works on a non-GloVe table
    v = emb.lookup(["apple"]).vectors
    assert_close(v, [[1 / np.sqrt(2)]], rtol=1e-15)


# --- hostile input, round two: invisible characters, marks of every script, compatibility forms ----------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from attention_core import clean_text  # noqa: E402
from tests.bad_inputs import INVISIBLE_IN_WORDS, LONE_SURROGATES, ONE_TOKEN_SCRIPTS  # noqa: E402


@pytest.mark.parametrize("text, word, _test", INVISIBLE_IN_WORDS)
def test_invisible_characters_inside_a_word_are_removed(text, word, _test):
    t = tokenize(text)
    assert t.words == (word,) and t.keys == (lookup_key(word),)
    assert lookup_key(text) == lookup_key(word)


@pytest.mark.parametrize("text, word, _test", ONE_TOKEN_SCRIPTS)
def test_combining_marks_of_every_script_stay_with_their_letter(text, word, _test):
    t = tokenize(text)
    assert t.words == (word,), [hex(ord(c)) for w in t.words for c in w]
    assert t.keys == (lookup_key(word),)


def test_full_width_and_compatibility_forms_fold_in_the_key_only(glove):
    t = tokenize("\uff41\uff50\uff50\uff4c\uff45 \uff21\uff30\uff30\uff2c\uff25 \ufb01sh")  # ａｐｐｌｅ ＡＰＰＬＥ ﬁsh
    assert t.words == ("\uff41\uff50\uff50\uff4c\uff45", "\uff21\uff30\uff30\uff2c\uff25", "\ufb01sh")  # as typed
    assert t.keys == ("apple", "apple", "fish")
    lk = glove.lookup(t.keys)
    assert lk.known.all() and np.all(np.isfinite(lk.vectors))
    np.testing.assert_array_equal(lk.vectors[0], glove.vector("apple"))
    assert lookup_key("caf\u00e9") == lookup_key("cafe\u0301") == "caf\u00e9"  # NFKC composes like NFC


@pytest.mark.parametrize("text, expected, _test", LONE_SURROGATES)
def test_lone_surrogates_are_dropped_never_raised(text, expected, _test):
    t = tokenize(text)
    assert t.words == expected
    for s in (*t.words, *t.keys, lookup_key(text), clean_text(text)):
        s.encode("utf-8")  # what crashed the page: must never raise UnicodeEncodeError


def test_only_invisible_characters_is_empty_input():
    for text in ("\u200b\u200c\u200d\u2060\ufeff\u00ad", "\ud800", "\x00\x07", "\u202e\u2066"):
        with pytest.raises(EmptyInputError, match="at least one word"):
            tokenize(text)


def test_clean_text_removes_only_invisible_characters():
    assert clean_text("ap\u00adple\u200b \tjuice\n\u2060x\ud800\udfff\x00\x7f") == "apple \tjuice\nx"
    assert clean_text("caf\u00e9 \uff41 \u0928\u092e\u0938\u094d\u0924\u0947 😀 $5 [a](b)") == (
        "caf\u00e9 \uff41 \u0928\u092e\u0938\u094d\u0924\u0947 😀 $5 [a](b)")  # nothing visible changes
    assert clean_text("") == ""


_HOSTILE_ALPHABET = (
    list("aAsSdtnmlrveé.'’ -!\u0301")
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\x00", "\x1b", "\t", "\n",
       "\ud800", "\udfff", "\u093e", "\u094d", "\u0928", "\u064e", "\u0643", "\u0e31", "\u0e20", "\u20dd",
       "\uff41", "\uff21", "\ufb01", "\u00b2", "n't", "'s", "U.S."]
)
_HOSTILE_TEXT = st.one_of(
    st.lists(st.sampled_from(_HOSTILE_ALPHABET), max_size=30).map("".join),
    st.text(max_size=40),  # anything at all, lone surrogates included
)


@settings(max_examples=400, deadline=None)
@given(_HOSTILE_TEXT)
def test_tokens_are_a_fixed_point_with_invisible_marks_and_surrogates(text):
    """Joining the words with spaces and tokenizing again changes nothing, whatever invisible characters,
    combining marks or surrogates the text had; every word and key is clean and encodable."""
    try:
        tokens = tokenize(text)
    except EmptyInputError:
        return
    again = tokenize(" ".join(tokens.words))
    assert again.words == tokens.words and again.keys == tokens.keys
    for w, k in zip(tokens.words, tokens.keys, strict=True):
        assert clean_text(w) == w and clean_text(k) == k
        w.encode("utf-8"), k.encode("utf-8")
        assert k == lookup_key(w) == lookup_key(k)  # the key is a fixed point of the one key function


def test_concepts_and_toy_words_use_the_one_key_function(glove):
    emb = concept_embeddings(["\uff34\uff45\uff43\uff48", "fr\u00aduit"], glove)  # Ｔｅｃｈ, fr-soft-hyphen-uit
    assert emb.concepts == ("tech", "fruit")
    assert toy_embeddings({"Ap\u200bple": (1.0, 2.0)}).words == ["apple"]


# --- random embeddings and edited toy vectors: arguments and NaN (hostile input, round two) ------------

from attention_core import OutOfRangeError, ShapeError  # noqa: E402
from tests.bad_inputs import BAD_RANDOM_DIMS, BAD_SEEDS, NAN_VECTORS  # noqa: E402


@pytest.mark.parametrize("dim", BAD_RANDOM_DIMS, ids=repr)
def test_random_embeddings_refuse_bad_dims(dim):
    with pytest.raises(ShapeError, match="whole number from 2 to 1,024"):
        random_embeddings(dim, seed=0)
    v = random_embeddings(1024, seed=0).lookup(["apple"]).vectors  # the limit itself is fine
    assert v.shape == (1, 1024) and np.all(np.isfinite(v))


@pytest.mark.parametrize("seed", BAD_SEEDS, ids=repr)
def test_random_embeddings_refuse_bad_seeds(seed):
    with pytest.raises(OutOfRangeError, match="seed must be a whole number from 0 to 4,294,967,295"):
        random_embeddings(8, seed=seed)


@pytest.mark.parametrize("vectors, expected, _test", [r for r in NAN_VECTORS if isinstance(r[0], dict)],
                         ids=lambda v: repr(v)[:40])
def test_edited_toy_vectors_with_nan_or_text_name_the_word(vectors, expected, _test):
    error = ShapeError if expected.startswith("ShapeError") else NonFiniteError
    with pytest.raises(error) as info:
        toy_embeddings(vectors)
    msg = str(info.value)
    assert "'apple'" in msg or ("'pie': 3" in msg and "'apple': 2" in msg), msg
    assert "nan" not in msg.lower().replace("nan or", "")  # the reason in words, not a numpy repr
