"""process path tests: scenarios stored with a process and run at every deploy (issue 19 §2)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 09:00:00

A process owner writes path tests for a process (start data, each task's answers in order, the expected end event
or open task); they are stored per process key, run against a draft on a scratch database, and again at every
deploy, where a failing one blocks the deploy unless the owner overrides it (audited). See engine/path_tests.py.
"""
import engine.runtime.models
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'process_path_test',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_key', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('scenario', sa.JSON(), nullable=False),
        sa.Column('updated_by', sa.String(length=80), nullable=True),
        sa.Column('updated_at', engine.runtime.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('process_key', 'name'),
    )
    op.create_index('ix_process_path_test_process_key', 'process_path_test', ['process_key'])


def downgrade() -> None:
    op.drop_index('ix_process_path_test_process_key', table_name='process_path_test')
    op.drop_table('process_path_test')
