"""Every uploaded image: one way in (checked, re-encoded, bounded) and one way out.

Badge images, advocates' photos and the program's logo all go through
`reencode`: a PNG or JPEG of at most MAX_UPLOAD bytes and MAX_UPLOAD_PIXELS
pixels (judged from its header before anything is decoded), re-encoded as
a clean PNG no larger than the use asks for; the original bytes are never
kept. Stored images (`StoredImage`) are served by /images/<id> with their
own cache headers; each use decides who may see its image.
"""

from __future__ import annotations

import io
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.i18n import format_number

MAX_UPLOAD = 2 * 1024 * 1024
# Pixels, checked from the header before anything is decoded: a small
# compressed file can decode to gigabytes (12000 x 12000 is 140 KB as a PNG).
MAX_UPLOAD_PIXELS = 4000 * 4000


class UploadRefused(PortalError):
    """An uploaded image the portal doesn't take (format, bytes, pixels)."""


def _too_many_pixels() -> str:
    return _(
        "The image has too many pixels: upload one of at most %(millions)s million "
        "(for example 4000 × 4000).",
        millions=format_number(MAX_UPLOAD_PIXELS // 1_000_000),
    )


def reencode(data: bytes, max_side: int = 512) -> bytes:
    """An uploaded PNG or JPEG, checked and re-encoded as a clean PNG (at most `max_side` px).

    Raises UploadRefused for anything else, and for an image of more than
    MAX_UPLOAD_PIXELS, judged from its header before it is decoded; the
    original bytes are never stored.
    """
    from PIL import Image, UnidentifiedImageError  # only for uploads

    # Pillow's own guard (an error at twice this) for any image it opens.
    Image.MAX_IMAGE_PIXELS = MAX_UPLOAD_PIXELS
    if len(data) > MAX_UPLOAD:
        raise UploadRefused(_("The image is larger than 2 MB."))
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            if probe.format not in ("PNG", "JPEG"):
                raise UploadRefused(_("Upload a PNG or JPEG image."))
            width, height = probe.size
            if width * height > MAX_UPLOAD_PIXELS:
                raise UploadRefused(_too_many_pixels())
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (1024, 1024))  # JPEG: decode at a reduced size
            image = image.convert("RGBA")
            image.thumbnail((max_side, max_side))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except Image.DecompressionBombError as error:
        raise UploadRefused(_too_many_pixels()) from error
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise UploadRefused(_("That file is not a readable PNG or JPEG image.")) from error
    return out.getvalue()


class StoredImage(db.Model):
    """An uploaded image, re-encoded, kept in the database so every web node serves it."""

    __tablename__ = "stored_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    content_type: Mapped[str] = mapped_column(sa.String(40), default="image/png")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def store(data: bytes, *, max_side: int = 512) -> StoredImage:
    """Check, re-encode and keep an upload; raises UploadRefused with a message."""
    image = StoredImage(data=reencode(data, max_side), content_type="image/png")
    db.session.add(image)
    db.session.flush()
    return image


def discard(image_id: int | None) -> None:
    """Delete a stored image that is no longer used (a replaced logo or photo)."""
    if image_id is not None:
        db.session.execute(sa.delete(StoredImage).where(StoredImage.id == image_id))
