"""The settings dialog: where videos go and their names, jobs at once, request budget, money.

Edits the `Settings` object in place (the engine holds the same object) and saves it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.jobs.model import DURATIONS, QUALITIES
from app.settings import BUDGET_PRESETS, Paths, Settings, check_output_folder, update_file
from app.ui.name_field import NameTemplateField
from app.ui.theme import tone

PRESETS = [
    ("free", f"Free plan ({BUDGET_PRESETS['free']} requests/min)"),
    ("pro", f"Pro plan ({BUDGET_PRESETS['pro']} requests/min)"),
    ("custom", "Custom"),
]


def _money(maximum: float, step: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0.0, maximum)
    box.setDecimals(2)
    box.setSingleStep(step)
    box.setPrefix("$")
    return box


DIALOG_KEYS = (
    "output_dir",
    "name_template",
    "concurrency",
    "budget_preset",
    "budget_per_minute",
    "notifications",
    "spend_threshold",
    "keep_in_tray",
    "prices",
)


class SettingsDialog(QDialog):
    """Non-modal settings editor; `settingsChanged()` after a successful save."""

    settingsChanged = Signal()

    def __init__(
        self, settings: Settings, paths: Paths, parent: QWidget | None = None, persist: bool = True
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.paths = paths
        self.persist = persist  # False in the demo: changes last until it ends
        self.setWindowTitle("Settings")
        self.setModal(False)
        self._folder_dialog: QFileDialog | None = None

        self.output_dir = QLineEdit()
        self.output_dir.setPlaceholderText(str(paths.videos))
        self.output_dir.setToolTip(f"Empty: {paths.videos}")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse_output_dir)
        folder = QHBoxLayout()
        folder.addWidget(self.output_dir, 1)
        folder.addWidget(browse)

        self.names = NameTemplateField()

        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 10)
        self.concurrency.setToolTip("Jobs running on Segmind at the same time")
        self.budget = QComboBox()
        for key, label in PRESETS:
            self.budget.addItem(label, key)
        self.budget_custom = QSpinBox()
        self.budget_custom.setRange(1, 1000)
        self.budget_custom.setSuffix(" requests/min")
        self.budget.currentIndexChanged.connect(self._budget_changed)
        budget = QHBoxLayout()
        budget.addWidget(self.budget, 1)
        budget.addWidget(self.budget_custom)

        self.notifications = QCheckBox("Notify me when a video is ready or a job fails")
        self.spend_threshold = _money(100_000, 5)
        self.spend_threshold.setToolTip("Ask before a submit that would pass this monthly total")
        self.keep_in_tray = QCheckBox("Keep running in the tray while jobs are running")
        self.prices = QTableWidget(len(QUALITIES), len(DURATIONS))
        self.prices.setVerticalHeaderLabels(list(QUALITIES))
        self.prices.setHorizontalHeaderLabels([f"{d} s" for d in DURATIONS])
        for r in range(len(QUALITIES)):
            for c in range(len(DURATIONS)):
                self.prices.setCellWidget(r, c, _money(1000, 0.01))
        self._fit_prices()

        self.error = QLabel()
        tone(self.error, "error")
        self.error.setWordWrap(True)
        self.error.hide()

        form = QFormLayout()
        form.addRow("Save videos in", folder)
        form.addRow("File names", self.names)
        form.addRow("Jobs at once", self.concurrency)
        form.addRow("Request budget", budget)
        form.addRow("", self.notifications)
        form.addRow("Confirm spending above", self.spend_threshold)
        form.addRow("", self.keep_in_tray)
        form.addRow("Price per video", self.prices)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.names.validityChanged.connect(self.save_button.setEnabled)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.load()

    def open(self) -> None:
        """Show the current settings without blocking the window."""
        self.load()
        self.show()
        self.raise_()
        self.activateWindow()

    def load(self) -> None:
        s = self.settings
        self.output_dir.setText(s.output_dir or "")
        self.names.set_template(s.name_template)
        self.concurrency.setValue(s.concurrency)
        keys = [k for k, _ in PRESETS]
        self.budget.setCurrentIndex(keys.index(s.budget_preset) if s.budget_preset in keys else 0)
        self.budget_custom.setValue(s.requests_per_minute)
        self._budget_changed()
        self.notifications.setChecked(s.notifications)
        self.spend_threshold.setValue(s.spend_threshold)
        self.keep_in_tray.setChecked(s.keep_in_tray)
        for r, quality in enumerate(QUALITIES):
            for c, duration in enumerate(DURATIONS):
                self.price_box(r, c).setValue(s.price(quality, duration) or 0.0)
        self.error.hide()

    def _fit_prices(self) -> None:
        """The price table shows every cell whole: no scroll bars, no empty row below."""
        table = self.prices
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.resizeRowsToContents()
        frame = 2 * table.frameWidth()
        cell = self.price_box(0, 0).sizeHint().width()
        side = table.verticalHeader().sizeHint().width()
        table.setMinimumWidth(side + len(DURATIONS) * cell + frame)
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + rows + frame)

    def price_box(self, row: int, col: int) -> QDoubleSpinBox:
        return self.prices.cellWidget(row, col)

    def browse_output_dir(self) -> None:
        """Pick the output folder with a non-blocking folder dialog."""
        dialog = QFileDialog(
            self, "Save videos in", self.output_dir.text() or str(self.paths.videos)
        )
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.output_dir.setText)
        self._folder_dialog = dialog
        dialog.open()

    def save(self) -> bool:
        """Check, apply to the Settings object, write settings.json; False with a message."""
        folder = self.output_dir.text().strip()
        if folder:
            problem = check_output_folder(Path(folder).expanduser())
            if problem:
                return self._fail(f"{problem} Choose another folder.")
        problem = self.names.problem()
        if problem:
            return self._fail(f"File names: {problem}")
        s = self.settings
        s.name_template = self.names.template()
        s.output_dir = str(Path(folder).expanduser()) if folder else None
        s.concurrency = self.concurrency.value()
        s.budget_preset = self.budget.currentData()
        s.budget_per_minute = self.budget_custom.value()
        s.notifications = self.notifications.isChecked()
        s.spend_threshold = round(self.spend_threshold.value(), 2)
        s.keep_in_tray = self.keep_in_tray.isChecked()
        for r, quality in enumerate(QUALITIES):
            row = s.prices.setdefault(quality, {})
            for c, duration in enumerate(DURATIONS):
                row[str(duration)] = round(self.price_box(r, c).value(), 2)
        try:
            if self.persist:  # only what this dialog shows: other keys stay as the file has them
                update_file(self.paths, {k: getattr(s, k) for k in DIALOG_KEYS})
        except (OSError, ValueError) as exc:
            return self._fail(f"The settings could not be saved ({exc}). Check the disk.")
        self.error.hide()
        self.settingsChanged.emit()
        self.accept()
        return True

    def _fail(self, message: str) -> bool:
        self.error.setText(message)
        self.error.show()
        return False

    def _budget_changed(self) -> None:
        key = self.budget.currentData()
        self.budget_custom.setEnabled(key == "custom")
        if key in BUDGET_PRESETS:
            self.budget_custom.setValue(BUDGET_PRESETS[key])
