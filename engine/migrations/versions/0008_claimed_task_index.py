"""inbox indexes, second pass: `ix_task_assignee` holds only claimed tasks; the pool indexes cover their queries

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 07:40:00

Most open tasks are unclaimed, so an index on `assignee` that also holds the NULLs looked, to SQLite's planner
(which averages rows per value), like a selective way to find *unclaimed* tasks — it then scanned every unclaimed
task instead of the candidate pool's partial indexes. Claimed tasks are the only ones this index serves ("mine":
`assignee = ?`, which implies `assignee IS NOT NULL`), so it now holds only those.

The candidate pool's partial indexes also carry `status`, `assignee`, `created_at` and `id`: SQLite checks every
WHERE term against the row even when the partial index implies it, so without them each of the pool's thousands of
entries cost a table lookup; with them the count and the page's ordering read the index alone.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

CLAIMED = sa.text("assignee IS NOT NULL")
POOL = sa.text("status = 'open' AND assignee IS NULL")
COVER = ['due_at', 'created_at', 'id', 'status', 'assignee']


def _pool_indexes(extra: list[str]) -> None:
    for name, scope in (('ix_task_pool_industry', 'industry_key'), ('ix_task_pool_enterprise', 'enterprise_id')):
        op.drop_index(name, table_name='task')
        op.create_index(name, 'task', ['role_key', scope, 'due_at'] + extra, postgresql_where=POOL, sqlite_where=POOL)


def upgrade() -> None:
    op.drop_index('ix_task_assignee', table_name='task')
    op.create_index('ix_task_assignee', 'task', ['assignee', 'status'], postgresql_where=CLAIMED,
                    sqlite_where=CLAIMED)
    _pool_indexes(COVER[1:])


def downgrade() -> None:
    _pool_indexes([])
    op.drop_index('ix_task_assignee', table_name='task')
    op.create_index('ix_task_assignee', 'task', ['assignee', 'status'])
