"""Browser tests: a real `streamlit run app.py` driven by Debian's Chromium through Playwright.

What a student does, end to end: open every page of the navigation, type a
sentence, flip a switch, share a link, type (or link) hostile text, upload
vector files. Every test also checks (``lab.assert_clean()``) that the page
asked nothing of any host but 127.0.0.1, opened no dialog and shows no
exception box.

Run: ``ATTENTION_LAB_REQUIRE_BROWSER=1 python -m pytest tests/test_browser.py -m browser``.
Screenshots: artifacts/screenshots/ (FAILED-<test>.png for failures); server log:
artifacts/streamlit-server.log. Fixtures: tests/conftest.py (browser block).
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest

from tests import browser_support as bs

pytestmark = pytest.mark.browser

S1 = bs.FIRST_SIDEBAR_LABEL  # "Sentence 1"
S2_WORD = "juice"  # the default sentence 2 is "I love apple juice": its charts carry this word
CHART_TIMEOUT = 20_000


# --- helpers ---------------------------------------------------------------------------


def query(lab) -> dict[str, list[str]]:
    return parse_qs(urlsplit(lab.page.url).query, keep_blank_values=True)


def wait_for_chart(lab, timeout: float = CHART_TIMEOUT) -> None:
    """At least one Vega-Lite chart is drawn and visible."""
    bs.wait_until(lab.page, lambda: bs.visible_charts(lab.page) > 0, timeout=timeout, message="a visible chart")


def wait_for_chart_text(lab, predicate, message: str, timeout: float = CHART_TIMEOUT) -> list[str]:
    return bs.wait_until(lab.page, lambda: (t := bs.chart_texts(lab.page)) and predicate(t) and t,
                         timeout=timeout, message=message)


def has_word(texts: list[str], word: str) -> bool:
    """A text mark equal to ``word`` (or ``word ?`` for an unknown word), or an aria-label naming it."""
    label = re.compile(rf"(?:^|; )(?:text|word): {re.escape(word)}(?: \?)?(?:;|$)")
    return any(t == word or t == f"{word} ?" or label.search(t) for t in texts)


def sidebar_state(lab) -> dict[str, object]:
    """What the sidebar widgets show: input values by label, checked radio option, switch states."""
    return lab.page.evaluate(
        """() => {
            const side = document.querySelector("[data-testid='stSidebar']");
            const out = {};
            const labelOf = el => el.getAttribute('aria-label')
                || (el.labels && el.labels[0] ? el.labels[0].innerText.trim() : el.id);
            for (const el of side.querySelectorAll('input')) {
                if (el.type === 'file' || el.type === 'radio') continue;
                out[labelOf(el)] = (el.type === 'checkbox') ? el.checked : el.value;
            }
            for (const group of side.querySelectorAll("[role='radiogroup']")) {
                const checked = [...group.querySelectorAll("[data-testid='stRadioOption']")]
                    .filter(o => o.querySelector('input:checked'))
                    .map(o => o.querySelector("[data-testid='stMarkdownContainer']").innerText.trim());
                out['radio: ' + group.getAttribute('aria-label')] = checked.join('|');
            }
            return out;
        }"""
    )


def choose_option(lab, select_label: str, option: re.Pattern) -> None:
    """Open the sidebar selectbox ``select_label`` and click the option matching ``option``."""
    lab.sidebar.get_by_role("combobox", name=select_label).click()
    choice = lab.page.get_by_role("option", name=option)
    bs.wait_rerun(lab.page, lambda: choice.first.click())


def alert_box(lab, text):
    """The first st.error / st.warning / st.info box containing ``text`` (a string or a regex)."""
    return lab.page.locator("[data-testid='stAlertContainer']").filter(has_text=text).first


def radio_option(lab, group_label: str, option: re.Pattern):
    group = lab.sidebar.locator("[data-testid='stRadio']").filter(has_text=group_label)
    return group.locator("[data-testid='stRadioOption']").filter(has_text=option).first


# --- 1. every page of the navigation -----------------------------------------------------


def test_every_page_in_the_navigation_opens_with_a_chart(lab):
    lab.goto("/")
    pages = bs.nav_pages(lab.page, lab.server.url)
    titles = [t for t, _ in pages]
    assert "Sentence Lab" in titles, f"navigation lists {titles}"
    assert len(set(titles)) == len(titles), f"duplicate page titles in the navigation: {titles}"

    problems = []
    for title, url in pages:
        links = lab.page.locator(f"{bs.NAV_LINK_SELECTOR}[href='{url}']")
        if links.count():
            bs.wait_rerun(lab.page, links.first.click, timeout=60_000, expect_rerun=False)
        else:  # single-page app: no navigation to click
            lab.goto(urlsplit(url).path or "/")
        slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
        try:
            assert urlsplit(lab.page.url).path == urlsplit(url).path, f"landed on {lab.page.url}, not {url}"
            excs = bs.exception_texts(lab.page)
            assert not excs, f"exception: {excs[0][:500]}"
            if title == "Guided lesson":  # predict first: its chart comes with the answer (test_browser_classroom)
                lab.page.get_by_role("button", name="Lock in my guess").wait_for(state="visible", timeout=30_000)
            else:
                wait_for_chart(lab)
            assert not bs.exception_texts(lab.page), f"exception: {bs.exception_texts(lab.page)[0][:500]}"
            assert lab.sidebar.get_by_label(S1, exact=True).is_visible(), "the shared sidebar is missing"
        except AssertionError as exc:
            problems.append(f"{title} ({url}): {exc}")
        finally:
            bs.screenshot(lab.page, f"page_{slug}")
    assert not problems, "pages that failed:\n" + "\n".join(problems)
    lab.assert_clean()


def test_default_sentence_lab_screenshot_for_the_readme(lab):
    lab.goto("/")
    expected = lab.page.locator("[data-testid='stVegaLiteChart']")
    bs.wait_until(lab.page, lambda: expected.count() > 0 and bs.visible_charts(lab.page) == expected.count(),
                  message="every chart drawn")
    path = bs.screenshot(lab.page, "sentence_lab", width=1600)
    assert path.stat().st_size > 10_000
    lab.assert_clean()


@pytest.mark.parametrize("tab", ["Map", "Meaning"])
def test_sentence_lab_tabs_open_from_a_link_with_learned_projections(lab, tab):
    """The open tab is part of the shareable link; each tab draws its charts (screenshots for the README)."""
    lab.goto(f"/?projections=learned&tab={tab}")
    expected = lab.page.locator("[data-testid='stVegaLiteChart']")
    bs.wait_until(lab.page, lambda: expected.count() > 0 and bs.visible_charts(lab.page) == expected.count(),
                  message="every chart drawn")
    selected = lab.page.locator("[role='tab'][aria-selected='true']")
    assert selected.count() == 1 and selected.first.inner_text().strip() == tab
    path = bs.screenshot(lab.page, f"sentence_lab_{tab.lower()}", width=1600)
    assert path.stat().st_size > 10_000
    lab.assert_clean()


# --- 2. typing a sentence ------------------------------------------------------------------


def test_typing_sentence_1_redraws_the_charts_and_updates_the_url(lab):
    lab.goto("/")
    wait_for_chart_text(lab, lambda t: has_word(t, "phones"), "the default sentence's chips")

    new = "my dog chases the cat"
    lab.set_text(S1, new)

    texts = wait_for_chart_text(
        lab, lambda t: has_word(t, "dog") and has_word(t, "chases") and not has_word(t, "phones"),
        "charts showing the new sentence instead of the old one")
    assert bs.svg_chart_text_groups(lab.page)[0] == new.split(), "sentence 1's chips, in order"
    assert has_word(texts, S2_WORD), "sentence 2 should still be drawn"
    assert query(lab).get("s1") == [new], f"URL does not carry the sentence: {lab.page.url}"
    assert lab.text_input(S1).input_value() == new
    bs.screenshot(lab.page, "typed_sentence")
    lab.assert_clean()


# --- 3. the scaling switch -------------------------------------------------------------------


def test_scale_switch_off_is_in_the_url_and_the_page_still_draws(lab):
    lab.goto("/")
    switch = lab.sidebar.get_by_role("switch", name=re.compile(r"^Scale scores"))
    assert switch.is_checked()

    bs.wait_rerun(lab.page, lambda: lab.sidebar.get_by_text(re.compile(r"^Scale scores by")).click())

    assert not switch.is_checked()
    assert query(lab).get("scale") == ["false"], f"URL: {lab.page.url}"
    wait_for_chart(lab)
    bs.screenshot(lab.page, "scale_off")
    lab.assert_clean()


# --- 4. a shareable link ---------------------------------------------------------------------


def test_shareable_link_reopens_the_same_settings(lab, lab_browser, lab_server):
    lab.goto("/")
    lab.set_text(S1, "the bank of the river")
    lab.set_text("Target word (followed on every page)", "bank")
    bs.wait_rerun(lab.page, lambda: radio_option(lab, "Projections", re.compile(r"^\s*random", re.I)).click())
    lab.set_text("d_k", "8")
    wait_for_chart(lab)

    q = query(lab)
    assert q.get("s1") == ["the bank of the river"] and q.get("target") == ["bank"], lab.page.url
    assert q.get("d_k") == ["8"] and "projections" in q, lab.page.url
    here = sidebar_state(lab)
    assert here["radio: Projections W_Q, W_K, W_V"].lower().startswith("random"), here
    assert here["d_k"] == "8", here
    lab.assert_clean()

    link = lab.page.url
    other = bs.LabPage.open(lab_browser, lab_server)  # a fresh context: no cookies, no session
    try:
        other.page.goto(link, wait_until="domcontentloaded", timeout=60_000)
        bs.wait_idle(other.page, timeout=60_000)
        wait_for_chart(other)
        there = sidebar_state(other)
        for key in ("Sentence 1", "Target word (followed on every page)", "d_k",
                    "radio: Projections W_Q, W_K, W_V", "Scale scores by 1/√d_k", "Word vectors"):
            assert there.get(key) == here.get(key), f"{key}: {there.get(key)!r} != {here.get(key)!r}"
        assert there == here, "every sidebar widget should show the same value from the link"
        assert has_word(bs.chart_texts(other.page), "river")
        bs.screenshot(other.page, "shared_link")
        other.assert_clean()
    finally:
        other.close()


# --- 5. bad sentences, typed and linked ---------------------------------------------------------

SENTENCE_MAX_CHARS = 500  # the controls table's max_chars of s1 and s2
LONG = ("the cat sat on the mat " * 5000)[:100_000]  # 100,000 characters, far over the 64-word cap
MARKDOWN = "$5 and $10 :red[x] [a](javascript:alert(1))"
SCRIPT = "<script>alert(1)</script>"


@dataclass(frozen=True)
class Bad:
    id: str
    text: str
    message: str | None = None  # text that must be visible in an alert box (case-insensitive)
    chip: str | None = None  # a word sentence 1's charts must show


BAD = [
    Bad("empty", "", message="at least one word"),
    Bad("whitespace", "   \t\n", message="at least one word"),
    Bad("punctuation", "!!! ???", message="at least one word"),
    Bad("one-word", "hello", chip="hello"),
    Bad("identical-rows", "the the", chip="the"),
    Bad("100k-chars", LONG, message="Only the first 64 words", chip="cat"),
    Bad("cafe-composed", "caf\u00e9", chip="caf\u00e9"),
    Bad("cafe-decomposed", "cafe\u0301", chip="caf\u00e9"),  # NFC: the same token as composed
    Bad("script-tag", SCRIPT, chip="script"),
    Bad("markdown-latex-link", MARKDOWN, chip="javascript"),
    Bad("all-out-of-vocabulary", "qzxv blorptak", message="Not in", chip="qzxv"),
]

SCREENSHOT_BAD = {"empty", "100k-chars", "script-tag", "markdown-latex-link", "all-out-of-vocabulary"}

INJECTION_CHECKS_JS = """() => ({
    scripts: [...document.querySelectorAll('script')].map(s => s.textContent).filter(t => t.includes('alert(')),
    scriptsInApp: document.querySelectorAll("[data-testid='stApp'] script").length,
    jsLinks: [...document.querySelectorAll('[href]')].map(e => e.getAttribute('href'))
        .filter(h => h.trim().toLowerCase().startsWith('javascript:')),
    katex: document.querySelectorAll('.katex, .katex-display, math').length,
    coloured: [...document.querySelectorAll("[data-testid='stMarkdownContainer'] span")]
        .filter(s => s.textContent.trim() === 'x' && (s.style.color || /color/i.test(s.className))).length,
    markdown: [...document.querySelectorAll("[data-testid='stMarkdownContainer']")].map(e => e.innerText),
})"""


def paste(text: str, limit: int = SENTENCE_MAX_CHARS) -> str:
    """What a paste of ``text`` leaves in a box of ``limit`` characters. The browser's own maxlength cuts a
    real paste; Playwright's fill() bypasses it and Streamlit then ignores the whole over-long value."""
    return text[:limit]


def link_for(text: str) -> str:
    """?s1=... for ``text``: percent-encoded (spaces %20, tab %09, newline %0A).

    The 100,000-character sentence is encoded with '+' for spaces instead: with
    %20 the request line (~140 kB) is over the HTTP server's limit and the
    server answers 400 before the app runs. Even at ~100 kB, Streamlit's server
    (uvicorn + h11) accepts it only as the first request of a connection; on a
    reused keep-alive connection it answers 400 ("Invalid HTTP request received."
    in the server log). So a 100 kB link is opened only in a fresh context.
    """
    encoded = quote_plus(text) if len(text) > 20_000 else quote(text, safe="")
    return "/?s1=" + encoded


@pytest.mark.parametrize("how", ["typed", "url"])
@pytest.mark.parametrize("bad", BAD, ids=[b.id for b in BAD])
def test_bad_sentence_end_to_end(lab, bad: Bad, how: str):
    if how == "url":
        lab.goto(link_for(bad.text))
    else:
        lab.goto("/")
        lab.set_text(S1, paste(bad.text))
    page = lab.page

    # an <input> cannot hold line breaks: the browser drops them from what it shows; the box holds 500 characters
    shown = bad.text.replace("\r", "").replace("\n", "")[:SENTENCE_MAX_CHARS]
    assert lab.text_input(S1).input_value() == shown
    if how == "typed":
        assert query(lab).get("s1") == [shown], "the URL should carry the typed sentence"

    # the page keeps working: sidebar, and sentence 2's charts
    assert lab.sidebar.get_by_role("heading", name="Sentences").is_visible()
    texts = wait_for_chart_text(lab, lambda t: has_word(t, S2_WORD), "sentence 2's charts")
    if bad.chip:
        texts = wait_for_chart_text(lab, lambda t: has_word(t, bad.chip), f"sentence 1's chip {bad.chip!r}")
    if bad.id == "cafe-decomposed":
        assert not has_word(texts, unicodedata.normalize("NFD", "café")), "the decomposed form must become NFC"
    if bad.id in ("one-word", "identical-rows"):  # (the weights themselves: core and AppTest tests)
        assert bs.svg_chart_text_groups(page)[0] == bad.text.split(), "sentence 1's chips"
    if bad.message:
        alerts = bs.alert_texts(page)
        assert any(bad.message.lower() in a.lower() for a in alerts), f"no {bad.message!r} message in {alerts}"
        assert alert_box(lab, re.compile(re.escape(bad.message), re.I)).is_visible()
    if bad.id == "all-out-of-vocabulary":
        assert any("qzxv" in a and "blorptak" in a for a in bs.alert_texts(page)), "each unknown word is named"

    # user text never becomes HTML, script, a link, LaTeX or colour
    found = page.evaluate(INJECTION_CHECKS_JS)
    assert not found["scripts"] and found["scriptsInApp"] == 0, f"script injected: {found['scripts']}"
    assert not found["jsLinks"], f"javascript: link on the page: {found['jsLinks']}"
    assert not lab.dialogs
    if bad.text in (MARKDOWN, SCRIPT):
        assert found["katex"] == 0, "user text was rendered as LaTeX"
        assert found["coloured"] == 0, "user text was rendered as coloured Markdown"
        for md in found["markdown"]:  # any message quoting the text quotes it literally
            if "alert" in md and ("javascript" in md or "script" in md):
                assert bad.text in md, f"user text was altered in a message: {md!r}"
    if bad.text == MARKDOWN:
        assert "$5 and $10" in lab.text_input(S1).input_value()  # shown literally, as typed
    if how == "typed" and bad.id in SCREENSHOT_BAD:
        bs.screenshot(page, f"bad_{bad.id}")
    lab.assert_clean()


def page_paths(lab) -> list[tuple[str, str]]:
    """(title, path) of every page in the navigation (discovered, not hard-coded)."""
    lab.goto("/")
    return [(title, urlsplit(url).path or "/") for title, url in bs.nav_pages(lab.page, lab.server.url)]


def settle_page(lab) -> list[str]:
    """Wait until the run is over and every chart on the page is drawn; return the charts' texts."""
    charts = lab.page.locator("[data-testid='stVegaLiteChart']")
    bs.wait_until(lab.page, lambda: bs.visible_charts(lab.page) >= charts.count(), message="every chart drawn")
    return bs.chart_texts(lab.page)


HOSTILE = SCRIPT + " " + MARKDOWN


def test_every_page_survives_a_hostile_sentence_link(lab):
    """Every page (pages added later included) opened with a hostile ?s1=: no exception, nothing executed,
    rendered as HTML/Markdown/LaTeX, or turned into a link."""
    problems = []
    for title, path in page_paths(lab):
        lab.goto(path + link_for(HOSTILE)[1:])
        settle_page(lab)
        found = lab.page.evaluate(INJECTION_CHECKS_JS)
        checks = {
            "exception": bs.exception_texts(lab.page),
            "script": found["scripts"] or found["scriptsInApp"],
            "javascript: link": found["jsLinks"],
            "LaTeX": found["katex"],
            "coloured text": found["coloured"],
            "dialog": lab.dialogs,
            "no sidebar": not lab.text_input(S1).is_visible(),
            "altered in a message": [m for m in found["markdown"] if "alert" in m and HOSTILE not in m],
        }
        problems += [f"{title}: {what}: {str(v)[:300]}" for what, v in checks.items() if v]
    assert not problems, "\n".join(problems)
    lab.assert_clean()


def test_every_page_using_sentence_1_flags_unknown_and_truncated_words(lab):
    """A page uses sentence 1 if it answers ?s1= (empty) with 'at least one word'; such a page must also say
    which words are unknown and that a long sentence was cut, as the Sentence Lab does."""
    oov, long = "qzxv blorptak", "the cat sat on the mat " * 40  # 240 words (a 100 kB link: see link_for)
    truncated = re.compile(r"first 64|64 words|truncat", re.I)
    used_by, missing = [], []
    for title, path in page_paths(lab):
        lab.goto(path + "?s1=")
        settle_page(lab)
        assert not bs.exception_texts(lab.page), f"{title}: {bs.exception_texts(lab.page)}"
        if not any("at least one word" in a.lower() for a in bs.alert_texts(lab.page)):
            continue  # this page does not use sentence 1
        used_by.append(title)
        slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")

        lab.goto(path + link_for(oov)[1:])
        texts = settle_page(lab)
        if not (any("qzxv" in a for a in bs.alert_texts(lab.page)) or "qzxv ?" in texts):
            missing.append(f"{title}: unknown words not flagged")
            bs.screenshot(lab.page, f"missing_notice_unknown_{slug}")

        lab.goto(path + link_for(long)[1:])
        settle_page(lab)
        if not any(truncated.search(a) for a in bs.alert_texts(lab.page)):
            missing.append(f"{title}: no truncation notice")
            bs.screenshot(lab.page, f"missing_notice_truncated_{slug}")
    assert "Sentence Lab" in used_by, f"the Sentence Lab should use sentence 1 (found: {used_by})"
    assert not missing, f"pages using sentence 1: {used_by}; missing notices:\n" + "\n".join(missing)
    lab.assert_clean()


@pytest.mark.parametrize(
    "bad_query, valid_query",
    [("?d_k=-3&projections=random", "?projections=random"), ("?embeddings=nope", "")],
    ids=["d_k=-3", "embeddings=nope"],
)
def test_invalid_link_settings_fall_back_to_defaults(lab, bad_query, valid_query):
    lab.goto("/" + valid_query)
    wait_for_chart(lab)
    expected = sidebar_state(lab)

    lab.goto("/" + bad_query)
    wait_for_chart(lab)
    assert sidebar_state(lab) == expected, "the widgets should show the defaults, as without the bad value"
    bad_key, bad_value = bad_query.lstrip("?").split("&")[0].split("=")
    assert query(lab).get(bad_key) != [bad_value], f"the bad value is still in the URL: {lab.page.url}"
    lab.assert_clean()


# --- 6. uploaded vector files ------------------------------------------------------------------

GOOD_VECTORS = (
    "i 0.1 0.2 0.3\n"
    "love 0.3 -0.1 0.5\n"
    "apple 0.9 0.1 0.0\n"
    "phones 0.8 0.3 0.1\n"
    "juice 0.2 0.9 0.4\n"
)


def test_uploaded_vector_files_good_and_bad(lab, tmp_path):
    files = {
        "good": tmp_path / "good.txt",
        "empty": tmp_path / "empty.txt",
        "gzip": tmp_path / "packed.txt",  # .txt: the uploader only takes .txt/.vec; the app must sniff gzip
        "line2": tmp_path / "short_line2.txt",
    }
    files["good"].write_text(GOOD_VECTORS, encoding="utf-8")
    files["empty"].write_bytes(b"")
    files["gzip"].write_bytes(gzip.compress(GOOD_VECTORS.encode()))
    files["line2"].write_text("i 0.1 0.2 0.3\nlove 0.3 -0.1\napple 0.9 0.1 0.0\n", encoding="utf-8")

    lab.goto("/")
    choose_option(lab, "Word vectors", re.compile("upload", re.I))
    uploader = lab.sidebar.locator("[data-testid='stFileUploader'] input[type='file']")
    assert uploader.count() == 1, "choosing the upload option should show a file uploader"

    def upload(name: str) -> None:
        bs.wait_rerun(lab.page, lambda: uploader.set_input_files(str(files[name])))

    def expect_error(fragment: str) -> None:
        errors = bs.wait_until(lab.page, lambda: [e for e in bs.alert_texts(lab.page, "Error") if fragment in e],
                               message=f"an error containing {fragment!r}")
        assert alert_box(lab, fragment).is_visible(), errors
        assert not bs.exception_texts(lab.page)

    upload("good")
    texts = wait_for_chart_text(lab, lambda t: has_word(t, "apple") and has_word(t, "phones"), "charts from the file")
    assert not [t for t in texts if t.endswith(" ?")], "every word of both sentences is in the file"
    assert not bs.alert_texts(lab.page, "Error"), bs.alert_texts(lab.page, "Error")
    bs.screenshot(lab.page, "upload_good")

    upload("empty")
    expect_error("file is empty")
    upload("gzip")
    expect_error("binary/compressed files are not supported")
    upload("line2")
    expect_error("line 2")
    bs.screenshot(lab.page, "upload_bad_line2")

    upload("good")  # and the page recovers
    wait_for_chart_text(lab, lambda t: has_word(t, "phones"), "charts again after a good file")
    assert not bs.alert_texts(lab.page, "Error")
    lab.assert_clean()


def _rows(n: int, dim: int, start: int = 0) -> str:
    return "".join(f"w{i} " + " ".join(f"{(i + j) % 7 / 10:.1f}" for j in range(dim)) + "\n"
                   for i in range(start, start + n))


# Every "Uploaded word-vector files" row of bad-inputs.md: (name, file bytes, text that must be shown,
# alert kind). "ok" rows must parse: no error, and the sentence words found in the file draw charts.
WORDS = "i 0.1 0.2 0.3\nlove 0.3 -0.1 0.5\napple 0.9 0.1 0.0\nphones 0.8 0.3 0.1\njuice 0.2 0.9 0.4\n"
UPLOAD_ROWS = [
    ("header-3-but-2-rows", ("3 50\n" + _rows(2, 50)).encode(), "declares 3 vectors, but the file has 2", "Error"),
    ("header-1-but-5-rows", ("1 3\n" + WORDS).encode(), "4 extra rows ignored", "Info"),
    ("not-a-header-2-3-4", ("2 3 4\n" + WORDS).encode(), "line 1: not a header or vector row", "Error"),
    ("merge-marker", ("<<<<<<< HEAD\n" + WORDS).encode(), "line 1", "Error"),
    ("row-7-has-49", (_rows(6, 50) + "w6 " + " ".join(["0.1"] * 49) + "\n").encode(),
     "line 7: expected 50 values after the word, got 49", "Error"),
    ("abc", (WORDS + "cat 0.1 abc 0.3\n").encode(), "line 6, field 3: 'abc' is not a number", "Error"),
    ("comma-decimal", (WORDS + "cat 0.1 1,5 0.3\n").encode(), "'1,5' is not a number", "Error"),
    ("nan", (WORDS + "cat nan 0.1 0.2\n").encode(), "line 6, field 2: non-finite value", "Error"),
    ("inf", (WORDS + "cat 0.1 inf 0.2\n").encode(), "non-finite value 'inf'", "Error"),
    ("1e39", (WORDS + "cat 0.1 0.2 1e39\n").encode(), "non-finite value '1e39'", "Error"),
    ("duplicate", (WORDS + "apple 1 1 1\n").encode(), "1 duplicate word(s): the first vector of each was kept",
     "Info"),
    ("bom-crlf-blank-tabs", ("\ufeff" + WORDS.replace(" ", "\t", 3).replace("\n", "\r\n\r\n")
                             .replace("love 0.3", "love  0.3")).encode(), None, "ok"),
    ("binary-word2vec", b"5 3\n" + b"".join(w.encode() + b" " + bytes(12) for w in ("i", "love", "apple")),
     "binary/compressed files are not supported", "Error"),
    ("zip", b"PK\x03\x04" + bytes(40), "this looks like a zip file", "Error"),
    ("too-many-dims", ("w " + " ".join(["0.1"] * 1001) + "\n").encode(), "the limit is 1000", "Error"),
    ("too-many-rows-declared", b"60000 3\n" + WORDS.encode(), "the limit is 50000", "Error"),
]


def test_every_bad_upload_row_shows_its_message(lab, tmp_path):
    lab.goto("/")
    choose_option(lab, "Word vectors", re.compile("upload", re.I))
    uploader = lab.sidebar.locator("[data-testid='stFileUploader'] input[type='file']")
    problems = []
    for name, data, fragment, kind in UPLOAD_ROWS:
        path = tmp_path / f"{name}.txt"
        path.write_bytes(data)
        bs.wait_rerun(lab.page, lambda p=path: uploader.set_input_files(str(p)))
        try:
            if kind == "ok":
                wait_for_chart_text(lab, lambda t: has_word(t, "phones"), f"{name}: charts from the file")
                if bs.alert_texts(lab.page, "Error"):
                    problems.append(f"{name}: unexpected error {bs.alert_texts(lab.page, 'Error')}")
            else:
                bs.wait_until(lab.page, lambda f=fragment, k=kind: any(f in a for a in bs.alert_texts(lab.page, k)),
                              message=f"{name}: a {kind} containing {fragment!r}")
        except AssertionError as exc:
            problems.append(f"{name}: {exc} (shown: {bs.alert_texts(lab.page)})")
        if bs.exception_texts(lab.page):
            problems.append(f"{name}: exception {bs.exception_texts(lab.page)}")
    assert not problems, "\n".join(problems)
    bs.screenshot(lab.page, "upload_all_rows")
    lab.assert_clean()


def test_upload_over_the_size_cap_is_refused_with_the_limit(lab, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(WORDS.encode() * (6 * 1024 * 1024 // len(WORDS) + 1))  # 6 MB > the 5 MB cap
    lab.goto("/")
    choose_option(lab, "Word vectors", re.compile("upload", re.I))
    uploader = lab.sidebar.locator("[data-testid='stFileUploader'] input[type='file']")
    uploader.set_input_files(str(big))
    message = lab.sidebar.locator("[data-testid='stFileUploader']").filter(has_text=re.compile(r"5(\.0)?\s?MB"))
    bs.wait_until(lab.page, lambda: message.count() > 0 and message.first.is_visible(),
                  message="the uploader states the 5 MB limit")
    assert not bs.exception_texts(lab.page)
    lab.assert_clean()


def test_uploaded_vectors_of_another_dimension_with_learned_projections(lab, tmp_path):
    """3-d vectors cannot meet W_Q trained for 50-d GloVe: the sidebar says the pages use projections off
    (a state, not an error), and nothing breaks (never a broadcasting error)."""
    path = tmp_path / "three_d.txt"
    path.write_text(WORDS, encoding="utf-8")
    lab.goto("/?projections=learned")
    choose_option(lab, "Word vectors", re.compile("upload", re.I))
    uploader = lab.sidebar.locator("[data-testid='stFileUploader'] input[type='file']")
    bs.wait_rerun(lab.page, lambda: uploader.set_input_files(str(path)))
    bs.wait_until(lab.page, lambda: any("trained on GloVe 50-d" in a for a in bs.alert_texts(lab.page)),
                  message="the learned-projections note")
    assert not bs.alert_texts(lab.page, "Error")
    assert not any("broadcast" in a for a in bs.alert_texts(lab.page))
    assert not bs.exception_texts(lab.page)
    lab.assert_clean()


def _score_line(page, pair: str) -> str | None:
    for block in page.locator("[data-testid='stCode']").all():
        for line in block.inner_text().split("\n"):
            if line.strip().startswith(f"score({pair})"):
                return line.strip()
    return None


def test_edited_2d_vectors_survive_a_page_change(lab):
    """Step by step's table of 2-D vectors: an edit reaches the numbers and is still there after the class
    looks at another page and comes back (found by a review: the editor used to reset)."""
    lab.goto("/step_by_step?embeddings=tutorial+2-D&s1=love+apple+phones&scale=false&sbs_step=By+hand")
    bs.wait_until(lab.page, lambda: _score_line(lab.page, "apple, phones") is not None, message="the walk-through")
    assert _score_line(lab.page, "apple, phones") == "score(apple, phones) = (2 x 2) + (2 x 2) = 8"
    lab.page.get_by_text("The 2-D vectors: edit any number").click()  # the editor sits in a closed expander
    grid = lab.page.locator("[data-testid='stExpander'] [data-testid='stDataFrame']").first
    grid.wait_for(state="visible")
    grid.scroll_into_view_if_needed()
    lab.page.wait_for_timeout(1000)  # the grid's canvas takes a moment to accept input
    box = grid.bounding_box()
    lab.page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + 35 + 17)  # row 1 (apple), column x
    lab.page.wait_for_timeout(300)
    lab.page.keyboard.type("3")
    lab.page.wait_for_timeout(300)
    bs.wait_rerun(lab.page, lambda: lab.page.keyboard.press("Enter"))
    expected = "score(apple, phones) = (3 x 2) + (2 x 2) = 10"
    bs.wait_until(lab.page, lambda: _score_line(lab.page, "apple, phones") == expected, message="the edited score")
    for title in ("Sentence Lab", "Step by step"):  # in-app navigation keeps the session
        link = lab.page.locator(bs.NAV_LINK_SELECTOR).filter(has_text=title).first
        bs.wait_rerun(lab.page, link.click, expect_rerun=False)
        bs.wait_idle(lab.page)
    bs.wait_until(lab.page, lambda: _score_line(lab.page, "apple, phones") == expected,
                  message="the edit after coming back")
    lab.assert_clean()


def test_a_pages_own_control_survives_a_visit_to_another_page(lab):
    """The Sentence Lab's 'Heatmap shows: raw scores' is still chosen after the class looks at another page
    (found by a review: Streamlit forgot it, and the heatmaps went back to weights)."""
    lab.goto("/?tab=Attention")
    raw = lab.page.get_by_role("radio", name="raw scores", exact=True)  # a segmented control's option
    weights = lab.page.get_by_role("radio", name="weights", exact=True)
    assert weights.get_attribute("aria-checked") == "true"
    bs.wait_rerun(lab.page, raw.click)
    assert raw.get_attribute("aria-checked") == "true"
    assert parse_qs(urlsplit(lab.page.url).query).get("matrix_view") == ["raw scores"], "shareable: in the link"
    for title in ("Why scale?", "Sentence Lab"):  # in-app navigation keeps the session
        link = lab.page.locator(bs.NAV_LINK_SELECTOR).filter(has_text=title).first
        bs.wait_rerun(lab.page, link.click, expect_rerun=False)
        bs.wait_idle(lab.page)
    assert raw.get_attribute("aria-checked") == "true", "raw scores was forgotten after visiting another page"
    assert weights.get_attribute("aria-checked") == "false"
    lab.assert_clean()


def test_csv_downloads_work_in_the_browser(lab):
    """Both CSV buttons deliver their files (made on the click, by a callable) without a rerun. They sit on
    the Attention tab, beside the numbers (on every tab they cost each edit ~35 ms of the browser's time)."""
    lab.goto("/?tab=Attention")
    for label, header in (("Weights (CSV)", "sentence,query_pos,query,key_pos,key,weight"),
                          ("Outputs (CSV)", "sentence,pos,word,out_0")):
        with lab.page.expect_download(timeout=30_000) as info:
            lab.page.get_by_role("button", name=label).click()
        text = Path(info.value.path()).read_text(encoding="utf-8-sig")
        lines = text.strip().splitlines()
        assert lines[0].startswith(header), lines[0]
        assert any(line.startswith("Sentence 2,") for line in lines), "both sentences are in one file"
    assert len(lines) == 1 + 4 + 4  # outputs: a header and one row per word of the two sentences
    assert not bs.exception_texts(lab.page)
    lab.assert_clean()


# --- 7. every link the app writes reopens (Hostile input, round two) ----------------------------------


def test_every_link_the_app_writes_reopens(lab, lab_browser, lab_server):
    """Pasting 100,000 characters into a sentence wrote them into the address, and reloading it got HTTP 400.
    Every address the app writes during edits, on every page, opens in a fresh page: no HTTP 400, the app
    renders, no exception."""
    written = []

    def record():
        if lab.page.url not in written:
            written.append(lab.page.url)

    lab.goto("/")
    record()
    for label, value, cap in ((S1, LONG, 500), ("Sentence 2 (optional)", "x" * 5000 + " apple", 500),
                              ("Target word (followed on every page)", "apple " * 200, 60),
                              ("Concepts (name: a few words; ...)", "tech, " * 2000, 400)):
        lab.set_text(label, paste(value, cap))
        record()
        assert len(lab.text_input(label).input_value()) <= 500
    for title in ("Step by step", "Why projections?", "Sentence Lab"):
        link = lab.page.locator(bs.NAV_LINK_SELECTOR).filter(has_text=title).first
        bs.wait_rerun(lab.page, link.click, expect_rerun=False)
        bs.wait_idle(lab.page)
        record()
    lab.assert_clean()
    # a 100 kB link from elsewhere (opened in a fresh context: see link_for) is cut to fit, and said
    long = bs.LabPage.open(lab_browser, lab_server)
    try:
        long.goto(link_for(LONG))
        assert alert_box(long, "cut to fit").is_visible()
        assert len(query(long).get("s1", [""])[0]) == SENTENCE_MAX_CHARS, "the address now carries what is used"
        written.append(long.page.url)
        long.assert_clean()
    finally:
        long.close()

    problems = []
    for url in written:
        other = bs.LabPage.open(lab_browser, lab_server)
        try:
            response = other.page.goto(url, wait_until="domcontentloaded", timeout=60_000)
            if response is None or response.status >= 400:
                problems.append(f"{len(url)} characters: HTTP {response and response.status}")
                continue
            bs.wait_idle(other.page, timeout=60_000)
            other.sidebar.get_by_label(S1, exact=True).wait_for(state="visible", timeout=60_000)
            if bs.exception_texts(other.page):
                problems.append(f"{len(url)} characters: exception {bs.exception_texts(other.page)[0][:200]}")
        finally:
            other.close()
    assert len(written) >= 6 and max(len(u) for u in written) < 8_000, [len(u) for u in written]
    assert not problems, "\n".join(problems)
