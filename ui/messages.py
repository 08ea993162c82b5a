"""Showing messages that may contain user text, safely.

``st.error`` / ``st.warning`` / ``st.info`` render Markdown, which would turn a
typed ``$5 and $10`` into LaTeX, ``:red[x]`` into colour and ``[a](javascript:...)``
into a link. Every message that can carry user text goes through ``escape``:
CommonMark lets any ASCII punctuation be backslash-escaped, so escaping all of
it leaves the words exactly as typed and no syntax at all.
"""

from __future__ import annotations

import re
import string

import streamlit as st

import attention_core as ac
from attention_core.text import MAX_WORD_CHARS

_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")


def escape(text: str) -> str:
    """Backslash-escape every ASCII punctuation character; newlines become spaces."""
    return _PUNCT.sub(r"\\\1", " ".join(str(text).split()))


def error(message: str, where=st) -> None:
    where.error(escape(message), icon=":material/error:")


def warning(message: str, where=st) -> None:
    where.warning(escape(message), icon=":material/warning:")


def info(message: str, where=st) -> None:
    where.info(escape(message), icon=":material/info:")


def sentence_notices(tokens, known, vocabulary: str, oov_label: str, where=st) -> None:
    """What every page says about a sentence it uses: truncation and unknown words."""
    if tokens.truncated and len(tokens) >= ac.MAX_TOKENS:
        warning(f"Only the first {ac.MAX_TOKENS} words are used (the text was longer; a word split in two, such as "
                "don't, counts as two).", where)
    elif tokens.truncated:
        warning(f"A word longer than {MAX_WORD_CHARS} characters was cut to its first {MAX_WORD_CHARS}.", where)
    unknown = [w for w, k in zip(tokens.words, known) if not k]
    if unknown:
        info(f"Not in {vocabulary}: {', '.join(unknown)}. They get the {oov_label}.", where)


def problem(where: str, exc: Exception) -> None:
    """A sentence the core refused: an empty one is a warning (nothing is wrong, there is nothing to
    show yet), anything else an error. Same colour for the same problem on every page."""
    if isinstance(exc, ac.SettingsError):  # about the settings, not the sentence: no "Sentence 1:" in front
        error(str(exc))
    else:
        (warning if isinstance(exc, ac.EmptyInputError) else error)(f"{where}: {exc}")
