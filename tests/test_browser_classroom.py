"""Browser tests of the classroom view: the story on the first screen, scenes, presenter view, dark theme.

Screenshots for the README: artifacts/screenshots/story_1920x1080.png and story_1366x768.png.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

import attention_core as ac
from tests import browser_support as bs

pytestmark = pytest.mark.browser


def _all_charts_drawn(lab) -> None:
    charts = lab.page.locator("[data-testid='stVegaLiteChart']")
    bs.wait_until(lab.page, lambda: charts.count() > 0 and bs.visible_charts(lab.page) == charts.count(),
                  timeout=30_000, message="every chart drawn")


def _open(browser, server, viewport, path="/", sidebar_open=True):
    """A fresh page at ``path``, every chart drawn. With the sidebar closed (presenter view, a phone)
    the usual wait for the sidebar's first input cannot apply: wait for the run and the charts."""
    lab = bs.LabPage.open(browser, server, viewport=viewport)
    if sidebar_open:
        lab.goto(path)
    else:
        lab.page.goto(server.url + path, wait_until="domcontentloaded", timeout=60_000)
        bs.wait_idle(lab.page, timeout=60_000)
    _all_charts_drawn(lab)
    return lab


@pytest.mark.parametrize("viewport", [(1920, 1080), (1366, 768)], ids=["1920x1080", "1366x768"])
def test_the_story_is_on_the_first_screen(lab_browser, lab_server, viewport):
    """Without scrolling: both sentences' words and where apple looks (its row of weights)."""
    lab = _open(lab_browser, lab_server, viewport)
    try:
        charts = lab.page.locator("[data-testid='stVegaLiteChart']")
        assert charts.count() >= 4  # per sentence: the words, where the target looks
        width, height = viewport
        for i in range(4):
            box = charts.nth(i).bounding_box()
            assert box and box["y"] + box["height"] <= height, f"chart {i} ends at {box} below the fold ({height})"
        texts = lab.page.locator("[data-testid='stMetricValue']").all_inner_texts()
        assert texts and all("tech" in t for t in texts)
        if width == 1920:  # at 1920 x 1080 the share (what apple means) is on the first screen too
            box = lab.page.locator("[data-testid='stMetricValue']").first.bounding_box()
            assert box["y"] + box["height"] <= height
        bs.screenshot(lab.page, f"story_{width}x{height}", width=width, min_height=height, max_height=height)
        lab.assert_clean()
    finally:
        lab.close()


SCENES = {
    "apple": ("I love Apple phones", "tech"),
    "toy": ("love apple phones", None),
    "cat": ("cat sat mat", None),
    "bank": ("The bank by the river has steep slopes", None),
    "random": ("I love Apple phones", None),
    "plain": ("I love Apple phones", None),
    "reset": ("I love Apple phones", "tech"),
}


@pytest.mark.parametrize("scene", list(SCENES))
def test_each_scene_opens_from_its_link(lab, scene):
    sentence, metric = SCENES[scene]
    lab.goto(f"/?scene={scene}")
    _all_charts_drawn(lab)
    assert lab.text_input(bs.FIRST_SIDEBAR_LABEL).input_value() == sentence
    assert "scene" not in parse_qs(urlsplit(lab.page.url).query), "the scene is applied once, then leaves the link"
    if metric:
        assert any(metric in t for t in lab.page.locator("[data-testid='stMetricValue']").all_inner_texts())
    if scene == "plain":
        assert lab.page.locator("[data-testid='stAlertContainer']").filter(has_text="mostly looks at itself").count()
    if scene == "random":
        bs.wait_rerun(lab.page, lambda: lab.page.get_by_role("tab", name="Attention").click(), expect_rerun=True)
        assert lab.page.locator("[data-testid='stAlertContainer']").filter(has_text="Why the diagonal").count()
    lab.assert_clean()


def test_a_scene_button_changes_the_settings_and_the_link(lab):
    lab.goto("/")
    _all_charts_drawn(lab)
    button = lab.page.get_by_role("radio", name="Ex. 1: river bank")  # st.pills: one radio per option
    bs.wait_rerun(lab.page, button.click)
    bs.wait_until(lab.page, lambda: lab.text_input(bs.FIRST_SIDEBAR_LABEL).input_value().startswith("The bank"),
                  message="the scene's sentence in the sidebar")
    q = parse_qs(urlsplit(lab.page.url).query)
    assert q.get("target") == ["bank"] and q.get("s1") == ["The bank by the river has steep slopes"]
    lab.assert_clean()


def test_presenter_view_closes_the_sidebar_and_grows_the_chart_text(lab_browser, lab_server):
    lab = _open(lab_browser, lab_server, (1920, 1080), "/?present=true", sidebar_open=False)
    try:
        bs.wait_until(lab.page, lambda: lab.sidebar.get_attribute("data-collapsed") == "true",
                      message="the sidebar collapsed")
        sizes = lab.page.evaluate("""() => [...document.querySelectorAll(
            "[data-testid='stVegaLiteChart'] svg text")].map(t => parseFloat(getComputedStyle(t).fontSize)
            || parseFloat(t.getAttribute('font-size')))""")
        assert sizes and min(sizes) >= 22, f"chart text in presenter view: {sorted(set(sizes))}"
        # the page's own text a quarter larger than Streamlit's (theme.baseFontSize 17 px: html 21.25 px);
        # it was 125 % of the browser's 16 px, only 18 % more than 17
        base = lab.page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert base == pytest.approx(17 * 1.25), base
        # Streamlit's smallest text (captions, metric labels and deltas: 0.875 rem, 18.6 px) is the body's size here
        small = lab.page.evaluate("""() => [...document.querySelectorAll("[data-testid='stMain'] "
            + "[data-testid='stCaptionContainer'], [data-testid='stMain'] [data-testid='stMetricLabel'] p, "
            + "[data-testid='stMain'] [data-testid='stMetricDelta'], "
            + "[data-testid='stMain'] [data-testid^='stBaseButton'] p, "
            + "[data-testid='stMain'] [data-testid='stButtonGroup'] p, [data-testid='stMain'] [data-testid='stTab'] p")]
            .map(e => parseFloat(getComputedStyle(e).fontSize))""")
        assert small and min(small) >= 21, small
        bs.screenshot(lab.page, "presenter_1920x1080", width=1920, min_height=1080, max_height=1080)
        lab.assert_clean()
    finally:
        lab.close()


def test_dark_system_theme_keeps_every_chart_readable(lab_browser, lab_server):
    """A student whose system is dark gets Streamlit's dark theme; every chart sits on its own white card."""
    context = lab_browser.new_context(viewport={"width": 1366, "height": 768}, color_scheme="dark",
                                      service_workers="block")
    page = context.new_page()
    try:
        page.goto(lab_server.url + "/?tab=Attention", wait_until="domcontentloaded")
        bs.wait_idle(page, timeout=60_000)
        charts = page.locator("[data-testid='stVegaLiteChart']")
        bs.wait_until(page, lambda: charts.count() > 0 and bs.visible_charts(page) == charts.count(),
                      timeout=30_000, message="every chart drawn")
        app_bg = page.evaluate("getComputedStyle(document.querySelector(\"[data-testid='stApp']\")).backgroundColor")
        assert app_bg != "rgb(255, 255, 255)", f"the app is not in the dark theme: {app_bg}"
        backgrounds = page.evaluate("""() => [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
            .map(c => { const el = c.querySelector('canvas, svg');
                        if (el.tagName === 'svg') return getComputedStyle(el).backgroundColor;
                        const ctx = el.getContext('2d'); const px = ctx.getImageData(1, 1, 1, 1).data;
                        return `rgb(${px[0]}, ${px[1]}, ${px[2]})`; })""")
        assert backgrounds and all(b in ("#FFFFFF", "#ffffff", "rgb(255, 255, 255)", "white") for b in backgrounds), \
            backgrounds
        bs.screenshot(page, "dark_theme_1366x768", width=1366, min_height=768, max_height=768)
        assert not bs.exception_texts(page)
    finally:
        context.close()


def test_a_phone_sees_the_result_not_the_sidebar(lab_browser, lab_server):
    lab = _open(lab_browser, lab_server, (390, 844), sidebar_open=False)
    try:
        assert lab.sidebar.get_attribute("data-collapsed") == "true"
        first = lab.page.locator("[data-testid='stVegaLiteChart']").first.bounding_box()
        assert first and first["y"] < 844
        lab.assert_clean()
    finally:
        lab.close()


@pytest.mark.parametrize("path, expect", [
    ("/word_order?positions=1.0", "largest difference without positions"),
    ("/transformer_block", "after the block, with the residual stream"),
])
def test_the_word_order_and_block_pages_draw(lab, path, expect):
    lab.goto(path)
    _all_charts_drawn(lab)
    labels = lab.page.locator("[data-testid='stMetricLabel']").all_inner_texts()
    assert any(expect in t for t in labels), labels
    name = path.strip("/").split("?")[0]
    bs.screenshot(lab.page, f"page_{name}_1920", width=1920, min_height=1080, max_height=1080)
    lab.assert_clean()


@pytest.mark.parametrize("path", ["/?tab=Attention", "/step_by_step?sbs_step=6.+weights", "/why_scale",
                                  "/word_order", "/transformer_block", "/why_projections", "/learned"])
def test_the_causal_mask_switch_works_on_every_page(lab, path):
    sep = "&" if "?" in path else "?"
    lab.goto(f"{path}{sep}causal=true")
    _all_charts_drawn(lab)
    switch = lab.sidebar.get_by_role("switch", name=re.compile("^Causal mask"))
    assert switch.is_checked()
    assert not bs.exception_texts(lab.page)
    lab.assert_clean()


def test_the_multi_head_page_draws_a_heatmap_per_head(lab):
    lab.goto("/multi_head?heads=5&projections=random")
    _all_charts_drawn(lab)
    assert lab.page.locator("[data-testid='stVegaLiteChart']").count() == 5
    bs.screenshot(lab.page, "page_multi_head_1920", width=1920, min_height=1080, max_height=1080)
    lab.goto("/multi_head")  # the default: learned projections, the two trained heads
    _all_charts_drawn(lab)
    labels = lab.page.locator("[data-testid='stMetricLabel']").all_inner_texts()
    assert sum("attention on the sense word" in t for t in labels) == 2
    lab.assert_clean()


def test_exercise_2_answered_right_and_wrong_in_the_browser(lab):
    lab.goto("/exercises")
    _all_charts_drawn(lab)
    e = __import__("attention_core").exercise_2_expected()
    answers = {"(a)": "5, 5, 8", "(b)": ", ".join(f"{v:.4f}" for v in e["weights"]["unscaled"]),
               "(c)": ", ".join(f"{v:.4f}" for v in e["new_cat"]["unscaled"])}
    main = lab.page.locator("[data-testid='stMain']")
    for label, value in answers.items():
        main.get_by_label(re.compile(re.escape(label))).fill(value)
    bs.wait_rerun(lab.page, lambda: main.get_by_role("button", name="Check my answers").click())
    bs.wait_until(lab.page, lambda: len(bs.alert_texts(lab.page, "Success")) == 3, message="three right answers")
    main.get_by_label(re.compile(r"^\(b\)")).fill("0.2, 0.2, 0.6")
    bs.wait_rerun(lab.page, lambda: main.get_by_role("button", name="Check my answers").click())
    bs.wait_until(lab.page, lambda: any("(b) Not" in a for a in bs.alert_texts(lab.page, "Error")),
                  message="(b) marked wrong")
    bs.screenshot(lab.page, "page_exercises_1366", width=1366, min_height=768, max_height=1400)
    lab.assert_clean()


def test_a_lesson_step_opens_from_a_link(lab):
    """A teacher sends the class to one step of Step by step and to one exercise."""
    lab.goto("/step_by_step?sbs_step=6.+weights")
    _all_charts_drawn(lab)
    assert lab.page.get_by_role("tab", name="6. weights").get_attribute("aria-selected") == "true"
    lab.goto("/exercises?exercise=Exercise+3%3A+shapes")
    assert lab.page.get_by_role("tab", name="Exercise 3: shapes").get_attribute("aria-selected") == "true"
    lab.assert_clean()


def test_exercise_3_shapes_right_and_wrong_in_the_browser(lab):
    lab.goto("/exercises?exercise=Exercise+3%3A+shapes")
    main = lab.page.locator("[data-testid='stMain']")
    shapes = __import__("attention_core").exercise_3_shapes()
    labels = {"E": "E, the embeddings", "Q": "Q (and K, V)", "scores": "the attention scores", "output": "the output"}
    for key, label in labels.items():
        main.get_by_label(label, exact=True).fill(" x ".join(map(str, shapes[key])))
    bs.wait_rerun(lab.page, lambda: main.get_by_role("button", name="Check my shapes").click())
    bs.wait_until(lab.page, lambda: len(bs.alert_texts(lab.page, "Success")) == 4, message="four right shapes")
    main.get_by_label("the attention scores", exact=True).fill("20 x 64")  # the classic mix-up
    bs.wait_rerun(lab.page, lambda: main.get_by_role("button", name="Check my shapes").click())
    bs.wait_until(lab.page, lambda: any("the attention scores" in a and "20 x 20" in a
                                        for a in bs.alert_texts(lab.page, "Error")),
                  message="the scores' shape marked wrong, with the right shape named")
    assert len(bs.alert_texts(lab.page, "Success")) == 3
    lab.assert_clean()


def test_exercise_1_guess_then_the_real_weights_in_the_browser(lab):
    """A wrong guess (river), then the right one (the word bank weights most with learned W_Q, W_K)."""
    lab.goto("/exercises?exercise=Exercise+1%3A+the+river+bank")
    main = lab.page.locator("[data-testid='stMain']")
    assert bs.visible_charts(lab.page) == 0  # predict first
    main.get_by_text("river", exact=True).click()
    bs.wait_rerun(lab.page, lambda: main.get_by_role("button", name="Lock in my guess").click())
    _all_charts_drawn(lab)
    assert bs.visible_charts(lab.page) == 3  # one row of weights per mechanism
    assert main.get_by_text("bank after:").count() == 3
    bs.wait_until(lab.page, lambda: any("Not quite: you said river" in a for a in bs.alert_texts(lab.page, "Error")),
                  message="the wrong guess named")
    glove = ac.load_glove()
    right = ac.lesson.measure_exercise_1(glove=glove, learned=ac.train_projections(glove, d_k=16, seed=0).projections
                                         ).answer
    bs.wait_rerun(lab.page, lambda: main.get_by_role("button", name="Change my guess").click())
    main.get_by_text(right, exact=True).wait_for(state="visible")
    main.get_by_text(right, exact=True).click()
    bs.wait_rerun(lab.page, lambda: main.get_by_role("button", name="Lock in my guess").click())
    bs.wait_until(lab.page, lambda: any(f"Right: {right}" in a for a in bs.alert_texts(lab.page, "Success")),
                  message="the right guess")
    lab.assert_clean()


def test_the_guided_lesson_from_a_link_predict_then_reveal(lab_browser, lab_server):
    """A teacher sends the class to step 5; a student guesses wrong, then right; a bad number is refused."""
    lab = bs.LabPage.open(lab_browser, lab_server, viewport=(1366, 768))
    lab.goto("/lesson?lesson=5")
    main = lab.page.locator("[data-testid='stMain']")
    assert "5. Softmax" in main.locator("h2").first.inner_text()
    assert bs.visible_charts(lab.page) == 0  # nothing revealed before the guess
    main.get_by_text("exactly 0", exact=True).click()
    bs.wait_rerun(lab.page, lambda: main.get_by_role("button", name="Lock in my guess").click())
    bs.wait_until(lab.page, lambda: any("Not quite" in a for a in bs.alert_texts(lab.page, "Error")),
                  message="the wrong guess named")
    _all_charts_drawn(lab)
    assert "[0.0, 0.5, 0.5]" in main.inner_text() and "0.0000227" in main.inner_text()
    bs.wait_rerun(lab.page, lambda: main.get_by_role("button", name="Change my guess").click())
    main.get_by_text("tiny, but more than 0", exact=True).wait_for(state="visible")
    main.get_by_text("tiny, but more than 0", exact=True).click()
    bs.wait_rerun(lab.page, lambda: main.get_by_role("button", name="Lock in my guess").click())
    bs.wait_until(lab.page, lambda: any("Right: tiny" in a for a in bs.alert_texts(lab.page, "Success")),
                  message="the right guess")
    _all_charts_drawn(lab)
    box = main.locator("[data-testid='stVegaLiteChart']").first.bounding_box()
    assert box["y"] + box["height"] <= 768  # the answer's chart is on the first screen of a laptop
    bs.screenshot(lab.page, "lesson_step_1366", width=1366, min_height=768, max_height=768)
    bs.wait_rerun(lab.page, lambda: main.get_by_role("button", name="Next step →").click())
    assert "lesson=6" in lab.page.url and "6. Why learnable parameters" in main.locator("h2").first.inner_text()
    lab.goto("/lesson?lesson=9")
    main.get_by_label(re.compile("Your answer")).fill("1e309")
    bs.wait_rerun(lab.page, lambda: main.get_by_role("button", name="Lock in my guess").click())
    bs.wait_until(lab.page, lambda: any("too large" in a for a in bs.alert_texts(lab.page, "Warning")),
                  message="1e309 refused with a message")
    assert bs.visible_charts(lab.page) == 0
    lab.assert_clean()
    lab.close()


def test_the_blocks_survival_chart_names_every_stage_at_1366(lab_browser, lab_server):
    """On a 1366 x 768 laptop the Transformer block's line chart names all six stages on its x axis (Vega hid
    every other one as overlapping) and its title is whole (it was cut to "... (cosine with i…")."""
    from attention_core.block import STAGES

    lab = _open(lab_browser, lab_server, (1366, 768), "/transformer_block")
    try:
        groups = [g for g in bs.svg_chart_text_groups(lab.page) if any("after attention" in t for t in g)]
        assert len(groups) == 1, bs.svg_chart_text_groups(lab.page)
        texts = groups[0]
        for k, stage in enumerate(STAGES):
            assert f"{k + 1}. {stage.replace('_', ' ')}" in texts, (stage, texts)
        assert "how much of each word's own vector survives" in texts, texts
        assert not any(t.endswith("…") for t in texts), texts
        lab.assert_clean()
    finally:
        lab.close()
