"""Page tests with Streamlit's AppTest: start at app.py, change widgets by key, check what is shown."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest

import attention_core as ac
from tests.apptest_support import VIEWS, chart_titled, charts, new_app, no_exception, plain_app, raw_texts, texts
from ui import charts as charts_module
from ui import tables


@pytest.fixture(scope="module")
def lab():
    at = plain_app()
    no_exception(at)
    return at


def weights_row(at, sentence_index: int) -> np.ndarray:
    """The target word's attention row as drawn in the bar chart of sentence 1 or 2."""
    bars = chart_titled(at, "its row of weights")
    _, df = bars[sentence_index]
    return df.sort_values("key_pos")["weight"].to_numpy()


def test_app_starts_on_the_sentence_lab_with_charts(lab):
    assert lab.title[0].value.startswith("Sentence Lab")
    specs = charts(lab)
    assert len(specs) == 6  # Attention tab: 2 token strips, 2 heatmaps, 2 rows of weights
    for _, df in specs:
        numeric = df.select_dtypes("number").to_numpy()
        assert np.all(np.isfinite(numeric))


@pytest.mark.parametrize("view", VIEWS)
def test_every_page_opens_from_app_py(view):
    at = plain_app()
    at.switch_page(view).run()
    no_exception(at)
    assert at.sidebar.text_input(key="s1").value  # the shared sidebar is still there
    if view == "views/lesson.py":  # predict first: its chart appears with the answer (tests/test_app_lesson.py)
        assert not charts(at) and any(b.label == "Lock in my guess" for b in at.button)
    else:
        assert charts(at), f"{view} shows no chart"
    for spec, _ in charts(at):  # Vega-Lite reads "PE[0]" or "a.b" in a field as a path into nested data:
        bad = [f for f in _fields(spec) if re.search(r"(?<!\\)[.\[\]]", f)]  # that chart came out empty
        assert not bad, f"{view}: chart {spec.get('title')!r} names fields Vega-Lite reads as paths: {bad}"


def _fields(node) -> list[str]:
    """Every encoding's field name in a Vega-Lite spec (nested layers, facets, transforms included)."""
    if isinstance(node, dict):
        own = [node["field"]] if isinstance(node.get("field"), str) else []
        return own + [f for v in node.values() for f in _fields(v)]
    if isinstance(node, list):
        return [f for v in node for f in _fields(v)]
    return []


def test_default_story_apple_moves_towards_context(lab):
    phones, juice = weights_row(lab, 0), weights_row(lab, 1)
    for w in (phones, juice):
        assert np.all(np.isfinite(w)) and w.sum() == pytest.approx(1.0)
    # apple attends more to "phones" / "juice" (position 4) than to "love" (position 2)
    assert phones[3] > phones[1] and juice[3] > juice[1]
    meaning = plain_app(tab="Meaning")
    no_exception(meaning)
    near = [df for spec, df in charts(meaning) if "rank" in df.columns]
    after_1, after_2 = (list(df[df["stage"] == "after"].sort_values("rank")["word"]) for df in near)
    assert after_1 != after_2, "apple's neighbours after attention must differ between the sentences"
    assert any("iphone" in w or "ipod" in w for w in after_1[:3])
    assert any("juice" in w or "fruit" in w for w in after_2)


def test_scaling_off_makes_apple_attend_almost_only_to_itself():
    at = plain_app()
    on = weights_row(at, 0)
    at.sidebar.toggle(key="scale").set_value(False).run()
    no_exception(at)
    off = weights_row(at, 0)
    assert on[2] < 0.9 < off[2]  # apple (position 3) on itself
    assert np.isfinite(off).all() and off.sum() == pytest.approx(1.0)


def test_editing_a_sentence_changes_the_words_shown():
    at = plain_app()
    at.sidebar.text_input(key="s1").set_value("The bank of the river").run()
    no_exception(at)
    strips = [df for spec, df in charts(at) if "status" in df.columns]
    assert list(strips[0]["text"]) == ["The", "bank", "of", "the", "river"]
    assert any("target word 'apple' is not in this sentence" in v for v in texts(at, "info"))


def test_repeated_words_keep_their_own_rows():
    at = plain_app(s1="the cat saw the cat")
    heat = [df for spec, df in charts(at) if "query_pos" in df.columns][0]
    assert sorted(set(heat["query"])) == ["01 the", "02 cat", "03 saw", "04 the", "05 cat"]


@pytest.mark.parametrize("text", ["", "   \t\n", "!!! ???"])
def test_empty_sentences_get_a_message_and_the_rest_still_renders(text):
    at = plain_app()
    at.sidebar.text_input(key="s1").set_value(text).run()
    no_exception(at)
    assert any("at least one word" in w for w in texts(at, "warning"))
    assert chart_titled(at, "its row of weights"), "sentence 2 must still be shown"


def test_one_word_gives_weight_one_and_a_pca_message():
    at = plain_app(s1="hello", s2="")
    no_exception(at)
    heat = [df for spec, df in charts(at) if "query_pos" in df.columns][0]
    assert heat["value"].tolist() == [1.0]
    at = plain_app(s1="hello", s2="", tab="Map")
    no_exception(at)
    assert any("two or more words" in v for v in texts(at, "info"))


def test_out_of_vocabulary_words_are_flagged():
    at = plain_app(s1="qzxv blorptak", s2="")
    no_exception(at)
    strip = [df for spec, df in charts(at) if "status" in df.columns][0]
    assert list(strip["status"]) == ["unknown", "unknown"]
    assert any("Not in GloVe" in v and "qzxv" in v for v in texts(at, "info"))
    for _, df in charts(at):
        assert np.all(np.isfinite(df.select_dtypes("number").to_numpy()))


def test_user_text_in_messages_is_escaped_not_markdown():
    at = plain_app(s1="I love apple", s2="", target="$5 and $10 :red[x] [a](javascript:alert(1))")
    no_exception(at)
    msg = [v for v in raw_texts(at, "info") if "target word" in v][0]
    # (echoed shortened to 40 characters since "Hostile input, round two": the link's tail is cut off)
    assert "\\$5" in msg and "\\[a\\]\\(javascript\\:alert" in msg and "\\:red\\[x\\]" in msg


def test_long_text_is_truncated_with_a_notice():
    at = plain_app()
    at.sidebar.text_input(key="s1").set_value("word " * 20_000).run()
    no_exception(at)
    assert any("Only the first 64 words" in w for w in texts(at, "warning"))


@pytest.mark.parametrize("query", [{"d_k": "-3", "projections": "random"}, {"embeddings": "nope"},
                                   {"scale": "maybe"}, {"oov": "x", "dim": "1e9"}, {"matrix_view": "nope"}])
def test_invalid_url_settings_fall_back_to_defaults(query):
    at = plain_app(**query)
    no_exception(at)
    assert at.sidebar.selectbox(key="embeddings").value == "GloVe 50-d"
    if "d_k" in query:
        assert at.sidebar.number_input(key="d_k").value == 16
    said = [w for w in texts(at.main, "warning") if "This link had setting(s) that make no sense" in w]
    invalid = [key for key in query if key != "projections"]  # ("random" is a valid projections value)
    assert len(said) == 1 and all(key in said[0] for key in invalid)  # on the page itself, naming each one
    assert "projections" not in said[0]


@pytest.mark.parametrize(("written", "on"), [("1", True), ("", True), ("Yes", True), ("on", True),
                                             ("0", False), ("off", False), ("no", False)])
def test_a_switch_in_a_link_may_be_written_as_people_write_it(written, on):
    """?present=1 (or a bare ?present, or yes/on) opens the presenter view; 0/no/off turns a switch off:
    rewritten true/false, not reset with a "make no sense" warning (as ?present=1 once was)."""
    at = plain_app(present=written, scale="0" if on else "yes")
    no_exception(at)
    assert at.sidebar.toggle(key="present").value is on
    assert at.sidebar.toggle(key="scale").value is (not on)
    # the address says it the way the binding reads it (a switch at its default is left out, as always)
    assert (at.query_params.get("present"), at.query_params.get("scale")) == (("true", "false") if on else (None, None))
    assert not [w for w in texts(at.main, "warning") if "make no sense" in w]
    at.sidebar.text_input(key="s1").set_value("I love apple pie").run()  # and it stays so
    assert at.sidebar.toggle(key="present").value is on and at.sidebar.toggle(key="scale").value is (not on)


@pytest.mark.parametrize(("query", "key", "label"), [({"tab": "attention"}, "tab", "Attention"),
                                                      ({"tab": "map"}, "tab", "Map"),
                                                      ({"matrix_view": "RAW SCORES", "tab": "Attention"},
                                                       "matrix_view", "raw scores")])
def test_a_choice_in_a_link_may_be_written_by_its_short_name_or_in_any_case(query, key, label):
    """?tab=attention (the label in other case) or ?tab=map (its short name) opens that choice, rewritten to the
    label the link binding reads, not reset with a "make no sense" warning (a review typed ?wp_part=all)."""
    at = plain_app(**query)
    no_exception(at)
    assert at.query_params.get(key) == label
    assert not [w for w in texts(at.main, "warning") if "make no sense" in w]


@pytest.mark.parametrize("later", ["1", "maybe"])
def test_a_later_run_with_an_odd_switch_in_its_address_keeps_working(later):
    """The same session's address changing under a bound switch (the browser's Back button to the link as first
    typed): Streamlit refuses to set or drop a parameter its widget holds, so the switch keeps its own value."""
    at = plain_app(present="true")
    at.query_params["present"] = later
    at.run()
    no_exception(at)
    assert at.sidebar.toggle(key="present").value is True
    assert chart_titled(at, "where 'apple' looks")


def test_url_opens_the_same_view():
    at = plain_app(s1="I love Apple watch", projections="random", d_k="8", scale="false", target="watch")
    no_exception(at)
    sb = at.sidebar
    assert sb.text_input(key="s1").value == "I love Apple watch"
    assert sb.radio(key="projections").value == "random"
    assert sb.number_input(key="d_k").value == 8
    assert sb.toggle(key="scale").value is False
    assert chart_titled(at, "where 'watch' looks")


def test_toy_vectors_give_the_tutorial_scores():
    at = plain_app(embeddings="tutorial 2-D", s1="love apple phones", s2="love apple juice", scale="false")
    no_exception(at)
    at.segmented_control(key="matrix_view").set_value("raw scores").run()
    heat = [df for spec, df in charts(at) if "query_pos" in df.columns][0]
    row = heat[heat["query"] == "2 apple"] if (heat["query"] == "2 apple").any() else heat[heat["query"] == "02 apple"]
    assert row.sort_values("key_pos")["value"].tolist() == [-2.0, 8.0, 8.0]


def test_random_embeddings_and_random_projections_render():
    at = plain_app(embeddings="random vectors", dim="8", seed="3", projections="random", d_k="4")
    no_exception(at)
    assert chart_titled(at, "its row of weights")
    at = plain_app(embeddings="random vectors", dim="8", seed="3", projections="random", d_k="4", tab="Meaning")
    no_exception(at)
    assert sum("need GloVe vectors" in v for v in texts(at, "info")) == 1
    assert "apple  = (" in "\n".join(c.value for c in at.code)


def test_random_w_v_keeps_the_weights_and_moves_outputs_out_of_word_space():
    """'random, W_V too' (the paper's W_V [d_model x d_k]): same W_Q, W_K as 'random', so the same weights;
    the map compares values with outputs and the Meaning tab says why it shows no GloVe words."""
    plain = plain_app(projections="random", d_k="8")
    paper = plain_app(projections="random, W_V too", d_k="8")
    no_exception(paper)
    assert np.array_equal(weights_row(plain, 0), weights_row(paper, 0))
    (spec, df), = chart_titled(plain_app(projections="random, W_V too", d_k="8", tab="Map"), "PCA map")
    assert np.all(np.isfinite(df[["x0", "y0", "x1", "y1"]].to_numpy()))
    at = plain_app(projections="random, W_V too", d_k="8", tab="Map")
    assert any("value vector" in c.value for c in at.caption)
    assert any("[50 x 8]" in v for v in texts(at, "info"))
    at = plain_app(projections="random, W_V too", d_k="8", tab="Meaning")
    no_exception(at)
    assert not [df for spec, df in charts(at) if "rank" in df.columns], "no GloVe neighbours of a value-space vector"
    assert sum("not a word vector" in v for v in texts(at, "info")) == 1  # said once for both sentences
    code = "\n".join(c.value for c in at.code)
    assert "Apple @ W_V  = (" in code and "apple @ W_V  = (" in code  # value and output, both d_v = 8 wide
    assert all(line.count(",") == 7 and "..." not in line for line in code.splitlines())
    step = plain_app(projections="random, W_V too", d_k="8", sbs_step="2. W_Q, W_K, W_V")
    step.switch_page("views/step_by_step.py").run()
    no_exception(step)
    assert any("W_V [50 x 8]" in m.value for m in step.markdown)


def test_concept_axes_show_the_vector_itself():
    at = plain_app(embeddings="GloVe concept axes", concepts="tech, fruit", tab="Meaning")
    no_exception(at)
    bars = chart_titled(at, "the vector's own axes")
    assert bars and set(bars[0][1]["concept"]) == {"tech", "fruit"}


def test_unknown_concept_word_gets_a_message():
    at = plain_app(embeddings="GloVe concept axes", concepts="tech, qzxvw")
    no_exception(at)
    assert any("qzxvw" in e for e in texts(at, "error"))


def test_upload_good_and_bad_files():
    at = plain_app(embeddings="upload a file")
    no_exception(at)
    assert any("Upload a GloVe" in e for e in texts(at, "info")) and not texts(at, "error")  # waiting, not a mistake
    good = b"i 1 0 0\nlove 0 1 0\napple 0.5 0.5 0\nphones 0.4 0.6 0.1\njuice 0.9 0.1 0\n"
    at.sidebar.file_uploader(key="upload_file").set_value(("v.txt", good, "text/plain")).run()
    no_exception(at)
    assert chart_titled(at, "its row of weights")
    bad = b"apple 1 2 3\nphones 1 2\n"
    at.sidebar.file_uploader(key="upload_file").set_value(("bad.txt", bad, "text/plain")).run()
    no_exception(at)
    assert any("line 2" in e for e in texts(at, "error"))


def test_map_tab_shows_every_word_before_and_after():
    at = plain_app(tab="Map")
    no_exception(at)
    (spec, df), = chart_titled(at, "PCA map")
    df = df[~df["frame"]]  # (the two invisible corners that make the map square)
    assert len(df) == 8 and df["target"].sum() == 2  # 4 + 4 words, apple in both sentences
    assert np.all(np.isfinite(df[["x0", "y0", "x1", "y1"]].to_numpy()))
    assert "PC1 keeps" in spec["title"]["subtitle"]


def test_csv_export_has_weights_and_outputs(lab):
    """Both sentences share one header (positions, not words, name the columns); nothing is blank."""
    assert len(lab.get("download_button")) == 2, "weights and outputs are offered"
    glove = ac.load_glove()
    results = {name: ac.analyse(text, glove, target="apple")
               for name, text in (("Sentence 1", "I love Apple phones"), ("Sentence 2", "I love apple juice"))}
    w_csv, o_csv = tables.export_csv(results)
    assert w_csv.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read it as UTF-8
    w = pd.read_csv(io.BytesIO(w_csv), encoding="utf-8-sig")
    o = pd.read_csv(io.BytesIO(o_csv), encoding="utf-8-sig")
    assert list(w.columns) == ["sentence", "query_pos", "query", "key_pos", "key", "weight"]
    assert len(w) == 16 + 16 and not w.isna().any().any()  # 4 x 4 per sentence, no blank cells
    assert np.allclose(w.groupby(["sentence", "query_pos"])["weight"].sum(), 1.0)
    row = w[(w["sentence"] == "Sentence 1") & (w["query"] == "Apple") & (w["key"] == "phones")]
    assert row["weight"].item() == pytest.approx(results["Sentence 1"].trace.attention_weights[2, 3])
    assert list(o.columns[:3]) == ["sentence", "pos", "word"] and o.shape == (8, 3 + 50)
    assert not o.isna().any().any()
    # the outputs are the contextual embeddings, not the values (with projections off those are X)
    apple = o[(o["sentence"] == "Sentence 1") & (o["pos"] == 3)].iloc[0, 3:].to_numpy(dtype=float)
    assert np.allclose(apple, results["Sentence 1"].trace.contextual_embeddings[2], rtol=1e-12, atol=1e-15)
    assert not np.allclose(apple, results["Sentence 1"].trace.values[2])


def _after_share(line: str) -> float:
    """'... after 47% tech / 53% fruit' -> 0.47"""
    return float(line.split("after ")[1].split("%")[0]) / 100


@pytest.mark.parametrize("projections", ["off", "learned"])
def test_tech_fruit_share_moves_with_the_context(projections):
    at = plain_app(projections=projections, tab="Meaning", concepts=ac.DEFAULT_CONCEPT_TEXT)
    no_exception(at)
    phones, juice = [t.value for t in at.text if t.value.startswith("Between tech and fruit")]
    assert _after_share(phones) > _after_share(juice)
    if projections == "learned":  # the tutorial's "~70% tech, 30% fruit", measured
        assert _after_share(phones) >= 0.6 and _after_share(juice) <= 0.3


def test_no_share_is_printed_for_a_word_without_senses_or_for_one_word_concepts():
    other = plain_app(target="love", tab="Meaning", concepts=ac.DEFAULT_CONCEPT_TEXT)
    single = plain_app(tab="Meaning", concepts="tech, fruit")  # 'tech' is not the data's 'technology' sense
    for at in (other, single):
        no_exception(at)
        assert not [t.value for t in at.text if t.value.startswith("Between")]
        assert chart_titled(at, "closeness to each concept")


def _weights(at) -> np.ndarray:
    heat = [df for spec, df in charts(at) if "query_pos" in df.columns][0]
    return heat.sort_values(["query_pos", "key_pos"])["value"].to_numpy()


def test_unknown_word_policy_changes_what_the_unknown_word_does():
    seen = {}
    for label in ("zero vector", "random vector", "average word"):
        at = plain_app(s1="I love qzxv phones", s2="", oov=label)
        no_exception(at)
        assert at.sidebar.selectbox(key="oov").value == label
        strip = [df for spec, df in charts(at) if "status" in df.columns][0]
        assert list(strip["status"]) == ["word", "word", "unknown", "word"]
        seen[label] = _weights(at)
        assert np.all(np.isfinite(seen[label]))
    zero = seen["zero vector"].reshape(4, 4)
    assert np.allclose(zero[2], 0.25)  # a zero query scores 0 against every key: a uniform row
    assert not np.allclose(seen["random vector"], seen["zero vector"])
    assert not np.allclose(seen["average word"], seen["zero vector"])


def test_projection_seed_and_d_k_change_the_weights():
    a = _weights(plain_app(projections="random", d_k="8", proj_seed="0"))
    b = _weights(plain_app(projections="random", d_k="8", proj_seed="1"))
    c = _weights(plain_app(projections="random", d_k="4", proj_seed="0"))
    assert not np.allclose(a, b) and not np.allclose(a, c)
    again = _weights(plain_app(projections="random", d_k="8", proj_seed="0"))
    assert np.array_equal(a, again)  # seeded: the same link shows the same numbers


def test_random_embedding_seed_and_dimension():
    a = _weights(plain_app(embeddings="random vectors", dim="16", seed="1"))
    b = _weights(plain_app(embeddings="random vectors", dim="16", seed="2"))
    assert not np.allclose(a, b)
    assert np.array_equal(a, _weights(plain_app(embeddings="random vectors", dim="16", seed="1")))


def test_map_of_2d_vectors_uses_their_real_coordinates():
    at = plain_app(embeddings="tutorial 2-D", s1="love apple phones", s2="", scale="false", tab="Map")
    no_exception(at)
    (spec, df), = chart_titled(at, "its own 2-D space")
    row = df[df["label"] == "02 apple"].iloc[0]
    assert (row["x0"], row["y0"]) == (2.0, 2.0)  # the tutorial's Apple = (2, 2), not a PCA coordinate
    assert abs(row["x1"] - 2.0) < 1e-3 and abs(row["y1"] - 2.0) < 1e-3  # 0.5 apple + 0.5 phones = (2, 2)


def test_empty_sentence_2_is_optional():
    at = plain_app(s2="")
    no_exception(at)
    assert not at.warning and len(chart_titled(at, "its row of weights")) == 1


def test_d_k_with_projections_off_says_where_it_applies():
    off = plain_app()
    assert any("Projections off" in c.value and "d_model" in c.value for c in off.sidebar.caption)
    assert not any("Projections off" in c.value for c in plain_app(projections="random").sidebar.caption)


def test_learned_projections_on_other_vectors_say_so_once():
    at = plain_app(embeddings="random vectors", projections="learned")
    no_exception(at)
    assert not texts(at, "error")
    notes = [i.value for i in at.sidebar.info if "trained on GloVe 50-d" in i.value]
    assert len(notes) == 1 and "projections off" in notes[0]


def test_meaning_tab_suggests_the_targets_own_senses_and_the_learned_projections():
    at = plain_app(s1="I sat on the bank of the river", s2="I put money in the bank", target="bank", tab="Meaning")
    no_exception(at)
    captions = " ".join(c.value for c in at.caption)
    assert "money and river" in captions and "'learned'" in captions
    fitted = plain_app(s1="the bank of the river", target="bank", concepts="money, river", projections="learned",
                     tab="Meaning")
    no_exception(fitted)
    captions = " ".join(c.value for c in fitted.caption)
    assert "money and river" not in captions and "'learned'" not in captions


def test_page_controls_survive_a_visit_to_another_page():
    """Streamlit forgets an undrawn widget's value; the app keeps its pages' own controls."""
    at = plain_app()
    at.segmented_control(key="matrix_view").set_value("raw scores").run()
    at.switch_page("views/step_by_step.py").run()
    at.segmented_control(key="sbs_sentence").set_value("Sentence 2").run()
    at.switch_page("views/why_scale.py").run()
    at.number_input(key="scale_seed").set_value(5).run()
    at.switch_page("views/learned.py").run()
    no_exception(at)
    at.switch_page("views/sentence_lab.py").run()
    assert at.segmented_control(key="matrix_view").value == "raw scores"
    assert any("raw scores" in str(spec.get("title")) for spec, _ in charts(at))
    at.switch_page("views/step_by_step.py").run()
    assert at.segmented_control(key="sbs_sentence").value == "Sentence 2"
    at.switch_page("views/why_scale.py").run()
    assert at.number_input(key="scale_seed").value == 5
    # an emptied sentence 2 falls back to sentence 1 instead of failing
    at.sidebar.text_input(key="s2").set_value("").run()
    at.switch_page("views/step_by_step.py").run()
    no_exception(at)
    assert at.segmented_control(key="sbs_sentence").value == "Sentence 1"


def test_sentence_2_keeps_its_colour_and_number_when_sentence_1_is_empty():
    at = plain_app(s1="")
    no_exception(at)
    (spec, _), = chart_titled(at, "its row of weights")
    assert charts_module.SENTENCE_COLOURS[1] in str(spec)  # orange, as on every tab
    (spec, df), = chart_titled(plain_app(s1="", tab="Map"), "PCA map")
    assert set(df.loc[~df["frame"], "sentence"]) == {"2: I love apple juice"}
    meaning = plain_app(s1="", tab="Meaning")
    assert charts(meaning)
    assert all(charts_module.SENTENCE_COLOURS[1] in str(spec) or charts_module.TINTS[charts_module.SENTENCE_COLOURS[1]]
               in str(spec) for spec, _ in charts(meaning))


def test_score_heatmaps_of_both_sentences_share_one_colour_scale():
    at = plain_app()
    at.segmented_control(key="matrix_view").set_value("raw scores").run()
    heat = [(spec, df) for spec, df in charts(at) if "query_pos" in df.columns]
    assert len(heat) == 2
    bounds = {spec["params"][0]["value"] for spec, _ in heat}
    assert bounds == {max(float(df["value"].abs().max()) for _, df in heat)}


def test_heatmap_view_is_part_of_the_link():
    """A teacher can share 'raw scores': the Sentence Lab's heatmap view is bound to the URL."""
    at = plain_app(matrix_view="raw scores")
    no_exception(at)
    assert at.segmented_control(key="matrix_view").value == "raw scores"
    assert any("raw scores" in str(spec.get("title")) for spec, _ in charts(at))


def test_a_cut_word_is_not_reported_as_a_cut_sentence():
    at = plain_app(s1="I love " + "x" * 60, s2="")
    no_exception(at)
    warnings = texts(at, "warning")
    assert any("longer than 40 characters" in w for w in warnings)
    assert not any("Only the first 64 words" in w for w in warnings)


def test_an_unknown_concept_word_is_left_out_once_and_the_rest_are_drawn():
    at = plain_app(concepts="technology, xyzzyq, fruit", tab="Meaning")
    no_exception(at)
    said = [w for w in texts(at, "warning") if "xyzzyq" in w]
    assert len(said) == 1  # once, not once per sentence
    bars = chart_titled(at, "closeness to each concept")
    assert len(bars) == 2 and all(set(df["concept"]) == {"technology", "fruit"} for _, df in bars)
    assert sum(t.value.startswith("Between technology and fruit") for t in at.text) == 2


def test_what_an_upload_gave_is_said_in_the_sidebar_on_every_page():
    at = plain_app(embeddings="upload a file")
    data = b"i 1 0 0\nlove 0 1 0\napple 0.5 0.5 0\napple 9 9 9\nphones 0.4 0.6 0.1\njuice 0.9 0.1 0\n"
    at.sidebar.file_uploader(key="upload_file").set_value(("v_[x](javascript:1).txt", data, "text/plain")).run()
    for view in ("views/sentence_lab.py", "views/step_by_step.py"):
        at.switch_page(view).run()
        no_exception(at)
        said = texts(at.sidebar, "info")
        assert any("5 words x 3 numbers" in s and "1 duplicate word(s)" in s for s in said), said


def test_default_story_shows_apple_moving_toward_each_sense():
    """The first screen: apple leaves attention more tech in sentence 1 and more fruit in sentence 2."""
    at = new_app()
    no_exception(at)
    assert at.tabs[0].label == "Story"
    (m1, m2) = at.metric
    assert m1.value.endswith("tech") and m2.value.endswith("tech")
    assert int(m1.value.split("%")[0]) >= 60 and int(m2.value.split("%")[0]) <= 45
    assert "+" in m1.delta and m2.delta.startswith("-")
    near = [t.value for t in at.text if t.value.startswith("nearest words after")]
    assert "phones" in near[0] and "juice" in near[1]
    at.button[0].click().run()  # the tutorial's plain version, one click away
    no_exception(at)
    assert at.sidebar.radio(key="projections").value == "off" and at.sidebar.toggle(key="residual").value is False
    assert any("mostly looks at itself" in i.value for i in at.info)


def test_the_2d_example_says_apple_shares_its_attention_with_phones_as_its_chart_shows():
    """The tutorial's own example is a tie (apple · apple = apple · phones = 8): the note said 'more than with any
    other word ... mostly looks at itself' beside a chart of 0.50 / 0.50 (a helper's review)."""
    at = new_app(scene="toy")
    no_exception(at)
    said = [i.value.replace("\\", "") for i in at.info if i.value.startswith("Plain attention")]  # escaped text
    assert said and "the same as 'apple' · 'phones' = 8.0" in said[0] and "0.50 and 0.50" in said[0], said
    assert not any("mostly looks at itself" in s or "more than" in s for s in said), said


def test_with_the_residual_stream_no_two_words_share_a_point_on_the_map():
    at = new_app(tab="Map")
    no_exception(at)
    (spec, df), = chart_titled(at, "PCA map")
    words = df[~df["frame"]]
    after = words[["x1", "y1"]].round(6).drop_duplicates()
    distinct_words = words.drop_duplicates(subset=["sentence", "word"])
    assert len(after) == len(words) == len(distinct_words) == 8


def test_scene_links_set_the_sidebar_and_leave_the_link():
    at = new_app(scene="cat")
    no_exception(at)
    assert at.sidebar.text_input(key="s1").value == "cat sat mat" and at.sidebar.text_input(key="target").value == "cat"
    assert at.sidebar.selectbox(key="embeddings").value == "tutorial 2-D"
    assert "scene" not in at.query_params
    weights = [df for _, df in chart_titled(at, "where 'cat' looks")][0]["weight"].to_numpy()
    X = ac.toy_embeddings().lookup(["cat", "sat", "mat"]).vectors  # exercise 2, unscaled as in the tutorial
    assert np.allclose(weights, ac.softmax(X[0] @ X.T), atol=1e-12)
    unknown = new_app(scene="nope")
    no_exception(unknown)
    assert unknown.sidebar.text_input(key="s1").value == "I love Apple phones"


# --- Hostile input, round two: the UI items ---------------------------------------------------------

FAILING_UPLOAD = b"apple 1 2\npie 1 2\n" * 20 + b"bad 1 x\n"  # fails on its last line


def test_a_failing_upload_is_parsed_once_per_content(monkeypatch):
    """A file that fails validation was parsed again on every rerun, twice (sidebar + page)."""
    from ui import resources
    resources._parse_upload.clear()
    calls = []
    real = ac.parse_vectors
    monkeypatch.setattr(ac, "parse_vectors", lambda data, **kw: calls.append(len(data)) or real(data, **kw))
    at = plain_app(embeddings="upload a file")
    at.sidebar.file_uploader(key="upload_file").set_value(("bad.txt", FAILING_UPLOAD, "text/plain")).run()
    no_exception(at)
    assert any("line 41" in e for e in texts(at, "error"))
    for s1 in ("my dog", "the cat sat", "apple pie"):
        at.sidebar.text_input(key="s1").set_value(s1).run()
        no_exception(at)
    at.switch_page("views/step_by_step.py").run()
    no_exception(at)
    assert any("line 41" in e for e in texts(at, "error"))
    assert calls == [len(FAILING_UPLOAD)], f"parsed {len(calls)} times"


def test_link_text_is_capped_so_every_link_reopens():
    """A 100,000-character ?s1= made the address unopenable (HTTP 400): every text row has max_chars."""
    from ui import controls
    caps = {c.key: c.max_chars for c in controls.CONTROLS if c.kind == "text"}
    assert caps == {"s1": 500, "s2": 500, "target": 60, "concepts": 400, "wo_s1": 500, "wo_s2": 500, "class": 12}
    at = plain_app(s1="word " * 20_000, target="x" * 100_000, concepts="tech, " * 20_000)
    no_exception(at)
    sb = at.sidebar
    assert len(sb.text_input(key="s1").value) == 500 and len(sb.text_input(key="target").value) == 60
    assert len(sb.text_input(key="concepts").value) <= 400
    for key, cap in caps.items():
        assert len(at.query_params.get(key, "")) <= cap
    said = [w for w in texts(at.main, "warning") if "cut to fit" in w]
    assert len(said) == 1 and all(k in said[0] for k in ("(s1)", "(target)", "(concepts)")), said
    assert any("Only the first 64 words" in w for w in texts(at, "warning"))
    assert any("500 characters at most" in c.value for c in sb.caption)
    for m in texts(at, "info") + texts(at, "warning") + texts(at, "error") + [h.value for h in at.subheader]:
        assert len(m) < 500, m[:100]


@pytest.mark.parametrize("key, value", [("s1", "apple\ud800 juice"), ("s2", "pie\udfff"), ("target", "\ud800"),
                                        ("target", "app\ud800le"), ("concepts", "tech: technology\ud800 computer")])
def test_a_lone_surrogate_in_text_state_never_escapes_as_a_traceback(key, value):
    """A lone surrogate in a text row raised UnicodeEncodeError in the link binding."""
    from streamlit.testing.v1 import AppTest

    from tests.apptest_support import APP
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[key] = value
    at.run()
    no_exception(at)
    shown = at.sidebar.text_input(key=key).value
    assert shown == ac.clean_text(value)
    shown.encode("utf-8")


def test_a_multi_word_target_says_it_follows_its_first_word():
    at = plain_app(target="apple pie with cream")
    no_exception(at)
    assert any("Following 'apple', the first word of the target." in c.value.replace("\\", "")
               for c in at.sidebar.caption)
    assert chart_titled(at, "where 'apple' looks")
    at.sidebar.text_input(key="target").set_value("zzz apple").run()
    no_exception(at)
    assert any("The target word 'zzz' (the first word of the target 'zzz apple') is not in this sentence" in v
               for v in texts(at, "info")), texts(at, "info")


def test_an_empty_target_says_to_type_one():
    at = plain_app(target="")
    no_exception(at)
    said = texts(at, "info")
    assert any(v.startswith("No target word: type one in the sidebar") for v in said), said
    assert not any("''" in v for v in said)


def test_more_than_12_concepts_are_cut_with_a_notice():
    text = "; ".join(f"c{i}: word{i} other{i}" for i in range(15)) + "; many: a b c d e f g h i j"
    at = plain_app(embeddings="GloVe concept axes", concepts=text)
    no_exception(at)
    said = [w for w in texts(at.sidebar, "warning") if w.startswith("Concepts:")]
    assert said and "only the first 12 concepts are used (4 left out)" in said[0], said
    at = plain_app(concepts="tech: a b c d e f g h i j")
    assert any("8 words per concept at most (2 words left out)" in w for w in texts(at.sidebar, "warning"))


def test_a_map_of_identical_vectors_is_exact_not_approximate():
    at = plain_app(tab="Map", s1="apple", s2="apple")
    no_exception(at)
    said = [c.value for c in at.main.caption if "Hollow circle" in c.value]
    assert said and "exact" in said[0] and "approximate" not in said[0], said


def test_an_upload_summary_counts_in_the_singular():
    at = plain_app(embeddings="upload a file")
    at.sidebar.file_uploader(key="upload_file").set_value(("one.txt", b"apple 1 2\n", "text/plain")).run()
    no_exception(at)
    assert any(s.startswith("1 word x 2 numbers") for s in texts(at.sidebar, "info")), texts(at.sidebar, "info")


HUGE = b"".join(w + b" 3.4e38 1.5e38 -3.4e38\n" for w in (b"i", b"love", b"apple", b"phones", b"juice"))


@pytest.mark.parametrize("view", ["views/sentence_lab.py", "views/step_by_step.py", "views/why_projections.py"])
def test_legal_but_huge_numbers_are_printed_short(view):
    """An upload with 3.4e38 entries printed 78-digit numbers in heatmap cells, metrics and worked lines."""
    at = plain_app(embeddings="upload a file", scale="false", sbs_step="6. weights")  # Step by step: the heatmap
    at.sidebar.file_uploader(key="upload_file").set_value(("huge.txt", HUGE, "text/plain")).run()
    at.switch_page(view).run()
    no_exception(at)
    cells = [t for _, df in charts(at) if "text" in df.columns and "value" in df.columns for t in df["text"]]
    assert cells and max(len(t) for t in cells) <= 10, max(cells, key=len)
    long_integer_part = re.compile(r"(?<![\d.])\d{8,}")  # 3.4e38 printed whole has 39 digits before the point
    for block in [c.value for c in at.code if "score(" in c.value] + [m.value for m in at.metric]:
        assert not long_integer_part.search(block), block[:300]
    if view == "views/why_projections.py":
        assert at.metric and all(len(m.value) <= 10 for m in at.metric), [m.value for m in at.metric]


def test_matrix_tables_hold_every_row_in_presenter_view(monkeypatch):
    """The data grid's rows grow with the presenter view's larger text, so a table's height grows with them:
    a review saw Step by step's 4 x 4 scores show three rows in presenter view (the fixed height cut 'phones')."""
    heights = []

    class Where:  # the table's container: only its height is read here
        def markdown(self, *_, **__): ...
        def caption(self, *_, **__): ...
        def dataframe(self, _frame, **kwargs): heights.append(kwargs["height"])

    for present in (False, True):
        monkeypatch.setattr(tables.st, "session_state", {"present": present})
        tables.show_matrix("scores", np.zeros((4, 4)), ["I", "love", "Apple", "phones"], where=Where())
    plain, present = heights
    assert plain >= 5 * tables.ROW_PX  # the header and 4 rows
    assert present >= 5 * tables.ROW_PX * 1.25  # the same rows at the presenter view's text size


def test_the_story_says_what_switching_scaling_off_did():
    """With scaling off the Story's bars go one-hot (GloVe's scores are dozens): a line says why, with the
    target's own largest weight, and points to Why scale?; with scaling on it is not there."""
    at = new_app(scale="false")
    no_exception(at)
    said = [i.value.replace("\\", "") for i in at.info if "Scaling is off" in i.value]
    bars = weights_row(at, 0)
    assert said and f"'Apple' puts {bars.max():.2f} of its attention on one word" in said[0], said
    assert bars.max() > 0.9 and "Why scale?" in said[0]
    assert not any("Scaling is off" in i.value for i in new_app().info)
