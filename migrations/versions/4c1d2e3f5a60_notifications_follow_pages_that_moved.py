"""Pages by domain: notifications link to the dashboard, stories and showcase where they moved.

Notifications keep the endpoint of the page they point to; the advocate's
dashboard moved to `main`, stories and the showcase to blueprints of their own.

Revision ID: 4c1d2e3f5a60
Revises: e9783c1ad73b
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "4c1d2e3f5a60"
down_revision = "e9783c1ad73b"
branch_labels = None
depends_on = None

MOVED = {
    "advocates.dashboard": "main.dashboard",
    "advocates.stories": "stories.index",
    "advocates.write_story": "stories.write",
    "advocates.showcase": "showcase.index",
    "advocates.public_profile": "showcase.profile",
}

notification = sa.table("notification", sa.column("endpoint", sa.String))


def _rename(pairs) -> None:
    for old, new in pairs:
        op.execute(
            notification.update().where(notification.c.endpoint == old).values(endpoint=new)
        )


def upgrade():
    _rename(MOVED.items())


def downgrade():
    _rename((new, old) for old, new in MOVED.items())
