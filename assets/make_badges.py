"""Draw the tier badges (round medals) in ``assets/badges`` with Pillow.

    python assets/make_badges.py

Each badge is a 128x128 PNG with a transparent background: a medal in the
tier's colour with a lighter rim and a white emblem (a dot for Regular, a
star for Silver, a crown for Gold, a cut diamond for Diamond). Drawn at 4x
and scaled down, so the edges are smooth. The output is committed; run this
again only when the art changes.
"""
from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 128
SCALE = 4
OUT = Path(__file__).resolve().parent / "badges"

TIERS = {
    "regular": "#8C8C8C",
    "silver": "#9AA5B1",
    "gold": "#D4A017",
    "diamond": "#4F7CFF",
}

Point = tuple[float, float]


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def mix(colour: tuple[int, int, int], other: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    return tuple(round(c + (o - c) * amount) for c, o in zip(colour, other))  # type: ignore[return-value]


def star(cx: float, cy: float, outer: float, inner: float) -> list[Point]:
    points = []
    for i in range(10):
        angle = -math.pi / 2 + i * math.pi / 5
        radius = outer if i % 2 == 0 else inner
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def emblem(draw: ImageDraw.ImageDraw, code: str, c: float, u: float, ink: tuple[int, int, int, int]) -> None:
    """Draw the tier's emblem centred on (c, c); ``u`` is one badge pixel at the drawing scale."""
    if code == "regular":
        draw.ellipse([c - 14 * u, c - 14 * u, c + 14 * u, c + 14 * u], outline=ink, width=round(6 * u))
        draw.ellipse([c - 5 * u, c - 5 * u, c + 5 * u, c + 5 * u], fill=ink)
    elif code == "silver":
        draw.polygon(star(c, c + 2 * u, 28 * u, 12 * u), fill=ink)
    elif code == "gold":
        base, top = c + 18 * u, c - 18 * u
        crown = [(c - 28 * u, top + 6 * u), (c - 14 * u, c + 2 * u), (c, top - 4 * u), (c + 14 * u, c + 2 * u),
                 (c + 28 * u, top + 6 * u), (c + 22 * u, base), (c - 22 * u, base)]
        draw.polygon(crown, fill=ink)
        for x, y in ((c - 28 * u, top + 6 * u), (c, top - 4 * u), (c + 28 * u, top + 6 * u)):
            draw.ellipse([x - 5 * u, y - 5 * u, x + 5 * u, y + 5 * u], fill=ink)
    elif code == "diamond":
        top, girdle, tip = c - 22 * u, c - 8 * u, c + 26 * u
        gem = [(c - 16 * u, top), (c + 16 * u, top), (c + 30 * u, girdle), (c, tip), (c - 30 * u, girdle)]
        draw.polygon(gem, fill=ink)
        facet = (0, 0, 0, 60)
        line = round(3 * u)
        draw.line([(c - 30 * u, girdle), (c + 30 * u, girdle)], fill=facet, width=line)
        draw.line([(c - 8 * u, top), (c - 14 * u, girdle), (c, tip)], fill=facet, width=line)
        draw.line([(c + 8 * u, top), (c + 14 * u, girdle), (c, tip)], fill=facet, width=line)


def badge(code: str, colour: str) -> Image.Image:
    big = SIZE * SCALE
    u = float(SCALE)
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    base = rgb(colour)
    dark, light = mix(base, (0, 0, 0), 0.28), mix(base, (255, 255, 255), 0.45)
    c = big / 2
    # a soft shadow, the rim, then the face with a lighter upper half for depth
    draw.ellipse([6 * u, 9 * u, big - 6 * u, big - 3 * u], fill=(0, 0, 0, 40))
    draw.ellipse([4 * u, 4 * u, big - 4 * u, big - 6 * u], fill=(*dark, 255))
    draw.ellipse([9 * u, 9 * u, big - 9 * u, big - 11 * u], fill=(*light, 255))
    draw.ellipse([15 * u, 15 * u, big - 15 * u, big - 17 * u], fill=(*base, 255))
    draw.chord([15 * u, 15 * u, big - 15 * u, big - 17 * u], 180, 360, fill=(*mix(base, (255, 255, 255), 0.12), 255))
    emblem(draw, code, c, u * 1.05, (255, 255, 255, 245))
    return image.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for code, colour in TIERS.items():
        path = OUT / f"{code}.png"
        badge(code, colour).save(path, optimize=True)
        print(path)


if __name__ == "__main__":
    main()
