"""The core pieces the settings screen relies on: stores, tier colours, and who may change what."""
from __future__ import annotations

from datetime import date

import pytest

from pointsmall import campaigns, rules, staff, tiers
from pointsmall.errors import PermissionDenied, ValidationError
from pointsmall.staff import Role


def test_list_stores_has_the_default_store(db):
    with db.read() as session:
        stores = staff.list_stores(session)
    assert [(s.id, s.name) for s in stores] == [("S001", "总店")]


def test_tier_colour_must_be_hex(db, operator):
    with pytest.raises(ValidationError) as refused:
        tiers.update_tier(db, operator, "gold", colour="gold")
    assert refused.value.field == "colour"
    view = tiers.update_tier(db, operator, "gold", colour="#C9A227")
    assert view.colour == "#C9A227"


def test_threshold_ladder_is_checked_whole(db, operator):
    with pytest.raises(ValidationError) as refused:
        tiers.update_tier(db, operator, "silver", threshold=600_000)  # above gold's ¥5,000
    assert refused.value.field == "threshold"
    with db.read() as session:
        assert {t.code: t.threshold for t in tiers.list_tiers(session)}["silver"] == 100_000


def test_cashier_may_not_change_settings(db, cashier):
    with pytest.raises(PermissionDenied):
        tiers.update_tier(db, cashier, "gold", threshold=400_000)
    with pytest.raises(PermissionDenied):
        rules.update_rules(db, cashier, expiry_months=12)
    with pytest.raises(PermissionDenied):
        campaigns.save_campaign(db, cashier, name="双11", starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 11),
                                multiplier_permille=5000)
    with pytest.raises(PermissionDenied):
        staff.create_staff(db, cashier, username="x1", display_name="x", role=Role.CASHIER, secret="secret-1")
