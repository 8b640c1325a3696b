"""Handing files to the desktop (player, file manager) and saying so when that fails."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class PathMessage(QDialog):
    """A non-modal note that something could not be opened, with the path to copy."""

    def __init__(self, text: str, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Could not open")
        self.text = QLabel(text, wordWrap=True)
        self.path = QLineEdit(path, readOnly=True)
        self.path.setAccessibleName("Path")
        self.path.setMinimumWidth(420)
        self.copy_button = QPushButton("Copy path")
        self.copy_button.clicked.connect(self.copy_path)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addWidget(self.path)
        lay.addWidget(buttons)

    def copy_path(self) -> None:
        QGuiApplication.clipboard().setText(self.path.text())


def open_path(path: str, *, folder: bool = False, parent: QWidget | None = None) -> bool:
    """Open a video (or, with `folder`, the folder holding it) with the desktop's program.

    When the file is gone or nothing opens it, a note with the path says so; False then.
    """
    file = Path(path)
    target = file.parent if folder else file
    what = "the folder" if folder else "the video"
    if not target.exists():
        where = "folder" if folder else "video"
        text = f"The {where} is no longer there: it was moved or deleted."
    elif QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))):
        return True
    else:
        program = "file manager" if folder else "video player"
        text = (
            f"Nothing on this computer opened {what}: no {program} is set up for it. "
            "Copy the path and open it yourself."
        )
    note = PathMessage(text, str(target), parent)
    if parent is not None:
        parent._path_message = note  # keep it alive while it is shown
    note.show()
    return False
