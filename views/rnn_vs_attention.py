"""RNN vs attention, measured: the tutorial's "Advantages" with numbers, and its "O(1)" corrected."""

import numpy as np
import pandas as pd
import streamlit as st

import attention_core as ac
from ui import charts, resources, tables

st.title("RNN vs attention, measured")
st.caption("The tutorial says self-attention is parallel, O(1), and connects every word directly. Here are the "
           "counts, and a small recurrent network (seeded random weights) against attention on the tutorial's "
           "long Apple Music sentence.")

st.header("1. Steps, path length and work")
st.caption("d = 50 numbers per word (GloVe); a multiply-add is one x · y + z.")
COLUMNS = {"n_tokens": "words (n)", "rnn_steps": "RNN steps", "attention_steps": "attention steps",
           "rnn_path": "RNN path 1 → n", "attention_path": "attention path",
           "rnn_madds": "RNN multiply-adds (2nd²)", "attention_core_madds": "attention (2n²d)"}  # what the text reads
counts = pd.DataFrame(ac.rnn_vs_attention([5, 10, 20, 50, 100, 200], d=50))[list(COLUMNS)].rename(columns=COLUMNS)
st.dataframe(tables.arrow(counts), hide_index=True, width="stretch")
st.markdown("An RNN needs **n sequential steps** (each waits for the one before); attention needs **one** (every "
            "word's row can be computed at the same time), and the path from the first word to the last is 1 "
            "step instead of n − 1. That is what the tutorial's \"O(1)\" means. The **work** is not O(1): "
            "attention's scores take n² x d multiply-adds, which grows faster than the RNN's n x d² once the "
            "sentence is longer than d numbers.")

st.header("2. How much of the first word reaches the later words")
tokens = ac.tokenize(ac.APPLE_MUSIC)
X = resources.glove().lookup(tokens.keys).vectors  # (n_tokens, 50)
influence = ac.first_word_influence(X, seed=0)  # (n_tokens,)
weight = ac.attention_first_word_weight(X)  # (n_tokens,)
t = np.arange(1, len(influence) + 1)
c1, c2 = st.columns(2)
with c1:
    df = pd.DataFrame({"t": t, "influence of word 1": np.maximum(influence, 1e-30)})
    charts.show(charts.line_chart(df, "t", "influence of word 1", log_y=True, x_title="words read (t)",
                                  title="RNN: word 1's influence on the state after t words"), width="stretch")
with c2:
    n = len(t) - 1  # words 2..n+1; the dashed line: softmax's one unit shared evenly among t words
    df = pd.DataFrame({"t": np.concatenate([t[1:], t[1:]]), "weight on word 1": np.concatenate([weight[1:], 1 / t[1:]]),
                       "what": ["plain GloVe attention"] * n + ["an even share, 1/t"] * n})
    charts.show(charts.line_chart(df, "t", "weight on word 1", colour="what", dashed="an even share, 1/t",
                                  x_title="word t", title="attention: word t's weight on word 1"), width="stretch")
music = [i for i, k in enumerate(tokens.keys) if k == "music"]
at = music[-1] if music else len(t) - 1
st.markdown(f"In the RNN, word 1's influence shrinks at every step: {influence[1]:.3g} after 2 words, "
            f"{influence[min(9, len(t) - 1)]:.3g} after 10, {influence[at]:.1e} at *{tokens.words[at]}* "
            f"(word {at + 1}). In attention the path is always one step, and nothing in it decays with distance: "
            f"its curve falls because softmax shares one unit of attention among t words (the dashed even share, "
            f"1/t); above or below that share is the words' doing. But a direct path is not a strong one: "
            f"with plain GloVe attention *{tokens.words[at]}* puts {weight[at]:.3f} on the first word, less than "
            f"an even share (1/{at + 1} = {1 / (at + 1):.3f}). Trained projections decide what is worth looking at.")

with st.expander("Show the code that made these numbers"):
    st.code(resources.source(ac.first_word_influence), language="python")
    st.code(resources.source(ac.rnn_vs_attention), language="python")
