"""Chart builders. Each function takes plain arrays / lists and RETURNS an Altair chart.

Conventions:
* tokens carry index-prefixed labels ("03 the") so a repeated word keeps its
  own row, and every axis is sorted in sentence order (by a position field),
  never alphabetically;
* colours come from colour-blind-safe palettes (Okabe-Ito for categories,
  viridis / blue-orange for numbers), with type large enough to project;
* numbers in cells are rounded for reading; the tooltip gives six digits.

Speed: a page shows up to ten charts per rerun, so each is built with as few
Altair calls as possible (one shared data source per layered chart, the
configuration passed once to the constructor instead of ``configure_*`` copies),
and ``show`` serialises without Altair's jsonschema validation, which the chart
tests run instead (``to_dict()`` validates there).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

# Okabe & Ito (2008), the standard colour-blind-safe categorical palette
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SENTENCE_COLOURS = OKABE_ITO[:2]
# projections off / random / learned, compared side by side: not blue or orange, which mean the sentences
VARIANT_COLOURS = {"off": "#666666", "random": OKABE_ITO[2], "learned": OKABE_ITO[3]}
LESSON_COLOURS = (OKABE_ITO[5], OKABE_ITO[2])  # Why scale?'s unscaled / scaled lines: not the sentence colours
FONT_SIZE = 15
TITLE_SIZE = 18

INK = "#262730"  # near-black text: Streamlit's default chart grey (#808495) is 3.7:1 on white, too faint to project
CONFIG = alt.Config(
    axis=alt.AxisConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=220,
                        labelColor=INK, titleColor=INK),
    legend=alt.LegendConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=500,
                            labelColor=INK, titleColor=INK),
    title=alt.TitleConfig(fontSize=TITLE_SIZE, anchor="start", color=INK, subtitleColor=INK),
    view=alt.ViewConfig(strokeWidth=0),
)


def token_labels(words: Sequence[str]) -> list[str]:
    """'01 I', '02 love', ... : unique, sortable, readable labels for tokens."""
    width = max(2, len(str(len(words))))
    return [f"{i + 1:0{width}d} {w}" for i, w in enumerate(words)]


def show(chart: alt.TopLevelMixin, where=None, *, width: str = "content") -> None:
    """Render a chart built here (``where`` is a Streamlit container, default ``st``).

    Charts made by this module from a cached template are serialised from the
    template's cached Vega-Lite dict plus this call's rows (well under 1 ms)
    instead of Altair's ``to_dict`` (5-15 ms a chart); any other Altair chart
    goes through ``to_dict``. The two give the same spec (tested).
    """
    import streamlit as st

    out = spec(chart)
    if width == "stretch":
        out["autosize"] = {"type": "fit-x", "contains": "padding"}
    (where or st).vega_lite_chart(out, width=width)


def spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite dict for ``chart`` (fast path for template-built charts)."""
    parts = chart.__dict__.get("_template_parts")
    if parts is None:
        return chart.to_dict(validate=False)
    template, data, props = parts
    key = id(template)
    if key not in _SPECS:
        template_spec = template.to_dict(validate=False)
        for layer in template_spec.get("layer", []):  # data-free layers point at an "empty" dataset
            if layer.get("data") == {"name": "empty"}:
                del layer["data"]
        _SPECS[key] = (template, template_spec)
    out = dict(_SPECS[key][1])
    out.pop("datasets", None)
    out["data"] = {"values": data}  # Streamlit sends DataFrames to the browser as Arrow
    out.update({k: _plain(v) for k, v in props.items()})
    # width/height are the plot area; axes and legends add to it (Streamlit's
    # default "fit" would squeeze the cells to make room for them)
    out.setdefault("autosize", {"type": "pad", "contains": "padding"})
    if chart.__dict__.get("_canvas", True):
        # one <canvas> instead of an SVG node per mark: a page of ten charts then
        # costs the browser a fraction of the style/layout work on every edit
        out["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    return out


def _plain(value):
    """An Altair object (or a list of them) as its Vega-Lite dict; anything else as it is."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.to_dict(validate=False) if hasattr(value, "to_dict") else value


# id(template) -> (template, its Vega-Lite dict). Holding the template keeps its id
# from being reused by another object after an lru_cache eviction; the number of
# distinct templates is small and bounded (their keys are a few sizes and names).
_SPECS: dict[int, tuple[alt.TopLevelMixin, dict]] = {}


def _filled(template: alt.LayerChart, data: pd.DataFrame, **props) -> alt.LayerChart:
    """A shallow copy of a cached, data-free chart template with this call's data and sizes.

    Building the encodings is the slow part of Altair (~5-15 ms a chart); the
    templates are built once per process and never mutated, so this is cheap
    and safe across sessions.
    """
    chart = template.copy(deep=False)
    chart.data = data
    for key, value in props.items():
        setattr(chart, key, value)
    object.__setattr__(chart, "_template_parts", (template, data, props))  # read by spec()
    return chart


def _by_position(field: str, title: str | None, **axis) -> dict:
    return dict(field=field, type="nominal", sort=alt.EncodingSortField(field=f"{field}_pos", op="min"),
                title=title, axis=alt.Axis(**axis) if axis else alt.Undefined)


def heatmap(matrix: np.ndarray, row_words: Sequence[str], col_words: Sequence[str] | None = None, *,
            title: str = "", value_name: str = "weight", diverging: bool = False,
            decimals: int = 2, bound: float | None = None) -> alt.LayerChart:
    """A (n_rows, n_cols) matrix as coloured cells with the value printed in each cell.

    Rows are queries ("who is looking"), columns are keys ("at whom"). Weights use
    a fixed 0..1 viridis scale so two heatmaps compare; ``diverging`` uses a
    blue-orange scale from -max|value| to +max|value| (for raw and scaled scores,
    which can be negative), so white is always 0. Pass one ``bound`` to several
    heatmaps to make the same colour mean the same score in all of them.
    """
    col_words = row_words if col_words is None else col_words
    rows, cols = token_labels(row_words), token_labels(col_words)
    m = np.asarray(matrix, dtype=float)
    n_r, n_c = m.shape
    finite = m[np.isfinite(m)]
    if bound is None or not np.isfinite(bound) or bound <= 0:  # a bad bound would flip or break the scale
        bound = float(np.abs(finite).max()) if finite.size else 1.0
    ri, ci = np.divmod(np.arange(n_r * n_c), n_c)
    values = m.ravel()
    df = pd.DataFrame({
        "query": np.asarray(rows)[ri], "query_pos": ri,
        "key": np.asarray(cols)[ci], "key_pos": ci,
        "value": values,
        "text": [f"{v:.{decimals}f}" for v in values],
        "dark": (np.abs(values) > 0.6 * bound) if diverging else (values < 0.55),
    })
    n = max(n_r, n_c)
    cell = int(np.clip(260 / max(n, 1), 5, 62))  # grid + labels fit half a laptop screen beside the sidebar
    font = int(max(10, min(FONT_SIZE, cell // 3))) if n <= 16 else 0  # numbers only while readable
    label_size = FONT_SIZE if n <= 8 else (12 if n <= 20 else 0)  # beyond 20 words the tooltip names the cell
    extra = {"params": [alt.VariableParameter(name="bound", value=bound or 1.0)]} if diverging else {}
    return _filled(_heatmap_template(value_name, diverging, font, label_size), df, title=title,
                   width=cell * n_c, height=cell * n_r, **extra)


@functools.lru_cache(maxsize=64)
def _heatmap_template(value_name: str, diverging: bool, font: int, label_size: int) -> alt.LayerChart:
    if diverging:
        # symmetric about 0 (the bound is a parameter filled in per chart): white always means 0, and an
        # all-positive matrix (X Xᵀ) is all orange instead of having its smallest value drawn white
        scale = alt.Scale(scheme="blueorange", domainMin=alt.ExprRef("-bound"), domainMax=alt.ExprRef("bound"),
                          domainMid=0)
    else:
        scale = alt.Scale(scheme="viridis", domain=[0, 1])
    # every word keeps its label (no overlap thinning): a class must see which column is "bank"
    labels = dict(labelOverlap=False, labelFontSize=label_size) if label_size else dict(labels=False)
    x = alt.X(**_by_position("key", "key (attended to)", labelAngle=-60, orient="top", **labels))
    y = alt.Y(**_by_position("query", "query (looking)", **labels))
    rects = alt.Chart().mark_rect().encode(
        x=x, y=y,
        color=alt.Color("value:Q", scale=scale, title=value_name,
                        legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=200)),
        tooltip=[alt.Tooltip("query:N"), alt.Tooltip("key:N"), alt.Tooltip("value:Q", format=".6f", title=value_name)],
    )
    layers = [rects]
    if font:
        layers.append(alt.Chart().mark_text(fontSize=font).encode(
            x=x, y=y, text="text:N",
            color=alt.condition("datum.dark", alt.value("white"), alt.value("black")),
        ))
    return alt.LayerChart(layer=layers, config=CONFIG)


def attention_bars(weights: np.ndarray, words: Sequence[str], *, title: str = "",
                   colour: str = SENTENCE_COLOURS[0], width: int = 260) -> alt.LayerChart:
    """One token's attention row as horizontal bars, in sentence order, with the values."""
    labels = token_labels(words)
    w = np.asarray(weights, dtype=float)
    df = pd.DataFrame({"key": labels, "key_pos": np.arange(len(labels)), "weight": w,
                       "text": [f"{v:.2f}" for v in w]})
    return _filled(_bars_template(colour), df, title=title, height=max(90, 30 * len(labels)), width=width)


@functools.lru_cache(maxsize=8)
def _bars_template(colour: str) -> alt.LayerChart:
    y = alt.Y(**_by_position("key", None))
    x = alt.X("weight:Q", scale=alt.Scale(domain=[0, 1]), title="attention weight")
    bars = alt.Chart().mark_bar(color=colour).encode(
        x=x, y=y, tooltip=["key:N", alt.Tooltip("weight:Q", format=".6f")])
    text = alt.Chart().mark_text(align="left", dx=4, fontSize=FONT_SIZE).encode(x=x, y=y, text="text:N")
    return alt.LayerChart(layer=[bars, text], config=CONFIG)


def pca_plot(points: pd.DataFrame, *, title: str = "", variance: Sequence[float] = (0.0, 0.0),
             axes: tuple[str, str] = ("PC1", "PC2"), colours: Sequence[str] | None = None) -> alt.LayerChart:
    """Every word before (hollow circle) and after (filled arrow head) attention, joined by a line.

    ``points`` columns: ``label`` (e.g. "03 apple"), ``sentence`` (e.g. "1: I love
    Apple phones"), ``x0, y0`` (embedding), ``x1, y1`` (output), ``target`` (bool).
    The axes are PC1/PC2 of one basis fitted on everything shown. ``colours``: one
    per sentence, in order of appearance (default: the sentence colours).

    The chart is square with one scale for both axes, so distances and angles
    look as they are (the tutorial's 2-D pictures, PCA's distances). Two invisible
    ``frame`` rows fix that square around every point with a margin. Words whose
    labels would overlap share one label, "apple, phones" (at most four words,
    then "+N"), instead of printing over each other.
    """
    df = points.copy()
    dx, dy = df["x1"] - df["x0"], df["y1"] - df["y0"]
    df["angle"] = np.degrees(np.arctan2(dx, dy)) % 360  # clockwise from "up", for the arrow head
    df["moved"] = np.hypot(dx, dy)
    df["size"] = np.where(df["target"], 360, 120)
    df["word"] = df["label"].str.split(" ", n=1).str[1]
    df["frame"] = False
    xs, ys = np.concatenate([df["x0"], df["x1"]]), np.concatenate([df["y0"], df["y1"]])
    centre = np.array([xs.min() + xs.max(), ys.min() + ys.max()]) / 2
    span = max(np.ptp(xs), np.ptp(ys))
    if not span > 1e-9 * max(1.0, float(np.abs(centre).max())):  # every point on one spot ("the the"): a frame
        span = max(1.0, float(np.abs(centre).max()))  # of a readable size, not one a billionth wide
    half = span / 2 * 1.15  # 15 % margin: labels and arrow heads stay inside
    df["tag"] = _shared_labels(df, px_per_unit=MAP_SIZE / (2 * half))
    sentences = tuple(dict.fromkeys(df["sentence"]))
    corners = pd.DataFrame({"x0": centre[0] + [-half, half], "y0": centre[1] + [-half, half], "frame": True})
    corners[["x1", "y1"]] = corners[["x0", "y0"]].to_numpy()
    df = pd.concat([df, corners], ignore_index=True)
    df[["label", "sentence", "word", "tag"]] = df[["label", "sentence", "word", "tag"]].fillna("")
    df[["angle", "moved", "size"]] = df[["angle", "moved", "size"]].fillna(0.0)
    df["target"] = df["target"].fillna(False).astype(bool)
    if axes == ("x", "y"):
        subtitle = "the vectors' own two coordinates (no projection needed)"
    else:
        subtitle = f"axes: PC1 keeps {variance[0]:.0%}, PC2 {variance[1]:.0%} of the variance"
    colours = tuple(colours or SENTENCE_COLOURS[: len(sentences)])
    return _filled(_pca_template(colours, axes), df, width=MAP_SIZE, height=MAP_SIZE,
                   title={"text": title or "every word, before and after attention", "subtitle": subtitle,
                          "subtitleFontSize": FONT_SIZE})


MAP_SIZE = 480  # px, square: with its title and legend it fits a 1366 x 768 laptop's window


def _shared_labels(df: pd.DataFrame, px_per_unit: float, max_words: int = 4) -> list[str]:
    """Word labels that never print over each other: '' for a word whose label is merged into another.

    Greedy, targets first, then in order: each word's label box (in pixels, anchored as the text
    marks draw it: left-aligned, 9 px right of and above its arrow head) either joins the first
    label already placed that it would overlap (or whose point it sits on), or is placed itself.
    A label lists at most ``max_words`` words, then "+N". At most 128 points: O(n^2) is nothing.
    """
    xs = df["x1"].to_numpy(dtype=float) * px_per_unit
    ys = -df["y1"].to_numpy(dtype=float) * px_per_unit  # screen y grows downwards
    words, is_target = list(df["word"]), df["target"].to_numpy(dtype=bool)
    height = FONT_SIZE + 4

    def box(i: int, text: str) -> tuple[float, float, float, float]:
        char = (FONT_SIZE + 3) * 0.62 if is_target[i] else FONT_SIZE * 0.58
        left, bottom = xs[i] + 9, ys[i] - 9
        return left, left + char * len(text), bottom - height, bottom

    def overlap(a, b) -> bool:
        return not (a[1] < b[0] or b[1] < a[0] or a[3] < b[2] or b[3] < a[2])

    def text(members: list[str]) -> str:
        shown = ", ".join(members[:max_words])
        return shown + (f" +{len(members) - max_words}" if len(members) > max_words else "")

    placed: list[tuple[int, list[str]]] = []  # (carrier row, its words)
    for i in sorted(range(len(df)), key=lambda i: not is_target[i]):
        mine = box(i, words[i])
        for carrier, members in placed:
            same_point = np.hypot(xs[i] - xs[carrier], ys[i] - ys[carrier]) < 6
            if same_point or overlap(mine, box(carrier, text(members))):
                if words[i] not in members:
                    members.append(words[i])
                break
        else:
            placed.append((i, [words[i]]))
    tags = [""] * len(df)
    for carrier, members in placed:
        tags[carrier] = text(members)
    return tags


@functools.lru_cache(maxsize=8)
def _pca_template(colours: tuple[str, ...], axes: tuple[str, str] = ("PC1", "PC2")) -> alt.LayerChart:
    colour = alt.Color("sentence:N", scale=alt.Scale(range=list(colours)),
                       legend=alt.Legend(title=None, orient="bottom", symbolSize=220, direction="vertical"))
    tip = [alt.Tooltip("word:N"), alt.Tooltip("sentence:N"),
           alt.Tooltip("moved:Q", format=".3f", title="distance moved")]
    size = alt.Size("size:Q", legend=None, scale=None)
    words_only = "!datum.frame"
    lines = alt.Chart().transform_filter(words_only).mark_rule(strokeWidth=2, opacity=0.6).encode(
        x=alt.X("x0:Q", title=axes[0], scale=alt.Scale(zero=False, nice=False)),
        y=alt.Y("y0:Q", title=axes[1], scale=alt.Scale(zero=False, nice=False)), x2="x1:Q", y2="y1:Q",
        color=colour, tooltip=tip)
    before = alt.Chart().transform_filter(words_only).mark_point(filled=False, strokeWidth=2, shape="circle").encode(
        x="x0:Q", y="y0:Q", color=colour, size=size, tooltip=tip)
    after = alt.Chart().transform_filter(words_only).mark_point(filled=True, opacity=1, shape="triangle-up").encode(
        x="x1:Q", y="y1:Q", color=colour, size=size, angle=alt.Angle("angle:Q", scale=None), tooltip=tip)
    words = alt.Chart().transform_filter("!datum.frame && !datum.target && datum.tag != ''").mark_text(
        align="left", dx=9, dy=-9, fontSize=FONT_SIZE).encode(x="x1:Q", y="y1:Q", text="tag:N", color=colour)
    targets = alt.Chart().transform_filter("datum.target && datum.tag != ''").mark_text(
        align="left", dx=11, dy=-11, fontSize=FONT_SIZE + 3, fontWeight="bold").encode(
        x="x1:Q", y="y1:Q", text="tag:N", color=colour)
    starts = alt.Chart().transform_filter("datum.target").mark_text(
        align="right", dx=-10, dy=10, fontSize=FONT_SIZE - 1, fontStyle="italic").encode(
        x="x0:Q", y="y0:Q", text=alt.value("before"), color=colour)
    frame = alt.Chart().transform_filter("datum.frame").mark_point(opacity=0).encode(x="x0:Q", y="y0:Q")
    return alt.LayerChart(layer=[lines, before, after, words, targets, starts, frame], config=CONFIG)


def concept_bars(df: pd.DataFrame, *, title: str = "", axis_title: str = "cosine with the concept word",
                 colour: str = OKABE_ITO[0]) -> alt.LayerChart:
    """Cosine of a word with each concept word, before (grey) vs after (``colour``: its sentence's) attention.

    ``df`` columns: ``concept``, ``stage`` ("before" / "after"), ``cosine``.
    """
    data = df.copy()
    concepts = list(dict.fromkeys(data["concept"]))
    data["concept_pos"] = data["concept"].map({c: i for i, c in enumerate(concepts)})
    return _filled(_concept_template(axis_title, colour), data, title=title, height=max(120, 44 * len(concepts)),
                   width=300)


@functools.lru_cache(maxsize=8)
def _concept_template(axis_title: str, after_colour: str) -> alt.LayerChart:
    stages = ["before", "after"]
    y = alt.Y(**_by_position("concept", None))
    x = alt.X("cosine:Q", title=axis_title, scale=alt.Scale(domain=[-0.2, 1]))
    offset = alt.YOffset("stage:N", sort=stages)
    colour = alt.Color("stage:N", sort=stages, scale=alt.Scale(domain=stages, range=["#999999", after_colour]),
                       legend=alt.Legend(title=None, orient="bottom"))
    tip = ["concept:N", "stage:N", alt.Tooltip("cosine:Q", format=".3f")]
    bars = alt.Chart().mark_bar().encode(x=x, y=y, yOffset=offset, color=colour, tooltip=tip)
    text = alt.Chart().mark_text(align="left", dx=3, fontSize=FONT_SIZE - 2, color="black").encode(
        x=x, y=y, yOffset=offset, text=alt.Text("cosine:Q", format=".2f"))
    return alt.LayerChart(layer=[bars, text], config=CONFIG)


def neighbour_bars(before: Sequence[tuple[str, float]], after: Sequence[tuple[str, float]], *,
                   title: str = "", colour: str = OKABE_ITO[0]) -> alt.LayerChart:
    """Nearest words before (grey) and after (a tint of ``colour``, its sentence's) attention, ranked.

    ``before`` / ``after``: (word, cosine) pairs, best first.
    """
    rows = [("before", i, w, c) for i, (w, c) in enumerate(before)] + \
           [("after", i, w, c) for i, (w, c) in enumerate(after)]
    df = pd.DataFrame(rows, columns=["stage", "rank", "word", "cosine"])
    df["text"] = [f"{w}  {c:.2f}" for w, c in zip(df["word"], df["cosine"])]
    n = max(len(before), len(after), 1)
    return _filled(_neighbour_template(TINTS.get(colour, "#CFE3F2")), df, title=title, height=26 * n, width=360)


TINTS = {OKABE_ITO[0]: "#CFE3F2", OKABE_ITO[1]: "#FBE6BF"}  # light backgrounds of the sentence colours


@functools.lru_cache(maxsize=4)
def _neighbour_template(after_tint: str) -> alt.LayerChart:
    stages = ["before", "after"]
    x = alt.X("stage:N", sort=stages, title=None, axis=alt.Axis(orient="top", labelAngle=0, domain=False,
                                                               ticks=False, labelFontWeight="bold"))
    y = alt.Y("rank:O", axis=None)
    colour = alt.Color("stage:N", sort=stages, scale=alt.Scale(domain=stages, range=["#E4E9F0", after_tint]),
                       legend=None)
    cells = alt.Chart().mark_rect(stroke="white", strokeWidth=3, cornerRadius=4).encode(
        x=x, y=y, color=colour, tooltip=["stage:N", "word:N", alt.Tooltip("cosine:Q", format=".4f")])
    text = alt.Chart().mark_text(fontSize=FONT_SIZE, align="left", dx=-80, color="#111111").encode(
        x=x, y=y, text="text:N")
    return alt.LayerChart(layer=[cells, text], config=CONFIG)


def token_strip(words: Sequence[str], known: Sequence[bool], target_index: int | None = None, *,
                max_width: int = 420, colour: str = OKABE_ITO[0]) -> alt.LayerChart:
    """The sentence's tokens as chips, wrapped onto rows: grey = in the vocabulary,
    vermillion + "?" = unknown, ``colour`` (the sentence's) = the target word. Drawn
    as a chart, so typed text is never rendered as HTML or Markdown."""
    labels = token_labels(words)
    status = ["word" if k else "unknown" for k in known]
    if target_index is not None and known[target_index]:
        status[target_index] = "target"
    texts = [w if k else f"{w} ?" for w, k in zip(words, known)]
    longest = max(len(t) for t in texts)
    cell = int(np.clip(11 * longest + 22, 50, 120))
    per_row = max(1, max_width // cell)
    position = np.arange(len(labels))
    df = pd.DataFrame({"label": labels, "text": texts, "status": status,
                       "col": position % per_row, "row": position // per_row})
    n_rows = int(df["row"].max()) + 1
    chart = _filled(_strip_template(cell - 10, colour), df, width=cell * min(len(labels), per_row), height=44 * n_rows)
    object.__setattr__(chart, "_canvas", False)  # SVG: the words stay text nodes (screen readers, tests)
    return chart


@functools.lru_cache(maxsize=32)
def _strip_template(text_limit: int, target_colour: str) -> alt.LayerChart:
    domain = ["word", "target", "unknown"]
    x = alt.X("col:O", axis=None)
    y = alt.Y("row:O", axis=None)
    chips = alt.Chart().mark_rect(cornerRadius=10, stroke="white", strokeWidth=4).encode(
        x=x, y=y,
        color=alt.Color("status:N", scale=alt.Scale(domain=domain, range=["#E4E9F0", target_colour, "#D55E00"]),
                        legend=None),
        tooltip=[alt.Tooltip("text:N", title="word"), alt.Tooltip("label:N", title="position"),
                 alt.Tooltip("status:N")],
    )
    light_target = "true" if target_colour == OKABE_ITO[1] else "false"
    text = alt.Chart().mark_text(fontSize=FONT_SIZE + 1, limit=text_limit, baseline="middle").encode(
        x=x, y=y, text="text:N",
        # white reads on blue and vermillion (4.5:1 and more); on orange (2:1) dark ink does
        color=alt.condition(f"datum.status == 'word' || (datum.status == 'target' && {light_target})",
                            alt.value("#111111"), alt.value("white")))
    return alt.LayerChart(layer=[chips, text], config=CONFIG)


def line_chart(df: pd.DataFrame, x: str, y: str, *, colour: str | None = None, title: str = "",
               x_title: str | None = None, y_title: str | None = None, log_x: bool = False,
               log_y: bool = False, dashed: str | None = None,
               palette: Sequence[str] = tuple(OKABE_ITO)) -> alt.Chart | alt.LayerChart:
    """A line chart with points (loss curves, measurements against d_k)."""
    enc = dict(
        x=alt.X(f"{x}:Q", title=x_title or x, scale=alt.Scale(type="log", base=2) if log_x else alt.Undefined),
        y=alt.Y(f"{y}:Q", title=y_title or y, scale=alt.Scale(type="log") if log_y else alt.Undefined),
        tooltip=[alt.Tooltip(f"{x}:Q"), alt.Tooltip(f"{y}:Q", format=".4f")],
    )
    if colour:
        cats = list(dict.fromkeys(df[colour]))
        measured = [c for c in cats if c != dashed]
        palette = dict(zip(measured, palette))
        palette.update({dashed: INK} if dashed in cats else {})
        enc["color"] = alt.Color(f"{colour}:N", scale=alt.Scale(domain=cats, range=[palette[c] for c in cats]),
                                 legend=alt.Legend(title=None, orient="bottom", symbolType="stroke",
                                                   symbolStrokeWidth=4, symbolSize=400))
        enc["tooltip"] = enc["tooltip"] + [alt.Tooltip(f"{colour}:N")]
    if not colour or dashed is None:
        return alt.Chart(df, title=title, config=CONFIG).mark_line(point=True, strokeWidth=3).encode(
            **enc).properties(height=300)
    base = alt.Chart()
    # A theory line that a measurement follows closely: thin, dashed, black and drawn last, so the
    # measured line underneath stays visible.
    is_theory = alt.datum[colour] == dashed
    lines = base.mark_line(point=True, strokeWidth=4).encode(**enc).transform_filter(~is_theory)
    theory = base.mark_line(strokeWidth=2, strokeDash=[8, 6]).encode(**enc).transform_filter(is_theory)
    return alt.LayerChart(df, layer=[lines, theory], title=title, config=CONFIG).properties(height=300)
