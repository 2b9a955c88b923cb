"""document numbers: the bureau's 文号 per series and year (issue 16 §4, referral letters)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 09:00:00

enforcement_referral v2 issues a referral letter (移送函, 洮商安移〔2026〕N号) and may issue a formal inquiry (函询,
洮商安函〔2026〕N号). Numbers run per series and year, are unique, and are taken in the same transaction as the step
that issues the letter: one row per (series, year) holds the last number, raised by an atomic upsert.
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'document_number',
        sa.Column('series', sa.String(length=40), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('series', 'year'),
    )


def downgrade() -> None:
    op.drop_table('document_number')
