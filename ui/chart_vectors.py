"""Charts of where attention moves the vectors: the PCA map (before -> after), nearest words, concept axes."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from ui.chart_base import (
    CONFIG,
    FONT_SIZE,
    MAP_SIZE,
    OKABE_ITO,
    SENTENCE_COLOURS,
    TINTS,
    by_position,
    filled,
    spec_template,
)


def pca_plot(points: pd.DataFrame, *, title: str = "", variance: Sequence[float] = (0.0, 0.0),
             axes: tuple[str, str] = ("PC1", "PC2"), colours: Sequence[str] | None = None) -> dict:
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
    return filled(_pca_template(colours, tuple(axes)), df, width=MAP_SIZE, height=MAP_SIZE,
                  title={"text": title or "every word, before and after attention", "subtitle": subtitle,
                         "subtitleFontSize": FONT_SIZE})


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


@spec_template(maxsize=8)
def _pca_template(colours: tuple[str, ...], axes: tuple[str, str]) -> alt.LayerChart:
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
                 colour: str = OKABE_ITO[0]) -> dict:
    """Cosine of a word with each concept word, before (grey) vs after (``colour``: its sentence's) attention.

    ``df`` columns: ``concept``, ``stage`` ("before" / "after"), ``cosine``.
    """
    data = df.copy()
    concepts = list(dict.fromkeys(data["concept"]))
    data["concept_pos"] = data["concept"].map({c: i for i, c in enumerate(concepts)})
    return filled(_concept_template(axis_title, colour), data, title=title, height=max(120, 44 * len(concepts)),
                  width=300)


@spec_template(maxsize=8)
def _concept_template(axis_title: str, after_colour: str) -> alt.LayerChart:
    stages = ["before", "after"]
    y = alt.Y(**by_position("concept", None))
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
                   title: str = "", colour: str = OKABE_ITO[0]) -> dict:
    """Nearest words before (grey) and after (a tint of ``colour``, its sentence's) attention, ranked.

    ``before`` / ``after``: (word, cosine) pairs, best first.
    """
    rows = [("before", i, w, c) for i, (w, c) in enumerate(before)] + \
           [("after", i, w, c) for i, (w, c) in enumerate(after)]
    stage, rank, word, cosine = (list(col) for col in zip(*rows)) if rows else ([], [], [], [])
    df = {"stage": stage, "rank": rank, "word": word, "cosine": [float(c) for c in cosine],
          "text": [f"{w}  {c:.2f}" for w, c in zip(word, cosine)]}
    n = max(len(before), len(after), 1)
    return filled(_neighbour_template(TINTS.get(colour, "#CFE3F2")), df, title=title, height=26 * n, width=360)


@spec_template(maxsize=4)
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
