"""Chart-spec tests: every builder returns a plain Vega-Lite spec that validates against the schema
(``valid``), encodes the fields, tooltips and token order the pages rely on, and leaves the
shared template cache as it found it."""

from __future__ import annotations

import copy

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ui import chart_tokens, charts

WORDS = ["the", "cat", "saw", "the", "cat"]  # repeated words must keep their own rows


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def data_of(spec: dict) -> pd.DataFrame:
    """A spec's rows (an Arrow table, as Streamlit sends them) read as a DataFrame."""
    values = spec["data"]["values"]
    return values.to_pandas() if isinstance(values, pa.Table) else values


def with_records(spec: dict) -> dict:
    """The spec as JSON would carry it: its rows as a list of records instead of a DataFrame."""
    return {**spec, "data": {"values": data_of(spec).to_dict("records")}}


def valid(spec: dict) -> dict:
    """``spec`` after validating it against the whole Vega-Lite schema (Altair's TopLevelSpec)."""
    assert isinstance(spec, dict) and isinstance(data_of(spec), pd.DataFrame)
    alt.TopLevelSpec.validate(with_records(spec))  # raises jsonschema's ValidationError
    return spec


def test_token_labels_are_unique_and_in_order():
    labels = charts.token_labels(WORDS)
    assert labels == ["01 the", "02 cat", "03 saw", "04 the", "05 cat"]
    assert len(set(labels)) == len(labels)
    assert charts.token_labels(["w"] * 100)[-1] == "100 w"


def test_heatmap_spec():
    m = np.arange(25, dtype=float).reshape(5, 5) / 24
    chart = charts.heatmap(m, WORDS, title="weights", value_name="weight")
    spec = valid(chart)
    rect, text = layers(spec)
    assert rect["mark"]["type"] == "rect" and text["mark"]["type"] == "text"
    enc = rect["encoding"]
    assert enc["x"]["field"] == "key" and enc["y"]["field"] == "query"
    assert enc["x"]["sort"] == {"field": "key_pos", "op": "min"}  # sentence order, not alphabetical
    assert enc["color"]["scale"]["domain"] == [0, 1]  # weights share one scale across heatmaps
    assert [t["field"] for t in enc["tooltip"]] == ["query", "key", "value"]
    df = data_of(chart)
    assert len(df) == 25 and sorted(set(df["query"])) == charts.token_labels(WORDS)
    # row-major, and each cell is the matrix entry
    assert np.array_equal(df["value"].to_numpy().reshape(5, 5), m)
    assert df.loc[(df["query"] == "04 the") & (df["key"] == "02 cat"), "value"].item() == m[3, 1]
    assert spec["width"] == spec["height"]


def test_heatmap_scores_are_diverging_and_big_ones_drop_the_numbers():
    rng = np.random.default_rng(0)
    spec = valid(charts.heatmap(rng.normal(size=(3, 3)), ["a", "b", "c"], diverging=True))
    assert layers(spec)[0]["encoding"]["color"]["scale"]["domainMid"] == 0
    big = valid(charts.heatmap(np.eye(20), [f"w{i}" for i in range(20)]))
    assert len(layers(big)) == 1  # no numbers in 400 cells


def test_attention_bars_spec():
    w = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    chart = charts.attention_bars(w, WORDS, title="row")
    spec = valid(chart)
    bars, text = layers(spec)
    assert bars["mark"]["type"] == "bar" and text["mark"]["type"] == "text"
    assert bars["encoding"]["x"]["scale"]["domain"] == [0, 1]
    assert bars["encoding"]["y"]["sort"] == {"field": "key_pos", "op": "min"}
    df = data_of(chart)
    assert df["weight"].sum() == pytest.approx(1.0) and list(df["text"]) == ["0.10", "0.20", "0.30", "0.25", "0.15"]


def _points() -> pd.DataFrame:
    return pd.DataFrame({
        "label": ["01 I", "02 love", "03 apple", "01 I", "02 love", "03 apple"],
        "sentence": ["1: I love apple"] * 3 + ["2: I love apple"] * 3,
        "x0": [0.0, 1.0, 2.0, 0.0, 1.0, 2.0], "y0": [0.0, 1.0, 0.0, 0.0, 1.0, 0.0],
        "x1": [0.5, 1.0, 1.5, 0.2, 1.1, 2.5], "y1": [0.1, 1.5, 1.0, 0.0, 0.8, -1.0],
        "target": [False, False, True, False, False, True],
    })


def test_pca_plot_spec():
    chart = charts.pca_plot(_points(), title="map", variance=(0.6, 0.3))
    spec = valid(chart)
    marks = [layer["mark"]["type"] for layer in layers(spec)]
    assert marks == ["rule", "point", "point", "text", "text", "text", "point"]  # last: the invisible frame
    rule = layers(spec)[0]["encoding"]
    assert {rule["x"]["field"], rule["x2"]["field"], rule["y"]["field"], rule["y2"]["field"]} == {"x0", "x1", "y0",
                                                                                                  "y1"}
    assert [t["field"] for t in rule["tooltip"]] == ["word", "sentence", "moved"]
    assert "PC1 keeps 60%" in spec["title"]["subtitle"]
    df = data_of(chart)
    # the arrow head points from embedding to output: angle clockwise from "up"
    assert df.loc[1, "angle"] == pytest.approx(0.0) and df.loc[5, "angle"] == pytest.approx(
        np.degrees(np.arctan2(0.5, -1.0)) % 360)
    assert np.all(np.isfinite(df[["x0", "y0", "x1", "y1", "angle", "moved"]].to_numpy()))
    words, frame = df[~df["frame"]], df[df["frame"]]
    assert list(words["word"]) == ["I", "love", "apple"] * 2
    # one scale for both axes: the frame is a square around every point, with a margin
    (fx0, fx1), (fy0, fy1) = sorted(frame["x0"]), sorted(frame["y0"])
    assert fx1 - fx0 == pytest.approx(fy1 - fy0)
    for a, b in (("x0", "x1"), ("y0", "y1")):
        lo, hi = (fx0, fx1) if a == "x0" else (fy0, fy1)
        inner = words[[a, b]].to_numpy()
        assert lo < inner.min() and inner.max() < hi
    assert spec["width"] == spec["height"]


def test_pca_plot_words_on_one_spot_share_a_label():
    """The tutorial's apple and phones are both (2, 2): one label 'apple, phones', not two printed over each other."""
    pts = pd.DataFrame({"label": ["01 love", "02 apple", "03 phones"], "sentence": ["1: love apple phones"] * 3,
                        "x0": [-4.0, 2.0, 2.0], "y0": [3.0, 2.0, 2.0], "x1": [-4.0, 2.0, 2.0], "y1": [3.0, 2.0, 2.0],
                        "target": [False, True, False]})
    df = data_of(charts.pca_plot(pts, axes=("x", "y")))
    words = df[~df["frame"]]
    assert list(words["tag"]) == ["love", "apple, phones", ""]  # the target carries the shared label
    pts["target"] = [False, False, True]
    assert list(data_of(charts.pca_plot(pts, axes=("x", "y"))).loc[:2, "tag"]) == ["love", "", "phones, apple"]


def test_concept_and_neighbour_charts():
    df = pd.DataFrame({"concept": ["tech", "fruit", "tech", "fruit"], "stage": ["before", "before", "after", "after"],
                       "cosine": [0.4, 0.6, 0.5, 0.5]})
    spec = valid(charts.concept_bars(df))
    assert layers(spec)[0]["encoding"]["yOffset"]["field"] == "stage"
    nb = charts.neighbour_bars([("a", 0.9), ("b", 0.8)], [("c", 0.95)])
    valid(nb)
    d = data_of(nb)
    assert list(d["stage"]) == ["before", "before", "after"] and list(d["text"]) == ["a  0.90", "b  0.80", "c  0.95"]


def test_token_strip_flags_unknown_and_target_and_wraps():
    chart = charts.token_strip(["I", "love", "qzxv", "apple"], [True, True, False, True], target_index=3)
    valid(chart)
    df = data_of(chart)
    assert list(df["status"]) == ["word", "word", "unknown", "target"]
    assert list(df["text"]) == ["I", "love", "qzxv ?", "apple"]
    long = charts.token_strip([f"word{i}" for i in range(30)], [True] * 30)
    d = data_of(long)
    assert d["row"].max() >= 3 and (d["col"] < 10).all()  # wrapped onto rows, never one 30-chip line
    assert valid(long)["height"] == 44 * (d["row"].max() + 1)


def test_line_chart_spec():
    df = pd.DataFrame({"d_k": [1, 2, 4, 1, 2, 4], "v": [1, 2, 4, 1, 1, 1], "what": ["a"] * 3 + ["b"] * 3})
    spec = valid(charts.line_chart(df, "d_k", "v", colour="what", log_x=True, log_y=True))
    assert spec["mark"]["type"] == "line" and spec["encoding"]["x"]["scale"]["type"] == "log"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["a", "b"]
    theory = valid(charts.line_chart(df, "d_k", "v", colour="what", dashed="b"))
    measured, dashed = theory["layer"]  # the theory line is drawn last, over the measurement
    assert measured["mark"]["type"] == dashed["mark"]["type"] == "line"
    assert dashed["mark"]["strokeDash"] == [8, 6] and dashed["mark"]["strokeWidth"] < measured["mark"]["strokeWidth"]
    assert "point" not in dashed["mark"] and measured["mark"]["point"] is True
    assert measured["encoding"]["color"]["scale"]["range"] == [charts.OKABE_ITO[0], charts.INK]
    assert "!" in str(measured["transform"]) and "!" not in str(dashed["transform"])


@pytest.mark.parametrize("build", [
    lambda: charts.heatmap(np.eye(3), ["a", "b", "c"]),
    lambda: charts.heatmap(np.array([[16.0, 20.0], [20.0, 44.0]]), ["a", "b"], diverging=True),
    lambda: charts.attention_bars(np.ones(3) / 3, ["a", "b", "c"]),
    lambda: charts.pca_plot(_points(), variance=(0.5, 0.2)),
    lambda: charts.token_strip(["a", "b"], [True, False]),
    lambda: charts.neighbour_bars([("a", 0.5)], [("b", 0.6)]),
    lambda: charts.concept_bars(pd.DataFrame({"concept": ["tech"], "stage": ["after"], "cosine": [0.4]})),
])
def test_spec_equals_altair_to_dict(build):
    """A builder's spec (cached template + rows) is the chart Altair itself writes: rebuilt from the spec
    with validation, Altair's own to_dict() gives the same spec and the same rows."""
    fast = build()
    chart = (alt.LayerChart if "layer" in fast else alt.Chart).from_dict(with_records(fast), validate=True)
    full = chart.to_dict()  # validates against the schema
    rows = full["datasets"][full["data"]["name"]]
    assert isinstance(fast["data"]["values"], pa.Table)  # Arrow, as Streamlit sends it: no conversion there
    assert data_of(fast).to_dict("records") == rows
    strip = {"data", "datasets", "autosize", "usermeta"}
    assert {k: v for k, v in fast.items() if k not in strip} == {k: v for k, v in full.items() if k not in strip}
    # the token strip stays SVG (its words are text); the others use canvas
    assert ("usermeta" in fast) == ("status" not in data_of(fast).columns)


def _line_df(scale: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame({"d_k": [1, 2, 4, 1, 2, 4], "v": np.array([1.0, 2, 4, 1, 1, 1]) * scale,
                         "what": ["a"] * 3 + ["b"] * 3})


# every builder, as (chart with title "A" and some data, the same shape with title "B" and other data)
PAIRS = {
    "heatmap": lambda t, k: charts.heatmap(np.eye(3) * k, ["a", "b", "c"], title=t),
    "scores": lambda t, k: charts.heatmap(np.eye(3) * k - 0.5, ["a", "b", "c"], title=t, diverging=True),
    "attention_bars": lambda t, k: charts.attention_bars(np.ones(3) / 3 * k, ["a", "b", "c"], title=t),
    "pca_plot": lambda t, k: charts.pca_plot(_points().assign(x1=lambda d: d["x1"] * k), title=t),
    "token_strip": lambda t, k: charts.token_strip(["a", t], [True, True], target_index=int(k < 0.5)),
    "neighbour_bars": lambda t, k: charts.neighbour_bars([(t, 0.5 * k)], [("b", 0.6)], title=t),
    "concept_bars": lambda t, k: charts.concept_bars(
        pd.DataFrame({"concept": ["tech", "tech"], "stage": ["before", "after"], "cosine": [0.4 * k, 0.5]}), title=t),
    "line_chart": lambda t, k: charts.line_chart(_line_df(k), "d_k", "v", colour="what", title=t),
    "line_chart_plain": lambda t, k: charts.line_chart(_line_df(k), "d_k", "v", title=t),
    "line_chart_dashed": lambda t, k: charts.line_chart(_line_df(k), "d_k", "v", colour="what", dashed="b", title=t),
}


class Recorder:
    """A stand-in Streamlit container: keeps what show() passes to vega_lite_chart."""

    def vega_lite_chart(self, spec, width):
        self.spec, self.width = spec, width


@pytest.mark.parametrize("name", PAIRS)
def test_builders_and_show_leave_the_cached_template_unchanged(name):
    """Two charts of one shape share the cached template's parts; building the second, and drawing both
    with show() through the real st.vega_lite_chart (which patches a top-level encoding in place),
    changes neither the cache nor what the first chart shares with it."""
    import streamlit as st

    a = valid(PAIRS[name]("A", 1.0))
    a_rows = data_of(a).copy()
    a_before = copy.deepcopy({k: v for k, v in a.items() if k != "data"})
    b = valid(PAIRS[name]("B", 0.25))
    assert a["config"] is b["config"]  # from one cached template, not rebuilt
    for spec in (a, b):
        for width in ("content", "stretch"):
            charts.show(spec, st.container(), width=width)
    pd.testing.assert_frame_equal(data_of(a), a_rows)
    for key in set(a_before) - {"encoding"}:  # a line chart's top-level encoding is its own copy
        assert a[key] == a_before[key], key
    again = PAIRS[name]("A", 1.0)  # built from the cache again: exactly as the first time
    assert {k: v for k, v in again.items() if k != "data"} == a_before
    if "title" in a:
        assert a["title"] != b["title"]


def test_a_cached_template_is_never_changed_by_the_charts_built_from_it():
    key = ("weight", False, 15, 15, False, chart_tokens.QUERY_KEY, 15)  # as heatmap() asks for a 3 x 3 of weights
    template = chart_tokens._heatmap_template(*key)
    frozen = copy.deepcopy(template)
    one = charts.heatmap(np.eye(3), ["a", "b", "c"], title="one")
    two = charts.heatmap(np.eye(3) / 2, ["x", "y", "z"], title="two")
    three = charts.heatmap(np.eye(3), ["a", "b", "c"], title="scores", diverging=True)
    assert one["layer"] is two["layer"] is template["layer"]  # the same shape: the same cached template
    assert three["layer"] is not template["layer"]
    assert chart_tokens._heatmap_template(*key) is template and template == frozen
    assert "data" not in template and "title" not in template and "width" not in template
    assert (one["title"], two["title"]) == ("one", "two")
    assert list(data_of(two)["query"].unique()) == ["01 x", "02 y", "03 z"]


def test_what_show_draws_is_the_spec_as_changed_by_the_caller():
    """No hidden state: a spec's new title and rows are what reaches Streamlit; show() adds only the sizing."""
    spec = charts.heatmap(np.eye(2), ["a", "b"], title="old")
    spec["title"] = "new"
    spec["data"] = {"values": data_of(spec).head(1)}
    drawn = Recorder()
    charts.show(spec, drawn)
    assert drawn.spec is spec and drawn.width == "content"
    assert drawn.spec["title"] == "new" and len(data_of(drawn.spec)) == 1
    charts.show(spec, drawn, width="stretch")
    assert drawn.width == "stretch" and drawn.spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["autosize"] == {"type": "pad", "contains": "padding"}  # the caller's spec is not changed
    assert {k: v for k, v in drawn.spec.items() if k != "autosize"} == {k: v for k, v in spec.items()
                                                                        if k != "autosize"}
    with pytest.raises(TypeError):
        charts.show(alt.Chart(pd.DataFrame({"a": [1]})).mark_point(), drawn)


def test_line_charts_keep_vega_lites_default_sizing_and_svg():
    spec = valid(charts.line_chart(_line_df(), "d_k", "v", title="t"))
    assert "autosize" not in spec and "usermeta" not in spec and spec["height"] == 300 and spec["title"] == "t"


def test_diverging_heatmap_is_symmetric_about_zero():
    """All-positive scores (X Xᵀ) must not draw their smallest value white: the scale runs -max..max."""
    spec = valid(charts.heatmap(np.array([[16.0, 20.0], [20.0, 44.0]]), ["a", "b"], diverging=True))
    assert spec["params"] == [{"name": "bound", "value": 44.0}]
    scale = layers(spec)[0]["encoding"]["color"]["scale"]
    assert scale["domainMin"] == {"expr": "-bound"} and scale["domainMax"] == {"expr": "bound"}
    assert scale["domainMid"] == 0
    assert "params" not in valid(charts.heatmap(np.eye(2), ["a", "b"]))  # weights keep their fixed 0..1


def test_pca_plot_frame_is_readable_when_every_point_is_on_one_spot():
    """'the the' (PCA of identical rows is all zeros) or one 2-D word: the square keeps a readable size."""
    pts = pd.DataFrame({"label": ["01 the", "02 the"], "sentence": ["1: the the"] * 2, "x0": [0.0, 0.0],
                        "y0": [0.0, 0.0], "x1": [0.0, 0.0], "y1": [0.0, 0.0], "target": [False, False]})
    frame = data_of(charts.pca_plot(pts)).query("frame")
    assert np.ptp(frame["x0"]) >= 1.0 and np.ptp(frame["y0"]) >= 1.0
    one = pts.iloc[:1].assign(x0=2.0, y0=2.0, x1=2.0, y1=2.0)  # the tutorial's apple alone, at (2, 2)
    frame = data_of(charts.pca_plot(one, axes=("x", "y"))).query("frame")
    assert frame["x0"].min() < 2.0 < frame["x0"].max() and np.ptp(frame["x0"]) >= 2.0


def test_pca_plot_nearby_words_share_a_label_across_any_grid_line():
    """Two outputs 0.0002 apart in a frame about 11 wide get one label, wherever they fall."""
    pts = pd.DataFrame({"label": ["01 a", "02 b", "03 c"], "sentence": ["1: a b c"] * 3,
                        "x0": [0.0, 0.0, 10.0], "y0": [0.0, 0.0, 0.0],
                        "x1": [0.4599, 0.4601, 10.0], "y1": [1.0, 1.0, 0.0], "target": [False, False, False]})
    tags = list(data_of(charts.pca_plot(pts)).query("not frame")["tag"])
    assert tags == ["a, b", "", "c"]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -2.0, 0.0])
def test_heatmap_ignores_a_bound_that_would_break_or_flip_the_scale(bad):
    spec = valid(charts.heatmap(np.array([[1.0, -3.0], [2.0, 0.5]]), ["a", "b"], diverging=True, bound=bad))
    assert spec["params"] == [{"name": "bound", "value": 3.0}]


def test_pca_plot_labels_that_would_overlap_are_merged_and_capped():
    """Outputs a label's height apart would print their words over each other: one label instead, at most
    four words and then '+N'; a word far away keeps its own label."""
    n = 7
    pts = pd.DataFrame({"label": [f"{i + 1:02d} w{i}" for i in range(n)] + ["08 far"],
                        "sentence": ["1: s"] * (n + 1),
                        "x0": [0.0] * (n + 1), "y0": [0.0] * (n + 1),
                        "x1": [0.05 * i for i in range(n)] + [10.0], "y1": [0.0] * n + [10.0],
                        "target": [False] * (n + 1)})
    tags = list(data_of(charts.pca_plot(pts)).query("not frame")["tag"])
    assert tags[0] == "w0, w1, w2, w3 +3" and tags[1:n] == [""] * (n - 1)
    assert tags[n] == "far"


@pytest.mark.parametrize("build", [lambda: charts.attention_bars(np.array([0.03, 0.97]), ["a", "b"]),
                                   lambda: charts.value_bars(np.array([0.5, 1.95]), ["man", "dog"])])
def test_bars_leave_room_for_the_longest_value_label(build):
    """The value label right of the longest bar needs room past the plot. Streamlit's frontend gives a spec
    without a top-level padding one of its own ({bottom: ...}), which replaces the config's, so the bars set
    theirs at the top level (a review saw "1.95" cut to "1.9" at 1366 px)."""
    spec = build()
    assert spec["padding"]["right"] >= 40
    assert "bottom" not in spec["padding"]  # Streamlit adds its own bottom, as for every chart


def test_a_small_weight_that_is_not_zero_never_reads_0_00_on_its_bar():
    """softmax([-2, 8, 8]) gives 0.0000227 to the first word: the tutorial's lesson is "never exactly 0", and its
    bar said "0.00". A true 0 (a masked key) still reads 0.00; 2 decimals otherwise."""
    e = np.exp(np.array([-2.0, 8.0, 8.0]) - 8.0)
    w = e / e.sum()  # [2.27e-05, 0.49999, 0.49999]
    texts = list(data_of(charts.attention_bars(np.append(w, 0.0), ["a", "b", "c", "d"]))["text"])
    assert texts == ["< 0.01", "0.50", "0.50", "0.00"]
    assert list(data_of(charts.value_bars(np.array([-0.001, 1.234]), ["x", "y"]))["text"]) == ["> -0.01", "1.23"]
