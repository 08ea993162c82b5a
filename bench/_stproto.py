"""A headless Streamlit client speaking the browser's websocket protocol (for load tests).

It does what the Streamlit frontend does on the wire, and nothing else:

1. connect to ``ws://127.0.0.1:PORT/_stcore/stream`` with the ``streamlit`` subprotocol;
2. send a ``BackMsg.rerun_script`` (``ClientState``: query string, page script hash, the widget
   states, the browser's context info) - empty widget states on the first run, as the browser does;
3. read ``ForwardMsg``s until ``script_finished``; every widget element in the deltas gives a widget
   id and its current value, which go back in the next ``rerun_script`` for *all* widgets on the page
   (the browser's WidgetStateManager sends them all), with the changed one replaced.

Bound widgets (``bind="query-params"``) also put their non-default values in the query string the
browser sends with the next rerun; that is imitated too. ``bench/load.py --validate`` compares the
BackMsgs built here with the ones Chromium sends for the same edits.

Nothing is rendered: a run's latency here is the server's share (BackMsg sent -> script_finished
received), without the browser's drawing. The websocket itself is ``RawWebSocket``, a minimal RFC 6455
client: the load generator shares the servers' two cores, so its own CPU per message is kept small.

Through a reverse proxy (``scripts/lecture_hall.py``: HAProxy with a sticky ``SERVERID`` cookie) the
session is opened as a browser opens it: the page's HTTP response sets the proxy's cookie, and the
websocket upgrade carries it back (``Session(cookie=...)``), so the upgrade reaches the process that
served the page. Pages are switched as the sidebar's navigation does (``Session.navigate``): the next
``rerun_script`` names the new page's script hash, and the address is the page's own.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import hashlib
import os
import time
import urllib.parse
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState


class ConnectionClosed(Exception):
    """The server closed the websocket (or the connection dropped)."""


_WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, 1.3


class RawWebSocket(asyncio.Protocol):
    """A minimal websocket client (RFC 6455) for the load generator: binary messages, no extensions.

    It runs on the same two cores as the servers it measures, so its own CPU is taken from them. The
    ``websockets`` library (a general client: an assembler, a reader coroutine and a lock per message)
    cost the load generator 16-19 % of a core through the hall's burst, ~55 us per message at ~4,000
    messages a second; here a message is a slice of the receive buffer, parsed where it arrives
    (``data_received``) and handed over without a task switch when ``recv`` finds it waiting.
    Pings are answered (the server pings idle sockets), a close frame is answered and ends ``recv``.
    """

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.messages: collections.deque[bytes] = collections.deque()
        self.waiter: asyncio.Future | None = None
        self.handshake: asyncio.Future = asyncio.get_running_loop().create_future()
        self.accept = b""
        self.fragments: list[bytes] | None = None  # a message sent in several frames, until its last
        self.closed = False

    @classmethod
    async def connect(cls, host: str, port: int, path: str, subprotocol: str, headers: dict[str, str],
                      timeout: float) -> RawWebSocket:
        loop = asyncio.get_running_loop()
        _, ws = await asyncio.wait_for(loop.create_connection(cls, host, port), timeout)
        key = base64.b64encode(os.urandom(16))
        ws.accept = base64.b64encode(hashlib.sha1(key + _WS_GUID).digest())
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key.decode()}", "Sec-WebSocket-Version: 13",
                 f"Sec-WebSocket-Protocol: {subprotocol}", *(f"{k}: {v}" for k, v in headers.items())]
        ws.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            await asyncio.wait_for(asyncio.shield(ws.handshake), timeout)
        except BaseException:
            ws.transport.close()
            raise
        return ws

    # -- asyncio.Protocol
    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.closed = True
        if not self.handshake.done():
            self.handshake.set_exception(ConnectionClosed(f"closed during the handshake: {exc}"))
        self._wake()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.handshake.done():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
            del self.buf[:end + 4]
            fields = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
            if not head[0].startswith("HTTP/1.1 101") or fields.get("sec-websocket-accept") != self.accept.decode():
                self.handshake.set_exception(ConnectionClosed(f"upgrade refused: {head[0]}"))
                self.transport.close()
                return
            self.handshake.set_result(None)
        self._parse()

    def _parse(self) -> None:
        buf = self.buf
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n, pos = b1 & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return
                n, pos = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n, pos = int.from_bytes(buf[2:10], "big"), 10
            mask = b""
            if b1 & 0x80:  # a server must not mask; read it all the same
                mask, pos = bytes(buf[pos:pos + 4]), pos + 4
            if len(buf) < pos + n:
                return
            payload = bytes(buf[pos:pos + n])
            del buf[:pos + n]
            if mask:
                payload = _masked(payload, mask)
            self._frame(b0 & 0x80, b0 & 0x0F, payload)

    def _frame(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode in (1, 2):  # text, binary: a message, or its first fragment
            if fin:
                self._deliver(payload)
            else:
                self.fragments = [payload]
        elif opcode == 0 and self.fragments is not None:  # a continuation
            self.fragments.append(payload)
            if fin:
                whole, self.fragments = b"".join(self.fragments), None
                self._deliver(whole)
        elif opcode == 9:  # ping: pong with its payload
            self._send_frame(0xA, payload)
        elif opcode == 8:  # close: answer it and stop
            if not self.closed:
                self._send_frame(0x8, payload[:2])
                self.closed = True
                self.transport.close()
            self._wake()

    def _deliver(self, payload: bytes) -> None:
        w = self.waiter
        if w is not None and not w.done():
            self.waiter = None
            w.set_result(payload)
        else:
            self.messages.append(payload)

    def _wake(self) -> None:
        w, self.waiter = self.waiter, None
        if w is not None and not w.done():
            w.set_exception(ConnectionClosed("the server closed the websocket"))

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        """One masked frame (a client must mask every frame, RFC 6455 5.3)."""
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        self.transport.write(head + mask + _masked(payload, mask))

    # -- what Session uses
    async def send(self, data: bytes) -> None:
        if self.closed:
            raise ConnectionClosed("the websocket is closed")
        self._send_frame(0x2, data)

    async def recv(self) -> bytes:
        if self.messages:
            return self.messages.popleft()
        if self.closed:
            raise ConnectionClosed("the server closed the websocket")
        self.waiter = asyncio.get_running_loop().create_future()
        return await self.waiter

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._send_frame(0x8, (1000).to_bytes(2, "big"))
            self.transport.close()


def _masked(data: bytes, mask: bytes) -> bytes:
    """``data`` XOR the 4-byte ``mask`` repeated (masking and unmasking are the same), as one integer XOR."""
    n = len(data)
    if not n:
        return data
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")


WIDGET_TYPES = ("text_input", "selectbox", "radio", "checkbox", "button_group", "number_input", "button")


@dataclass
class Widget:
    id: str
    kind: str
    key: str  # the user key (the part after the last "-" of the id) or the id
    value: object
    default: object
    query_param_key: str
    options: tuple = ()  # tabs: the tab labels; selectbox / radio / button_group: the offered options
    sidebar: bool = False  # drawn in the sidebar (kept on a page switch; the page's own widgets are not)
    fragment_id: str = ""  # the st.fragment that drew it ("" = the whole run): its change reruns only that
    path: tuple = ()  # where it is on the page (the delta path): a fragment's run redraws all below its own

    def state(self) -> WidgetState:
        ws = WidgetState(id=self.id)
        if self.kind in ("text_input", "selectbox", "radio", "tabs"):
            ws.string_value = self.value
        elif self.kind == "checkbox":
            ws.bool_value = bool(self.value)
        elif self.kind == "button_group":
            ws.string_array_value.data.extend(self.value)
        elif self.kind == "button":  # a click is a trigger, true for one run (bench/poll.py clicks)
            ws.trigger_value = bool(self.value)
        elif self.kind == "number_input":
            if isinstance(self.value, int):
                ws.int_value = self.value
            else:
                ws.double_value = float(self.value)
        elif self.kind == "button":  # a trigger: sent once, in the run its click causes
            ws.trigger_value = bool(self.value)
        return ws


def _widget_from_element(kind: str, el) -> Widget:
    """The widget's id and current value as the frontend would register it."""
    opts: list = []
    if kind == "text_input":
        value = el.value if el.HasField("value") else el.default
        default = el.default
    elif kind in ("selectbox", "radio"):
        opts = list(el.options)
        default = opts[el.default] if el.HasField("default") and 0 <= el.default < len(opts) else ""
        value = el.raw_value if el.HasField("raw_value") else default
    elif kind == "checkbox":
        value = el.value if el.set_value else el.default
        default = el.default
    elif kind == "button_group":
        opts = [o.content for o in el.options]
        default = [opts[i] for i in el.default if 0 <= i < len(opts)]
        value = list(el.raw_values) if el.set_value else default
    elif kind == "button":  # keyed by its label: a form's submit button has no key of its own
        return Widget(id=el.id, kind=kind, key=f"button:{el.label}", value=False, default=False, query_param_key="")
    elif kind == "number_input":
        is_int = el.data_type == el.INT
        default = int(el.default) if is_int else el.default
        value = el.value if el.set_value else el.default
        value = int(value) if is_int else value
    else:  # pragma: no cover
        raise ValueError(kind)
    key = el.id.rsplit("-", 1)[-1] if el.id.startswith("$$ID-") else el.id
    if key == "None":  # a widget without a user key (a form's boxes, its submit button): known by its label
        key = el.label
    return Widget(id=el.id, kind=kind, key=key, value=value, default=default,
                  query_param_key=getattr(el, "query_param_key", ""), options=tuple(opts))


def _tabs_widget(block) -> Widget:
    """A keyed ``st.tabs`` (a widget: the open tab's label, a string); its labels follow as ``tab`` blocks."""
    tc = block.tab_container
    key = tc.id.rsplit("-", 1)[-1] if tc.id.startswith("$$ID-") else tc.id
    return Widget(id=tc.id, kind="tabs", key=key, value=tc.default_tab_index, default=tc.default_tab_label,
                  query_param_key=tc.query_param_key)


def _query_value(w: Widget) -> str:
    if w.kind == "checkbox":
        return "true" if w.value else "false"
    if w.kind == "button_group":
        return ",".join(w.value)
    return str(w.value)


@dataclass
class RunResult:
    latency: float  # BackMsg sent -> script_finished received, seconds
    status: int  # ScriptFinishedStatus
    messages: int
    nbytes: int
    elements: dict[str, int]
    exceptions: list[str]
    error_alerts: list[str]
    charts: list  # VegaLiteChart protos (kept only when asked)


@dataclass
class Session:
    """One browser tab's worth of protocol, without the browser.

    ``host``/``port``: the server or the proxy in front of it; ``cookie``: the Cookie header the browser
    would send with the websocket upgrade (the proxy's sticky cookie among them)."""

    port: int
    host: str = "127.0.0.1"
    cookie: str = ""
    context_url: str = ""
    ws: object = None
    widgets: dict[str, Widget] = field(default_factory=dict)  # by key
    page_script_hash: str = ""
    query_string: str = ""
    session_id: str = ""
    extensions: list[str] = field(default_factory=list)
    page_name: str = ""  # the page the address names ("lesson" for /lesson), sent until the server names its hash
    auto_reruns: dict[str, float] = field(default_factory=dict)  # fragment id -> run_every seconds (st.fragment)
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)  # page name -> (script hash, url path)
    # tabs and buttons the user touched: the browser sends a tab's state only once it was clicked (then while
    # it is drawn), and a button's trigger only in the rerun its click causes (checked by load.py --validate)
    touched: set[str] = field(default_factory=set)
    # the link parameters of the page just left: the browser drops those the new page does not draw, after its run
    left_params: set[str] = field(default_factory=set)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def connect(self, query_string: str = "", timeout: float = 30.0) -> None:
        self.query_string = query_string
        self.context_url = f"{self.base}/{self.page_name}" + (f"?{query_string}" if query_string else "")
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self.ws = await RawWebSocket.connect(self.host, self.port, "/_stcore/stream", "streamlit", headers, timeout)
        self.extensions = []  # RawWebSocket offers none (no compression: Streamlit's default is off too)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    def back_msg(self, changes: dict[str, object] | None = None) -> BackMsg:
        """The rerun_script BackMsg the browser would send after ``changes`` (key -> new value)."""
        self.touched -= {k for k, w in self.widgets.items() if w.kind == "button"}  # a trigger is sent once
        for key, value in (changes or {}).items():
            self.widgets[key].value = value
            self.touched.add(key)
        if self.widgets:  # the browser rewrites its address bar from the bound widgets
            params = dict(urllib.parse.parse_qsl(self.query_string, keep_blank_values=True))
            for w in self.widgets.values():
                # a toggle is not in the query string Chromium sends with the rerun (its address bar gets it
                # afterwards; load.py --validate compares the two)
                if not w.query_param_key or w.kind in ("button", "checkbox"):
                    continue
                if w.value != w.default:
                    params[w.query_param_key] = _query_value(w)  # in place if present, else appended
                else:
                    params.pop(w.query_param_key, None)
            self.query_string = urllib.parse.urlencode(params)
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string = self.query_string
        rs.page_script_hash = self.page_script_hash
        if self.page_name and not self.page_script_hash:
            rs.page_name = self.page_name
        rs.widget_states.SetInParent()
        for key, w in self.widgets.items():
            if w.kind in ("tabs", "button") and key not in self.touched:
                continue
            rs.widget_states.widgets.append(w.state())
        ci = rs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
        ci.url = self.context_url
        ci.is_embedded, ci.color_scheme = False, "light"
        return msg

    async def navigate(self, page: str, timeout: float = 60.0) -> RunResult:
        """Open another page of the app (by its title), as a click in the sidebar's navigation does: the
        browser's address becomes the page's own (the link's shared settings kept), the widgets it has
        go with the rerun, and the server drops those the new page does not draw."""
        self.switch_page(page)
        return await self.rerun(timeout=timeout)

    def switch_page(self, page: str) -> None:
        """The state a click in the navigation leaves before its rerun: the new page's hash and address, and
        only the sidebar's widgets (the browser drops the old page's; load.py --validate checks it)."""
        self.page_script_hash, url_path = self.pages[page]
        self.context_url = f"{self.base}/{url_path}"
        self.left_params |= {w.query_param_key for w in self.widgets.values() if not w.sidebar and w.query_param_key}
        self.widgets = {k: w for k, w in self.widgets.items() if w.sidebar}
        self.touched &= set(self.widgets)

    async def rerun(self, changes: dict[str, object] | None = None, timeout: float = 60.0,
                    keep_charts: bool = False) -> RunResult:
        """The rerun a change of ``changes`` causes: as in the browser, only the fragment that drew the
        changed widget(s) when they all come from one ``st.fragment``, else the whole page."""
        fragments = {self.widgets[k].fragment_id for k in changes or ()}
        fragment_id = fragments.pop() if len(fragments) == 1 else ""
        if fragment_id:
            return await self._fragment_run(fragment_id, changes, timeout, keep_charts)
        msg = self.back_msg(changes)
        self.auto_reruns = {}  # a full run registers the timers of the fragments it draws again
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        return await asyncio.wait_for(self._read_run(t0, keep_charts), timeout)

    async def fragment_rerun(self, fragment_id: str, timeout: float = 60.0) -> RunResult:
        """What the browser sends when a fragment's ``run_every`` timer fires: only that fragment reruns."""
        return await self._fragment_run(fragment_id, None, timeout, False, auto=True)

    async def _fragment_run(self, fragment_id: str, changes, timeout: float, keep_charts: bool,
                            auto: bool = False) -> RunResult:
        """Only ``fragment_id`` reruns: as in the browser, the widgets it draws replace those drawn below its
        place on the page (its own and its inner fragments'; Streamlit wraps a fragment in a container, so
        everything it draws shares that container's delta path), and every other widget stays."""
        msg = self.back_msg(changes)
        msg.rerun_script.fragment_id = fragment_id
        msg.rerun_script.is_auto_rerun = auto
        before, touched = dict(self.widgets), set(self.touched)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        r = await asyncio.wait_for(self._read_run(t0, keep_charts), timeout)
        place = _common_prefix(self.run_paths)
        kept = {k: w for k, w in before.items()
                if place is None or w.path[:len(place)] != place} if self.run_paths else before
        self.widgets = {**kept, **self.widgets}
        self.touched |= touched & set(kept)
        return r

    async def _read_run(self, t0: float, keep_charts: bool) -> RunResult:
        elements: dict[str, int] = {}
        self.run_paths = []  # the delta path of everything this run drew
        exceptions, alerts, charts = [], [], []
        seen: dict[str, Widget] = {}
        tabs: Widget | None = None  # the last keyed tab container, collecting its labels
        n = nbytes = 0
        while True:
            data = await self.ws.recv()
            n += 1
            nbytes += len(data)
            fm = ForwardMsg()
            fm.ParseFromString(data)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                self.page_script_hash = fm.new_session.page_script_hash
                if fm.new_session.HasField("initialize"):
                    self.session_id = fm.new_session.initialize.session_id
            elif kind == "navigation":  # the page st.navigation picked: the browser sends its hash next time
                self.page_script_hash = fm.navigation.page_script_hash
                self.pages = {p.page_name: (p.page_script_hash, p.url_pathname) for p in fm.navigation.app_pages}
            if kind == "delta":
                self.run_paths.append(tuple(fm.metadata.delta_path))
            if kind == "delta" and fm.delta.WhichOneof("type") == "add_block":
                block = fm.delta.add_block
                bk = block.WhichOneof("type")
                if bk == "tab_container" and block.tab_container.id:
                    tabs = _tabs_widget(block)
                    tabs.sidebar, tabs.fragment_id = _in_sidebar(fm), fm.delta.fragment_id
                    tabs.path = tuple(fm.metadata.delta_path)
                    seen[tabs.key] = tabs
                elif bk == "tab" and tabs is not None:
                    tabs.options += (block.tab.label,)
                    if len(tabs.options) - 1 == tabs.value:  # default_tab_index: the tab the server opened
                        tabs.value = block.tab.label
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                ek = el.WhichOneof("type")
                elements[ek] = elements.get(ek, 0) + 1
                if ek in WIDGET_TYPES:
                    w = _widget_from_element(ek, getattr(el, ek))
                    w.sidebar, w.fragment_id = _in_sidebar(fm), fm.delta.fragment_id
                    w.path = tuple(fm.metadata.delta_path)
                    old = self.widgets.get(w.key)
                    if old is not None and old.id == w.id:
                        # the default of its first drawing: a widget whose key already holds a value is built
                        # without one (ui/controls.widget), but the browser's link still leaves defaults out
                        w.default = old.default
                        if not _element_sets_value(ek, getattr(el, ek)):
                            w.value = old.value  # the frontend keeps what the user set
                    seen[w.key] = w
                elif ek == "exception":
                    exceptions.append(f"{el.exception.type}: {el.exception.message}"[:300])
                elif ek == "alert" and el.alert.format == el.alert.ERROR:
                    alerts.append(el.alert.body[:200])
                elif ek == "vega_lite_chart" and keep_charts:
                    charts.append(el.vega_lite_chart)
            elif kind == "auto_rerun":  # st.fragment(run_every=...): the browser starts a timer
                self.auto_reruns[fm.auto_rerun.fragment_id] = fm.auto_rerun.interval
            elif kind == "script_finished":
                latency = time.perf_counter() - t0
                if fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    self.widgets = seen  # widgets not drawn in this run are dropped, as in the frontend
                    self.touched &= set(seen)
                    gone = self.left_params - {w.query_param_key for w in seen.values()}
                    if gone:
                        params = urllib.parse.parse_qsl(self.query_string, keep_blank_values=True)
                        self.query_string = urllib.parse.urlencode([(k, v) for k, v in params if k not in gone])
                    self.left_params = set()
                for w in self.widgets.values():
                    if w.kind == "button":
                        w.value = False  # a trigger lasts one run
                return RunResult(latency, fm.script_finished, n, nbytes, elements, exceptions, alerts, charts)


def _common_prefix(paths: list[tuple]) -> tuple | None:
    """The longest delta path that starts every one of ``paths`` (None for no paths)."""
    if not paths:
        return None
    first = paths[0]
    n = min(len(p) for p in paths)
    for i in range(n):
        if any(p[i] != first[i] for p in paths):
            return first[:i]
    return first[:n]


def _in_sidebar(fm) -> bool:
    """The delta's root container: 0 = the main area, 1 = the sidebar."""
    path = fm.metadata.delta_path
    return bool(path) and path[0] == 1


def _element_sets_value(kind: str, el) -> bool:
    if kind == "text_input":
        return el.set_value
    if kind in ("selectbox", "radio", "checkbox", "button_group", "number_input"):
        return el.set_value
    return False
