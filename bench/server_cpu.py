"""Server CPU per edit, per page, and where it goes (issue 14, part 1).

Run:  python bench/server_cpu.py                     (every page, 40 edits each, CPU only; ~2 minutes)
      python bench/server_cpu.py --profile           (also py-spy on the server: the breakdown table)
      python bench/server_cpu.py --pages "Sentence Lab" --edits 60 --repeat 3
      python bench/server_cpu.py --controls            (also a page's own control: fragment rerun or whole page)
      python bench/server_cpu.py --sessions 30         (30 other sessions kept open meanwhile)
      python bench/server_cpu.py --server-args "--runner.postScriptGC false"   (what-if experiments)

One ``streamlit run app.py`` on 127.0.0.1, driven by the protocol client of ``bench/_stproto.py`` (the
browser's own BackMsgs, no browser: the 2 cores measure the server). For each page: open it, three
warm-up edits, then ``--edits`` edits of the sidebar's "Sentence 1" (ten-word sentences, as in
``bench/app.py``), one at a time with a pause after each (so the work Streamlit does after a run, such
as the file watcher, is counted too). CPU = utime + stime of the server process from /proc/PID/stat
over the edits, minus what the idle server uses over the same time (measured before). CPU time, not
wall time: other work on the machine changes it much less.

The CPU is also split by thread (/proc/PID/task): the event loop (main thread: websocket, protobuf), the
script runs (Streamlit starts a thread per rerun, so these are the threads that ended during the edits) and
the other live threads. That split found what py-spy cannot see: a thread that runs no Python (OpenBLAS's
worker, busy-waiting after each matrix product) spent most of the Sentence Lab's CPU before the fix.

With ``--profile``, ``py-spy record --nonblocking`` samples the server (every thread) during the measured
edits; idle samples are dropped, each sample goes in one bucket by the frames on its stack (``BUCKETS``
below, the first that matches wins), and each thread's measured CPU is shared out by its own samples. The
plain run's CPU figure is the one to report; a profiled run's is a little higher.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _stproto as P  # noqa: E402
import _support as S  # noqa: E402


def _gc_line() -> int:
    """The line of Streamlit's ``gc.collect(2)`` after a run (a C call: py-spy's leaf is the caller's line)."""
    import streamlit.runtime.scriptrunner.script_runner as runner

    lines = Path(runner.__file__).read_text().splitlines()
    return next((i + 1 for i, line in enumerate(lines) if "gc.collect(" in line), -1)


# (bucket, regex on one frame "function (file:line)"); a sample's stack is scanned leaf to root for each
# bucket in this order, and the first bucket with a matching frame anywhere on the stack takes the sample.
# A pattern starting with "^" is tried on the leaf frame only.
_VIEWS = "|".join(re.escape(Path(path).stem) for _, _, path in S.APP_PAGES)
BUCKETS: list[tuple[str, str]] = [
    ("garbage collection (gc.collect after a run)",
     rf"^ScriptRunner\._on_script_finished \(.*script_runner\.py:{_gc_line()}\)$"),
    ("file watcher (stat / hash of modules after a run)",
     r"local_sources_watcher|path_watcher|watchdog/|file_util"),
    ("DataFrame -> Arrow (chart rows, tables)",
     r"dataframe_util\.py|pyarrow/|elements/arrow\.py|_marshall_chart_data"),
    ("chart spec -> JSON (st.vega_lite_chart marshalling)", r"vega_charts\.py|altair/"),
    ("protobuf + websocket (serialise, queue, send)",
     r"SerializeToString|forward_msg_queue|forward_msg_cache|websocket|_enqueue_forward_msg"
     r"|browser_websocket_handler|session_client|populate_hash|calc_hash|starlette/|uvicorn/|tornado/"),
    ("widgets and session state (register, query params)",
     r"runtime/state/|elements/widgets/|elements/lib/policies|compute_and_register|query_params"),
    ("our code (views/, ui/, attention_core/: numpy, pandas, caches)",
     rf"[(/](views|ui|attention_core)/|\(({_VIEWS}|app)\.py:"),
    ("Streamlit: script runner, page, navigation, other elements", r"streamlit/"),
    ("asyncio event loop (other)", r"asyncio/|selectors\.py"),
]
OTHER = "other (threads outside these)"


# --- the protocol client, on any page ------------------------------------------------------------------

class PageSession(P.Session):
    """A protocol session opened on one page's own address (``/step_by_step``), as a shared link is."""

    def __init__(self, port: int, url_path: str, query: str = ""):
        super().__init__(port)
        self.url_path, self.query = url_path, query

    async def open(self) -> P.RunResult:
        await self.connect(self.query)
        self.context_url = f"http://127.0.0.1:{self.port}/{self.url_path}" + (f"?{self.query}" if self.query else "")
        msg = self.back_msg()
        msg.rerun_script.page_name = self.url_path  # as the browser's first rerun on a page's address
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        return await asyncio.wait_for(self._read_run(t0, False), 60)


FRAGMENT_DONE = P.ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY

# Page controls measured with --controls: (page title, the page's link, widget key, values). Each change
# picks the next of ``values`` (None: the widget's own options); as in the browser, a control drawn inside
# an st.fragment reruns only that fragment (bench/_stproto.Session.rerun). The burst's page actions.
CONTROLS = [("Sentence Lab", "", "tab", None), ("Sentence Lab", "tab=Attention", "matrix_view", None),
            ("Step by step", "", "sbs_step", None), ("Step by step", "", "sbs_sentence", None),
            ("Step by step", "sbs_step=By+hand", "sbs_row", None), ("Why scale?", "", "scale_seed", (0, 1, 2, 3)),
            ("Why projections?", "", "wp_part", None), ("Word order", "", "wo_s1",
            ("the cat chased the dog", "the dog chased the cat", "my sister called my brother")),
            ("Multi-head", "", "heads", None), ("Exercises", "", "exercise", None),
            ("Guided lesson", "", "lesson", ("2", "3", "4", "5"))]


async def control_edits(port: int, pid: int, title: str, query: str, key: str, values, n: int,
                        pause: float) -> dict:
    url = next(u.lstrip("/") for t, u, _ in S.APP_PAGES if t == title)
    s = PageSession(port, url, query)
    check(await s.open(), f"open /{url}?{query}")
    if title == "Step by step" and key == "sbs_sentence":  # two sentences to pick from
        check(await s.rerun({"s2": "I love apple juice"}), "sentence 2")
    try:
        w = s.widgets[key]
        options = list(values or w.options)
        statuses = set()

        async def one(i: int) -> None:
            value = options[i % len(options)]
            r = await s.rerun({key: [value] if w.kind == "button_group" else value})
            check(r, f"{key} on /{url}")
            statuses.add(r.status)
            await asyncio.sleep(pause)

        for i in range(1, 4):
            await one(i)
        c0 = S.cpu_seconds(pid)
        for i in range(4, 4 + n):
            await one(i)
        return {"per_change": (S.cpu_seconds(pid) - c0) / n,
                "fragment": FRAGMENT_DONE in statuses and len(statuses) == 1}
    finally:
        await s.close()


def check(r: P.RunResult, what: str) -> None:
    if r.exceptions or r.status not in (0, P.ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
        raise RuntimeError(f"{what}: status {r.status}, exceptions {r.exceptions[:2]}, alerts {r.error_alerts[:2]}")


async def page_edits(port: int, url_path: str, values: list[str], pause: float, pid: int, warmup: int = 3,
                     on_measure=None) -> dict:
    """Open a page, warm it up, then edit sentence 1 with ``values``; the server's CPU over those edits."""
    s = PageSession(port, url_path)
    first = await s.open()
    check(first, f"open /{url_path}")
    try:
        for v in S.sentences(warmup + 40)[40:40 + warmup]:
            check(await s.rerun({"s1": v}), "warm-up")
            await asyncio.sleep(pause)
        if on_measure:
            on_measure()
        await asyncio.sleep(pause)
        c0, t0, th0 = S.cpu_seconds(pid), time.monotonic(), thread_cpu(pid)
        lat, nbytes, msgs = [], [], []
        for v in values:
            r = await s.rerun({"s1": v})
            check(r, f"edit on /{url_path}")
            lat.append(r.latency)
            nbytes.append(r.nbytes)
            msgs.append(r.messages)
            await asyncio.sleep(pause)
        c1, t1, th1 = S.cpu_seconds(pid), time.monotonic(), thread_cpu(pid)
        return {"cpu": c1 - c0, "threads": thread_split(pid, th0, th1, c1 - c0), "wall": t1 - t0, "lat": lat,
                "bytes": S.median(nbytes), "msgs": S.median(msgs),
                "elements": first.elements}
    finally:
        await s.close()


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (utime + stime) of every live thread of ``pid``, by thread id."""
    out = {}
    tck = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            f = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(task.name)] = (int(f[11]) + int(f[12])) / tck
    return out


def thread_split(pid: int, before: dict[int, float], after: dict[int, float], total: float) -> dict[str, float]:
    """The process's CPU over a window split by thread: the main thread (tornado's event loop: websocket,
    protobuf, the session's bookkeeping), threads that ended in the window (Streamlit starts one script
    thread per rerun), and the other threads still alive (thread pools, file watchers, native threads)."""
    main = after.get(pid, 0.0) - before.get(pid, 0.0)
    alive = {t: c - before.get(t, 0.0) for t, c in after.items() if t != pid}
    others = sum(max(0.0, c) for c in alive.values())
    return {"main": main, "ended": max(0.0, total - main - others), "others": others,
            "others_by_tid": {t: c for t, c in alive.items() if c > 0}}


class Bystanders:
    """``n`` other sessions kept open on the Sentence Lab during the measure (a class that is not typing):
    their state stays in the server's memory, where Streamlit's full garbage collection after every run
    walks it. Run on their own thread and event loop."""

    def __init__(self, port: int, n: int):
        self.port, self.n, self.ready, self.error = port, n, threading.Event(), None
        self._stop = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def __enter__(self) -> Bystanders:
        if self.n:
            self._thread.start()
            self.ready.wait(600)
            if self.error:
                raise RuntimeError(f"bystander sessions: {self.error}")
        return self

    def __exit__(self, *exc) -> None:
        if self.n and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(60)

    async def _main(self) -> None:
        self._loop, self._stop, sessions = asyncio.get_running_loop(), asyncio.Event(), []
        try:
            for i, text in enumerate(S.sentences(3200)[3000:3000 + self.n]):
                s = PageSession(self.port, "")
                sessions.append(s)
                check(await s.open(), f"bystander {i}")
                check(await s.rerun({"s1": text}), f"bystander {i}")
        except Exception as exc:  # noqa: BLE001 - reported by __enter__
            self.error = f"{type(exc).__name__}: {exc}"
        self.ready.set()
        await self._stop.wait()
        for s in sessions:
            await s.close()


def idle_cpu_rate(pid: int, seconds: float = 3.0) -> float:
    """CPU seconds per second of the idle server (its event loop, the file watcher's polling if any)."""
    c0, t0 = S.cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (S.cpu_seconds(pid) - c0) / (time.monotonic() - t0)


# --- py-spy ----------------------------------------------------------------------------------------------

# A sample whose leaf is one of these is a thread waiting, not working (py-spy's own idle test misses some).
IDLE_LEAVES = re.compile(r"^([\w<>]+\.)*(wait|select|_check_inotify_fd|_worker|sleep|poll|acquire"
                         r"|_wait_for_tstate_lock|PollingPathWatcher\._schedule\.<locals>\.task) \(")


def start_pyspy(pid: int, out: Path, rate: int) -> subprocess.Popen:
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen([exe, "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw",
                             "--threads", "--nonblocking", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_pyspy(proc: subprocess.Popen, out: Path) -> tuple[dict[str, int], set[int]]:
    """Stop py-spy and read its samples: ({stack: count} without the idle samples, the ids of every thread
    that runs Python, idle or not)."""
    proc.send_signal(2)  # SIGINT: py-spy writes its file and exits
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    stacks: dict[str, int] = {}
    tids: set[int] = set()
    if out.exists():
        for line in out.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not (stack and count.isdigit()):
                continue
            tid = thread_id(stack)
            if tid is not None:
                tids.add(tid)
            if not IDLE_LEAVES.match(stack.rsplit(";", 1)[-1]):
                stacks[stack] = stacks.get(stack, 0) + int(count)
    return stacks, tids


def thread_id(stack: str) -> int | None:
    """The OS thread id py-spy puts first on a stack ("thread (12345): MainThread")."""
    m = re.match(r"thread \((\d+)\)", stack)
    return int(m.group(1)) if m else None


_COMPILED = [(name, re.compile(rx)) for name, rx in BUCKETS]


def thread_kind(stack: str) -> str:
    """'script' (a ScriptRunner thread), 'main' (the event loop) or 'other', from py-spy's thread frame."""
    head = stack.split(";", 1)[0]
    return "script" if "scriptThread" in head else "main" if "MainThread" in head else "other"


def bucket_of(stack: str) -> str:
    frames = stack.split(";")[1:][::-1]  # leaf first, without the thread's own name
    for name, rx in _COMPILED:
        if rx.pattern.startswith("^"):  # a pattern for the leaf frame only
            if frames and rx.search(frames[0]):
                return name
        elif any(rx.search(f) for f in frames):
            return name
    return OTHER


def breakdown(stacks: dict[str, int], split: dict, python_tids: set[int]) -> dict[str, float]:
    """CPU seconds per bucket. Each thread's measured CPU (``split``: main, ended = the script runs, and every
    other live thread by id) is shared out in proportion to its own samples' buckets; a live thread that runs
    no Python (py-spy never saw it) is its own row, and CPU without samples goes to OTHER."""
    def share(counts: collections.Counter, cpu: float, fallback: str) -> None:
        total = sum(counts.values())
        if not total:
            out[fallback] += cpu
            return
        for name, n in counts.items():
            out[name] += cpu * n / total

    out: dict[str, float] = collections.defaultdict(float)
    script, main, by_tid = collections.Counter(), collections.Counter(), collections.defaultdict(collections.Counter)
    for stack, n in stacks.items():
        kind = thread_kind(stack)
        target = script if kind == "script" else main if kind == "main" else by_tid[thread_id(stack)]
        target[bucket_of(stack)] += n
    share(script, split["ended"], OTHER)
    share(main, split["main"], OTHER)
    for tid, cpu in split["others_by_tid"].items():
        share(by_tid.get(tid, collections.Counter()), cpu, OTHER if tid in python_tids else NO_PYTHON)
    return dict(out)


NO_PYTHON = "threads running no Python (native: BLAS / OpenMP workers)"


def top_frames(stacks: dict[str, int], pattern: str, n: int = 12) -> list[tuple[str, int]]:
    """The leaf-most frames matching ``pattern`` with the most samples (self + children)."""
    rx = re.compile(pattern)
    c = collections.Counter()
    for stack, k in stacks.items():
        for f in stack.split(";")[1:][::-1]:
            if rx.search(f):
                c[f] += k
                break
    return c.most_common(n)


# --- main --------------------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--edits", type=int, default=40, help="measured edits per page (>= 40 for the report)")
    ap.add_argument("--repeat", type=int, default=1, help="measure every page this many times (median reported)")
    ap.add_argument("--pause", type=float, default=0.25, help="s after each edit (the server is idle between)")
    ap.add_argument("--pages", default="", help="comma-separated page titles (default: every page)")
    ap.add_argument("--profile", action="store_true", help="also sample the server with py-spy (breakdown)")
    ap.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    ap.add_argument("--top", default="", help="with --profile: list the top frames matching this regex")
    ap.add_argument("--sessions", type=int, default=0,
                    help="other sessions kept open on the Sentence Lab while measuring (a class that is not typing)")
    ap.add_argument("--controls", action="store_true",
                    help="also measure a change of a page's own control (the heatmap view, Step by step's word)")
    ap.add_argument("--server-args", default="", help='extra streamlit arguments (what-if), e.g. '
                                                      '"--runner.postScriptGC false"')
    args = ap.parse_args()
    wanted = [p.strip() for p in args.pages.split(",") if p.strip()]
    pages = [(t, u.lstrip("/")) for t, u, _ in S.APP_PAGES if not wanted or t in wanted]
    print(S.machine())
    if args.server_args:
        print(f"!! the server runs with extra arguments: {args.server_args}")
    server = S.start_server(S.APP, extra_args=args.server_args.split())
    results: dict[str, list[dict]] = {t: [] for t, _ in pages}
    profiles: dict[str, dict[str, float]] = {}
    all_stacks: dict[str, int] = collections.Counter()
    tmp = Path(tempfile.mkdtemp(prefix="server-cpu-"))
    # every edit a sentence the server has not seen (as in a class): cached per-sentence results never hit
    pool = iter(S.sentences(3000)[200:])
    bystanders = Bystanders(server.port, args.sessions)
    try:
        for _title, url in pages:  # every page once first, so nothing is computed for the first time later
            asyncio.run(page_edits(server.port, url, [], args.pause, server.pid, warmup=2))
        bystanders.__enter__()
        idle = idle_cpu_rate(server.pid)
        for rep in range(args.repeat):
            for title, url in pages:
                spy = None
                out = tmp / f"{url or 'lab'}-{rep}.txt"
                values = [next(pool) for _ in range(args.edits)]

                def on_measure(out=out):
                    nonlocal spy
                    if args.profile:
                        spy = start_pyspy(server.pid, out, args.rate)
                        time.sleep(1.0)  # py-spy attaches

                r = asyncio.run(page_edits(server.port, url, values, args.pause, server.pid,
                                           on_measure=on_measure))
                r["idle"] = idle * r["wall"]
                r["per_edit"] = max(0.0, r["cpu"] - r["idle"]) / len(values)
                results[title].append(r)
                if spy is not None:
                    stacks, python_tids = stop_pyspy(spy, out)
                    for k, v in stacks.items():
                        all_stacks[k] += v
                    prof = profiles.setdefault(title, collections.Counter())
                    for k, v in breakdown(stacks, r["threads"], python_tids).items():
                        prof[k] += v / len(values) / args.repeat
                th = r["threads"]
                print(f"  {title}: {r['per_edit'] * 1000:.1f} ms CPU per edit (run {rep + 1}; script threads "
                      f"{th['ended'] / len(values) * 1000:.1f}, main thread {th['main'] / len(values) * 1000:.1f}, "
                      f"other threads {th['others'] / len(values) * 1000:.1f})", flush=True)
        controls = []
        if args.controls:
            for title, query, key, values in CONTROLS:
                r = asyncio.run(control_edits(server.port, server.pid, title, query, key, values, args.edits,
                                              args.pause))
                r["per_change"] = max(0.0, r["per_change"] - idle * args.pause)
                controls.append([f"{title}: {key} (?{query})", args.edits, f"{r['per_change'] * 1000:.1f}",
                                 "fragment rerun" if r["fragment"] else "whole page"])
    finally:
        rss = S.server_rss(server.pid)
        bystanders.__exit__(None, None, None)
        S.stop_server(server)

    rows = []
    for title, rs in results.items():
        per = [r["per_edit"] for r in rs]
        n = args.edits
        lat = [x for r in rs for x in r["lat"]]
        rows.append([title, len(rs) * n, f"{S.median(per) * 1000:.1f}",
                     " / ".join(f"{x * 1000:.0f}" for x in per),
                     f"{S.median([r['threads']['ended'] for r in rs]) / n * 1000:.1f}",
                     f"{S.median([r['threads']['main'] for r in rs]) / n * 1000:.1f}",
                     f"{S.median([r['threads']['others'] for r in rs]) / n * 1000:.1f}",
                     S.ms(S.median(lat)), f"{S.median([r['bytes'] for r in rs]) / 1024:.0f} kB"])
    print(S.table(["page (edit: sidebar 'Sentence 1')", "edits", "server CPU ms/edit", "each run",
                   "script threads", "main thread", "other threads", "latency p50", "sent per edit"], rows,
                  title=f"\nServer CPU per edit, {args.sessions} other sessions open (median of runs; the idle "
                        f"server's {idle * 1000:.1f} ms CPU/s subtracted)"))
    if controls:
        print(S.table(["page control changed", "changes", "server CPU ms/change", "what reran"], controls,
                      title="\nA page's own control"))
    if profiles:
        names = [n for n, _ in BUCKETS] + [NO_PYTHON, OTHER]
        headers = ["where (ms of CPU per edit)"] + list(profiles)
        brows = [[n] + [f"{prof.get(n, 0) * 1000:.1f}" for prof in profiles.values()] for n in names]
        brows.append(["total (measured, incl. the idle server)"] +
                     [f"{sum(prof.values()) * 1000:.1f}" for prof in profiles.values()])
        print(S.table(headers, brows, title="\nWhere it goes: each thread's measured CPU (/proc) shared out by "
                                            "its py-spy samples"))
        if args.top:
            print(f"\ntop frames matching {args.top!r} (samples, all pages):")
            for f, k in top_frames(all_stacks, args.top, 25):
                print(f"  {k:6d}  {f[:150]}")
        (tmp / "all.txt").write_text("\n".join(f"{k} {v}" for k, v in all_stacks.items()))
        print(f"\nraw stacks (idle samples left out): {tmp / 'all.txt'}")
    print(f"\nserver RSS at the end: {rss}; {S.loadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
