"""step statistics: when a task was first taken from its pool (task.claimed_at), a process's tasks by period

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 10:00:00

Process owners see per step how long tasks wait to be claimed and to be done (engine/step_statistics.py). The
claim time was only in the audit trail; it is now kept on the task row, written with the claim, and filled for
existing tasks from their first `task.claim` audit event. The statistics read one process's tasks created in a
period: (process_key, created_at) answers that without a scan of every process's history.
"""
import engine.runtime.models
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE task SET claimed_at = first_claim.at
FROM (SELECT task_id, MIN(at) AS at FROM audit_event WHERE action = 'task.claim' AND task_id IS NOT NULL
      GROUP BY task_id) AS first_claim
WHERE first_claim.task_id = task.id
"""


def upgrade() -> None:
    with op.batch_alter_table('task') as batch:
        batch.add_column(sa.Column('claimed_at', engine.runtime.models.UTCDateTime(), nullable=True))
    op.execute(BACKFILL)  # UPDATE … FROM: PostgreSQL, and SQLite since 3.33
    op.create_index('ix_task_process_created', 'task', ['process_key', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_task_process_created', table_name='task')
    with op.batch_alter_table('task') as batch:
        batch.drop_column('claimed_at')
