"""Versions of the shared caches

Revision ID: 7f3c1e9a2b40
Revises: 323a8b4006ca
Create Date: 2026-12-01 12:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7f3c1e9a2b40'
down_revision = '323a8b4006ca'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cache_version',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_version'))
    )


def downgrade():
    op.drop_table('cache_version')
