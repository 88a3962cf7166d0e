"""One-time tokens of create forms: a form sent twice creates once.

The token is the primary key, so two POSTs of the same form at once are
settled by the database; the row keeps the address of what was created.

Revision ID: 5d2e3f4a6b71
Revises: c58ac86a69ed
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5d2e3f4a6b71"
down_revision = "c58ac86a69ed"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_token",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_form_token_user_id_user")),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_form_token")),
    )
    with op.batch_alter_table("form_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_token_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("form_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_token_created_at"))
    op.drop_table("form_token")
