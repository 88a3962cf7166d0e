"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def _reflectable(obj, name, type_, reflected, compare_to) -> bool:
    """SQLite's reflection skips indexes on expressions (lower(name)): compare the rest there."""
    if type_ == "index" and not reflected and db.engine.dialect.name == "sqlite":
        return all(isinstance(e, sa.Column) for e in obj.expressions)
    return True


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_autogenerate_finds_nothing_to_add(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_as_batch": True, "include_object": _reflectable},
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_upgrade_from_empty_installs_default_tiers_and_settings(app):
    from portal.recognition.tiers import all_tiers
    from portal.settings import get_setting

    with app.app_context():
        assert [tier.name for tier in all_tiers()] == ["Member", "Insider", "Champion", "Luminary"]
        assert get_setting("tier_grace_days") == 90
        assert get_setting("default_points")["speaking_panel"] == 150


def test_public_profile_becomes_the_showcase_column_of_the_consent_grid(tmp_path):
    """Where "public profile" was on, name and title, photo and stories are granted for the
    showcase (and the grant is in the history); elsewhere refused; other channels refused."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_test_app

    app = make_test_app(f"sqlite:///{tmp_path / 'mapping.db'}")
    with app.app_context():
        upgrade(revision="2c60d417e761")
        with db.engine.begin() as connection:
            for user_id, public in ((1, True), (2, False)):
                connection.execute(
                    sa.text(
                        'INSERT INTO "user" (id, email, name, role, active, created_at, '
                        "unread_notifications) VALUES (:id, :email, 'P', 'advocate', 1, "
                        "'2026-01-01 00:00:00', 0)"
                    ),
                    {"id": user_id, "email": f"p{user_id}@example.com"},
                )
                connection.execute(
                    sa.text(
                        "INSERT INTO advocate_profile (user_id, bio, max_asks_per_quarter, "
                        "show_on_leaderboard, public_profile) VALUES (:id, '', 3, 1, :public)"
                    ),
                    {"id": user_id, "public": public},
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT user_id, asset, channel, granted FROM usage_consent "
                    "ORDER BY user_id, asset"
                )
            ).all()
            history = connection.execute(
                sa.text(
                    "SELECT user_id, asset, was_granted, granted, changed_by_id "
                    "FROM usage_consent_change ORDER BY asset"
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            (1, "name_title", "showcase", 1),
            (1, "photo", "showcase", 1),
            (1, "stories", "showcase", 1),
            (2, "name_title", "showcase", 0),
            (2, "photo", "showcase", 0),
            (2, "stories", "showcase", 0),
        ]
        assert [tuple(row) for row in history] == [
            (1, "name_title", 0, 1, None),
            (1, "photo", 0, 1, None),
            (1, "stories", 0, 1, None),
        ]
        from portal.advocates import visibility

        assert visibility.public_uses([1, 2]) == {
            1: {"name_title", "photo", "stories"},
            2: set(),
        }
        downgrade(revision="2c60d417e761")
        with db.engine.connect() as connection:
            back = connection.execute(
                sa.text("SELECT user_id, public_profile FROM advocate_profile ORDER BY user_id")
            ).all()
        assert [tuple(row) for row in back] == [(1, 1), (2, 0)]
        db.engine.dispose()
