"""Learned projections: W_Q and W_K trained to find the word that decides an ambiguous word's sense."""

import inspect

import numpy as np
import pandas as pd
import streamlit as st

import attention_core as ac
from ui import charts, messages, state

settings = state.current_settings()
d_k, seed = settings.d_k, settings.proj_seed

st.title("Learned projections")
st.caption("The tutorial says W_Q, W_K and W_V are learned. Here they really are, on a small task written for "
           "this project: is the ambiguous word in a sentence meant in one sense or the other?")

examples = ac.load_word_senses()
pairs = {}
for ex in examples:
    pairs.setdefault(ex.target, [])
    if ex.sense not in pairs[ex.target]:
        pairs[ex.target].append(ex.sense)
st.markdown(
    f"**The data**: {len(examples)} short sentences, each with one ambiguous word and the one word that decides "
    "its sense (the cue). " + "; ".join(f"*{t}*: {a} or {b}" for t, (a, b) in pairs.items()) + ". "
    f"{sum(e.split == 'heldout' for e in examples)} of them are held out, and their cue words never occur in "
    "training, so the model cannot succeed by remembering words."
)
st.markdown(
    "**The model**: one attention layer over GloVe. W_Q and W_K (50 x d_k) are trained; W_V stays the identity, "
    "so the ambiguous word's output is still a GloVe vector, and its sense is read from that vector: does it lean "
    "towards one sense word (\"fruit\") or the other (\"technology\")? The only way to get better is to look at "
    "the right word."
)

progress = st.empty()
curve = st.empty()


losses: list[float] = []  # filled while training runs (only on the first run for these settings)


def on_step(step: int, loss: float) -> None:
    losses.append(loss)
    if step % 25 == 0 or step == 1:
        progress.progress(step / 300, text=f"training: step {step}, loss {loss:.4f}")
        df = pd.DataFrame({"step": np.arange(1, len(losses) + 1), "loss": losses})
        charts.show(charts.line_chart(df, "step", "loss", title="training loss (cross-entropy)"), curve,
                    width="stretch")


try:
    learned = state.trained(d_k, seed, True, on_step)
    baseline = state.trained(d_k, seed, False)
except ac.AttentionLabError as exc:
    messages.error(str(exc))
    st.stop()
progress.empty()
loss_df = pd.DataFrame({"step": np.arange(1, len(learned.losses) + 1), "loss": learned.losses})
charts.show(charts.line_chart(loss_df, "step", "loss", title="training loss (cross-entropy)"), curve,
            width="stretch")

st.header(f"Held-out sentences (d_k = {d_k}, seed = {seed})")
c1, c2, c3 = st.columns(3)
c1.metric("accuracy, learned W_Q, W_K", f"{learned.heldout_accuracy:.1%}",
          f"{learned.heldout_accuracy - baseline.heldout_accuracy:+.1%} vs random")
c2.metric("attention from the word to its cue, learned", f"{learned.heldout_cue_attention:.3f}",
          f"x{learned.heldout_cue_attention / max(baseline.heldout_cue_attention, 1e-12):.1f} vs random")
c3.metric("with random W_Q, W_K (read-out trained alone)",
          f"{baseline.heldout_accuracy:.1%}", f"cue attention {baseline.heldout_cue_attention:.3f}",
          delta_color="off")
st.caption("The random baseline keeps W_Q, W_K at their random start and trains only the read-out, so the two "
           "differ only in where the word looks. Chance is 50%.")

st.header("The tutorial's \"I love Apple watch\"")
glove = state.glove()
tokens = ac.tokenize("I love Apple watch")
X = glove.lookup(tokens.keys).vectors
rand = ac.self_attention(X, ac.Projections.random(glove.dim, d_k, seed=seed))
lear = ac.self_attention(X, learned.projections)
c1, c2 = st.columns(2)
with c1:
    charts.show(charts.attention_bars(rand.attention_weights[2], tokens.words,
                                      title="random W_Q, W_K: where Apple looks", colour=charts.OKABE_ITO[1]))
with c2:
    charts.show(charts.attention_bars(lear.attention_weights[2], tokens.words,
                                      title="learned W_Q, W_K: where Apple looks", colour=charts.OKABE_ITO[2]))
st.markdown(f"Apple's attention to *watch*: **{rand.attention_weights[2, 3]:.2f}** with random projections, "
            f"**{lear.attention_weights[2, 3]:.2f}** with learned ones (\"watch\" is not in the training data).")

with st.expander("Every held-out sentence: prediction and attention to the cue"):
    report = pd.DataFrame(ac.sentence_report(learned, glove))
    st.dataframe(report.round(3), hide_index=True, width="stretch")
st.caption("Choose 'learned' under Projections in the sidebar to use these W_Q, W_K on every page.")

with st.expander("Show the code that trained them"):
    from attention_core import training

    st.code(inspect.getsource(training.forward), language="python")
    st.code(inspect.getsource(training.loss_and_grad), language="python")
    st.code(inspect.getsource(ac.train_projections), language="python")
