"""The language each person reads the portal and their mail in

Revision ID: b7d41e6a3c25
Revises: 5a7e2d4c9b13
Create Date: 2026-12-01 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b7d41e6a3c25"
down_revision = "5a7e2d4c9b13"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))


def downgrade():
    # Both databases drop a column in place (SQLite since 3.35): rebuilding "user"
    # would trip the foreign keys that point at it.
    op.execute('ALTER TABLE "user" DROP COLUMN locale')
