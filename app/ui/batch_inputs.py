"""The batch builder's two lists: the portraits and the voice clips (with their lengths
and, when the creator wants one per clip, their prompts)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.media.formats import file_filter, format_for_path
from app.ui.batch_grid import Voice
from app.ui.icons import icon
from app.ui.thumbnails import ThumbnailCache

THUMB = 32
VOICE_NAME, VOICE_LENGTH, VOICE_PROMPT = range(3)


def _buttons(add: QPushButton, remove: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(add)
    row.addWidget(remove)
    row.addStretch(1)
    return row


class InputLists(QWidget):
    """Portraits and voice clips; `changed` when either list (or a clip's prompt) changes.

    `measure(path, done)` is given by the builder: it measures a clip off the UI thread
    and calls `done(seconds | None)`."""

    changed = Signal()
    filesChosen = Signal(list)  # in a file dialog: the builder adds them

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: list[str] = []
        self.voices: list[Voice] = []
        self.measure = None
        self.browser: QFileDialog | None = None
        self._editable = False
        self._filling = False
        self.thumbs = ThumbnailCache(THUMB, parent=self)
        self.thumbs.ready.connect(self._thumb_ready)
        blank = QPixmap(THUMB, THUMB)
        blank.fill(Qt.GlobalColor.transparent)
        self._blank = QIcon(blank)

        self.image_list = QListWidget()
        self.image_list.setAccessibleName("Portraits")
        self.image_list.setIconSize(QSize(THUMB, THUMB))
        self.image_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.image_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.image_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.image_list.setUniformItemSizes(True)
        self.add_images = QPushButton(icon("open"), "Add…")
        self.add_images.setAccessibleName("Add portraits")
        self.add_images.clicked.connect(lambda _c=False: self.browse("image"))
        self.remove_images = QPushButton("Remove")
        self.remove_images.setAccessibleName("Remove portraits")
        self.remove_images.clicked.connect(lambda _c=False: self.remove_selected_images())
        portraits = QGroupBox("Portraits")
        pl = QVBoxLayout(portraits)
        pl.addWidget(self.image_list, 1)
        pl.addLayout(_buttons(self.add_images, self.remove_images))

        self.voice_table = QTableWidget(0, 3)
        self.voice_table.setAccessibleName("Voice clips")
        self.voice_table.setHorizontalHeaderLabels(["Voice clip", "Length", "Prompt"])
        self.voice_table.verticalHeader().hide()
        self.voice_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.voice_table.setWordWrap(False)
        head = self.voice_table.horizontalHeader()
        head.setSectionResizeMode(VOICE_NAME, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(VOICE_LENGTH, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(VOICE_PROMPT, QHeaderView.ResizeMode.Stretch)
        self.voice_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.voice_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.voice_table.itemChanged.connect(self._prompt_edited)
        self.voice_table.setColumnHidden(VOICE_PROMPT, True)  # shown for one prompt per clip
        self.add_voices = QPushButton(icon("open"), "Add…")
        self.add_voices.setAccessibleName("Add voice clips")
        self.add_voices.clicked.connect(lambda _c=False: self.browse("audio"))
        self.remove_voices = QPushButton("Remove")
        self.remove_voices.setAccessibleName("Remove voice clips")
        self.remove_voices.clicked.connect(lambda _c=False: self.remove_selected_voices())
        voices = QGroupBox("Voice clips")
        vl = QVBoxLayout(voices)
        vl.addWidget(self.voice_table, 1)
        vl.addLayout(_buttons(self.add_voices, self.remove_voices))

        for view, remove in (
            (self.image_list, self.remove_selected_images),
            (self.voice_table, self.remove_selected_voices),
        ):
            key = QShortcut(QKeySequence.StandardKey.Delete, view)
            key.setContext(Qt.ShortcutContext.WidgetShortcut)
            key.activated.connect(remove)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(portraits, 2)
        lay.addWidget(voices, 3)
        self.setMinimumHeight(150)

    # -- files ---
    def add_files(self, paths: list[str]) -> list[str]:
        """Portraits to portraits, voice clips to voices; the names of the others."""
        refused = []
        for p in paths:
            fmt = format_for_path(p) if Path(p).is_file() else None
            if fmt is None:
                refused.append(Path(p).name or p)
            elif fmt.kind == "image":
                self.add_image(p)
            else:
                self.add_voice(p)
        return refused

    def browse(self, kind: str) -> QFileDialog:
        dlg = QFileDialog(self, "Add portraits" if kind == "image" else "Add voice clips")
        dlg.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dlg.setNameFilters([file_filter(kind), "All files (*)"])
        dlg.filesSelected.connect(self.filesChosen.emit)
        self.browser = dlg
        dlg.open()
        return dlg

    # -- portraits ----------------------------------------------------------------------
    def add_image(self, path: str) -> None:
        path = str(Path(path).absolute())
        if path in self.images:
            return
        self.images.append(path)
        item = QListWidgetItem(Path(path).name)
        item.setToolTip(path)
        item.setData(Qt.ItemDataRole.UserRole, path)
        self.image_list.addItem(item)
        self._set_thumb(item, path)
        self.changed.emit()

    def _set_thumb(self, item: QListWidgetItem, path: str) -> None:
        pix = self.thumbs.get(path)
        if pix is ThumbnailCache.PENDING:
            item.setIcon(self._blank)
        elif pix is None:  # unreadable: the grid's check says why
            item.setIcon(icon("warning"))
        else:
            item.setIcon(QIcon(pix))

    def _thumb_ready(self, _kind: str, path: str) -> None:
        for i in range(self.image_list.count()):
            item = self.image_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == path:
                self._set_thumb(item, path)

    def remove_selected_images(self) -> None:
        rows = sorted({self.image_list.row(i) for i in self.image_list.selectedItems()})
        for row in reversed(rows):
            self.image_list.takeItem(row)
            del self.images[row]
        if rows:
            self.changed.emit()

    # -- voice clips --------------------------------------------------------------------
    def add_voice(self, path: str) -> None:
        path = str(Path(path).absolute())
        if any(v.path == path for v in self.voices):
            return
        voice = Voice(path)
        self.voices.append(voice)
        row = self.voice_table.rowCount()
        self._filling = True
        self.voice_table.insertRow(row)
        name = QTableWidgetItem(Path(path).name)
        name.setToolTip(path)
        name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
        length = QTableWidgetItem("…")
        length.setFlags(length.flags() & ~Qt.ItemFlag.ItemIsEditable)
        length.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        prompt = QTableWidgetItem("")
        self.voice_table.setItem(row, VOICE_NAME, name)
        self.voice_table.setItem(row, VOICE_LENGTH, length)
        self.voice_table.setItem(row, VOICE_PROMPT, prompt)
        self._style_prompt(prompt)
        self._filling = False
        if self.measure is not None:
            self.measure(path, lambda s, v=voice: self._measured(v, s))
        self.changed.emit()

    def _measured(self, voice: Voice, seconds: float | None) -> None:
        if voice not in self.voices:
            return
        voice.seconds = seconds
        item = self.voice_table.item(self.voices.index(voice), VOICE_LENGTH)
        item.setText(f"{seconds:.1f} s" if seconds is not None else "?")
        self.changed.emit()  # "Split long clips" depends on the length

    def remove_selected_voices(self) -> None:
        rows = sorted({i.row() for i in self.voice_table.selectedIndexes()})
        for row in reversed(rows):
            self.voice_table.removeRow(row)
            del self.voices[row]
        if rows:
            self.changed.emit()

    def set_prompts_editable(self, on: bool) -> None:
        """One prompt per voice clip: the Prompt column becomes editable."""
        self._editable = on
        self.voice_table.setColumnHidden(VOICE_PROMPT, not on)
        for row in range(self.voice_table.rowCount()):
            self._style_prompt(self.voice_table.item(row, VOICE_PROMPT))
        if on and self.voice_table.rowCount():
            self.voice_table.setCurrentCell(0, VOICE_PROMPT)

    def _style_prompt(self, item: QTableWidgetItem) -> None:
        flags = item.flags() | Qt.ItemFlag.ItemIsEditable
        if not self._editable:
            flags &= ~Qt.ItemFlag.ItemIsEditable
        item.setFlags(flags)
        self._filling = True
        if self._editable:
            item.setToolTip("Double-click to write this clip's prompt")
        else:
            item.setToolTip("Choose “One per voice clip” to give each clip its own prompt")
        self._filling = False

    def set_prompt(self, row: int, text: str) -> None:
        self.voice_table.item(row, VOICE_PROMPT).setText(text)

    def _prompt_edited(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != VOICE_PROMPT:
            return
        self.voices[item.row()].prompt = item.text()
        self.changed.emit()

    def clear(self) -> None:
        self.images.clear()
        self.voices.clear()
        self.image_list.clear()
        self.voice_table.setRowCount(0)
        self.changed.emit()
