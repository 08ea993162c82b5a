"""A page's own control reruns only its fragment, in the real browser too (issue 14).

The pages' own controls (a tab, the number of heads, Word order's sentences, Why scale?'s seed, the guided
lesson's step) are drawn
inside ``st.fragment``s, so a click reruns that part of the page, not the sidebar and the rest (about half
the elements of a run). Here Chromium clicks each one and the test reads the websocket: the run it causes
must end as a fragment run and send nothing to the sidebar; and the page must then show exactly what
opening its new link in a fresh page shows (a fragment run that drew something else would be a bug)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests import browser_support as bs

pytestmark = pytest.mark.browser

MAIN = "[data-testid='stMain']"


def _tab(name: str):
    return lambda page: page.get_by_role("tab", name=name, exact=True).click()


def _option(name: str):
    return lambda page: page.get_by_role("radio", name=name, exact=True).click()


def _type(label: str, text: str):
    def act(page):
        box = page.locator(MAIN).get_by_label(label, exact=True)
        box.fill(text)
        box.press("Enter")
    return act


# (page address, what the student does, the link parameter it sets: None = not in the link)
CASES = [
    ("/", _tab("Attention"), ("tab", "Attention")),
    ("/?tab=Attention", _option("raw scores"), ("matrix_view", "raw scores")),
    ("/step_by_step", _tab("4. scores"), ("sbs_step", "4. scores")),
    ("/why_projections", _tab("2. W_Q ≠ W_K: one-way"), ("wp_part", "2. W_Q ≠ W_K: one-way")),
    ("/multi_head", _option("5"), ("heads", "5")),
    ("/word_order", _type("Sentence A", "man the bit the dog"), ("wo_s1", "man the bit the dog")),
    ("/exercises", _tab("Exercise 3: shapes"), ("exercise", "Exercise 3: shapes")),
    ("/lesson", lambda page: page.get_by_role("button", name="Next step →").click(), ("lesson", "2")),
    ("/lesson?lesson=2", _option("5"), ("lesson", "5")),
    ("/why_scale", _type("Random seed of the measurement", "2"), None),
]


class Frames:
    """Every ForwardMsg the page receives on its websocket, parsed."""

    def __init__(self, page):
        self.msgs: list[ForwardMsg] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._on_frame))

    def _on_frame(self, payload) -> None:
        if isinstance(payload, (bytes, bytearray)):
            msg = ForwardMsg()
            msg.ParseFromString(bytes(payload))
            self.msgs.append(msg)

    def since(self, start: int) -> list[ForwardMsg]:
        return self.msgs[start:]


def _main_text(page) -> str:
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # no "22/500" counter
    return re.sub(r"\s+", " ", page.locator(MAIN).inner_text()).strip()


@pytest.mark.parametrize("path, act, param", CASES, ids=[c[0] + ":" + (c[2] or ("seed",))[0] for c in CASES])
def test_a_pages_own_control_reruns_only_its_fragment(lab, lab_browser, lab_server, path, act, param):
    frames = Frames(lab.page)
    lab.goto(path)
    start = len(frames.msgs)
    bs.wait_rerun(lab.page, lambda: act(lab.page))
    sent = frames.since(start)
    finished = [m.script_finished for m in sent if m.WhichOneof("type") == "script_finished"]
    assert finished == [ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY], \
        f"the click's run ended as {finished} (2 = a whole run), not as one fragment run"
    deltas = [m for m in sent if m.WhichOneof("type") == "delta"]
    assert deltas, "the fragment run drew nothing"
    assert not [m for m in deltas if m.metadata.delta_path[:1] == [1]], "the fragment run sent sidebar elements"
    assert not bs.exception_texts(lab.page)
    if param is not None:
        key, value = param
        assert parse_qs(urlsplit(lab.page.url).query).get(key) == [value], "the link has the new setting"
        after = _main_text(lab.page)
        fresh = bs.LabPage.open(lab_browser, lab_server)
        try:
            fresh.goto(lab.page.url[len(lab_server.url):])
            assert _main_text(fresh.page) == after, "the fragment run drew something else than its link opens"
            fresh.assert_clean()
        finally:
            fresh.close()
    lab.assert_clean()


def test_a_button_in_a_fragment_that_sets_the_sidebar_reruns_the_whole_page(lab):
    """The Story tab's "Show the tutorial's plain version" sets sidebar settings. It sits in the tabs' fragment,
    so its click alone would rerun only the tabs, with the old settings, and leave the sidebar showing (and the
    browser later sending back) the old ones (found by a review). The page must rerun whole: the sidebar shows
    projections off and the residual off, the story is the plain one, and the link says so (it did not, before
    and after the fragments: Streamlit's link binding leaves out a value equal to the widget's default, and
    ui/controls.widget passed no default once a scene had set the key, so "off" and False counted as defaults)."""
    frames = Frames(lab.page)
    lab.goto("/")
    button = lab.page.get_by_role("button", name="Show the tutorial's plain version (no projections, no residual)")
    start = len(frames.msgs)
    bs.wait_rerun(lab.page, button.click)
    finished = [m.script_finished for m in frames.since(start) if m.WhichOneof("type") == "script_finished"]
    assert ForwardMsg.FINISHED_SUCCESSFULLY in finished, f"no whole run after the click: {finished}"
    off = lab.sidebar.get_by_role("radio", name=re.compile(r"^off"))
    assert off.is_checked(), "the sidebar still shows the old projections"
    residual = lab.sidebar.get_by_role("switch", name=re.compile(r"^Residual stream"))
    assert not residual.is_checked(), "the sidebar still shows the residual on"
    assert button.count() == 0, "the button is still there: the story was not redrawn with the plain settings"
    bs.wait_until(lab.page, lambda: (q := parse_qs(urlsplit(lab.page.url).query)).get("projections") == ["off"]
                  and q.get("residual") == ["false"], message=f"the plain settings in the link ({lab.page.url})")
    lab.assert_clean()
