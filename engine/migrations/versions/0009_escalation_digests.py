"""escalations people can live with: one job per task and level, leaders' daily digests

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00

`job.dedupe_key` ("reminder:<task>", "escalation:<task>:<level>") is unique, so no task is ever reminded twice
or escalated twice at the same level, whatever queues the job (send-back, reopen, a second worker). Rows written
before this revision keep a NULL key (NULLs never collide); the sweep also skips a level the task already reached.
`task.escalated_to` is the role the last escalation went to: the next level goes one step up from it, and leaders'
digests list the open tasks escalated to their role. `notification.details` holds a digest's items, and
`digest_run` (one row per recipient and China-time day, the primary key) makes the daily digest idempotent
under concurrent workers.
"""
import engine.runtime.models
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job') as batch:
        batch.add_column(sa.Column('dedupe_key', sa.String(length=120), nullable=True))
        batch.create_index('ux_job_dedupe', ['dedupe_key'], unique=True)
    with op.batch_alter_table('task') as batch:
        batch.add_column(sa.Column('escalated_to', sa.String(length=40), nullable=True))
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('details', sa.JSON(), nullable=True))
    op.create_table(
        'digest_run',
        sa.Column('recipient', sa.String(length=80), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('item_count', sa.Integer(), nullable=False),
        sa.Column('notification_id', sa.Integer(), nullable=True),
        sa.Column('created_at', engine.runtime.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('recipient', 'day'),
    )


def downgrade() -> None:
    op.drop_table('digest_run')
    with op.batch_alter_table('notification') as batch:
        batch.drop_column('details')
    with op.batch_alter_table('task') as batch:
        batch.drop_column('escalated_to')
    with op.batch_alter_table('job') as batch:
        batch.drop_index('ux_job_dedupe')
        batch.drop_column('dedupe_key')
