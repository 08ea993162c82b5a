"""The class poll on a page: start or join a class, send guesses, the teacher's live tally, the reveal.

Who is who: the session that pressed *Start a class* holds the teacher token (in its session state,
never in a link or an address, so never in a browser's history); any other session with the class code
(in the link, ``?class=ABCD-EFGH``, or typed into the sidebar's *Class code* box) is a student. The
teacher's sidebar shows the token as a *teacher key* in a closed expander (never on the projector): pasted
into a student session's *Teacher key* box (a password box, emptied at once), it makes that session the
teacher again, after a reload or on another computer.

A student's locked-in guess is sent to the class (``send``, a ``ui.questions`` listener); the measured
answer waits for the teacher's reveal. The teacher sees the prompt instead of an answer form, and a
fragment that redraws itself every ``TEACHER_EVERY`` seconds (not a full rerun) with how many answered
and the distribution; a student's page notices the reveal through its own fragment (every
``STUDENT_EVERY`` seconds).
Nothing a student types reaches another screen: the store keeps only what ``Question.read``
returned (an option, or a number), and codes typed into the box are never echoed. When the teacher
asks a question again, a student's old guess is not sent again: the form opens for a new one.
"""

from __future__ import annotations

import secrets
import urllib.parse
from collections.abc import Callable

import streamlit as st

import attention_core as ac
import classroom
from ui import chart_poll, charts, controls, messages, questions

TOKEN, SESSION, FOLLOWED = "_class_token", "_class_session", "_class_current"
PROBLEM = "_class_problem"
SENT = "_class_sent"  # (class code, question id) -> True if the guess came after the reveal (late), else False
TEACHER_KEY = "class_teacher_key"  # the password box where a teacher pastes the key back
TEACHER_EVERY, STUDENT_EVERY = 1.0, 2.0  # seconds between a fragment's own reruns
LOCK_IN = "Lock in your guess: then the chart and the measured answer appear here."


@st.cache_resource(show_spinner=False)
def store() -> classroom.Store:
    """One store per server process (the file is shared by every process: see ``classroom``)."""
    return classroom.open_store(ac.lesson.ALL_QUESTIONS)


def session_id() -> str:
    """This browser session's anonymous id: an answer belongs to it (no names, no accounts)."""
    return st.session_state.setdefault(SESSION, secrets.token_hex(16))


def code() -> str | None:
    """The live class this session is in (None: no code, a wrong one, or a class that has ended)."""
    c = classroom.normalise_code(str(st.session_state.get("class") or ""))
    return c if c and store().is_open(c) else None


def teaching(c: str | None = None) -> bool:
    c = c or code()
    return c is not None and store().is_teacher(c, st.session_state.get(TOKEN))


def send(question: ac.lesson.Question, answer) -> None:
    """A ``ui.questions`` listener: a student's locked-in guess goes to the class (refusals raise)."""
    c = code()
    if c is not None and not teaching(c):
        # tried, even if refused (so never resent into a later round); a late guess is refused: answers closed
        st.session_state.setdefault(SENT, {})[(c, question.id)] = store().revealed(c, question.id)
        store().answer(c, session_id(), question.id, answer)


if send not in questions.listeners:
    questions.listeners.append(send)


# --- the sidebar's rows -------------------------------------------------------------------------

def _start() -> None:
    try:
        ticket = store().start_class()
    except classroom.ClassError as exc:
        st.session_state[PROBLEM] = str(exc)
        return
    st.session_state[TOKEN] = ticket.token
    st.session_state["class"] = classroom.format_code(ticket.code)


def _leave() -> None:
    st.session_state.pop(TOKEN, None)
    st.session_state["class"] = ""


def link(c: str) -> str:
    """This page's address with the class in it (what the teacher shares)."""
    base = (st.context.url or "").split("?")[0]
    return f"{base}?{urllib.parse.urlencode({'class': classroom.format_code(c)})}"


def _claim() -> None:
    """The Teacher key box's callback: the class's key makes this session its teacher. The box is emptied
    at once (it is never shown again), and a wrong key is refused without being echoed."""
    key, c = str(st.session_state.get(TEACHER_KEY) or "").strip(), code()
    st.session_state[TEACHER_KEY] = ""
    if key and c is not None and store().is_teacher(c, key):
        st.session_state[TOKEN] = key
    elif key:
        st.session_state[PROBLEM] = "That is not this class's teacher key (the teacher's sidebar shows it)."


def sidebar(sb) -> None:
    """The sidebar's last rows: the Class code box (in the link), and start / leave a class."""
    controls.widget("class", sb)
    c = code()
    if c and teaching(c):
        sb.markdown(f"**Your class: {classroom.format_code(c)}**. Students open this link, or type the code "
                    "in their Class code box:")
        sb.code(link(c), language=None)
        with sb.expander("Your teacher key", icon=":material/key:"):  # closed: not on the projector
            st.caption("Copy it now and keep it to yourself. If this page reloads, or on another computer: open "
                       "the students' link and paste it under *Are you this class's teacher?*.")
            st.code(st.session_state.get(TOKEN), language=None)
        sb.button("End the class on this screen", on_click=_leave, key="class_leave")
    elif c:
        sb.caption(f"You are in class {classroom.format_code(c)}: your guesses go to the teacher's screen "
                   "(no name is sent).")
        sb.button("Leave the class", on_click=_leave, key="class_leave")
        with sb.expander("Are you this class's teacher?"):
            st.text_input("Teacher key", type="password", key=TEACHER_KEY, on_change=_claim, max_chars=64,
                          help="The key in the teacher's sidebar (Your teacher key): it gives the teacher's view "
                               "back after a reload.")
    else:
        if str(st.session_state.get("class") or "").strip():  # never echoed: it is user text
            messages.warning("No class with this code is running: it has ended (classes last "
                             f"{classroom.CLASS_HOURS:g} hours) or the code is mistyped.", sb)
        sb.button("Start a class", on_click=_start, key="class_start", icon=":material/groups:",
                  help="Get a code and a link for your students: their guesses on the lesson's and the "
                       "exercises' questions show on this screen, live, until you reveal the answer.")
    if st.session_state.get(PROBLEM):
        messages.error(st.session_state.pop(PROBLEM), sb)


# --- a question, asked alone or to the class --------------------------------------------------------

def predict(question: ac.lesson.Question):
    """The question's answer form (the teacher gets only the prompt); the locked-in guess or None."""
    c = code()
    if c and teaching(c):
        st.markdown("**Ask the class.** " + question.prompt)
        return None
    sent, key = st.session_state.setdefault(SENT, {}), (c, question.id)
    revealed = bool(c) and store().revealed(c, question.id)  # read once per run (each is a query of the store)
    mine = store().my_answer(c, session_id(), question.id) if c else None  # (callbacks ran before this run)
    if c and key not in sent and question.id in questions.guesses() and revealed:
        sent[key] = True  # a guess from before joining a revealed question: late, never sent into a later round
    if c and key in sent and not revealed and mine is None:
        # the teacher asked again (or the guess was refused): the form opens for a new guess, never a resend
        questions.guesses().pop(question.id, None)
        if sent.pop(key):  # a late guess's "answers are closed" is stale now (a refusal of this round stays)
            st.session_state.pop(f"_problem_{question.id}", None)
    guess = questions.predict(question, locked=revealed)
    if c and guess is not None and mine is None and not revealed:
        try:  # a guess locked in before joining the class goes to it now
            send(question, guess)
        except (classroom.ClassError, ac.AttentionLabError) as exc:  # said on the next run, under the form
            st.session_state[f"_problem_{question.id}"] = f"Not sent to the class: {exc}"
    return guess


def ask(question: ac.lesson.Question, guess, measured: Callable, draw: Callable) -> None:
    """The answer side of a question: ``measured()`` gives the Measured, ``draw(m)`` its own chart.

    Alone: the answer as soon as a guess is locked in. In a class: the teacher's live tally until
    the reveal, then the answer beside the class's guesses; a student's answer waits for the reveal."""
    c = code()
    if c is None:
        if guess is None:
            st.info(LOCK_IN, icon=":material/visibility_off:")
        else:
            m = measured()
            questions.reveal(question, guess, m, lambda: draw(m))
        return
    teacher, shown = teaching(c), store().revealed(c, question.id)
    if teacher and st.session_state.get(FOLLOWED) != (c, question.id):
        store().set_current(c, st.session_state.get(TOKEN), question.id)
        st.session_state[FOLLOWED] = (c, question.id)
    if teacher and not shown:
        live_tally(c, question)
        return
    if not teacher:
        student_watch(c, question, guess is not None, shown)
    if shown and (teacher or guess is not None):
        m = measured()
        if teacher:  # on the projector, the class's guesses against the answer come first (above the fold)
            said = m.answer if isinstance(m.answer, str) else f"{ac.format_number(m.answer, 3)}{question.unit}"
            messages.success(f"The app measures: {said}.")
            class_result(c, question, m)
            draw(m)
            questions.explain(m)
        else:
            questions.reveal(question, guess, m, lambda: draw(m))
            class_result(c, question, m)


@st.fragment(run_every=TEACHER_EVERY)
def live_tally(c: str, question: ac.lesson.Question) -> None:
    """The teacher's view until the reveal: how many answered, the distribution (redrawn on its own)."""
    try:
        tally = store().tally(c, question.id)
    except classroom.ClassError as exc:
        messages.warning(str(exc))
        return
    code_box, count_box = st.columns(2)
    code_box.metric("class code (the sidebar's Class code box)", classroom.format_code(c))  # big enough to read out
    count_box.metric("students have answered", tally.n)
    charts.show(chart_poll.class_bars(question, tally.answers, title="the class's guesses, live"))
    st.caption("The answer stays hidden on every screen until you reveal it.")
    if st.button("Reveal to the class", type="primary", key=f"reveal_{question.id}", icon=":material/visibility:"):
        try:
            store().reveal(c, st.session_state.get(TOKEN), question.id)
        except classroom.ClassError as exc:
            messages.error(str(exc))
            return
        st.rerun()  # the whole page: the measured answer appears


@st.fragment(run_every=STUDENT_EVERY)
def student_watch(c: str, question: ac.lesson.Question, guessed: bool, shown: bool) -> None:
    """A student's page: notices the reveal (and where the teacher is) without a full rerun."""
    try:
        now_shown, current = store().revealed(c, question.id), store().current(c)
        gone = guessed and not now_shown and (c, question.id) in st.session_state.get(SENT, {}) \
            and store().my_answer(c, session_id(), question.id) is None
    except classroom.ClassError:
        st.rerun()  # the class ended: the page goes on alone
        return
    if now_shown != shown or gone:
        st.rerun()  # revealed, or asked again (even within one tick of the reveal): the page redraws
    if current and current != question.id and current in STEPS and question.id in STEPS:
        if st.button(f"The teacher is on {STEPS[current][1]}: go there", key="class_follow", on_click=_go,
                     args=(current,), icon=":material/arrow_forward:"):
            st.rerun()  # the whole page (a click in a fragment reruns only the fragment)
    if not shown:
        st.info("Your guess is in. The measured answer appears when the teacher reveals it." if guessed else LOCK_IN,
                icon=":material/hourglass_top:" if guessed else ":material/visibility_off:")


STEPS = {s.question.id: ("lesson", f"step {i}") for i, s in enumerate(ac.lesson.SECTIONS, 1)}


def _go(question_id: str) -> None:
    if STEPS[question_id][0] == "lesson":
        st.session_state["lesson"] = STEPS[question_id][1].split()[-1]


def class_result(c: str, question: ac.lesson.Question, m: ac.lesson.Measured) -> None:
    """After the reveal: the class's guesses beside the measured answer (and, for the teacher, ask again)."""
    tally = store().tally(c, question.id)
    right = sum(question.is_right(a, m.answer) for a in tally.answers)
    charts.show(chart_poll.class_bars(question, tally.answers, m.answer, title="the class's guesses"))
    st.caption(f"{right} of {tally.n} students were right.")
    if teaching(c) and st.button("Ask this question again", key=f"reset_{question.id}", on_click=_reset,
                                 args=(c, question)) and st.session_state.get(PROBLEM):
        st.rerun()  # the sidebar says what went wrong: the whole page, not only the page's fragment


def _reset(c: str, question: ac.lesson.Question) -> None:
    try:
        store().reset(c, st.session_state.get(TOKEN), question.id)
    except classroom.ClassError as exc:
        st.session_state[PROBLEM] = str(exc)
