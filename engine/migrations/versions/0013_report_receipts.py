"""report receipts: a public report's reference number and the hash of its status secret

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 12:00:00

The public status page (/report/status) shows a report's stage and the handler's public replies to whoever
holds its reference number and the secret shown once after filing (issue 15). Only a hash of the secret is kept.
"""
import engine.runtime.models
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'report_receipt',
        sa.Column('reference', sa.String(length=40), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', engine.runtime.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id']),
        sa.PrimaryKeyConstraint('reference'),
        sa.UniqueConstraint('instance_id'),
    )


def downgrade() -> None:
    op.drop_table('report_receipt')
