"""One way to ask before something that costs money or cannot be undone.

The question is a non-modal QMessageBox opened with open() (never exec(): coroutines keep
running); the safe answer is the default, so Enter never spends or deletes by accident.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

Choice = tuple[str, Callable[[], None]]


def ask(
    parent: QWidget,
    title: str,
    text: str,
    *,
    accept: Choice,
    info: str | None = None,
    others: tuple[Choice, ...] = (),
    reject: str = "Cancel",
    warning: bool = False,
    registry: dict | None = None,
    key: str | None = None,
) -> QMessageBox:
    """Ask `text`; the callback of the button clicked runs. `reject` is the default.

    `accept` and `others` are (button text, callback); the box is kept in `registry[key]`
    while it is open (tests and the window find it there).
    """
    icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Question
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    if info:
        box.setInformativeText(info)
    role = QMessageBox.ButtonRole.DestructiveRole if warning else QMessageBox.ButtonRole.AcceptRole
    actions = {}
    for i, (label, callback) in enumerate((accept, *others)):
        button = box.addButton(label, role if i == 0 else QMessageBox.ButtonRole.ActionRole)
        actions[button] = callback
    safe = box.addButton(reject, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(safe)
    box.setEscapeButton(safe)

    def clicked(button) -> None:
        callback = actions.get(button)
        if callback is not None:
            callback()

    box.buttonClicked.connect(clicked)
    if registry is not None and key:
        registry[key] = box
    box.open()
    return box


def button(box: QMessageBox, text: str):
    """The button of a question with this text (tests, and keyboard users' screen readers)."""
    return next(b for b in box.buttons() if b.text() == text)
