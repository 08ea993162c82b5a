"""ui.messages: what a message does with user text (no Markdown, no autolink, one line), ``shorten``,
``attention_core.format_number``, and the bad-input list itself (tests/bad_inputs.py).

The autolink check mirrors remark-gfm's own rules (mdast-util-gfm-autolink-literal, the transform that
Streamlit's react-markdown + remark-gfm run over text nodes after backslash escapes are resolved):

    url:   /(https?:\\/\\/|www(?=\\.))([-.\\w]+)([^ \\t\\r\\n]*)/gi   previous char: start, whitespace or punctuation;
           the last two domain labels have no "_" and at least one letter or digit
    email: /([-.\\w+]+)@([-\\w]+(?:\\.[-\\w]+)+)/g               previous char as above but not "/";
           the label does not end in "-", a digit or "_"

JavaScript's ``\\w`` is ASCII, hence ``re.ASCII``. A rejected match is retried one character later, as
``mdast-util-find-and-replace`` does.
"""

from __future__ import annotations

import importlib
import re
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core import clean_text, format_number
from attention_core.numbers import MAX_NUMBER_CHARS
from tests import bad_inputs
from tests.bad_inputs import AUTOLINK_TRIGGERS, HOSTILE_MESSAGES, NUMBERS, SHORTEN
from ui.messages import WORD_JOINER, escape, shorten

# --- a mirror of remark-gfm's autolink literal rules -------------------------------------------------

_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.I | re.ASCII)
_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", re.ASCII)


def _previous_ok(text: str, index: int, email: bool = False) -> bool:
    if index == 0:
        return True
    c = text[index - 1]
    ok = c.isspace() or unicodedata.category(c)[0] in "PS"
    return ok and not (email and c == "/")


def _correct_domain(domain: str) -> bool:
    parts = domain.split(".")
    if len(parts) < 2:
        return False
    return all(not p or ("_" not in p and re.search(r"[a-zA-Z\d]", p)) for p in parts[-2:])


def _find_all(pattern, text, accept):
    found, pos = [], 0
    while (m := pattern.search(text, pos)) is not None:
        if accept(m):
            found.append(m.group(0))
            pos = m.end()
        else:
            pos = m.start() + 1
    return found


def gfm_autolinks(text: str) -> list[str]:
    """The literal autolinks remark-gfm would make in a text node holding ``text``."""
    def url_ok(m):
        protocol, domain = m.group(1), m.group(2)
        if not _previous_ok(text, m.start()):
            return False
        if protocol.lower().startswith("w"):
            domain = protocol + domain
        return _correct_domain(domain)

    def email_ok(m):
        return _previous_ok(text, m.start(), email=True) and not re.search(r"[-\d_]$", m.group(2))

    return _find_all(_URL, text, url_ok) + _find_all(_EMAIL, text, email_ok)


def unescape(markdown: str) -> str:
    """What CommonMark makes of backslash escapes: the text node a renderer sees."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def test_the_mirror_finds_the_links_remark_gfm_makes():
    assert gfm_autolinks("Read https://127.0.0.1:9/phish first") == ["https://127.0.0.1:9/phish"]
    assert gfm_autolinks("see www.example.com.") == ["www.example.com."]  # trailing "." trimmed by remark only
    assert gfm_autolinks("mail user@host.com") == ["user@host.com"]
    assert gfm_autolinks("(www.a.b) *http://x.y*") == ["www.a.b)", "http://x.y*"]
    assert gfm_autolinks("xwww.a.b a/b@c.de http://x_y.z_ plain text") == []


# --- escape -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, _must, _test", AUTOLINK_TRIGGERS, ids=lambda v: str(v)[:30])
def test_escape_leaves_no_autolink(text, _must, _test):
    assert gfm_autolinks(" ".join(text.split())), "the row's raw text must be a link, or it tests nothing"
    out = escape(text)
    assert gfm_autolinks(unescape(out)) == [], out  # what remark-gfm's transform sees
    assert gfm_autolinks(out) == []  # and the raw Markdown
    assert unescape(out).replace(WORD_JOINER, "") == " ".join(text.split())  # nothing else changed


def test_backslashes_alone_did_not_stop_autolinks():
    """Why break_autolinks exists: the old escape (punctuation only) left every trigger a link."""
    old = re.sub("([" + re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + "])", r"\\\1", "Read https://x.io now")
    assert gfm_autolinks(unescape(old)) == ["https://x.io"]


@pytest.mark.parametrize("text, must, _test", HOSTILE_MESSAGES, ids=lambda v: str(v)[:30])
def test_escape_hostile_messages(text, must, _test):
    out = escape(text)
    assert "\n" not in out and "\r" not in out
    assert gfm_autolinks(unescape(out)) == []
    # every ASCII punctuation character is escaped: no Markdown / LaTeX / HTML syntax survives
    bare = re.sub(r"\\[!-/:-@\[-`{-~]", "", out)
    assert not re.search(r"[!-/:-@\[-`{-~]", bare), out
    expected = " ".join(clean_text(text).split())
    assert unescape(out).replace(WORD_JOINER, "") == expected
    out.encode("utf-8")  # a lone surrogate never reaches the browser


_MESSAGE_TEXT = st.one_of(
    st.lists(st.sampled_from(["http", "https", "HTTP", "://", "www", "WWW", ".", "@", "user", "a.b", "com",
                              "/", "\\", "$", "[", "]", "(", ")", ":", " ", "\n", "_", "*", "x", "é",
                              "\u2060", "\ud800", "\u200b"]), max_size=25).map("".join),
    st.text(max_size=60),
)


@settings(max_examples=500, deadline=None)
@given(_MESSAGE_TEXT)
def test_escape_never_links_and_loses_nothing(text):
    out = escape(text)
    out.encode("utf-8")
    assert "\n" not in out
    assert gfm_autolinks(unescape(out)) == [] and gfm_autolinks(out) == []
    assert unescape(out).replace(WORD_JOINER, "") == " ".join(clean_text(text).split()).replace(WORD_JOINER, "")


# --- shorten ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, limit, expected, _test", SHORTEN, ids=lambda v: str(v)[:30])
def test_shorten(text, limit, expected, _test):
    out = shorten(text, limit)
    assert out == expected and len(out) <= limit


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.integers(1, 80))
def test_shorten_is_bounded_and_a_prefix(text, limit):
    out = shorten(text, limit)
    one_line = " ".join(clean_text(text).split())
    assert len(out) <= limit and "\n" not in out
    if out.endswith("…") and len(one_line) > limit:
        assert one_line.startswith(out[:-1])
    else:
        assert out == one_line


def test_shorten_refuses_a_limit_below_1():
    with pytest.raises(ValueError):
        shorten("abc", 0)


# --- format_number ------------------------------------------------------------------------------------

@pytest.mark.parametrize("x, expected, _test", NUMBERS, ids=lambda v: repr(v)[:20])
def test_format_number_examples(x, expected, _test):
    assert format_number(x) == expected
    if np.isfinite(x):
        assert np.isfinite(float(expected)) and format_number(np.float64(x)) == expected  # numpy scalars too


@settings(max_examples=1000, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(1, 6))
def test_format_number_is_bounded_and_close_for_any_finite_float(x, digits):
    out = format_number(x, digits)
    assert len(out) <= MAX_NUMBER_CHARS, out
    assert "nan" not in out.lower() and "inf" not in out.lower()
    back = float(out)
    assert np.isfinite(back)
    if x == 0:
        assert out == "0"
    else:
        # at least min(digits, 3) significant digits survive (the width may cost one), whole numbers stay
        # whole; within one unit of the last digit (near float64's max the digits are cut, not rounded)
        tolerance = 1.01 * 10.0 ** (1 - min(digits, 3)) * abs(x)
        assert abs(back - x) <= tolerance or (1e-4 <= abs(x) < 1e6 and abs(back - x) <= 0.5), (x, out)


# --- the list of bad inputs -----------------------------------------------------------------------------

def test_every_bad_input_row_names_a_real_test():
    assert len(bad_inputs.ALL) >= 80
    for row in bad_inputs.ALL:
        assert len(row) == 3, row
        _input, must, test = row
        assert must, row
        path, name = test.split("::")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert callable(getattr(module, name, None)), test
