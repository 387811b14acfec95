"""What every screen needs: the database worker, who is logged in, and the change bus."""
from __future__ import annotations

from dataclasses import dataclass

from pointsmall.db import Database
from pointsmall.staff import Actor, Permission

from . import i18n
from .changes import Changes
from .worker import Worker


@dataclass
class AppContext:
    db: Database
    worker: Worker
    actor: Actor
    changes: Changes
    language: str = "zh_CN"

    def __post_init__(self) -> None:
        i18n.use_store_timezone(self.actor.store_tz)

    def can(self, permission: Permission) -> bool:
        return self.actor.can(permission)
