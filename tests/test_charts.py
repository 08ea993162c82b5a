"""Chart-spec tests: every chart builds, validates against the Vega-Lite schema (to_dict()),
and encodes the fields, tooltips and token order the pages rely on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ui import charts

WORDS = ["the", "cat", "saw", "the", "cat"]  # repeated words must keep their own rows


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def data_of(chart) -> pd.DataFrame:
    return chart.data


def test_token_labels_are_unique_and_in_order():
    labels = charts.token_labels(WORDS)
    assert labels == ["01 the", "02 cat", "03 saw", "04 the", "05 cat"]
    assert len(set(labels)) == len(labels)
    assert charts.token_labels(["w"] * 100)[-1] == "100 w"


def test_heatmap_spec():
    m = np.arange(25, dtype=float).reshape(5, 5) / 24
    chart = charts.heatmap(m, WORDS, title="weights", value_name="weight")
    spec = chart.to_dict()  # validates against the schema
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
    spec = charts.heatmap(rng.normal(size=(3, 3)), ["a", "b", "c"], diverging=True).to_dict()
    assert layers(spec)[0]["encoding"]["color"]["scale"]["domainMid"] == 0
    big = charts.heatmap(np.eye(20), [f"w{i}" for i in range(20)]).to_dict()
    assert len(layers(big)) == 1  # no numbers in 400 cells


def test_attention_bars_spec():
    w = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    chart = charts.attention_bars(w, WORDS, title="row")
    spec = chart.to_dict()
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
    spec = chart.to_dict()
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
    spec = charts.concept_bars(df).to_dict()
    assert layers(spec)[0]["encoding"]["yOffset"]["field"] == "stage"
    nb = charts.neighbour_bars([("a", 0.9), ("b", 0.8)], [("c", 0.95)])
    nb.to_dict()
    d = data_of(nb)
    assert list(d["stage"]) == ["before", "before", "after"] and list(d["text"]) == ["a  0.90", "b  0.80", "c  0.95"]


def test_token_strip_flags_unknown_and_target_and_wraps():
    chart = charts.token_strip(["I", "love", "qzxv", "apple"], [True, True, False, True], target_index=3)
    chart.to_dict()
    df = data_of(chart)
    assert list(df["status"]) == ["word", "word", "unknown", "target"]
    assert list(df["text"]) == ["I", "love", "qzxv ?", "apple"]
    long = charts.token_strip([f"word{i}" for i in range(30)], [True] * 30)
    d = data_of(long)
    assert d["row"].max() >= 3 and (d["col"] < 10).all()  # wrapped onto rows, never one 30-chip line
    assert long.to_dict()["height"] == 44 * (d["row"].max() + 1)


def test_line_chart_spec():
    df = pd.DataFrame({"d_k": [1, 2, 4, 1, 2, 4], "v": [1, 2, 4, 1, 1, 1], "what": ["a"] * 3 + ["b"] * 3})
    spec = charts.line_chart(df, "d_k", "v", colour="what", log_x=True, log_y=True).to_dict()
    assert spec["mark"]["type"] == "line" and spec["encoding"]["x"]["scale"]["type"] == "log"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["a", "b"]
    theory = charts.line_chart(df, "d_k", "v", colour="what", dashed="b").to_dict()
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
])
def test_fast_spec_equals_altair_to_dict(build):
    """charts.spec() (cached template + rows) draws the same chart as Altair's own to_dict()."""
    chart = build()
    fast = charts.spec(chart)
    full = chart.to_dict()
    rows = full["datasets"][full["data"]["name"]]
    assert fast["data"]["values"].to_dict("records") == rows
    strip = {"data", "datasets", "autosize", "usermeta"}
    assert {k: v for k, v in fast.items() if k not in strip} == {k: v for k, v in full.items() if k not in strip}
    # the token strip stays SVG (its words are text); the others use canvas
    assert ("usermeta" in fast) == ("status" not in chart.data.columns)


def test_diverging_heatmap_is_symmetric_about_zero():
    """All-positive scores (X Xᵀ) must not draw their smallest value white: the scale runs -max..max."""
    spec = charts.heatmap(np.array([[16.0, 20.0], [20.0, 44.0]]), ["a", "b"], diverging=True).to_dict()
    assert spec["params"] == [{"name": "bound", "value": 44.0}]
    scale = layers(spec)[0]["encoding"]["color"]["scale"]
    assert scale["domainMin"] == {"expr": "-bound"} and scale["domainMax"] == {"expr": "bound"}
    assert scale["domainMid"] == 0
    assert "params" not in charts.heatmap(np.eye(2), ["a", "b"]).to_dict()  # weights keep their fixed 0..1


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
    spec = charts.heatmap(np.array([[1.0, -3.0], [2.0, 0.5]]), ["a", "b"], diverging=True, bound=bad).to_dict()
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
