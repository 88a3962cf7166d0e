"""Discussion topic names unique whatever their case, like products

Revision ID: 5a7e2d4c9b13
Revises: 7f3c1e9a2b40
Create Date: 2026-12-01 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5a7e2d4c9b13"
down_revision = "7f3c1e9a2b40"
branch_labels = None
depends_on = None


def upgrade():
    clashes = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT lower(name) FROM discussion_topic GROUP BY lower(name) HAVING count(*) > 1"
            )
        )
        .scalars()
        .all()
    )
    if clashes:
        raise RuntimeError(
            "Rename the topics whose names differ only in case before upgrading: "
            + ", ".join(sorted(clashes))
        )
    op.create_index(
        "uq_discussion_topic_name_any_case",
        "discussion_topic",
        [sa.text("lower(name)")],
        unique=True,
    )


def downgrade():
    op.drop_index("uq_discussion_topic_name_any_case", table_name="discussion_topic")
