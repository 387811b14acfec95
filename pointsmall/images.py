"""Catalog images: checked, normalised and bounded on import; thumbnails cached.

Pillow opens JPEG, PNG, WebP, BMP and GIF. An image is refused, and nothing
stored, when the file is empty, too large, not an image, truncated, of a
format we don't take, or a decompression bomb (huge pixel dimensions in a
small file). Accepted images are turned upright by their EXIF orientation,
converted to sRGB, bounded to ``MAX_SIDE`` pixels and re-encoded, so what is
stored is small, upright and safe to decode again.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .errors import ValidationError

# MPO is a JPEG with extra frames (phone photos with a depth map or a preview): its first frame is used.
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "BMP", "GIF"}
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000  # e.g. 8000 x 5000; beyond that the file is treated as a bomb
MAX_SIDE = 1600
THUMB_SIZES = {"grid": 160, "detail": 480}
_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class PreparedImage:
    data: bytes
    mime: str
    width: int
    height: int
    sha256: str


def prepare_image(raw: bytes) -> PreparedImage:
    """Validate and normalise an uploaded image, or raise ValidationError."""
    if not raw:
        raise ValidationError("The image file is empty.", field="image")
    if len(raw) > MAX_FILE_BYTES:
        raise ValidationError("The image is larger than {mb} MB; use a smaller picture.", field="image",
                              mb=MAX_FILE_BYTES // 2**20)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw)) as probe:
                fmt = probe.format
                if fmt not in ACCEPTED_FORMATS:
                    raise ValidationError("Only JPEG, PNG, WebP, BMP and GIF images are accepted.", field="image")
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise ValidationError("The image is {w} x {h} pixels, too large to use.", field="image",
                                          w=width, h=height)
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                image.seek(0)
                image.load()
                image = ImageOps.exif_transpose(image)
                image = _to_srgb(image)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError("The image is too large to open safely.", field="image") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise ValidationError("The file is not a readable image (it may be damaged or cut short).",
                                  field="image") from None
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if image.mode == "RGBA":
        image.save(out, "PNG", optimize=True)
        mime = "image/png"
    else:
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
        mime = "image/jpeg"
    data = out.getvalue()
    return PreparedImage(data, mime, image.width, image.height, hashlib.sha256(data).hexdigest())


def _to_srgb(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if image.mode in ("P", "LA", "PA"):
        image = image.convert("RGBA")  # palette and alpha only: the colour space stays the same
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        # The profile describes the pixels as decoded: apply it before any other
        # mode conversion (a CMYK profile cannot read CMYK already turned into RGB).
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            image = ImageCms.profileToProfile(image, source, _SRGB,
                                              outputMode="RGBA" if image.mode == "RGBA" else "RGB") or image
        except (ImageCms.PyCMSError, OSError):
            pass  # an unreadable profile: keep the pixels as they are, treated as sRGB
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    if image.mode == "RGBA" and image.getextrema()[3] == (255, 255):
        image = image.convert("RGB")  # fully opaque: store as JPEG
    return image


def cache_dir() -> Path:
    path = Path(platformdirs.user_cache_dir("pointsmall", appauthor=False)) / "thumbnails"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cached_thumbnail(image_sha: str, size: str = "grid", directory: Path | None = None) -> bytes | None:
    """The thumbnail made earlier, or None: lets a caller skip reading the stored image."""
    path = (directory or cache_dir()) / f"{image_sha}-{THUMB_SIZES[size]}.jpg"
    return path.read_bytes() if path.exists() else None


def thumbnail(image_sha: str, data: bytes, size: str = "grid", directory: Path | None = None) -> bytes:
    """A cached PNG/JPEG thumbnail; made from the stored image the first time."""
    side = THUMB_SIZES[size]
    path = (directory or cache_dir()) / f"{image_sha}-{side}.jpg"
    if path.exists():
        return path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGBA")
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
        canvas = Image.new("RGB", image.size, (255, 255, 255))
        canvas.paste(image, mask=image.split()[3])
        out = io.BytesIO()
        canvas.save(out, "JPEG", quality=85)
    # A temporary file of its own (several threads may make the same thumbnail
    # at once), renamed into place: a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(out.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out.getvalue()
