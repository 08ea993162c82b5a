"""Browser tests of the lecture hall: ``scripts/lecture_hall.py`` (two Streamlit processes behind HAProxy,
sticky by a cookie), driven by Debian's Chromium through the proxy.

Two students in two browser contexts (two browsers, for the server) must each land on their own process,
keep their own sentences while both go on editing, and an upload must reach the process that holds the
uploader's session (any other process refuses it: "Invalid session_id") and be used there.

Needs Debian's ``haproxy`` as well as Chromium: without it these tests are skipped with the reason, unless
ATTENTION_LAB_REQUIRE_BROWSER=1 (CI, whose ``.ci/run`` installs both), which makes it a failure.
Logs: artifacts/lecture-hall/ (one per process, and haproxy.cfg).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from classroom.store import ENV as POLL_ENV
from tests import browser_support as bs

pytestmark = pytest.mark.browser

SCRIPT = bs.REPO_ROOT / "scripts" / "lecture_hall.py"
LOG_DIR = bs.ARTIFACTS / "lecture-hall"
WORD_VECTORS = "Word vectors"
TARGET = "Target word (followed on every page)"

# student A: the river bank; student B: a phone. Every word of A's two sentences is in A's upload.
A_S1, A_S2 = "the river bank was muddy", "I love apple juice"
B_S1, B_S2 = "my phone has a cracked screen", "the cat sat on the mat"
UPLOAD = "".join(f"{w} {0.1 * i:.1f} {0.3 - 0.05 * i:.2f} {(-1) ** i * 0.2:.1f}\n"
                 for i, w in enumerate(dict.fromkeys((A_S1 + " " + A_S2).split())))


def haproxy_path() -> str | None:
    for cand in ("/usr/sbin/haproxy", "/usr/bin/haproxy"):
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def _unavailable(reason: str):
    if bs.browser_required():
        pytest.fail(f"{bs.REQUIRE_ENV}=1 but the lecture-hall tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"lecture-hall browser tests skipped: {reason}")


@dataclass
class Hall:
    proc: subprocess.Popen
    info: dict
    out_path: Path

    @property
    def url(self) -> str:  # what bs.LabPage needs of a server
        return self.info["url"]

    def pids(self) -> list[int]:
        return [self.info["haproxy_pid"]] + [b["pid"] for b in self.info["backends"]]

    def stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's statistics, one row per server of the Streamlit backend (by server name)."""
        with urllib.request.urlopen(self.info["stats_url"] + ";csv", timeout=5) as r:
            rows = csv.DictReader(io.StringIO(r.read().decode().lstrip("# ")))
            return {row["svname"]: row for row in rows if row["pxname"] == "streamlit"}

    def output(self) -> str:
        return self.out_path.read_text(errors="replace") if self.out_path.exists() else ""


def start_hall(processes: int, tag: str, timeout: float = 180.0, warm: bool = False) -> Hall:
    """``scripts/lecture_hall.py`` on a free loopback port, as a teacher runs it (without the warm-up unless
    ``warm``: a first page run in every process, which also starts each one's worker process)."""
    log_dir = LOG_DIR / tag
    log_dir.mkdir(parents=True, exist_ok=True)
    info_file = log_dir / "hall.json"
    info_file.unlink(missing_ok=True)
    out_path = log_dir / "lecture_hall.out"
    out = open(out_path, "w", encoding="utf-8")  # noqa: SIM115 - the child holds it; closed below
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--processes", str(processes), "--port", str(bs.free_port()),
         "--address", "127.0.0.1", *([] if warm else ["--no-warm"]), "--info-file", str(info_file),
         "--log-dir", str(log_dir)],
        cwd=bs.REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    out.close()
    hall = Hall(proc, {}, out_path)
    deadline = time.monotonic() + timeout
    while not info_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_hall(hall)
            raise RuntimeError(f"the lecture hall did not start:\n{hall.output()[-3000:]}")
        time.sleep(0.2)
    hall.info = json.loads(info_file.read_text())
    return hall


def stop_hall(hall: Hall, timeout: float = 30.0) -> int | None:
    """SIGTERM to the script only (its own process): it stops HAProxy and every Streamlit process itself."""
    if hall.proc.poll() is None:
        hall.proc.send_signal(signal.SIGTERM)
        try:
            hall.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(hall.proc.pid, signal.SIGKILL)
            hall.proc.wait(timeout=timeout)
    return hall.proc.returncode


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...), from /proc."""
    found, todo = [], [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    reason = bs.browser_missing_reason() or (None if haproxy_path() else
                                             "haproxy not found (install Debian's `haproxy` package)")
    if reason:
        _unavailable(reason)
    old = os.environ.get(POLL_ENV)
    os.environ[POLL_ENV] = str(tmp_path_factory.mktemp("class-data"))  # the class poll's folder, for every process
    try:
        h = start_hall(2, "two")
    finally:
        if old is None:
            del os.environ[POLL_ENV]
        else:
            os.environ[POLL_ENV] = old
    yield h
    stop_hall(h)


@pytest.fixture
def browser(hall, lab_browser):
    """The suite's one Chromium (tests/conftest.py): Playwright's sync API runs once per process, so the
    hall's contexts are opened in it (its fixture also starts a plain server, unused here)."""
    return lab_browser


def server_of(lab, hall: Hall) -> str:
    """The process HAProxy pinned this browser context to: its SERVERID cookie (a server's name)."""
    cookies = {c["name"]: c["value"] for c in lab.context.cookies(hall.url)}
    assert hall.info["cookie"] in cookies, f"no {hall.info['cookie']} cookie from the proxy: {sorted(cookies)}"
    return cookies[hall.info["cookie"]]


def first_chips(lab) -> list[str]:
    groups = bs.svg_chart_text_groups(lab.page)
    return groups[0] if groups else []


def wait_chips(lab, words: list[str], message: str) -> None:
    bs.wait_until(lab.page, lambda: first_chips(lab) == words, timeout=30_000,
                  message=f"{message}: sentence 1's chips {words} (shown: {first_chips(lab)})")


def replay(hall: Hall, lab, request, server: str, data: bytes, xsrf: bool = True) -> tuple[int, str, str]:
    """Send the file ``data`` again to the address of ``request`` (an upload PUT the page made: the session's
    id and the file's), through the proxy on a new connection, with the context's cookies and the page's
    XSRF token, but the proxy's cookie naming ``server``. Returns (HTTP status, body, the process that
    answered: HAProxy's header, which differs from ``server`` when HAProxy redispatched the request)."""
    cookies = {c["name"]: c["value"] for c in lab.context.cookies(hall.url)}
    cookies[hall.info["cookie"]] = server
    boundary = "----lecture-hall-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"class_vectors.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
               "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    sent = request.all_headers()
    assert "x-xsrftoken" in sent, f"the page's upload carries no XSRF token (protection off?): {sorted(sent)}"
    if xsrf:
        headers["X-Xsrftoken"] = sent["x-xsrftoken"]
    req = urllib.request.Request(request.url, data=body, method="PUT", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode(errors="replace"), r.headers.get(hall.info["served_by"], "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace"), exc.headers.get(hall.info["served_by"], "")


def proxy_state(hall: Hall) -> str:
    """What HAProxy says of each process (up or down, its last health check, requests redispatched away from
    it) and the end of its log: printed when a request did not reach the process its cookie named."""
    keys = ("status", "check_status", "check_duration", "chkfail", "chkdown", "lastchg", "wretr", "wredis")
    rows = {name: {k: row.get(k) for k in keys} for name, row in hall.stats().items()}
    log = Path(hall.info["run_dir"]) / "haproxy.log"
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no haproxy.log)"
    return f"HAProxy's servers: {rows}\nhaproxy.log:\n{tail}"


def choose_upload(lab) -> None:
    lab.sidebar.get_by_role("combobox", name=WORD_VECTORS).click()
    bs.wait_rerun(lab.page, lambda: lab.page.get_by_role("option", name=re.compile("upload", re.I)).first.click())


def _allowed_cores(pid: int | str, task: str = "") -> set[int]:
    """The cores a process (or one of its threads) may run on, from /proc (Cpus_allowed_list: "0", "0-3,6")."""
    status = Path(f"/proc/{pid}" + (f"/task/{task}" if task else "") + "/status").read_text()
    spec = next(line.split(":", 1)[1].strip() for line in status.splitlines() if line.startswith("Cpus_allowed_list"))
    cores = set()
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        cores.update(range(int(lo), int(hi or lo) + 1))
    return cores


def test_cores_for_gives_each_process_its_own_core_or_none(monkeypatch):
    """No browser, no HAProxy: which core each process gets (scripts/lecture_hall.cores_for)."""
    spec = importlib.util.spec_from_file_location("lecture_hall", SCRIPT)
    hall_script = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "lecture_hall", hall_script)  # its dataclasses look their module up
    spec.loader.exec_module(hall_script)
    monkeypatch.setattr(hall_script.os, "sched_getaffinity", lambda pid: {2, 5}, raising=False)
    assert hall_script.cores_for(1) == [{2}]
    assert hall_script.cores_for(2) == [{2}, {5}]
    assert hall_script.cores_for(3) == [set(), set(), set()]  # more processes than cores: none pinned


def test_each_streamlit_process_runs_on_its_own_core(hall):
    """lecture_hall.py pins process i to core i (see its cores_for): every thread of it, those started since
    (a script run's thread) too; HAProxy stays free to run anywhere (the workers: the SIGTERM test below)."""
    machine = set(os.sched_getaffinity(0))
    given = [set(b["cpus"]) for b in hall.info["backends"]]
    if len(machine) < len(given):  # more processes than cores: none is pinned (cores_for)
        assert given == [set()] * len(given), given
        given = [machine] * len(given)
    else:
        assert all(len(c) == 1 and c <= machine for c in given), given
        assert len(set().union(*given)) == len(given), f"two processes share a core: {given}"
    for b, cores in zip(hall.info["backends"], given, strict=True):
        threads = [t.name for t in Path(f"/proc/{b['pid']}/task").iterdir()]
        assert len(threads) > 3  # the event loop, script runs, the file and cache threads
        for t in threads:
            assert _allowed_cores(b["pid"], t) == cores, f"{b['name']} thread {t} is not on core {cores}"
    assert _allowed_cores(hall.info["haproxy_pid"]) == machine


def test_the_frontend_files_are_in_haproxys_cache_before_the_class_arrives(hall):
    """lecture_hall.prime_cache: the first page's files come from HAProxy's memory at the first request
    (a cache hit, no Streamlit process asked), not after one student's miss per file."""
    html = urllib.request.urlopen(hall.url + "/", timeout=10).read().decode()
    files = re.findall(r'(?:src|href)="\./(static/[^"]+)"', html)
    assert len(files) > 20, files  # the entry script and the chunks it preloads
    before = hall.stats()["BACKEND"]
    for f in files:
        assert urllib.request.urlopen(f"{hall.url}/{f}", timeout=10).status == 200
    after = hall.stats()["BACKEND"]
    lookups = int(after["cache_lookups"]) - int(before["cache_lookups"])
    hits = int(after["cache_hits"]) - int(before["cache_hits"])
    assert lookups == len(files) and hits == len(files), (lookups, hits, len(files))
    assert "priming: " in hall.output() and "in HAProxy's cache" in hall.output(), hall.output()[-1500:]


def test_two_students_keep_their_own_sessions_and_an_upload_lands_on_its_process(hall, browser, tmp_path):
    a, b = bs.LabPage.open(browser, hall), bs.LabPage.open(browser, hall)
    uploads: list = []  # A's upload responses (their requests are replayed below)
    a.page.on("response", lambda r: uploads.append(r) if "/_stcore/upload_file/" in r.url else None)
    try:
        a.goto("/")
        b.goto("/")
        server_a, server_b = server_of(a, hall), server_of(b, hall)
        names = {s["name"] for s in hall.info["backends"]}
        assert {server_a, server_b} == names, (
            f"the two contexts should be served by the two processes {sorted(names)}: {server_a}, {server_b}")
        stats = hall.stats()
        for name in names:  # each process holds one open websocket (a session) of the two
            assert int(stats[name]["scur"]) >= 1, f"{name} holds no connection: {stats[name]}"
            assert stats[name]["status"] == "UP", stats[name]

        # each changes its own sentence; the other's stays
        a.set_text("Sentence 1", A_S1)
        b.set_text("Sentence 1", B_S1)
        wait_chips(a, A_S1.split(), "A's own sentence")
        wait_chips(b, B_S1.split(), "B's own sentence")

        # further edits, interleaved: each session keeps its own state
        a.set_text(TARGET, "bank")
        b.set_text("Sentence 2 (optional)", B_S2)
        a.set_text("Sentence 2 (optional)", A_S2)
        b.set_text(TARGET, "phone")
        for lab, s1, s2, target in ((a, A_S1, A_S2, "bank"), (b, B_S1, B_S2, "phone")):
            wait_chips(lab, s1.split(), "after the other's edits")
            assert lab.text_input("Sentence 1").input_value() == s1
            assert lab.text_input("Sentence 2 (optional)").input_value() == s2
            assert lab.text_input(TARGET).input_value() == target
        assert server_of(a, hall) == server_a and server_of(b, hall) == server_b, "a context changed process"

        # A uploads a small GloVe text file (3 numbers a word): it reaches A's process and is used there
        path = tmp_path / "class_vectors.txt"
        path.write_text(UPLOAD, encoding="utf-8")
        n_words = len(UPLOAD.splitlines())
        choose_upload(a)
        uploader = a.sidebar.locator("[data-testid='stFileUploader'] input[type='file']")
        bs.wait_rerun(a.page, lambda: uploader.set_input_files(str(path)))
        summary = f"{n_words} words x 3 numbers"
        bs.wait_until(a.page, lambda: any(summary in t for t in bs.alert_texts(a.page, "Info")), timeout=30_000,
                      message=f"the sidebar's summary of the uploaded file ({summary!r})")
        puts = [r for r in uploads if r.request.method == "PUT"]
        assert puts and all(200 <= r.status < 300 for r in puts), \
            f"the upload through the proxy: {[(r.request.method, r.status) for r in uploads]}"
        # The same upload again, each on a new connection to the proxy (the browser may have reused the
        # connection that carried its page): with A's cookie it reaches A's process every time, XSRF token
        # and all; with the cookie naming the other process it is refused there, which holds no such session.
        for _ in range(4):
            status, body, by = replay(hall, a, puts[-1].request, server_a, path.read_bytes())
            assert 200 <= status < 300 and by == server_a, \
                f"a replayed upload with A's cookie ({server_a}): {status} from {by!r} {body[:300]}\n" \
                f"{proxy_state(hall)}"
        # HAProxy sends a request to another process when the named one failed its health checks or refused
        # the connection (`option redispatch`): then the request did not test what this step tests, so it is
        # sent again (up to 3 times, the state printed if it never reaches the named process).
        seen = []
        for _ in range(3):
            status, body, by = replay(hall, a, puts[-1].request, server_b, path.read_bytes())
            seen.append((status, by))
            if by == server_b:
                break
            time.sleep(2.0)
        assert by == server_b, f"the upload with the cookie {server_b} never reached {server_b}: {seen}\n" \
                               f"{proxy_state(hall)}"
        assert status == 400 and "Invalid session_id" in body, \
            f"the upload sent to the other process ({server_b}) should be refused: {status} {body[:300]}"
        status, body, by = replay(hall, a, puts[-1].request, server_a, path.read_bytes(), xsrf=False)
        assert status == 403, f"without its XSRF token the upload should be refused (XSRF on): {status} {body[:300]}"
        wait_chips(a, A_S1.split(), "A's sentence drawn with the uploaded vectors")
        assert not bs.alert_texts(a.page, "Error"), bs.alert_texts(a.page, "Error")
        # the file's vectors are the ones in use: a word it lacks is now unknown (GloVe knows it)
        a.set_text("Sentence 1", A_S1 + " today")
        wait_chips(a, A_S1.split() + ["today ?"], "a word missing from the upload, flagged unknown")
        assert server_of(a, hall) == server_a

        # B saw none of it: still GloVe, no upload, its own words all known
        b.set_text(TARGET, "screen")
        wait_chips(b, B_S1.split(), "B's sentence after A's upload")
        assert b.sidebar.locator("[data-testid='stFileUploader']").count() == 0, "B has no uploader: GloVe still"
        assert "embeddings" not in b.page.url, b.page.url
        assert not any(summary in t for t in bs.alert_texts(b.page, "Info"))
        a.assert_clean()
        b.assert_clean()
    finally:
        a.close()
        b.close()


def test_sigterm_stops_haproxy_and_every_streamlit_process():
    """Ctrl-C / SIGTERM to the script: every process it started exits (HAProxy, both Streamlit processes and
    the worker process each of them started for one-off computations, ui/offload.py)."""
    if not haproxy_path():
        _unavailable("haproxy not found (install Debian's `haproxy` package)")
    h = start_hall(2, "stop", warm=True)
    try:
        workers = [d for b in h.info["backends"] for d in descendants(b["pid"])]
        pids = h.pids() + workers
        assert len(h.pids()) == 3 and all(alive(p) for p in pids), h.info
        assert len(workers) >= 2, f"each warmed process should have started its worker: {workers}"
        # each server is pinned to its core, its worker (ui/offload.py) may use every core (lecture_hall.cores_for)
        machine = set(os.sched_getaffinity(0))
        for b in h.info["backends"]:
            spawned = [d for d in descendants(b["pid"]) if b"spawn_main" in Path(f"/proc/{d}/cmdline").read_bytes()]
            assert len(spawned) == 1, f"{b['name']}: one worker process expected, got {spawned}"
            assert _allowed_cores(spawned[0]) == machine, f"{b['name']}'s worker is pinned: {b['cpus']}"
        with urllib.request.urlopen(h.url + "/_stcore/health", timeout=10) as r:
            assert r.read().strip() == b"ok"
    finally:
        code = stop_hall(h)
    assert code == 0, h.output()[-2000:]
    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in pids if alive(p)], f"left running: {[p for p in pids if alive(p)]}\n{h.output()}"
    assert "stopped: every process of the hall has exited" in h.output()


def test_a_100k_character_link_opens_through_the_proxy(hall, browser):
    """bad-inputs.md's 100,000-character sentence arriving by a link opens through HAProxy as it does directly:
    cut to its box, the 64-word notice shown (HAProxy's default 16 kB buffer answered such a link 400)."""
    from tests.test_browser import LONG, SENTENCE_MAX_CHARS, link_for

    lab = bs.LabPage.open(browser, hall)
    try:
        lab.goto(link_for(LONG))
        notice = "Only the first 64 words"
        bs.wait_until(lab.page, lambda: any(notice.lower() in a.lower() for a in bs.alert_texts(lab.page)),
                      timeout=30_000, message=f"the {notice!r} notice through the proxy")
        assert lab.text_input("Sentence 1").input_value() == LONG[:SENTENCE_MAX_CHARS]
        wait_chips(lab, LONG[:SENTENCE_MAX_CHARS].split()[:64], "the first 64 words of the link's sentence")
        assert server_of(lab, hall) in {s["name"] for s in hall.info["backends"]}
        lab.assert_clean()
    finally:
        lab.close()


def test_a_teacher_sees_the_answers_given_through_every_process(hall, browser):
    """The class poll through the proxy: students on both processes answer; the teacher's live count has them all."""
    from urllib.parse import parse_qs, urlsplit

    teacher = bs.LabPage.open(browser, hall)
    students: list = []
    try:
        teacher.goto("/lesson")
        bs.wait_rerun(teacher.page, lambda: teacher.sidebar.get_by_role("button", name="Start a class").click())
        code = parse_qs(urlsplit(teacher.page.url).query)["class"][0]
        main = teacher.page.locator("[data-testid='stMain']")
        metric = main.locator("[data-testid='stMetric']").filter(has_text="students have answered")
        for i in range(3):  # HAProxy deals new browsers out in turn: three students cover both processes
            s = bs.LabPage.open(browser, hall)
            students.append(s)
            s.goto(f"/lesson?class={code}")
            m = s.page.locator("[data-testid='stMain']")
            m.locator("label").filter(has_text=re.compile("^(the same|different)$")).nth(i % 2).click()
            bs.wait_rerun(s.page, lambda m=m: m.get_by_role("button", name="Lock in my guess").click())
            bs.wait_until(s.page, lambda m=m: m.get_by_text("Your guess is in").count() == 1,
                          message="the student's guess sent")
        servers = {server_of(s, hall) for s in students}
        assert servers == {b["name"] for b in hall.info["backends"]}, f"students on {servers} only"
        bs.wait_until(teacher.page, lambda: metric.locator("[data-testid='stMetricValue']").inner_text() == "3",
                      timeout=20_000, message="all 3 answers, from both processes, on the teacher's screen")
        for lab in [teacher, *students]:
            lab.assert_clean()
    finally:
        for lab in [teacher, *students]:
            lab.close()


def tcp_sockets(pid: int, port: int) -> list[tuple[str, int]]:
    """The TCP sockets process ``pid`` holds on local ``port``: (listening or the peer's address, TCP_NODELAY),
    read from the process's own sockets (each descriptor borrowed with pidfd_getfd, Linux >= 5.6)."""
    import ctypes
    import socket

    libc = ctypes.CDLL(None, use_errno=True)
    pidfd_getfd = 438  # the syscall's number on x86_64 and arm64 (asm-generic) alike
    found = []
    pidfd = os.pidfd_open(pid)
    try:
        for entry in Path(f"/proc/{pid}/fd").iterdir():
            if not os.readlink(entry).startswith("socket:"):
                continue
            fd = libc.syscall(pidfd_getfd, pidfd, int(entry.name), 0)
            if fd < 0:
                continue  # closed meanwhile
            with socket.socket(fileno=fd) as sock:  # our copy; closing it leaves the process's open
                if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
                    continue
                if sock.getsockname()[1] != port:
                    continue
                try:
                    host, port_ = sock.getpeername()[:2]
                    peer = f"{host}:{port_}"
                except OSError:
                    peer = "listening"
                found.append((peer, sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))
    finally:
        os.close(pidfd)
    return found


def assert_nagle_off(pid: int, port: int, who: str) -> None:
    found = tcp_sockets(pid, port)
    assert any(peer == "listening" for peer, _ in found), f"{who}: no listening socket on {port}: {found}"
    assert any(peer != "listening" for peer, _ in found), f"{who}: no open connection on {port}: {found}"
    assert all(nodelay for _, nodelay in found), f"{who}: Nagle still on (TCP_NODELAY 0): {found}"


def test_the_servers_sockets_send_small_frames_at_once(lab, lab_server):
    """A plain ``streamlit run`` (as Streamlit Community Cloud runs it): its listening socket and the page's
    websocket have Nagle's algorithm off (ui/resources.tcp_nodelay; Streamlit 1.67 leaves it on, and a
    small frame then waits up to 40 ms for the browser's delayed ACK)."""
    lab.goto("/")
    assert_nagle_off(lab_server.proc.pid, lab_server.port, "streamlit run")
    lab.assert_clean()


def test_each_hall_process_sends_small_frames_at_once(hall, browser):
    """The same through the proxy: every Streamlit process of the hall, once a browser has reached it."""
    labs = []
    try:
        for _ in hall.info["backends"]:  # HAProxy deals new browsers out in turn: one per process
            lab = bs.LabPage.open(browser, hall)
            labs.append(lab)
            lab.goto("/")
        assert {server_of(lab, hall) for lab in labs} == {b["name"] for b in hall.info["backends"]}
        for b in hall.info["backends"]:
            assert_nagle_off(b["pid"], b["port"], b["name"])
        for lab in labs:
            lab.assert_clean()
    finally:
        for lab in labs:
            lab.close()
