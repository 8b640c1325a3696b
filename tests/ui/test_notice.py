"""The privacy notice: what it says, its answers, and "Don't show again"."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QLabel

from app.ui.notice import PrivacyNotice


def make(qtbot) -> PrivacyNotice:
    n = PrivacyNotice()
    qtbot.addWidget(n)
    n.open()
    return n


def test_says_uploads_are_public_and_likeness_needs_rights(qtbot):
    n = make(qtbot)
    shown = " ".join(label.text() for label in n.findChildren(QLabel))
    assert "public web addresses" in shown
    assert "right to use" in shown
    assert n.isVisible() and n.isModal()  # open(): window-modal, but does not block


def test_accept_with_dont_show_again(qtbot):
    n = make(qtbot)
    n.dont_show.setChecked(True)
    with qtbot.waitSignal(n.accepted):
        n.continue_button.click()
    assert n.dont_show_again() and not n.isVisible()


def test_cancel(qtbot):
    n = make(qtbot)
    with qtbot.waitSignal(n.rejected):
        n.cancel_button.click()
    assert not n.dont_show_again()
