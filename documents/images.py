"""Thumbnails of uploaded images, made once at upload and stored next to the file."""

import io
import warnings

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_TYPE = "image/png"


def make_thumbnail(file) -> bytes:
    """A PNG of at most THUMBNAIL_SIZE, without the original's metadata (EXIF, GPS).

    An image Pillow cannot read, or one that would decode to more pixels than
    Pillow's decompression-bomb limit, is refused: it is damaged or hostile. JPEGs are
    decoded at a reduced scale (`draft`), so a large photo costs little memory.
    """
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image.draft("RGB", THUMBNAIL_SIZE)
                small = ImageOps.exif_transpose(image)
                small.thumbnail(THUMBNAIL_SIZE)
                if small.mode not in ("RGB", "RGBA", "L", "LA"):
                    small = small.convert("RGBA")
                out = io.BytesIO()
                small.save(out, format="PNG", optimize=True)
    # Pillow's decoders meet hostile input with many kinds of error; each means "refuse".
    except Exception:  # noqa: BLE001
        raise ValidationError(
            _("This image could not be read; it may be damaged. Nothing was saved."),
            code="bad_image",
        ) from None
    finally:
        file.seek(0)
    return out.getvalue()
