"""a delivery's lease: delivery.locked_by, delivery.locked_until

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 10:00:00

Deliveries are claimed with a lease like jobs (engine/deliveries.py): two workers picked the same pending rows
and sent each notification twice (issue 14).
"""
import engine.runtime.models
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('locked_until', engine.runtime.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('locked_by')
