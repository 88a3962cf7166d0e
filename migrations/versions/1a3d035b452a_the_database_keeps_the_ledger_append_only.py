"""The database keeps the points ledger append-only: no UPDATE or DELETE of an entry.

On PostgreSQL a row trigger refuses both, so a correction can only be a new
entry, whoever writes. It is enabled ALWAYS, so a session in
`session_replication_role = replica` (the bulk loader's COPY) cannot switch
it off the way it does ordinary triggers; the table's owner can still drop or
disable it on purpose. TRUNCATE fires no row trigger: emptying every table
stays possible. SQLite keeps the rule by convention only (recognition.ledger
alone writes).

Revision ID: 1a3d035b452a
Revises: 4c1d2e3f5a60
Create Date: 2026-12-01 08:23:31
"""

from alembic import op

revision = "1a3d035b452a"
down_revision = "4c1d2e3f5a60"
branch_labels = None
depends_on = None

FUNCTION = "refuse_points_entry_change"
TRIGGER = "points_entry_append_only"


def _is_postgresql() -> bool:
    # The context's dialect, not op.get_bind(): there is no bind when the
    # script is rendered as SQL (`flask db upgrade --sql`).
    return op.get_context().dialect.name == "postgresql"


def upgrade():
    if not _is_postgresql():
        return
    # restrict_violation (23001): drivers report an integrity error, like a
    # foreign key refusing a delete. The message is concatenated rather than
    # a RAISE format: a "%" would be doubled when the script is rendered as SQL.
    op.execute(
        f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING
                ERRCODE = 'restrict_violation',
                MESSAGE = 'points_entry is append-only: ' || TG_OP
                    || ' refused; add a correcting entry instead';
        END
        $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON points_entry "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )
    op.execute(f"ALTER TABLE points_entry ENABLE ALWAYS TRIGGER {TRIGGER}")


def downgrade():
    if not _is_postgresql():
        return
    op.execute(f"DROP TRIGGER {TRIGGER} ON points_entry")
    op.execute(f"DROP FUNCTION {FUNCTION}()")
