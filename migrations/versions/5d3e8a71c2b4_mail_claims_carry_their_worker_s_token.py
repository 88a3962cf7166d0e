"""Mail claims carry their worker's token

A worker checks, before each message, that its claim still holds it; the
token tells its claim from that of a worker that took the message over.

Revision ID: 5d3e8a71c2b4
Revises: 57e66e87885a
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5d3e8a71c2b4"
down_revision = "57e66e87885a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("claim_token")
