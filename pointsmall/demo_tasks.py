"""Demo tasks and abuse rules: what an operator would set up on day one.

Daily: a store visit (signing in counts) and sharing the store on WeChat
Moments; growth: the first purchase, a complete profile, a birthday-month
visit; a challenge: invite friends. Two abuse rules watch for members who
collect task rewards or game points unusually fast. Created through the
services as the demo operator, only when the database has no tasks or
rules yet.

``create_demo_referrals`` then plays one story at the counter, just now: a
member with her birthday this month claims the profile, birthday-month and
sharing tasks, and two friends she invited make their first purchases. Her
game points within the hour pass the points rule, so the review queue has
a case to show (a flag, not a block).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from . import purchases, referrals, risk, tasks
from .clock import business_day, utc_now
from .db import Database
from .errors import Conflict
from .models import Member, Purchase, Referral, RiskRule, Task, TaskClaim
from .staff import Actor

# name, kind, trigger, points, times, description
TASKS = [
    ("到店打卡", "daily", "visit", 5, 1, "每天到店签到或在收银台登记一次"),
    ("分享朋友圈", "daily", "custom", 8, 1, "把门店活动分享到朋友圈，给收银员看一眼"),
    ("首次消费", "growth", "first_purchase", 100, 1, "第一次消费后自动发放"),
    ("完善资料", "growth", "profile", 50, 1, "补充生日后自动发放"),
    ("生日月到店", "growth", "birthday_month", 200, 1, "生日当月到店领取，每年一次"),
    ("邀请好友", "challenge", "referral", 150, 10, "好友凭邀请码注册并首次消费后发放，最多 10 位"),
]
# name, metric, window minutes, threshold, block redeeming
RULES = [
    ("任务领取过快", "task_claims", 60, 5, True),
    ("游戏积分过快", "points", 60, 500, False),
]


@dataclass(frozen=True)
class DemoTasks:
    tasks: int
    rules: int


def create_demo_tasks(db: Database, operator: Actor) -> DemoTasks:
    with db.read() as session:
        have_tasks = session.scalar(select(func.count()).select_from(Task)) or 0
        have_rules = session.scalar(select(func.count()).select_from(RiskRule)) or 0
    made_tasks = made_rules = 0
    if not have_tasks:
        for order, (name, kind, trigger, points, times, description) in enumerate(TASKS):
            tasks.create_task(db, operator, tasks.TaskDraft(name=name, kind=kind, trigger=trigger, points=points,
                                                            times=times, description=description, sort_order=order))
            made_tasks += 1
    if not have_rules:
        for name, metric, window, threshold, block in RULES:
            risk.create_rule(db, operator, risk.RiskRuleDraft(name=name, metric=metric, window_minutes=window,
                                                              threshold=threshold, block_redeem=block))
            made_rules += 1
    return DemoTasks(made_tasks, made_rules)


def create_demo_referrals(db: Database, cashier: Actor) -> int:
    """The story above with demo members (none are added); returns the task points it paid the host.

    The friends are the two newest members who have not bought anything
    yet; the host, the first member by card code who joined before them and
    has her birthday this month. Without such members (a tiny demo), or when
    the story was played already, nothing happens.
    """
    today = business_day(utc_now(), cashier.store_tz)
    with db.read() as session:
        if session.scalar(select(func.count()).select_from(Referral)):
            return 0
        bought = select(Purchase.id).where(Purchase.member_id == Member.id).exists()
        newest = session.execute(select(Member.id, Member.created_at).where(Member.status == "active", ~bought)
                                 .order_by(Member.created_at.desc(), Member.id.desc()).limit(2)).all()
        if len(newest) < 2:
            return 0
        friends = [row.id for row in newest]
        hosts = session.execute(select(Member.id, Member.birthday).where(
            Member.status == "active", Member.birthday.is_not(None), Member.created_at < newest[-1].created_at)
            .order_by(Member.card_code)).all()
        host = next((row for row in hosts if row.birthday.month == today.month), None)
        if host is None:
            return 0
    by_trigger = {t.trigger: t for t in tasks.list_tasks(db, cashier, include_inactive=False)}
    paid = 0
    for trigger in ("profile", "birthday_month", "custom"):
        if trigger in by_trigger:
            try:
                paid += tasks.claim(db, cashier, host.id, by_trigger[trigger].id).points
            except Conflict:  # done already, or changed by an operator: the story goes on without it
                pass
    code = referrals.referral_code(db, cashier, host.id)
    for n, friend in enumerate(friends, start=1):
        referrals.register_referral(db, cashier, friend, code)
        purchases.award_for_purchase(db, cashier, member_id=friend, receipt_no=f"DEMO-REF-{n}", amount_fen=8_800)
    with db.read() as session:
        return paid + (session.scalar(select(func.coalesce(func.sum(TaskClaim.points), 0)).where(
            TaskClaim.referral_friend_id.is_not(None), TaskClaim.member_id == host.id)) or 0)
