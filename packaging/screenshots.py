"""Make the README's screenshots from the real client, with Chinese rendered.

    QT_QPA_PLATFORM=offscreen python packaging/screenshots.py [--out docs/screenshots]

Builds a demo database in a temporary folder, logs in as each role, drives
the pages the way a cashier would (scan a member, award points, open the
mall) and saves each window as a PNG, in Chinese and in English. Chinese
needs a CJK font (Debian: fonts-wqy-microhei).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from pointsmall import bootstrap, demo, staff  # noqa: E402
from pointsmall.db import Database  # noqa: E402
from ui import i18n  # noqa: E402
from ui.app import build_main_window, make_application  # noqa: E402
from ui.login import LoginDialog  # noqa: E402
from ui.worker import Worker  # noqa: E402


def settle(loop: asyncio.AbstractEventLoop, seconds: float = 0.8) -> None:
    loop.run_until_complete(asyncio.sleep(seconds))


def shoot(widget, path: Path) -> None:  # type: ignore[no-untyped-def]
    widget.grab().save(str(path))
    print("wrote", path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def member_phone(db: Database, tier_code: str) -> str:
    from sqlalchemy import select

    from pointsmall.models import Member, Tier

    with db.read() as session:
        return session.scalars(select(Member.phone).join(Tier, Tier.id == Member.tier_id)
                               .where(Tier.code == tier_code, Member.balance > 1500).limit(1)).one()


def flag_for_review(db: Database) -> None:
    """An abuse rule and a sign-in that breaks it, so the review queue has a case to show."""
    from pointsmall import risk, signin
    from pointsmall.errors import DomainError
    from pointsmall.models import Member
    from pointsmall.risk import RiskRuleDraft
    from sqlalchemy import select

    risk.create_rule(db, staff.authenticate(db, "ops", "123456"), RiskRuleDraft("签到过快", "points", 60, 4))
    cashier = staff.authenticate(db, "cashier", "123456")
    with db.read() as session:
        candidates = session.scalars(select(Member.id).order_by(Member.id.desc()).limit(50)).all()
    for member_id in candidates:
        try:
            signin.sign_in(db, cashier, member_id)
        except DomainError:  # signed in already today (the demo's sign-ins), or not active
            continue
        return


def games_phone(db: Database) -> str:
    """A member with the demo's sign-in history and points to spin with, not signed in today."""
    from sqlalchemy import func, select

    from pointsmall.clock import business_day, utc_now
    from pointsmall.models import Member, SignIn

    with db.read() as session:
        today = business_day(utc_now(), staff.system_actor(session).store_tz)
        return session.scalars(select(Member.phone).join(SignIn, SignIn.member_id == Member.id)
                               .where(Member.balance >= 100).group_by(Member.id, Member.phone)
                               .having(func.max(SignIn.business_day) < today)
                               .order_by(func.count().desc(), Member.phone).limit(1)).one()


def play_games(loop: asyncio.AbstractEventLoop, window, phone: str) -> None:  # type: ignore[no-untyped-def]
    """Serve the member at the counter, then on the games page sign in (F2) and spin (F3)."""
    window.show_page("counter")
    QTest.keyClick(window.counter.scan, Qt.Key.Key_Escape)
    QTest.keyClicks(window.counter.scan, phone)
    QTest.keyClick(window.counter.scan, Qt.Key.Key_Return)
    settle(loop, 1.0)
    window.show_page("games")
    settle(loop, 1.0)
    QTest.keyClick(window.games, Qt.Key.Key_F2)
    settle(loop, 0.8)
    window.games.wheel.duration_ms = 400
    QTest.keyClick(window.games, Qt.Key.Key_F3)
    settle(loop, 1.5)
    if window.games.voucher is not None:
        window.games.voucher.accept()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = make_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as tmp:
        db = bootstrap.prepare(f"sqlite+pysqlite:///{Path(tmp) / 'demo.db'}")
        demo.generate_demo(db, 400, seed=7)
        worker = Worker(db)
        phone = member_phone(db, "silver")
        flag_for_review(db)
        for language in ("zh_CN", "en"):
            suffix = "zh" if language == "zh_CN" else "en"
            games = games_phone(db)  # one not signed in yet: each language signs another member in
            i18n.install_language(language)
            login = LoginDialog(worker, "总店")
            login.username.setText("cashier")
            login.show()
            settle(loop, 0.2)
            shoot(login, args.out / f"login-{suffix}.png")
            login.close()
            for username, secret, pages in (("cashier", "123456", ("counter", "mall", "games")),
                                            ("manager", "123456", ("members", "review")),
                                            ("ops", "123456", ("catalog", "games-setup", "settings"))):
                actor = staff.authenticate(db, username, secret)
                window = build_main_window(db, worker, actor, language)
                window.resize(1280, 800)
                window.show()
                settle(loop, 0.5)
                for page in pages:
                    window.show_page(page)
                    if page == "counter":
                        QTest.keyClicks(window.counter.scan, phone)
                        QTest.keyClick(window.counter.scan, Qt.Key.Key_Return)
                        settle(loop, 1.0)
                        window.counter.receipt.setText(f"R2026112{suffix}")
                        window.counter.amount.setText("320.50")
                        QTest.keyClick(window.counter.amount, Qt.Key.Key_Return)
                        settle(loop, 0.6)
                    if page == "games":
                        play_games(loop, window, games)
                    settle(loop, 1.2)
                    shoot(window, args.out / f"{page}-{suffix}.png")
                    if page == "games-setup" and window.games_setup is not None:
                        setup = window.games_setup
                        for name, tab in (("tasks", setup.tasks), ("abuse-rules", setup.risk)):
                            if tab is not None:
                                setup.show_tab(tab)
                                settle(loop, 0.8)
                                shoot(window, args.out / f"{name}-{suffix}.png")
                        wheels = setup.wheels
                        setup.show_tab(wheels)
                        settle(loop, 0.8)
                        shoot(window, args.out / f"wheels-{suffix}.png")
                        if wheels.table.rowCount():
                            wheels.table.selectRow(0)
                            editor = wheels.open_editor(wheels.selected())
                            if editor is not None:
                                settle(loop, 0.6)
                                shoot(editor, args.out / f"wheel-editor-{suffix}.png")
                                editor.close()
                window.close()
        worker.shutdown()
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
