"""Badge image uploads: the pixel count is checked from the header, before any decoding."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image, ImageFile

from portal.extensions import db
from portal.images import MAX_UPLOAD_PIXELS
from portal.recognition.models import Badge
from tests.helpers import text

FORM = {
    "name": "Panel Pioneer",
    "description": "",
    "rule_kind": "points_at_least",
    "points_at_least-points": "100",
    "points_at_least-period": "all",
    "color": "#4338ca",
    "active": "y",
}


def png(width: int, height: int, mode: str = "1") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, format="PNG", optimize=True)
    return out.getvalue()


@pytest.fixture
def decoded(monkeypatch) -> list[tuple[int, int]]:
    """The sizes of the images Pillow decodes; decoding one above the limit fails the test."""
    sizes: list[tuple[int, int]] = []
    load = ImageFile.ImageFile.load

    def watched_load(image):
        sizes.append(image.size)
        assert image.size[0] * image.size[1] <= MAX_UPLOAD_PIXELS, f"decoded {image.size}"
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", watched_load)
    return sizes


def test_a_small_file_of_too_many_pixels_is_refused_before_decoding(app, make, login, decoded):
    bomb = png(12_000, 12_000)
    assert len(bomb) < 200_000  # small on the wire, 144 million pixels decoded
    client = login(make.manager())
    response = client.post(
        "/manage/badges/new",
        data={**FORM, "upload": (io.BytesIO(bomb), "bomb.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "The image has too many pixels: upload one of at most 16 million" in text(response)
    assert decoded == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Badge)) == 0


def test_an_image_within_the_limit_is_reencoded(app, make, login, decoded):
    client = login(make.manager())
    response = client.post(
        "/manage/badges/new",
        data={**FORM, "upload": (io.BytesIO(png(1200, 800, "RGB")), "panel.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, text(response)
    assert decoded  # it was decoded, within the limit
    with app.app_context():
        badge = db.session.scalar(sa.select(Badge))
        assert badge.image_type == "image/png" and badge.image_uploaded


def test_a_badge_with_an_uploaded_image_saves_without_a_new_upload(app, make, login):
    client = login(make.manager())
    picture = (io.BytesIO(png(300, 300, "RGB")), "panel.png")
    client.post("/manage/badges/new", data={**FORM, "upload": picture})
    with app.app_context():
        badge = db.session.scalar(sa.select(Badge))
        stored = badge.image
    response = client.post(f"/manage/badges/{badge.id}", data={**FORM, "description": "Now"})
    assert response.status_code == 302, text(response)
    with app.app_context():
        badge = db.session.scalar(sa.select(Badge))
        assert badge.description == "Now" and badge.image == stored
