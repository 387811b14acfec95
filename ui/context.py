"""What every screen needs: the database worker, who is logged in, and the change bus."""
from __future__ import annotations

from dataclasses import dataclass, field

from pointsmall.db import Database
from pointsmall.staff import Actor, Permission
from pointsmall.sync.guard import is_replica

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
    # An offline store's replica: head office's data is not edited here (ui/head_office.py). Read once, when the
    # window is built: a database does not turn into a replica while it is open.
    replica: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        i18n.use_store_timezone(self.actor.store_tz)
        with self.db.read() as session:
            self.replica = is_replica(session)

    def can(self, permission: Permission) -> bool:
        return self.actor.can(permission)
