"""The settings dialog edits the shared Settings object and saves settings.json."""

from __future__ import annotations

import json
import os
import re

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtWidgets import QFileDialog

from app.jobs.naming import DEFAULT_TEMPLATE, FIELDS
from app.settings import Settings, app_paths
from app.ui.settings_dialog import SettingsDialog


@pytest.fixture
def paths(tmp_path):
    return app_paths(tmp_path / "home")


@pytest.fixture
def dialog(qtbot, paths):
    d = SettingsDialog(Settings(), paths)
    qtbot.addWidget(d)
    d.open()
    return d


def test_shows_defaults(dialog, paths):
    assert not dialog.isModal()
    assert dialog.output_dir.text() == ""
    assert dialog.output_dir.placeholderText() == str(paths.videos)
    assert dialog.concurrency.value() == 3
    assert dialog.budget.currentData() == "free"
    assert dialog.budget_custom.value() == 5 and not dialog.budget_custom.isEnabled()
    assert dialog.price_box(0, 0).value() == pytest.approx(1.41)  # high, 5 s
    assert dialog.price_box(1, 2).value() == pytest.approx(2.58)  # mid, 15 s


def test_save_applies_in_place_and_writes_json(qtbot, dialog, paths, tmp_path):
    out = tmp_path / "my videos"
    dialog.output_dir.setText(str(out))
    dialog.concurrency.setValue(5)
    dialog.budget.setCurrentIndex(2)  # custom
    assert dialog.budget_custom.isEnabled()
    dialog.budget_custom.setValue(12)
    dialog.notifications.setChecked(False)
    dialog.spend_threshold.setValue(42.5)
    dialog.keep_in_tray.setChecked(False)
    dialog.price_box(0, 1).setValue(3.0)
    with qtbot.waitSignal(dialog.settingsChanged):
        dialog.save_button.click()
    s = dialog.settings
    assert (s.output_dir, s.concurrency, s.budget_preset, s.requests_per_minute) == (
        str(out),
        5,
        "custom",
        12,
    )
    assert (s.notifications, s.spend_threshold, s.keep_in_tray) == (False, 42.5, False)
    assert s.price("high", 10) == 3.0
    raw = json.loads(paths.settings_file.read_text())
    assert raw["budget_per_minute"] == 12 and raw["prices"]["high"]["10"] == 3.0
    again = Settings.load(paths)
    assert again.output_folder(paths) == out and again.concurrency == 5
    assert not dialog.isVisible()
    written = {p for p in (tmp_path).rglob("*") if p.is_file()}
    assert written == {paths.settings_file}  # nothing else, nothing outside S2V_HOME


def test_pro_preset(qtbot, dialog):
    dialog.budget.setCurrentIndex(1)
    assert dialog.budget_custom.value() == 50
    dialog.save()
    assert dialog.settings.requests_per_minute == 50


def test_a_file_is_refused_as_output_folder(qtbot, dialog, paths, tmp_path):
    f = tmp_path / "not-a-folder.txt"
    f.write_text("x")
    dialog.output_dir.setText(str(f))
    dialog.save_button.click()
    assert not dialog.error.isHidden()
    assert "is not a folder" in dialog.error.text()
    assert dialog.settings.output_dir is None
    assert not paths.settings_file.exists()


def test_browse_opens_a_non_blocking_folder_dialog(qtbot, dialog, tmp_path):
    dialog.browse_output_dir()  # returns at once: the folder dialog is open(), not exec()
    chooser = dialog.findChild(QFileDialog)
    qtbot.waitUntil(chooser.isVisible, timeout=3000)
    assert chooser.fileMode() == QFileDialog.FileMode.Directory
    chooser.setDirectory(str(tmp_path.parent))
    chooser.selectFile(str(tmp_path))
    chooser.accept()  # as when the creator clicks "Choose"
    assert dialog.output_dir.text() == str(tmp_path)


def test_file_names_field_shows_todays_template_and_its_example(dialog):
    names = dialog.names
    assert names.edit.text() == DEFAULT_TEMPLATE
    assert names.example_name() == "astronaut-10s-seed4242-3f9c2a1b7d04.mp4"
    assert names.example.text().replace("\u200b", "").endswith(names.example_name())
    assert not names.example.isHidden() and names.error.isHidden()
    assert all(f"{{{f}}}" in names.edit.toolTip() for f in FIELDS)


def test_typing_updates_the_example(qtbot, dialog):
    names = dialog.names
    names.edit.clear()
    qtbot.keyClicks(names.edit, "{batch}-take{take}-{audio}-{prompt}")
    shown = names.example.text().replace("\u200b", "")
    assert shown.endswith("launch-take2-intro-A-calm-presenter-explains-the.mp4")
    names.edit.setText("{date}_{quality}")
    assert re.search(r"\d{4}-\d\d-\d\d_high\.mp4$", names.example.text().replace("\u200b", ""))


def test_field_menu_inserts_at_the_cursor(qtbot, dialog):
    names = dialog.names
    names.edit.setText("clip--{id}")
    names.edit.setCursorPosition(5)
    seed = next(a for a in names.menu.actions() if a.data() == "seed")
    assert "{seed}" in seed.text()
    seed.trigger()
    assert names.edit.text() == "clip-{seed}-{id}"
    reset = names.menu.actions()[-1]
    reset.trigger()
    assert names.edit.text() == DEFAULT_TEMPLATE


def test_an_invalid_template_shows_the_problem_and_disables_save(qtbot, dialog, paths):
    names = dialog.names
    names.edit.setText("{image}-{colour}")
    assert not names.error.isHidden() and names.example.isHidden()
    assert "{colour}" in names.error.text() and "{image}" in names.error.text()
    assert not dialog.save_button.isEnabled()
    assert dialog.save() is False  # asked anyway: refused with the message, nothing written
    assert "{colour}" in dialog.error.text()
    assert not paths.settings_file.exists()
    assert dialog.settings.name_template == DEFAULT_TEMPLATE
    names.edit.setText("{image}-{seed")
    assert "not closed" in names.error.text()
    names.edit.setText("{image}-{seed}")
    assert dialog.save_button.isEnabled() and names.error.isHidden()


def test_saving_writes_name_template(qtbot, dialog, paths):
    paths.config.mkdir(parents=True, exist_ok=True)
    paths.settings_file.write_text(json.dumps({"color_scheme": "dark"}))
    dialog.names.edit.setText("{batch}-{image}-take{take}-{seed}")
    with qtbot.waitSignal(dialog.settingsChanged):
        dialog.save_button.click()
    assert dialog.settings.name_template == "{batch}-{image}-take{take}-{seed}"
    raw = json.loads(paths.settings_file.read_text())
    assert raw["name_template"] == "{batch}-{image}-take{take}-{seed}"
    assert raw["color_scheme"] == "dark"  # other keys stay as the file had them
    assert Settings.load(paths).name_template == "{batch}-{image}-take{take}-{seed}"


def test_an_empty_field_means_todays_names(qtbot, dialog, paths):
    dialog.settings.name_template = "{id}"
    dialog.open()
    assert dialog.names.edit.text() == "{id}"
    dialog.names.edit.clear()
    assert dialog.names.example_name() == "astronaut-10s-seed4242-3f9c2a1b7d04.mp4"
    assert dialog.save()
    assert json.loads(paths.settings_file.read_text())["name_template"] == DEFAULT_TEMPLATE
