"""Class poll benchmark (issue 15): 30 students answer one question; how soon does the teacher see them?

Run:  python bench/poll.py                 (30 students, answers spread over 8 s)
      python bench/poll.py --students 10 --spread 4

One server (its own data folder). The teacher is a real Chromium page on the guided lesson: it presses
"Start a class" and then touches nothing; its live tally is a fragment that the *browser* reruns every
second. The students are the load test's protocol client (bench/_stproto.py, see bench/load.py for why
not 30 Chromium tabs): each opens /lesson?class=CODE, waits a random 0..--spread seconds, picks an
answer and presses "Lock in my guess" (the radio's value and the form button's trigger in one
rerun_script, as the browser sends them), then runs its own waiting fragment whenever that fragment's
run_every timer says (the server names it in an auto_rerun message), as the browser would.
Meanwhile another session edits the Sentence Lab, as before the class (the edit latency of the other
pages). At the end the teacher presses "Reveal to the class" and the students' fragments notice it.

Reported: each student's answer latency (BackMsg -> script_finished, goal: all within 10 s), the delay
from the last answer's script_finished to the teacher's page showing all of them (goal: <= 2 s), the
Sentence Lab's edit latency with no class and during the class, the time until every student's page
has the reveal, and the answers in the store (all 30, none twice).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _stproto as P  # noqa: E402
import _support as S  # noqa: E402

import classroom  # noqa: E402
from attention_core.lesson import ALL_QUESTIONS  # noqa: E402

QUESTION = "lesson.problem"
CHOICES = ("the same", "different")
LOCK = "button:Lock in my guess"


async def edits(port: int, n: int, gap: float) -> list[float]:
    """``n`` edits of sentence 1 on the Sentence Lab, ``gap`` seconds apart: their latencies."""
    s = P.Session(port)
    await s.connect()
    try:
        await s.rerun()
        out = []
        for v in S.sentences(n + 1)[1:]:
            await asyncio.sleep(gap)
            out.append((await s.rerun({"s1": v})).latency)
        return out
    finally:
        await s.close()


class Student:
    def __init__(self, idx: int, port: int, code: str, delay: float, rng: random.Random):
        self.idx, self.port, self.code, self.delay = idx, port, code, delay
        self.choice = rng.choice(CHOICES)
        self.s = P.Session(port, page_name="lesson")
        self.answer_latency = self.answered_at = self.revealed_at = None
        self.errors: list[str] = []
        self.polls = 0

    async def run(self, t0: float, stop: asyncio.Event) -> None:
        try:
            await self.s.connect(f"class={self.code}")
            r = await self.s.rerun()
            if r.exceptions or "raw_" + QUESTION not in self.s.widgets:
                self.errors.append(f"student {self.idx} open: {r.exceptions[:1]} widgets {list(self.s.widgets)[:8]}")
                return
            await asyncio.sleep(max(0.0, t0 + self.delay - time.perf_counter()))
            r = await self.s.rerun({"raw_" + QUESTION: self.choice, LOCK: True})
            self.answer_latency, self.answered_at = r.latency, time.perf_counter()
            if r.exceptions:
                self.errors.append(f"student {self.idx} answer: {r.exceptions[0]}")
            while not stop.is_set() or self.revealed_at is None:  # the waiting fragment, on its own timer
                if not self.s.auto_reruns:
                    self.errors.append(f"student {self.idx}: no fragment timer after answering")
                    return
                fid, every = next(iter(self.s.auto_reruns.items()))
                await asyncio.sleep(every)
                r = await self.s.fragment_rerun(fid)
                self.polls += 1
                if r.status == P.ForwardMsg.FINISHED_EARLY_FOR_RERUN:  # the fragment saw the reveal: st.rerun()
                    r = await asyncio.wait_for(self.s._read_run(time.perf_counter(), False), 60)
                    if r.elements.get("vega_lite_chart", 0) >= 2:  # the section's chart and the class's
                        self.revealed_at = time.perf_counter()
                        return
        except Exception as exc:  # noqa: BLE001 - every failure is a finding
            self.errors.append(f"student {self.idx}: {type(exc).__name__}: {exc}"[:200])
        finally:
            await self.s.close()


async def teacher_count(page) -> str:
    metric = page.locator("[data-testid='stMetric']").filter(has_text="students have answered")
    if not await metric.count():
        return ""
    return (await metric.locator("[data-testid='stMetricValue']").inner_text()).strip()


async def main(args) -> int:
    from playwright.async_api import async_playwright

    data = S.tmpdir("poll-data")
    os.environ[classroom.store.ENV] = str(data)
    server = S.start_server()
    rng = random.Random(0)
    try:
        warm = P.Session(server.port, page_name="lesson")  # GloVe, the learned projections, the lesson's cache
        await warm.connect()
        await warm.rerun()
        await warm.close()
        before = await edits(server.port, args.edits, 0.4)

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=S.CHROMIUM, args=list(S.CHROMIUM_ARGS))
            page = await browser.new_page(viewport={"width": 1920, "height": 1080})
            await page.goto(server.url + "/lesson")
            await page.wait_for_selector(S.IDLE, state="attached", timeout=60_000)
            await page.locator("[data-testid='stSidebar']").get_by_role("button", name="Start a class").click()
            await page.wait_for_url("**class=*", timeout=30_000)
            code = page.url.split("class=")[1].split("&")[0]
            while await teacher_count(page) != "0":
                await asyncio.sleep(0.05)

            stop = asyncio.Event()
            t0 = time.perf_counter() + 3.0  # everybody connected first (staggered over 2 s below)
            students = [Student(i, server.port, code, rng.uniform(0, args.spread), rng) for i in range(args.students)]
            tasks = []
            for st_ in students:
                tasks.append(asyncio.create_task(st_.run(t0, stop)))
                await asyncio.sleep(2.0 / args.students)
            during_task = asyncio.create_task(edits(server.port, args.edits, (args.spread + 6) / args.edits))

            seen_all = None
            deadline = time.perf_counter() + 60 + args.spread
            while time.perf_counter() < deadline:  # the teacher touches nothing: its fragment redraws
                if await teacher_count(page) == str(args.students):
                    seen_all = time.perf_counter()
                    break
                await asyncio.sleep(0.05)
            during = await during_task
            reveal_at = time.perf_counter()
            await page.get_by_role("button", name="Reveal to the class").click()
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), 120)
            await browser.close()

        store = classroom.open_store(ALL_QUESTIONS, data)
        tally = store.tally(classroom.normalise_code(code), QUESTION)
        errors = [e for s in students for e in s.errors]
        lat = [s.answer_latency for s in students if s.answer_latency is not None]
        if not lat:
            print("no student answered; errors (first 10):\n  " + "\n  ".join(errors[:10]))
            return 1
        last = max(s.answered_at for s in students if s.answered_at is not None)
        reveals = [s.revealed_at - reveal_at for s in students if s.revealed_at is not None]
        expected = {c: sum(s.choice == c for s in students) for c in CHOICES}
        rows = [
            ["students answered (store)", f"{tally.n} of {args.students}", "all, once each"],
            ["store's counts = the answers sent", str(tally.counts(CHOICES) == expected), "True"],
            ["answer latency, median / max", f"{S.ms(S.median(lat))} / {S.ms(max(lat))}", "each <= 10 s"],
            ["last answer -> teacher's page shows all",
             "never" if seen_all is None else S.ms(max(0.0, seen_all - last)), "<= 2 s"],
            ["Sentence Lab edit, no class: median / p95", f"{S.ms(S.median(before))} / {S.ms(S.pct(before, 95))}",
             "-"],
            ["Sentence Lab edit, during the poll: median / p95",
             f"{S.ms(S.median(during))} / {S.ms(S.pct(during, 95))}", "as before"],
            ["reveal -> every student's page has it, max",
             f"{S.ms(max(reveals))} ({len(reveals)} pages)" if reveals else "none", "-"],
            ["students' fragment runs (waiting for the reveal)", str(sum(s.polls for s in students)), "-"],
            ["errors", str(len(errors)), "0"],
        ]
        print(S.table(["what", "measured", "goal"], rows,
                      title=f"Class poll: {args.students} students, answers spread over {args.spread:g} s "
                            f"({S.machine()}, {S.loadavg()})"))
        for e in errors[:10]:
            print("  ", e)
        return 0 if not errors and tally.n == args.students else 1
    finally:
        S.stop_server(server)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--spread", type=float, default=8.0, help="answers come within this many seconds")
    ap.add_argument("--edits", type=int, default=20, help="Sentence Lab edits before and during the class")
    sys.exit(asyncio.run(main(ap.parse_args())))
