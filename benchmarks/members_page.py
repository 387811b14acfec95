"""How long the members page takes to show, and to search, over a large database.

    python -m benchmarks.members_page --members 1000000 --db /tmp/big.db

Makes the database with ``pointsmall.demo.generate_demo`` when that exists
(fast, millions of members); otherwise registers members one by one through
the service (slow: use a few thousand). An existing file given with --db is
reused as it is. Prints a table of timings; asserts nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_database(path: Path, count: int):  # type: ignore[no-untyped-def]
    from pointsmall import bootstrap, members, staff

    fresh = not path.exists()
    db = bootstrap.prepare(f"sqlite+pysqlite:///{path}")
    if not fresh:
        return db, "reused"
    if importlib.util.find_spec("pointsmall.demo") is not None:
        from pointsmall import demo

        demo.generate_demo(db, count, 1)
        return db, "pointsmall.demo"
    with db.read() as session:
        actor = staff.system_actor(session)
    surnames, given = "张王李赵刘陈杨黄周吴", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
    for i in range(count):
        name = surnames[i % len(surnames)] + given[(i // 10) % len(given)] + given[(i // 7) % len(given)]
        members.create_member(db, actor, name=name, phone=f"13{i % 7 + 3}{i:08d}")
    return db, "members.create_member"


async def measure(db) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    from pointsmall import staff
    from ui import i18n
    from ui.changes import Changes
    from ui.context import AppContext
    from ui.pages.members import MembersPage
    from ui.worker import Worker

    with db.read() as session:
        actor = staff.system_actor(session)
    ctx = AppContext(db=db, worker=Worker(db), actor=actor, changes=Changes(), language=i18n.install_language("zh_CN"))
    timings: list[tuple[str, float]] = []
    started = time.perf_counter()
    page = MembersPage(ctx)
    page.resize(1130, 760)
    page.show()
    page.table.viewport().repaint()  # the first rows are read and painted here
    timings.append(("page built, first rows painted", time.perf_counter() - started))
    while not page.summary.text():
        await asyncio.sleep(0.005)
    timings.append(("member count shown (read off the GUI thread)", time.perf_counter() - started))
    started = time.perf_counter()
    for _ in range(20):
        page.table.scrollToBottom()
        await asyncio.sleep(0)  # let the view lay out the new rows
    page.table.viewport().repaint()
    timings.append((f"scrolled 20 pages down ({page.model.rowCount():,} ids held)", time.perf_counter() - started))
    for query in ("张伟", "zw", "0000", "13300000042"):
        started = time.perf_counter()
        page.search.setText(query)
        page._debounce.stop()
        page._start_search()
        while page._search_task is not None and not page._search_task.done():
            await asyncio.sleep(0.002)
        timings.append((f"search {query!r}: {page.model.rowCount()} shown", time.perf_counter() - started))
    started = time.perf_counter()
    page.search.clear()
    page.table.viewport().repaint()
    timings.append(("search cleared, table back", time.perf_counter() - started))
    ctx.worker.shutdown()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--db", type=Path, help="SQLite file to make or reuse (default: a temporary file)")
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="pointsmall-bench-")) / "members.db"
    started = time.perf_counter()
    db, how = make_database(path, args.members)
    made = time.perf_counter() - started

    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["members_page"])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        timings = loop.run_until_complete(measure(db))
    with db.read() as session:
        from pointsmall import members

        total = members.count_members(session)
    print(f"\nmembers page over {total:,} members ({path}; made by {how} in {made:.1f} s)")
    print(f"{'step':<52} {'ms':>9}")
    for step, seconds in timings:
        print(f"{step:<52} {seconds * 1000:>9.1f}")
    db.dispose()


if __name__ == "__main__":
    main()
