"""Shared helpers for the bench/ scripts: the machine, loopback servers, Chromium, RSS, tables.

Self-contained on purpose (tests/browser_support.py belongs to the test suite and
may change under the tests' needs). Nothing here contacts anything but 127.0.0.1:
servers bind to the loopback address, and Chromium is started with its background
networking off and a host resolver that resolves nothing but loopback names.
"""

from __future__ import annotations

import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync",
    # belt and braces: no name other than loopback resolves, so nothing can leave the machine
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
LOCAL_PREFIXES = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")

# The minimal comparison app: one text box and its value shown as plain text.
MINIMAL_APP = textwrap.dedent('''\
    import streamlit as st

    value = st.text_input("Sentence 1", value="I love Apple phones", key="s1")
    st.text(value)
''')

# Ten-token sentences of common words (all in GloVe), each with the default target word "apple" (so the
# whole Sentence Lab is drawn: attention row, nearest words, concept bars) and each differing from its
# neighbours, so a stale screen can never pass for the new one.
_SUBJECTS = ["the teacher", "my sister", "a student", "our neighbour", "his brother", "the doctor", "a farmer",
             "the boy", "her mother", "the cook", "my friend"]
_VERBS = ["quickly ate", "slowly cut", "happily sold", "carefully washed", "proudly painted", "quietly took",
          "gladly bought", "finally found"]
_ADJECTIVES = ["red", "green", "big", "small", "sweet", "fresh", "old"]
_ENDINGS = ["near the river", "after the game", "before the storm", "in the garden", "at the market"]


def sentences(n: int = 40) -> list[str]:
    out = []
    for i in range(n):
        out.append(f"{_SUBJECTS[i % 11]} {_VERBS[(i * 3) % 8]} the {_ADJECTIVES[i % 7]} apple {_ENDINGS[(i * 2) % 5]}")
    assert all(len(s.split()) == 10 for s in out)
    assert all(a != b for a, b in zip(out, out[1:]))
    return out


# --- the machine ------------------------------------------------------------------------


def machine() -> str:
    import numpy as np
    try:
        import streamlit
        st_version = streamlit.__version__
    except ImportError:
        st_version = "?"
    load = os.getloadavg()
    cpu = platform.processor() or _cpu_model()
    return (f"machine: {platform.platform()} | {cpu} | {os.cpu_count()} CPUs | python {platform.python_version()} | "
            f"numpy {np.__version__} | streamlit {st_version} | load avg {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def loadavg() -> str:
    return "load avg {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# --- statistics and tables ----------------------------------------------------------------


def pct(values, q: float) -> float:
    """The q-th percentile (0..100), nearest-rank on sorted values (no interpolation surprises)."""
    vs = sorted(values)
    if not vs:
        return float("nan")
    k = max(0, min(len(vs) - 1, int(round(q / 100 * len(vs) + 0.5)) - 1))
    return vs[k]


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: list[str], rows: list[list], title: str | None = None) -> str:
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)

    def fmt(r):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))

    out = ([title] if title else []) + [fmt(headers), line] + [fmt(r) for r in cells]
    return "\n".join(out)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds == seconds else "n/a"


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log_path: Path
    started: float  # time.perf_counter() just before Popen
    _log: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


def write_minimal_app(directory: Path) -> Path:
    path = Path(directory) / "minimal_app.py"
    path.write_text(MINIMAL_APP)
    return path


def start_server(app: Path = APP, cwd: Path | None = None, wait: bool = True, timeout: float = 60.0,
                 extra_args: list[str] | None = None, cpus: set[int] | None = None) -> Server:
    """``streamlit run <app>`` on a free loopback port, in its own process group; on ``cpus`` if given (every
    thread it starts inherits them, as with ``taskset``)."""
    cwd = Path(cwd) if cwd else (ROOT if Path(app) == APP else Path(app).parent)
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"bench-streamlit-{port}.log"
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop_server
    exe = Path(sys.executable).parent / "streamlit"
    cmd = ([str(exe)] if exe.exists() else [sys.executable, "-m", "streamlit"]) + [
        "run", str(app), "--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--browser.gatherUsageStats", "false", *(extra_args or [])]
    env = dict(os.environ, PYTHONUNBUFFERED="1", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    if cpus:  # as scripts/lecture_hall.py: the server on its core, its worker process on any (ui/offload.py)
        env["ATTENTION_LAB_WORKER_CORES"] = ",".join(map(str, sorted(os.sched_getaffinity(0))))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=env, start_new_session=True,
                            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
    server = Server(proc=proc, port=port, log_path=log_path, started=started, _log=log)
    if wait:
        try:
            wait_healthy(server, timeout)
        except BaseException:
            stop_server(server)
            raise
    return server


def wait_healthy(server: Server, timeout: float = 60.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"streamlit exited ({server.proc.returncode}):\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(interval)
    raise TimeoutError(f"{server.url} not healthy after {timeout:.0f} s:\n{server.log_tail()}")


def stop_server(server: Server, timeout: float = 10.0) -> None:
    """Terminate the server's whole process group (it was started in a new session), then close its log."""
    proc = server.proc
    try:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=timeout)
        else:  # the leader is gone; reap any straggler in its group
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    finally:
        if server._log is not None:
            server._log.close()
            server._log = None


# --- memory -------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def process_tree(pid: int) -> list[int]:
    """pid and every descendant (``streamlit run`` is normally the python process itself; checked)."""
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.append(p)
        todo += _children(p)
    return seen


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, RssAnon, RssFile, VmHWM in kB from /proc/<pid>/status."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                out[key] = int(rest.split()[0])
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


@dataclass
class Rss:
    rss_mb: float
    anon_mb: float
    file_mb: float
    hwm_mb: float
    pids: list[int]

    def __str__(self) -> str:
        return f"{self.rss_mb:.0f} MB (anon {self.anon_mb:.0f}, file {self.file_mb:.0f})"


def server_rss(pid: int) -> Rss:
    """RSS summed over the server's process tree (normally a single python process)."""
    pids = process_tree(pid)
    tot = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0, "VmHWM": 0}
    for p in pids:
        st = proc_status(p)
        for k in tot:
            tot[k] += st.get(k, 0)
    return Rss(tot["VmRSS"] / 1024, tot["RssAnon"] / 1024, tot["RssFile"] / 1024, tot["VmHWM"] / 1024, pids)


# --- Chromium -------------------------------------------------------------------------------


def launch_chromium(pw, headless: bool = True):
    return pw.chromium.launch(executable_path=CHROMIUM, headless=headless, args=list(CHROMIUM_ARGS))


def new_context(browser, foreign: list[str], errors: list[str] | None = None, viewport=(1400, 1000)):
    """A context whose pages record off-loopback requests in ``foreign`` and JS errors in ``errors``."""
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, service_workers="block")
    ctx.set_default_timeout(60_000)

    def watch(page):
        page.on("request", lambda r: None if r.url.startswith(LOCAL_PREFIXES) else foreign.append(r.url))
        if errors is not None:
            page.on("pageerror", lambda e: errors.append(str(e)[:300]))

    ctx.on("page", watch)
    return ctx


def wait_idle(page, timeout: float = 60_000) -> None:
    page.wait_for_selector(IDLE, state="attached", timeout=timeout)


# JS: timestamps (performance.now) of one edit, from the Enter keydown to "run over and new content shown".
# ``mode`` is "lab" (the Sentence Lab's first token strip shows ``expected`` words) or "text" (st.text == expected).
INSTALL_EDIT_PROBE = """([mode, expected]) => {
    const app = document.querySelector("[data-testid='stApp']");
    if (window.__benchStop) window.__benchStop();
    const b = window.__bench = {press: null, ran: false, runSeenAt: null, idle: null, rendered: null, done: false};
    const onKey = (e) => { if (e.key === 'Enter' && b.press === null) b.press = performance.now(); };
    document.addEventListener('keydown', onKey, true);
    const state = () => app.getAttribute('data-test-script-state');
    const obs = new MutationObserver((records) => {
        if (b.press === null) return;
        for (const r of records) if (r.oldValue !== 'notRunning' && r.oldValue !== null) b.ran = true;
        if (state() !== 'notRunning') b.ran = true;
        if (b.ran && b.runSeenAt === null) b.runSeenAt = performance.now();
        if (b.ran && b.idle === null && state() === 'notRunning') b.idle = performance.now();
    });
    obs.observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
    const words = expected.split(/\\s+/);
    const contentOk = () => {
        if (mode === 'text') {
            const el = document.querySelector("[data-testid='stMain'] [data-testid='stText']");
            return !!el && el.textContent.trim() === expected;
        }
        const chart = document.querySelector("[data-testid='stMain'] [data-testid='stVegaLiteChart']");
        if (!chart) return false;
        const texts = Array.from(chart.querySelectorAll('svg text')).map(t => t.textContent.trim()).filter(t => t);
        return texts.length === words.length && texts.every((t, i) => t === words[i] || t === words[i] + ' ?');
    };
    let stopped = false;
    window.__benchStop = () => {
        stopped = true; obs.disconnect(); document.removeEventListener('keydown', onKey, true);
    };
    const loop = () => {
        if (stopped) return;
        // done = the key was pressed, the run is over and the new content is on screen. A run too fast to be
        // seen as "running" still counts once the new content is there (it cannot be stale: it is new).
        if (b.press !== null && state() === 'notRunning' && contentOk()) {
            if (b.idle === null) b.idle = performance.now();
            requestAnimationFrame(() => { b.rendered = performance.now(); b.done = true; window.__benchStop(); });
            return;
        }
        requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
}"""


def timed_edit(page, box, value: str, mode: str, timeout: float = 60_000) -> dict:
    """Fill ``box`` with ``value``, press Enter, return {'idle': s, 'rendered': s, 'ran': bool} from the key press."""
    box.fill(value)
    page.evaluate(INSTALL_EDIT_PROBE, [mode, value])
    box.press("Enter")
    page.wait_for_function("() => window.__bench && window.__bench.done", timeout=timeout, polling=20)
    b = page.evaluate("() => window.__bench")
    return {"idle": (b["idle"] - b["press"]) / 1000, "rendered": (b["rendered"] - b["press"]) / 1000,
            "ran": bool(b["ran"])}


def tmpdir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


# --- the strict Chromium measure (issue 8) ------------------------------------------------------------
#
# The pages of the app, in ONE place for every bench script that walks them: (title, URL path, view file).
# app.py keeps its own PAGES list today; when the shared registry (ui/pages.py, DESIGN.md) lands, build this
# list from it instead of repeating it here.
def _registry():
    """The app's one page registry (ui/pages.py: plain data, no Streamlit), read from the repository."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from ui.pages import PAGES

    return PAGES


APP_PAGES = [(p.title, "/" + p.url, p.path) for p in _registry()]  # (title, address, script), app.py's order

# Installed in every page before any of the app's scripts (``context.add_init_script``), in both apps alike:
#  * a WebSocket subclass whose own "message" listener (registered in the constructor, so it runs before
#    Streamlit's) stamps every ForwardMsg frame of /_stcore/stream with performance.now() and reads the frame's
#    top-level protobuf field numbers: field 6 of ForwardMsg is ``script_finished`` (checked against
#    streamlit.proto in Python, see strict_frame_kind), 5 is ``delta``, 11 a cached ``ref_hash``;
#  * a stamp on every <canvas> each time something is drawn on it (Vega's canvas renderer and the data grid
#    draw with these calls), so "a chart is drawn" means pixels were put on its canvas, not only that the
#    canvas element exists;
#  * the time of the last DOM mutation, and a watcher for the first render of a fresh tab.
STRICT_INIT_SCRIPT = r"""(() => {
  if (window.__benchWS) return;
  const W = window.__benchWS = {frames: 0, bytes: 0, deltas: 0, refs: 0, finished: [], lastFrame: 0,
                                lastDraw: 0, lastMutation: 0, first: null};
  const fields = (buf) => {  // top-level field numbers of one protobuf message
    const u = new Uint8Array(buf), out = new Set();
    let i = 0;
    const varint = () => { let x = 0, s = 1, b; do { b = u[i++]; x += (b & 127) * s; s *= 128; } while (b & 128 && i < u.length); return x; };
    while (i < u.length) {
      const tag = varint(), f = Math.floor(tag / 8), wt = tag & 7;
      out.add(f);
      if (wt === 0) varint(); else if (wt === 1) i += 8; else if (wt === 2) { const n = varint(); i += n; }
      else if (wt === 5) i += 4; else break;
    }
    return out;
  };
  const Native = window.WebSocket;
  class BenchWebSocket extends Native {
    constructor(...args) {
      super(...args);
      if (String(args[0]).includes('/_stcore/stream')) {
        this.addEventListener('message', (e) => {
          const t = performance.now();
          if (!(e.data instanceof ArrayBuffer)) return;
          const f = fields(e.data);
          W.frames++; W.bytes += e.data.byteLength; W.lastFrame = t;
          if (f.has(5)) W.deltas++;
          if (f.has(11)) W.refs++;
          if (f.has(6)) W.finished.push(t);
        });
      }
    }
  }
  window.WebSocket = BenchWebSocket;
  const P = CanvasRenderingContext2D.prototype;
  for (const m of ['fill', 'stroke', 'fillText', 'fillRect', 'strokeText', 'drawImage', 'putImageData']) {
    const orig = P[m];
    P[m] = function (...a) { const t = performance.now(); if (this.canvas) this.canvas.__benchDrawn = t; W.lastDraw = t; return orig.apply(this, a); };
  }
  const where = (n) => {  // the nearest Streamlit element of a mutated node, for the report
    const e = n.nodeType === 1 ? n : n.parentElement;
    const t = e && e.closest('[data-testid]');
    return t ? t.getAttribute('data-testid') : (e ? e.tagName : '?');
  };
  new MutationObserver((ms) => {
    W.lastMutation = performance.now();
    W.lastMutationWhere = where(ms[ms.length - 1].target) + ':' + ms[ms.length - 1].type + ':' + (ms[ms.length - 1].attributeName || '');
  })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});

  // every chart and data grid on screen is drawn, no loading placeholder is left, the app is idle
  // a collapsed expander (<details> without "open") keeps its content mounted but never draws its grid
  const visible = (el) => el.getClientRects().length > 0 && !el.closest('details:not([open])');
  window.__benchSettled = () => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return 'running';
    for (const k of document.querySelectorAll("[data-testid='stSkeleton'], [data-testid='stSkeletonElement']"))
      if (visible(k)) return 'skeleton';
    for (const c of document.querySelectorAll("[data-testid='stVegaLiteChart']")) {
      if (!visible(c)) continue;
      const embed = c.querySelector('.vega-embed') || c;
      const cv = embed.querySelector('canvas'), svg = embed.querySelector('svg.marks, svg');
      if (cv) { if (!(cv.width > 0 && cv.height > 0 && cv.__benchDrawn)) return 'chart'; }
      else if (!(svg && svg.childElementCount > 0)) return 'chart';
    }
    for (const g of document.querySelectorAll("[data-testid='stDataFrame']")) {
      if (!visible(g)) continue;
      const cv = g.querySelector('canvas');
      if (!(cv && cv.width > 0 && cv.__benchDrawn)) return 'grid';
    }
    return '';
  };
  // the first render of this tab: navigation start (performance.now() == 0) -> script_finished received and
  // settled, plus two painted frames
  const first = W.first = {cond: null, done: null};
  const loop = () => {
    if (W.finished.length && document.body && window.__benchSettled() === '') {
      first.cond = performance.now();
      requestAnimationFrame(() => requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => { first.done = performance.now(); };
        ch.port2.postMessage(0);
      }));
      return;
    }
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
})();"""

# One edit, from the Enter keydown: ``done`` = the edit's ``script_finished`` frame has reached the page, the
# app is notRunning, no skeleton, every visible chart / grid drawn (__benchSettled), then two frames painted
# (rAF, rAF, then a task: the second frame has been painted). In the same edit the OLD measure is replayed
# (``old``: notRunning and the first chart's words are the new ones, then one rAF) where it applies
# (``old_mode`` "lab" on the Sentence Lab, "text" on the minimal app, "" elsewhere).
STRICT_EDIT_PROBE = """([oldMode, expected]) => {
    const W = window.__benchWS;
    if (window.__benchStop) window.__benchStop();
    const b = window.__bench = {press: null, fin0: null, fin: null, cond: null, done: null, oldCond: null,
                                old: null, waitedOn: {}, frames0: 0, deltas0: 0, bytes0: 0};
    const app = () => document.querySelector("[data-testid='stApp']");
    const onKey = (e) => {
        if (e.key === 'Enter' && b.press === null) {
            b.press = performance.now(); b.fin0 = W.finished.length;
            b.frames0 = W.frames; b.deltas0 = W.deltas; b.bytes0 = W.bytes;
        }
    };
    document.addEventListener('keydown', onKey, true);
    const words = expected.split(/\\s+/);
    const oldContentOk = () => {
        if (oldMode === 'text') {
            const el = document.querySelector("[data-testid='stMain'] [data-testid='stText']");
            return !!el && el.textContent.trim() === expected;
        }
        const chart = document.querySelector("[data-testid='stMain'] [data-testid='stVegaLiteChart']");
        if (!chart) return false;
        const texts = Array.from(chart.querySelectorAll('svg text')).map(t => t.textContent.trim()).filter(t => t);
        return texts.length === words.length && texts.every((t, i) => t === words[i] || t === words[i] + ' ?');
    };
    let stopped = false;
    window.__benchStop = () => { stopped = true; document.removeEventListener('keydown', onKey, true); };
    const twoFrames = (set) => requestAnimationFrame(() => requestAnimationFrame(() => {
        const ch = new MessageChannel(); ch.port1.onmessage = () => set(performance.now()); ch.port2.postMessage(0);
    }));
    const loop = () => {
        if (stopped) return;
        if (b.press !== null) {
            const idle = app() && app().getAttribute('data-test-script-state') === 'notRunning';
            if (oldMode && b.oldCond === null && idle && oldContentOk()) {
                b.oldCond = performance.now();
                requestAnimationFrame(() => { b.old = performance.now(); });
            }
            if (b.fin === null && W.finished.length > b.fin0) b.fin = W.finished[b.fin0];
            if (b.cond === null) {
                const why = b.fin === null ? 'script_finished' : window.__benchSettled();
                if (why === '') { b.cond = performance.now(); twoFrames((t) => { b.done = t; }); }
                else b.waitedOn[why] = (b.waitedOn[why] || 0) + 1;
            }
            if (b.done !== null && (!oldMode || b.old !== null)) { window.__benchStop(); return; }
        }
        requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
}"""


def strict_frame_kind(payload) -> str:
    """The ForwardMsg type of one websocket frame, decoded with Streamlit's own protobuf classes."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    fm = ForwardMsg()
    fm.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
    kind = fm.WhichOneof("type") or "?"
    if kind == "delta":
        kind += "." + (fm.delta.WhichOneof("type") or "?")
    return kind


def strict_timed_edit(page, box, value: str, old_mode: str = "", timeout: float = 60_000,
                      settle_ms: int = 300) -> dict:
    """Fill ``box``, press Enter; seconds from the key press to: ``done`` (strict), ``fin`` (the edit's
    script_finished frame reached the page), ``old`` (the old measure, if ``old_mode``). Then wait
    ``settle_ms`` and report what still happened after ``done`` (``late_draw``: canvas drawing,
    ``late_dom``: DOM mutations, ``runs``: script_finished frames of this edit, should be 1)."""
    box.fill(value)
    page.evaluate(STRICT_EDIT_PROBE, [old_mode, value])
    box.press("Enter")
    need_old = "window.__bench.old !== null" if old_mode else "true"
    page.wait_for_function(f"() => window.__bench && window.__bench.done !== null && {need_old}",
                           timeout=timeout, polling=20)
    page.wait_for_timeout(settle_ms)
    b, w = page.evaluate("() => [window.__bench, window.__benchWS]")
    p = b["press"]
    sec = lambda t: None if t is None else (t - p) / 1000  # noqa: E731
    return {"done": sec(b["done"]), "cond": sec(b["cond"]), "fin": sec(b["fin"]), "old": sec(b["old"]),
            "late_draw": max(0.0, (w["lastDraw"] - b["done"]) / 1000),
            "late_dom": max(0.0, (w["lastMutation"] - b["done"]) / 1000),
            "late_dom_where": w.get("lastMutationWhere", ""),
            "runs": len(w["finished"]) - b["fin0"], "frames": w["frames"] - b["frames0"],
            "deltas": w["deltas"] - b["deltas0"], "kb": (w["bytes"] - b["bytes0"]) / 1024,
            "waited_on": b["waitedOn"]}


def smaps_rollup(pid: int) -> dict[str, int]:
    """/proc/<pid>/smaps_rollup in kB: Rss, Pss, Shared_Clean, Shared_Dirty, Private_Clean, Private_Dirty, ...

    Rss counts every page the process maps, shared ones in full; Pss divides each shared page by the number
    of processes mapping it (so the Pss of all processes adds up to the memory they really use together);
    Private_* are the pages only this process maps."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            key, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[-1] == "kB":
                out[key.strip()] = int(parts[0])
    except OSError:
        pass
    return out


def mapping_kb(pid: int, name_part: str) -> dict[str, int]:
    """Rss / Pss / Private (kB) of the mappings of one file (e.g. GloVe's memory-mapped .npy) in a process."""
    tot = {"Rss": 0, "Pss": 0, "Private": 0}
    inside = False
    try:
        with open(f"/proc/{pid}/smaps", encoding="utf-8", errors="replace") as f:
            for line in f:
                head = line.split(None, 1)[0]
                if "-" in head and not head.endswith(":"):  # a mapping's header line: start-end perms ...
                    inside = name_part in line
                elif inside and head in ("Rss:", "Pss:", "Private_Clean:", "Private_Dirty:"):
                    key = "Private" if head.startswith("Private") else head[:-1]
                    tot[key] += int(line.split()[1])
    except OSError:
        pass
    return tot


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (every core, every process) since boot, from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
