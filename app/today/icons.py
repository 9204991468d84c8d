"""Draw the app icon as PNG files with the standard library only (zlib + struct).

The PNGs are committed; run `python -m app.today.icons` to redraw them after changing the
shapes. They copy app/static/icons/icon.svg: a rounded square, a head and a wave.
"""

import math
import struct
import zlib
from pathlib import Path

BRAND = (0x0B, 0x5D, 0x4B)
WHITE = (0xFF, 0xFF, 0xFF)
ICON_DIR = Path(__file__).resolve().parent.parent / "static" / "icons"
Point = tuple[float, float]


def _wave_points(steps: int = 48) -> list[tuple[float, float]]:
    """The SVG path M18 44 c6 0 8-6 14-6 s8 6 14 6 as points (64-unit box)."""

    def bezier(p0: Point, p1: Point, p2: Point, p3: Point, t: float) -> tuple[float, float]:
        u = 1 - t
        x, y = (
            u**3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t**3 * d
            for a, b, c, d in zip(p0, p1, p2, p3, strict=True)
        )
        return x, y

    first = ((18, 44), (24, 44), (26, 38), (32, 38))
    second = ((32, 38), (38, 38), (40, 44), (46, 44))  # the reflected control point
    points = [bezier(*first, i / steps) for i in range(steps + 1)]
    points += [bezier(*second, i / steps) for i in range(1, steps + 1)]
    return points


def _segment_distance(px: float, py: float, a: tuple, b: tuple) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def draw_icon(size: int, maskable: bool = False) -> bytes:
    """Return an RGBA PNG of the icon, size x size pixels."""
    unit = size / 64
    scale = 0.8 if maskable else 1.0  # maskable icons keep the figure in the safe zone
    offset = 32 * (1 - scale)
    radius = 0 if maskable else 14
    wave = [(offset + x * scale, offset + y * scale) for x, y in _wave_points()]
    head = (offset + 32 * scale, offset + 22 * scale, 7 * scale)
    half_stroke = 2.5 * scale
    pixel = 1 / unit  # one pixel in icon units, for soft (anti-aliased) edges
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter type 0 for this scanline
        cy = (y + 0.5) / unit
        for x in range(size):
            cx = (x + 0.5) / unit
            alpha = _rounded_square_coverage(cx, cy, radius, pixel)
            colour = BRAND
            if alpha:
                figure = max(
                    _edge(math.hypot(cx - head[0], cy - head[1]) - head[2], pixel),
                    _wave_coverage(cx, cy, wave, half_stroke, pixel, offset, scale),
                )
                red, green, blue = (
                    round(b + (w - b) * figure) for b, w in zip(BRAND, WHITE, strict=True)
                )
                colour = (red, green, blue)
            row += bytes((*colour, round(alpha * 255)))
        rows.append(bytes(row))
    return _png(size, size, b"".join(rows))


def _edge(signed_distance: float, pixel: float) -> float:
    """Coverage from a signed distance to an edge (negative inside), one pixel soft."""
    return max(0.0, min(1.0, 0.5 - signed_distance / pixel))


def _rounded_square_coverage(x: float, y: float, radius: float, pixel: float) -> float:
    if radius == 0:
        return 1.0
    qx = max(radius - x, x - (64 - radius), 0)
    qy = max(radius - y, y - (64 - radius), 0)
    return _edge(math.hypot(qx, qy) - radius, pixel)


def _wave_coverage(
    x: float,
    y: float,
    wave: list[tuple[float, float]],
    half_stroke: float,
    pixel: float,
    offset: float,
    scale: float,
) -> float:
    # Only pixels near the wave's bounding box need the distance to every segment.
    if not (
        offset + 15 * scale <= x <= offset + 49 * scale
        and offset + 35 * scale <= y <= offset + 47 * scale
    ):
        return 0.0
    distance = min(_segment_distance(x, y, a, b) for a, b in zip(wave, wave[1:], strict=False))
    return _edge(distance - half_stroke, pixel)


def _png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    """Write icon-192.png, icon-512.png and icon-maskable-512.png next to icon.svg."""
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
    ):
        (ICON_DIR / name).write_bytes(draw_icon(size, maskable))
        print(f"wrote {ICON_DIR / name}")


if __name__ == "__main__":
    main()
