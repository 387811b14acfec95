"""The offline floor limit, and the balance a cashier sees at an offline store.

Like a card terminal's floor limit, spending that head office has not
confirmed yet is a bounded risk. The replica's balance already is the last
confirmed balance minus what is pending (the ledger refuses to go below it).
On top, head office may cap (setting ``offline_floor``, pulled like every
setting):

- ``member_day_cap``: points one member may spend at this store in a
  business day before head office has confirmed them;
- ``store_outage_cap``: points the whole store may take before its next
  successful sync;
- ``off_stores``: stores where these caps are switched off.

Checked just before a replica's write transaction commits, over the rows
the capture triggers recorded in it, so no service can spend around it; a
refusal rolls the whole transaction back with a message for the cashier.
"""
from __future__ import annotations

import json
import uuid
import weakref
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from .. import audit
from ..clock import utc_now
from ..db import Database
from ..errors import NotFound, ValidationError
from ..models import Member, Setting, SyncPending
from ..staff import Actor, Permission, require
from .errors import OfflineLimitReached, StoreOfflineLimitReached
from .guard import refuse_on_replica

SETTING = "offline_floor"
SPEND_KINDS = ("redeem", "wheel_cost", "signin_makeup_cost")


@dataclass(frozen=True)
class FloorLimits:
    member_day_cap: int | None = None
    store_outage_cap: int | None = None
    off_stores: tuple[str, ...] = ()

    def applies_to(self, store_id: str) -> bool:
        return store_id not in self.off_stores and (self.member_day_cap is not None
                                                     or self.store_outage_cap is not None)


@dataclass(frozen=True)
class ReplicaBalance:
    """What the till shows: ``confirmed`` by head office, plus ``pending`` local entries."""

    member_id: uuid.UUID
    confirmed: int
    pending: int
    pending_entries: int

    @property
    def balance(self) -> int:
        return self.confirmed + self.pending

    @property
    def is_pending(self) -> bool:
        return self.pending_entries > 0


def replica_balance(session: Session, member_id: uuid.UUID) -> ReplicaBalance:
    balance = session.scalar(select(Member.balance).where(Member.id == member_id))
    if balance is None:
        raise NotFound("No such member.")
    pending, n = session.execute(
        select(func.coalesce(func.sum(SyncPending.amount), 0), func.count())
        .where(SyncPending.kind == "points", SyncPending.key_id == member_id.hex)).one()
    return ReplicaBalance(member_id, int(balance) - int(pending), int(pending), int(n))


def load_limits(session: Session) -> FloorLimits:
    raw = session.scalar(select(Setting.value).where(Setting.key == SETTING))
    if raw is None:
        return FloorLimits()
    data = json.loads(raw)
    return FloorLimits(data.get("member_day_cap"), data.get("store_outage_cap"), tuple(data.get("off_stores", ())))


def set_limits(db: Database, actor: Actor, limits: FloorLimits) -> FloorLimits:
    """Head office's caps on offline spending (run on the chain; stores pull them)."""
    require(actor, Permission.RULES_CONFIGURE)
    for cap in (limits.member_day_cap, limits.store_outage_cap):
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or not 0 <= cap <= 10_000_000):
            raise ValidationError("An offline cap is a whole number of points from 0 to 10,000,000, or none.",
                                  field="offline_floor")
    value = json.dumps({"member_day_cap": limits.member_day_cap, "store_outage_cap": limits.store_outage_cap,
                        "off_stores": sorted(limits.off_stores)}, sort_keys=True)
    with db.write() as session:
        refuse_on_replica(session, "rules")  # a store must not loosen its own floor limit offline
        row = session.get(Setting, SETTING)
        before = row.value if row else None
        if row is None:
            session.add(Setting(key=SETTING, value=value))
        else:
            row.value = value
        audit.record(session, actor, "settings.offline_floor", "setting", SETTING, {"value": before},
                     {"value": value}, utc_now())
    return limits


_checked: "weakref.WeakSet[Any]" = weakref.WeakSet()


def install_floor_check(db: Database, store_id: str) -> None:
    """Check the caps before every write transaction on this replica commits."""
    engine = db.write_engine
    if engine in _checked:
        return
    _checked.add(engine)

    @event.listens_for(Session, "before_commit")
    def _before_commit(session: Session) -> None:
        if session.bind is not engine:  # another database (or a session bound elsewhere): not this replica
            return
        check_pending_spend(session, store_id)


def check_pending_spend(session: Session, store_id: str) -> None:
    """Refuse when this transaction's spending takes a cap over; silent when no cap applies."""
    conn = session.connection()
    spends = conn.exec_driver_sql(
        "SELECT pe.member_id, pe.business_day FROM sync_captured c JOIN point_entries pe ON pe.id = c.row_key "
        "WHERE c.tbl = 'point_entries' AND c.txn = (SELECT txn FROM sync_state WHERE id = 1) AND pe.points < 0 "
        "AND pe.kind IN ('redeem', 'wheel_cost', 'signin_makeup_cost')").all()
    if not spends:
        return
    limits = load_limits(session)
    if not limits.applies_to(store_id):
        return
    spent = select(func.coalesce(-func.sum(SyncPending.amount), 0)).where(
        SyncPending.kind == "points", SyncPending.amount < 0, SyncPending.entry_kind.in_(SPEND_KINDS))
    if limits.store_outage_cap is not None:
        total = int(session.scalar(spent) or 0)
        if total > limits.store_outage_cap:
            raise StoreOfflineLimitReached(cap=limits.store_outage_cap, spent=total)
    if limits.member_day_cap is not None:
        for member_hex, day in {(m, d) for m, d in spends}:
            total = int(session.scalar(spent.where(SyncPending.key_id == member_hex,
                                                   SyncPending.business_day == date.fromisoformat(day))) or 0)
            if total > limits.member_day_cap:
                raise OfflineLimitReached(cap=limits.member_day_cap, spent=total)
