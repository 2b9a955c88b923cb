"""enterprise staff register, scale, standardisation grade and benchmark flag

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 10:00:00

Training is counted per person against the enterprise's staff register (seed items 5, 7, 13): principal,
safety managers, deputies in charge and key-post staff. Enterprises gain their scale (规上 / 规下 / 小场所), their
safety standardisation grade and the benchmark flag (item 17).
"""
import engine.runtime.models
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enterprise') as batch:
        batch.add_column(sa.Column('scale', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('standard_grade', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('benchmark', sa.Boolean(), nullable=False, server_default=sa.text('false')))
    op.create_table(
        'enterprise_person',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('post', sa.String(length=20), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', engine.runtime.models.UTCDateTime(), nullable=False),
        sa.Column('updated_at', engine.runtime.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_enterprise_person_enterprise_id', 'enterprise_person', ['enterprise_id'])


def downgrade() -> None:
    op.drop_index('ix_enterprise_person_enterprise_id', table_name='enterprise_person')
    op.drop_table('enterprise_person')
    with op.batch_alter_table('enterprise') as batch:
        batch.drop_column('benchmark')
        batch.drop_column('standard_grade')
        batch.drop_column('scale')
