"""Classroom load test: N concurrent sessions on one server for S seconds (defaults 30 and 60 s).

Run:  python bench/load.py                          (30 sessions, 60 s; about 2 minutes in all)
      python bench/load.py --sessions 5 --seconds 15
      python bench/load.py --think 0                (saturation: every session edits back to back)
      python bench/load.py --no-validate            (skip the Chromium cross-check)

Goal (issue): zero errors, p95 edit latency <= 2 s, <= 10 MB of server RSS per session.

Why not 30 Chromium tabs: on this 2-core machine 30 renderers would eat the CPU the server needs
and the test would measure the browser, not the server. In a real class every student's browser
runs on the student's own laptop. So each session here is a headless client speaking Streamlit's
own websocket protocol (bench/_stproto.py): it sends the rerun_script BackMsg the browser sends
(query string, page hash, every widget's state) and reads ForwardMsgs until script_finished. On
opening, it also fetches the page HTML and the static files it names, as a first-time browser does
(the JS chunks loaded later by the bundle itself are not fetched). Latency = BackMsg sent ->
script_finished received: the server's share of an edit; what a student sees adds their own
browser's drawing time (measured below in the Chromium cross-check, on this machine).

Before the load, --validate (default) checks on the same server that the protocol client is honest:
the script really runs (the ForwardMsgs hold the Vega-Lite charts; sentence 1's token-strip data
changes to the new words after an edit), the BackMsgs it builds equal the ones Chromium sends for
the same four edits, and a few latencies compare with Chromium's.

Each session: open the Sentence Lab, then until the end repeat: think (uniform 0.5x..1.5x --think
seconds), then one edit, cycling: sentence 1, sentence 2, toggle scaling, target word.
Errors: any stException element in a run, a run that does not finish successfully, a websocket
disconnect, a run over --timeout seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import resource
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _stproto as P  # noqa: E402
import _support as S  # noqa: E402

S2_SENTENCES = [f"the children drank cold apple juice in the {w} today" for w in
                ("park", "garden", "kitchen", "school", "yard", "morning", "evening")]
TARGETS = ["apple", "the"]

# The Sentence Lab's default (Attention) tab: 2 token strips, 2 heatmaps, 2 rows of weights
LAB_CHARTS = 4  # the Story tab (the first screen): per sentence its words and where the target looks


# --- opening like a browser ------------------------------------------------------------------

def _fetch(url: str) -> int:
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return len(r.read())


def fetch_page_assets(base: str, path: str = "/") -> int:
    """GET the page, the health and host-config endpoints and the files the HTML names. Returns bytes."""
    html_req = urllib.request.Request(base + path, headers={"Accept-Encoding": "identity"})
    with urllib.request.urlopen(html_req, timeout=30) as r:
        html = r.read().decode("utf-8", errors="replace")
    total = len(html)
    for endpoint in ("/_stcore/health", "/_stcore/host-config"):
        total += _fetch(base + endpoint)
    for ref in re.findall(r'(?:src|href)="(\./static/[^"]+|/static/[^"]+|\./favicon[^"]*)"', html):
        total += _fetch(base + "/" + ref.lstrip("./"))
    return total


# --- one student ---------------------------------------------------------------------------------

class Student:
    def __init__(self, idx: int, port: int, base_url: str, think: float, timeout: float, rng: random.Random):
        self.idx, self.port, self.base, self.think, self.timeout, self.rng = idx, port, base_url, think, timeout, rng
        self.latencies: list[tuple[str, float]] = []
        self.open_latency: float | None = None
        self.errors: list[str] = []
        self.session: P.Session | None = None
        self.sents = S.sentences(40)[idx % 7:] + S.sentences(40)[:idx % 7]

    def record_run(self, what: str, r: P.RunResult) -> None:
        if r.exceptions:
            self.errors.append(f"session {self.idx} {what}: stException {r.exceptions[0][:120]}")
        if r.status not in (0,):
            self.errors.append(f"session {self.idx} {what}: script finished with status {r.status}")

    async def open(self) -> None:
        await asyncio.to_thread(fetch_page_assets, self.base)
        self.session = P.Session(self.port)
        await self.session.connect()
        r = await self.session.rerun(timeout=self.timeout)
        self.open_latency = r.latency
        self.record_run("open", r)
        if r.elements.get("vega_lite_chart", 0) < LAB_CHARTS:
            self.errors.append(f"session {self.idx} open: only {r.elements.get('vega_lite_chart', 0)} charts")

    def next_change(self, k: int) -> tuple[str, dict]:
        what = ("s1", "s2", "scale", "target")[k % 4]
        w = self.session.widgets
        if what == "s1":
            return what, {"s1": self.sents[(k // 4) % len(self.sents)]}
        if what == "s2":
            return what, {"s2": S2_SENTENCES[(k // 4 + self.idx) % len(S2_SENTENCES)]}
        if what == "scale":
            return what, {"scale": not w["scale"].value}
        return what, {"target": TARGETS[(k // 4 + 1) % 2]}

    async def run(self, deadline: float, stagger: float) -> None:
        await asyncio.sleep(stagger)
        try:
            await self.open()
        except Exception as exc:  # noqa: BLE001 - every failure is a finding
            self.errors.append(f"session {self.idx} open: {type(exc).__name__}: {exc}"[:200])
            return
        k = 0
        while True:
            pause = self.rng.uniform(0.5 * self.think, 1.5 * self.think) if self.think > 0 else 0.0
            if time.monotonic() + pause >= deadline:
                break
            await asyncio.sleep(pause)
            what, change = self.next_change(k)
            k += 1
            try:
                r = await self.session.rerun(change, timeout=self.timeout)
            except TimeoutError:
                self.errors.append(f"session {self.idx} {what}: no script_finished within {self.timeout:.0f} s")
                break
            except Exception as exc:  # noqa: BLE001 - websocket closed, protocol error, ...
                self.errors.append(f"session {self.idx} {what}: {type(exc).__name__}: {exc}"[:200])
                break
            self.latencies.append((what, r.latency))
            self.record_run(what, r)


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
    return {"query_string": rs.query_string, "page_script_hash": rs.page_script_hash, "widgets": states}


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
        for key, value in edits:
            built.append(_comparable(s.back_msg({key: value})))
            r = await s.rerun(keep_charts=True)  # back_msg already applied the change
            if key == "s1":
                words = _strip_words(r.charts[0])
                checks.append((f"after editing s1 the strip data is the new words ({' '.join(words)})",
                               words == str(value).split()))
                checks.append(("the run is a full page (same number of charts) and no exception",
                               r.elements.get("vega_lite_chart", 0) >= LAB_CHARTS and not r.exceptions))
        lat = []
        for v in S.sentences(n_timing + 1)[1:]:
            await asyncio.sleep(0.3)
            r = await s.rerun({"s1": v})
            lat.append(r.latency)
        return checks, built, lat, s.extensions
    finally:
        await s.close()


def validate(server: S.Server, n_timing: int = 6) -> tuple[list[list], str]:
    """Cross-check the protocol client with Chromium on ``server``. Returns table rows and a verdict."""
    from playwright.sync_api import sync_playwright
    from streamlit.proto.BackMsg_pb2 import BackMsg

    new_s1 = S.sentences(3)[2]
    edits = [("s1", new_s1), ("s2", S2_SENTENCES[0]), ("scale", False), ("target", "the")]
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
            for key, value in edits:
                n0 = len(sent)
                if key == "scale":
                    page.evaluate(S.INSTALL_EDIT_PROBE, ["lab", new_s1])
                    sb.get_by_text("Scale scores by 1/√d_k").click()
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
            box = sb.get_by_label("Sentence 1", exact=True)
            for v in S.sentences(n_timing + 5)[5:]:
                r = S.timed_edit(page, box, v, "lab")
                page.wait_for_timeout(300)
                chrome_lat.append(r["rendered"])
                chrome_idle.append(r["idle"])
            ctx.close()
        finally:
            browser.close()
    checks, built, proto_lat, extensions = asyncio.run(_protocol_validation(server.port, edits, n_timing))
    rows = [[c, "yes" if ok else "NO"] for c, ok in checks]
    for (key, _), mine, theirs in zip(edits, built, chrome_msgs):
        same = mine == theirs
        rows.append([f"BackMsg after editing {key}: identical to Chromium's (widget ids, values, query, page)",
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


# --- the load ----------------------------------------------------------------------------------------

async def monitor(pid: int, stop: asyncio.Event, samples: list) -> None:
    while not stop.is_set():
        samples.append((time.monotonic(), S.server_rss(pid).rss_mb, S.cpu_seconds(pid)))
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except TimeoutError:
            pass


async def load(server: S.Server, n: int, seconds: float, think: float, timeout: float, seed: int):
    rng = random.Random(seed)
    students = [Student(i, server.port, server.url, think, timeout, random.Random(rng.random()))
                for i in range(n)]
    stop, samples = asyncio.Event(), []
    mon = asyncio.create_task(monitor(server.pid, stop, samples))
    t0 = time.monotonic()
    deadline = t0 + seconds
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    # a class opens the link within a few seconds, not at the same microsecond
    await asyncio.gather(*(s.run(deadline, stagger=rng.uniform(0, min(3.0, seconds / 4))) for s in students))
    elapsed = time.monotonic() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.sleep(2.0)
    end_open = S.server_rss(server.pid)
    for s in students:
        if s.session is not None:
            await s.session.close()
    await asyncio.sleep(3.0)
    stop.set()
    await mon
    client_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return students, elapsed, samples, end_open, S.server_rss(server.pid), client_cpu


async def warm_up(port: int) -> None:
    s = P.Session(port)
    await s.connect()
    await s.rerun()
    await s.rerun({"s1": S.sentences(1)[0]})
    await s.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=60.0, help="how long the sessions keep editing")
    ap.add_argument("--think", type=float, default=5.0,
                    help="mean pause between a session's edits, s (uniform 0.5x..1.5x; 0 = back to back)")
    ap.add_argument("--timeout", type=float, default=30.0, help="a run slower than this is an error")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-validate", dest="validate", action="store_false")
    ap.add_argument("--server-args", default="",
                    help='what-if experiments only, e.g. "--runner.postScriptGC false" (extra streamlit arguments)')
    args = ap.parse_args()
    args.sessions = max(1, min(args.sessions, 200))
    args.seconds = max(5.0, min(args.seconds, 600.0))
    print(S.machine())
    t_start = time.perf_counter()
    if args.server_args:
        print(f"!! the server runs with extra arguments: {args.server_args}")
    server = S.start_server(S.APP, extra_args=args.server_args.split())
    try:
        asyncio.run(warm_up(server.port))
        if args.validate:
            rows, verdict = validate(server)
            print(S.table(["protocol client cross-check (same server, before the load)", "ok"], rows,
                          title="\nValidation of the protocol client"))
            print("verdict: " + verdict)
        time.sleep(1.0)
        start_rss = S.server_rss(server.pid)
        students, elapsed, samples, end_open, end_closed, client_cpu = asyncio.run(
            load(server, args.sessions, args.seconds, args.think, args.timeout, args.seed))
        if server.proc.poll() is not None:
            print(f"!! the server died: {server.log_tail()}")
    finally:
        S.stop_server(server)

    lat = [t for s in students for _, t in s.latencies]
    by_kind = {}
    for s in students:
        for what, t in s.latencies:
            by_kind.setdefault(what, []).append(t)
    opens = [s.open_latency for s in students if s.open_latency is not None]
    errors = [e for s in students for e in s.errors]
    peak = max((r for _, r, _ in samples), default=float("nan"))
    cpu_util = ((samples[-1][2] - samples[0][2]) / (samples[-1][0] - samples[0][0])) if len(samples) > 1 else 0
    per_session = (end_open.rss_mb - start_rss.rss_mb) / args.sessions
    p95 = S.pct(lat, 95)
    think_txt = f"uniform {0.5 * args.think:.1f}-{1.5 * args.think:.1f} s" if args.think else "none (back to back)"
    offered = args.sessions / args.think if args.think else float("inf")
    rows = [
        ["sessions (protocol clients, one server on 127.0.0.1)", args.sessions, ""],
        ["duration of editing / think time between edits", f"{elapsed:.0f} s / {think_txt}", ""],
        ["edits done (throughput)", f"{len(lat)} ({len(lat) / elapsed:.1f}/s; offered ~{offered:.1f}/s)", ""],
        ["errors (stException, failed run, disconnect, timeout)", len(errors), "0 " + ("ok" if not errors else "OVER")],
        ["edit latency p50 (BackMsg -> script_finished)", S.ms(S.median(lat)), ""],
        ["edit latency p95", S.ms(p95), "<= 2000 ms " + ("ok" if p95 <= 2.0 else "OVER")],
        ["edit latency max", S.ms(max(lat)) if lat else "n/a", ""],
        ["open latency p50 / p95 (first run of a new session)", f"{S.ms(S.median(opens))} / {S.ms(S.pct(opens, 95))}",
         ""],
        ["server RSS at start (warm: GloVe loaded)", str(start_rss), ""],
        ["server RSS at end (sessions still open) / peak", f"{end_open} / {peak:.0f} MB", ""],
        ["server RSS growth per session", f"{per_session:+.1f} MB", "<= 10 MB " + ("ok" if per_session <= 10 else
                                                                                 "OVER")],
        ["server RSS after the sessions closed (+3 s, within TTL)", str(end_closed), ""],
        ["server CPU during the test (100% = one core)", f"{cpu_util * 100:.0f}%", ""],
        ["load generator CPU (this process)", f"{client_cpu:.1f} s = {client_cpu / elapsed * 100:.0f}% of a core", ""],
    ]
    print(S.table(["classroom load test", "value", "goal"], rows, title="\nLoad"))
    krows = [[k, len(v), S.ms(S.median(v)), S.ms(S.pct(v, 95)), S.ms(max(v))] for k, v in sorted(by_kind.items())]
    print(S.table(["edit kind", "n", "p50", "p95", "max"], krows))
    if errors:
        print("errors (first 10):\n  " + "\n  ".join(errors[:10]))
    print(f"\n(total {time.perf_counter() - t_start:.0f} s; {S.loadavg()} - other work on this machine adds noise)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
