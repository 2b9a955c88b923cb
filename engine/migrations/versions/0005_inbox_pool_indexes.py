"""inbox pool indexes (partial indexes over open, unclaimed tasks) and a task's alternate candidate role

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 06:50:00

The candidate inbox asks for open, unassigned tasks of some roles within an industry (bureau side) or an
enterprise (enterprise side), soonest due first. These partial indexes hold only those rows, in that order,
so the first page is an index range scan that stops after one page (docs/performance.md, "Inbox").
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

POOL = sa.text("status = 'open' AND assignee IS NULL")
ALT = sa.text("status = 'open' AND assignee IS NULL AND alt_role_key IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alt_role_key', sa.String(length=40), nullable=True))
    op.create_index('ix_task_pool_industry', 'task', ['role_key', 'industry_key', 'due_at'],
                    postgresql_where=POOL, sqlite_where=POOL)
    op.create_index('ix_task_pool_enterprise', 'task', ['role_key', 'enterprise_id', 'due_at'],
                    postgresql_where=POOL, sqlite_where=POOL)
    op.create_index('ix_task_pool_alt', 'task', ['alt_role_key', 'enterprise_id'],
                    postgresql_where=ALT, sqlite_where=ALT)


def downgrade() -> None:
    op.drop_index('ix_task_pool_alt', table_name='task')
    op.drop_index('ix_task_pool_enterprise', table_name='task')
    op.drop_index('ix_task_pool_industry', table_name='task')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('alt_role_key')
