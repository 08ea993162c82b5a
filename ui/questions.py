"""Predict, then reveal: a question the student answers before the measured answer shows.

``predict(question)`` draws the question and returns the guess this session locked in (or
None); ``reveal(question, guess, measured)`` says right or not and shows the tutorial's
number beside the app's. Guesses live in ``st.session_state[GUESSES]`` (question id -> answer),
so a page can be left and reopened without losing them. Every answer passes ``Question.read``
first: text, an empty box, 1e309 or a list get a message, never an exception.
"""

from __future__ import annotations

import streamlit as st

import attention_core as ac
from ui import messages

GUESSES = "_guesses"  # question id -> the locked-in answer (a choice, or a float)
listeners: list = []  # called as f(question, answer) when a guess is locked in (the class poll adds one)


def guesses() -> dict:
    return st.session_state.setdefault(GUESSES, {})


def _lock(question: ac.lesson.Question) -> None:
    """The form's callback: runs before the page, so the page already draws the locked-in guess."""
    raw = st.session_state.get(f"raw_{question.id}")
    raw = "" if raw is None else raw
    try:
        answer = question.read(raw)
    except ac.AttentionLabError as exc:
        st.session_state[f"_problem_{question.id}"] = str(exc)
        return
    st.session_state.pop(f"_problem_{question.id}", None)
    guesses()[question.id] = answer
    for listener in listeners:  # the class poll: a refusal (class ended, too many answers) is said, not raised
        try:
            listener(question, answer)
        except ValueError as exc:  # ClassError and AttentionLabError are ValueErrors
            st.session_state[f"_problem_{question.id}"] = f"Not sent to the class: {exc}"


def _unlock(question: ac.lesson.Question) -> None:
    guesses().pop(question.id, None)


def predict(question: ac.lesson.Question, locked: bool = False) -> str | float | None:
    """The question and its answer box; the locked-in guess, or None until there is one.

    ``locked``: the guess can no longer change (the teacher revealed the class's answer)."""
    st.markdown("**Predict first.** " + question.prompt)
    guess = guesses().get(question.id)
    if guess is not None:
        shown = guess if isinstance(guess, str) else f"{ac.format_number(guess)}{question.unit}"
        st.text(f"Your guess: {shown}")
        problem = st.session_state.get(f"_problem_{question.id}")
        if problem:
            messages.warning(problem)
        if not locked:
            st.button("Change my guess", key=f"unlock_{question.id}", on_click=_unlock, args=(question,))
        return guess
    with st.form(f"guess_{question.id}", border=False):
        if question.options:
            st.radio("Your answer", question.options, index=None, key=f"raw_{question.id}")
        else:
            st.text_input(f"Your answer ({question.low:g} to {question.high:g}{question.unit})",
                                key=f"raw_{question.id}", max_chars=40)
        st.form_submit_button("Lock in my guess", type="primary", on_click=_lock, args=(question,))
    problem = st.session_state.get(f"_problem_{question.id}")
    if problem:
        messages.warning(problem)
    return guesses().get(question.id)


def reveal(question: ac.lesson.Question, guess, measured: ac.lesson.Measured, draw=None) -> None:
    """Right or not, then ``draw()`` (the section's chart, if given), then "the tutorial says / the app
    measures" where the tutorial rounds: the verdict first, where a laptop's first screen still shows it."""
    answer = measured.answer
    said = answer if isinstance(answer, str) else f"{ac.format_number(answer, 3)}{question.unit}"
    if question.is_right(guess, answer):
        messages.success(f"Right: {said}." + (f" (within ±{question.tolerance:g}{question.unit})"
                                             if question.kind == "number" and question.tolerance else ""))
    else:
        mine = guess if isinstance(guess, str) else f"{ac.format_number(guess, 3)}{question.unit}"
        messages.error(f"Not quite: you said {mine}, the app measures {said}.")
    if draw is not None:
        draw()
    explain(measured)


def explain(measured: ac.lesson.Measured) -> None:
    """The tutorial's number beside the app's (fixed texts, never user text)."""
    if measured.says:
        st.markdown(f"**The tutorial says:** {measured.says}  \n**The app measures:** {measured.measures}")
    else:
        st.markdown(f"**The app measures:** {measured.measures}")
