"""Browser test of the class poll (issue 15): one teacher page and three student pages on one server.

Students answer; the teacher's count and chart change without the teacher touching anything; the reveal
shows the measured answer beside the class's guesses, and reaches the students' pages by itself; a
student page has no way to reveal; a restarted server still has the answers (same data folder).
Screenshots: artifacts/screenshots/poll_teacher_live.png, poll_teacher_revealed.png, poll_student.png.
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from classroom.store import ENV
from tests import browser_support as bs

pytestmark = pytest.mark.browser

LOG = bs.ARTIFACTS / "streamlit-poll-server.log"


def start(data) -> bs.Server:
    old = os.environ.get(ENV)
    os.environ[ENV] = str(data)  # the server's own data folder (start_server passes os.environ on)
    try:
        return bs.start_server(log_path=LOG)
    finally:
        if old is None:
            del os.environ[ENV]
        else:
            os.environ[ENV] = old


@pytest.fixture
def poll_server(tmp_path):
    server = start(tmp_path)
    yield server, tmp_path
    bs.stop_server(server)


def main(lab):
    return lab.page.locator("[data-testid='stMain']")


def answered(lab) -> str:
    metric = main(lab).locator("[data-testid='stMetric']").filter(has_text="students have answered")
    return metric.locator("[data-testid='stMetricValue']").inner_text() if metric.count() else ""


def guess(lab, choice: str) -> None:
    main(lab).locator("label").filter(has_text=re.compile(f"^{re.escape(choice)}$")).click()
    bs.wait_rerun(lab.page, lambda: main(lab).get_by_role("button", name="Lock in my guess").click())


def student(browser, server, code: str) -> bs.LabPage:
    lab = bs.LabPage.open(browser, server, viewport=(1366, 900))
    lab.goto(f"/lesson?class={code}")
    return lab


def test_a_class_polls_live_and_reveals(lab_browser, poll_server):
    server, data = poll_server
    teacher = bs.LabPage.open(lab_browser, server, viewport=(1920, 1080))
    students = []
    try:
        teacher.goto("/lesson")
        bs.wait_rerun(teacher.page, lambda: teacher.sidebar.get_by_role("button", name="Start a class").click())
        code = parse_qs(urlsplit(teacher.page.url).query)["class"][0]
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code)
        links = teacher.sidebar.locator("[data-testid='stCode']")  # the students' link, and the teacher key
        assert links.filter(has_text=f"class={code}").count() == 1
        bs.wait_until(teacher.page, lambda: answered(teacher) == "0", message="the teacher's live count")
        bs.wait_rerun(teacher.page, lambda: teacher.sidebar.get_by_text("Presenter view", exact=True).click())

        students = [student(lab_browser, server, code) for _ in range(3)]
        for s, choice in zip(students, ("the same", "the same", "different")):
            assert main(s).get_by_role("button", name="Reveal to the class").count() == 0  # a student cannot
            guess(s, choice)
            bs.wait_until(s.page, lambda s=s: main(s).get_by_text("Your guess is in").count() == 1,
                          message="the student's guess sent")
            assert main(s).get_by_text("The app measures").count() == 0  # waits for the teacher
        # the teacher touched nothing since: the fragment redraws the count and the chart by itself
        bs.wait_until(teacher.page, lambda: answered(teacher) == "3", message="3 answers on the teacher's screen")
        bs.wait_until(teacher.page, lambda: {"2", "1"} <= set(bs.chart_texts(teacher.page)),
                      message="the distribution 2 / 1 drawn")
        assert "the same" in " ".join(bs.chart_texts(teacher.page))
        bs.screenshot(teacher.page, "poll_teacher_live", width=1920, min_height=1080, max_height=1080)

        bs.wait_rerun(teacher.page, lambda: main(teacher).get_by_role("button", name="Reveal to the class").click())
        bs.wait_until(teacher.page, lambda: main(teacher).get_by_text("2 of 3 students were right.").count() == 1,
                      message="the class's result beside the measured answer")
        assert main(teacher).get_by_text("The app measures", exact=False).count() >= 1
        assert any("the measured answer" in t for t in bs.chart_texts(teacher.page))
        bs.screenshot(teacher.page, "poll_teacher_revealed", width=1920, min_height=1080, max_height=1400)
        for s, verdict in zip(students, ("Right", "Right", "Not quite")):  # their pages notice by themselves
            bs.wait_until(s.page, lambda s=s, v=verdict: any(f"\n{v}" in a for a in bs.alert_texts(s.page)),
                          message=f"the reveal on a student's page ({verdict})")
            assert main(s).get_by_role("button", name="Change my guess").count() == 0
        bs.screenshot(students[2].page, "poll_student", width=1366, min_height=900, max_height=1400)

        # the teacher's page reloads (a new session): the teacher key, pasted into the students' page, gives
        # the teacher's view back (read from the page: the sidebar is closed in presenter view, and the key's
        # expander with it; the key is never in a link)
        key = links.filter(has_not_text="class=").first.text_content().strip()
        assert key and key not in teacher.page.url
        again_teacher = bs.LabPage.open(lab_browser, server, viewport=(1920, 1080))
        students.append(again_teacher)  # closed with the others
        again_teacher.goto(f"/lesson?class={code}")
        again_teacher.sidebar.get_by_text("Are you this class's teacher?").click()
        box = again_teacher.sidebar.get_by_label("Teacher key", exact=True)
        box.fill(key)
        bs.wait_rerun(again_teacher.page, lambda: box.press("Enter"))
        bs.wait_until(again_teacher.page,
                      lambda: main(again_teacher).get_by_role("button", name="Ask this question again").count() == 1,
                      message="the teacher's view back with the teacher key")
        assert key not in again_teacher.page.url and box.count() == 0  # a teacher's sidebar has no key box

        # the teacher moves on: a student's page offers to follow, and the click opens that step (the button is
        # drawn by the student's fragment, whose own clicks rerun only the fragment: it must rerun the page)
        bs.wait_rerun(again_teacher.page, lambda: main(again_teacher).get_by_role("button", name="Next step →").click())
        follow = main(students[0]).get_by_role("button", name="The teacher is on step 2: go there")
        bs.wait_until(students[0].page, lambda: follow.count() == 1, message="the offer to follow the teacher")
        follow.click()
        bs.wait_until(students[0].page,
                      lambda: main(students[0]).get_by_text("Guided lesson · 2.", exact=False).count() >= 1,
                      message="the student's page on step 2")
        for lab in [teacher, *students]:
            lab.assert_clean()
    finally:
        for lab in [teacher, *students]:
            lab.close()

    # a restart keeps the answers: a new server on the same data folder
    bs.stop_server(server)
    again = start(data)
    late = None
    try:
        late = student(lab_browser, again, code)
        guess(late, "different")  # too late to count (revealed), but the class's result shows
        bs.wait_until(late.page, lambda: main(late).get_by_text("2 of 3 students were right.").count() == 1,
                      message="the class's answers after the restart")
        assert any("Not sent to the class" in a for a in bs.alert_texts(late.page, "Warning"))
        late.assert_clean()
    finally:
        if late is not None:
            late.close()
        bs.stop_server(again)
