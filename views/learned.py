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
pairs = ac.sense_pairs(examples)
st.markdown(
    f"**The data**: {len(examples)} short sentences, each with one ambiguous word and the one word that decides "
    "its sense (the cue). " + "; ".join(f"*{t}*: {a} or {b}" for t, (a, b) in pairs.items()) + ". "
    f"{sum(e.split == 'heldout' for e in examples)} of them are held out, and their cue words never occur in "
    "training, so the model cannot succeed by remembering words."
)
st.markdown(
    "**The model**: one attention layer over GloVe. W_Q and W_K (50 x d_k) are trained; W_V stays the identity, "
    "so the ambiguous word's output is still a GloVe vector, and its sense is read from that vector: does it lean "
    "towards one sense word (\"fruit\") or the other (\"technology\")? Nothing else can change, so training "
    "can only improve *where the word looks*."
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
c1.metric("held-out accuracy", f"{learned.heldout_accuracy:.1%}",
          f"{100 * (learned.heldout_accuracy - baseline.heldout_accuracy):+.1f} pts vs random",
          help="share of held-out sentences whose sense is read correctly, learned W_Q, W_K")
c2.metric("cue attention", f"{learned.heldout_cue_attention:.3f}",
          f"x{learned.heldout_cue_attention / max(baseline.heldout_cue_attention, 1e-12):.1f} vs random",
          help="mean attention weight from the ambiguous word to the word that decides its sense")
c3.metric("random W_Q, W_K", f"{baseline.heldout_accuracy:.1%}", f"cue attention {baseline.heldout_cue_attention:.3f}",
          delta_color="off", delta_arrow="off",
          help="W_Q, W_K kept at their random start; only the read-out is trained")
ratio = learned.heldout_cue_attention / max(baseline.heldout_cue_attention, 1e-12)
st.caption("Chance is 50%. Random projections already do well: the cue word's GloVe vector leans the right way "
           f"and pulls a little even with weak attention. Learning makes the word look at the cue {ratio:.1f} times "
           "as hard, which is what makes the reading reliable.")
st.markdown(
    "**What it learned, honestly**: one layer trained only on the ambiguous word's row learns mostly *which "
    "words are worth looking at* (sense-laden words such as *phones*, *juice*, *river*), and every word of a "
    "sentence tends to look at them, so the rows of the heatmap look alike. Query-dependent looking, where "
    "different words look at different places, needs more training signal than this small task gives "
    "(for example, several ambiguous words per sentence, or many heads and layers)."
)

st.header("The tutorial's \"I love Apple watch\"")
glove = state.glove()
tokens = ac.tokenize("I love Apple watch")
X = glove.lookup(tokens.keys).vectors
rand = ac.self_attention(X, ac.Projections.random(glove.dim, d_k, seed=seed))
lear = ac.self_attention(X, learned.projections)
c1, c2 = st.columns(2)
with c1:
    charts.show(charts.attention_bars(rand.attention_weights[2], tokens.words,
                                      title="random W_Q, W_K: where Apple looks",
                                      colour=charts.VARIANT_COLOURS["random"]))
with c2:
    charts.show(charts.attention_bars(lear.attention_weights[2], tokens.words,
                                      title="learned W_Q, W_K: where Apple looks",
                                      colour=charts.VARIANT_COLOURS["learned"]))
st.markdown(f"Apple's attention to *watch*: **{rand.attention_weights[2, 3]:.2f}** with random projections, "
            f"**{lear.attention_weights[2, 3]:.2f}** with learned ones (\"watch\" is not in the training data).")

st.subheader("Where it can be fooled")
fooled = ac.tokenize("I deposited money at the bank")
tr = ac.self_attention(glove.lookup(fooled.keys).vectors, learned.projections)
i = fooled.keys.index("bank")
top = int(np.argmax(tr.attention_weights[i]))
near = [w for w, _ in state.neighbours(tuple(tr.contextual_embeddings[i]), ("bank",), k=5)]
st.markdown(
    f"In *I deposited money at the bank*, **bank** looks most at **{fooled.words[top]}** "
    f"(weight {tr.attention_weights[i, top]:.2f}), and its output's nearest GloVe words are "
    f"*{', '.join(near)}*. "
    + ("Looking at *deposited* was a good choice, but in GloVe *deposited* is also what rivers do with silt, "
       "so bank drifts towards the river sense. Attention only chooses where to look; what the word finds there "
       "is that word's own embedding." if fooled.keys[top] == "deposited" else
       "Attention only chooses where to look; what the word finds there is that word's own embedding.")
)

with st.expander("Every held-out sentence: prediction and attention to the cue"):
    report = pd.DataFrame(ac.sentence_report(learned, glove))
    st.dataframe(report.round(3), hide_index=True, width="stretch")
st.caption("Choose 'learned' under Projections in the sidebar to use these W_Q, W_K on every page.")

with st.expander("Show the code that trained them"):
    from attention_core import training

    st.code(inspect.getsource(training.forward), language="python")
    st.code(inspect.getsource(training.loss_and_grad), language="python")
    st.code(inspect.getsource(ac.train_projections), language="python")
