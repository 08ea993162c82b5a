"""Sentence Lab: the tutorial's whole story on one screen, live.

Same word, two sentences: watch "apple" start as one static vector and leave
attention as two different, context-aware vectors.
"""

import numpy as np
import pandas as pd
import streamlit as st

import attention_core as ac
from ui import charts, messages, state, tables

settings = state.current_settings()

st.title("Sentence Lab")
st.caption(
    "Each word's output is a weighted average of every word's value vector; the weights come from "
    "softmax(Q Kᵀ / √d_k). Change a sentence or a setting in the sidebar and watch the target word move."
)

# 1. the embeddings and one analysis per sentence
try:
    source = state.embedding_source(settings)
    state.projections_for(settings, source.dim)  # checked once: a problem here is the same for both sentences
except ac.AttentionLabError as exc:
    messages.error(str(exc))
    st.stop()

results: dict[str, state.Analysis] = {}
for name, text in (("Sentence 1", settings.s1), ("Sentence 2", settings.s2)):
    if name == "Sentence 2" and not text.strip():
        continue  # optional: an empty sentence 2 simply means "one sentence"
    try:
        results[name] = state.analyse(text, settings, source)
    except ac.AttentionLabError as exc:
        messages.problem(name, exc)
if not results:
    st.stop()


def colour_of(name: str) -> str:
    """Sentence 1 is always blue and sentence 2 always orange, on every tab (even when the other is empty)."""
    return charts.SENTENCE_COLOURS[0 if name == "Sentence 1" else 1]


def attention_tab() -> None:
    """Per sentence: the words, the heatmap, and where the target looks."""
    view = st.segmented_control(
        "Heatmap shows", state.HEATMAP_VIEWS, default="weights", key="matrix_view",
        required=True, bind="query-params",  # in the link, so it is kept across pages and can be shared
        help="weights = softmax(scaled scores); scaled scores = raw scores / √d_k (or / 1 with scaling off); "
             "raw scores = Q Kᵀ",
    ) or "weights"
    if settings.embeddings == "concepts":
        st.caption(f"Concept axes give every word only {len(source.concepts)} numbers, its cosines with the "
                   "concept words, so words look alike to each other and attention is spread almost evenly: "
                   "compare with GloVe 50-d.")
    def shown(tr: ac.AttentionTrace) -> np.ndarray:
        return {"weights": tr.attention_weights, "scaled scores": tr.scaled_scores, "raw scores": tr.scores}[view]

    # one colour scale for both sentences: the same colour is the same number on both sides
    finite = [m[np.isfinite(m)] for m in (shown(res.trace) for res in results.values())]
    bound = max((float(np.abs(f).max()) for f in finite if f.size), default=1.0) or 1.0
    columns = st.columns(len(results), gap="large")
    for col, (name, res) in zip(columns, results.items()):
        tr, words = res.trace, res.tokens.words
        with col:
            st.subheader(name)
            charts.show(charts.token_strip(words, res.known, res.target_index, colour=colour_of(name)))
            messages.sentence_notices(res.tokens, res.known, source.name, state.OOV[settings.oov])
            charts.show(charts.heatmap(shown(tr), words, title=f"{view} [{len(words)} x {len(words)}]",
                                       value_name=view, diverging=view != "weights", bound=bound))
            if res.target_index is None:
                messages.info(f"The target word '{settings.target}' is not in this sentence.")
            else:
                target = words[res.target_index]
                charts.show(charts.attention_bars(tr.attention_weights[res.target_index], words,
                                                  title=f"where '{target}' looks (its row of weights)",
                                                  colour=colour_of(name)))


def map_tab() -> None:
    """One PCA map for every word of every sentence, before and after."""
    rows, befores, afters = [], [], []
    word_space = all(res.trace.projections.values_in_word_space for res in results.values())
    for name, res in results.items():
        tr = res.trace
        befores.append(tr.X if word_space else tr.values)  # outputs are averages of values: compare like with like
        afters.append(tr.contextual_embeddings)
        for i, label in enumerate(charts.token_labels(res.tokens.words)):
            rows.append({"label": label, "sentence": f"{name[-1]}: {' '.join(res.tokens.words)}"[:60],
                         "target": i == res.target_index})
    before, after = np.vstack(befores), np.vstack(afters)
    pts = pd.DataFrame(rows)
    colours = [colour_of(name) for name in results]
    start = "embedding" if word_space else "value vector (X W_V)"
    if not word_space:
        d_model, d_v = next(iter(results.values())).trace.projections.W_V.shape
        messages.info(f"W_V is random [{d_model} x {d_v}], so outputs are not word vectors: the map compares "
                      "each word's value vector with its output, both in the value space.")
    if before.shape[1] == 2:  # 2-D vectors need no projection: draw the real coordinates
        pts["x0"], pts["y0"], pts["x1"], pts["y1"] = before[:, 0], before[:, 1], after[:, 0], after[:, 1]
        title = "every word in its own 2-D space" if word_space else "value vectors and outputs, in 2-D"
        charts.show(charts.pca_plot(pts, title=title, axes=("x", "y"), colours=colours))
        st.caption(f"Hollow circle = {start}, filled arrow head = output after attention, at their real "
                   "coordinates.")
        return
    try:
        pca = ac.pca_2d(before, after)
    except ac.AttentionLabError as exc:
        messages.info(str(exc))
        return
    pts["x0"], pts["y0"] = pca.before[:, 0], pca.before[:, 1]
    pts["x1"], pts["y1"] = pca.after[:, 0], pca.after[:, 1]
    charts.show(charts.pca_plot(pts, variance=pca.explained_variance_ratio, title="PCA map (one basis for all)",
                                colours=colours))
    kept = pca.explained_variance_ratio.sum()
    pc1, pc2 = (round(100 * v) for v in pca.explained_variance_ratio)  # the same rounding as the axes' title
    st.caption(
        f"Hollow circle = {start}, filled arrow head = output after attention. One PCA basis for all points; "
        f"together the two axes keep {pc1}% + {pc2}% of the variance"
        + (", so distances in the picture are approximate." if kept < 0.999 else ": the picture is exact.")
    )


def meaning_tab() -> None:
    """What the target means before and after: nearest GloVe words and concept scores."""
    targets = {name: res for name, res in results.items() if res.target_index is not None}
    if not targets:
        messages.info(f"The target word '{settings.target}' is in neither sentence.")
        return
    st.subheader(f"What does '{messages.escape(settings.target)}' mean here?")
    concepts = known_concepts() if settings.embeddings == "glove" else settings.concepts
    why_no_words = None  # why the vectors cannot be read as words, if they cannot
    cols = st.columns(len(targets), gap="large")
    for col, (name, res) in zip(cols, targets.items()):
        i, tr = res.target_index, res.trace
        word_space = tr.projections.values_in_word_space
        before = tr.X[i] if word_space else tr.values[i]  # like with like: outputs are averages of values
        after = tr.contextual_embeddings[i]
        with col:
            st.markdown(f"**{name}**")
            if settings.embeddings == "glove" and word_space:
                key = res.tokens.keys[i]
                near_b = state.neighbours(tuple(before), (key,))
                near_a = state.neighbours(tuple(after), (key,))
                charts.show(charts.neighbour_bars(near_b, near_a, title="nearest GloVe words (cosine)",
                                                  colour=colour_of(name)))
                concept_readout(before, after, colour_of(name), concepts)
            elif settings.embeddings == "concepts" and word_space:
                df = pd.DataFrame({
                    "concept": list(source.concepts) * 2,
                    "stage": ["before"] * source.dim + ["after"] * source.dim,
                    "cosine": np.concatenate([before, after]),
                })
                charts.show(charts.concept_bars(df, title="the vector's own axes", axis_title="value on the axis",
                                                colour=colour_of(name)))
                st.caption("Before: the word's cosine with each concept word. After: the attention-weighted "
                           "average of the words' values, which is no longer a cosine.")
            else:
                shown, word = min(len(before), 8), res.tokens.words[i]
                first = f"{word}  = (" if word_space else f"{word} @ W_V  = ("
                second = f"{word}' = (" if word_space else f"{word}'       = ("
                st.code(first + ", ".join(f"{v:.5f}" for v in before[:shown])
                        + (", ...)" if len(before) > shown else ")") + "\n"
                        + second + ", ".join(f"{v:.5f}" for v in after[:shown])
                        + (", ...)" if len(after) > shown else ")"), language=None, wrap_lines=True)
                if word_space:
                    why_no_words = ("Nearest GloVe words and concept scores need GloVe vectors: pick GloVe 50-d "
                                    "to read the meaning in words.")
                else:
                    d_model, d_v = tr.projections.W_V.shape
                    why_no_words = (f"With W_V random [{d_model} x {d_v}] the output is a mix of value vectors, not "
                                    "a word vector, so it has no nearest words or concept scores. Pick projections "
                                    "'random' (W_V = I) or 'learned' to read its meaning in words.")
    if why_no_words:
        messages.info(why_no_words)  # once, below both sentences
    meaning_hints(all(res.trace.projections.values_in_word_space for res in targets.values()))


def meaning_hints(word_space: bool) -> None:
    """What to try next: the learned projections, and concept words that fit the target."""
    if settings.embeddings == "glove" and settings.projections == "off":
        st.caption("With projections off a word mostly looks at words like itself, so it moves only a little. "
                   "Set Projections to 'learned' in the sidebar to see it look harder at the word that decides "
                   "its sense.")
    senses = state.sense_pairs()
    target = ac.lookup_key(settings.target.strip())
    if word_space and target in senses and tuple(settings.concepts[:2]) != senses[target]:
        a, b = senses[target]  # (target equals one of the data's own words here, so it is safe to show)
        st.caption(f"The two senses of '{target}' in this app's data are {a} and {b}: try the concept words "
                   f"'{a}, {b}' in the sidebar.")


def known_concepts() -> tuple[str, ...]:
    """The concept words GloVe has; the others are named once, above both sentences."""
    glove = state.glove()
    unknown = [c for c in settings.concepts if c not in glove]
    if unknown:
        messages.warning(f"Concept word(s) not in GloVe, left out: {', '.join(unknown)}.")
    return tuple(c for c in settings.concepts if c in glove)


def concept_readout(before: np.ndarray, after: np.ndarray, colour: str, concepts: tuple[str, ...]) -> None:
    """Concept bars, and the tutorial's 'x% tech / y% fruit' for the first two concepts."""
    if not concepts:
        return
    sc = ac.concept_scores(np.vstack([before, after]), state.glove(), concepts)
    n = len(concepts)
    df = pd.DataFrame({"concept": list(concepts) * 2, "stage": ["before"] * n + ["after"] * n,
                       "cosine": sc.ravel()})
    charts.show(charts.concept_bars(df, title="closeness to each concept", colour=colour))
    if n >= 2 and np.all(sc[:, :2] > 0):
        a, b = concepts[:2]
        share = sc[:, 0] / sc[:, :2].sum(axis=1)
        st.text(f"Between {a} and {b} (each cosine as a share of the two): "
                f"before {share[0]:.0%} {a} / {1 - share[0]:.0%} {b}, "
                f"after {share[1]:.0%} {a} / {1 - share[1]:.0%} {b}")


# Lazy tabs: only the open tab runs and is drawn (an edit redraws a third of the
# page), and the open tab is part of the shareable link.
tab_attention, tab_map, tab_meaning = st.tabs(["Attention", "Map", "Meaning"], key="tab", bind="query-params")
with tab_attention:
    if tab_attention.open:
        attention_tab()
with tab_map:
    if tab_map.open:
        map_tab()
with tab_meaning:
    if tab_meaning.open:
        meaning_tab()

# export: positional columns, so both sentences share one header whatever their words. The files are
# made only when a button is pressed (a callable), not on every edit, and pressing one does not rerun.
traces = {name: (res.tokens.words, res.trace) for name, res in results.items()}
c1, c2, _ = st.columns([1, 1, 2])
c1.download_button("Weights (CSV)", lambda: tables.export_csv(traces)[0], file_name="attention_weights.csv",
                   mime="text/csv", icon=":material/download:", on_click="ignore",
                   help="one row per (sentence, query word, key word)")
c2.download_button("Outputs (CSV)", lambda: tables.export_csv(traces)[1], file_name="contextual_embeddings.csv",
                   mime="text/csv", icon=":material/download:", on_click="ignore",
                   help="one row per (sentence, word): its contextual embedding")
