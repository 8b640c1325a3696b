"""Make N takes: how many, and which seeds (random, or consecutive from a start seed)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.jobs.model import SEED_MAX, SEED_MIN

MAX_TAKES = 12


class TakesDialog(QDialog):
    """Asks for the number of takes and their seeds; `choice()` once accepted."""

    def __init__(self, parent: QWidget | None, what: str, price: float | None, start: int = 1):
        super().__init__(parent)
        self.setWindowTitle("Make takes")
        self._price = price
        intro = QLabel(f"New takes of {what}: the same inputs and settings, other seeds.")
        intro.setWordWrap(True)
        self.count = QSpinBox(minimum=1, maximum=MAX_TAKES, value=3)
        self.count.setAccessibleName("Number of takes")
        self.random = QRadioButton("Random")
        self.consecutive = QRadioButton("Consecutive from")
        self.random.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.random)
        group.addButton(self.consecutive)
        self.start = QSpinBox(minimum=SEED_MIN, maximum=SEED_MAX, value=start)
        self.start.setAccessibleName("First seed")
        self.start.setEnabled(False)
        self.consecutive.toggled.connect(self.start.setEnabled)
        seeds = QHBoxLayout()
        for w in (self.random, self.consecutive, self.start):
            seeds.addWidget(w)
        seeds.addStretch(1)
        self.cost = QLabel()
        form = QFormLayout()
        form.addRow("&Takes", self.count)
        form.addRow("Seeds", seeds)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.cost)
        lay.addWidget(buttons)
        self.count.valueChanged.connect(self._words)
        self._words()

    def _words(self) -> None:
        n = self.count.value()
        self.ok.setText(f"Make {n} take{'s' * (n != 1)}")
        if self._price is not None:
            self.cost.setText(f"About ${n * self._price:.2f} in all (${self._price:.2f} each).")

    def choice(self) -> tuple[int, int | None]:
        """(how many, the first seed or None for random seeds)."""
        start = self.start.value() if self.consecutive.isChecked() else None
        return self.count.value(), start
