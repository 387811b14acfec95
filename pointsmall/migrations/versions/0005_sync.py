"""Sync: the offline store's outbox and cursor, the chain's inbox and change log.

Every database gets the tables (a file can become a replica, a server a
chain). On PostgreSQL, statement-level triggers on the tables that flow down to
stores (configuration, staff, members and their lots, catalog, wheels,
reviews) write one ``sync_changes`` row per changed row with the writing
transaction's id (``pg_current_xact_id()``), which the pull's watermark
cursor reads. SQLite needs no change log: it is never a chain. The capture
triggers of a replica are installed by ``pointsmall.sync.attach_replica``,
only on the file that becomes a replica.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 02:45:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# table -> the column a change is keyed by (what the pull fetches again). Kept
# here, not imported: migrations are history.
TRACKED = {
    "stores": "id", "settings": "key", "staff": "id", "tiers": "id", "campaigns": "id",
    "members": "id", "member_search_terms": "member_id", "point_lots": "id", "catalog_items": "id",
    "item_images": "id", "wheels": "id", "wheel_versions": "wheel_id", "wheel_segments": "wheel_id",
    "review_cases": "id", "risk_rules": "id", "tasks": "id",
}


def upgrade() -> None:
    op.create_table('sync_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('replica_id', sa.Uuid(), nullable=False),
    sa.Column('txn', sa.BigInteger(), nullable=False),
    sa.Column('sealed_seq', sa.Integer(), nullable=False),
    sa.Column('acked_seq', sa.Integer(), nullable=False),
    sa.Column('cursor', sa.BigInteger(), nullable=True),
    sa.Column('first_pull_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sync_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('outage_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_state'))
    )
    op.create_table('sync_captured',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('txn', sa.BigInteger(), nullable=False),
    sa.Column('tbl', sa.String(length=32), nullable=False),
    sa.Column('row_key', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_sync_captured'))
    )
    op.create_table('sync_outbox',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_sync_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_sync_outbox_event_id'))
    )
    op.create_table('sync_pending',
    sa.Column('row_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('business_day', sa.Date(), nullable=True),
    sa.Column('entry_kind', sa.String(length=24), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('row_id', name=op.f('pk_sync_pending'))
    )
    with op.batch_alter_table('sync_pending', schema=None) as batch_op:
        batch_op.create_index('ix_sync_pending_kind_key', ['kind', 'key_id'], unique=False)
    op.create_table('sync_applying',
    sa.Column('flag', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('flag', name=op.f('pk_sync_applying'))
    )
    op.create_table('sync_inbox',
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('replica_id', sa.Uuid(), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('store_seq', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('conflicts', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_sync_inbox')),
    sa.UniqueConstraint('replica_id', 'store_seq', name=op.f('uq_sync_inbox_replica_id_store_seq'))
    )
    op.create_table('sync_peers',
    sa.Column('replica_id', sa.Uuid(), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('applied_seq', sa.Integer(), nullable=False),
    sa.Column('last_push_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_pull_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cursor', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('replica_id', name=op.f('pk_sync_peers'))
    )
    op.create_table('sync_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=False),
    sa.Column('tbl', sa.String(length=32), nullable=False),
    sa.Column('pk', sa.String(length=64), nullable=False),
    sa.Column('op', sa.String(length=1), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_changes'))
    )
    with op.batch_alter_table('sync_changes', schema=None) as batch_op:
        batch_op.create_index('ix_sync_changes_txid', ['txid'], unique=False)
    op.create_table('sync_set_aside',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('tbl', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=True),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_set_aside'))
    )
    with op.batch_alter_table('sync_set_aside', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_set_aside_entry_id'), ['entry_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table, key in TRACKED.items():
            for event, rows, code in _EVENTS:
                op.execute(_pg_log_function(table, key, event, rows, code))
                transition = f"{'OLD' if event == 'DELETE' else 'NEW'} TABLE AS {rows}"
                if table in _QUIET_COLUMNS and event == "UPDATE":
                    transition = f"OLD TABLE AS old_rows NEW TABLE AS {rows}"
                op.execute(f"CREATE TRIGGER {table}_sync_log_{event[:3].lower()} AFTER {event} ON {table} "
                           f"REFERENCING {transition} "
                           f"FOR EACH STATEMENT EXECUTE FUNCTION pointsmall_sync_log_{table}_{event[:3].lower()}()")


# One statement-level trigger per event, reading the statement's transition table: a COPY or a
# multi-row UPDATE of thousands of rows logs them with one INSERT ... SELECT, not thousands of calls.
_EVENTS = (("INSERT", "new_rows", "U"), ("UPDATE", "new_rows", "U"), ("DELETE", "old_rows", "D"))


# Columns whose changes stay where they happen: a failed login at one till locks the account
# there, and is not a change the stores need (nor a write a refused login should cause elsewhere).
_QUIET_COLUMNS = {"staff": ("failed_logins", "locked_until")}
_STAFF_COLUMNS = ("username", "display_name", "role", "secret_hash", "store_id", "active")


def _pg_log_function(table: str, key: str, event: str, rows: str, code: str) -> str:
    where = ""
    source = f"{rows} r"
    if table in _QUIET_COLUMNS and event == "UPDATE":
        source = f"{rows} r JOIN old_rows o ON o.{key} = r.{key}"
        where = (f" WHERE ({', '.join('r.' + c for c in _STAFF_COLUMNS)}) IS DISTINCT FROM "
                 f"({', '.join('o.' + c for c in _STAFF_COLUMNS)})")
    # The transaction id as bigint: xid8 is the 64-bit epoch-extended id, far below 2^63.
    return f"""
CREATE OR REPLACE FUNCTION pointsmall_sync_log_{table}_{event[:3].lower()}() RETURNS trigger AS $$
BEGIN
    INSERT INTO sync_changes (txid, tbl, pk, op)
    SELECT pg_current_xact_id()::text::bigint, '{table}', r.{key}::text, '{code}' FROM {source}{where};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TRACKED:
            for event, _, _ in _EVENTS:
                suffix = event[:3].lower()
                op.execute(f"DROP TRIGGER IF EXISTS {table}_sync_log_{suffix} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS pointsmall_sync_log_{table}_{suffix}()")
    with op.batch_alter_table('sync_set_aside', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_set_aside_entry_id'))
    op.drop_table('sync_set_aside')
    with op.batch_alter_table('sync_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_changes_txid')
    op.drop_table('sync_changes')
    op.drop_table('sync_peers')
    op.drop_table('sync_inbox')
    op.drop_table('sync_applying')
    with op.batch_alter_table('sync_pending', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_pending_kind_key')
    op.drop_table('sync_pending')
    op.drop_table('sync_outbox')
    op.drop_table('sync_captured')
    op.drop_table('sync_state')
