"""The privacy notice shown before the first upload."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

NOTICE = (
    "<p><b>Before you upload</b></p>"
    "<p>To make a video, your portrait and voice clip are uploaded to Segmind's storage. "
    "There they become <b>public web addresses</b>: anyone who has the address can open "
    "them, and this app cannot delete them afterwards. The finished video is public "
    "in the same way.</p>"
    "<p>Only use a face and a voice that you have the right to use: your own, or with "
    "the permission of the person shown and heard.</p>"
)


class PrivacyNotice(QDialog):
    """Upload and likeness notice; `accepted()` / `rejected()`, `.open()` does not block.

    `dont_show_again()` tells whether the creator ticked "Don't show again"
    (the caller stores it in Settings.privacy_notice_seen).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Your files and the people in them")
        text = QLabel(NOTICE)
        text.setWordWrap(True)
        text.setMinimumWidth(420)
        self.dont_show = QCheckBox("Don't show again")
        buttons = QDialogButtonBox()
        self.continue_button = buttons.addButton(
            "I understand, continue", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(self.dont_show)
        lay.addWidget(buttons)

    def dont_show_again(self) -> bool:
        return self.dont_show.isChecked()
