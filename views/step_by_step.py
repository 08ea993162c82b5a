"""Step by step: every matrix of softmax(Q Kᵀ / √d_k) V, in order, with its shape."""

import inspect

import numpy as np
import pandas as pd
import streamlit as st

import attention_core as ac
from ui import charts, messages, state, tables

settings = state.current_settings()

st.title("Step by step")
st.caption("One sentence through self-attention, one matrix at a time, in the order of the formula "
           "softmax(Q Kᵀ / √d_k) V. Every number below is computed live from the sidebar's settings.")

# the sentences that have text (if neither has, sentence 1 shows the "enter a word" message)
sentences = [name for name, t in (("Sentence 1", settings.s1), ("Sentence 2", settings.s2))
             if state.has_words(t)] or ["Sentence 1"]
which = st.segmented_control("Sentence", sentences, default=sentences[0], key="sbs_sentence", required=True,
                             persist_state="session")  # kept when the class visits another page
text = settings.s2 if which == "Sentence 2" else settings.s1

# 0. the tutorial's 2-D vectors can be edited here
if settings.embeddings == "toy":
    st.subheader("The 2-D vectors (edit any number, add or delete a word)")
    current = state.toy_source()
    table = pd.DataFrame({"word": current.words, "x": current.matrix[:, 0], "y": current.matrix[:, 1]})
    # The editor is keyed by its starting table: once an edit is stored, the next run
    # starts a fresh editor from the stored vectors, so edits survive page changes and
    # are never applied twice.
    key = "toy_editor_" + str(abs(hash(tuple(table.itertuples(index=False)))))
    edited = st.data_editor(
        table, num_rows="dynamic", key=key, hide_index=True,
        column_config={"word": st.column_config.TextColumn(required=True),
                       "x": st.column_config.NumberColumn(required=True, min_value=-1e3, max_value=1e3),
                       "y": st.column_config.NumberColumn(required=True, min_value=-1e3, max_value=1e3)},
    )
    vectors = {ac.lookup_key(str(w).strip()): (float(x), float(y))
               for w, x, y in edited.dropna().itertuples(index=False) if str(w).strip()}
    if not vectors:
        messages.warning("The table is empty: every word would be unknown. Add a word, or reset.")
    elif vectors != {w: (float(x), float(y)) for w, (x, y) in zip(current.words, current.matrix)}:
        state.set_toy_vectors(vectors)
        st.rerun()
    st.caption("Edits last for this browser session and reach every page, but a shared link carries the "
               "tutorial's vectors, not your edits.")
    if st.button("Reset to the tutorial's vectors", disabled=not state.toy_is_edited()):
        state.set_toy_vectors(None)
        st.rerun()

try:
    res = state.analyse(text, settings)
except ac.AttentionLabError as exc:
    messages.problem(which or "Sentence 1", exc)
    st.stop()

tr, words = res.trace, res.tokens.words
lab = tables.labels(words)
proj = tr.projections
n, d_model, d_k, d_v = len(words), tr.X.shape[1], tr.d_k, tr.values.shape[1]
cols_d = [f"d{j}" for j in range(d_model)]

st.header(f"n_tokens = {n}, d_model = {d_model}, d_k = {d_k}")
messages.sentence_notices(res.tokens, res.known, state.embedding_source(settings).name,
                          state.OOV[settings.oov])

tables.show_matrix("1. X, the embeddings", tr.X, lab, cols_d,
                   note="one row per word: the static vector, the same in every sentence")
if proj.kind == "identity":
    st.markdown("**2. W_Q, W_K, W_V**: projections are off, so W_Q = W_K = W_V = I and Q = K = V = X.")
else:
    w_v = "W_V = I" if proj.values_in_word_space else f"W_V [{d_model} x {d_v}]"
    with st.expander(f"2. W_Q, W_K [{d_model} x {d_k}] ({proj.kind}) and {w_v}"):
        tables.show_matrix("W_Q", proj.W_Q, cols_d, [f"k{j}" for j in range(d_k)])
        tables.show_matrix("W_K", proj.W_K, cols_d, [f"k{j}" for j in range(d_k)])
        if proj.values_in_word_space:
            st.markdown("W_V = I: the values are the embeddings themselves, so outputs stay in the same space.")
        else:
            tables.show_matrix("W_V", proj.W_V, cols_d, [f"v{j}" for j in range(d_v)])
cols_k = [f"k{j}" for j in range(d_k)]
c1, c2, c3 = st.columns(3)
tables.show_matrix("3. queries = X @ W_Q", tr.queries, lab, cols_k, where=c1)
tables.show_matrix("keys = X @ W_K", tr.keys, lab, cols_k, where=c2)
tables.show_matrix("values = X @ W_V", tr.values, lab, [f"v{j}" for j in range(d_v)], where=c3)

tables.show_matrix("4. scores = queries @ keys.T", tr.scores, lab, lab,
                   note="row = the word looking (query), column = the word looked at (key)")
tables.show_matrix(f"5. scaled scores = scores / {tr.divisor:.4g}", tr.scaled_scores, lab, lab,
                   note=("divided by √d_k = √" + str(d_k)) if settings.scale else "scaling is off: divided by 1")
weights = pd.DataFrame(np.round(tr.attention_weights, 6), index=lab, columns=lab)
weights["row sum"] = tr.attention_weights.sum(axis=1).round(12)
st.markdown(f"**6. attention_weights = softmax of each row** &nbsp; `[{n} x {n}]`")
st.caption("every row is a probability distribution: non-negative, sums to 1")
st.dataframe(weights, width="stretch", height=min(4 + tables.ROW_PX * (n + 1), 456))
charts.show(charts.heatmap(tr.attention_weights, words, title="attention_weights", value_name="weight"))
tables.show_matrix("7. contextual_embeddings = attention_weights @ values", tr.contextual_embeddings, lab,
                   [f"v{j}" for j in range(d_v)], note="each row: a weighted average of the value rows")

# follow one row by hand
st.header("Follow one word by hand")
default_row = res.target_index if res.target_index is not None else 0
row = st.selectbox("Word", range(n), index=default_row, format_func=lambda i: lab[i], key="sbs_row")
w = words[row]
lines = [f"Scores of '{w}' (its query against every key):"]
lines += ["  " + tables.dot_line(tr.queries[row], tr.keys[j], f"score({w}, {words[j]})") for j in range(n)]
lines.append(f"Scaled: divide by {tr.divisor:.6g} -> [" + ", ".join(f"{v:.6g}" for v in tr.scaled_scores[row]) + "]")
lines.append("softmax -> [" + ", ".join(f"{v:.7f}" for v in tr.attention_weights[row]) + "]"
             + f"  (sum = {tr.attention_weights[row].sum():.12f})")
lines.append(f"{w}' = " + " + ".join(f"{a:.5f} x V({words[j]})" for j, a in enumerate(tr.attention_weights[row])))
out = tr.contextual_embeddings[row]
lines.append("    = [" + ", ".join(f"{v:.4f}" for v in out[:8]) + (", ...]" if len(out) > 8 else "]"))
st.code("\n".join(lines), language=None, wrap_lines=True)

# the tutorial's own example, exactly
st.header("The tutorial's worked example, exactly")
toy = ac.toy_embeddings()
X = toy.lookup(["love", "apple", "phones"]).vectors
exact = ac.self_attention(X, scale=False)
e = np.exp(-10.0)
st.code("\n".join([
    "Apple = (2, 2), phones = (2, 2), love = (-4, 3), juice = (4, 0)",
    tables.dot_line(X[1], X[2], "sim(Apple, phones)"),
    tables.dot_line(X[1], X[0], "sim(Apple, love)  "),
    tables.dot_line(X[1], toy.vector("juice"), "sim(Apple, juice) "),
    tables.dot_line(X[1], X[1], "sim(Apple, Apple) "),
    "softmax([-2, 8, 8]) = [e^-10, 1, 1] / (e^-10 + 2)",
    "                    = [" + ", ".join(f"{v:.7f}" for v in exact.attention_weights[1]) + "]",
    f"the tutorial rounds this to [0.0, 0.5, 0.5]; the first weight is really {e / (e + 2):.3e}",
    "Apple' = " + " + ".join(f"{a:.7f} x E({k})"
                             for a, k in zip(exact.attention_weights[1], ["love", "Apple", "phones"])),
    "       = (" + ", ".join(f"{v:.6f}" for v in exact.contextual_embeddings[1]) + ")",
    "         (tutorial: 0.0 E(love) + 0.5 E(Apple) + 0.5 E(phones) = (2, 2))",
]), language=None)
st.caption("The tutorial computes these without the 1/√d_k factor: turn scaling off in the sidebar and pick the "
           "tutorial 2-D vectors with the sentence 'love apple phones' to see the same numbers above in the steps. "
           "With scaling on they are divided by √2 first.")

st.header("How much work is this?")
st.markdown(
    f"Every word's row is independent, so all rows can be computed at the same time (in parallel): that is "
    "what the tutorial's \"O(1)\" means, one step instead of one step per word. The work is not O(1): "
    f"the scores alone take n_tokens² x d_k = {n}² x {d_k} = **{n * n * d_k:,}** "
    f"multiply-adds, and the weighted sums n_tokens² x d_v = **{n * n * d_v:,}** more. Doubling the sentence "
    "quadruples the work: self-attention is O(n²)."
)

with st.expander("Show the code that made these numbers"):
    st.code(inspect.getsource(ac.self_attention), language="python")
    st.code(inspect.getsource(ac.attention), language="python")
    st.code(inspect.getsource(ac.softmax), language="python")
