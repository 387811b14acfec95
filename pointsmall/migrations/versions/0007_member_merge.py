"""Member merge: a merged member points at the member it went into.

The duplicate-phone case (``sync_member_merge``) is resolved by merging the
two accounts (``merge.py``): the absorbed member's status becomes "merged"
and these columns say into whom, when, and by which request. All three are
nullable and added with ``ALTER TABLE ... ADD COLUMN`` (no batch copy of the
members table on SQLite; hence no foreign key on ``merged_into``), plus one
index so a kept member's detail finds the accounts merged into it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 05:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('members', sa.Column('merged_into', sa.Uuid(), nullable=True))
    op.add_column('members', sa.Column('merged_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('members', sa.Column('merge_request_id', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_members_merged_into'), 'members', ['merged_into'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_members_merged_into'), table_name='members')
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of members would trip the foreign keys pointing at it.
    for column in ('merge_request_id', 'merged_at', 'merged_into'):
        op.drop_column('members', column)
