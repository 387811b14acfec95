"""Indexes for the award path: the spend-growth sum answered from the index alone.

Every award on the spend basis sums the member's purchases in the tier window
(``tiers.SPEND_GROWTH``: ``member_id = ? AND occurred_at >= ?``, summing
``amount_fen``). With the index on (member_id, occurred_at) each purchase in
the window cost a read of its table row for the amount; with the amount in
the index the sum reads a few index entries next to each other. The new index
replaces the old one, whose columns are its prefix and which it serves in
every query (a member's purchases, the first-purchase check of the tasks), so
an award still updates the same number of indexes.

Only CREATE INDEX and DROP INDEX, never a batch copy of the table: on a
1,000,000-member SQLite file (5.1 million purchases) the upgrade builds the
index in about 10 seconds (see the README's benchmark section).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 03:55:00
"""
from __future__ import annotations

from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_purchases_member_time_amount', 'purchases', ['member_id', 'occurred_at', 'amount_fen'],
                    unique=False)
    op.drop_index('ix_purchases_member_time', table_name='purchases')


def downgrade() -> None:
    op.create_index('ix_purchases_member_time', 'purchases', ['member_id', 'occurred_at'], unique=False)
    op.drop_index('ix_purchases_member_time_amount', table_name='purchases')
