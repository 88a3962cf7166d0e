"""The profile photo (stored once, replaced cleanly) and the LinkedIn address."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from portal.advocates.models import AdvocateProfile
from portal.extensions import db
from portal.images import StoredImage
from tests.helpers import page, text

PROFILE = {"name": "Rosa Diaz", "max_asks_per_quarter": "3", "show_on_leaderboard": "y"}


def _image(size=(1200, 800), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#884422").save(out, format=fmt)
    return out.getvalue()


def _photo_id(app, advocate) -> int | None:
    with app.app_context():
        return db.session.get(AdvocateProfile, advocate.id).photo_id


def test_a_photo_is_re_encoded_and_a_replaced_one_is_deleted(app, make, login):
    advocate = make.advocate()
    client = login(advocate)
    response = client.post(
        "/profile/photo",
        data={"photo": (io.BytesIO(_image()), "me.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    first = _photo_id(app, advocate)
    served = client.get(f"/images/{first}")
    with Image.open(io.BytesIO(served.data)) as image:
        assert max(image.size) == 512
    client.post(
        "/profile/photo",
        data={"photo": (io.BytesIO(_image(fmt="JPEG")), "me.jpg")},
        content_type="multipart/form-data",
    )
    second = _photo_id(app, advocate)
    assert second != first
    with app.app_context():
        assert db.session.scalars(sa.select(StoredImage.id)).all() == [second]
    client.post("/profile/photo/remove")
    assert _photo_id(app, advocate) is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredImage)) == 0


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        ((b"GIF89a not really", "me.gif"), "Upload a PNG or JPEG image."),
        ((b"\x89PNG broken", "me.png"), "That file is not a readable PNG or JPEG image."),
        (None, "Choose a photo to upload."),
    ],
)
def test_a_bad_photo_changes_nothing(app, make, login, upload, message):
    advocate = make.advocate()
    data = {"photo": (io.BytesIO(upload[0]), upload[1])} if upload else {}
    response = login(advocate).post("/profile/photo", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in page(response)
    assert _photo_id(app, advocate) is None


def test_the_linkedin_address_is_shown_only_with_the_name_on_the_showcase(app, make, login):
    advocate = make.advocate(name="Rosa Diaz", public=True)
    client = login(advocate)
    url = "https://www.linkedin.com/in/rosa-diaz"
    assert client.post("/profile", data={**PROFILE, "linkedin_url": url}).status_code == 302
    visitor = app.test_client()
    assert url in page(visitor.get(f"/people/{advocate.id}"))
    client.post("/profile/consent", data={})  # name and title withdrawn
    assert visitor.get(f"/people/{advocate.id}").status_code == 404


@pytest.mark.parametrize(
    "value",
    [
        "http://www.linkedin.com/in/rosa",
        "https://www.linkedin.com.evil.example/in/rosa",
        "https://linkedin.com/in/rosa",
        "javascript:alert(1)",
        "https://www.linkedin.com/",
        "https://www.linkedin.com/in/rosa diaz",
    ],
)
def test_a_bad_linkedin_address_changes_nothing(app, make, login, value):
    advocate = make.advocate()
    response = login(advocate).post("/profile", data={**PROFILE, "linkedin_url": value})
    assert response.status_code == 422
    assert "starting with https://www.linkedin.com/" in text(response)
    with app.app_context():
        assert db.session.get(AdvocateProfile, advocate.id).linkedin_url == ""


def test_without_a_photo_people_show_their_initials(app, make, login, client):
    bare = make.advocate(name="Zoë van Dijk", public=True)
    pictured = make.advocate(name="Rosa Diaz", public=True)
    portrait = re.compile(r'<span class="[^"]*profile-initials[^"]*" data-initials="(\w+)"')
    assert portrait.findall(page(login(bare).get("/profile"))) == ["ZD"]
    client.post("/auth/sign-out")
    login(pictured).post(
        "/profile/photo",
        data={"photo": (io.BytesIO(_image()), "me.png")},
        content_type="multipart/form-data",
    )
    listing = page(client.get("/showcase"))
    assert portrait.findall(listing) == ["ZD"]
    assert 'aria-hidden="true"' in listing.split('data-initials="ZD"')[1].split(">")[0]
    assert re.findall(r'<img class="profile-photo" src="([^"]+)"', listing) == [
        f"/images/{_photo_id(app, pictured)}"
    ]
    assert portrait.findall(page(client.get(f"/people/{bare.id}"))) == ["ZD"]
