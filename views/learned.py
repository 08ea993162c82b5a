"""Learned projections: W_Q and W_K trained to find the word that decides an ambiguous word's sense."""

import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

import attention_core as ac
from ui import charts, messages, resources, state

settings = state.current_settings()
d_k, seed = settings.d_k, settings.proj_seed

st.title("Learned projections")
st.caption("The tutorial says W_Q, W_K and W_V are learned. Here W_Q and W_K really are (W_V stays the identity), on "
           "a small task written for this project: is the ambiguous word in a sentence meant in one sense or another?")
results = st.container()  # the held-out numbers, filled once trained: first on a laptop's screen

examples, pairs = resources.word_senses(), resources.sense_pairs()
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

progress, curve = results.empty(), st.empty()  # training progress where the results will be
losses: list[float] = []  # filled while training runs (only on the first run for these settings)


def draw_loss(values: list[float]) -> None:
    df = pd.DataFrame({"step": np.arange(1, len(values) + 1), "loss": values})
    charts.show(charts.line_chart(df, "step", "loss", title="training loss (cross-entropy)"), curve, width="stretch")


def on_step(step: int, loss: float) -> None:
    del losses[step - 1:]  # step 1 again (a worker died: the server retrains) restarts the curve
    losses.append(loss)
    if step % 25 == 0 or step == 1:
        progress.progress(step / 300, text=f"training: step {step}, loss {loss:.4f}")
        draw_loss(losses)


try:
    learned = resources.trained(d_k, seed, True, on_step)
    baseline = resources.trained(d_k, seed, False)
except ac.AttentionLabError as exc:
    messages.error(str(exc))
    st.stop()
progress.empty()
draw_loss(learned.losses)
ratio = learned.heldout_cue_attention / max(baseline.heldout_cue_attention, 1e-12)

results.header(f"Held-out sentences (d_k = {d_k}, seed = {seed})")
c1, c2, c3 = results.columns(3)
c1.metric("held-out accuracy", f"{learned.heldout_accuracy:.1%}",
          f"{100 * (learned.heldout_accuracy - baseline.heldout_accuracy):+.1f} pts vs random",
          help="share of held-out sentences whose sense is read correctly, learned W_Q, W_K")
c2.metric("cue attention", f"{learned.heldout_cue_attention:.3f}", f"x{ratio:.1f} vs random",
          help="mean attention weight from the ambiguous word to the word that decides its sense")
c3.metric("random W_Q, W_K", f"{baseline.heldout_accuracy:.1%}", f"cue attention {baseline.heldout_cue_attention:.3f}",
          delta_color="off", delta_arrow="off",
          help="W_Q, W_K kept at their random start; only the read-out is trained")
results.caption("Chance is 50%. Random projections already do well: the cue word's GloVe vector leans the right "
                f"way and pulls a little even with weak attention. Learning makes the word look at the cue "
                f"{ratio:.1f} times as hard, which is what makes the reading reliable.")
st.markdown(
    "**What it learned, honestly**: one layer trained only on the ambiguous word's row learns mostly *which "
    "words are worth looking at* (sense-laden words such as *phones*, *juice*, *river*), and every word of a "
    "sentence tends to look at them, so the rows of the attention matrix look alike. Query-dependent looking, where "
    "different words look at different places, needs more training signal than this small task gives "
    "(for example, several ambiguous words per sentence, or many heads and layers)."
)

st.header("The tutorial's \"I love Apple watch\"")
glove, mech = resources.glove(), state.mechanism(settings)
watch = ac.tokenize("I love Apple watch")
both = ac.lessons.random_vs_learned(glove.lookup(watch.keys).vectors, watch.words, learned.projections, mech)
for col, (kind, tr) in zip(st.columns(2), (("random", both.random), ("learned", both.learned))):
    with col:
        charts.show(charts.attention_bars(tr.attention_weights[2], watch.words,
                                          title=f"{kind} W_Q, W_K: where Apple looks",
                                          colour=charts.VARIANT_COLOURS[kind]))
st.markdown(f"Apple's attention to *watch*: **{both.random.attention_weights[2, 3]:.2f}** with random projections, "
            f"**{both.learned.attention_weights[2, 3]:.2f}** with learned ones (\"watch\" is not in the training "
            "data)." + ("" if settings.scale else " Scaling is off in the sidebar: these weights use raw scores."))

st.subheader("Where it can be fooled")
fooled = ac.analyse("I deposited money at the bank", glove, dataclasses.replace(mech, projections="learned"),
                    target="bank", learned=learned.projections)
i, w = fooled.target_index, fooled.trace.attention_weights
top = int(np.argmax(w[i]))  # the word bank looks at most
near = [word for word, _ in resources.neighbours(fooled.after[i], ("bank",), k=5)]
shift = ac.lessons.sense_shift(fooled.before[i], fooled.after[i], glove, pairs["bank"])
(m0, r0), (m1, r1), (money, river) = shift.before, shift.after, shift.senses
still = f" and still leans to {shift.leans}" + (" (the residual stream keeps its own vector)" if mech.residual else "")
st.markdown(
    f"In *I deposited money at the bank*, **bank** looks most at **{fooled.words[top]}** (weight {w[i, top]:.2f}), "
    f"and its output's nearest GloVe words are *{', '.join(near)}*. " + ("Looking at *deposited* was a good choice, "
    "but in GloVe *deposited* is also what rivers do with silt. " if fooled.tokens.keys[top] == "deposited" else "")
    + f"Bank's cosine with *{river}* goes from {r0:.2f} to {r1:.2f}, with *{money}* from {m0:.2f} to {m1:.2f}: it "
    f"moves towards the {shift.towards} sense{still if shift.leans != shift.towards else ''}. Attention only chooses "
    "where to look; what the word finds there is that word's own embedding."
)

with st.expander("Every held-out sentence: prediction and attention to the cue"):
    report = resources.heldout_report(d_k, seed, learned)  # made once per training run
    st.dataframe(report, hide_index=True, width="stretch")
st.caption("Every page uses these W_Q, W_K while Projections in the sidebar is 'learned' (the default).")

with st.expander("Show the code that trained them"):
    for code in (ac.training.forward, ac.training.loss_and_grad, ac.train_projections):
        st.code(resources.source(code), language="python")
