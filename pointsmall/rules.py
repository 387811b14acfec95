"""The earning and tier rules an operator configures, with their defaults.

Stored as one JSON value per key in ``settings``; read fresh in every
operation (a handful of rows) so a change made at one till applies at all.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .clock import utc_now
from .db import Database
from .errors import ValidationError
from .models import Setting
from .staff import Actor, Permission, require

TIER_BASES = ("spend", "points")


@dataclass(frozen=True)
class Rules:
    # Points per ¥1 of spend before tier and campaign multipliers, in
    # thousandths (1000 = 1 point per yuan), so no float ever touches money.
    base_rate_permille: int = 1000
    expiry_months: int = 24  # points expire at the end of the month this many months after earning
    tier_basis: str = "spend"  # growth value (成长值): spend in fen, or points earned
    tier_window_months: int = 12  # the rolling window growth is counted over
    adjust_limit: int = 500  # above this, an adjustment needs a second staff member
    max_purchase_fen: int = 10_000_000  # ¥100,000: larger amounts are a typo at a till
    cancel_days: int = 7  # a redemption can be cancelled this many days after it was made

    def validate(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "tier_basis" and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValidationError("The setting {name} must be a whole number.", field=f.name, name=f.name)
        if not 1 <= self.base_rate_permille <= 100_000:
            raise ValidationError("The base rate must be between 0.001 and 100 points per yuan.", field="base_rate")
        if not 1 <= self.expiry_months <= 120:
            raise ValidationError("Points must expire after 1 to 120 months.", field="expiry_months")
        if self.tier_basis not in TIER_BASES:
            raise ValidationError("The tier basis is spend or points.", field="tier_basis")
        if not 1 <= self.tier_window_months <= 60:
            raise ValidationError("The growth window is 1 to 60 months.", field="tier_window_months")
        if not 0 <= self.adjust_limit <= 1_000_000:
            raise ValidationError("The adjustment limit must be 0 to 1,000,000 points.", field="adjust_limit")
        if not 100 <= self.max_purchase_fen <= 1_000_000_000:
            raise ValidationError("The largest purchase must be ¥1 to ¥10,000,000.", field="max_purchase_fen")
        if not 0 <= self.cancel_days <= 365:
            raise ValidationError("Redemptions can be cancelled for 0 to 365 days.", field="cancel_days")


_KNOWN = tuple(f.name for f in fields(Rules))
# Only the rules' own keys: other modules keep larger values in ``settings`` too.
_SETTINGS = select(Setting.key, Setting.value).where(Setting.key.in_(_KNOWN)).order_by(Setting.key)
# Parsed rules by the exact stored text they came from: the rows are read in every operation
# (a change at one till applies at all at once); only the JSON parsing is skipped when the
# text is the same as last time.
_parsed: dict[tuple[tuple[str, str], ...], Rules] = {}


def load_rules(session: Session) -> Rules:
    stored = tuple((key, value) for key, value in session.connection().execute(_SETTINGS))
    rules = _parsed.get(stored)
    if rules is None:
        rules = replace(Rules(), **{key: json.loads(value) for key, value in stored})
        if len(_parsed) >= 64:
            _parsed.clear()
        _parsed[stored] = rules
    return rules


def update_rules(db: Database, actor: Actor, **changes: Any) -> Rules:
    require(actor, Permission.RULES_CONFIGURE)
    unknown = set(changes) - {f.name for f in fields(Rules)}
    if unknown:
        raise ValidationError("Unknown setting: {name}", field="rules", name=", ".join(sorted(unknown)))
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "rules")  # head office's data: a replica's edit would be overwritten
        before = load_rules(session)
        after = replace(before, **changes)
        after.validate()
        for key, value in changes.items():
            row = session.get(Setting, key)
            if row is None:
                session.add(Setting(key=key, value=json.dumps(value)))
            else:
                row.value = json.dumps(value)
        audit.record(session, actor, "rules.update", "rules", "rules",
                     {k: getattr(before, k) for k in changes}, {k: getattr(after, k) for k in changes}, utc_now())
        return after


def rules_as_dict(rules: Rules) -> dict[str, Any]:
    return asdict(rules)
