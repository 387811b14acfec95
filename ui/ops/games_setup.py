"""The games' rules off the GUI thread: the sign-in schedule, the wheels, tasks and abuse rules.

Reads run beside the writer; every write runs on the worker's write thread
and then announces ``games_changed`` so the games setup page, and the
counter's games, reload. The core checks ``GAMES_CONFIGURE`` on every write.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pointsmall import catalog, risk, signin, tasks, tiers, wheel_setup
from pointsmall.catalog import ItemView
from pointsmall.db import Database
from pointsmall.risk import RiskRuleDraft, RiskRuleView
from pointsmall.signin import SigninRules
from pointsmall.staff import Actor
from pointsmall.tasks import TaskDraft, TaskView
from pointsmall.tiers import TierView
from pointsmall.wheel_setup import WheelDraft, WheelView

from ..context import AppContext

T = TypeVar("T")


@dataclass(frozen=True)
class SigninSettings:
    rules: SigninRules
    tiers: list[TierView]  # to say what the tier multiplier gives each tier


@dataclass(frozen=True)
class WheelListing:
    wheels: list[WheelView]
    tiers: list[TierView]  # free spins are set per tier
    items: list[ItemView]  # catalog items a segment can give


def _signin_settings(db: Database) -> SigninSettings:
    with db.read() as session:
        return SigninSettings(signin.load_signin_rules(session), tiers.list_tiers(session))


async def _change(ctx: AppContext, service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a games-rules service as the signed-in staff member on the write thread, then announce the change."""
    result = await ctx.worker.write(service, ctx.actor, *args, **kwargs)
    ctx.changes.games_changed.emit()
    return result


async def load_signin(ctx: AppContext) -> SigninSettings:
    return await ctx.worker.read(_signin_settings)


async def update_signin_rules(ctx: AppContext, **changes: Any) -> SigninRules:
    return await _change(ctx, signin.update_signin_rules, **changes)


def _wheel_listing(db: Database, actor: Actor) -> WheelListing:
    """The wheels, the tiers, and the items a prize can be: those on sale, and any a wheel gives already."""
    wheels = wheel_setup.list_wheels(db, actor)
    with db.read() as session:
        items = catalog.list_items(session, active_only=True)
        offered = {i.id for i in items}
        given = {s.item_id for w in wheels for s in w.segments if s.item_id is not None} - offered
        items += [catalog.get_item(session, item_id) for item_id in sorted(given)]
        return WheelListing(wheels, tiers.list_tiers(session), items)


async def load_wheels(ctx: AppContext) -> WheelListing:
    return await ctx.worker.read(_wheel_listing, ctx.actor)


async def save_wheel(ctx: AppContext, draft: WheelDraft, wheel_id: uuid.UUID | None = None) -> WheelView:
    """Publish a new wheel, or a new version of ``wheel_id``."""
    return await _change(ctx, wheel_setup.save_wheel, draft, wheel_id=wheel_id)


async def set_wheel_active(ctx: AppContext, wheel_id: uuid.UUID, active: bool) -> WheelView:
    return await _change(ctx, wheel_setup.set_wheel_active, wheel_id, active)


async def load_tasks(ctx: AppContext) -> list[TaskView]:
    return await ctx.worker.read(tasks.list_tasks, ctx.actor)


async def save_task(ctx: AppContext, draft: TaskDraft, task_id: uuid.UUID | None = None) -> TaskView:
    """Create a task, or change ``task_id`` (rewards already paid stand)."""
    if task_id is None:
        return await _change(ctx, tasks.create_task, draft)
    return await _change(ctx, tasks.update_task, task_id, draft)


async def set_task_active(ctx: AppContext, task_id: uuid.UUID, active: bool) -> TaskView:
    return await _change(ctx, tasks.set_task_active, task_id, active)


async def load_risk_rules(ctx: AppContext) -> list[RiskRuleView]:
    return await ctx.worker.read(risk.list_rules, ctx.actor)


async def save_risk_rule(ctx: AppContext, draft: RiskRuleDraft, rule_id: uuid.UUID | None = None) -> RiskRuleView:
    """Create an abuse rule, or change ``rule_id`` (cases it opened keep what they were opened with)."""
    if rule_id is None:
        return await _change(ctx, risk.create_rule, draft)
    return await _change(ctx, risk.update_rule, rule_id, draft)


async def set_risk_rule_active(ctx: AppContext, rule_id: uuid.UUID, active: bool) -> RiskRuleView:
    return await _change(ctx, risk.set_rule_active, rule_id, active)
