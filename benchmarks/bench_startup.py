"""App start to a usable window, and peak memory, on a large database.

    python benchmarks/bench_startup.py --db /path/to/demo-1m.db [--runs 5]

Each run is a fresh process, timed by this script from the moment it starts
the process: (1) until the login dialog is painted, (2) until the main window
of a logged-in cashier is painted (the password check itself excluded: that is
the person typing), (3) until the members page shows its first rows. The
child then scrolls the members table and reports its peak memory (max RSS).
Targets from the foundation issue: start to usable window <= 2 s, members
page <= 300 ms, peak memory <= 300 MB. Prints a table; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, resource, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
start = float(sys.argv[2])
marks = {}
def mark(name):
    marks[name] = time.time() - start
from ui.app import make_application
from ui import i18n
from pointsmall import bootstrap, staff
app = make_application()
i18n.install_language("zh_CN")
db = bootstrap.prepare(sys.argv[1])
from ui.worker import Worker
from ui.login import LoginDialog
import asyncio, qasync
loop = qasync.QEventLoop(app); asyncio.set_event_loop(loop)
worker = Worker(db)
login = LoginDialog(worker, "总店"); login.show(); login.repaint(); app.processEvents()
mark("login_dialog")
with db.read() as session:
    actor = staff.system_actor(session)
from ui.app import build_main_window
t = time.time()
window = build_main_window(db, worker, actor, "zh_CN"); window.show(); window.repaint(); app.processEvents()
mark("main_window")
t = time.time()
window.show_page("members"); window.members.repaint(); app.processEvents()
members_ms = (time.time() - t) * 1000
view = window.members.findChild(__import__("PySide6.QtWidgets", fromlist=["QTableView"]).QTableView)
for _ in range(30):
    view.verticalScrollBar().setValue(view.verticalScrollBar().value() + view.verticalScrollBar().pageStep())
    app.processEvents()
    loop.run_until_complete(asyncio.sleep(0.01))
rows = view.model().rowCount() if view is not None else -1
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"marks": marks, "members_ms": members_ms, "rss_mb": rss_mb, "rows": rows}))
sys.stdout.flush()
os._exit(0)
"""


def run_once(url: str) -> dict[str, object]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    started = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, url, repr(started)], env=env, capture_output=True, text=True,
                         timeout=300, cwd=ROOT)
    line = [x for x in out.stdout.splitlines() if x.startswith("{")]
    if not line:
        raise SystemExit(out.stdout + out.stderr)
    return json.loads(line[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="an SQLite file made by `pointsmall demo` (or a URL)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = args.db if "://" in args.db else f"sqlite+pysqlite:///{Path(args.db).resolve()}"
    results = [run_once(url) for _ in range(args.runs)]
    login = [r["marks"]["login_dialog"] * 1000 for r in results]  # type: ignore[index]
    window = [r["marks"]["main_window"] * 1000 for r in results]  # type: ignore[index]
    members = [r["members_ms"] for r in results]
    rss = [r["rss_mb"] for r in results]
    print(f"pointsmall start-up on {args.db} — {os.cpu_count()} cores, {args.runs} fresh processes, medians")
    print(f"{'figure':44} {'measured':>12} {'target':>10}  ok")
    rows = [
        ("process start -> login dialog painted", statistics.median(login), "ms", None),
        ("process start -> main window painted", statistics.median(window), "ms", 2000),
        ("members page shown (first rows painted)", statistics.median(members), "ms", 300),
        ("peak memory (max RSS) after scrolling", max(rss), "MB", 300),
    ]
    for name, value, unit, target in rows:
        ok = "" if target is None else ("yes" if value <= target else "NO")
        print(f"{name:44} {value:>9.0f} {unit:2} {'' if target is None else f'<= {target}':>10}  {ok}")
    print(f"members table rows after scrolling: {results[-1]['rows']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
