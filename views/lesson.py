"""The guided lesson: the tutorial's sections in order, each with a prediction, one live chart and the truth."""

import streamlit as st

import attention_core as ac
from ui import charts, controls, lesson, poll, run_queue

SECTIONS = ac.lesson.SECTIONS


def go(to: int) -> None:
    st.session_state["lesson"] = str(to)


@run_queue.fragment  # another step reruns only the lesson, not the sidebar
def lesson_step() -> None:
    head = st.container()
    step = int(controls.widget("lesson"))
    section = SECTIONS[step - 1]
    head.header(f"Guided lesson · {step}. {section.title}", anchor=False)
    st.caption(f"Step {step} of {len(SECTIONS)}: the tutorial's section \u201c{section.heading}\u201d. "
               "This page's link opens this step. Its sentences and settings are the tutorial's, fixed; "
               "the sidebar's apply on the other pages.")
    left, right = st.columns([5, 6], gap="large")
    with left:
        st.markdown(lesson.INTRO[section.slug])
        guess = poll.predict(section.question)  # the teacher of a class gets the prompt only
        lesson.links(section.slug)
    with right:  # alone: the answer once guessed; in a class: the live tally, then the reveal
        poll.ask(section.question, guess, lambda: lesson.measured(section.slug),
                 lambda m: charts.show(lesson.chart(section.slug, m), width="stretch"))
    back, _, forward = st.columns([1, 3, 1])
    back.button("← Previous step", on_click=go, args=(step - 1,), disabled=step == 1, width="stretch")
    forward.button("Next step →", on_click=go, args=(step + 1,), disabled=step == len(SECTIONS), width="stretch",
                   type="primary")


lesson_step()
