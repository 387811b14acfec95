"""Member changes an offline store's replica refuses: they need head office.

A member's profile, status and hand-set tier are decided at the chain and
flow down to the stores (``pull.py``); a store's replica only sends up the
facts it records. An edit saved on the replica would be overwritten by the
next pull without anyone knowing, so the replica refuses it, in words, before
anything is written: the cashier makes the change at a till connected to head
office (an online desktop) or asks head office to make it.
"""
from __future__ import annotations

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


REFUSALS: dict[str, type[DomainError]] = {
    "profile": ProfileNeedsHeadOffice,
    "status": StatusNeedsHeadOffice,
    "tier": TierNeedsHeadOffice,
}


def is_replica(session: Session) -> bool:
    """True on an offline store's replica (an SQLite file ``attach_replica`` set up)."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    return session.execute(select(SyncState.id).where(SyncState.id == 1)).first() is not None


def refuse_on_replica(session: Session, change: str) -> None:
    """Raise the refusal for ``change`` (``profile``, ``status``, ``tier``) on a replica; nothing otherwise."""
    if is_replica(session):
        raise REFUSALS[change]()
