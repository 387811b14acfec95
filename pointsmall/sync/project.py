"""Applying a store's events to the chain's own projections.

The store's facts keep their ids and content; what the chain decides is
recomputed here with the ledger's rules. A batch of events is applied in
memory over rows locked once (members in id order, items, wheels: the same
order as the online services), and written with a few multi-row
statements. A member's open lots are read only if the batch draws on them
(a spend, a reversal); they change only under the member's lock.

- A ledger entry gets the chain's next ``seq`` for the member and its
  ``balance_after``; a positive entry opens the lots the store opened (same
  ids and expiries), repaying any debt first; a negative one draws the
  chain's lots soonest-expiring first. Points spent at two offline stores
  are both honoured: the balance goes below zero, the member is flagged,
  and a ``sync_overspend`` case blocks redemption until a supervisor has
  looked (the negative balance already refuses any redemption).
- A stock entry gets the item's next ``seq``; stock taken offline beyond
  what was there is recorded as taken (the goods have left), a correction
  brings the count back to zero, and a ``sync_backorder`` case says what is
  owed.
- A sign-in (or bonus) for a day another store already signed is set aside
  whole (``sync_set_aside``), its points reversed by a compensating entry,
  with a ``sync_signin_twice`` case.
- A member registered offline with a phone or card another store
  registered is kept (its facts need it) with the phone marked, and a
  ``sync_member_merge`` case for a supervisor.
- A voucher (or prize) code another store drew too is moved to a fresh code
  at the chain and the store's write-offs of it translated
  (``claims.OnceOnly``, case ``sync_voucher_code``).
- Wheel draws are renumbered per member and day (and their run of misses
  counted across stores), and move the wheel's spins, budget and the
  segment's awarded count.
"""
from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ARRAY, String, Text, any_, bindparam, cast, func, insert, select, text, tuple_, update
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from .. import members as members_mod
from ..clock import utc_now
from ..ids import new_id
from ..ledger import lot_expiry
from ..models import (
    CatalogItem,
    Member,
    PointLot,
    ReviewCase,
    SignIn,
    SignInBonus,
    Staff,
    Wheel,
    WheelDraw,
    WheelSegment,
)
from ..rules import load_rules
from ..staff import SYSTEM_USERNAME
from . import codec
from .claims import HANDLED as ONCE_ONLY
from .claims import OnceOnly
from .prizes import PrizeLimits

# The order rows are written in: every foreign key points to an earlier table.
WRITE_ORDER = (
    "members", "member_search_terms", "purchases", "point_entries", "point_lots", "lot_draws", "refunds",
    "redemptions", "stock_entries", "vouchers", "redemption_cancellations", "voucher_write_offs", "sign_ins",
    "sign_in_bonuses", "wheel_draws", "prize_vouchers", "prize_voucher_write_offs", "referral_codes",
    "referrals", "task_claims", "review_cases", "review_subjects", "sync_set_aside", "voucher_code_moves",
)


@dataclass
class MemberState:
    id: uuid.UUID
    balance: int
    last_seq: int
    needs_review: bool
    review_reason: str | None
    new_row: dict[str, Any] | None = None  # registered in this batch: inserted at the end
    # Open lots (id, remaining, expires_on, new), soonest expiring first; None until the batch draws on them.
    lots: list[dict[str, Any]] | None = None
    fresh: list[dict[str, Any]] = field(default_factory=list)  # lots opened in this batch before they were read


@dataclass
class ItemState:
    id: uuid.UUID
    sku: str
    stock: int
    last_seq: int


class Projector:
    def __init__(self, session: Session, store_id: str, replica_id: uuid.UUID) -> None:
        self.session, self.store_id, self.replica_id = session, store_id, replica_id
        self.conn = session.connection()
        self.now = utc_now()
        self.members: dict[uuid.UUID, MemberState] = {}
        self.items: dict[uuid.UUID, ItemState] = {}
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.changed_lots: dict[uuid.UUID, dict[str, Any]] = {}
        self.conflicts: list[str] = []
        self.signed: set[tuple[uuid.UUID, date]] = set()
        self.bonuses: set[tuple[uuid.UUID, str, date, int]] = set()
        self.open_backorders: dict[str, uuid.UUID] = {}
        self.draw_seq: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
        self.day_seq: dict[tuple[uuid.UUID, uuid.UUID, date], int] = {}
        self.misses: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
        self.wheels: dict[uuid.UUID, list[int]] = {}  # spins, budget_spent
        self.segments: dict[tuple[uuid.UUID, int, int], int] = {}  # awarded
        self.taken_phones: set[str] = set()
        self.taken_cards: set[str] = set()
        self._system: uuid.UUID | None = None
        self._expiry_months: int | None = None
        self.prizes = PrizeLimits(self)  # wheel stock, budget and caps two stores can both pass
        self.once = OnceOnly(self)  # task rewards, referrals, receipts: keys two stores can both take

    # -- loading, all at once --------------------------------------------------

    def among(self, column: Any, values: Any) -> Any:
        """``column IN values``; on PostgreSQL ``column = ANY(array)``: one parameter however many values.

        An IN list of thousands of parameters made a new statement text each
        batch, which SQLAlchemy rendered and psycopg parsed again (a tenth of
        the push's CPU).
        """
        values = sorted(v for v in values if v is not None)  # NULL matches nothing
        if self.conn.dialect.name == "postgresql":
            # An untyped literal cast to a plain array type (text[], not varchar(64)[]): PostgreSQL reads it as a
            # constant when planning, so it estimates the matches and probes the index. Through a typed
            # parameter and a length cast it planned a scan of every purchase of the store, re-reading the
            # array for each row (73 s for 2,000 receipts).
            element = Text() if isinstance(column.type, String) else column.type
            return column == any_(cast(bindparam(None, codec.array_text(values), type_=NullType()), ARRAY(element)))
        return column.in_(values)

    def apply_batch(self, decoded: list[tuple[uuid.UUID, list[tuple[str, dict[str, Any]]]]]) -> list[int]:
        """Apply decoded events (``codec.decode_row``'s rows) in order; returns each event's number of conflicts."""
        self._preload([r for _, rows in decoded for r in rows])
        counts = []
        for event_id, rows in decoded:
            before = len(self.conflicts)
            self._apply(event_id, rows)
            counts.append(len(self.conflicts) - before)
        self._flush()
        return counts

    def _preload(self, rows: list[tuple[str, dict[str, Any]]]) -> None:
        by_table: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for name, row in rows:
            by_table[name].append(row)
        self.once.preload(by_table)
        new_members = {r["id"] for r in by_table["members"]}
        member_ids = {r["member_id"] for name, r in rows if "member_id" in r and r["member_id"] not in new_members}
        member_ids |= {r["friend_id"] for r in by_table["referrals"]} - new_members
        for m in self.conn.execute(select(Member.id, Member.balance, Member.last_entry_seq, Member.needs_review,
                                          Member.review_reason).where(self.among(Member.id, member_ids))
                                   .order_by(Member.id).with_for_update()).all():
            self.members[m.id] = MemberState(m.id, m.balance, m.last_entry_seq, m.needs_review, m.review_reason)
        # The open lots of the members who spend in this batch (awards do not read them; a member's lots only
        # change under the member's row lock, taken above, so they need no lock of their own).
        spenders = {r["member_id"] for r in by_table["point_entries"] if r["points"] < 0} & set(self.members)
        for m in spenders:
            self.members[m].lots = []
        if spenders:
            for lot in self.conn.execute(_OPEN_LOTS.where(self.among(PointLot.member_id, spenders))).all():
                self.members[lot.member_id].lots.append(dict(id=lot.id, remaining=lot.remaining,  # type: ignore
                                                             expires_on=lot.expires_on, new=False))
        if by_table["members"]:
            phones = [r["phone"] for r in by_table["members"]]
            cards = [r["card_code"] for r in by_table["members"]]
            taken = self.among(Member.phone, phones) | self.among(Member.card_code, cards)
            for phone, card in self.conn.execute(select(Member.phone, Member.card_code).where(taken)):
                self.taken_phones.add(phone)
                self.taken_cards.add(card)
        item_ids = sorted({r["item_id"] for r in by_table["stock_entries"]})
        for item in self.conn.execute(select(CatalogItem.id, CatalogItem.sku, CatalogItem.stock,
                                             CatalogItem.last_stock_seq).where(self.among(CatalogItem.id, item_ids))
                                      .order_by(CatalogItem.id).with_for_update()):
            self.items[item.id] = ItemState(item.id, item.sku, item.stock, item.last_stock_seq)
        if self.items:
            keys = [f"sync_backorder:{i.sku}" for i in self.items.values()]
            for key, case_id in self.conn.execute(select(ReviewCase.open_key, ReviewCase.id)
                                                  .where(self.among(ReviewCase.open_key, keys))):
                self.open_backorders[key] = case_id
        signers = sorted({r["member_id"] for r in by_table["sign_ins"]} - new_members)
        if signers:
            days = sorted({r["business_day"] for r in by_table["sign_ins"]})
            self.signed |= set(self.conn.execute(select(SignIn.member_id, SignIn.business_day)
                                                 .where(self.among(SignIn.member_id, signers),
                                                        self.among(SignIn.business_day, days))).all())
        bonus_members = sorted({r["member_id"] for r in by_table["sign_in_bonuses"]} - new_members)
        if bonus_members:
            self.bonuses |= set(self.conn.execute(
                select(SignInBonus.member_id, SignInBonus.kind, SignInBonus.period_start, SignInBonus.days)
                .where(self.among(SignInBonus.member_id, bonus_members))).all())
        draws = by_table["wheel_draws"]
        if draws:
            self._preload_wheels(draws)

    def _preload_wheels(self, draws: list[dict[str, Any]]) -> None:
        wheel_ids = sorted({d["wheel_id"] for d in draws})
        pairs = sorted({(d["wheel_id"], d["member_id"]) for d in draws})
        for wheel_id, spins, spent in self.conn.execute(select(Wheel.id, Wheel.spins, Wheel.budget_spent)
                                                        .where(self.among(Wheel.id, wheel_ids)).order_by(Wheel.id)
                                                        .with_for_update()):
            self.wheels[wheel_id] = [spins, spent]
        for w, v, i, awarded in self.conn.execute(
                select(WheelSegment.wheel_id, WheelSegment.version, WheelSegment.idx, WheelSegment.awarded)
                .where(self.among(WheelSegment.wheel_id, wheel_ids)).with_for_update()):
            self.segments[(w, v, i)] = awarded
        key = tuple_(WheelDraw.wheel_id, WheelDraw.member_id)
        for w, m, n in self.conn.execute(select(WheelDraw.wheel_id, WheelDraw.member_id, func.max(WheelDraw.member_seq))
                                         .where(key.in_(pairs)).group_by(WheelDraw.wheel_id, WheelDraw.member_id)):
            self.draw_seq[(w, m)] = n
        for w, m, d, n in self.conn.execute(
                select(WheelDraw.wheel_id, WheelDraw.member_id, WheelDraw.business_day, func.max(WheelDraw.day_seq))
                .where(key.in_(pairs)).group_by(WheelDraw.wheel_id, WheelDraw.member_id, WheelDraw.business_day)):
            self.day_seq[(w, m, d)] = n
        last = (select(WheelDraw.wheel_id, WheelDraw.member_id, WheelDraw.misses).where(key.in_(pairs))
                .order_by(WheelDraw.wheel_id, WheelDraw.member_id, WheelDraw.member_seq.desc())
                .distinct(WheelDraw.wheel_id, WheelDraw.member_id))
        for w, m, misses in self.conn.execute(last):
            self.misses[(w, m)] = misses
        self.prizes.load(draws)

    # -- one event -------------------------------------------------------------

    def _apply(self, event_id: uuid.UUID, rows: list[tuple[str, dict[str, Any]]]) -> None:
        lots_of: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
        for name, row in rows:
            if name == "point_lots":
                lots_of[row["entry_id"]].append(row)
        for name, row in rows:
            if name == "members":
                self._member(row)
            elif name == "point_entries":
                self.once.entry(row)
                self._entry(row, lots_of.get(row["id"], []))
            elif name == "point_lots":
                continue  # opened with their entry
            elif name == "stock_entries":
                self._stock(row)
            elif name == "sign_ins":
                self._sign_in(row)
            elif name == "sign_in_bonuses":
                self._bonus(row)
            elif name == "wheel_draws":
                self._draw(row)
            elif name in ONCE_ONLY:
                self.once.apply(name, row)
            else:
                self.rows[name].append(row)
        self.once.end_event()

    def _member(self, row: dict[str, Any]) -> None:
        row = dict(row, balance=0, last_entry_seq=0, needs_review=False, review_reason=None)
        clash = row["phone"] in self.taken_phones or row["card_code"] in self.taken_cards
        if clash:
            original_phone, original_card = row["phone"], row["card_code"]
            if row["phone"] in self.taken_phones:
                row["phone"] = _marked(row["phone"], row["id"], 20, self.taken_phones)
            if row["card_code"] in self.taken_cards:
                row["card_code"] = _marked(row["card_code"], row["id"], 24, self.taken_cards)
        self.taken_phones.add(row["phone"])
        self.taken_cards.add(row["card_code"])
        self.members[row["id"]] = MemberState(row["id"], 0, 0, False, None, new_row=row, lots=[])
        self.rows["members"].append(row)
        self.rows["member_search_terms"] += [dict(term=t, member_id=row["id"])
                                             for t in members_mod.search_terms(row["name"])]
        if clash:
            self._case("sync_member_merge", row["id"], f"registered offline at store {self.store_id} with the "
                       f"phone or card of another member: merge or correct",
                       {"phone": original_phone, "card": original_card}, ref=f"sync_member_merge:{row['id'].hex}",
                       subjects=[("member", row["id"].hex, 0)])

    def _entry(self, row: dict[str, Any], store_lots: list[dict[str, Any]]) -> None:
        m = self.members[row["member_id"]]
        points = row["points"]
        row["seq"], row["balance_after"] = m.last_seq + 1, m.balance + points
        self.rows["point_entries"].append(row)
        if points > 0:
            lots = [(lot["id"], lot["points"], lot["expires_on"]) for lot in store_lots]
            if sum(size for _, size, _ in lots) != points:
                # The store opened no lots (cannot happen with ledger.post): one lot as the chain's rules say.
                lots = [(row["id"], points, lot_expiry(row["business_day"], self._expiry()))]
            debt = max(0, -m.balance)
            for lot_id, size, expires_on in sorted(lots, key=lambda lot: lot[2]):
                repay = min(size, debt)
                debt -= repay
                lot_row = dict(id=lot_id, entry_id=row["id"], member_id=m.id, points=size, remaining=size - repay,
                               expires_on=expires_on)
                self.rows["point_lots"].append(lot_row)
                if repay:
                    self.rows["lot_draws"].append(dict(entry_id=row["id"], lot_id=lot_id, points=repay))
                if lot_row["remaining"]:
                    (m.fresh if m.lots is None else m.lots).append(
                        dict(id=lot_id, remaining=lot_row["remaining"], expires_on=expires_on, new=True, row=lot_row))
            if m.lots is not None:
                m.lots.sort(key=_soonest)
        else:
            needed, taken = -points, 0
            lots = self._open_lots(m)
            for lot in lots:
                if taken == needed:
                    break
                take = min(lot["remaining"], needed - taken)
                if take == 0:
                    continue
                lot["remaining"] -= take
                taken += take
                if lot["new"]:
                    lot["row"]["remaining"] = lot["remaining"]
                else:
                    self.changed_lots[lot["id"]] = lot
                self.rows["lot_draws"].append(dict(entry_id=row["id"], lot_id=lot["id"], points=take))
            m.lots = [lot for lot in lots if lot["remaining"] > 0]
            if taken < needed:
                m.needs_review = True
                m.review_reason = "points spent at two stores while offline"
                self._case("sync_overspend", m.id, f"spent {needed} points offline at store {self.store_id} with "
                           f"only {taken} left at head office: balance {row['balance_after']}",
                           {"entry": row["id"].hex, "needed": needed, "available": taken,
                            "balance": row["balance_after"]},
                           ref=f"sync_overspend:{row['id'].hex}", block=True,
                           subjects=[("entry", row["id"].hex, points)])
        m.balance, m.last_seq = row["balance_after"], row["seq"]

    def _open_lots(self, m: MemberState) -> list[dict[str, Any]]:
        """The member's open lots, soonest expiring first; read now if the batch had not read them."""
        if m.lots is None:
            stored = [dict(id=lot.id, remaining=lot.remaining, expires_on=lot.expires_on, new=False)
                      for lot in self.conn.execute(_OPEN_LOTS.where(PointLot.member_id == m.id))]
            m.lots, m.fresh = sorted(stored + m.fresh, key=_soonest), []
        return m.lots

    def _stock(self, row: dict[str, Any]) -> None:
        item = self.items[row["item_id"]]
        self._move_stock(item, row)
        if item.stock >= 0 or row["quantity"] >= 0:
            return
        # Taken offline beyond what was there: the goods have left. A correction brings the count back
        # to zero (nothing is on the shelf) and the backorder case says what is owed.
        short = -item.stock
        correction = dict(id=new_id(), item_id=item.id, kind="correction", quantity=short,
                          reason=f"backorder: {short} taken offline at store {self.store_id} beyond stock"[:200],
                          redemption_id=None, staff_id=self._system_staff(), store_id=self.store_id,
                          occurred_at=self.now)
        self._move_stock(item, correction)
        key = f"sync_backorder:{item.sku}"
        subject = ("stock_entry", row["id"].hex, 0)
        if key in self.open_backorders:
            self.rows["review_subjects"].append(dict(case_id=self.open_backorders[key], ref_kind=subject[0],
                                                     ref_id=subject[1], points=0, added_at=self.now))
            self.conflicts.append(f"sync_backorder: {item.sku} short by {short} more")
            return
        self.open_backorders[key] = self._case(
            "sync_backorder", None, f"item {item.sku} was taken offline at store {self.store_id} beyond its "
            f"stock: {short} to send", {"item": item.sku, "short": short, "correction": correction["id"].hex},
            ref=f"sync_backorder:{row['id'].hex}", open_key=key, subjects=[subject])

    def _move_stock(self, item: ItemState, row: dict[str, Any]) -> None:
        row["seq"], row["stock_after"] = item.last_seq + 1, item.stock + row["quantity"]
        item.stock, item.last_seq = row["stock_after"], row["seq"]
        self.rows["stock_entries"].append(row)

    def _sign_in(self, row: dict[str, Any]) -> None:
        key = (row["member_id"], row["business_day"])
        if key not in self.signed:
            self.signed.add(key)
            self.rows["sign_ins"].append(row)
            return
        reversal = [(row["entry_id"], -row["points"])] if row["points"] else []
        if row["cost"]:
            reversal.append((row["cost_entry_id"], row["cost"]))
        self._set_aside("sign_ins", row, "sync_signin_twice",
                        f"signed in for {row['business_day']} at store {self.store_id} and at another store "
                        "the same day: the second sign-in's points are reversed", reversal)

    def _bonus(self, row: dict[str, Any]) -> None:
        key = (row["member_id"], row["kind"], row["period_start"], row["days"])
        if key not in self.bonuses:
            self.bonuses.add(key)
            self.rows["sign_in_bonuses"].append(row)
            return
        self._set_aside("sign_in_bonuses", row, "sync_signin_twice",
                        f"a sign-in bonus for {row['period_start']} was paid at store {self.store_id} and at "
                        "another store: the second is reversed", [(row["entry_id"], -row["points"])])

    def _set_aside(self, table: str, row: dict[str, Any], kind: str, reason: str,
                   reversal: list[tuple[uuid.UUID, int]]) -> None:
        case_id = self._case(kind, row["member_id"], reason, {"table": table, "id": row["id"].hex},
                             ref=f"{kind}:{row['id'].hex}", subjects=[(table[:-1][:16], row["id"].hex, 0)])
        for entry_id, points in reversal:
            self._compensate(row["member_id"], points, f"reverses entry {entry_id.hex}: {reason}"[:200],
                             row, entry_id)
        self.rows["sync_set_aside"].append(dict(id=row["id"].hex, tbl=table,
                                                payload=codec.canonical(codec.encode_row(row)),
                                                entry_id=row.get("entry_id") or row.get("cost_entry_id"),
                                                case_id=case_id,
                                                store_id=self.store_id, received_at=self.now))

    def _compensate(self, member_id: uuid.UUID, points: int, note: str, fact: dict[str, Any],
                    reversed_entry: uuid.UUID) -> None:
        entry_id = new_id()
        row = dict(id=entry_id, member_id=member_id, kind="adjust", points=points, reason_category="sync",
                   note=note, reference=reversed_entry.hex, purchase_id=None, staff_id=self._system_staff(),
                   approved_by=None, store_id=self.store_id, occurred_at=self.now,
                   business_day=fact.get("made_on") or fact.get("period_end") or fact["business_day"], idem_key=None)
        lots = [dict(id=entry_id, points=points, expires_on=lot_expiry(row["business_day"], self._expiry()))]
        self._entry(row, lots if points > 0 else [])

    def _draw(self, row: dict[str, Any]) -> None:
        pair = (row["wheel_id"], row["member_id"])
        day = (row["wheel_id"], row["member_id"], row["business_day"])
        row["member_seq"] = self.draw_seq[pair] = self.draw_seq.get(pair, 0) + 1
        row["day_seq"] = self.day_seq[day] = self.day_seq.get(day, 0) + 1
        # Spins in a row without a prize count across stores, like the sequence numbers.
        row["misses"] = self.misses[pair] = self.misses.get(pair, 0) + 1 if row["prize_kind"] == "nothing" else 0
        counters = self.wheels[row["wheel_id"]]
        counters[0] += 1
        counters[1] += row["value_points"]
        segment = (row["wheel_id"], row["version"], row["segment_index"])
        self.segments[segment] = self.segments.get(segment, 0) + 1
        self.rows["wheel_draws"].append(row)
        self.prizes.check(row, self.segments[segment], counters[1])  # honoured; a case if past a limit

    # -- review cases ------------------------------------------------------------

    def _case(self, kind: str, member_id: uuid.UUID | None, reason: str, details: dict[str, Any], *, ref: str,
              subjects: list[tuple[str, str, int]], block: bool = False, open_key: str | None = None) -> uuid.UUID:
        case_id = new_id()
        self.rows["review_cases"].append(dict(
            id=case_id, kind=kind, member_id=member_id, status="open", reason=reason[:200],
            details=json.dumps(dict(details, store=self.store_id), ensure_ascii=False, sort_keys=True),
            rule_id=None, block_redeem=block, ref_key=ref[:128], open_key=open_key, opened_by=self._system_staff(),
            store_id=self.store_id, opened_at=self.now, updated_at=self.now))
        self.rows["review_subjects"] += [dict(case_id=case_id, ref_kind=k, ref_id=i, points=p, added_at=self.now)
                                         for k, i, p in subjects]
        self.conflicts.append(f"{kind}: {reason}")
        return case_id

    def _system_staff(self) -> uuid.UUID:
        if self._system is None:
            self._system = self.conn.execute(select(Staff.id).where(Staff.username == SYSTEM_USERNAME)).scalar_one()
        return self._system

    def _expiry(self) -> int:
        if self._expiry_months is None:
            self._expiry_months = load_rules(self.session).expiry_months
        return self._expiry_months

    # -- writing -------------------------------------------------------------------

    def _flush(self) -> None:
        for m in self.members.values():
            if m.new_row is not None:
                m.new_row.update(balance=m.balance, last_entry_seq=m.last_seq, needs_review=m.needs_review,
                                 review_reason=m.review_reason)
        order = list(WRITE_ORDER) + sorted(set(self.rows) - set(WRITE_ORDER))
        for name in order:
            if self.rows.get(name):
                self.insert_rows(name, self.rows[name])
        existing = [m for m in self.members.values() if m.new_row is None]
        if existing:
            self.update_rows("members", "id", [
                ("balance", "int", [m.balance for m in existing]),
                ("last_entry_seq", "int", [m.last_seq for m in existing]),
                ("needs_review", "boolean", [m.needs_review for m in existing]),
                ("review_reason", "text", [m.review_reason for m in existing]),
            ], [m.id for m in existing], same={"updated_at": self.now})
        if self.changed_lots:
            self.update_rows("point_lots", "id", [("remaining", "int", [lot["remaining"] for lot in
                                                                     self.changed_lots.values()])],
                         list(self.changed_lots))
        if self.items:
            items = list(self.items.values())
            self.update_rows("catalog_items", "id", [("stock", "int", [i.stock for i in items]),
                                                 ("last_stock_seq", "int", [i.last_seq for i in items])],
                             [i.id for i in items], same={"updated_at": self.now})
        if self.wheels:
            self.update_rows("wheels", "id", [("spins", "int", [v[0] for v in self.wheels.values()]),
                                          ("budget_spent", "int", [v[1] for v in self.wheels.values()])],
                             list(self.wheels), same={"updated_at": self.now})
            segs = codec.table("wheel_segments")
            self.conn.execute(update(segs).where(segs.c.wheel_id == bindparam("w"), segs.c.version == bindparam("v"),
                                                 segs.c.idx == bindparam("i")).values(awarded=bindparam("a")),
                              [dict(w=w, v=v, i=i, a=a) for (w, v, i), a in self.segments.items()])

    def insert_rows(self, name: str, rows: list[dict[str, Any]]) -> None:
        """Rows into a table: COPY on PostgreSQL (one round trip for thousands of rows)."""
        if self.conn.dialect.name != "postgresql":
            self.conn.execute(insert(codec.table(name)), rows)
            return
        present = set().union(*rows)
        columns = [c.name for c in codec.table(name).columns if c.name in present]
        raw = self.conn.connection.driver_connection
        types = _column_types(raw, name)
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([types[c] for c in columns])
                for row in rows:
                    copy.write_row([row.get(c) for c in columns])

    def update_rows(self, table: str, key: str, columns: list[tuple[str, str, list[Any]]], keys: list[Any], *,
                    same: dict[str, Any] | None = None) -> None:
        """Many rows' new values in one statement (PostgreSQL: unnest of arrays; elsewhere row by row).

        ``same`` sets columns to one value for every row (``updated_at``).
        """
        same = same or {}
        if self.conn.dialect.name != "postgresql":
            t = codec.table(table)
            self.conn.execute(update(t).where(t.c[key] == bindparam("_k"))
                              .values({name: bindparam(f"_{name}") for name, _, _ in columns}, **same),
                              [dict({"_k": k}, **{f"_{name}": values[i] for name, _, values in columns})
                               for i, k in enumerate(keys)])
            return
        arrays = ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind, _ in columns)
        names = ", ".join(name for name, _, _ in columns)
        sets = ", ".join([f"{name} = v.{name}" for name, _, _ in columns] + [f"{name} = :_same_{name}" for name in same])
        sql = (f"UPDATE {table} SET {sets} FROM unnest(CAST(:_keys AS uuid[]), {arrays}) AS v(_key, {names}) "
               f"WHERE {table}.{key} = v._key")
        params = {name: codec.array_text(values) for name, _, values in columns}
        params["_keys"] = codec.array_text(keys)
        self.conn.execute(text(sql), dict(params, **{f"_same_{name}": value for name, value in same.items()}))


_TYPES: dict[str, dict[str, str]] = {}


def _column_types(raw: Any, table: str) -> dict[str, str]:
    """The PostgreSQL type of each column of ``table`` (a binary COPY names them), read once per process."""
    found = _TYPES.get(table)
    if found is None:
        found = _TYPES[table] = dict(raw.execute(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
            "WHERE attrelid = CAST(%s AS regclass) AND attnum > 0 AND NOT attisdropped", (table,)).fetchall())
    return found


_OPEN_LOTS = (select(PointLot.id, PointLot.member_id, PointLot.remaining, PointLot.expires_on)
              .where(PointLot.remaining > 0).order_by(PointLot.member_id, PointLot.expires_on, PointLot.id))


def _soonest(lot: dict[str, Any]) -> tuple[Any, Any]:
    return lot["expires_on"], lot["id"]


def _marked(value: str, member_id: uuid.UUID, width: int, taken: set[str]) -> str:
    """``value#<random part of the id>``: unique, and plainly not a real phone or card."""
    digits = member_id.hex
    room = max(4, width - len(value) - 1)
    for start in range(len(digits) - room, -1, -1):  # the random end of a UUIDv7 first
        candidate = f"{value}#{digits[start:start + room]}"[:width]
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"no free marked value for {value}")
