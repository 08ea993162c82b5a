"""A lecture hall on one machine: one ``streamlit run app.py`` per core behind HAProxy, sticky by a cookie.

Run (from the repository, in its Python environment; needs Debian's ``haproxy``):

    python scripts/lecture_hall.py                   # one process per core, students open http://<this machine>:8501
    python scripts/lecture_hall.py --processes 2 --port 8080
    python scripts/lecture_hall.py --address 127.0.0.1   # only this machine can connect

Ctrl-C (or SIGTERM) stops everything it started: HAProxy and every Streamlit process.

Why a proxy, and why a cookie: one Streamlit process runs Python on one core, so a class that edits on the
teacher's word waits in line behind one CPU. With N processes, each student's browser must stay with the
process that holds its session: its websocket, its uploads (``PUT /_stcore/upload_file/<session id>/...``
is refused with HTTP 400 by any other process) and its media. HAProxy inserts a ``SERVERID`` cookie in
the first response (``cookie SERVERID insert indirect nocache``) and sends every later request carrying
it, the websocket upgrade included, to the same process. Not by client IP: a school's students often
reach the machine from one address (NAT), and would all land on one process.

What the processes share: the code and GloVe's memory-mapped vector file (the page cache); each holds its
own Python heap (the 400,000-word list, the float32 search matrix, Streamlit, pandas, Altair).
``server.cookieSecret`` is one random value per start, the same in every process (Streamlit signs its
cookies with it; its XSRF check compares the ``_streamlit_xsrf`` cookie with the token the page sends, so
uploads also pass XSRF on whichever process holds the session). It is passed in the environment, not on
the command line, so ``ps`` does not show it.

Standard library only (plus, for ``--warm``, the websocket client and protobuf messages that come with
Streamlit itself).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COOKIE = "SERVERID"
SERVED_BY = "X-Lecture-Hall-Process"  # the response header naming the process
HEALTH = "/_stcore/health"

HAPROXY_CFG = """\
# written by scripts/lecture_hall.py for one run; regenerated on every start
global
    maxconn {maxconn}
    # a shared link can be long: bad-inputs.md's 100,000-character sentence arrives as a ~100 kB request
    # line, which Streamlit (h11) opens; HAProxy's default 16 kB buffer answered it 400. Buffers are taken
    # per request being parsed and given back (an open websocket holds none while idle).
    tune.bufsize 262144
    log stdout format raw local0 notice

defaults
    mode http
    log global
    option httplog
    option dontlog-normal            # log only errors and abnormal ends
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-request 15s
    timeout tunnel 8h                # an upgraded websocket: a whole teaching day without traffic is fine
    timeout client-fin 30s
    option redispatch                # a dead process's students are sent to a live one (a new session there)
    retries 2

cache static_files                   # Streamlit's frontend files (names carry a hash: immutable)
    total-max-size 64                # MB; the files a browser loads first are ~2.3 MB
    max-object-size 4194304          # bytes; the largest is ~0.9 MB
    max-age 86400

frontend lecture_hall
    bind {address}:{port}
    default_backend streamlit

backend streamlit
    balance roundrobin               # only for browsers without the cookie yet: new students take turns
    cookie {cookie} insert indirect nocache httponly attr "SameSite=Lax"
    # which process answered (a name like s1): for the tests, and for whoever looks at a request in the browser
    http-response set-header {served_by} %[srv_name]
    # a class opening the link at once: HAProxy serves the static files from memory, so the Streamlit
    # processes spend their CPU on the students' runs (measured: ~75 ms of a process per first visit)
    http-request set-var(txn.static) bool(1) if {{ path_beg /static/ }}
    http-request cache-use static_files if {{ path_beg /static/ }}
    http-response cache-store static_files if {{ var(txn.static) -m bool }}
    option httpchk
    http-check send meth GET uri {health}
    http-check expect string ok
    default-server check inter 2s fall 3 rise 2
{servers}

listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /
    stats refresh 5s
"""


@dataclass
class Child:
    name: str
    cmd: list[str]
    log_path: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    log: object = field(default=None, repr=False)
    cpus: set[int] = field(default_factory=set)  # the cores it is pinned to (empty: any)

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, n: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_haproxy(explicit: str | None) -> str:
    for cand in (explicit, shutil.which("haproxy"), "/usr/sbin/haproxy"):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    raise SystemExit("haproxy not found: install Debian's package (apt-get install haproxy) or pass --haproxy PATH")


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if this script dies (even by SIGKILL), so nothing is left
    running. A new session too, so a Ctrl-C in the terminal reaches only this script, which then stops
    its children in order."""
    os.setsid()
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


def cores_for(n: int) -> list[set[int]]:
    """One core for each of ``n`` processes, of the cores this script may use; none pinned (empty sets) when
    there are more processes than cores (two pinned to one core could not use a core left idle).

    Why pin: a Streamlit process runs its Python one thread at a time (the interpreter lock), and its script thread
    and event-loop thread hand the lock to each other for every element sent; on two cores each hand-off wakes a
    thread on the other core. Pinned to one core, the hand-offs are plain thread switches: in bench/load.py's burst,
    one process gave p95 0.75-0.96 s pinned against 0.96-1.12 s not (five runs each, interleaved), at 10 % less CPU
    (README, "For a lecture hall"). The other cores stay free for the other processes and HAProxy; each process's
    worker (ui/offload.py: a training, a new seed's measurement) may run on any core (ATTENTION_LAB_WORKER_CORES)."""
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    return [{allowed[i]} for i in range(n)] if n <= len(allowed) else [set() for _ in range(n)]


def start_child(child: Child, env: dict[str, str]) -> None:
    """Start ``child`` in its own session, dying with this script, on ``child.cpus`` if any (see cores_for)."""
    def before_exec() -> None:
        _die_with_parent()
        if child.cpus:
            with contextlib.suppress(OSError):  # a core taken away meanwhile: run unpinned
                os.sched_setaffinity(0, child.cpus)

    child.log = open(child.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop_child
    child.proc = subprocess.Popen(child.cmd, cwd=ROOT, stdout=child.log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=env, preexec_fn=before_exec)


def stop_child(child: Child, timeout: float = 10.0) -> None:
    """SIGTERM the child's process group (it leads its own), wait, then SIGKILL what is left."""
    proc = child.proc
    if proc is not None:
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, timeout)):
            if proc.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=wait)
        with contextlib.suppress(ProcessLookupError, PermissionError):  # a straggler of its group
            os.killpg(proc.pid, signal.SIGKILL)
    if child.log is not None:
        child.log.close()
        child.log = None


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH, timeout=2) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def wait_healthy(children: list[Child], url_of, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(children)
    while pending:
        for c in list(pending):
            if not c.alive():
                raise RuntimeError(f"{c.name} exited ({c.proc.returncode}) before it was healthy:\n{c.tail()}")
            if healthy(url_of(c)):
                pending.remove(c)
        if pending and time.monotonic() > deadline:
            raise TimeoutError(f"not healthy after {timeout:.0f} s: {', '.join(c.name for c in pending)}")
        if pending:
            time.sleep(0.1)


def streamlit_cmd(port: int, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
            "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
            "--browser.gatherUsageStats", "false", *extra]


def haproxy_config(address: str, port: int, stats_port: int, backends: list[Child]) -> str:
    servers = "\n".join(f"    server {b.name} 127.0.0.1:{b.port} cookie {b.name}" for b in backends)
    return HAPROXY_CFG.format(maxconn=4096, address=address, port=port, cookie=COOKIE, served_by=SERVED_BY,
                              health=HEALTH, servers=servers, stats_port=stats_port)


# --- warming: every page once in every process (what a teacher does before class, for each process) ---

async def _warm_one(port: int, timeout: float) -> int:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    async with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                       open_timeout=timeout, ping_interval=None) as ws:
        async def run(page_hash: str = "") -> list:
            msg = BackMsg()
            msg.rerun_script.page_script_hash = page_hash
            msg.rerun_script.widget_states.SetInParent()
            await ws.send(msg.SerializeToString())
            pages = []
            while True:
                fm = ForwardMsg()
                fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout))
                kind = fm.WhichOneof("type")
                if kind == "navigation":
                    pages = [p.page_script_hash for p in fm.navigation.app_pages]
                elif kind == "script_finished":
                    return pages

        pages = await run()
        for page_hash in pages[1:]:
            await run(page_hash)
        return len(pages)


async def _warm_all(ports: list[int], timeout: float) -> list:
    return await asyncio.gather(*(_warm_one(p, timeout) for p in ports), return_exceptions=True)


def warm(backends: list[Child], timeout: float = 120.0) -> str:
    try:
        import streamlit.proto.BackMsg_pb2  # noqa: F401
        import websockets  # noqa: F401
    except ImportError as exc:
        return f"not warmed ({exc})"
    t0 = time.monotonic()
    results = asyncio.run(_warm_all([b.port for b in backends], timeout))
    bad = [f"{b.name}: {r!r}" for b, r in zip(backends, results) if isinstance(r, BaseException)]
    if bad:
        return "warming failed for " + "; ".join(bad)
    return f"every page ({results[0]}) run once in each process, {time.monotonic() - t0:.1f} s"


CACHE_MAX_OBJECT = 4194304  # bytes: HAProxy's max-object-size below


def prime_cache(url: str, workers: int = 4) -> str:
    """Every file of Streamlit's frontend fetched once through HAProxy, so its cache holds them before the
    class arrives. Without it, a class opening the link at once all miss the empty cache together (HAProxy
    stores a file once its first response has ended) and every process serves the same ~60 files of its
    first page (~2.3 MB) to each of them, from Python, while the class's first runs wait."""
    import concurrent.futures
    import importlib.util

    spec = importlib.util.find_spec("streamlit")
    if spec is None or not spec.origin:
        return "not primed (streamlit not found)"
    root = Path(spec.origin).parent / "static"
    files = [f for f in (root / "static").rglob("*")
             if f.is_file() and f.suffix != ".map" and f.stat().st_size <= CACHE_MAX_OBJECT]

    def get(f: Path) -> int:
        with urllib.request.urlopen(f"{url}/{f.relative_to(root).as_posix()}", timeout=30) as r:
            return len(r.read())

    t0 = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            size = sum(pool.map(get, files))
    except (urllib.error.URLError, OSError) as exc:
        return f"not primed ({exc})"
    return f"{len(files)} frontend files ({size / 1e6:.0f} MB) in HAProxy's cache, {time.monotonic() - t0:.1f} s"


# --- the hall ----------------------------------------------------------------------------------------

class Hall:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.children: list[Child] = []
        self.backends: list[Child] = []
        self.haproxy: Child | None = None
        self.run_dir = Path(args.log_dir) if args.log_dir else Path(tempfile.mkdtemp(prefix="lecture-hall-"))
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.stats_port = args.stats_port or free_port()
        self.stopping = False

    def start(self) -> dict:
        a = self.args
        env = dict(os.environ, PYTHONUNBUFFERED="1", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
                   STREAMLIT_SERVER_COOKIE_SECRET=a.cookie_secret or secrets.token_hex(32))
        haproxy = find_haproxy(a.haproxy)
        cores = cores_for(a.processes) if a.pin else [set() for _ in range(a.processes)]
        if any(cores):  # each process's worker may use every core (ui/offload.py)
            env["ATTENTION_LAB_WORKER_CORES"] = ",".join(map(str, sorted(os.sched_getaffinity(0))))
        for i in range(a.processes):
            port = free_port()
            b = Child(f"s{i + 1}", streamlit_cmd(port, a.streamlit_args), self.run_dir / f"streamlit-s{i + 1}.log",
                      port=port, cpus=cores[i])
            self.backends.append(b)
            self.children.append(b)
            start_child(b, env)
        wait_healthy(self.backends, lambda c: f"http://127.0.0.1:{c.port}", a.timeout)
        if a.warm:
            print(f"warming: {warm(self.backends)}", flush=True)
        cfg = self.run_dir / "haproxy.cfg"
        cfg.write_text(haproxy_config(a.address, a.port, self.stats_port, self.backends))
        check = subprocess.run([haproxy, "-c", "-q", "-f", str(cfg)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"haproxy refused {cfg}:\n{check.stdout}{check.stderr}")
        self.haproxy = Child("haproxy", [haproxy, "-db", "-f", str(cfg)], self.run_dir / "haproxy.log", port=a.port)
        self.children.append(self.haproxy)
        start_child(self.haproxy, os.environ.copy())
        local = "127.0.0.1" if a.address in ("0.0.0.0", "::", "") else a.address
        wait_healthy([self.haproxy], lambda c: f"http://{local}:{c.port}", a.timeout)
        print(f"priming: {prime_cache(f'http://{local}:{a.port}')}", flush=True)
        info = {
            "url": f"http://{local}:{a.port}", "address": a.address, "port": a.port, "cookie": COOKIE,
            "served_by": SERVED_BY,
            "stats_url": f"http://127.0.0.1:{self.stats_port}/", "haproxy_pid": self.haproxy.pid,
            "backends": [{"name": b.name, "port": b.port, "pid": b.pid, "log": str(b.log_path),
                          "cpus": sorted(b.cpus)} for b in self.backends],
            "run_dir": str(self.run_dir),
        }
        if a.info_file:
            tmp = Path(a.info_file).with_suffix(".tmp")
            tmp.write_text(json.dumps(info, indent=2))
            tmp.replace(a.info_file)  # whole or absent: a reader never sees half a file
        return info

    def watch(self) -> int:
        """Until asked to stop: a dead HAProxy ends the hall; a dead Streamlit process is reported (HAProxy's
        health check takes it out, and its students get a new session on another process)."""
        reported = set()
        while not self.stopping:
            if self.haproxy is not None and not self.haproxy.alive():
                print(f"!! haproxy exited ({self.haproxy.proc.returncode}):\n{self.haproxy.tail()}", flush=True)
                return 1
            for b in self.backends:
                if not b.alive() and b.name not in reported:
                    reported.add(b.name)
                    print(f"!! {b.name} (port {b.port}) exited ({b.proc.returncode}); the others carry on:\n"
                          f"{b.tail()}", flush=True)
            if len(reported) == len(self.backends):
                print("!! every Streamlit process has exited", flush=True)
                return 1
            time.sleep(0.5)
        return 0

    def stop(self) -> None:
        """HAProxy first (no new connections), then every Streamlit process; each waited for."""
        self.stopping = True
        for c in ([self.haproxy] if self.haproxy else []) + self.backends:
            stop_child(c)
        if self.args.info_file:
            with contextlib.suppress(OSError):
                Path(self.args.info_file).unlink()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog="Arguments after -- go to every `streamlit run` (e.g. -- --logger.level info).")
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    ap.add_argument("--processes", "-n", type=int, default=usable,
                    help="Streamlit processes (default: one per core it may use, here %(default)s)")
    ap.add_argument("--port", type=int, default=8501, help="the port students open (default %(default)s)")
    ap.add_argument("--address", default="0.0.0.0",
                    help="where the proxy listens (default %(default)s: every interface, so the class can reach "
                         "it; 127.0.0.1 = this machine only). Streamlit itself always listens on 127.0.0.1.")
    ap.add_argument("--stats-port", type=int, default=0,
                    help="HAProxy's statistics page on 127.0.0.1 (default: a free port, printed)")
    ap.add_argument("--no-warm", dest="warm", action="store_false",
                    help="skip running every page once in each process before the proxy opens")
    ap.add_argument("--no-pin", dest="pin", action="store_false",
                    help="let every Streamlit process run on any core (default: each on its own core, in turn)")
    ap.add_argument("--haproxy", help="the haproxy binary (default: from PATH or /usr/sbin/haproxy)")
    ap.add_argument("--cookie-secret", help="server.cookieSecret for every process (default: random per start)")
    ap.add_argument("--info-file", help="write the hall's ports and process ids here as JSON once it is up")
    ap.add_argument("--log-dir", help="the processes' logs and haproxy.cfg (default: a new temporary folder)")
    ap.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for each process to be healthy")
    ap.add_argument("streamlit_args", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.processes < 1:
        ap.error("--processes must be at least 1")

    hall = Hall(args)

    def on_signal(signum, _frame):
        hall.stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    code = 0
    try:
        info = hall.start()
        print(f"lecture hall: {len(hall.backends)} Streamlit processes behind HAProxy", flush=True)
        if args.address in ("0.0.0.0", "::", ""):
            print(f"  students open: http://{socket.gethostname()}:{args.port}  (or this machine's address)")
        print(f"  on this machine: {info['url']}")
        print(f"  HAProxy statistics: {info['stats_url']}")
        for b in hall.backends:
            on = f", core {','.join(map(str, sorted(b.cpus)))}" if b.cpus else ""
            print(f"  {b.name}: pid {b.pid}, 127.0.0.1:{b.port}{on}")
        print(f"  logs and haproxy.cfg: {hall.run_dir}\nCtrl-C stops everything.", flush=True)
        code = hall.watch()
    except KeyboardInterrupt:
        print("\nstopping the lecture hall ...", flush=True)
    except (RuntimeError, TimeoutError) as exc:
        print(f"!! {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        hall.stop()
        print("stopped: every process of the hall has exited", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
