"""A failing 4 MB upload: what it costs later edits, in the session that uploaded it and in another one.

Run:  python bench/upload.py                 (about 1 minute)
      python bench/upload.py --app /tmp/old/app.py   (the same measurement on another checkout)

Budget (DESIGN.md): after a failing 4 MB upload, later edits in any session cost <= 1.5x their time
before it; server RSS stays <= 600 MB.

How: one ``streamlit run app.py`` on a loopback port and Chromium with two contexts (two sessions).
Session B is on the Sentence Lab with GloVe; each edit of sentence 1 is timed from the Enter key to
"run over and the new words drawn" (``_support.timed_edit``). Session A has "upload a file" chosen;
its edits are timed from the Enter key to "run over" (the page shows an error, no chart). Both are
timed, RSS is read, then A uploads a file of 1,000,000 lines (4.3 MB: "a 1 2" rows and blank lines)
that fails validation (too many rows, and a non-number on its last line), and both are timed again.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _support as S  # noqa: E402

IDLE_PROBE = """(expected) => {
    // done = Enter was pressed, the address carries the new sentence (the server sent it during the run)
    // and the run is over. Checked on every change of the run state and every 5 ms.
    const app = document.querySelector("[data-testid='stApp']");
    const b = window.__idle = {press: null, idle: null, done: false};
    const onKey = (e) => { if (e.key === 'Enter' && b.press === null) b.press = performance.now(); };
    document.addEventListener('keydown', onKey, true);
    const check = () => {
        if (b.done || b.press === null) return;
        const url = new URLSearchParams(location.search).get('s1');
        if (url === expected && app.getAttribute('data-test-script-state') === 'notRunning') {
            b.idle = performance.now(); b.done = true; obs.disconnect(); clearInterval(timer);
            document.removeEventListener('keydown', onKey, true);
        }
    };
    const obs = new MutationObserver(check);
    obs.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    const timer = setInterval(check, 5);
}"""


def failing_file(path: Path) -> Path:
    data = b"a 1 2\na 1 2\n\n" * 333_333 + b"a 1 x\n"  # 1,000,000 lines, 4,333,335 bytes
    path.write_bytes(data)
    return path


def timed_idle_edit(page, box, value: str, timeout: float = 60_000) -> float:
    box.fill(value)
    page.evaluate(IDLE_PROBE, value)
    box.press("Enter")
    page.wait_for_function("() => window.__idle && window.__idle.done", timeout=timeout, polling=20)
    b = page.evaluate("() => window.__idle")
    return (b["idle"] - b["press"]) / 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--edits", type=int, default=7, help="edits per session per phase (default 7)")
    ap.add_argument("--app", type=Path, default=S.APP, help="the app to start (default: this checkout's)")
    args = ap.parse_args()
    print(S.machine())
    from playwright.sync_api import sync_playwright

    sents = S.sentences(4 * args.edits + 10)
    foreign, errors, rows = [], [], []
    work = S.tmpdir("bench-upload-")
    bad = failing_file(work / "million_lines.txt")
    server = S.start_server(args.app)
    try:
        with sync_playwright() as pw:
            browser = S.launch_chromium(pw)
            try:
                ctx_b = S.new_context(browser, foreign, errors)
                page_b = ctx_b.new_page()
                page_b.goto(server.url + "/", wait_until="domcontentloaded")
                S.wait_idle(page_b)
                box_b = page_b.locator("[data-testid='stSidebar']").get_by_label("Sentence 1", exact=True)
                box_b.wait_for(state="visible")
                ctx_a = S.new_context(browser, foreign, errors)
                page_a = ctx_a.new_page()
                page_a.goto(server.url + "/?embeddings=upload+a+file", wait_until="domcontentloaded")
                S.wait_idle(page_a)
                box_a = page_a.locator("[data-testid='stSidebar']").get_by_label("Sentence 1", exact=True)
                box_a.wait_for(state="visible")
                it = iter(sents)
                for _ in range(2):  # warm-up: GloVe, fonts, the first run of each page
                    S.timed_edit(page_b, box_b, next(it), "lab")
                    timed_idle_edit(page_a, box_a, next(it))

                def phase(label: str) -> tuple[float, float]:
                    a = [timed_idle_edit(page_a, box_a, next(it)) for _ in range(args.edits)]
                    b = [S.timed_edit(page_b, box_b, next(it), "lab")["rendered"] for _ in range(args.edits)]
                    r = S.server_rss(server.pid)
                    rows.append([label, S.ms(S.median(a)), S.ms(max(a)), S.ms(S.median(b)), S.ms(max(b)), str(r),
                                 f"{r.hwm_mb:.0f}"])
                    return S.median(a), S.median(b)

                a0, b0 = phase("before the upload")
                uploader = page_a.locator("[data-testid='stFileUploader'] input[type='file']")
                t = time.perf_counter()
                uploader.set_input_files(str(bad))
                alert = page_a.locator("[data-testid='stAlertContainer']").filter(has_text="the limit is")
                alert.first.wait_for(state="visible", timeout=120_000)
                S.wait_idle(page_a)
                upload_s = time.perf_counter() - t
                r = S.server_rss(server.pid)
                shown = alert.first.inner_text().strip()
                rows.append([f"the upload itself ({upload_s * 1000:.0f} ms to the message)", "", "", "", "", str(r),
                             f"{r.hwm_mb:.0f}"])
                a1, b1 = phase("after the failing upload")
                if page_a.locator("[data-testid='stException']").count() or page_b.locator(
                        "[data-testid='stException']").count():
                    errors.append("stException on a page")
            finally:
                browser.close()
        final = S.server_rss(server.pid)
    finally:
        S.stop_server(server)

    print(S.table(["phase", "A edit median", "A max", "B edit median", "B max", "server RSS", "peak MB"], rows,
                  title=f"\n{args.edits} edits per session per phase; A = the uploading session, B = another one"))
    print(f"\nsession A's message: {shown[:200]}")
    ra, rb = a1 / a0, b1 / b0
    ok = ra <= 1.5 and rb <= 1.5 and final.rss_mb <= 600
    print(f"after / before: A {ra:.2f}x, B {rb:.2f}x (budget <= 1.5x); RSS at the end {final} (budget <= 600 MB)"
          f"  -> {'ok' if ok else 'OVER'}")
    if foreign or errors:
        print(f"problems: foreign requests {foreign[:5]}, errors {errors[:5]}")
    return 0 if ok and not foreign and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
