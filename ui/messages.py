"""Showing messages that may contain user text, safely.

``st.error`` / ``st.warning`` / ``st.info`` render Markdown, which would turn a
typed ``$5 and $10`` into LaTeX, ``:red[x]`` into colour and ``[a](javascript:...)``
into a link. Every message that can carry user text goes through ``escape``:
CommonMark lets any ASCII punctuation be backslash-escaped, so escaping all of
it leaves the words exactly as typed and no syntax at all.

Backslashes alone do not stop GFM *autolink literals* (``https://…``, ``www.…``,
``user@host.com``): Streamlit renders Markdown with react-markdown + remark-gfm,
and remark-gfm finds those literals a second time, in a transform over the
parsed text nodes (``mdast-util-gfm-autolink-literal``), after the escapes have
already been removed. So ``escape`` also breaks each trigger with an invisible
U+2060 WORD JOINER (see ``break_autolinks``).
"""

from __future__ import annotations

import re
import string
import unicodedata

import streamlit as st

import attention_core as ac
from attention_core.text import MAX_WORD_CHARS

_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")
WORD_JOINER = "\u2060"  # invisible, zero width, and (unlike U+200B) never a place to break the line
# The triggers remark-gfm's autolink literals need, in its own terms (mdast-util-gfm-autolink-literal:
# /(https?:\/\/|www(?=\.))([-.\w]+).../gi and /([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)/, JavaScript's \w = ASCII):
_AUTOLINK_TRIGGERS = re.compile(
    r"(?i:(?<=https)|(?<=http))(?=:)"  # "http:" / "https:": the protocol must touch its ":"
    r"|(?i:(?<=www))(?=\.)"  # "www.": the www must touch its "."
    r"|(?<=[-.+\w])(?=@)",  # "user@": an address needs a name character right before the "@"
    re.ASCII,
)


def break_autolinks(text: str) -> str:
    """Insert a U+2060 WORD JOINER into every autolink trigger, so no text becomes a link.

    remark-gfm (which Streamlit's Markdown uses) links ``http://`` / ``https://``
    and ``www.`` when they start a word, and ``name@domain.tld`` addresses, even
    when every punctuation character was backslash-escaped: it looks for them
    again in the text after the escapes are resolved. Its patterns need the
    trigger characters to be adjacent, so one invisible character between them
    is enough: ``http⁠://``, ``www⁠.``, ``user⁠@host.com`` match none of them.

    Why U+2060: it draws nothing and does not allow a line break (a zero-width
    space would let a long address wrap at that point), so the text reads and
    wraps exactly as typed; copied, it still reads the same, and the app's own
    ``clean_text`` removes it again if it is pasted back in. Look-alike
    characters (a full-width colon, a different @) would change what is copied.
    """
    return _AUTOLINK_TRIGGERS.sub(WORD_JOINER, text)


def escape(text: str) -> str:
    """``text`` made inert for ``st.error`` / ``st.warning`` / ``st.info`` (Markdown), on one line.

    1. ``clean_text``: invisible characters and lone surrogates removed (a lone
       surrogate cannot be sent to the browser; a bidi override could reorder the message);
    2. whitespace runs, newlines included, become one space (no headings, lists or breaks);
    3. ``break_autolinks``: no ``http://``, ``www.`` or ``user@host`` becomes a link;
    4. every ASCII punctuation character is backslash-escaped (no Markdown, LaTeX,
       colour, emoji shortcode or HTML syntax at all).

    Reversing 4 and 3 (drop the backslash of each escape, then the word joiners)
    gives back the text of step 2, so nothing the student typed is lost.
    """
    return _PUNCT.sub(r"\\\1", break_autolinks(" ".join(ac.clean_text(str(text)).split())))


def shorten(text: str, limit: int = 60) -> str:
    """``text`` on one line, cut to at most ``limit`` characters with "…" at the end when it was longer.

    Echoes user text and says nothing more: callers add "(first N characters)"
    where they want it. Whitespace runs become one space; invisible characters
    and lone surrogates are removed (``clean_text``). The cut never separates a
    letter from its combining marks (it moves left past them), so no accent
    lands on the "…".
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    text = " ".join(ac.clean_text(str(text)).split())
    if len(text) <= limit:
        return text
    cut = limit - 1  # room for the "…"
    while cut > 0 and unicodedata.category(text[cut])[0] == "M":  # text[cut] is the first character dropped
        cut -= 1
    return text[:cut].rstrip() + "…"


def error(message: str, where=st) -> None:
    where.error(escape(message), icon=":material/error:")


def warning(message: str, where=st) -> None:
    where.warning(escape(message), icon=":material/warning:")


def success(message: str, where=st) -> None:
    where.success(escape(message), icon=":material/check_circle:")


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


MAX_MESSAGE_CHARS = 400  # a message is read, not scrolled: longer ones (echoing a pasted text) are cut


# Errors about the vectors or the settings, not about a sentence: said without "Sentence 1:" in front
# (an upload that cannot be read, a concept word GloVe lacks, learned projections on other vectors).
NOT_ABOUT_THE_SENTENCE = (ac.SettingsError, ac.VectorFileError, ac.UnknownWordError)


def problem(where: str, exc: Exception) -> None:
    """A sentence the core refused: an empty one is a warning (nothing is wrong, there is nothing to
    show yet), anything else an error. Same colour for the same problem on every page.

    ``where`` ("Sentence 1") is put in front only of problems with the sentence itself: an unreadable
    upload or an unknown concept word is the same on every sentence, so no sentence is blamed."""
    text = shorten(str(exc), MAX_MESSAGE_CHARS)
    if isinstance(exc, ac.WaitingForInputError):  # not a mistake: the page waits for a file
        info(text)
    elif isinstance(exc, NOT_ABOUT_THE_SENTENCE):
        error(text)
    else:
        (warning if isinstance(exc, ac.EmptyInputError) else error)(f"{where}: {text}")


def quoted(text: str, limit: int = 40) -> str:
    """User text for a message: shortened, in quotes ("'apple'"; "'I love…'" when it was longer)."""
    return f"'{shorten(text, limit)}'"


def target_words(target: str) -> list[str]:
    """The target's words as the tokenizer reads them ([] when it has none)."""
    try:
        return list(ac.tokenize(target).words)
    except ac.EmptyInputError:
        return []


NO_TARGET = "No target word: type one in the sidebar (Target word) to follow it on every page."


def target_missing(target: str, where: str, then: str = "") -> str:
    """What to say when the target is not found in ``where`` ("this sentence", "either sentence", ...);
    ``then`` continues the sentence (": showing the first word's row"). An empty target gets ``NO_TARGET``."""
    words = target_words(target)
    if not words:
        return NO_TARGET
    if len(words) > 1:
        return (f"The target word {quoted(words[0])} (the first word of the target {quoted(target)}) is not in "
                f"{where}{then}.")
    return f"The target word {quoted(target)} is not in {where}{then}."


def target_note(target: str) -> str | None:
    """What is followed when the target has more than one word (None when it has one, or none)."""
    words = target_words(target)
    if len(words) > 1:
        return f"Following {quoted(words[0])}, the first word of the target."
    return None
