"""Awarding, refunding and adjusting points, off the GUI thread."""
from __future__ import annotations

import uuid

from pointsmall import adjustments, purchases, rules
from pointsmall.adjustments import AdjustResult, Approval
from pointsmall.db import Database
from pointsmall.purchases import AwardResult, RefundResult

from ..context import AppContext


async def award(ctx: AppContext, member_id: uuid.UUID, receipt_no: str, amount_fen: int) -> AwardResult:
    result = await ctx.worker.write(purchases.award_for_purchase, ctx.actor, member_id=member_id,
                                    receipt_no=receipt_no, amount_fen=amount_fen)
    ctx.changes.member_changed.emit(member_id)
    return result


async def refund(ctx: AppContext, receipt_no: str, refund_no: str, amount_fen: int) -> RefundResult:
    result = await ctx.worker.write(purchases.refund_purchase, ctx.actor, receipt_no=receipt_no,
                                    refund_no=refund_no, amount_fen=amount_fen)
    ctx.changes.member_changed.emit(result.member_id)
    return result


async def adjust(ctx: AppContext, member_id: uuid.UUID, points: int, reason_category: str, note: str,
                 approval: Approval | None, request_id: str) -> AdjustResult:
    result = await ctx.worker.write(adjustments.adjust_points, ctx.actor, member_id=member_id, points=points,
                                    reason_category=reason_category, note=note, approval=approval,
                                    request_id=request_id)
    ctx.changes.member_changed.emit(member_id)
    return result


def _adjust_limit(db: Database) -> int:
    with db.read() as session:
        return rules.load_rules(session).adjust_limit


async def adjust_limit(ctx: AppContext) -> int:
    """Above this many points an adjustment needs a second staff member's approval."""
    return await ctx.worker.read(_adjust_limit)
