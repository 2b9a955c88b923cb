"""a case's open steps by index: (task.instance_id, task.status)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 20:10:00

After every step the engine reads the case's open task rows; for a case that looped thousands of times the plain
`instance_id` index read all its completed rows too (bench section `loops`).
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_task_instance_status', 'task', ['instance_id', 'status'])


def downgrade() -> None:
    op.drop_index('ix_task_instance_status', table_name='task')
