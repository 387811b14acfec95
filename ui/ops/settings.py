"""Tiers, earning rules, campaigns, staff accounts and the language, off the GUI thread.

Every write runs on the worker's write thread and then announces
``settings_changed`` so open views (settings tabs, member cards showing
tiers) reload. The core checks the actor's permission on every write.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from pointsmall import campaigns, rules, staff, tiers
from pointsmall.campaigns import CampaignView
from pointsmall.db import Database
from pointsmall.rules import Rules
from pointsmall.staff import Permission, Role, StaffView, StoreView
from pointsmall.tiers import TierView

from .. import i18n
from ..context import AppContext


@dataclass(frozen=True)
class TierSettings:
    tiers: list[TierView]
    rules: Rules  # for the tier basis and the growth window


@dataclass(frozen=True)
class CampaignSettings:
    campaigns: list[CampaignView]
    tiers: list[TierView]


@dataclass(frozen=True)
class StaffSettings:
    accounts: list[StaffView]
    stores: list[StoreView]


def _tier_settings(db: Database) -> TierSettings:
    with db.read() as session:
        return TierSettings(tiers.list_tiers(session), rules.load_rules(session))


def _rules(db: Database) -> Rules:
    with db.read() as session:
        return rules.load_rules(session)


def _campaign_settings(db: Database) -> CampaignSettings:
    with db.read() as session:
        return CampaignSettings(campaigns.list_campaigns(session), tiers.list_tiers(session))


def _staff_settings(db: Database, actor: staff.Actor) -> StaffSettings:
    staff.require(actor, Permission.STAFF_MANAGE)  # the staff list is for administrators only
    with db.read() as session:
        return StaffSettings(staff.list_staff(session), staff.list_stores(session))


async def load_tiers(ctx: AppContext) -> TierSettings:
    return await ctx.worker.read(_tier_settings)


async def load_rules(ctx: AppContext) -> Rules:
    return await ctx.worker.read(_rules)


async def load_campaigns(ctx: AppContext) -> CampaignSettings:
    return await ctx.worker.read(_campaign_settings)


async def load_staff(ctx: AppContext) -> StaffSettings:
    return await ctx.worker.read(_staff_settings, ctx.actor)


async def update_tier(ctx: AppContext, code: str, **changes: Any) -> TierView:
    view = await ctx.worker.write(tiers.update_tier, ctx.actor, code, **changes)
    ctx.changes.settings_changed.emit()
    return view


async def update_rules(ctx: AppContext, **changes: Any) -> Rules:
    result = await ctx.worker.write(rules.update_rules, ctx.actor, **changes)
    ctx.changes.settings_changed.emit()
    return result


async def save_campaign(ctx: AppContext, *, name: str, starts_on: date, ends_on: date, multiplier_permille: int,
                        tier_codes: tuple[str, ...], active: bool,
                        campaign_id: uuid.UUID | None = None) -> CampaignView:
    view = await ctx.worker.write(campaigns.save_campaign, ctx.actor, name=name, starts_on=starts_on,
                                  ends_on=ends_on, multiplier_permille=multiplier_permille, tier_codes=tier_codes,
                                  active=active, campaign_id=campaign_id)
    ctx.changes.settings_changed.emit()
    return view


async def create_staff(ctx: AppContext, *, username: str, display_name: str, role: Role, secret: str,
                       store_id: str | None = None) -> StaffView:
    view = await ctx.worker.write(staff.create_staff, ctx.actor, username=username, display_name=display_name,
                                  role=role, secret=secret, store_id=store_id)
    ctx.changes.settings_changed.emit()
    return view


async def update_staff(ctx: AppContext, staff_id: uuid.UUID, *, role: Role | None = None,
                       active: bool | None = None, secret: str | None = None) -> StaffView:
    view = await ctx.worker.write(staff.update_staff, ctx.actor, staff_id, role=role, active=active, secret=secret)
    ctx.changes.settings_changed.emit()
    return view


def change_language(ctx: AppContext, language: str) -> str:
    """Remember the language, switch the translator, and ask the main window to rebuild itself."""
    i18n.save_language(language)
    installed = i18n.install_language(language)
    ctx.changes.language_changed.emit(installed)
    return installed
