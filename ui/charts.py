"""Chart builders and ``show``: what pages import (``from ui import charts``).

Each builder takes plain arrays / lists and RETURNS A PLAIN Vega-Lite SPEC (a dict, the
chart's rows as a DataFrame in ``spec["data"]["values"]``); ``show(spec, where, width=...)``
draws it. The builders live by subject, on the shared pieces in ``ui.chart_base``:

* ``chart_tokens``: ``heatmap``, ``attention_bars``, ``token_strip`` (one sentence's tokens);
* ``chart_vectors``: ``pca_plot``, ``neighbour_bars``, ``concept_bars`` (how vectors move);
* ``chart_lines``: ``line_chart`` (the lessons' measurements).

Conventions:
* tokens carry index-prefixed labels ("03 the") so a repeated word keeps its
  own row, and every axis is sorted in sentence order (by a position field),
  never alphabetically;
* colours come from colour-blind-safe palettes (Okabe-Ito for categories,
  viridis / blue-orange for numbers), with type large enough to project;
* numbers in cells are rounded for reading; the tooltip gives six digits.
"""

from ui.chart_base import (
    CONFIG,
    FONT_SIZE,
    INK,
    LESSON_COLOURS,
    MAP_SIZE,
    OKABE_ITO,
    SENTENCE_COLOURS,
    TINTS,
    TITLE_SIZE,
    VARIANT_COLOURS,
    show,
    token_labels,
)
from ui.chart_lines import line_chart
from ui.chart_tokens import attention_bars, heatmap, token_strip, value_bars
from ui.chart_vectors import concept_bars, neighbour_bars, pca_plot

__all__ = [
    "CONFIG", "FONT_SIZE", "INK", "LESSON_COLOURS", "MAP_SIZE", "OKABE_ITO", "SENTENCE_COLOURS", "TINTS",
    "TITLE_SIZE", "VARIANT_COLOURS", "show", "token_labels",
    "attention_bars", "concept_bars", "heatmap", "line_chart", "neighbour_bars", "pca_plot", "token_strip",
    "value_bars",
]
