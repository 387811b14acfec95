"""Refusals and stops of the sync, in words a store manager can act on."""
from __future__ import annotations

from ..errors import DomainError


class SyncStopped(DomainError):
    """The sync met something it must not paper over; it stops until someone looks."""

    template = "The sync stopped: {reason}"


class EventContentMismatch(SyncStopped):
    template = ("The sync stopped: event {event} (number {seq}) of store {store} was already received with "
                "different content. Nothing was overwritten; call head office support.")


class OutboxOutOfStep(SyncStopped):
    template = ("The sync stopped: head office has event number {seq} of store {store} under another id. "
                "Was this computer restored from an old backup? Call head office support.")


class EventDamaged(SyncStopped):
    template = ("The sync stopped: event {event} arrived damaged (its content does not match its fingerprint). "
                "Nothing was applied; try again, and call head office support if it happens again.")


class ReplicaOfAnotherStore(SyncStopped):
    template = ("The sync stopped: this computer synced as store {before} before and now says it is store {now}. "
                "Check the store code in Settings → Database and sync; nothing was changed.")


class UnsentRecordsBlockCopy(SyncStopped):
    template = ("The sync stopped: this computer holds records head office has not received, and a full copy from "
                "head office would hide them. Sync them first, or call head office support.")


class RestoredFromBackup(SyncStopped):
    """Head office has more from this computer than it holds: an old copy (a restored backup)."""

    template = ("The sync stopped: this computer's copy is older than what head office already has from it (was it "
                "restored from a backup?), so records or changes since then could be missing. Nothing was changed; "
                "call head office support.")


class NotAReplica(DomainError):
    template = "This database is not set up as an offline store's replica; run the first sync from head office."


class ReplicaOfAnotherChain(DomainError):
    template = "This replica belongs to store {store}, which head office's database does not know."


class OfflineLimitReached(DomainError):
    """The floor limit of spending before head office has confirmed it."""

    template = ("Offline, a member can spend at most {cap} points a day before head office confirms them; "
                "this would make {spent}. Try again once the store is back online.")


class StoreOfflineLimitReached(DomainError):
    template = ("Offline, this store can take at most {cap} points before head office confirms them; "
                "this would make {spent}. Try again once the store is back online.")
