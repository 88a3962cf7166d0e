"""Default tiers and program settings

Revision ID: 0b1f3c5d7e92
Revises: 77a5d91839ba
Create Date: 2026-11-26 02:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0b1f3c5d7e92"
down_revision = "77a5d91839ba"
branch_labels = None
depends_on = None

tier = sa.table(
    "tier",
    sa.column("name", sa.String),
    sa.column("position", sa.Integer),
    sa.column("threshold", sa.Integer),
    sa.column("benefits", sa.Text),
    sa.column("commitment", sa.Text),
    sa.column("invitation_only", sa.Boolean),
)
setting = sa.table("setting", sa.column("key", sa.String), sa.column("value", sa.JSON))

TIERS = [
    {
        "name": "Member",
        "position": 1,
        "threshold": 0,
        "benefits": "Access to the advocate community and every open opportunity; "
        "a place on the leaderboard if you want one.",
        "commitment": "Keep your profile up to date and answer invitations within a week.",
        "invitation_only": False,
    },
    {
        "name": "Insider",
        "position": 2,
        "threshold": 100,
        "benefits": "Early access to betas and roadmap previews; Insider opportunities.",
        "commitment": "Take part in at least one opportunity each quarter.",
        "invitation_only": False,
    },
    {
        "name": "Champion",
        "position": 3,
        "threshold": 500,
        "benefits": "Invitations to advisory boards and speaking slots; "
        "a featured place on the public showcase.",
        "commitment": "Be available for up to two reference calls a quarter and one speaking "
        "or content opportunity every six months.",
        "invitation_only": False,
    },
    {
        "name": "Luminary",
        "position": 4,
        "threshold": 1000,
        "benefits": "A seat on the executive advisory council, co-presenting at the user "
        "conference, and a direct line to product leadership.",
        "commitment": "Represent the program in public and mentor new advocates.",
        "invitation_only": True,
    },
]

SETTINGS = [
    {"key": "tier_grace_days", "value": 90},
    {
        "key": "default_points",
        "value": {
            "speaking_panel": 150,
            "advisory_board": 200,
            "media_interview": 120,
            "case_study": 150,
            "webinar": 100,
            "review": 40,
            "beta": 60,
            "event": 80,
            "research_interview": 50,
        },
    },
]


def upgrade():
    op.bulk_insert(tier, TIERS)
    op.bulk_insert(setting, SETTINGS)


def downgrade():
    op.execute(setting.delete().where(setting.c.key.in_([s["key"] for s in SETTINGS])))
    op.execute(tier.delete().where(tier.c.name.in_([t["name"] for t in TIERS])))
