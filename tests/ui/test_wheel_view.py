"""The wheel widget: it lands on the segment it is told, reads where it stands, paints from its cache."""
from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter

from ui.widgets.wheel_paint import break_points, fit_label, label_font, two_lines
from ui.widgets.wheel_view import SpinWheel

TWELVE = [(chr(ord("A") + i), QColor.fromHsv(i * 30, 200, 200).name()) for i in range(12)]
WAIT = 5000


@pytest.fixture
def wheel(qtbot) -> SpinWheel:  # type: ignore[no-untyped-def]
    widget = SpinWheel()
    qtbot.addWidget(widget)
    widget.set_segments(TWELVE)
    widget.resize(400, 400)
    widget.duration_ms = 250
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_segment_under_the_pointer_follows_the_angle(wheel):
    assert wheel.segment_under_pointer() == 0  # segment 0 starts at the top, going clockwise
    wheel.set_angle(-15)  # turned back half a segment: the middle of segment 0 is at the top
    assert wheel.segment_under_pointer() == 0
    wheel.set_angle(-45)
    assert wheel.segment_under_pointer() == 1
    wheel.set_angle(10)  # turned clockwise: the last segment comes under the pointer
    assert wheel.segment_under_pointer() == 11
    wheel.set_angle(-359)
    assert wheel.segment_under_pointer() == 11
    wheel.set_angle(720 - 75)
    assert wheel.segment_under_pointer() == 2
    wheel.set_segments([])
    assert wheel.segment_under_pointer() == -1


@pytest.mark.parametrize("index", [0, 3, 7, 11])
def test_a_spin_turns_several_times_and_stops_inside_the_segment_it_was_told(qtbot, wheel, index):
    wheel.set_angle(123.0)
    seen: list[float] = []
    wheel.angle_changed.connect(seen.append)
    with qtbot.waitSignal(wheel.finished, timeout=WAIT) as landed:
        wheel.spin_to(index, turns=4)
        assert wheel.is_spinning() and wheel.target() == index
    assert landed.args == [index]
    assert not wheel.is_spinning()
    assert wheel.segment_under_pointer() == index
    assert max(seen) - 123.0 >= 4 * 360  # four full turns before the landing
    under = (-wheel.angle()) % 360 - index * wheel.span()
    assert 0.15 * wheel.span() <= under <= 0.85 * wheel.span()  # inside, not on an edge


def test_spins_in_a_row_land_where_told_also_with_few_segments(qtbot, wheel):
    wheel.set_segments(TWELVE[:4])
    stops = set()
    for index in (2, 2, 0, 3, 1, 1):
        with qtbot.waitSignal(wheel.finished, timeout=WAIT):
            wheel.spin_to(index)
        assert wheel.segment_under_pointer() == index
        stops.add(round(wheel.angle(), 3))
    assert len(stops) > 2  # not always the same spot: a random point inside the segment


def test_the_edges_of_a_segment_are_reachable_but_never_crossed(qtbot, wheel):
    for offset in (0.0, 1.0):  # clamped to 5% / 95% of the segment
        with qtbot.waitSignal(wheel.finished, timeout=WAIT):
            wheel.spin_to(5, offset=offset)
        assert wheel.segment_under_pointer() == 5


def test_a_new_spin_cuts_the_running_one_short(qtbot, wheel):
    wheel.duration_ms = 3000
    landed: list[int] = []
    wheel.finished.connect(landed.append)
    wheel.spin_to(4)
    wheel.spin_to(9, duration_ms=100)
    qtbot.waitUntil(lambda: landed == [4, 9], timeout=WAIT)
    assert wheel.segment_under_pointer() == 9


def test_an_index_outside_the_wheel_is_refused(wheel):
    with pytest.raises(IndexError):
        wheel.spin_to(12)
    assert not wheel.is_spinning()


def test_what_is_painted_under_the_pointer_is_the_landed_segment(qtbot, wheel):
    for index in (1, 6, 10):
        with qtbot.waitSignal(wheel.finished, timeout=WAIT):
            wheel.spin_to(index, offset=0.5)
        image = wheel.grab().toImage()
        geo = wheel.wheel_geometry()
        probe = geo.centre - QPointF(0, geo.face * 0.45)  # between the hub and the label
        colour = image.pixelColor(round(probe.x()), round(probe.y()))
        wanted = QColor(TWELVE[index][1])
        assert abs(colour.red() - wanted.red()) + abs(colour.green() - wanted.green()) \
            + abs(colour.blue() - wanted.blue()) < 30


def test_the_face_is_painted_once_and_again_only_when_it_changes(qtbot, wheel):
    face = wheel.cached_face()
    for angle in (10, 20, 30):
        wheel.set_angle(angle)
        wheel.repaint()
    assert wheel.cached_face() is face  # frames only rotate the cached picture
    wheel.resize(500, 500)
    qtbot.waitUntil(lambda: wheel.width() == 500)
    resized = wheel.cached_face()
    assert resized is not face and resized.width() > face.width()
    wheel.set_segments(TWELVE[:6])
    assert wheel.cached_face() is not resized


def test_the_centre_button_asks_for_a_spin_only_when_it_may(qtbot, wheel):
    centre = wheel.wheel_geometry().centre.toPoint()
    with qtbot.waitSignal(wheel.spin_requested, timeout=1000):
        qtbot.mouseClick(wheel, Qt.MouseButton.LeftButton, pos=centre)
    asked: list[bool] = []
    wheel.spin_requested.connect(lambda: asked.append(True))
    qtbot.mouseClick(wheel, Qt.MouseButton.LeftButton, pos=QPoint(centre.x(), 20))  # on a segment, not the button
    wheel.set_interactive(False)
    qtbot.mouseClick(wheel, Qt.MouseButton.LeftButton, pos=centre)
    wheel.set_interactive(True)
    wheel.duration_ms = 2000
    wheel.spin_to(3)
    qtbot.mouseClick(wheel, Qt.MouseButton.LeftButton, pos=centre)  # no second spin while one runs
    wheel.finish_now()
    assert asked == []
    wheel.setFocus()
    qtbot.keyClick(wheel, Qt.Key.Key_Space)
    assert asked == [True]


def test_labels_break_between_chinese_words_and_never_inside_numbers():
    assert [i for i, _ in break_points("50积分")] == [2]  # 50|积分: not 5|0, not 积|分
    assert [i for i, rank in break_points("¥5 优惠券") if rank == 0] == [2, 3]
    metrics = QFontMetricsF(label_font(20))
    assert two_lines("精选水果礼盒一份", metrics) == ["精选水果", "礼盒一份"]
    assert two_lines("Thanks for playing", metrics) in (["Thanks for", "playing"], ["Thanks", "for playing"])
    assert two_lines("1000", metrics) is None


@pytest.mark.parametrize("segments", [4, 8, 12])
def test_long_labels_are_fitted_inside_their_segment(qapp, segments):
    face = 300.0
    span = 360 / segments
    for text in ("谢谢参与", "500积分", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二",
                 "A very long English prize name that cannot fit"):
        fitted = fit_label(text, face, span)
        metrics = QFontMetricsF(fitted.font)
        assert 1 <= len(fitted.lines) <= 2
        inner = fitted.outer - metrics.height() * len(fitted.lines)
        for line in fitted.lines:
            assert metrics.horizontalAdvance(line) <= 2 * inner * math.tan(math.radians(min(span, 120) / 2)) + 1
        if text == "谢谢参与":
            assert fitted.lines == ("谢谢参与",)


def test_painting_a_frame_into_an_image_needs_no_window(qtbot):
    wheel = SpinWheel()
    qtbot.addWidget(wheel)
    wheel.set_segments(TWELVE)
    wheel.resize(300, 300)
    image = QImage(300, 300, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#FFFFFF"))
    painter = QPainter(image)
    wheel.paint_frame(painter)
    painter.end()
    geo = wheel.wheel_geometry()
    assert image.pixelColor(geo.centre.toPoint()) != QColor("#FFFFFF")
    assert not wheel.isVisible()
