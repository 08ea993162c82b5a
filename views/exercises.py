"""Exercises: the tutorial's three practice exercises, with the answers checked and the solutions on request."""

import streamlit as st

import attention_core as ac
from ui import charts, controls, lesson, messages, poll, resources, run_queue, state

settings = state.current_settings()

st.title("Exercises")
st.caption("The tutorial's three practice exercises. Type your answer, check it, and open the worked solution "
           "when you want it.")


def verdict(ok: bool, text: str) -> None:
    (messages.success if ok else messages.error)(text)


@run_queue.fragment  # checking an answer reruns only this exercise, not the sidebar and the page
def exercise_2() -> None:
    st.markdown("**cat = [1, 2], sat = [3, 1], mat = [2, 3]**. Compute (a) the dot products of *cat* with "
                "cat, sat and mat, (b) the softmax weights for *cat*, (c) the new *cat* = the weighted sum of "
                "the three vectors. With or without the 1/√d_k factor: both are accepted.")
    charts.show(charts.token_strip(["cat", "sat", "mat"], [True] * 3, 0))
    with st.form("ex2"):
        # the placeholders say what to type, never a number (they once showed (a) and (b)'s answers)
        scores = st.text_input("(a) dot products: cat·cat, cat·sat, cat·mat",
                               placeholder="three numbers, separated by commas")
        weights = st.text_input("(b) softmax weights", placeholder="three numbers that add up to 1")
        new_cat = st.text_input("(c) the new cat", placeholder="two numbers: the new cat's x, y")
        checked = st.form_submit_button("Check my answers")
    if checked:
        try:
            check = ac.check_exercise_2(scores, weights, new_cat)
        except ac.AttentionLabError as exc:
            messages.warning(str(exc))
        else:
            for label, part in (("(a)", check.scores), ("(b)", check.weights), ("(c)", check.new_cat)):
                verdict(part.correct, f"{label} {part.diagnosis}")
            st.caption(f"Convention recognised: {check.convention or 'none'}. Tolerance: (a) {check.scores.tolerance}; "
                       f"(b) {check.weights.tolerance}; (c) {check.new_cat.tolerance}.")  # each part its own
    with st.expander("Show the worked solution"):
        tr = ac.analyse("cat sat mat", ac.toy_embeddings(), ac.Mechanism(scale=False), target="cat").trace
        st.code("\n".join(ac.lessons.follow_word(tr, ["cat", "sat", "mat"], 0)), language=None)
        st.caption("Without scaling, as in the tutorial. With it, the scores are divided by √2 before the "
                   "softmax: " + ", ".join(f"{w:.4f}" for w in ac.exercise_2_expected()["weights"]["scaled"]))


@run_queue.fragment  # the same: checking the shapes reruns only this exercise
def exercise_3() -> None:
    st.markdown("A sentence of **20 words**, embeddings of **512** numbers, Q, K, V of **64**. What are the "
                "shapes (rows x columns) of these matrices?")
    shapes = ac.exercise_3_shapes()
    names = {"E": "E, the embeddings", "Q": "Q (and K, V)", "scores": "the attention scores",
             "output": "the output"}
    with st.form("ex3"):
        answers = {k: st.text_input(label, placeholder="rows x columns", key=f"ex3_{k}")
                   for k, label in names.items()}
        checked = st.form_submit_button("Check my shapes")
    if checked:
        for k, text in answers.items():
            try:
                ok, said = ac.check_shape(text, shapes[k], known=shapes, name=k)
            except ac.AttentionLabError as exc:
                ok, said = False, f"{names[k]}: {exc}"
            verdict(ok, f"{names[k]}: {said}")
    with st.expander("Run it for real: 20 random 512-d vectors, W_Q, W_K, W_V of 64 columns"):
        words = " ".join(ac.APPLE_MUSIC.split()[:20])
        run = ac.analyse(words, ac.random_embeddings(512, 0), ac.Mechanism(projections="random_v", d_k=64)).trace
        st.code("\n".join(f"{name:<9} {tuple(m.shape)}" for name, m in (
            ("E", run.X), ("Q", run.queries), ("K", run.keys), ("V", run.values), ("scores", run.scores),
            ("output", run.contextual_embeddings))), language=None)


def exercise_1_runs(guess) -> None:
    sentence, words = ac.EXERCISE_1_SENTENCE, ac.tokenize(ac.EXERCISE_1_SENTENCE).words
    glove, learned = resources.glove(), resources.trained(16, 0).projections
    runs = {"plain (no projections)": ac.Mechanism(), "learned": ac.Mechanism(projections="learned"),
            "learned + residual": ac.Mechanism(projections="learned", residual=True)}
    for col, (label, mech) in zip(st.columns(3), runs.items()):
        a = ac.analyse(sentence, glove, mech, target="bank", learned=learned)
        row = a.trace.attention_weights[a.target_index]
        with col:
            charts.show(charts.attention_bars(row, words, title=label, colour=charts.OKABE_ITO[2], width=200))
            near = [w for w, _ in resources.neighbours(a.after[a.target_index], ("bank",), k=4)]
            st.text(f"bank after: {', '.join(near)}")
            if guess is not None:
                messages.info(ac.check_exercise_1([guess], row, words, k=1)["sentence"])


def exercise_1() -> None:
    question = ac.lesson.EXERCISES["ex1"]
    st.caption("The tutorial asks which words bank attends to: guess the one it weights most, then see the "
               "real weights under three mechanisms.")
    guess = poll.predict(question)  # asked to the class too, when there is one
    poll.ask(question, guess, lesson.exercise_1, lambda m: exercise_1_runs(guess))


@run_queue.fragment  # another exercise reruns only the exercises, not the sidebar and the page
def exercise_tabs() -> None:
    for tab, draw in zip(controls.tabs("exercise"), (exercise_1, exercise_2, exercise_3)):
        with tab:
            if tab.open:
                draw()


exercise_tabs()
