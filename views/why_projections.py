"""Why projections? Without W_Q != W_K, similarity is symmetric: words pull each other like gravity."""

import inspect

import streamlit as st

import attention_core as ac
from ui import charts, messages, state, tables

settings = state.current_settings()

st.title("Why projections?")
st.caption("The tutorial's two problems with plain dot products: nothing to learn, and the same vector used "
           "three times, so similarity is symmetric. Here are the same sentence with projections off, "
           "random and learned.")

name, text = state.lesson_sentence(settings)
try:
    tokens, lookup = state.embed(text, settings)
except ac.AttentionLabError as exc:
    messages.problem(name, exc)
    st.stop()
messages.sentence_notices(tokens, lookup.known, state.embedding_source(settings).name,
                          state.OOV[settings.oov])
words, X, d_k = tokens.words, lookup.vectors, settings.d_k
target = state.target_index(tokens, settings)

variants = {"off": ac.self_attention(X, None, scale=settings.scale)}
variants["random"] = ac.self_attention(X, ac.Projections.random(X.shape[1], d_k, seed=settings.proj_seed),
                                       scale=settings.scale)
learned_note = None
if settings.embeddings == "glove":
    variants["learned"] = ac.self_attention(X, state.trained(d_k, settings.proj_seed).projections,
                                            scale=settings.scale)
else:
    learned_note = "Learned projections need GloVe 50-d vectors (they were trained on them)."

def symmetry_section(S, title: str, metric_format: str, explanation: str) -> None:
    """A score matrix, how far it is from symmetric, and one pair of scores both ways."""
    c1, c2 = st.columns([3, 2])
    with c1:
        charts.show(charts.heatmap(S, words, title=title, value_name="score", diverging=True))
    with c2:
        value, note = tables.asymmetry(S, metric_format)
        st.metric("largest |S − Sᵀ|", value)
        if note:
            st.caption(note)
        if len(words) >= 2:
            i = target if target is not None else 0
            j = (i + 1) % len(words)
            st.code(f"score({words[i]}, {words[j]}) = {S[i, j]:.4f}\n"
                    f"score({words[j]}, {words[i]}) = {S[j, i]:.4f}", language=None)
        st.markdown(explanation)


st.header("1. Projections off: the score matrix is symmetric")
symmetry_section(variants["off"].scores, "scores = X Xᵀ (projections off)", ".1e",
                 "Like gravity: if one word is pulled towards another, the other is pulled back by exactly the "
                 "same score (the tutorial's *Apple* and *phones*). The weights still differ a little, because "
                 "each row is normalised on its own by softmax.")

st.header("2. W_Q ≠ W_K: direction matters")
symmetry_section(variants["random"].scores, f"scores = (X W_Q)(X W_K)ᵀ, random, d_k = {d_k}", ".3f",
                 "Now a word can look at another without being looked at as much in return: the query asks "
                 "\"what am I looking for?\", the key answers \"what do I offer?\".")

st.header("3. Off, random, learned: where the target looks")
if learned_note:
    messages.info(learned_note)
if target is None:
    messages.info(f"The target word '{settings.target}' is not in {name.lower()}; showing the first word's row.")
row = target if target is not None else 0
cols = st.columns(len(variants))
for col, (name, tr) in zip(cols, variants.items()):
    with col:
        charts.show(charts.attention_bars(tr.attention_weights[row], words, title=f"{name}: row of '{words[row]}'",
                                          colour=charts.VARIANT_COLOURS[name], width=170))
st.caption("Random projections look somewhere arbitrary; learned ones were trained to look at the word that "
           "decides the sense of an ambiguous word (see Learned projections).")

with st.expander("Show the code that made these numbers"):
    st.code(inspect.getsource(ac.Projections.random), language="python")
    st.code(inspect.getsource(ac.self_attention), language="python")
