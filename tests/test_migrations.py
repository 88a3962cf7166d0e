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
