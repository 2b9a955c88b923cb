"""audit trail keyed with a secret outside the database: key id per row, signed chain heads

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 19:30:00

Rows written before this revision keep `key_id` NULL (plain SHA-256); `safeloop init` seals their chains in the
`registry` chain (engine/audit.py `seal`) so that they are accepted up to their sealed length and no further.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_event') as batch:
        batch.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))
    with op.batch_alter_table('audit_head') as batch:
        batch.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('mac', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_head') as batch:
        batch.drop_column('mac')
        batch.drop_column('key_id')
    with op.batch_alter_table('audit_event') as batch:
        batch.drop_column('key_id')
