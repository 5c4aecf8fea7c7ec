"""Draw the portal's web-app icons (app/static/portal/icon-<size>.png) with Pillow.

Run once when the design changes: ``.venv/bin/python scripts/portal_icons.py``; the
PNG files are committed, the app never draws them. A yellow envelope on the
post's blue, inside the central 80 % that a "maskable" icon keeps whatever the
phone's mask.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (0, 71, 127)
YELLOW = (255, 204, 0)
OUT = Path(__file__).resolve().parent.parent / "app" / "static" / "portal"


def draw(size: int) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges without anti-aliasing support
    big = size * scale
    image = Image.new("RGB", (big, big), BLUE)
    pen = ImageDraw.Draw(image)
    left, right = big * 0.24, big * 0.76
    top, bottom = big * 0.32, big * 0.68
    width = max(2, round(big * 0.035))
    pen.rounded_rectangle((left, top, right, bottom), radius=big * 0.03, fill=YELLOW)
    middle = (big / 2, big * 0.53)
    flap = [(left + width, top + width), middle, (right - width, top + width)]
    pen.line(flap, fill=BLUE, width=width)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size).save(OUT / f"icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
