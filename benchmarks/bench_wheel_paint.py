"""Painting the spin wheel: one frame of a 12-segment wheel at 1080 x 1080.

    python -m benchmarks.bench_wheel_paint --frames 300

A frame is what ``SpinWheel.paintEvent`` does: the cached face (segments,
labels, rim) rotated to the frame's angle, then the fixed pointer and the
centre button, painted here into a 1080 x 1080 QImage (the raster engine a
window's backing store uses). The angles follow real spins (ease-out over
several turns at 60 frames a second). While the wheel turns the rotation is
not smoothed; the wheel at rest is (one frame when it stops, not part of the
animation's frame rate): the table shows both, and the one-off cost of
painting the face into the cache (on a resize or a new wheel, never during
a spin).

Target (issue 5): <= 4 ms a frame, so the spin runs at 60 frames a second.
Prints a table; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIDE = 1080
TARGET_MS = 4.0
SEGMENTS = [("谢谢参与", "#FCE7B2"), ("5积分", "#F97316"), ("¥5 无门槛券", "#10B981"), ("20积分", "#E5484D"),
            ("再接再厉", "#FEF3C7"), ("环保购物袋", "#3B82F6"), ("50积分", "#8B5CF6"), ("谢谢参与", "#FDE68A"),
            ("咖啡买一送一券", "#8D5B3C"), ("10积分", "#14B8A6"), ("陶瓷马克杯", "#2563EB"), ("500积分大奖", "#B91C1C")]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def spin_angles(frames: int, turns: int) -> list[float]:
    """The angles of a spin's frames: OutCubic over ``turns`` turns and a bit."""
    from PySide6.QtCore import QEasingCurve

    curve = QEasingCurve(QEasingCurve.Type.OutCubic)
    travel = 360 * turns + 200
    return [travel * curve.valueForProgress(i / (frames - 1)) for i in range(frames)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=300, help="frames of one spin (300 = 5 s at 60 fps)")
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--spins", type=int, default=3, help="spins to paint; the table is over all their frames")
    args = parser.parse_args()

    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from ui.widgets.wheel_paint import paint_face
    from ui.widgets.wheel_view import SpinWheel

    app = QApplication.instance() or QApplication([])
    wheel = SpinWheel()
    wheel.set_segments(SEGMENTS)
    wheel.set_centre_text("抽奖", "10积分")
    wheel.resize(SIDE, SIDE)
    target = QImage(SIDE, SIDE, QImage.Format.Format_ARGB32_Premultiplied)

    face_wall, face_cpu = [], []
    radius = wheel.wheel_geometry().radius
    for _ in range(10):
        w0, c0 = time.perf_counter(), time.process_time()
        paint_face(SEGMENTS, radius, 1.0)
        face_wall.append(time.perf_counter() - w0)
        face_cpu.append(time.process_time() - c0)
    wheel.cached_face()  # the cache a window would hold before the first frame

    # Pretend the animation runs (the wheel is spinning, so frames are drawn as during a spin).
    angles = spin_angles(args.frames, args.turns)
    spinning: tuple[list[float], list[float]] = ([], [])
    resting: tuple[list[float], list[float]] = ([], [])

    def frame(into: tuple[list[float], list[float]]) -> None:
        w0, c0 = time.perf_counter(), time.process_time()
        target.fill(QColor("#F4F6FA"))
        painter = QPainter(target)
        wheel.paint_frame(painter)
        painter.end()
        into[0].append(time.perf_counter() - w0)
        into[1].append(time.process_time() - c0)

    for _ in range(args.spins):
        wheel.spin_to(3, turns=args.turns, duration_ms=600_000)
        for angle in angles:
            wheel._angle = angle  # as the animation's valueChanged sets it
            frame(spinning)
        wheel.finish_now()
    for angle in angles[::5]:  # the wheel at rest, at as many places
        wheel.set_angle(angle)
        frame(resting)

    load = os.getloadavg()
    print(f"Wheel paint benchmark: 12 segments, {SIDE} x {SIDE}, {args.spins} spins of {args.frames} frames "
          f"({args.turns} turns, OutCubic)")
    print(f"cpu_count={os.cpu_count()}  load={load[0]:.2f}  Python {platform.python_version()}  "
          f"Qt {__import__('PySide6').__version__}  platform={app.platformName()}")
    print(f"{'(ms)':44} {'frames':>6} {'median':>7} {'p99':>7} {'max':>7} {'CPU med':>8} {'CPU p99':>8}  target")
    rows = [("frame while the wheel turns", spinning),
            ("frame at rest (smoothed, once when it stops)", resting),
            ("face painted into the cache (once per size)", (face_wall, face_cpu))]
    for name, (wall, cpu) in rows:
        if not wall:
            continue
        verdict = "" if not name.startswith("frame while") else f"<= {TARGET_MS:g}: median " + (
            "ok" if statistics.median(cpu) * 1000 <= TARGET_MS else "MISSED") + ", p99 " + (
            "ok" if percentile(cpu, 99) * 1000 <= TARGET_MS else "missed")
        print(f"{name:44} {len(wall):>6} {statistics.median(wall) * 1000:>7.2f} {percentile(wall, 99) * 1000:>7.2f} "
              f"{max(wall) * 1000:>7.2f} {statistics.median(cpu) * 1000:>8.2f} {percentile(cpu, 99) * 1000:>8.2f}  "
              f"{verdict}")
    print("target: one frame <= 4 ms at 1080 x 1080 (60 frames a second with room to spare)")
    print("wall time on a loaded machine also counts waiting for a core; compare the CPU row and the load above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
