"""Server memory: RSS after every page has rendered once, and the cost of each extra session.

Run:  python bench/memory.py              (about 1 minute)
      python bench/memory.py --sessions 10 --after-close-wait 130   (also see disconnected sessions expire)

Budgets (DESIGN.md): server RSS after every page has rendered once <= 600 MB; each extra session <= 10 MB.

How: one ``streamlit run app.py`` on a loopback port. Chromium (one context) opens every page once
and waits until each is drawn. RSS is read from /proc/<pid>/status (VmRSS, split into RssAnon and
RssFile: GloVe is a read-only memory map, so its touched pages count as file-backed RSS that the
page cache shares) of the server process and every descendant (``streamlit run`` is normally one
python process; the tree is checked). Then N more sessions (new contexts) each open the Sentence Lab
and edit sentence 1; RSS is read with all of them still open, and again after they are closed.
Streamlit keeps a disconnected session for ``server.disconnectedSessionTTL`` (120 s by default)
before it may drop it, so "after closing" is reported at +5 s and, if asked, after the TTL.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _support as S  # noqa: E402

PAGES = [(title, path) for title, path, _script in S.APP_PAGES]  # the app's page registry (ui/pages.py)

DRAWN_JS = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    // a page with no chart yet (the guided lesson before a guess) is drawn when its run is done
    if (!document.querySelector("[data-testid='stMain'] [data-testid='stVegaLiteChart']")
            && document.querySelector("[data-testid='stMain'] [data-testid='stElementContainer']")) return true;
    for (const el of document.querySelectorAll(
            "[data-testid='stMain'] [data-testid='stVegaLiteChart'] svg, "
            + "[data-testid='stMain'] [data-testid='stVegaLiteChart'] canvas")) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) return true;
    }
    return false;
}"""


def settle_rss(pid: int, seconds: float = 2.0):
    time.sleep(seconds)
    return S.server_rss(pid)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=10, help="extra sessions (default 10)")
    ap.add_argument("--after-close-wait", type=float, default=0.0,
                    help="also read RSS this many seconds after closing (> 120 to pass the session TTL)")
    args = ap.parse_args()
    print(S.machine())
    from playwright.sync_api import sync_playwright

    sents = S.sentences(args.sessions + 2)
    foreign, errors, rows = [], [], []
    server = S.start_server(S.APP)
    t0 = time.perf_counter()
    try:
        tree = S.process_tree(server.pid)
        print(f"server pid {server.pid}: {S.cmdline(server.pid)[:110]}")
        print(f"process tree: {[(p, S.cmdline(p)[:40]) for p in tree]}")
        base = settle_rss(server.pid, 1.0)
        rows.append(["server started, no session yet", str(base), f"{base.hwm_mb:.0f}", ""])
        with sync_playwright() as pw:
            browser = S.launch_chromium(pw)
            try:
                ctx = S.new_context(browser, foreign, errors)
                page = ctx.new_page()
                for title, path in PAGES:
                    print(f"  opening {title} ({path})", flush=True)
                    page.goto(server.url + path, wait_until="domcontentloaded")
                    page.wait_for_function(DRAWN_JS, timeout=90_000, polling=50)
                    if page.locator("[data-testid='stException']").count():
                        errors.append(f"{title}: stException")
                    r = S.server_rss(server.pid)
                    rows.append([f"  after {title} ({path})", str(r), f"{r.hwm_mb:.0f}", ""])
                all_pages = settle_rss(server.pid)
                ok = "ok" if all_pages.rss_mb <= 600 else "OVER"
                rows.append(["every page rendered once (+2 s)", str(all_pages), f"{all_pages.hwm_mb:.0f}",
                             f"<= 600 MB {ok}"])
                page.goto(server.url + "/", wait_until="domcontentloaded")  # the first session back home
                page.wait_for_function(DRAWN_JS, timeout=90_000, polling=50)
                before = settle_rss(server.pid)
                rows.append(["first session back on the Sentence Lab", str(before), f"{before.hwm_mb:.0f}", ""])

                extra = []
                for i in range(args.sessions):
                    c = S.new_context(browser, foreign, errors)
                    p = c.new_page()
                    p.goto(server.url + "/?" + urllib.parse.urlencode({"s2": sents[-1]}),
                           wait_until="domcontentloaded")
                    p.wait_for_function(DRAWN_JS, timeout=90_000, polling=50)
                    box = p.locator("[data-testid='stSidebar']").get_by_label("Sentence 1", exact=True)
                    S.timed_edit(p, box, sents[i], "lab")
                    if p.locator("[data-testid='stException']").count():
                        errors.append(f"extra session {i + 1}: stException")
                    extra.append(c)
                    if (i + 1) in (1, 2, 5) or i + 1 == args.sessions:
                        r = S.server_rss(server.pid)
                        rows.append([f"  {i + 1} extra session(s) open", str(r), f"{r.hwm_mb:.0f}",
                                     f"{(r.rss_mb - before.rss_mb) / (i + 1):+.1f} MB/session"])
                opened = settle_rss(server.pid)
                per_open = (opened.rss_mb - before.rss_mb) / args.sessions
                per_open_anon = (opened.anon_mb - before.anon_mb) / args.sessions
                rows.append([f"{args.sessions} extra sessions open (+2 s)", str(opened), f"{opened.hwm_mb:.0f}",
                             f"{per_open:+.1f} MB/session (anon {per_open_anon:+.1f}) <= 10 MB "
                             f"{'ok' if per_open <= 10 else 'OVER'}"])
                for c in extra:
                    c.close()
                closed = settle_rss(server.pid, 5.0)
                rows.append(["extra sessions closed (+5 s; sessions kept for their TTL)", str(closed),
                             f"{closed.hwm_mb:.0f}", f"{(closed.rss_mb - before.rss_mb) / args.sessions:+.1f} "
                                                     "MB/session"])
                if args.after_close_wait > 5:
                    late = settle_rss(server.pid, args.after_close_wait - 5)
                    rows.append([f"extra sessions closed (+{args.after_close_wait:.0f} s)", str(late),
                                 f"{late.hwm_mb:.0f}",
                                 f"{(late.rss_mb - before.rss_mb) / args.sessions:+.1f} MB/session"])
                ctx.close()
            finally:
                browser.close()
    finally:
        S.stop_server(server)
    print(S.table(["server RSS (VmRSS of the process tree)", "RSS (anon, file-backed)", "peak", "budget / growth"],
                  rows, title="\nServer memory"))
    print("(RSS is what the kernel holds for the process now; freed Python objects often stay in the "
          "allocator, so 'after closing' can stay high without a leak)")
    if foreign or errors:
        print(f"!! off-loopback requests: {foreign[:5]}  errors: {errors[:5]}")
    print(f"\n(total {time.perf_counter() - t0:.0f} s; {S.loadavg()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
