"""Identifiers made where an event happens.

UUIDv7 sorts by creation time, so ids made offline at a store later merge
into the chain's database in a stable order and a retried upload carries the
same id as the first attempt.
"""
from __future__ import annotations

import uuid

import uuid6


def new_id() -> uuid.UUID:
    """A fresh UUIDv7 as a standard-library ``uuid.UUID``."""
    return uuid.UUID(int=uuid6.uuid7().int)
