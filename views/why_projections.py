"""Why projections? Without W_Q != W_K, similarity is symmetric: words pull each other like gravity."""

import streamlit as st

import attention_core as ac
from ui import charts, controls, messages, resources, run_queue, state, tables

settings = state.current_settings()

st.title("Why projections?")
st.caption("The tutorial's two problems with plain dot products: nothing to learn, and the same vector used "
           "three times, so similarity is symmetric. Here are the same sentence with projections off, "
           "random and learned.")

name, text = state.lesson_sentence(settings)
try:
    res = state.analyse(text, settings, projections="off")
except ac.AttentionLabError as exc:
    messages.problem(name, exc)
    st.stop()
messages.sentence_notices(res.tokens, res.known, state.embedding_source(settings).name, state.oov_label(settings))
words, target, d_k = res.words, res.target_index, settings.d_k
learned = resources.trained(d_k, settings.proj_seed).projections if settings.embeddings == "glove" else None
variants = ac.lessons.projection_variants(res.trace.X, state.mechanism(settings), learned)


def symmetry_section(S, title: str, metric_format: str, explanation: str) -> None:
    """A score matrix, how far it is from symmetric, and one pair of scores both ways."""
    c1, c2 = st.columns([3, 2])
    with c1:
        charts.show(charts.heatmap(S, words, title=title, value_name="score", diverging=True))
    with c2:
        value, note = tables.asymmetry_text(S, metric_format)
        st.metric("largest |S − Sᵀ|", value)
        if note:
            st.caption(note)
        if len(words) >= 2:
            i = target if target is not None else 0
            j = (i + 1) % len(words)
            st.code(f"score({words[i]}, {words[j]}) = {tables.fixed(S[i, j])}\n"
                    f"score({words[j]}, {words[i]}) = {tables.fixed(S[j, i])}", language=None)
        st.markdown(explanation)


def off_part() -> None:
    st.subheader("Projections off: the score matrix is symmetric")
    symmetry_section(variants["off"].scores, "scores = X Xᵀ (projections off)", ".1e",
                     "Like gravity: if one word is pulled towards another, the other is pulled back by exactly the "
                     "same score (the tutorial's *Apple* and *phones*). The weights still differ a little, because "
                     "each row is normalised on its own by softmax.")


def random_part() -> None:
    st.subheader("W_Q ≠ W_K: direction matters")
    symmetry_section(variants["random"].scores, f"scores = (X W_Q)(X W_K)ᵀ, random, d_k = {d_k}", ".3f",
                     "Now a word can look at another without being looked at as much in return: the query asks "
                     "\"what am I looking for?\", the key answers \"what do I offer?\".")
    same = [(i, j) for i, j in ac.lessons.identical_pairs(res.trace.X) if res.tokens.keys[i] != res.tokens.keys[j]]
    if same:
        i, j = same[0]
        messages.info(f"'{words[i]}' and '{words[j]}' have exactly the same vector here, so their scores are equal "
                      "both ways even with W_Q ≠ W_K: projections make similarity one-way between different "
                      "vectors, never between two copies of one vector.")


def all_part() -> None:
    st.subheader("Off, random, learned: where the target looks")
    if learned is None:
        messages.info("Learned projections need GloVe 50-d vectors (they were trained on them).")
    if target is None:
        messages.info(messages.target_missing(settings.target, name.lower(), "; showing the first word's row"))
    row = target if target is not None else 0
    for col, (kind, tr) in zip(st.columns(len(variants)), variants.items()):
        with col:
            charts.show(charts.attention_bars(tr.attention_weights[row], words,
                                              title=f"{kind}: row of '{words[row]}'",
                                              colour=charts.VARIANT_COLOURS[kind], width=170), width="stretch")
    st.caption("Random projections look somewhere arbitrary; learned ones were trained to look at the word that "
               "decides the sense of an ambiguous word (see Learned projections). "
               + ("Scores are divided by √d_k, as the sidebar says." if settings.scale else
                  "Scaling is off in the sidebar, so these weights are softmax of the raw scores."))


@run_queue.fragment  # another part reruns only the tabs, not the sidebar and the analysis
def parts() -> None:
    """Lazy tabs: one part drawn per edit (five charts at once cost the browser 2.2–2.5x the minimal app),
    in the link."""
    for tab, draw in zip(controls.tabs("wp_part"), (off_part, random_part, all_part)):
        with tab:
            if tab.open:
                draw()


parts()

with st.expander("Show the code that made these numbers"):
    st.code(resources.source(ac.lessons.projection_variants), language="python")
    st.code(resources.source(ac.Projections.random), language="python")
