"""The class's guesses as a chart: one bar per option (or per range of numbers), the right one marked.

Labels are the question's own options and numbers, never text a student typed (the store keeps only
what ``Question.read`` returned: an option, or a float).
"""

from __future__ import annotations

import numpy as np

from ui.chart_base import CONFIG, FONT_SIZE, OKABE_ITO

N_BINS = 10
GUESS, RIGHT = "#999999", OKABE_ITO[2]


def distribution(question, answers, measured=None) -> tuple[list[str], list[int], list[bool]]:
    """(labels, counts, right?) of the class's answers: every option in order, or ``N_BINS`` equal
    ranges of [low, high] for a number question (right = the range holding the measured value)."""
    if question.options:
        counts = [sum(a == o for a in answers) for o in question.options]
        return list(question.options), counts, [measured is not None and o == measured for o in question.options]
    edges = np.linspace(question.low, question.high, N_BINS + 1)  # (N_BINS + 1,)
    values = np.asarray([float(a) for a in answers], dtype=np.float64)  # (n,)
    counts = np.histogram(values, bins=edges)[0] if values.size else np.zeros(N_BINS, dtype=int)
    labels = [f"{edges[i]:g} to {edges[i + 1]:g}{question.unit}" for i in range(N_BINS)]
    right = [False] * N_BINS
    if measured is not None:
        right[int(np.clip(np.searchsorted(edges, float(measured), side="right") - 1, 0, N_BINS - 1))] = True
    return labels, [int(c) for c in counts], right


def class_bars(question, answers, measured=None, *, title: str = "the class's guesses", width: int = 360) -> dict:
    """Horizontal bars, one per option or range, the count at each bar's end; after the reveal the
    right one is green and named in the legend."""
    labels, counts, right = distribution(question, answers, measured)
    rows = [{"answer": f"{i:02d} {label}", "label": label, "guesses": c,
             "which": "the measured answer" if r else "guesses"} for i, (label, c, r) in enumerate(zip(labels, counts,
                                                                                                         right))]
    top = max([1, *counts])
    y = {"field": "answer", "type": "nominal", "sort": None, "title": None,
         "axis": {"labelExpr": "substring(datum.label, 3)", "labelLimit": 300}}
    x = {"field": "guesses", "type": "quantitative", "title": "students", "scale": {"domain": [0, top]},
         "axis": {"tickMinStep": 1, "format": "d"}}
    colour = {"field": "which", "type": "nominal", "title": None,
              "scale": {"domain": ["guesses", "the measured answer"], "range": [GUESS, RIGHT]},
              "legend": {"orient": "bottom"} if measured is not None else None}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title, "width": width, "height": {"step": 30}, "data": {"values": rows},
        "layer": [
            {"mark": {"type": "bar"}, "encoding": {"x": x, "y": y, "color": colour,
                                                  "tooltip": [{"field": "label", "title": "answer"},
                                                              {"field": "guesses", "title": "students"}]}},
            {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": FONT_SIZE},
             "encoding": {"x": x, "y": y, "text": {"field": "guesses", "type": "quantitative"}}},
        ],
        "config": CONFIG.to_dict(),
    }
