"""The window before (and without) its engine: sizes, panes, remembered layout, theme,
menus, the form's draft. Real widgets on the offscreen platform, real settings files."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.jobs.model import DEFAULT_PROMPT, Job, JobState
from app.settings import Settings, app_paths
from app.ui.queue_model import COL_PROMPT, COL_STATE, ROW_HEIGHT
from app.ui.queue_view import WIDTHS
from app.ui.theme import Theme, is_dark
from app.ui.window import MIN_SIZE, StudioWindow


@pytest.fixture
def paths(s2v_home):
    return app_paths(s2v_home).ensure()


def make(qtbot, paths, settings=None, jobs=(), size=(1280, 800), demo=False):
    settings = settings or Settings(keep_in_tray=False, privacy_notice_seen=True)
    w = StudioWindow(None, settings, paths, demo=demo)
    qtbot.addWidget(w)
    if jobs:
        w.model.set_jobs(jobs)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w


def close(w) -> None:
    w.quit()
    w.deleteLater()


def many_jobs(n=30):
    states = [JobState.completed, JobState.failed, JobState.processing]
    return [
        Job(
            image="a.png",
            audio="a.wav",
            prompt=f"job {i} " + "long words " * 12,
            state=states[i % 3],
        )
        for i in range(n)
    ]


def visible_rows(w) -> float:
    return w.queue.table.viewport().height() / ROW_HEIGHT


def test_queue_gets_the_height_and_the_window_a_usable_minimum(qtbot, paths):
    w = make(qtbot, paths, jobs=many_jobs())
    assert visible_rows(w) >= 8
    assert (w.minimumWidth(), w.minimumHeight()) == MIN_SIZE
    w.resize(800, 500)  # below the minimum: held at it
    qtbot.wait(50)
    assert w.width() >= MIN_SIZE[0] and w.height() >= MIN_SIZE[1]
    # at the minimum the prompt elides first; state, time and cost stay on screen
    header = w.queue.table.horizontalHeader()
    assert header.sectionSize(COL_STATE) >= WIDTHS[COL_STATE][1]
    assert header.sectionSize(COL_PROMPT) < 400
    used = sum(header.sectionSize(c) for c in range(7) if not header.isSectionHidden(c))
    assert used <= w.queue.table.viewport().width() + 2  # no sideways scrolling
    assert w.generate_button.isVisible() and w.generate_button.height() >= 30
    close(w)


def test_preview_pane_collapses_and_the_layout_is_remembered(qtbot, paths):
    settings = Settings(keep_in_tray=False)
    w = make(qtbot, paths, settings, jobs=many_jobs())
    rows = visible_rows(w)
    w.pane_action.trigger()  # F9
    qtbot.wait(50)
    assert not w.right.widget(1).isVisible() and visible_rows(w) > rows + 3
    w.splitter.setSizes([420, 860])
    left = w.splitter.sizes()[0]
    close(w)
    saved = json.loads(paths.settings_file.read_text())["window"]
    assert saved["pane"] is False and saved["splitter"][0] == left
    again = make(qtbot, paths, Settings.load(paths), jobs=many_jobs())
    assert not again.pane_action.isChecked() and not again.right.widget(1).isVisible()
    assert abs(again.splitter.sizes()[0] - left) <= 2
    close(again)


def test_theme_follows_the_choice_and_is_saved(qtbot, paths, qapp):
    settings = Settings(keep_in_tray=False)
    theme = Theme(qapp, "light")
    w = StudioWindow(None, settings, paths, theme=theme)
    qtbot.addWidget(w)
    try:
        assert not is_dark()
        w.scheme_actions["dark"].trigger()
        assert is_dark()  # offscreen has no scheme of its own: the app's palette is dark
        text = QApplication.palette().color(QPalette.ColorRole.WindowText)
        assert text.lightness() > 160  # light text: icons drawn in it stay visible
        assert "QRadioButton::indicator" in qapp.styleSheet()  # outlines drawn on dark
        assert json.loads(paths.settings_file.read_text())["color_scheme"] == "dark"
        w.scheme_actions["light"].trigger()
        assert not is_dark() and qapp.styleSheet() == ""
    finally:
        theme.apply("system")
        close(w)


def test_title_help_menu_and_logs_folder(qtbot, paths, opened_urls):
    from app.ui import window_menus

    w = make(qtbot, paths)
    assert "Speech2Video Studio" not in w.windowTitle()  # the window system adds the name
    box = window_menus.show_about(w)
    assert "GPL-3.0-or-later" in box.text() and window_menus.version() in box.text()
    assert not box.isModal() or box.isVisible()
    box.close()
    shortcuts = window_menus.show_shortcuts(w)
    assert (
        "Ctrl+Z" in shortcuts.text() or "Undo" in shortcuts.text() or "Delete" in shortcuts.text()
    )
    shortcuts.close()
    window_menus.open_logs(w)
    assert opened_urls == [str(paths.logs)]
    titles = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Settings", "Help"]
    assert w.demo_action.text().replace("&", "") == "Try the offline demo"
    close(w)


def test_every_control_has_an_accessible_name(qtbot, paths):
    w = make(qtbot, paths)
    for widget in (
        w.image_slot,
        w.audio_slot,
        w.image_slot.browse_button,
        w.audio_slot.play_button,
        w.audio_slot.waveform,
        w.params.prompt,
        w.params.count,
        w.generate_button,
        w.queue.table,
        w.queue.filter,
        w.queue.search,
    ):
        assert widget.accessibleName(), widget
        assert widget.focusPolicy() != Qt.FocusPolicy.NoFocus or widget is w.params.count
    close(w)


def test_prompt_counter_and_the_default_prompt(qtbot, paths):
    w = make(qtbot, paths)
    p = w.params
    assert "default prompt" in p.count.text() and p.values()["prompt"] == DEFAULT_PROMPT
    p.prompt.setPlainText("x" * 1999)
    assert "1,999 / 2,000" in p.count.text() and p.prompt_problem is None
    p.prompt.setPlainText("x" * 2005)
    assert "5 too many" in p.count.text()
    assert p.prompt_problem == "Shorten the prompt (2,000 characters at most)"
    close(w)


def test_the_form_survives_a_restart_and_a_crash(qtbot, qloop, paths, media):
    w = make(qtbot, paths)
    w.image_slot.take(str(media / "portrait-astronaut.png"))
    w.audio_slot.take(str(media / "voice-32s.wav"))
    qtbot.waitUntil(lambda: w.audio_slot.ready and w.image_slot.ready, timeout=5000)
    w.params.prompt.setPlainText("Kept across a crash")
    w.params.set_duration(10)
    w.params.trim_box.setChecked(True)
    w.audio_slot.waveform.move_window(12.0)
    w.params.seed.setValue(777)
    draft = paths.config / "draft.json"
    qtbot.waitUntil(lambda: draft.exists() and "777" in draft.read_text(), timeout=3000)
    # a crash: the first window never quits; a new one reads the draft written as typed
    again = make(qtbot, paths)
    qtbot.waitUntil(lambda: again.audio_slot.ready and again.image_slot.ready, timeout=5000)
    v = again.inputs.values()
    assert v["image"].endswith("portrait-astronaut.png") and v["audio"].endswith("voice-32s.wav")
    assert v["prompt"] == "Kept across a crash" and v["seed"] == 777 and v["duration"] == 10
    assert v["trim"] and v["trim_start"] == pytest.approx(12.0, abs=0.2)
    close(again)
    close(w)


def test_the_demo_never_writes_the_creators_settings(qtbot, paths):
    settings = Settings(keep_in_tray=False, spend_threshold=33.0)
    settings.save(paths)
    before = paths.settings_file.read_text()
    w = make(qtbot, paths, Settings.load(paths), demo=True)
    w.set_color_scheme("dark")
    w.params.prompt.setPlainText("demo prompt")
    close(w)
    assert paths.settings_file.read_text() == before
    assert not (paths.config / "draft.json").exists()
    assert w.demo_action.text().replace("&", "") == "Leave the demo"
