"""Wheel prizes won offline beyond what the chain had: honoured, recorded, reviewed (issue 6 × 5).

Each offline replica only knows its own draws, so two stores can both hand
out the last prize of a limited segment, spend past the wheel's budget, or
let one member spin past the daily or total cap. The prize has already left
(points credited, a voucher issued), so the chain keeps every draw as the
store made it, counts it on the segment and the wheel, and opens one review
case per segment (``sync_prize_oversold``), per wheel
(``sync_wheel_over_budget``) and per member and wheel (``sync_wheel_over_cap``)
whose subjects are the draws beyond the limit. ``pointsmall check`` accepts a
segment beyond its stock, a wheel beyond its budget and a draw beyond a cap
only when those draws are such subjects; a single database that oversells
is still caught.
"""
from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..models import ReviewCase, Wheel, WheelSegment, WheelVersion

if TYPE_CHECKING:
    from .project import Projector

OVERSOLD = "sync_prize_oversold"
OVER_BUDGET = "sync_wheel_over_budget"
OVER_CAP = "sync_wheel_over_cap"
KINDS = (OVERSOLD, OVER_BUDGET, OVER_CAP)


class PrizeLimits:
    """The stock, budget and caps of the wheels a batch's draws touch, and the open cases about them."""

    def __init__(self, projector: Projector) -> None:
        self.p = projector
        self.stock: dict[tuple[uuid.UUID, int, int], int | None] = {}
        self.budget: dict[uuid.UUID, int | None] = {}
        self.caps: dict[tuple[uuid.UUID, int], tuple[int | None, int | None]] = {}  # daily, total
        self.open: dict[str, uuid.UUID] = {}

    def load(self, draws: list[dict[str, Any]]) -> None:
        conn = self.p.conn
        wheel_ids = sorted({d["wheel_id"] for d in draws})
        for w, v, i, stock in conn.execute(select(WheelSegment.wheel_id, WheelSegment.version, WheelSegment.idx,
                                                  WheelSegment.stock).where(self.p.among(WheelSegment.wheel_id, wheel_ids))):
            self.stock[(w, v, i)] = stock
        for w, budget in conn.execute(select(Wheel.id, WheelVersion.budget)
                                      .join(WheelVersion, (WheelVersion.wheel_id == Wheel.id)
                                            & (WheelVersion.version == Wheel.version))
                                      .where(self.p.among(Wheel.id, wheel_ids))):
            self.budget[w] = budget
        for w, v, daily, total in conn.execute(select(WheelVersion.wheel_id, WheelVersion.version,
                                                      WheelVersion.daily_cap, WheelVersion.total_cap)
                                               .where(self.p.among(WheelVersion.wheel_id, wheel_ids))):
            self.caps[(w, v)] = (daily, total)
        keys = ([f"{OVERSOLD}:{w.hex}:{v}:{i}" for (w, v, i), stock in self.stock.items() if stock is not None]
                + [f"{OVER_BUDGET}:{w.hex}" for w, budget in self.budget.items() if budget is not None]
                + sorted({f"{OVER_CAP}:{d['wheel_id'].hex}:{d['member_id'].hex}" for d in draws}))
        for key, case_id in conn.execute(select(ReviewCase.open_key, ReviewCase.id)
                                         .where(self.p.among(ReviewCase.open_key, keys))):
            self.open[key] = case_id

    def check(self, row: dict[str, Any], awarded: int, spent: int) -> None:
        """After the draw was counted: a case for each limit it went past."""
        wheel_id, version, idx = row["wheel_id"], row["version"], row["segment_index"]
        stock = self.stock.get((wheel_id, version, idx))
        if stock is not None and row["prize_kind"] != "nothing" and awarded > stock:
            self._subject(OVERSOLD, f"{OVERSOLD}:{wheel_id.hex}:{version}:{idx}", row, None,
                          f"wheel prize (segment {idx}) won offline at store {self.p.store_id} beyond its stock "
                          f"of {stock}", {"wheel": wheel_id.hex, "version": version, "segment": idx, "stock": stock})
        budget = self.budget.get(wheel_id)
        if budget is not None and row["value_points"] > 0 and spent > budget:
            self._subject(OVER_BUDGET, f"{OVER_BUDGET}:{wheel_id.hex}", row, None,
                          f"wheel prizes won offline at store {self.p.store_id} beyond the wheel's budget of {budget}",
                          {"wheel": wheel_id.hex, "budget": budget})
        daily, total = self.caps.get((wheel_id, version), (None, None))
        if (daily is not None and row["day_seq"] > daily) or (total is not None and row["member_seq"] > total):
            self._subject(OVER_CAP, f"{OVER_CAP}:{wheel_id.hex}:{row['member_id'].hex}", row, row["member_id"],
                          f"spins at two stores offline went past the wheel's cap (daily {daily}, total {total})",
                          {"wheel": wheel_id.hex, "daily_cap": daily, "total_cap": total,
                           "day": _day(row["business_day"])})

    def _subject(self, kind: str, key: str, row: dict[str, Any], member_id: uuid.UUID | None, reason: str,
                 details: dict[str, Any]) -> None:
        subject = ("wheel_draw", row["id"].hex, 0)
        if key in self.open:
            self.p.rows["review_subjects"].append(dict(case_id=self.open[key], ref_kind=subject[0],
                                                       ref_id=subject[1], points=subject[2], added_at=self.p.now))
            self.p.conflicts.append(f"{kind}: {reason}")
            return
        self.open[key] = self.p._case(kind, member_id, reason, details, ref=f"{kind}:{row['id'].hex}", open_key=key,
                                      subjects=[subject])


def _day(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
