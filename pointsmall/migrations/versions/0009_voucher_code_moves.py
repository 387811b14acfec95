"""Voucher codes drawn at two offline stores: the chain's record of the codes it moved.

A voucher (or wheel prize) code is drawn at the store without asking head
office, so two offline stores can draw the same one. The chain keeps the
first; the other store's voucher gets a fresh code, and a row here says so:
(the issuing till, the store's code, kind) -> the chain's code. That till's later
write-off of the code on the member's slip is translated with it, in the
same push or a later one (``pointsmall/sync/claims.py``). Chain side only
(replicas have the table, empty: it is not pulled).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 06:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('voucher_code_moves',
    sa.Column('replica_id', sa.Uuid(), nullable=False),
    sa.Column('store_code', sa.String(length=16), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('moved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['review_cases.id'],
                            name=op.f('fk_voucher_code_moves_case_id_review_cases')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_voucher_code_moves_store_id_stores')),
    sa.PrimaryKeyConstraint('replica_id', 'store_code', 'kind', name=op.f('pk_voucher_code_moves')),
    sa.UniqueConstraint('code', name=op.f('uq_voucher_code_moves_code'))
    )
    op.create_index('ix_voucher_code_moves_store_code', 'voucher_code_moves', ['store_id', 'store_code'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_voucher_code_moves_store_code', table_name='voucher_code_moves')
    op.drop_table('voucher_code_moves')
