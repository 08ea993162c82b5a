"""Turning typed text into tokens.

The rule, pinned by tests:

* invisible characters are removed first (``clean_text``): zero-width spaces and
  joiners (U+200B/C/D, U+2060, U+FEFF), the soft hyphen U+00AD, every other
  format character (Unicode category Cf: bidi controls, tags), control characters
  other than whitespace (Cc), and lone surrogates (which cannot be encoded as
  UTF-8 and crashed the page downstream). They draw nothing, so a word with one
  inside ("ap\u00adple", pasted from a web page) is the word the student sees: "apple";
* the text is then Unicode-normalised to NFC, so "café" typed with a composed
  "é" and "cafe" + a combining accent become the same token;
* a token is a run of letters, digits or underscores plus the combining marks
  of any script (categories Mn, Mc, Me: Devanagari vowel signs and virama, Arabic
  harakat, Thai vowels), so "नमस्ते", "كَتَبَ" and "ภาษาไทย" are one token each,
  optionally joined by an apostrophe ("O'Brien"), or an abbreviation of single
  letters with dots ("U.S.", "a.m.");
* clitics are split off the way GloVe's own text was tokenized, so that each
  part has a vector: "Apple's" -> "Apple" + "'s", "don't" -> "do" + "n't",
  "I'm" -> "I" + "'m" (also 're, 've, 'll, 'd; typographic ’ too, looked up as ');
* everything else (punctuation, symbols, emoji, whitespace) separates tokens and
  is dropped, so "!!! ???" has no words at all;
* ``Tokens.words`` keep the spelling as typed (NFC, for display); ``Tokens.keys``
  are ``lookup_key(word)``: NFKC (full-width "ａｐｐｌｅ" and other compatibility
  forms fold to "apple"), lowercased, because GloVe's vocabulary is lowercase, ’ as ';
* at most ``max_tokens`` tokens are kept, and a token longer than
  ``MAX_WORD_CHARS`` is cut to that length (``truncated`` says when either happened).
  Attention costs O(n_tokens^2) and a screen cannot show a 1000 x 1000 heatmap,
  so the cap keeps time, memory and the page bounded.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from .errors import EmptyInputError

MAX_TOKENS = 64  # a heatmap of 64 x 64 cells is about the most a screen can show
MAX_WORD_CHARS = 40  # longer "words" (a pasted hash, a row of a's) are cut: no label can show them
MAX_CHARS = 200_000  # text beyond this is not scanned (a bound on work for pasted novels)

_CLITICS = r"['\u2019](?:s|m|re|ve|ll|d)|n['\u2019]t"  # 's 'm 're 've 'll 'd n't, with ' or ’
_SURROGATES = "\ud800-\udfff"  # lone surrogates: a str can hold them, UTF-8 cannot encode them
# Planes that can hold marks and format characters: 0 (BMP), 1 (SMP) and 14 (tags, variation
# selectors). Planes 2-3 hold only CJK ideographs (Lo), planes 15-16 private use (Co).
_SCAN_PLANES = (range(0x0000, 0x20000), range(0xE0000, 0xF0000))


def _ranges(codepoints: list[int]) -> str:
    """Code points -> a regex character-class body of ranges ("\\u0300-\\u036f...")."""
    out: list[str] = []
    start = prev = None
    for cp in codepoints:
        if prev is not None and cp == prev + 1:
            prev = cp
            continue
        if start is not None:
            out.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
        start = prev = cp
    if start is not None:
        out.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
    return "".join(out)


@functools.cache
def _patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(invisible, token, clitic-at-end) regexes, built on first use (no work at import time).

    Python's ``\\w`` is letters, digits and ``_`` only: it does not match combining
    marks (Mn, Mc, Me) outside a few cases, so "नमस्ते" would be cut at its virama.
    ``re`` has no ``\\p{M}``, so the mark and format classes are listed from
    ``unicodedata`` once per process (~0.1 s).
    """
    marks: list[int] = []
    invisible: list[int] = []
    for plane in _SCAN_PLANES:
        for cp in plane:
            cat = unicodedata.category(chr(cp))
            if cat in ("Mn", "Mc", "Me"):
                marks.append(cp)
            elif cat == "Cf" or (cat == "Cc" and not chr(cp).isspace()):  # whitespace separates, so it stays
                invisible.append(cp)
    w = r"\w" + _ranges(marks)  # word characters: letters, digits, _ and the combining marks of every script
    invisible_re = re.compile("[" + _ranges(invisible) + _SURROGATES + "]+")
    token_re = re.compile(
        rf"(?:[^\W\d_]\.){{2,}}(?i:{_CLITICS})?(?![{w}])"  # an abbreviation, maybe with a clitic: U.S. / A.I.'s
        rf"|(?<![{w}'\u2019])(?i:{_CLITICS})(?![{w}'\u2019])"  # a clitic typed on its own: Apple 's, IT 'S
        rf"|[{w}]+(?:['\u2019][{w}]+)*"  # a word, maybe with apostrophes: O'Brien, don't
    )
    clitic_re = re.compile(rf"(?i)(.*[{w}.])({_CLITICS})")  # what is left must end a word (or U.S.)
    return invisible_re, token_re, clitic_re


def clean_text(text: str) -> str:
    """``text`` without invisible characters and lone surrogates; everything else unchanged.

    Removed: format characters (Unicode category Cf: zero-width space/joiners
    U+200B/C/D, word joiner U+2060, BOM U+FEFF, soft hyphen U+00AD, bidi controls,
    tags), control characters that are not whitespace (Cc), and lone surrogates
    U+D800-U+DFFF. Whitespace (space, tab, newline) is kept: it separates words.

    Why: none of these draws anything, yet each one splits or changes a word
    ("ap\u00adple" is not "apple" to a dictionary), and a lone surrogate cannot be
    encoded as UTF-8, so it raises ``UnicodeEncodeError`` wherever the text is
    sent to the browser or put into a link. Pages clean values with this before
    they echo them or write them into the URL; ``tokenize`` and ``lookup_key``
    clean their input the same way.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        Always encodable as UTF-8.
    """
    return _patterns()[0].sub("", str(text))


def _split_clitic(word: str) -> tuple[str, ...]:
    """'Apple's' -> ('Apple', "'s"); "I'd've" -> ('I', "'d", "'ve"); "O'Brien" -> ("O'Brien",)."""
    clitic_at_end = _patterns()[2]
    tail: list[str] = []
    while m := clitic_at_end.fullmatch(word):
        word, clitic = m.groups()
        tail.insert(0, clitic)
    return (word, *tail)


@dataclass(frozen=True)
class Tokens:
    """The words of one sentence.

    Attributes
    ----------
    words : tuple of str, (n_tokens,)
        As typed (invisible characters removed, NFC), for display; a clitic split off is its own word ("Apple", "'s").
    keys : tuple of str, (n_tokens,)
        NFKC + lowercase, with ’ as ', used to look words up in an embedding table
        (``lookup_key`` of each word).
    truncated : bool
        True when the text had more than ``max_tokens`` tokens (or more than
        ``MAX_CHARS`` characters) and only the first ones were kept.
    """

    words: tuple[str, ...]
    keys: tuple[str, ...]
    truncated: bool

    def __len__(self) -> int:
        return len(self.words)


def tokenize(text: str, max_tokens: int = MAX_TOKENS) -> Tokens:
    """Split ``text`` into at most ``max_tokens`` word tokens.

    Raises
    ------
    EmptyInputError
        When the text has no letters or digits (empty, only spaces, or only
        punctuation such as "!!! ???").
    """
    if not isinstance(text, str):
        raise EmptyInputError("Enter at least one word.")
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    truncated = len(text) > MAX_CHARS
    text = unicodedata.normalize("NFC", clean_text(text[:MAX_CHARS]))
    words: list[str] = []
    full = False
    for match in _patterns()[1].finditer(text):  # lazy: stops scanning at the cap
        for word in _split_clitic(match.group()):
            if len(words) == max_tokens:
                truncated = full = True
                break
            if len(word) > MAX_WORD_CHARS:
                word, truncated = word[:MAX_WORD_CHARS], True
            words.append(word)
        if full:
            break
    if not words:
        raise EmptyInputError(
            "Enter at least one word: letters or digits (punctuation on its own is ignored)."
        )
    return Tokens(words=tuple(words), keys=tuple(lookup_key(w) for w in words), truncated=truncated)


def lookup_key(word: str) -> str:
    """How a word is looked up: the one key for sentences, targets, concepts and uploads.

    ``clean_text`` (no invisible characters or lone surrogates), then NFKC, then
    lowercase (GloVe's vocabulary is lowercase), with the typographic ’ as '.

    NFKC rather than NFC: compatibility forms are the same word drawn
    differently, so full-width "ａｐｐｌｅ" (typed with an East Asian input method),
    the ligature "ﬁ" or a superscript "²" fold to "apple", "fi", "2" and are
    found. NFKC includes NFC's canonical composition, so "cafe" + U+0301 is "café".
    ``Tokens.words`` keep the NFC form, so the screen shows what was typed.
    """
    return unicodedata.normalize("NFKC", clean_text(word)).lower().replace("\u2019", "'")
