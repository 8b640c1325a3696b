"""Parameters, waveform and the error bar, on their own."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from app.api.errors import ErrorKind, SegmindError
from app.jobs.model import DEFAULT_PROMPT
from app.ui.error_bar import BILLING_URL, ErrorBar
from app.ui.params import ParamsPanel
from app.ui.waveform import WaveformView


def test_params_defaults_and_duration_from_audio(qtbot):
    p = ParamsPanel()
    qtbot.addWidget(p)
    assert p.prompt.placeholderText() == DEFAULT_PROMPT
    v = p.values()
    assert v["prompt"] == DEFAULT_PROMPT and v["duration"] == 10 and v["quality"] == "high"
    for seconds, expected in ((3.0, 5), (5.0, 5), (7.2, 10), (14.0, 15), (32.0, 15)):
        p.set_audio_seconds(seconds)
        assert p.duration == expected, seconds
    assert p.needs_trim and p.trim_blocks  # 32 s does not fit 15 s
    assert not p.trim_box.isHidden() and "32.0 s" in p.trim_note.text()
    p.trim_box.setChecked(True)
    assert not p.trim_blocks and p.values()["trim"] is True
    p.set_audio_seconds(14.0)
    p.set_duration(5)  # the creator picks a shorter video than the clip: trim offered
    assert p.needs_trim and "keep 0:00.0–0:05.0" in p.trim_box.text()
    p.set_duration(15)
    assert not p.needs_trim and p.trim_box.isHidden() and p.values()["trim"] is False


def test_params_seed_dice_and_fields(qtbot):
    p = ParamsPanel()
    qtbot.addWidget(p)
    seeds = {p.roll_seed() for _ in range(5)}
    assert len(seeds) > 1 and all(1 <= s <= 1_000_000 for s in seeds)
    qtbot.mouseClick(p.dice, Qt.MouseButton.LeftButton)
    p.prompt.setPlainText("  A calm narrator  ")
    p.quality.setCurrentIndex(1)
    p.enhance.setChecked(True)
    v = p.values()
    assert v["prompt"] == "A calm narrator" and v["quality"] == "mid" and v["enhance_prompt"]


def test_waveform_paints_with_marks(qtbot):
    w = WaveformView()
    qtbot.addWidget(w)
    w.resize(300, 70)
    w.set_peaks([0.1, 0.9, 0.5] * 50, 14.0)
    w.set_limit(10)
    image = w.grab().toImage()
    assert not image.isNull() and w.peaks[1] == 0.9
    w.clear()
    assert w.peaks == []


def test_error_bar_actions(qtbot, opened_urls):
    bar = ErrorBar()
    qtbot.addWidget(bar)
    bar.show_error(SegmindError(ErrorKind.insufficient_credits, "Insufficient credits."))
    assert bar.isVisible() and bar.button.text() == "Buy credits"
    assert "Add credits" in bar.message.text()
    bar.button.click()
    assert opened_urls == [BILLING_URL] and not bar.isVisible()

    bar.show_error(SegmindError(ErrorKind.invalid_key, "The key was refused."))
    with qtbot.waitSignal(bar.actionRequested) as blocker:
        bar.button.click()
    assert blocker.args == ["enter_key", None]

    bar.show_error(
        SegmindError(ErrorKind.rate_limited, "Too many requests.", retry_at=time.time() + 30)
    )
    assert "Resets in" in bar.message.text() and bar.button.text() == "OK, wait"
    bar.button.click()
    assert not bar.isVisible()

    bar.show_error(SegmindError(ErrorKind.job_failed, "No speech detected."), "job1")
    with qtbot.waitSignal(bar.actionRequested) as blocker:
        bar.button.click()
    assert blocker.args == ["retry", "job1"]
    bar.show_error(SegmindError(ErrorKind.server, "Segmind is down."))  # no job: no retry
    assert bar.button.isHidden()


def test_trim_window_is_dragged_on_the_waveform_and_moved_by_keys(qtbot):
    from PySide6.QtCore import QPoint

    w = WaveformView()
    qtbot.addWidget(w)
    w.resize(320, 70)
    w.show()
    w.set_peaks([0.2, 0.8] * 80, 32.0)
    w.set_window(10.0, 0.0)
    moved = []
    w.windowMoved.connect(moved.append)
    x5, x15 = round(w._x(5.0)), round(w._x(15.0))
    y = 20
    qtbot.mousePress(w, Qt.MouseButton.LeftButton, pos=QPoint(x5, y))  # inside the window
    qtbot.mouseMove(w, QPoint(x15, y))
    qtbot.mouseRelease(w, Qt.MouseButton.LeftButton, pos=QPoint(x15, y))
    assert 9.0 <= w.window_start <= 11.0 and moved and moved[-1] == w.window_start
    assert "Keeps" in w.accessibleDescription()
    start = w.window_start
    qtbot.keyClick(w, Qt.Key.Key_Right)
    assert w.window_start > start
    qtbot.keyClick(w, Qt.Key.Key_End)
    assert w.window_start == 22.0  # the window ends with the clip
    w.set_cuts([8.5, 17.0, 25.5])  # the long-video plan's cuts share the widget
    assert not w.grab().toImage().isNull()


def test_the_trim_start_reaches_the_request(qtbot):
    from app.ui.inputs_panel import InputsPanel

    panel = InputsPanel(bridge=None)
    qtbot.addWidget(panel)
    panel.params.set_audio_seconds(32.0)
    panel.params.set_duration(10)
    panel.params.trim_box.setChecked(True)
    panel.audio_slot.waveform.set_peaks([0.5] * 100, 32.0)
    panel._show_trim()
    panel.audio_slot.waveform.move_window(12.0)
    v = panel.params.values()
    assert v["trim"] and v["trim_start"] == 12.0
    assert "keep 0:12.0–0:22.0" in panel.params.trim_box.text()
