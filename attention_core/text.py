"""Turning typed text into tokens.

The rule, pinned by tests:

* the text is Unicode-normalised to NFC first, so "café" typed with a composed
  "é" and "cafe" + a combining accent become the same token;
* a token is a run of letters, digits or underscores (plus combining marks),
  optionally joined by an apostrophe ("O'Brien"), or an abbreviation of single
  letters with dots ("U.S.", "a.m.");
* clitics are split off the way GloVe's own text was tokenized, so that each
  part has a vector: "Apple's" -> "Apple" + "'s", "don't" -> "do" + "n't",
  "I'm" -> "I" + "'m" (also 're, 've, 'll, 'd; typographic ’ too, looked up as ');
* everything else (punctuation, symbols, emoji, whitespace) separates tokens and
  is dropped, so "!!! ???" has no words at all;
* ``Tokens.words`` keep the spelling as typed (for display); ``Tokens.keys`` are
  ``lookup_key(word)``: lowercased, because GloVe's vocabulary is lowercase, ’ as ';
* at most ``max_tokens`` tokens are kept, and a token longer than
  ``MAX_WORD_CHARS`` is cut to that length (``truncated`` says when either happened).
  Attention costs O(n_tokens^2) and a screen cannot show a 1000 x 1000 heatmap,
  so the cap keeps time, memory and the page bounded.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import EmptyInputError

MAX_TOKENS = 64  # a heatmap of 64 x 64 cells is about the most a screen can show
MAX_WORD_CHARS = 40  # longer "words" (a pasted hash, a row of a's) are cut: no label can show them
MAX_CHARS = 200_000  # text beyond this is not scanned (a bound on work for pasted novels)

_W = r"\w\u0300-\u036f"  # word characters: letters, digits, _ and combining accents
_CLITICS = r"['\u2019](?:s|m|re|ve|ll|d)|n['\u2019]t"  # 's 'm 're 've 'll 'd n't, with ' or ’
_TOKEN = re.compile(
    rf"(?:[^\W\d_]\.){{2,}}(?i:{_CLITICS})?(?![{_W}])"  # an abbreviation, maybe with a clitic: U.S. / A.I.'s
    rf"|(?<![{_W}'\u2019])(?i:{_CLITICS})(?![{_W}'\u2019])"  # a clitic typed on its own: Apple 's, IT 'S
    rf"|[{_W}]+(?:['\u2019][{_W}]+)*"  # a word, maybe with apostrophes: O'Brien, don't
)
_CLITIC_AT_END = re.compile(rf"(?i)(.*[{_W}.])({_CLITICS})")  # what is left must end a word (or U.S.)


def _split_clitic(word: str) -> tuple[str, ...]:
    """'Apple's' -> ('Apple', "'s"); "I'd've" -> ('I', "'d", "'ve"); "O'Brien" -> ("O'Brien",)."""
    tail: list[str] = []
    while m := _CLITIC_AT_END.fullmatch(word):
        word, clitic = m.groups()
        tail.insert(0, clitic)
    return (word, *tail)


@dataclass(frozen=True)
class Tokens:
    """The words of one sentence.

    Attributes
    ----------
    words : tuple of str, (n_tokens,)
        As typed (NFC), for display; a clitic split off is its own word ("Apple", "'s").
    keys : tuple of str, (n_tokens,)
        NFC + lowercase, with ’ as ', used to look words up in an embedding table
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
    text = unicodedata.normalize("NFC", text[:MAX_CHARS])
    words: list[str] = []
    full = False
    for match in _TOKEN.finditer(text):  # lazy: stops scanning at the cap
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
    """How a word is looked up: NFC, lowercase (GloVe's vocabulary is lowercase), ’ as '."""
    return unicodedata.normalize("NFC", word).lower().replace("\u2019", "'")
