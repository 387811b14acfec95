"""Changes an offline store's replica refuses: they need head office.

Everything head office is authoritative for flows down to the stores
(``pull.py``): members' profiles, status and hand-set tiers, the catalog,
campaigns, earning rules, tiers, wheels, sign-in rules, tasks, abuse rules,
staff accounts, settings and review cases. A store's replica only sends up the
facts it records. An edit of head office's data saved on the replica would be
overwritten by the next pull without anyone knowing, so the replica refuses
it, in words, before anything is written: the change is made at a till
connected to head office (an online desktop) or by head office.

The periodic jobs that write it for every member (``tiers.evaluate``,
``risk.scan``) are refused the same way. Every service writing such data
calls ``refuse_on_replica(session, area)`` first; ``REFUSALS`` names the areas (the desktop greys the same areas out).
"""
from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import DomainError
from ..models import SyncState


class ProfileNeedsHeadOffice(DomainError):
    template = ("Changing a member's details needs the connection to head office: this till works on the store's "
                "offline copy, which head office's data would overwrite. Make the change at a till connected to "
                "head office.")


class StatusNeedsHeadOffice(DomainError):
    template = ("Freezing or unfreezing a member needs the connection to head office: this till works on the "
                "store's offline copy. Ask head office or a till connected to it.")


class TierNeedsHeadOffice(DomainError):
    template = ("Changing a member's tier needs the connection to head office: this till works on the store's "
                "offline copy. Ask head office or a till connected to it.")


class CatalogNeedsHeadOffice(DomainError):
    template = ("Editing the catalog needs the connection to head office: this till works on the store's offline copy, "
                "which head office's data would overwrite. Make the change at a till connected to head office.")


class CampaignsNeedHeadOffice(DomainError):
    template = ("Changing campaigns needs the connection to head office: this till works on the store's offline copy, "
                "which head office's data would overwrite. Make the change at a till connected to head office.")


class RulesNeedHeadOffice(DomainError):
    template = ("Changing the points rules needs the connection to head office: this till works on the store's offline "
                "copy, which head office's data would overwrite. Make the change at a till connected to head office.")


class TierSetupNeedsHeadOffice(DomainError):
    template = ("Changing the tiers needs the connection to head office: this till works on the store's offline copy, "
                "which head office's data would overwrite. Make the change at a till connected to head office.")


class GamesNeedHeadOffice(DomainError):
    template = ("Setting up wheels, sign-in rules and tasks needs the connection to head office: this till works on "
                "the store's offline copy, which head office's data would overwrite. Make the change at a till "
                "connected to head office.")


class RiskRulesNeedHeadOffice(DomainError):
    template = ("Changing the abuse rules needs the connection to head office: this till works on the store's offline "
                "copy, which head office's data would overwrite. Make the change at a till connected to head office.")


class StaffNeedsHeadOffice(DomainError):
    template = ("Adding or changing staff accounts and passwords needs the connection to head office: this till works "
                "on the store's offline copy, which head office's data would overwrite. Make the change at a till "
                "connected to head office.")


class ReviewNeedsHeadOffice(DomainError):
    template = ("Deciding a review case needs the connection to head office: this till works on the store's offline "
                "copy, and the case would come back open with the next sync. Decide it at a till connected to head "
                "office.")


class TierEvaluationNeedsHeadOffice(DomainError):
    template = ("The monthly tier evaluation needs the connection to head office: this till works on the store's "
                "offline copy, whose tiers head office's data would overwrite. Tier-ups from purchases at this till "
                "still count.")


class AbuseScanNeedsHeadOffice(DomainError):
    template = ("The abuse scan needs the connection to head office: this till works on the store's offline copy and "
                "sees only its own store's earnings, and the cases it opened would stay on this computer.")


REFUSALS: dict[str, type[DomainError]] = {
    "profile": ProfileNeedsHeadOffice,
    "status": StatusNeedsHeadOffice,
    "tier": TierNeedsHeadOffice,
    "catalog": CatalogNeedsHeadOffice,
    "campaigns": CampaignsNeedHeadOffice,
    "rules": RulesNeedHeadOffice,
    "tiers": TierSetupNeedsHeadOffice,
    "games": GamesNeedHeadOffice,
    "risk": RiskRulesNeedHeadOffice,
    "staff": StaffNeedsHeadOffice,
    "reviews": ReviewNeedsHeadOffice,
    # Jobs rather than edits: they write head office's data (members' tiers, review cases) for every member.
    "tier_evaluation": TierEvaluationNeedsHeadOffice,
    "abuse_scan": AbuseScanNeedsHeadOffice,
}

# Engines known to be replicas. A database becomes a replica once (``attach_replica`` writes the state row) and
# never stops being one, so a positive answer is kept; a negative one is asked again (one read of a one-row table).
_replicas: "weakref.WeakSet[Any]" = weakref.WeakSet()


def is_replica(session: Session) -> bool:
    """True on an offline store's replica (an SQLite file ``attach_replica`` set up)."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    engine = getattr(bind, "engine", bind)
    if engine in _replicas:
        return True
    found = session.execute(select(SyncState.id).where(SyncState.id == 1)).first() is not None
    if found:
        _replicas.add(engine)
    return found


def refuse_on_replica(session: Session, change: str) -> None:
    """Raise the refusal for ``change`` (a key of ``REFUSALS``) on a replica; nothing otherwise."""
    refusal = REFUSALS[change]  # an unknown area is a programming error, on every database
    if is_replica(session):
        raise refusal()
