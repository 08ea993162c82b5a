"""Classroom load test: N protocol sessions against one server, or through the lecture hall's proxy.

Run:  python bench/load.py --scenario burst          (30 sessions back to back, 20 s: "everyone type now")
      python bench/load.py --scenario hall           (150 sessions, 2.5-7.5 s of thinking, 45 s)
      python bench/load.py --scenario burst --hall 2 (the same through scripts/lecture_hall.py: 2 processes)
      python bench/load.py --matrix                  (burst and hall: one process, one process pinned to a core,
                                                      the hall of one process per core: a markdown table for the
                                                      README, ~6 minutes)
      python bench/load.py --scenario burst --pin    (one process on one core, as lecture_hall.py runs each)
      python bench/load.py                           (30 sessions, 5 s of thinking, 60 s; with --validate)
      python bench/load.py --pages lab               (the old mix: Sentence Lab edits only)

Goal (issue 14): zero errors; one process: the burst's p95 <= 1.0 s; through the proxy on the 2-core
machine: the burst's p95 <= 0.6 s and the hall's p95 <= 2 s; RSS of every process reported, with what
is shared.

Why not 150 Chromium tabs: on this 2-core machine the renderers would eat the CPU the server needs and
the test would measure the browser, not the server. In a real class every student's browser runs on the
student's own laptop. So each session here is a headless client speaking Streamlit's own websocket
protocol (bench/_stproto.py): it sends the rerun_script BackMsg the browser sends (query string, page
hash, every widget's state) and reads ForwardMsgs until script_finished. On opening, it fetches the page
HTML, the health and host-config endpoints and the static files the HTML names, as a first-time browser
does, keeping the cookies they set (through the proxy: HAProxy's SERVERID) and sending them with the
websocket upgrade, as a browser does. Latency = BackMsg sent -> script_finished received: the server's
share of an edit; what a student sees adds their own browser's drawing time (the Chromium cross-check
below measures it on this machine).

First the class opens the link the teacher shares (the Sentence Lab), every session within 3 s: its files,
then its first page, reported on their own (first page p95, and when the last student had it). Then, with
everyone on the page, the measured window begins: the teacher's "now type" for the burst, a lesson's
thinking and editing for the classroom and the hall. (Until 2026-12-02 the sessions opened inside the
window: the burst then mixed the arrival of 30 students, ~0.12 s of server CPU each for the frontend's
files, with their first edits.)

Every page is in the mix (``--pages all``, the default; pages from ui/pages.py): each session starts on the
Sentence Lab, then visits every other page in its own random order, making 1-3 actions on each before
moving on. An action is, with think time before it: a page's own
control (its tabs, the heatmap view, Step by step's sentence and word, Why scale?'s seed, the Word order
sentences, the number of heads, an exercise's answers submitted) or a shared sidebar control (sentence 1
or 2, the target word, scaling, d_k, the causal mask, the residual stream, word order, the projections).
Moving to the next page is an action too (a full run of the new page, as a click in the navigation).

Before the load, --validate (one process only) checks that the protocol client is honest: the script
really runs, the BackMsgs it builds equal the ones Chromium sends for the same edits, and a few
latencies compare with Chromium's. Every server process is warmed first (every page run once, as a
teacher does before class).

Errors: any stException element in a run, a run that does not finish successfully, a websocket
disconnect, a run over --timeout seconds, a first page without its charts.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import http.cookiejar
import io
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _stproto as P  # noqa: E402
import _support as S  # noqa: E402

HALL_SCRIPT = S.ROOT / "scripts" / "lecture_hall.py"
SCENARIOS = {  # name: (sessions, think s, seconds)
    "classroom": (30, 5.0, 60.0),
    "burst": (30, 0.0, 20.0),
    "hall": (150, 5.0, 45.0),
}
PAGES = [p.title for p in S._registry()]  # ui/pages.py, app.py's order
LAB = PAGES[0]

S2_SENTENCES = [f"the children drank cold apple juice in the {w} today" for w in
                ("park", "garden", "kitchen", "school", "yard", "morning", "evening")]
TARGETS = ["apple", "the"]
TIMING_SENTENCES = S.sentences(20)[5:]  # the validation's timed edits (Chromium's and the protocol's)
WORD_ORDER_PAIRS = [("the cat chased the dog", "the dog chased the cat"),
                    ("my sister called my brother", "my brother called my sister"),
                    ("the teacher thanked the student", "the student thanked the teacher")]
EX2_ANSWERS = [("5, 5, 8", "0.0453, 0.0453, 0.9094", "2, 2.864"),  # right (unscaled)
               ("5, 5, 8", "0.33, 0.33, 0.33", "2, 2"),  # wrong weights
               ("5 5 8", "", "")]  # unfinished
EX3_ANSWERS = [{"ex3_E": "20 x 512", "ex3_Q": "20 x 64", "ex3_scores": "20 x 20", "ex3_output": "20 x 64"},
               {"ex3_E": "512 x 20", "ex3_Q": "20 x 64", "ex3_scores": "64 x 64", "ex3_output": "20 x 512"}]

# The Sentence Lab's first screen (the Story tab): per sentence its words and where the target looks
LAB_CHARTS = 4


# --- opening like a browser ------------------------------------------------------------------

def _fetch(opener, url: str) -> int:
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with opener.open(req, timeout=30) as r:
        return len(r.read())


def fetch_page_assets(base: str, path: str = "/", opener=None) -> int:
    """GET the page, the health and host-config endpoints and the files the HTML names. Returns bytes.
    ``opener`` keeps cookies (a browser's cookie jar: the proxy's SERVERID, Streamlit's XSRF cookie)."""
    opener = opener or urllib.request.build_opener()
    html_req = urllib.request.Request(base + path, headers={"Accept-Encoding": "identity"})
    with opener.open(html_req, timeout=30) as r:
        html = r.read().decode("utf-8", errors="replace")
    total = len(html)
    for endpoint in ("/_stcore/health", "/_stcore/host-config"):
        total += _fetch(opener, base + endpoint)
    for ref in re.findall(r'(?:src|href)="(\./static/[^"]+|/static/[^"]+|\./favicon[^"]*)"', html):
        total += _fetch(opener, base + "/" + ref.lstrip("./"))
    return total


# --- what a student does on each page -------------------------------------------------------------

def _other(rng: random.Random, options, current):
    choices = [o for o in options if o != current]
    return rng.choice(choices) if choices else None


def _tab(st: Student, key: str):
    w = st.session.widgets.get(key)
    if w is None or not w.options:
        return None
    new = _other(st.rng, w.options, w.value)
    return (key, {key: new}) if new is not None else None


def _segmented(st: Student, key: str):
    w = st.session.widgets.get(key)
    if w is None:
        return None
    new = _other(st.rng, w.options, (w.value or [None])[0])
    return (key, {key: [new]}) if new is not None else None


def lab_action(st: Student):
    if "matrix_view" in st.session.widgets and st.rng.random() < 0.5:  # on the Attention tab
        return _segmented(st, "matrix_view")
    return _tab(st, "tab")


def step_action(st: Student):
    w, r = st.session.widgets, st.rng.random()
    if "sbs_row" in w and r < 0.4:  # the By hand tab: follow another word
        return "sbs_row", {"sbs_row": _other(st.rng, w["sbs_row"].options, w["sbs_row"].value)}
    if r < 0.7:
        return _tab(st, "sbs_step")
    return _segmented(st, "sbs_sentence")


def scale_action(st: Student):
    w = st.session.widgets.get("scale_seed")
    return ("scale_seed", {"scale_seed": _other(st.rng, range(4), w.value)}) if w else None


def order_action(st: Student):
    a, b = st.rng.choice(WORD_ORDER_PAIRS)
    return ("wo_s1", {"wo_s1": a}) if st.rng.random() < 0.5 else ("wo_s2", {"wo_s2": b})


def exercise_action(st: Student):
    w = st.session.widgets
    if "Check my answers" in w and st.rng.random() < 0.6:
        a, b, c = st.rng.choice(EX2_ANSWERS)
        return "ex2 answers", {"(a) dot products: cat·cat, cat·sat, cat·mat": a, "(b) softmax weights": b,
                               "(c) the new cat": c, "Check my answers": True}
    if "Check my shapes" in w and st.rng.random() < 0.6:
        return "ex3 shapes", {**st.rng.choice(EX3_ANSWERS), "Check my shapes": True}
    return _tab(st, "exercise")


PAGE_ACTIONS = {  # a page's own controls (pages without any get sidebar edits only)
    "Sentence Lab": lab_action, "Step by step": step_action, "Why scale?": scale_action,
    "Why projections?": lambda st: _tab(st, "wp_part"), "Word order": order_action,
    "Multi-head": lambda st: _segmented(st, "heads"), "Exercises": exercise_action,
}
SIDEBAR_WEIGHTS = {"s1": 4, "s2": 1, "target": 1, "scale": 1, "d_k": 1, "causal": 1, "residual": 1,
                   "positions": 1, "projections": 1}


def sidebar_action(st: Student, what: str | None = None):
    w, r = st.session.widgets, st.rng
    what = what or r.choices(list(SIDEBAR_WEIGHTS), weights=list(SIDEBAR_WEIGHTS.values()))[0]
    st.n_sidebar += 1
    if what == "s1":
        return what, {"s1": st.sents[st.n_sidebar % len(st.sents)]}
    if what == "s2":
        return what, {"s2": S2_SENTENCES[(st.n_sidebar + st.idx) % len(S2_SENTENCES)]}
    if what == "target":
        return what, {"target": _other(r, TARGETS, w["target"].value)}
    if what in ("scale", "causal", "residual"):
        return what, {what: not w[what].value}
    if what == "d_k":
        return what, {"d_k": _other(r, (8, 16, 32), w["d_k"].value)}
    if what == "positions":
        return what, {"positions": 1.0 if w["positions"].value == 0 else 0.0}
    return what, {"projections": _other(r, ("learned", "random", "off"), w["projections"].value)}


# --- one student ---------------------------------------------------------------------------------

class Student:
    def __init__(self, idx: int, host: str, port: int, think: float, timeout: float, rng: random.Random,
                 pages: str):
        self.idx, self.host, self.port, self.think, self.timeout, self.rng = idx, host, port, think, timeout, rng
        self.base = f"http://{host}:{port}"
        self.all_pages = pages == "all"
        self.latencies: list[tuple[str, str, float]] = []  # (page, action, seconds)
        self.timeline: list[tuple[float, str, str, float]] = []  # (sent at, monotonic s; page, action, seconds)
        self.open_latency: float | None = None  # the first page's run (BackMsg -> script_finished)
        self.open_total: float | None = None  # opening the link: the page's files, the websocket, the first run
        self.errors: list[str] = []
        self.session: P.Session | None = None
        self.sents = S.sentences(40)[idx % 7:] + S.sentences(40)[:idx % 7]
        self.jar = http.cookiejar.CookieJar()
        self.page = LAB
        plan = PAGES[1:]
        rng.shuffle(plan)
        self.plan = plan + [LAB]  # then round again
        self.plan_i, self.on_page, self.stay, self.k, self.n_sidebar = 0, 0, rng.randint(1, 3), 0, 0

    def record_run(self, what: str, r: P.RunResult) -> None:
        if r.exceptions:
            self.errors.append(f"session {self.idx} {what}: stException {r.exceptions[0][:120]}")
        if r.status not in (0, P.ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):  # a page control: its fragment
            self.errors.append(f"session {self.idx} {what}: script finished with status {r.status}")

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    async def open(self) -> None:
        t0 = time.monotonic()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        await asyncio.to_thread(fetch_page_assets, self.base, "/", opener)
        self.session = P.Session(self.port, host=self.host, cookie=self.cookie_header)
        await self.session.connect()
        sent = time.monotonic()
        r = await self.session.rerun(timeout=self.timeout)
        self.open_latency, self.open_total = r.latency, time.monotonic() - t0
        self.timeline.append((sent, LAB, "first page", r.latency))
        self.record_run("open", r)
        if r.elements.get("vega_lite_chart", 0) < LAB_CHARTS:
            self.errors.append(f"session {self.idx} open: only {r.elements.get('vega_lite_chart', 0)} charts")

    def next_action(self) -> tuple[str, str, dict | None]:
        """(page, what, changes); changes None = go to the page named ``what``."""
        self.k += 1
        if not self.all_pages:  # the old mix: sentence 1, sentence 2, scaling, target word
            return LAB, *sidebar_action(self, ("s1", "s2", "scale", "target")[(self.k - 1) % 4])
        if self.on_page >= self.stay:
            self.page = self.plan[self.plan_i % len(self.plan)]
            self.plan_i += 1
            self.on_page, self.stay = 0, self.rng.randint(1, 3)
            return self.page, "open page", None
        self.on_page += 1
        own = PAGE_ACTIONS.get(self.page)
        action = own(self) if own is not None and self.rng.random() < 0.6 else None
        return self.page, *(action or sidebar_action(self))

    async def arrive(self, stagger: float) -> None:
        """Open the link (after ``stagger`` s: a class opens a shared link within a few seconds)."""
        await asyncio.sleep(stagger)
        try:
            await self.open()
        except Exception as exc:  # noqa: BLE001 - every failure is a finding
            self.errors.append(f"session {self.idx} open: {type(exc).__name__}: {exc}"[:200])

    async def run(self, deadline: float) -> None:
        if self.session is None:  # its opening failed (an error already)
            return
        while True:
            pause = self.rng.uniform(0.5 * self.think, 1.5 * self.think) if self.think > 0 else 0.0
            if time.monotonic() + pause >= deadline:
                break
            await asyncio.sleep(pause)
            page, what, change = self.next_action()
            sent = time.monotonic()
            try:
                if change is None:
                    r = await self.session.navigate(page, timeout=self.timeout)
                else:
                    r = await self.session.rerun(change, timeout=self.timeout)
            except TimeoutError:
                self.errors.append(f"session {self.idx} {page}/{what}: no script_finished within {self.timeout:.0f} s")
                break
            except Exception as exc:  # noqa: BLE001 - websocket closed, protocol error, ...
                self.errors.append(f"session {self.idx} {page}/{what}: {type(exc).__name__}: {exc}"[:200])
                break
            self.latencies.append((page, what, r.latency))
            self.timeline.append((sent, page, what, r.latency))
            self.record_run(f"{page}/{what}", r)


# --- validation against Chromium ----------------------------------------------------------------------

def _strip_words(chart) -> list[str]:
    import pyarrow as pa
    raw = chart.data.data
    if not raw:
        return []
    df = pa.ipc.open_stream(raw).read_all().to_pandas()
    return [str(t).removesuffix(" ?") for t in df["text"]] if "text" in df.columns else []


def _comparable(msg) -> dict:
    rs = msg.rerun_script
    states = {}
    for w in rs.widget_states.widgets:
        kind = w.WhichOneof("value")
        val = getattr(w, kind)
        states[w.id] = (kind, list(val.data) if kind == "string_array_value" else val)
    # the query's parameters (the server reads them as a mapping; the browser's address may order them otherwise)
    query = sorted(urllib.parse.parse_qsl(rs.query_string, keep_blank_values=True))
    return {"query": query, "page_script_hash": rs.page_script_hash, "widgets": states}


async def _protocol_validation(port: int, edits: list[tuple[str, object]], n_timing: int):
    s = P.Session(port)
    await s.connect()
    try:
        first = await s.rerun(keep_charts=True)
        checks = []
        n_charts = first.elements.get("vega_lite_chart", 0)
        checks.append((f"first run draws the Sentence Lab's Vega-Lite charts ({n_charts})", n_charts >= LAB_CHARTS))
        words0 = _strip_words(first.charts[0]) if first.charts else []
        checks.append((f"sentence 1's token strip holds the default words {words0}",
                       words0 == "I love Apple phones".split()))
        built = []

        async def edit(key, value):
            if key == "page":  # a click in the navigation
                s.switch_page(value)
                built.append(_comparable(s.back_msg()))
            else:
                built.append(_comparable(s.back_msg({key: value})))
            r = await s.rerun(keep_charts=True)  # back_msg already applied the change
            if key == "s1":
                words = _strip_words(r.charts[0])
                checks.append((f"after editing s1 the strip data is the new words ({' '.join(words)})",
                               words == str(value).split()))
                checks.append(("the run is a full page (same number of charts) and no exception",
                               r.elements.get("vega_lite_chart", 0) >= LAB_CHARTS and not r.exceptions))
            elif r.exceptions or r.status not in (0, P.ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                checks.append((f"{key} = {value}: the run failed ({r.exceptions[:1]}, status {r.status})", False))

        for key, value in edits[:4]:
            await edit(key, value)
        lat = []
        for v in TIMING_SENTENCES[:n_timing]:  # the same values Chromium typed, so the states stay equal
            await asyncio.sleep(0.3)
            r = await s.rerun({"s1": v})
            lat.append(r.latency)
        for key, value in edits[4:]:
            await edit(key, value)
        return checks, built, lat, s.extensions
    finally:
        await s.close()


def validate_client(server: S.Server, n_timing: int = 6) -> tuple[list[list], str]:
    """Cross-check the protocol client with Chromium on ``server``. Returns table rows and a verdict."""
    from playwright.sync_api import sync_playwright
    from streamlit.proto.BackMsg_pb2 import BackMsg

    new_s1 = S.sentences(3)[2]
    edits = [("s1", new_s1), ("s2", S2_SENTENCES[0]), ("scale", False), ("target", "the"),
             # then (after the timing edits) a page's own controls and a page switch
             ("tab", "Attention"), ("matrix_view", ["raw scores"]), ("page", "Step by step"),
             ("sbs_step", "4. scores"), ("sbs_sentence", ["Sentence 2"])]
    foreign, errors, sent = [], [], []
    chrome_lat, chrome_idle = [], []
    with sync_playwright() as pw:
        browser = S.launch_chromium(pw)
        try:
            ctx = S.new_context(browser, foreign, errors)
            page = ctx.new_page()
            page.on("websocket", lambda ws: ws.on("framesent", lambda f: sent.append(f)))
            page.goto(server.url + "/", wait_until="domcontentloaded")
            S.wait_idle(page)
            page.wait_for_selector("[data-testid='stMain'] [data-testid='stVegaLiteChart'] svg")
            sb = page.locator("[data-testid='stSidebar']")
            chrome_msgs = []
            main = page.locator("[data-testid='stMain']")

            def do(key, value):
                n0 = len(sent)
                if key == "scale":
                    page.evaluate(S.INSTALL_EDIT_PROBE, ["lab", new_s1])
                    sb.get_by_text("Scale scores by 1/√d_k").click()
                elif key in ("tab", "sbs_step"):
                    main.get_by_role("tab", name=value, exact=True).click()
                elif key in ("matrix_view", "sbs_sentence"):
                    main.locator("[data-testid='stButtonGroup']").get_by_text(value[0], exact=True).click()
                elif key == "page":
                    sb.locator("[data-testid='stSidebarNavLink']").filter(has_text=value).first.click()
                else:
                    label = {"s1": "Sentence 1", "s2": "Sentence 2 (optional)",
                             "target": "Target word (followed on every page)"}[key]
                    box = sb.get_by_label(label, exact=True)
                    box.fill(str(value))
                    box.press("Enter")
                page.wait_for_timeout(200)
                S.wait_idle(page)
                page.wait_for_timeout(300)
                msgs = []
                for f in sent[n0:]:
                    if isinstance(f, (bytes, bytearray)):
                        m = BackMsg()
                        m.ParseFromString(bytes(f))
                        if m.WhichOneof("type") == "rerun_script":
                            msgs.append(m)
                chrome_msgs.append(_comparable(msgs[-1]) if msgs else None)

            for key, value in edits[:4]:
                do(key, value)
            box = sb.get_by_label("Sentence 1", exact=True)
            for v in TIMING_SENTENCES[:n_timing]:
                r = S.timed_edit(page, box, v, "lab")
                page.wait_for_timeout(300)
                chrome_lat.append(r["rendered"])
                chrome_idle.append(r["idle"])
            for key, value in edits[4:]:
                do(key, value)
            ctx.close()
        finally:
            browser.close()
    checks, built, proto_lat, extensions = asyncio.run(_protocol_validation(server.port, edits, n_timing))
    rows = [[c, "yes" if ok else "NO"] for c, ok in checks]
    for (key, _), mine, theirs in zip(edits, built, chrome_msgs):  # noqa: B007 - _ is the page's name
        same = mine == theirs
        rows.append([f"BackMsg after {'opening' if key == 'page' else 'editing'} {key if key != 'page' else _}: "
                     "identical to Chromium's (widget ids, values, query, page)",
                     "yes" if same else "NO"])
        if not same:
            print(f"   differs for {key}:\n     protocol: {mine}\n     chromium: {theirs}")
    rows.append([f"websocket extensions negotiated by the protocol client: {extensions or 'none'}", "info"])
    ok = all(r[1] in ("yes", "info") for r in rows)
    timing = (f"latency of an edit of s1 on the idle server, {n_timing} each: protocol (sent -> script_finished) "
              f"median {S.ms(S.median(proto_lat))}; Chromium key press -> notRunning median "
              f"{S.ms(S.median(chrome_idle))}, -> new words drawn median {S.ms(S.median(chrome_lat))}")
    if foreign or errors:
        print(f"!! off-loopback requests: {foreign[:5]}  page errors: {errors[:5]}")
    return rows, ("ok" if ok else "FAILED") + "\n" + timing


# --- the servers: one process, or the lecture hall ------------------------------------------------

@dataclass
class Target:
    """Where the students connect, and every process that serves them."""

    label: str
    host: str
    port: int
    procs: dict[str, int]  # name -> pid: the Streamlit processes (s1, s2, ...) and "haproxy"
    backend_ports: list[int]
    stop: object  # () -> None
    dead: object  # () -> str | None: what died, if anything
    server: S.Server | None = None  # one process: the bench's own server (for --validate)
    info: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def streamlit_pids(self) -> list[int]:
        return [pid for name, pid in self.procs.items() if name != "haproxy"]


def start_one(server_args: list[str], pin: bool = False) -> Target:
    """One ``streamlit run app.py``; ``pin``: on one core, as scripts/lecture_hall.py runs each process."""
    server = S.start_server(S.APP, extra_args=server_args, cpus={min(os.sched_getaffinity(0))} if pin else None)
    return Target("1 process, pinned to a core" if pin else "1 process", "127.0.0.1", server.port,
                  {"s1": server.pid}, [server.port],
                  stop=lambda: S.stop_server(server),
                  dead=lambda: None if server.proc.poll() is None else f"the server died: {server.log_tail()}",
                  server=server)


def start_hall(n: int, server_args: list[str], timeout: float = 180.0, pin: bool = True) -> Target:
    """scripts/lecture_hall.py with ``n`` processes on a free loopback port (warmed below, not by the script)."""
    run_dir = S.tmpdir("bench-hall-")
    info_file = run_dir / "hall.json"
    out = open(run_dir / "lecture_hall.out", "w")  # noqa: SIM115 - the child holds it
    cmd = [sys.executable, str(HALL_SCRIPT), "--processes", str(n), "--port", str(S.free_port()),
           "--address", "127.0.0.1", "--no-warm", "--info-file", str(info_file), "--log-dir", str(run_dir)]
    cmd += [] if pin else ["--no-pin"]
    proc = subprocess.Popen(cmd + (["--", *server_args] if server_args else []), cwd=S.ROOT, stdout=out,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    out.close()

    def stop():
        if proc.poll() is None:
            proc.terminate()  # SIGTERM: the script stops HAProxy and every Streamlit process
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    deadline = time.monotonic() + timeout
    while not info_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop()
            raise RuntimeError(f"the lecture hall did not start: {(run_dir / 'lecture_hall.out').read_text()}")
        time.sleep(0.2)
    info = json.loads(info_file.read_text())
    procs = {b["name"]: b["pid"] for b in info["backends"]} | {"haproxy": info["haproxy_pid"]}

    def dead():
        gone = [name for name, pid in procs.items() if not Path(f"/proc/{pid}").exists()]
        return f"died: {gone} ({run_dir})" if gone else None

    return Target(f"hall of {n} (HAProxy){'' if pin else ', not pinned'}", "127.0.0.1", info["port"], procs,
                  [b["port"] for b in info["backends"]], stop=stop, dead=dead, info=info)


async def warm_up(port: int) -> None:
    """Every page once, then an edit: what a teacher does before class (GloVe loaded, projections and heads
    trained, Why scale?'s measurement made), here on each process directly."""
    s = P.Session(port)
    await s.connect()
    await s.rerun()
    for page in PAGES[1:]:
        await s.navigate(page)
    await s.navigate(LAB)
    await s.rerun({"s1": S.sentences(1)[0]})
    await s.close()


# --- the load ----------------------------------------------------------------------------------------

def _sample(pids: list[int]) -> tuple[float, float, float]:
    return time.monotonic(), sum(S.server_rss(p).rss_mb for p in pids), sum(S.cpu_seconds(p) for p in pids)


async def monitor(pids: list[int], stop: asyncio.Event, samples: list) -> None:
    while not stop.is_set():
        samples.append(_sample(pids))
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except TimeoutError:
            pass


def tree_cpu(pid: int) -> float:
    """CPU seconds of a server process and its children (its worker process for one-offs, ui/offload.py)."""
    return sum(S.cpu_seconds(p) for p in S.process_tree(pid))


def memory(target: Target) -> dict[str, dict[str, float]]:
    """Per server process with its children (its worker), MB: Rss, Pss, private (Private_Clean +
    Private_Dirty), shared (Rss - private), and the part of Rss / Pss that is GloVe's memory-mapped file."""
    out = {}
    for name, pid in target.procs.items():
        rolls = [S.smaps_rollup(p) for p in S.process_tree(pid)]
        roll = {k: sum(r.get(k, 0) for r in rolls) for k in ("Rss", "Pss", "Private_Clean", "Private_Dirty")}
        private = roll.get("Private_Clean", 0) + roll.get("Private_Dirty", 0)
        glove = S.mapping_kb(pid, "glove_6B_50d_emb.npy")
        out[name] = {"rss": roll.get("Rss", 0) / 1024, "pss": roll.get("Pss", 0) / 1024, "private": private / 1024,
                     "shared": (roll.get("Rss", 0) - private) / 1024, "glove_rss": glove["Rss"] / 1024,
                     "glove_pss": glove["Pss"] / 1024}
    return out


async def load(target: Target, n: int, seconds: float, think: float, timeout: float, seed: int, pages: str):
    rng = random.Random(seed)
    students = [Student(i, target.host, target.port, think, timeout, random.Random(rng.random()), pages)
                for i in range(n)]
    pids = list(target.procs.values())
    stop, samples = asyncio.Event(), []
    mon = asyncio.create_task(monitor(pids, stop, samples))
    # First the class opens the link the teacher shares, within a few seconds, not at the same microsecond
    # (each session fetches the page and its ~60 frontend files, then runs its first page): reported on its
    # own ("everyone open the link now"). Then, with everyone on the page, the measured window: the teacher's
    # "now type" (the burst) or a lesson's thinking and editing (the classroom, the hall).
    # The files are fetched in asyncio's default thread pool (cores + 4 threads: 6 students at a time here). One
    # thread per student was slower still (150 Python threads reading 2.3 MB each on the same 2 cores): the whole
    # arrival's time is the load generator's as much as the server's; the first page's run is the server's part.
    a0 = time.monotonic()
    await asyncio.gather(*(s.arrive(stagger=rng.uniform(0, min(3.0, seconds / 4))) for s in students))
    arrival = time.monotonic() - a0
    t0 = time.monotonic()
    cpu0 = {name: tree_cpu(pid) for name, pid in target.procs.items()}
    busy0 = S.machine_busy_seconds()
    deadline = t0 + seconds
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(*(s.run(deadline) for s in students))
    elapsed = time.monotonic() - t0
    cpu = {name: (tree_cpu(pid) - cpu0[name]) / elapsed for name, pid in target.procs.items()}
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    client = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    # what everything else on the machine used meanwhile (other people's tests): the run is only as good as this
    others = max(0.0, (S.machine_busy_seconds() - busy0) - client) / elapsed - sum(cpu.values())
    await asyncio.sleep(2.0)
    mem_open = memory(target)
    for s in students:
        if s.session is not None:
            await s.session.close()
    await asyncio.sleep(3.0)
    stop.set()
    await mon
    return students, elapsed, samples, cpu, mem_open, client, max(0.0, others), arrival


@dataclass
class Result:
    scenario: str
    target: str
    sessions: int
    think: float
    elapsed: float
    lat: list[float]
    by_page: dict[str, list[float]]
    by_action: dict[str, list[float]]
    by_what: dict[str, list[float]]
    opens: list[float]
    open_totals: list[float]
    errors: list[str]
    cpu: dict[str, float]  # name -> share of one core
    mem_start: dict
    mem_open: dict
    peak_rss: float
    client_cpu: float
    others_cpu: float  # other processes of the machine during the run, share of one core
    load_before: str
    load_after: str
    arrival: float = float("nan")  # s from the first session opening the link to the last one's first page
    died: str | None = None
    proxy: dict | None = None  # through HAProxy: health-check failures, servers marked down, redispatches (deltas)

    @property
    def p95(self) -> float:
        return S.pct(self.lat, 95)

    @property
    def streamlit_cpu(self) -> float:
        return sum(v for k, v in self.cpu.items() if k != "haproxy")


TIMELINE: str | None = None  # --timeline


def print_spread(groups: list[list[Result]]) -> None:
    """--repeat: every run's p95 per scenario and server, and their median (runs of one scenario vary)."""
    print("\np95 of every run (--repeat), median first:")
    for runs in groups:
        p95s = sorted(r.p95 for r in runs)
        print(f"  {runs[0].scenario} / {runs[0].target}: median {S.ms(p95s[len(p95s) // 2])}; "
              + ", ".join(S.ms(x) for x in p95s) + f" ({sum(len(r.errors) for r in runs)} errors)")


PROXY_COUNTERS = {"chkfail": "health checks failed", "chkdown": "servers marked down",
                  "wredis": "requests redispatched", "wretr": "connections retried"}


def proxy_counters(target: Target) -> dict[str, int]:
    """HAProxy's counters that would break stickiness (summed over the Streamlit servers); {} for one process."""
    url = target.info.get("stats_url")
    if not url:
        return {}
    with urllib.request.urlopen(url + ";csv", timeout=5) as r:
        rows = [row for row in csv.DictReader(io.StringIO(r.read().decode().lstrip("# ")))
                if row["pxname"] == "streamlit" and row["svname"] not in ("FRONTEND", "BACKEND")]
    return {k: sum(int(row.get(k) or 0) for row in rows) for k in PROXY_COUNTERS}


def run(target: Target, scenario: str, sessions: int, think: float, seconds: float, timeout: float, seed: int,
        pages: str) -> Result:
    load_before = S.loadavg()
    mem_start = memory(target)
    proxy0 = proxy_counters(target)
    students, elapsed, samples, cpu, mem_open, client_cpu, others, arrival = asyncio.run(
        load(target, sessions, seconds, think, timeout, seed, pages))
    if TIMELINE:  # every action of the run, in the order sent (to see stalls: many slow actions at once)
        rows = sorted((t, s.idx, page, what, lat) for s in students for t, page, what, lat in s.timeline)
        t_first = rows[0][0] if rows else 0.0
        with open(TIMELINE, "a", encoding="utf-8") as f:
            f.write(f"# {scenario}, {target.label}\nsent_s,session,page,action,latency_ms\n")
            f.writelines(f"{t - t_first:.3f},{i},{page},{what},{1000 * lat:.0f}\n" for t, i, page, what, lat in rows)
    by_page, by_action, by_what = {}, {}, {}
    for s in students:
        for page, what, t in s.latencies:
            by_page.setdefault(page, []).append(t)
            by_what.setdefault(f"{page}: {what}", []).append(t)
            by_action.setdefault("open page" if what == "open page" else "edit", []).append(t)
    return Result(scenario, target.label, sessions, think, elapsed, [t for s in students for *_, t in s.latencies],
                  by_page, by_action, by_what, [s.open_latency for s in students if s.open_latency is not None],
                  [s.open_total for s in students if s.open_total is not None],
                  [e for s in students for e in s.errors], cpu, mem_start, mem_open,
                  max((r for _, r, _ in samples), default=float("nan")), client_cpu, others, load_before,
                  S.loadavg(), arrival, target.dead(),
                  {k: v - proxy0[k] for k, v in proxy_counters(target).items()} if proxy0 else None)


# --- reports -----------------------------------------------------------------------------------------

def _mb(x: float) -> str:
    return f"{x:.0f} MB"


def report(r: Result, pages: str) -> None:
    think_txt = f"uniform {0.5 * r.think:.1f}-{1.5 * r.think:.1f} s" if r.think else "none (back to back)"
    streamlit = [k for k in r.mem_open if k != "haproxy"]
    tot = {k: sum(r.mem_open[p][k] for p in r.mem_open) for k in ("rss", "pss", "private", "glove_rss")}
    rows = [
        ["scenario / server", f"{r.scenario} / {r.target}", ""],
        ["sessions (protocol clients on 127.0.0.1) / pages in the mix",
         f"{r.sessions} / {'every page' if pages == 'all' else 'Sentence Lab only'}", ""],
        ["duration of editing / think time between actions", f"{r.elapsed:.0f} s / {think_txt}", ""],
        ["actions done (edits + page switches) / throughput", f"{len(r.lat)} / {len(r.lat) / r.elapsed:.1f} per s", ""],
        ["errors (stException, failed run, disconnect, timeout)", len(r.errors), "0 " + ("ok" if not r.errors else
                                                                                      "OVER")],
        ["latency p50 / p95 / max (BackMsg -> script_finished)",
         f"{S.ms(S.median(r.lat))} / {S.ms(r.p95)} / {S.ms(max(r.lat)) if r.lat else 'n/a'}", ""],
        ["before the window, the class opens the link: all on their first page after",
         f"{r.arrival:.1f} s", ""],
        ["opening the link (its files, then the first page's run) p50 / p95",
         f"{S.ms(S.median(r.open_totals))} / {S.ms(S.pct(r.open_totals, 95))}", ""],
        ["of it the first page's run p50 / p95", f"{S.ms(S.median(r.opens))} / {S.ms(S.pct(r.opens, 95))}", ""],
        ["server CPU, sum over processes and their workers (100% = one core)",
         f"{r.streamlit_cpu * 100:.0f}% (" + ", ".join(f"{k} {v * 100:.0f}%" for k, v in r.cpu.items()) + ")", ""],
        ["RSS of all processes at start / end (sessions open) / peak",
         f"{_mb(sum(m['rss'] for m in r.mem_start.values()))} / {_mb(tot['rss'])} / {_mb(r.peak_rss)}", ""],
        ["PSS of all processes (shared pages counted once) / private",
         f"{_mb(tot['pss'])} / {_mb(tot['private'])}", ""],
        ["load generator CPU (this process)", f"{r.client_cpu:.1f} s = {r.client_cpu / r.elapsed * 100:.0f}% of a core",
         ""],
        ["machine load before / after", f"{r.load_before} / {r.load_after}", ""],
        ["CPU of everything else on the machine during the run", f"{r.others_cpu * 100:.0f}% of a core",
         "~0 " + ("ok" if r.others_cpu < 0.15 else "BUSY: rerun")],
    ]
    if r.proxy is not None:  # a failed check or a redispatch moves a student to another process: a new session
        rows.append([" / ".join(PROXY_COUNTERS.values()) + " (HAProxy)",
                     " / ".join(str(r.proxy[k]) for k in PROXY_COUNTERS),
                     "0 " + ("ok" if not any(r.proxy.values()) else "OVER")])
    print(S.table(["load test", "value", "goal"], rows, title=f"\nLoad: {r.scenario}, {r.target}"))
    mrows = [[name, _mb(m["rss"]), _mb(m["pss"]), _mb(m["private"]), _mb(m["shared"]),
              f"{m['glove_rss']:.0f} / {m['glove_pss']:.0f} MB"] for name, m in r.mem_open.items()]
    print(S.table(["process + its worker (sessions open)", "Rss", "Pss", "private", "shared", "GloVe file Rss / Pss"],
                  mrows))
    if len(streamlit) > 1:
        print(f"   GloVe's file is mapped by {len(streamlit)} processes: its Pss is its Rss / {len(streamlit)}"
              " where all map the same pages")
    prows = [[p, len(r.by_page[p]), S.ms(S.median(r.by_page[p])), S.ms(S.pct(r.by_page[p], 95)),
              S.ms(max(r.by_page[p]))] for p in PAGES if p in r.by_page]
    prows += [[f"(all {k}s)", len(v), S.ms(S.median(v)), S.ms(S.pct(v, 95)), S.ms(max(v))]
              for k, v in sorted(r.by_action.items())]
    print(S.table(["page (actions on it, page switches included)", "n", "p50", "p95", "max"], prows))
    slow = sorted(r.by_what.items(), key=lambda kv: -S.median(kv[1]))[:10]
    print(S.table(["the slowest actions (page: action)", "n", "p50", "p95", "max"],
                  [[k, len(v), S.ms(S.median(v)), S.ms(S.pct(v, 95)), S.ms(max(v))] for k, v in slow]))
    if r.errors:
        print("errors (first 10):\n  " + "\n  ".join(r.errors[:10]))
    if r.died:
        print(f"!! {r.died}")


MD_HEADER = ("| scenario | server | actions/s | errors | p50 | p95 | max | the class opens the link: first page's run "
             "p95 / all on it after | server CPU (sum) | RSS, all processes | PSS, all | private per process "
             "| other work on the machine |\n"
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def markdown_row(r: Result) -> str:
    streamlit = {k: v for k, v in r.mem_open.items() if k != "haproxy"}
    rss = sum(m["rss"] for m in r.mem_open.values())
    pss = sum(m["pss"] for m in r.mem_open.values())
    private = "/".join(f"{m['private']:.0f}" for m in streamlit.values())
    think = f"think {0.5 * r.think:g}-{1.5 * r.think:g} s" if r.think else "back to back"
    return (f"| {r.scenario}: {r.sessions} sessions, {think}, {r.elapsed:.0f} s | {r.target} "
            f"| {len(r.lat) / r.elapsed:.1f} | {len(r.errors)} | {S.ms(S.median(r.lat))} | {S.ms(r.p95)} "
            f"| {S.ms(max(r.lat)) if r.lat else 'n/a'} | {S.ms(S.pct(r.opens, 95))} / {r.arrival:.1f} s "
            f"| {r.streamlit_cpu * 100:.0f} % "
            f"| {rss:.0f} MB | {pss:.0f} MB | {private} MB | {r.others_cpu * 100:.0f} % of a core |")


# --- main --------------------------------------------------------------------------------------------

def wait_quiet(below: float, longest: float = 900.0) -> None:
    """Wait (at most ``longest`` s) until the 1-minute load average is below ``below``: other work on a
    shared machine takes the cores the servers need."""
    t0 = time.monotonic()
    while os.getloadavg()[0] >= below and time.monotonic() - t0 < longest:
        time.sleep(10)
    if os.getloadavg()[0] >= below:
        print(f"!! still busy after {longest:.0f} s ({S.loadavg()}): measuring anyway")


def one(args, hall: int, scenario: str, sessions: int, think: float, seconds: float,
        validate: bool = False, pin: bool | None = None) -> Result:
    """One run; run again (up to --retries times) while other work took more than 15 % of a core during it.
    ``pin``: each Streamlit process on its own core (None: --pin, else as deployed: the hall pins)."""
    for attempt in range(args.retries + 1):
        r = _one(args, hall, scenario, sessions, think, seconds, validate and attempt == 0, pin)
        if r.others_cpu < 0.15 or attempt == args.retries:
            return r
        print(f"!! other work used {r.others_cpu * 100:.0f}% of a core during {scenario} / {r.target}: again")
    return r


def _one(args, hall: int, scenario: str, sessions: int, think: float, seconds: float,
         validate: bool = False, pin: bool | None = None) -> Result:
    if args.quiet_load:
        wait_quiet(args.quiet_load)
    server_args = args.server_args.split()
    pin = pin if pin is not None else args.pin if args.pin is not None else hall > 0  # as deployed: the hall pins
    target = start_hall(hall, server_args, pin=pin) if hall else start_one(server_args, pin=pin)
    try:
        for port in target.backend_ports:  # each process directly, as a teacher's first visit would
            asyncio.run(warm_up(port))
        if validate and target.server is not None:
            rows, verdict = validate_client(target.server)
            print(S.table(["protocol client cross-check (same server, before the load)", "ok"], rows,
                          title="\nValidation of the protocol client"))
            print("verdict: " + verdict)
        time.sleep(1.0)
        return run(target, scenario, sessions, think, seconds, args.timeout, args.seed, args.pages)
    finally:
        target.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", choices=sorted(SCENARIOS), default="classroom",
                    help="burst: 30 sessions back to back, 20 s; hall: 150 sessions, think 2.5-7.5 s, 45 s; "
                         "classroom (default): 30 sessions, think 2.5-7.5 s, 60 s")
    ap.add_argument("--sessions", type=int, help="override the scenario's number of sessions")
    ap.add_argument("--seconds", type=float, help="override how long the sessions keep editing")
    ap.add_argument("--think", type=float,
                    help="override the mean pause between a session's actions, s (uniform 0.5x..1.5x; 0 = none)")
    ap.add_argument("--hall", type=int, default=0, metavar="N",
                    help="through scripts/lecture_hall.py with N Streamlit processes behind HAProxy (0 = one "
                         "process, directly)")
    ap.add_argument("--pin", action=argparse.BooleanOptionalAction, default=None,
                    help="each Streamlit process on its own core (default: yes through the hall, as "
                         "scripts/lecture_hall.py runs them; no for one process, a plain `streamlit run`)")
    ap.add_argument("--matrix", action="store_true",
                    help="burst and hall: one process, one process pinned to a core (unless --pin/--no-pin "
                         "says which), the hall of one process per core; a markdown table")
    ap.add_argument("--pages", choices=("all", "lab"), default="all",
                    help="all: every page in the mix (default); lab: Sentence Lab edits only (the old measure)")
    ap.add_argument("--timeout", type=float, default=30.0, help="a run slower than this is an error")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-validate", dest="validate", action="store_false",
                    help="skip the Chromium cross-check (it runs only against one process, not in --matrix)")
    ap.add_argument("--quiet-load", type=float, default=0.0, metavar="L",
                    help="before each run, wait (up to 15 min) until the 1-minute load average is below L")
    ap.add_argument("--retries", type=int, default=0,
                    help="run again, up to this many times, when other work used over 15%% of a core meanwhile")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="run each scenario N times (this machine's speed drifts): every run's p95 and their median")
    ap.add_argument("--timeline", metavar="CSV", help="append every action (sent at, session, page, action, "
                    "latency) to this file")
    ap.add_argument("--server-args", default="",
                    help='what-if experiments only, e.g. "--runner.postScriptGC false" (extra streamlit arguments)')
    args = ap.parse_args()

    def on_term(signum, frame):  # stop the servers on the way out (the finally blocks), as for Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    global TIMELINE
    TIMELINE = args.timeline
    print(S.machine())
    t_start = time.perf_counter()
    if args.server_args:
        print(f"!! the server runs with extra arguments: {args.server_args}")

    repeat = max(1, min(args.repeat, 20))
    if args.matrix:
        cores = os.cpu_count() or 2
        results, spread = [], []
        for scenario in ("burst", "hall"):
            sessions, think, seconds = SCENARIOS[scenario]
            # a plain `streamlit run`, the same pinned to one core, the hall (pinned) unless --pin/--no-pin says
            targets = [(0, False), (0, True), (cores, True)] if args.pin is None else [(0, args.pin), (cores, args.pin)]
            for hall, pin in targets:
                runs = []
                for _ in range(repeat):
                    r = one(args, hall, scenario, sessions, think, seconds, pin=pin)
                    report(r, args.pages)
                    runs.append(r)
                results.append(sorted(runs, key=lambda x: x.p95)[len(runs) // 2])  # the median run
                spread.append(runs)
        print(f"\n{MD_HEADER}\n" + "\n".join(markdown_row(r) for r in results))
        if repeat > 1:
            print_spread(spread)
    else:
        sessions, think, seconds = SCENARIOS[args.scenario]
        sessions = max(1, min(args.sessions if args.sessions is not None else sessions, 300))
        think = args.think if args.think is not None else think
        seconds = max(5.0, min(args.seconds if args.seconds is not None else seconds, 600.0))
        runs = []
        for i in range(repeat):
            r = one(args, args.hall, args.scenario, sessions, think, seconds,
                    validate=args.validate and not args.hall and i == 0)
            report(r, args.pages)
            runs.append(r)
        print(f"\n{MD_HEADER}\n" + "\n".join(markdown_row(r) for r in runs))
        if repeat > 1:
            print_spread([runs])
    print(f"\n(total {time.perf_counter() - t_start:.0f} s; {S.loadavg()} - other work on this machine adds noise)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
