"""Index who is open to each kind of ask (the reference shortlist reads it for everyone)

Revision ID: 8f3a2c1d9b40
Revises: da6569682082
Create Date: 2026-12-01 12:57:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8f3a2c1d9b40'
down_revision = 'da6569682082'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('advocate_open_type', schema=None) as batch_op:
        batch_op.create_index('ix_advocate_open_type_type_user', ['type', 'user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('advocate_open_type', schema=None) as batch_op:
        batch_op.drop_index('ix_advocate_open_type_type_user')
