"""The chain's once-only keys that two offline stores (or two tills) can both take.

A store checks its limits against what it can see: its own facts and what
the chain sent down. Two stores working offline can therefore each take a
key that is unique at the chain. None of these stops the sync; each is a
business conflict with its own path (``Projector`` calls these checks):

- a task reward (``task_claims``: task, member, period, slot): the reward
  takes the next free slot of the period when the task's limit allows it
  (both are honoured); past the limit it is set aside whole, a compensating
  entry reverses its points and a ``sync_task_twice`` case says so;
- a referral reward paid twice for one friend (task, friend), or paid to a
  member who is not the friend's referrer at the chain: the same, kind
  ``sync_referral_twice``;
- a friend referred at two stores (``referrals``, one per friend): the first
  referral to arrive stands, the second is set aside with a
  ``sync_referral_twice`` case;
- a member's referral code made at two stores (one code per member) or a
  code another member holds at the chain: the chain keeps one code per
  member (making a fresh one when needed) and the store's referrals point to
  it; a ``sync_referral_code`` case tells which code the member now has;
- a receipt awarded at two tills of one store (store, receipt number): the
  second purchase is kept with its number marked (``R123#a1b2``), its points
  reversed, case ``sync_receipt_twice``; a later refund of that purchase is
  reversed too (its points were taken back already); a refund number used twice is
  marked and a case opened, the points left as the refund moved them;
- a ledger entry's once-only key (``idem_key``: an import row, a review's
  take-back) used at two places: kept with the key marked, its points
  reversed, case ``sync_entry_twice``;
- a voucher or prize-voucher code (unique across both tables at the chain)
  drawn at two offline stores, or twice in one batch: the first to arrive
  keeps it; the other store's voucher is inserted with a fresh code the
  chain does not hold (its redemption or draw unchanged), the move is
  recorded in ``voucher_code_moves`` (the issuing till, the store's code,
  kind) -> the chain's code, and a ``sync_voucher_code`` case says so. That
  till's write-offs of its code (only the till that issued a voucher holds
  it), in this push or a later one, are translated with the move, so they
  never land on another till's or store's voucher.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from ..models import (
    PointEntry,
    PrizeVoucher,
    Purchase,
    Redemption,
    Referral,
    ReferralCode,
    Refund,
    ReviewCase,
    ReviewSubject,
    TaskClaim,
    Voucher,
    VoucherCodeMove,
)
from ..vouchers import new_code
from . import codec

if TYPE_CHECKING:
    from .project import Projector

REFERRAL_BODY = 7  # pointsmall.referrals.BODY (imported there from the UI-facing module)
HANDLED = frozenset({"task_claims", "referrals", "referral_codes", "purchases", "refunds", "vouchers",
                     "prize_vouchers", "voucher_write_offs", "prize_voucher_write_offs"})
VOUCHER_KIND = {"vouchers": "mall", "prize_vouchers": "prize", "voucher_write_offs": "mall",
                "prize_voucher_write_offs": "prize"}  # voucher_code_moves.kind, as handover.Source


class OnceOnly:
    def __init__(self, projector: Projector) -> None:
        self.p = projector
        self.slots: dict[tuple[uuid.UUID, uuid.UUID, str], set[int]] = defaultdict(set)
        self.friend_paid: set[tuple[uuid.UUID, uuid.UUID]] = set()
        self.referrer_of: dict[uuid.UUID, uuid.UUID] = {}
        self.code_of: dict[uuid.UUID, str] = {}  # member -> the code the chain keeps
        self.code_owner: dict[str, uuid.UUID] = {}
        self.receipts: set[tuple[str, str]] = set()
        self.refund_nos: set[tuple[str, str]] = set()
        self.idem_keys: set[str] = set()
        self.reverse_after: list[tuple[dict[str, Any], str, uuid.UUID]] = []  # (entry row, reason, case)
        self.reverse_purchase: dict[uuid.UUID, tuple[str, uuid.UUID]] = {}  # receipts awarded twice
        self.voucher_codes: set[str] = set()  # of this batch's codes, those the chain holds; then this batch's
        self.moved: dict[tuple[str, str], str] = {}  # this store's (kind, store's code) -> the chain's code

    # -- loading -------------------------------------------------------------------------------

    def preload(self, by_table: dict[str, list[dict[str, Any]]]) -> None:
        conn = self.p.conn
        claims = by_table.get("task_claims", [])
        if claims:
            keys = {(c["task_id"], c["member_id"], c["period"]) for c in claims}
            # Plain IN lists (a row-value IN list is not matched to the unique index), filtered here.
            for t, m, period, slot in conn.execute(select(TaskClaim.task_id, TaskClaim.member_id, TaskClaim.period,
                                                          TaskClaim.slot)
                                                   .where(self.p.among(TaskClaim.member_id, {k[1] for k in keys}),
                                                          self.p.among(TaskClaim.task_id, {k[0] for k in keys}))):
                if (t, m, period) in keys:
                    self.slots[(t, m, period)].add(slot)
        friends = sorted({c["referral_friend_id"] for c in claims if c["referral_friend_id"]}
                         | {r["friend_id"] for r in by_table.get("referrals", [])})
        if friends:
            self.friend_paid |= set(conn.execute(select(TaskClaim.task_id, TaskClaim.referral_friend_id)
                                                 .where(self.p.among(TaskClaim.referral_friend_id, friends))).all())
            self.referrer_of.update(conn.execute(select(Referral.friend_id, Referral.referrer_id)
                                                 .where(self.p.among(Referral.friend_id, friends))).all())
        code_rows = by_table.get("referral_codes", [])
        owners = sorted({r["member_id"] for r in code_rows} | {r["referrer_id"] for r in by_table.get("referrals", [])})
        codes = sorted({r["code"] for r in code_rows})
        if owners or codes:
            for code, member_id in conn.execute(select(ReferralCode.code, ReferralCode.member_id).where(
                    self.p.among(ReferralCode.member_id, owners) | self.p.among(ReferralCode.code, codes))):
                self.code_of[member_id], self.code_owner[code] = code, member_id
        self._preload_numbers(by_table)
        self._preload_vouchers(by_table)

    def _preload_numbers(self, by_table: dict[str, list[dict[str, Any]]]) -> None:
        conn = self.p.conn
        for model, table, column, found in ((Purchase, "purchases", "receipt_no", self.receipts),
                                            (Refund, "refunds", "refund_no", self.refund_nos)):
            wanted: dict[str, set[str]] = defaultdict(set)
            for r in by_table.get(table, []):
                wanted[r["store_id"]].add(r[column])
            number = getattr(model, column)
            for store_id, numbers in wanted.items():
                if conn.dialect.name == "postgresql":
                    # One probe of the unique (store, number) index per number, whatever the planner's statistics
                    # say: with a store's row count underestimated, "= ANY" read all of its purchases instead.
                    found |= {(store_id, n) for n in conn.scalars(text(
                        f"SELECT wanted.n FROM unnest(CAST(:numbers AS text[])) AS wanted(n) CROSS JOIN LATERAL "
                        f"(SELECT 1 FROM {table} t WHERE t.store_id = :store AND t.{column} = wanted.n LIMIT 1) AS hit"),
                        {"numbers": codec.array_text(sorted(numbers)), "store": store_id})}
                else:
                    found |= {(store_id, n) for n in conn.scalars(select(number).where(
                        model.store_id == store_id, number.in_(numbers)))}
        refunded = sorted({r["purchase_id"].hex for r in by_table.get("refunds", [])})
        if refunded:  # refunds of a purchase whose receipt was awarded twice (its award reversed already)
            for ref_id, case_id in conn.execute(
                    select(ReviewSubject.ref_id, ReviewCase.id).join(ReviewCase, ReviewCase.id == ReviewSubject.case_id)
                    .where(ReviewCase.kind == "sync_receipt_twice", ReviewSubject.ref_kind == "purchase",
                           self.p.among(ReviewSubject.ref_id, refunded))):
                self.reverse_purchase[uuid.UUID(ref_id)] = ("", case_id)
        idem = sorted({r["idem_key"] for r in by_table.get("point_entries", []) if r.get("idem_key")})
        if idem:
            self.idem_keys |= set(conn.scalars(select(PointEntry.idem_key).where(self.p.among(PointEntry.idem_key, idem))))

    def _preload_vouchers(self, by_table: dict[str, list[dict[str, Any]]]) -> None:
        """Which of the batch's voucher codes the chain holds (either table), and this store's moved codes."""
        conn = self.p.conn
        codes = ({r["code"] for r in by_table.get("vouchers", [])}
                 | {r["code"] for r in by_table.get("prize_vouchers", [])})
        if codes:
            for model in (Voucher, PrizeVoucher):  # one code is never used by both tables (handover.py)
                self.voucher_codes |= set(conn.scalars(select(model.code).where(self.p.among(model.code, codes))))
        written_off = ({r["voucher_code"] for r in by_table.get("voucher_write_offs", [])}
                       | {r["voucher_code"] for r in by_table.get("prize_voucher_write_offs", [])})
        if written_off:
            for kind, store_code, code in conn.execute(
                    select(VoucherCodeMove.kind, VoucherCodeMove.store_code, VoucherCodeMove.code)
                    .where(VoucherCodeMove.replica_id == self.p.replica_id,
                           self.p.among(VoucherCodeMove.store_code, written_off))):
                self.moved[(kind, store_code)] = code

    # -- one row -------------------------------------------------------------------------------

    def apply(self, name: str, row: dict[str, Any]) -> None:
        getattr(self, f"_{name}")(row)

    def entry(self, row: dict[str, Any]) -> None:
        """Before the projector applies a ledger entry: its once-only key, if another place used it.

        The award of a receipt awarded twice is reversed at the event's end too.
        """
        twice = self.reverse_purchase.get(row.get("purchase_id"))  # type: ignore[arg-type]
        if twice is not None and row["kind"] == "earn" and row["points"] > 0:
            self.reverse_after.append((row, twice[0], twice[1]))
        elif twice is not None and row["kind"] == "refund_reversal":
            # The purchase's award was reversed already: its refund must not take the points a second time.
            self.reverse_after.append((row, "a refund of a receipt whose second award was reversed", twice[1]))
        key = row.get("idem_key")
        if not key:
            return
        if key not in self.idem_keys:
            self.idem_keys.add(key)
            return
        row["idem_key"] = _mark(key, row["id"], 128, self.idem_keys)
        self.idem_keys.add(row["idem_key"])
        reason = (f"entry {key} was made at store {self.p.store_id} and at another place while offline: "
                  "its points are reversed")
        case = self.p._case("sync_entry_twice", row["member_id"], reason, {"entry": row["id"].hex, "key": key},
                            ref=f"sync_entry_twice:{row['id'].hex}", subjects=[("entry", row["id"].hex, 0)])
        self.reverse_after.append((row, reason, case))

    def end_event(self) -> None:
        """After an event's entries are applied: reverse the ones a conflict of this event named."""
        for row, reason, _case in self.reverse_after:
            if row["points"]:
                self.p._compensate(row["member_id"], -row["points"], f"reverses entry {row['id'].hex}: {reason}"[:200],
                                   row, row["id"])
        self.reverse_after = []

    def _task_claims(self, row: dict[str, Any]) -> None:
        friend = row["referral_friend_id"]
        if friend is not None:
            wrong = self.referrer_of.get(friend, row["member_id"]) != row["member_id"]
            if (row["task_id"], friend) in self.friend_paid or wrong:
                self._set_aside_claim(row, "sync_referral_twice",
                                      f"a referral reward for the same friend was paid at store {self.p.store_id} "
                                      "and at another store: the second is reversed")
                return
        used = self.slots[(row["task_id"], row["member_id"], row["period"])]
        if row["slot"] in used:
            free = [s for s in range(1, row["times"] + 1) if s not in used]
            if not free:
                self._set_aside_claim(row, "sync_task_twice",
                                      f"a task reward for {row['period']} was paid at store {self.p.store_id} and "
                                      "at another store beyond the task's limit: the second is reversed")
                return
            row["slot"] = free[0]  # both stores' rewards fit in the limit: honoured, numbered at the chain
        used.add(row["slot"])
        if friend is not None:
            self.friend_paid.add((row["task_id"], friend))
        self.p.rows["task_claims"].append(row)

    def _set_aside_claim(self, row: dict[str, Any], kind: str, reason: str) -> None:
        case = self.p._case(kind, row["member_id"], reason, {"table": "task_claims", "id": row["id"].hex,
                                                             "task": row["task_id"].hex, "period": row["period"]},
                            ref=f"{kind}:{row['id'].hex}", subjects=[("task_claim", row["id"].hex, 0)])
        if row["points"]:
            self.p._compensate(row["member_id"], -row["points"], f"reverses entry {row['entry_id'].hex}: {reason}"[:200],
                               row, row["entry_id"])
        self._keep("task_claims", row["id"].hex, row, row["entry_id"], case)

    def _referrals(self, row: dict[str, Any]) -> None:
        friend = row["friend_id"]
        if friend in self.referrer_of:
            first = self.referrer_of[friend]
            case = self.p._case("sync_referral_twice", friend,
                                f"this friend was referred at store {self.p.store_id} and at another store: the "
                                "first referral stands", {"referrer": row["referrer_id"].hex, "first": first.hex},
                                ref=f"sync_referral_twice:{friend.hex}:{row['referrer_id'].hex}",
                                subjects=[("member", row["referrer_id"].hex, 0)])
            self._keep("referrals", f"{friend.hex}:{row['referrer_id'].hex}", row, None, case)
            return
        self.referrer_of[friend] = row["referrer_id"]
        row["code"] = self._chain_code(row["referrer_id"], row["code"])
        self.p.rows["referrals"].append(row)

    def _referral_codes(self, row: dict[str, Any]) -> None:
        member, code = row["member_id"], row["code"]
        if member not in self.code_of and code not in self.code_owner:
            self.code_of[member], self.code_owner[code] = code, member
            self.p.rows["referral_codes"].append(row)
            return
        kept = self._chain_code(member, code)
        case = self.p._case("sync_referral_code", member,
                            f"referral code {code} made at store {self.p.store_id} is not this member's at head "
                            f"office; the member's code is {kept}", {"store_code": code, "code": kept},
                            ref=f"sync_referral_code:{code}:{member.hex}", subjects=[("member", member.hex, 0)])
        self._keep("referral_codes", f"{code}:{member.hex}", row, None, case)

    def _chain_code(self, member: uuid.UUID, code: str) -> str:
        """The code the chain keeps for ``member``: its own, the store's if free, or a fresh one."""
        if member in self.code_of:
            return self.code_of[member]
        while code in self.code_owner:
            candidate = new_code(REFERRAL_BODY)
            if self.p.conn.scalar(select(ReferralCode.code).where(ReferralCode.code == candidate)) is None:
                code = candidate
        self.code_of[member], self.code_owner[code] = code, member
        self.p.rows["referral_codes"].append(dict(code=code, member_id=member, created_at=self.p.now))
        return code

    def _purchases(self, row: dict[str, Any]) -> None:
        key = (row["store_id"], row["receipt_no"])
        if key not in self.receipts:
            self.receipts.add(key)
            self.p.rows["purchases"].append(row)
            return
        number = row["receipt_no"]
        row["receipt_no"] = _mark(number, row["id"], 64, {r for s, r in self.receipts if s == row["store_id"]})
        self.receipts.add((row["store_id"], row["receipt_no"]))
        self.p.rows["purchases"].append(row)
        reason = f"receipt {number} was awarded at two tills of store {row['store_id']}: the second award is reversed"
        case = self.p._case("sync_receipt_twice", row["member_id"], reason,
                            {"receipt": number, "purchase": row["id"].hex},
                            ref=f"sync_receipt_twice:{row['id'].hex}", subjects=[("purchase", row["id"].hex, 0)])
        self.reverse_purchase[row["id"]] = (reason, case)

    def _refunds(self, row: dict[str, Any]) -> None:
        key = (row["store_id"], row["refund_no"])
        if key in self.refund_nos:
            number = row["refund_no"]
            row["refund_no"] = _mark(number, row["id"], 64, {r for s, r in self.refund_nos if s == row["store_id"]})
            self.p._case("sync_refund_twice", row["member_id"],
                         f"refund number {number} was used at two tills of store {row['store_id']}: check both refunds",
                         {"refund": number, "id": row["id"].hex}, ref=f"sync_refund_twice:{row['id'].hex}",
                         subjects=[("refund", row["id"].hex, 0)])
        self.refund_nos.add((row["store_id"], row["refund_no"]))
        self.p.rows["refunds"].append(row)

    def _vouchers(self, row: dict[str, Any]) -> None:
        self._voucher("vouchers", row)

    def _prize_vouchers(self, row: dict[str, Any]) -> None:
        self._voucher("prize_vouchers", row)

    def _voucher(self, table: str, row: dict[str, Any]) -> None:
        code = row["code"]
        if code not in self.voucher_codes:
            self.voucher_codes.add(code)
            self.p.rows[table].append(row)
            return
        kind = VOUCHER_KIND[table]
        row["code"] = fresh = self._fresh_voucher_code()
        self.voucher_codes.add(fresh)
        self.p.rows[table].append(row)
        if kind == "mall":
            member, subject = self._redeemer(row["redemption_id"]), ("redemption", row["redemption_id"].hex, 0)
        else:
            member, subject = row["member_id"], ("wheel_draw", row["draw_id"].hex, 0)
        store = self.p.store_id
        case = self.p._case("sync_voucher_code", member,
                            f"{'voucher' if kind == 'mall' else 'prize'} code {code} was drawn at store {store} and "
                            f"at another store while offline: at head office it is {fresh}; the slip's code still "
                            f"works at store {store}", {"kind": kind, "store_code": code, "code": fresh},
                            ref=f"sync_voucher_code:{subject[1]}", subjects=[subject])
        if (kind, code) in self.moved or self.p.conn.scalar(select(VoucherCodeMove.code).where(
                VoucherCodeMove.replica_id == self.p.replica_id, VoucherCodeMove.store_code == code,
                VoucherCodeMove.kind == kind)) is not None:
            # This till drew the code twice and both were moved (codes are unique at a till, so only across
            # its two tables): the first move translates its write-offs (the case above is for the supervisor).
            return
        self.moved[(kind, code)] = fresh
        self.p.rows["voucher_code_moves"].append(dict(replica_id=self.p.replica_id, store_id=store, store_code=code,
                                                      kind=kind, code=fresh, case_id=case, moved_at=self.p.now))

    def _fresh_voucher_code(self) -> str:
        """A code neither this batch nor the chain holds (a clash is rare: one look-up per clash)."""
        while True:
            code = new_code()
            if code in self.voucher_codes:
                continue
            if all(self.p.conn.scalar(select(model.code).where(model.code == code)) is None
                   for model in (Voucher, PrizeVoucher)):
                return code

    def _redeemer(self, redemption_id: uuid.UUID) -> uuid.UUID | None:
        """The member of a redemption: in this batch (its voucher is in the same event), else at the chain."""
        for r in reversed(self.p.rows["redemptions"]):
            if r["id"] == redemption_id:
                return r["member_id"]  # type: ignore[no-any-return]
        return self.p.conn.scalar(select(Redemption.member_id).where(Redemption.id == redemption_id))

    def _voucher_write_offs(self, row: dict[str, Any]) -> None:
        self._write_off("voucher_write_offs", row)

    def _prize_voucher_write_offs(self, row: dict[str, Any]) -> None:
        self._write_off("prize_voucher_write_offs", row)

    def _write_off(self, table: str, row: dict[str, Any]) -> None:
        """A write-off of the code on the member's slip: of this store's voucher, wherever the chain moved it."""
        moved = self.moved.get((VOUCHER_KIND[table], row["voucher_code"]))
        if moved is not None:
            row["voucher_code"] = moved
        self.p.rows[table].append(row)

    def _keep(self, table: str, key: str, row: dict[str, Any], entry_id: uuid.UUID | None, case: uuid.UUID) -> None:
        self.p.rows["sync_set_aside"].append(dict(id=key[:64], tbl=table, payload=codec.canonical(codec.encode_row(row)),
                                                  entry_id=entry_id, case_id=case, store_id=self.p.store_id,
                                                  received_at=self.p.now))


def _mark(value: str, row_id: uuid.UUID, width: int, taken: set[str]) -> str:
    """``value#<random part of the id>``: unique, and plainly a marked copy."""
    digits = row_id.hex
    room = max(4, min(12, width - len(value) - 1))
    for start in range(len(digits) - room, -1, -1):
        candidate = f"{value[:width - room - 1]}#{digits[start:start + room]}"
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"no free marked value for {value}")
