"""AppTest of the class poll: a teacher's session and students' sessions on one store (issue 15)."""

from __future__ import annotations

import pytest

import classroom
from attention_core.lesson import EXERCISES, QUESTIONS
from tests.apptest_support import chart_titled, new_app, no_exception, texts
from ui import poll

PROBLEM = QUESTIONS["lesson.problem"]  # step 1: "the same" / "different"; measured: "the same"
STATIC = QUESTIONS["lesson.static"]  # step 2: a number, 0 to 100 %


@pytest.fixture(autouse=True)
def data_folder(tmp_path, monkeypatch):
    """Every test on its own empty store (the store is cached once per process: cleared around)."""
    monkeypatch.setenv(classroom.store.ENV, str(tmp_path))
    poll.store.clear()
    yield tmp_path
    poll.store.clear()


def lesson(step: int = 1, **query):
    at = new_app(lesson=str(step), **query)
    at.switch_page("views/lesson.py").run()
    no_exception(at)
    return at


def teacher(step: int = 1):
    at = lesson(step)
    at.button(key="class_start").click().run()
    no_exception(at)
    return at, classroom.normalise_code(at.session_state["class"])


def answer(at, question, value):
    if question.options:
        at.radio(key=f"raw_{question.id}").set_value(value)
    else:
        at.text_input(key=f"raw_{question.id}").input(value)
    at.button[[b.label for b in at.button].index("Lock in my guess")].click().run()
    no_exception(at)
    return at


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def students_answered(at) -> int:
    return int([m.value for m in at.metric if m.label == "students have answered"][0])


def test_alone_the_lesson_reveals_as_soon_as_a_guess_is_locked_in():
    at = answer(lesson(1), PROBLEM, "different")
    assert any("Not quite" in t for t in texts(at, "error")) and "The app measures" in markdown(at)
    assert not chart_titled(at, "the class's guesses")


def test_starting_a_class_gives_a_code_a_link_and_the_teachers_view():
    at, code = teacher()
    assert code and poll.store().is_open(code)
    assert at.query_params["class"] == classroom.format_code(code)  # the teacher's address is the link
    assert any(classroom.format_code(code) in c.value and "class=" in c.value for c in at.sidebar.code)
    assert "**Ask the class.**" in markdown(at)
    assert not [r for r in at.radio if r.key.startswith("raw_")]  # the teacher gets no answer form
    assert students_answered(at) == 0 and chart_titled(at, "the class's guesses, live")
    assert [b.label for b in at.button if b.label == "Reveal to the class"]
    assert poll.store().current(code) == PROBLEM.id


def test_students_answers_reach_the_teacher_and_wait_for_the_reveal():
    t, code = teacher()
    students = [lesson(1, **{"class": classroom.format_code(code)}) for _ in range(3)]
    for s, choice in zip(students, ("the same", "the same", "different")):
        assert "**Ask the class.**" not in markdown(s) and not [b for b in s.button if b.label ==
                                                                 "Reveal to the class"]
        answer(s, PROBLEM, choice)
        assert any("Your guess is in" in i for i in texts(s, "info"))
        assert "The app measures" not in markdown(s) and not texts(s, "success")  # not before the reveal
    answer(students[2].button(key=f"unlock_{PROBLEM.id}").click().run(), PROBLEM, "the same")  # changed
    t.run()
    assert students_answered(t) == 3
    (_, df), = chart_titled(t, "the class's guesses, live")
    assert dict(zip(df["label"], df["guesses"])) == {"the same": 3, "different": 0}

    t.button[[b.label for b in t.button].index("Reveal to the class")].click().run()
    no_exception(t)
    assert "The app measures" in markdown(t) and "3 of 3 students were right." in [c.value for c in t.caption]
    (_, df), = chart_titled(t, "the class's guesses")
    assert set(df["which"]) == {"the measured answer", "guesses"}
    s = students[0].run()
    assert any(x.startswith("Right") for x in texts(s, "success")) and chart_titled(s, "the class's guesses")
    assert not [b for b in s.button if b.label == "Change my guess"]  # locked after the reveal


def test_a_number_question_is_polled_in_ranges():
    t, code = teacher(2)
    s = answer(lesson(2, **{"class": classroom.format_code(code)}), STATIC, "55")
    no_exception(s)
    t.run()
    (_, df), = chart_titled(t, "the class's guesses, live")
    assert dict(zip(df["label"], df["guesses"]))["50 to 60 %"] == 1 and df["guesses"].sum() == 1


def test_a_wrong_or_ended_code_is_said_and_the_page_works_alone():
    at = lesson(1, **{"class": "NOPE-NOPE"})
    assert any("No class with this code" in w for w in texts(at, "warning"))
    assert not any("NOPE" in w for w in texts(at, "warning"))  # what was typed is never echoed
    answer(at, PROBLEM, "the same")
    assert "The app measures" in markdown(at)


def test_a_student_follows_the_teacher_to_another_step():
    t, code = teacher(1)
    s = lesson(1, **{"class": classroom.format_code(code)})
    poll.store().set_current(code, t.session_state[poll.TOKEN], QUESTIONS["lesson.dot"].id)
    s.run()
    s.button(key="class_follow").click().run()
    no_exception(s)
    assert s.session_state["lesson"] == "4"


def test_exercise_1_is_asked_to_the_class():
    q = EXERCISES["ex1"]
    t = new_app(exercise="Exercise 1: the river bank")
    t.switch_page("views/exercises.py").run()
    t.button(key="class_start").click().run()
    code = t.session_state["class"]
    s = new_app(exercise="Exercise 1: the river bank", **{"class": code})
    s.switch_page("views/exercises.py").run()
    answer(s, q, "river")
    assert not chart_titled(s, "learned")  # the real weights wait for the reveal
    t.run()
    assert students_answered(t) == 1
    t.button[[b.label for b in t.button].index("Reveal to the class")].click().run()
    no_exception(t)
    assert len(chart_titled(t, "learned")) == 2 and chart_titled(t, "the class's guesses")
    s.run()
    assert any("Not quite" in e and "slopes" in e for e in texts(s, "error"))


def test_the_teacher_key_gives_the_teachers_view_back_after_a_reload():
    """A reload is a new session: the token (kept only in session state, never in a link or an address) is
    gone. The teacher's sidebar shows it as a key; pasted into a student session's Teacher key box, it makes
    that session the teacher, and the box is emptied."""
    t, code = teacher()
    token = t.session_state[poll.TOKEN]
    assert [c.value for c in t.sidebar.code].count(token) == 1  # the key, in its closed expander
    assert all(token not in c.value for c in t.sidebar.code if "class=" in c.value)  # never in the link
    assert token not in str(dict(t.query_params))
    back = lesson(1, **{"class": classroom.format_code(code)})  # the reloaded page: a student at first
    assert "**Ask the class.**" not in markdown(back)
    back.text_input(key=poll.TEACHER_KEY).input(token).run()
    no_exception(back)
    assert "**Ask the class.**" in markdown(back) and [b for b in back.button if b.label == "Reveal to the class"]
    assert back.session_state[poll.TEACHER_KEY] == "" and token not in str(dict(back.query_params))
    s = answer(lesson(1, **{"class": classroom.format_code(code)}), PROBLEM, "the same")
    back.button[[b.label for b in back.button].index("Reveal to the class")].click().run()
    no_exception(back)
    assert poll.store().revealed(code, PROBLEM.id) and any(x.startswith("Right") for x in texts(s.run(), "success"))


def test_a_wrong_teacher_key_is_refused_without_echo_and_the_page_stays_a_students():
    t, code = teacher()
    at = lesson(1, **{"class": classroom.format_code(code)})
    at.text_input(key=poll.TEACHER_KEY).input("guessed-key-<b>x</b>").run()
    no_exception(at)
    errors = texts(at, "error")
    assert any("not this class's teacher key" in e for e in errors) and not any("guessed" in e for e in errors)
    assert "**Ask the class.**" not in markdown(at) and poll.TOKEN not in at.session_state
    assert at.session_state[poll.TEACHER_KEY] == ""
    answer(at, PROBLEM, "the same")  # still a student of the class: the guess goes to it
    assert poll.store().tally(code, PROBLEM.id).n == 1


def test_asking_again_opens_the_students_form_and_does_not_resend_the_old_guess():
    t, code = teacher()
    s = answer(lesson(1, **{"class": classroom.format_code(code)}), PROBLEM, "different")
    t.run()
    t.button[[b.label for b in t.button].index("Reveal to the class")].click().run()
    t.button(key=f"reset_{PROBLEM.id}").click().run()
    no_exception(t)
    assert poll.store().tally(code, PROBLEM.id).n == 0 and not poll.store().revealed(code, PROBLEM.id)
    s.run()
    no_exception(s)
    assert poll.store().tally(code, PROBLEM.id).n == 0  # the last round's guess was not sent again
    assert [r for r in s.radio if r.key == f"raw_{PROBLEM.id}"]  # the form is open for a new guess
    assert not [x for x in s.text if x.value.startswith("Your guess")]
    answer(s, PROBLEM, "the same")
    t.run()
    assert students_answered(t) == 1
    (_, df), = chart_titled(t, "the class's guesses, live")
    assert dict(zip(df["label"], df["guesses"])) == {"the same": 1, "different": 0}


def test_a_guess_refused_after_the_reveal_is_not_sent_when_the_teacher_asks_again():
    """A late guess (answers closed at the reveal) stays on the student's page with the answer; when the
    teacher asks again it is not slipped into the new round: the form opens (review of issue 15's poll)."""
    t, code = teacher()
    t.button[[b.label for b in t.button].index("Reveal to the class")].click().run()
    late = answer(lesson(1, **{"class": classroom.format_code(code)}), PROBLEM, "the same")
    assert poll.store().tally(code, PROBLEM.id).n == 0 and any(x.startswith("Right") for x in texts(late, "success"))
    t.button(key=f"reset_{PROBLEM.id}").click().run()
    late.run()
    no_exception(late)
    assert poll.store().tally(code, PROBLEM.id).n == 0
    assert [r for r in late.radio if r.key == f"raw_{PROBLEM.id}"]
    assert not [w for w in texts(late, "warning") if "closed" in w]  # the old refusal is not said any more


def test_a_guess_from_before_joining_a_revealed_question_is_not_sent_when_asked_again():
    t, code = teacher()
    t.button[[b.label for b in t.button].index("Reveal to the class")].click().run()
    alone = answer(lesson(1), PROBLEM, "different")  # guessed alone first, then joins the class
    alone.sidebar.text_input(key="class").input(classroom.format_code(code)).run()
    no_exception(alone)
    t.button(key=f"reset_{PROBLEM.id}").click().run()
    alone.run()
    no_exception(alone)
    assert poll.store().tally(code, PROBLEM.id).n == 0  # not slipped into the new round
    assert [r for r in alone.radio if r.key == f"raw_{PROBLEM.id}"]
