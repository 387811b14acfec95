"""Campaigns: points multipliers for a date window and some tiers.

"双11 Gold members earn 5x" is a campaign from 11-01 to 11-11 for the gold
tier with multiplier 5000 (thousandths). Campaigns active on the purchase's
business day multiply together with the base rate and the tier multiplier.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from . import audit
from .clock import utc_now
from .db import Database
from .errors import NotFound, ValidationError
from .ids import new_id
from .models import Campaign, Tier
from .staff import Actor, Permission, require


@dataclass(frozen=True)
class CampaignView:
    id: uuid.UUID
    name: str
    starts_on: date
    ends_on: date
    multiplier_permille: int
    tier_codes: tuple[str, ...]  # empty: every tier
    active: bool


def _view(c: Campaign | Row[Any]) -> CampaignView:
    codes = tuple(x for x in c.tier_codes.split(",") if x)
    return CampaignView(c.id, c.name, c.starts_on, c.ends_on, c.multiplier_permille, codes, c.active)


_ACTIVE_ON = select(Campaign.id, Campaign.name, Campaign.starts_on, Campaign.ends_on, Campaign.multiplier_permille,
                    Campaign.tier_codes, Campaign.active) \
    .where(Campaign.active, Campaign.starts_on <= bindparam("day"), Campaign.ends_on >= bindparam("day"))


def active_on(session: Session, day: date, tier_code: str) -> list[CampaignView]:
    # Plain rows through the connection: every award asks.
    rows = session.connection().execute(_ACTIVE_ON, {"day": day})
    return [v for v in map(_view, rows) if not v.tier_codes or tier_code in v.tier_codes]


def list_campaigns(session: Session) -> list[CampaignView]:
    return [_view(c) for c in session.scalars(select(Campaign).order_by(Campaign.starts_on.desc()))]


def _validate(session: Session, name: str, starts_on: date, ends_on: date, multiplier_permille: int,
              tier_codes: tuple[str, ...]) -> str:
    name = name.strip()
    if not name or len(name) > 64:
        raise ValidationError("A campaign needs a name of at most 64 characters.", field="name")
    if ends_on < starts_on:
        raise ValidationError("The campaign ends before it starts.", field="ends_on")
    if not 1000 < multiplier_permille <= 20_000:
        raise ValidationError("A campaign multiplies points by more than 1x and at most 20x.",
                              field="multiplier")
    known = set(session.scalars(select(Tier.code)))
    unknown = [c for c in tier_codes if c not in known]
    if unknown:
        raise ValidationError("Unknown tier: {code}", field="tiers", code=", ".join(unknown))
    return name


def save_campaign(db: Database, actor: Actor, *, name: str, starts_on: date, ends_on: date,
                  multiplier_permille: int, tier_codes: tuple[str, ...] = (), active: bool = True,
                  campaign_id: uuid.UUID | None = None) -> CampaignView:
    """Create a campaign, or change one when ``campaign_id`` is given."""
    require(actor, Permission.CAMPAIGN_CONFIGURE)
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "campaigns")  # head office's data: a replica's edit would be overwritten
        name = _validate(session, name, starts_on, ends_on, multiplier_permille, tier_codes)
        if campaign_id is None:
            c = Campaign(id=new_id(), created_at=now)
            session.add(c)
            before = None
        else:
            found = session.get(Campaign, campaign_id, with_for_update=True)
            if found is None:
                raise NotFound("No such campaign.")
            c = found
            before = _view(c).__dict__ | {"id": str(c.id)}
        c.name, c.starts_on, c.ends_on = name, starts_on, ends_on
        c.multiplier_permille, c.tier_codes, c.active = multiplier_permille, ",".join(tier_codes), active
        session.flush()
        view = _view(c)
        audit.record(session, actor, "campaign.save", "campaign", c.id, before, view.__dict__ | {"id": str(c.id)}, now)
        return view
