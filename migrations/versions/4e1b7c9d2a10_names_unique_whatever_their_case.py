"""Company, product and badge names unique whatever their case

Revision ID: 4e1b7c9d2a10
Revises: 2c60d417e761
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "4e1b7c9d2a10"
down_revision = "2c60d417e761"
branch_labels = None
depends_on = None

TABLES = {"account": "uq_account_name_any_case", "product": "uq_product_name_any_case",
          "badge": "uq_badge_name_any_case"}  # fmt: skip


def upgrade():
    connection = op.get_bind()
    for table, index in TABLES.items():
        clashes = (
            connection.execute(
                sa.text(f"SELECT lower(name) FROM {table} GROUP BY lower(name) HAVING count(*) > 1")
            )
            .scalars()
            .all()
        )
        if clashes:
            raise RuntimeError(
                f"Rename the {table} rows whose names differ only in case before upgrading: "
                + ", ".join(sorted(clashes))
            )
        op.create_index(index, table, [sa.text("lower(name)")], unique=True)


def downgrade():
    for table, index in TABLES.items():
        op.drop_index(index, table_name=table)
