"""The Sentence Lab's Map and Meaning tabs: drawing what the core computed for several sentences."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import streamlit as st

import attention_core as ac
from ui import charts, messages, resources, state
from ui.state import Settings


def colour_of(name: str) -> str:
    """Sentence 1 is always blue and sentence 2 always orange, on every tab (even when the other is empty)."""
    return charts.SENTENCE_COLOURS[0 if name == "Sentence 1" else 1]


def map_tab(results: Mapping[str, ac.SentenceAnalysis]) -> None:
    """One PCA map for every word of every sentence, before and after."""
    names = list(results)
    m = ac.lessons.map_inputs(list(results.values()))
    labels = [charts.token_labels(a.words) for a in results.values()]
    pts = pd.DataFrame({
        "label": [labels[s][p] for s, p in zip(m.sentence, m.position)],
        "sentence": [f"{names[s][-1]}: {' '.join(results[names[s]].words)}"[:60] for s in m.sentence],
        "target": m.is_target,
    })
    colours = [colour_of(name) for name in names]
    start = "embedding" if m.word_space else "value vector (X W_V)"
    if not m.word_space:
        d_model, d_v = next(iter(results.values())).trace.projections.W_V.shape
        messages.info(f"W_V is random [{d_model} x {d_v}], so outputs are not word vectors: the map compares "
                      "each word's value vector with its output, both in the value space.")
    if m.before.shape[1] == 2:  # 2-D vectors need no projection: draw the real coordinates
        pts["x0"], pts["y0"], pts["x1"], pts["y1"] = m.before[:, 0], m.before[:, 1], m.after[:, 0], m.after[:, 1]
        title = "every word in its own 2-D space" if m.word_space else "value vectors and outputs, in 2-D"
        charts.show(charts.pca_plot(pts, title=title, axes=("x", "y"), colours=colours))
        st.caption(f"Hollow circle = {start}, filled arrow head = output after attention, at their real "
                   "coordinates.")
        return
    try:
        pca = ac.pca_2d(m.before, m.after)
    except ac.AttentionLabError as exc:
        messages.info(str(exc))
        return
    pts["x0"], pts["y0"], pts["x1"], pts["y1"] = pca.before[:, 0], pca.before[:, 1], pca.after[:, 0], pca.after[:, 1]
    charts.show(charts.pca_plot(pts, variance=pca.explained_variance_ratio, title="PCA map (one basis for all)",
                                colours=colours))
    kept = pca.explained_variance_ratio.sum()
    pc1, pc2 = (round(100 * v) for v in pca.explained_variance_ratio)  # the same rounding as the axes' title
    if not pca.explained_variance_ratio.any():  # no variance at all: every point is at one spot, nothing is lost
        st.caption(f"Hollow circle = {start}, filled arrow head = output after attention. Every point is at the same "
                   "spot (the vectors are identical), so there is no variance to show: the picture is exact.")
        return
    st.caption(
        f"Hollow circle = {start}, filled arrow head = output after attention. One PCA basis for all points; "
        f"together the two axes keep {pc1}% + {pc2}% of the variance"
        + (", so distances in the picture are approximate." if kept < 0.999 else ": the picture is exact.")
    )


def meaning_tab(results: Mapping[str, ac.SentenceAnalysis], settings: Settings, source) -> None:
    """What the target means before and after: nearest GloVe words and concept scores."""
    targets = {name: a for name, a in results.items() if a.target_index is not None}
    if not targets:
        messages.info(messages.target_missing(settings.target, "either sentence"))
        return
    st.subheader(f"What does '{messages.escape(messages.shorten(settings.target, 40))}' mean here?")
    st.caption("Before attention every sentence starts from the same static vector. Nearest words are the closest "
               "of GloVe's 400,000 single words; concept bars are cosines with the average of a few chosen words each. "
               "So they can disagree: a word's few nearest neighbours may all be of one sense while its concept "
               "scores stay close. " + ("Residual stream on: after = the word's own vector + attention's output."
                                        if settings.residual else "After = attention's output alone."))
    concepts = known_concepts(settings) if settings.embeddings == "glove" else ()
    why_no_words = None  # why the vectors cannot be read as words, if they cannot
    for col, (name, a) in zip(st.columns(len(targets), gap="large"), targets.items()):
        i = a.target_index
        before, after = a.before[i], a.after[i]
        with col:
            st.markdown(f"**{name}**")
            if settings.embeddings == "glove" and a.word_space:
                key = a.tokens.keys[i]
                near_before, near_after = resources.neighbours_of([(before, (key,)), (after, (key,))])
                charts.show(charts.neighbour_bars(near_before, near_after, title="nearest GloVe words (cosine)",
                                                  colour=colour_of(name)))
                concept_readout(a, colour_of(name), concepts)
            elif settings.embeddings == "concepts" and a.word_space:
                df = pd.DataFrame({"concept": list(source.concepts) * 2,
                                   "stage": ["before"] * source.dim + ["after"] * source.dim,
                                   "cosine": np.concatenate([before, after])})
                charts.show(charts.concept_bars(df, title="the vector's own axes", axis_title="value on the axis",
                                                colour=colour_of(name)))
                st.caption("Before: the word's cosine with each concept word. After: the attention-weighted "
                           "average of the words' values, which is no longer a cosine.")
            else:
                why_no_words = _raw_vectors(a, i)
    if why_no_words:
        messages.info(why_no_words)  # once, below both sentences
    meaning_hints(settings, all(a.word_space for a in targets.values()))


def _raw_vectors(a: ac.SentenceAnalysis, i: int) -> str:
    """The target's vector before and after as numbers; returns why they cannot be read as words."""
    before, after, word = a.before[i], a.after[i], a.words[i]
    shown = min(len(before), 8)
    first = f"{word}  = (" if a.word_space else f"{word} @ W_V  = ("
    second = f"{word}' = (" if a.word_space else f"{word}'       = ("
    st.code(first + ", ".join(f"{v:.5f}" for v in before[:shown]) + (", ...)" if len(before) > shown else ")")
            + "\n" + second + ", ".join(f"{v:.5f}" for v in after[:shown]) + (", ...)" if len(after) > shown else ")"),
            language=None, wrap_lines=True)
    if a.word_space:
        return ("Nearest GloVe words and concept scores need GloVe vectors: pick GloVe 50-d "
                "to read the meaning in words.")
    d_model, d_v = a.trace.projections.W_V.shape
    return (f"With W_V random [{d_model} x {d_v}] the output is a mix of value vectors, not "
            "a word vector, so it has no nearest words or concept scores. Pick projections "
            "'random' (W_V = I) or 'learned' to read its meaning in words.")


def meaning_hints(settings: Settings, word_space: bool) -> None:
    """What to try next: the learned projections, and concepts that fit the target."""
    if settings.embeddings == "glove" and settings.projections == "off":
        st.caption("With projections off a word mostly looks at words like itself, so it moves only a little. "
                   "Set Projections to 'learned' in the sidebar to see it look harder at the word that decides "
                   "its sense.")
    senses = resources.sense_pairs()
    target = ac.lookup_key(settings.target.strip())
    if word_space and target in senses and ac.sense_concepts(settings.concepts, target, senses) is None:
        a, b = senses[target]  # (target equals one of the data's own words here, so it is safe to show)
        st.caption(f"The two senses of '{target}' in this app's data are {a} and {b}: add concepts for them in the "
                   f"sidebar, e.g. '{a}: {a}; {b}: {b}', to see its share between the two.")


def known_concepts(settings: Settings) -> tuple[ac.Concept, ...]:
    """The concepts with the words GloVe has; the other words are named once, above both sentences."""
    concepts, unknown = ac.known_part(settings.concepts, resources.glove())
    if unknown:
        messages.warning(f"Concept word(s) not in GloVe, left out: {messages.shorten(', '.join(unknown))}.")
    return concepts


def concept_readout(a: ac.SentenceAnalysis, colour: str, concepts: tuple[ac.Concept, ...]) -> None:
    """Concept bars, and the tutorial's 'x% tech / y% fruit' between the target's two sense concepts."""
    if not concepts:
        return
    i = a.target_index
    read = ac.lessons.concept_readout(a.before[i], a.after[i], concepts, resources.glove(), a.tokens.keys[i],
                                      resources.sense_pairs())
    names, n = [c.name for c in concepts], len(concepts)
    df = pd.DataFrame({"concept": names * 2, "stage": ["before"] * n + ["after"] * n, "cosine": read.cosines.ravel()})
    charts.show(charts.concept_bars(df, title="closeness to each concept", colour=colour))
    if read.shares is not None:
        x, y = (names[k] for k in read.pair)
        sh = read.shares
        st.text(f"Between {x} and {y} (each cosine as a share of the two): "
                f"before {sh[0]:.0%} {x} / {1 - sh[0]:.0%} {y}, after {sh[1]:.0%} {x} / {1 - sh[1]:.0%} {y}")


def attention_notes(results: Mapping[str, ac.SentenceAnalysis], settings: Settings) -> None:
    """Surprising pictures explained where they appear, with this sentence's numbers."""
    first = next(iter(results.values()))
    if settings.embeddings == "random" and settings.projections == "off" and len(first.words) > 1:
        self_dot, other_dot = ac.lessons.diagonal_growth(first.trace.X)
        messages.info(f"Why the diagonal: with random vectors a word's dot product with itself averages "
                      f"{self_dot:.1f} here (it grows with the dimension, {first.trace.X.shape[1]}), with another "
                      f"word only {other_dot:.1f} (it averages 0). So softmax puts almost all of every row on the "
                      "word itself: random vectors carry no meaning to match.")
    if settings.projections == "learned" and state.effective_mechanism(settings).projections == "learned":
        spread = ac.lessons.row_spread(first.trace.attention_weights)
        if spread < 0.3:
            messages.info(f"The rows look alike (two words' rows differ by {spread:.2f} on average, on a scale where "
                          "0 = identical and 1 = nothing shared): the learned W_Q, W_K were trained only on the "
                          "ambiguous word's row, so every word looks at the word that decides a sense. With the "
                          "residual stream on, each word still keeps its own vector.")
