"""enterprise business days: the days a daily self-check is due (issue 16, self-checks)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 09:00:00

An enterprise's business days decide on which days its daily self-check is due. NULL follows the industry's
default (engine/reference_data/industries.json `business_days`); otherwise one of `every_day`, `working_days` or a
custom rule `days:<ISO weekdays>[;holidays]` (e.g. `days:1,2,3,4,5,6;holidays`), see engine/business_days.py.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enterprise') as batch:
        batch.add_column(sa.Column('business_days', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enterprise') as batch:
        batch.drop_column('business_days')
