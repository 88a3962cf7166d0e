"""Index the jobs people left and each person's jobs by start (champions who moved)

Revision ID: 3c9e5f1a7d20
Revises: b7d41e6a3c25
Create Date: 2026-12-01 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9e5f1a7d20'
down_revision = 'b7d41e6a3c25'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('employment', schema=None) as batch_op:
        batch_op.create_index(
            'ix_employment_ended',
            ['ended_on', 'user_id'],
            unique=False,
            sqlite_where=sa.text('ended_on IS NOT NULL'),
            postgresql_where=sa.text('ended_on IS NOT NULL'),
        )
        batch_op.create_index(
            'ix_employment_user_started', ['user_id', 'started_on'], unique=False
        )


def downgrade():
    with op.batch_alter_table('employment', schema=None) as batch_op:
        batch_op.drop_index('ix_employment_user_started')
        batch_op.drop_index(
            'ix_employment_ended',
            sqlite_where=sa.text('ended_on IS NOT NULL'),
            postgresql_where=sa.text('ended_on IS NOT NULL'),
        )
