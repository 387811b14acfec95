"""Demo tasks and abuse rules: what an operator would set up on day one.

Daily: a store visit (signing in counts) and sharing the store on WeChat
Moments; growth: the first purchase, a complete profile, a birthday-month
visit; a challenge: invite friends. Two abuse rules watch for members who
collect task rewards or game points unusually fast. Created through the
services as the demo operator, only when the database has no tasks or
rules yet.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from . import risk, tasks
from .db import Database
from .models import RiskRule, Task
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
