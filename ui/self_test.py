"""``pointsmall --self-test``: prove an installed copy works, headless.

Makes a temporary database, runs the migrations, registers a member and
awards points through the core, builds the main window offscreen and renders
it. Exits 0 only if all of that worked.
"""
from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path


def run_self_test() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from pointsmall import bootstrap, members, purchases, staff

    from . import i18n
    from .app import build_main_window, make_application
    from .worker import Worker

    steps: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="pointsmall-self-test-") as tmp:
            db = bootstrap.prepare(f"sqlite+pysqlite:///{Path(tmp) / 'self-test.db'}")
            steps.append(f"migrations at {db.current_revision()}")
            with db.read() as session:
                actor = staff.system_actor(session)
            member = members.create_member(db, actor, name="自检会员", phone="13900000000")
            award = purchases.award_for_purchase(db, actor, member_id=member.id, receipt_no="SELFTEST-1",
                                                 amount_fen=10_000)
            assert award.points == 100, award
            steps.append("member registered and points awarded")
            app = make_application()
            language = i18n.install_language("zh_CN")
            worker = Worker(db)
            window = build_main_window(db, worker, actor, language)
            window.show()
            app.processEvents()
            image = window.grab()
            if image.isNull() or image.width() < 100:
                raise RuntimeError("the main window did not render")
            steps.append(f"main window rendered at {image.width()}x{image.height()}")
            window.close()
            worker.shutdown()
            db.dispose()
    except Exception:
        traceback.print_exc()
        print("self-test FAILED after: " + "; ".join(steps), file=sys.stderr)
        return 1
    print("self-test passed: " + "; ".join(steps))
    return 0
