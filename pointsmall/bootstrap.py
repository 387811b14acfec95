"""First start: the default store, tiers and the built-in system account.

Runs after migrations on every start and does nothing when the rows exist.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .clock import utc_now
from .db import Database
from .ids import new_id
from .models import AuditHead, Staff, Store, Tier
from .staff import SYSTEM_USERNAME, Role
from .audit import GENESIS

DEFAULT_STORE = ("S001", "总店", "Asia/Shanghai")

# The specification's tier table; thresholds are growth value in fen of spend
# over the window (¥1,000 / ¥5,000 / ¥20,000); keeping a tier needs 80 %.
DEFAULT_TIERS = [
    dict(code="regular", rank=0, name_zh="普通会员", name_en="Regular", threshold=0, retention=0,
         discount_pct=98, multiplier_permille=1000, monthly_events=0, colour="#8C8C8C", badge="regular",
         benefits_zh="98折", benefits_en="2% off"),
    dict(code="silver", rank=1, name_zh="银卡会员", name_en="Silver", threshold=100_000, retention=80_000,
         discount_pct=95, multiplier_permille=1200, monthly_events=1, colour="#9AA5B1", badge="silver",
         benefits_zh="95折 · 1.2倍积分 · 每月1次会员活动", benefits_en="5% off · 1.2× points · 1 member event a month"),
    dict(code="gold", rank=2, name_zh="金卡会员", name_en="Gold", threshold=500_000, retention=400_000,
         discount_pct=90, multiplier_permille=1500, monthly_events=2, colour="#D4A017", badge="gold",
         benefits_zh="9折 · 1.5倍积分 · 每月2次会员活动", benefits_en="10% off · 1.5× points · 2 member events a month"),
    dict(code="diamond", rank=3, name_zh="钻石会员", name_en="Diamond", threshold=2_000_000, retention=1_600_000,
         discount_pct=88, multiplier_permille=2000, monthly_events=4, colour="#4F7CFF", badge="diamond",
         benefits_zh="88折 · 2倍积分 · 专属高端服务", benefits_en="12% off · 2× points · high-value services"),
]


def ensure_defaults(db: Database) -> None:
    with db.write() as session:
        _ensure(session)


def _ensure(session: Session) -> None:
    now = utc_now()
    if session.scalar(select(Store.id).limit(1)) is None:
        store = Store(id=DEFAULT_STORE[0], name=DEFAULT_STORE[1], timezone=DEFAULT_STORE[2], created_at=now)
        session.add(store)
        session.flush()
    if session.scalar(select(Tier.id).limit(1)) is None:
        session.add_all(Tier(**t) for t in DEFAULT_TIERS)
    if session.scalar(select(Staff.id).where(Staff.username == SYSTEM_USERNAME)) is None:
        first_store = session.scalars(select(Store).order_by(Store.created_at)).first()
        assert first_store is not None
        session.add(Staff(id=new_id(), username=SYSTEM_USERNAME, display_name="System", role=Role.ADMIN.value,
                          secret_hash="!", store_id=first_store.id, active=True, failed_logins=0,
                          locked_until=None, created_at=now))
    session.flush()
    for staff_id in session.scalars(select(Staff.id)).all():
        if session.get(AuditHead, staff_id) is None:
            session.add(AuditHead(staff_id=staff_id, seq=0, hash=GENESIS))


def prepare(url: str | None = None) -> Database:
    """Open, migrate (with a backup of an SQLite file) and fill defaults."""
    db = Database.open(url)
    db.upgrade()
    ensure_defaults(db)
    return db
