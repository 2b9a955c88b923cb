"""notice schedules: the yearly campaign dates (安全生产月, 消防宣传月, 5·12, 6·16)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 07:00:00

Each row drafts a `notice_distribution` case a number of working days before its date every year
(engine/campaign_dates.py). `safeloop init` seeds the four campaign dates of item 22.
"""
import engine.runtime.models
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notice_schedule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('name_zh', sa.String(length=100), nullable=False),
        sa.Column('name_en', sa.String(length=100), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('day', sa.Integer(), nullable=False),
        sa.Column('lead_working_days', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('target_type', sa.String(length=20), nullable=False),
        sa.Column('target_values', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', engine.runtime.models.UTCDateTime(), nullable=False),
        sa.Column('updated_at', engine.runtime.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('notice_schedule')
