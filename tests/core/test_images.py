"""Catalog images: a corpus of bad files refused cleanly, good ones normalised, thumbnails cached.

Every file is made here, small: a PNG header that claims 30000 x 30000
pixels is a few dozen bytes, and the decompression bomb is ~100 KB of
compressed zeros that would decode to 100 million pixels.
"""
from __future__ import annotations

import functools
import io
import struct
import threading
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from pointsmall import catalog, images
from pointsmall.errors import ValidationError
from pointsmall.models import ItemImage

from .mall_support import draft, mall, new_item  # noqa: F401  (mall is a fixture)

NOT_READABLE = "The file is not a readable image (it may be damaged or cut short)."
TOO_LARGE_TO_OPEN = "The image is too large to open safely."

# -- making files -------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def photo(size: tuple[int, int] = (64, 48)) -> Image.Image:
    """Something with detail, so that truncating its file really cuts pixels off."""
    return Image.effect_mandelbrot(size, (-2, -1.5, 1, 1.5), 60).convert("RGB")


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_claiming(width: int, height: int, idat: bytes = b"") -> bytes:
    """A grey PNG with a header saying ``width`` x ``height`` and whatever pixel data is given."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + _chunk(b"IDAT", idat or zlib.compress(b"\0" * 16)) + _chunk(b"IEND", b"")


@functools.cache
def png_bomb(side: int = 10_000) -> bytes:
    """A valid PNG of side x side black pixels: ~100 KB that decodes to 100 MB."""
    packer = zlib.compressobj(9)
    row = b"\0" * (side + 1)  # filter byte and one byte per grey pixel
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return png_claiming(side, side, data)


M = ((0.4361, 0.3851, 0.1431), (0.2225, 0.7169, 0.0606), (0.0139, 0.0971, 0.7141))  # linear sRGB to XYZ (D50)


def lut_profile(colour_space: bytes, channels: int, to_rgb) -> bytes:  # type: ignore[no-untyped-def]
    """A tiny ICC v2 input profile: a 2-point lut16 from ``channels`` inks to XYZ through ``to_rgb``.

    The tests give profiles that differ from the naive conversion (cyan ink
    prints yellow), so the result shows whether the profile was applied.
    """
    entries = []
    for index in range(2 ** channels):
        corner = [(index >> (channels - 1 - c)) & 1 for c in range(channels)]
        rgb = to_rgb(*corner)
        entries += [min(65535, round(sum(m * v for m, v in zip(row, rgb)) * 32768)) for row in M]
    lut = struct.pack(">4sI4B", b"mft2", 0, channels, 3, 2, 0)
    lut += struct.pack(">9i", 65536, 0, 0, 0, 65536, 0, 0, 0, 65536) + struct.pack(">HH", 2, 2)
    lut += struct.pack(">2H", 0, 65535) * channels + struct.pack(f">{len(entries)}H", *entries)
    lut += struct.pack(">2H", 0, 65535) * 3
    text = b"test profile\0"
    desc = struct.pack(">4sII", b"desc", 0, len(text)) + text + struct.pack(">IIHB67s", 0, 0, 0, 0, b"")
    white = (round(0.9642 * 65536), 65536, round(0.8249 * 65536))
    wtpt = struct.pack(">4sI3i", b"XYZ ", 0, *white)
    tags = [(b"desc", desc), (b"wtpt", wtpt), (b"A2B0", lut)]
    tags = [(sig, data + b"\0" * (-len(data) % 4)) for sig, data in tags]
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for sig, data in tags:
        table += struct.pack(">4sII", sig, offset + len(body), len(data))
        body += data
    header = struct.pack(">I4sI4s4s4s12s4s4sI4s4sQI3i4s44s", offset + len(body), b"lcms", 0x02100000, b"scnr",
                         colour_space, b"XYZ ", b"\0" * 12, b"acsp", b"APPL", 0, b"none", b"none", 0, 0, *white,
                         b"lcms", b"")
    return header + table + body


def decoded(prepared: images.PreparedImage) -> Image.Image:
    image = Image.open(io.BytesIO(prepared.data))
    image.load()
    return image


def close(pixel, expected, tolerance: int = 24) -> bool:  # type: ignore[no-untyped-def]
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected))


# -- refusals -----------------------------------------------------------------------

def _truncated_jpeg() -> bytes:
    data = encode(photo((256, 192)), "JPEG", quality=95)
    return data[: len(data) // 2]


def _truncated_png() -> bytes:
    data = encode(photo((256, 192)), "PNG")
    return data[: len(data) // 2]


BAD_FILES = {
    "zero bytes": (lambda: b"", "The image file is empty."),
    "truncated JPEG": (_truncated_jpeg, NOT_READABLE),
    "truncated PNG": (_truncated_png, NOT_READABLE),
    "JPEG header only": (lambda: encode(photo(), "JPEG")[:200], NOT_READABLE),
    "text named .png": (lambda: "这不是图片 this is not an image\n".encode() * 20, NOT_READABLE),
    "HTML": (lambda: b"<!doctype html><html><body>hello</body></html>", NOT_READABLE),
    "PNG with a bad checksum": (lambda: encode(photo(), "PNG").replace(b"IDAT", b"IDAT\x00", 1)[:-20] + b"\0" * 20,
                                NOT_READABLE),
    "TIFF": (lambda: encode(photo(), "TIFF"), "Only JPEG, PNG, WebP, BMP and GIF images are accepted."),
    "PNG claiming 30000 x 30000": (lambda: png_claiming(30_000, 30_000), TOO_LARGE_TO_OPEN),
    "PNG claiming 8000 x 8000": (lambda: png_claiming(8_000, 8_000),
                                 "The image is 8000 x 8000 pixels, too large to use."),
    "decompression bomb": (png_bomb, TOO_LARGE_TO_OPEN),
    "over 20 MB": (lambda: b"\xff\xd8\xff" + b"\0" * images.MAX_FILE_BYTES,
                   "The image is larger than 20 MB; use a smaller picture."),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_is_refused_with_a_clear_message(name):
    make, message = BAD_FILES[name]
    with pytest.raises(ValidationError) as exc:
        images.prepare_image(make())
    assert (exc.value.message, exc.value.field) == (message, "image")


def _image_rows(mall) -> int:  # type: ignore[no-untyped-def]
    with mall.db.read() as session:
        return session.scalar(select(func.count()).select_from(ItemImage)) or 0


def test_a_refused_image_stores_nothing_and_keeps_the_items_image(mall):
    item = new_item(mall)
    good = catalog.set_image(mall.db, mall.operator, item.id, encode(photo(), "PNG"))
    rows = _image_rows(mall)
    for name, (make, _) in BAD_FILES.items():
        if name == "over 20 MB":
            continue
        with pytest.raises(ValidationError):
            catalog.set_image(mall.db, mall.operator, item.id, make())
    with mall.db.read() as session:
        assert catalog.get_item(session, item.id).image_id == good.image_id
    assert _image_rows(mall) == rows
    sku = draft()
    with pytest.raises(ValidationError):
        catalog.save_item(mall.db, mall.operator, sku, image=_truncated_jpeg())
    with mall.db.read() as session:
        assert catalog.list_items(session, text=sku.sku) == []
    assert _image_rows(mall) == rows


def test_an_accepted_image_is_stored_and_attached(mall):
    item = new_item(mall)
    view = catalog.set_image(mall.db, mall.operator, item.id, encode(photo((800, 600)), "JPEG"))
    with mall.db.read() as session:
        sha, data = catalog.image_bytes(session, view.image_id)
        assert catalog.get_item(session, item.id).image_sha == sha == view.image_sha
    assert Image.open(io.BytesIO(data)).size == (800, 600)


# -- accepted formats, normalised ---------------------------------------------------

def test_gif_webp_and_bmp_are_accepted():
    gif = Image.new("P", (40, 30), 1)
    gif.putpalette([255, 255, 255, 200, 20, 20] + [0, 0, 0] * 254)
    gif.paste(0, (0, 0, 20, 30))
    transparent = images.prepare_image(encode(gif, "GIF", transparency=0))
    assert (transparent.mime, transparent.width, transparent.height) == ("image/png", 40, 30)
    pixels = decoded(transparent)
    assert pixels.mode == "RGBA" and pixels.getpixel((5, 5))[3] == 0 and close(pixels.getpixel((30, 5)), (200, 20, 20, 255))
    opaque = images.prepare_image(encode(gif, "GIF"))
    assert opaque.mime == "image/jpeg" and close(decoded(opaque).getpixel((30, 5)), (200, 20, 20))
    frames = [Image.new("RGB", (20, 20), c) for c in ((0, 0, 255), (255, 0, 0))]
    animated = images.prepare_image(encode(frames[0], "GIF", save_all=True, append_images=frames[1:]))
    assert close(decoded(animated).getpixel((10, 10)), (0, 0, 255))  # the first frame
    webp = images.prepare_image(encode(Image.new("RGB", (50, 40), (20, 160, 60)), "WEBP", lossless=True))
    assert (webp.mime, webp.width) == ("image/jpeg", 50) and close(decoded(webp).getpixel((25, 20)), (20, 160, 60))
    alpha_webp = images.prepare_image(encode(Image.new("RGBA", (50, 40), (20, 160, 60, 128)), "WEBP", lossless=True))
    assert alpha_webp.mime == "image/png" and decoded(alpha_webp).getpixel((1, 1))[3] == 128
    bmp = images.prepare_image(encode(Image.new("RGB", (30, 20), (250, 200, 0)), "BMP"))
    assert bmp.mime == "image/jpeg" and close(decoded(bmp).getpixel((15, 10)), (250, 200, 0))
    grey = images.prepare_image(encode(Image.new("L", (30, 20), 90), "PNG"))
    assert decoded(grey).mode == "RGB"


def test_a_phone_photo_saved_as_mpo_is_accepted():
    """Bug: a JPEG with extra frames (MPO, e.g. a phone's depth map) was refused as not a JPEG."""
    frames = [Image.new("RGB", (60, 40), (200, 30, 30)), Image.new("RGB", (60, 40), (0, 0, 0))]
    raw = encode(frames[0], "MPO", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(raw)).format == "MPO"
    prepared = images.prepare_image(raw)
    assert (prepared.mime, prepared.width, prepared.height) == ("image/jpeg", 60, 40)
    assert close(decoded(prepared).getpixel((30, 20)), (200, 30, 30))


def test_an_exif_rotated_jpeg_becomes_upright():
    stored = Image.new("RGB", (40, 20), (220, 0, 0))
    stored.paste((0, 0, 220), (20, 0, 40, 20))  # left red, right blue, as the sensor saw it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to show"
    prepared = images.prepare_image(encode(stored, "JPEG", exif=exif.tobytes(), quality=95))
    upright = decoded(prepared)
    assert upright.size == (20, 40)
    assert close(upright.getpixel((10, 5)), (220, 0, 0)) and close(upright.getpixel((10, 35)), (0, 0, 220))
    assert upright.getexif().get(0x0112) in (None, 1)


def test_a_cmyk_jpeg_with_an_icc_profile_is_converted_through_the_profile():
    """Bug: CMYK was converted to RGB naively first, then its CMYK profile failed on the RGB pixels."""
    swapped = lut_profile(b"CMYK", 4, lambda c, m, y, k: ((1 - y) * (1 - k), (1 - m) * (1 - k), (1 - c) * (1 - k)))
    cyan_ink = Image.new("CMYK", (32, 32), (255, 0, 0, 0))
    prepared = images.prepare_image(encode(cyan_ink, "JPEG", icc_profile=swapped, quality=95))
    result = decoded(prepared)
    assert (prepared.mime, result.mode) == ("image/jpeg", "RGB")
    assert close(result.getpixel((16, 16)), (255, 255, 0))  # the profile's colour, not the naive cyan
    plain = images.prepare_image(encode(cyan_ink, "JPEG", quality=95))  # no profile: the naive conversion
    assert close(decoded(plain).getpixel((16, 16)), (0, 255, 255))


def test_rgb_with_another_profile_becomes_srgb():
    blue_is_red = lut_profile(b"RGB ", 3, lambda r, g, b: (b, g, r))
    for mode, fmt, colour in (("RGB", "JPEG", (255, 0, 0)), ("RGBA", "PNG", (255, 0, 0, 100))):
        prepared = images.prepare_image(encode(Image.new(mode, (16, 16), colour), fmt, icc_profile=blue_is_red))
        result = decoded(prepared)
        assert close(result.getpixel((8, 8))[:3], (0, 0, 255))
        assert result.info.get("icc_profile") in (None, b"") or result.info["icc_profile"] != blue_is_red


def test_a_large_image_is_bounded_and_an_unreadable_profile_is_ignored():
    prepared = images.prepare_image(encode(photo((3200, 1000)), "JPEG", icc_profile=b"not a profile"))
    assert (prepared.width, prepared.height) == (images.MAX_SIDE, 500)


# -- thumbnails -------------------------------------------------------------------

def test_thumbnails_are_made_once_then_read_from_the_cache(tmp_path, monkeypatch):
    prepared = images.prepare_image(encode(photo((1200, 900)), "JPEG"))
    grid = images.thumbnail(prepared.sha256, prepared.data, "grid", tmp_path)
    detail = images.thumbnail(prepared.sha256, prepared.data, "detail", tmp_path)
    assert max(Image.open(io.BytesIO(grid)).size) == 160 and max(Image.open(io.BytesIO(detail)).size) == 480
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{prepared.sha256}-160.jpg", f"{prepared.sha256}-480.jpg"]

    def no_decoding(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a cached thumbnail was made again")

    monkeypatch.setattr(images.Image, "open", no_decoding)
    assert images.thumbnail(prepared.sha256, b"", "grid", tmp_path) == grid
    assert images.cached_thumbnail(prepared.sha256, "detail", tmp_path) == detail


def test_threads_making_the_same_thumbnail_at_once_all_get_it(tmp_path: Path):
    """Bug: every writer used the same <name>.tmp file; the losers' rename failed (FileNotFoundError)."""
    prepared = images.prepare_image(encode(photo((800, 600)), "JPEG"))
    for attempt in range(2):
        directory = tmp_path / str(attempt)
        directory.mkdir()
        barrier, results, errors = threading.Barrier(16), [], []

        def make() -> None:
            barrier.wait()
            try:
                results.append(images.thumbnail(prepared.sha256, prepared.data, "detail", directory))
            except Exception as exc:  # noqa: BLE001  (collected and asserted below)
                errors.append(exc)

        threads = [threading.Thread(target=make) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and len(results) == 16 and len(set(results)) == 1
        assert [p.name for p in directory.iterdir()] == [f"{prepared.sha256}-480.jpg"]
