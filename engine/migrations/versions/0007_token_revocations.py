"""token revocations: revoked API tokens and per-user cut-offs, shared by every web process

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00

`token_revocation` holds one row per revoked token until the token would have expired anyway
(then it is purged); `token_cutoff` holds one row per user whose tokens were all revoked up to
`not_before` (disabled, password changed). See engine/token_revocations.py.
"""
import engine.runtime.models
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'token_revocation',
        sa.Column('token_id', sa.String(length=64), nullable=False),
        sa.Column('username', sa.String(length=80), nullable=True),
        sa.Column('revoked_at', engine.runtime.models.UTCDateTime(), nullable=False),
        sa.Column('expires_at', engine.runtime.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('token_id'),
    )
    op.create_index('ix_token_revocation_expires_at', 'token_revocation', ['expires_at'])
    op.create_table(
        'token_cutoff',
        sa.Column('username', sa.String(length=80), nullable=False),
        sa.Column('not_before', engine.runtime.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('username'),
    )


def downgrade() -> None:
    op.drop_table('token_cutoff')
    op.drop_index('ix_token_revocation_expires_at', table_name='token_revocation')
    op.drop_table('token_revocation')
