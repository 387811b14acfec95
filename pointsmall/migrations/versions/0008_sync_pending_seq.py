"""An index on the replica's pending points by event number.

Each acknowledgement of a pushed batch clears the points and stock of the
events up to the acknowledged number from ``sync_pending`` (and marks the
members whose lots to pull again). Without an index each of those
statements read the whole table: pushing 100,000 offline events in batches
of 2,000 read it 50 times over, a cost that grew with the square of the
backlog.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 05:40:00
"""
from __future__ import annotations

from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sync_pending_event_seq', 'sync_pending', ['event_seq'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sync_pending_event_seq', table_name='sync_pending')
