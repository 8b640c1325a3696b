"""The window's dialogs (key, preferences) and loading settings into the form: a job's
(Edit and resubmit, Use these settings) or a video's, from its sidecar (menu or drop)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from app.jobs.model import Job
from app.ui.inputs_panel import job_values, sidecar_values


class WindowDialogs:
    """Mixed into StudioWindow."""

    # -- loading settings into the form ---------------------------------------------
    def use_settings(self, job: Job) -> None:
        """Edit and resubmit / Use these settings: the job's inputs and parameters."""
        self.inputs.load(job_values(job))
        self.show_status("The form holds that job's settings: change what you like, then Generate.")
        self.params.prompt.setFocus()

    def open_video_settings(self, path: str | None = None) -> None:
        """A video made here: its sidecar's settings into the form (menu, or a drop)."""
        if path is None:
            dlg = QFileDialog(self, "Open a video made here", "", "Videos (*.mp4)")
            dlg.fileSelected.connect(self.open_video_settings)
            self._dialogs["video"] = dlg
            dlg.open()
            return
        try:
            values, job_id, missing = sidecar_values(Path(path))
        except ValueError as exc:
            self.show_status(str(exc), 10)
            return
        job = self.engine.get(job_id) if self.engine is not None and job_id else None
        if job is not None:  # made here: its own inputs, wherever they are
            found = {
                k: getattr(job, k) for k in ("image", "audio") if Path(getattr(job, k)).is_file()
            }
            values.update(found)
            missing = [m for m in missing if m not in {Path(v).name for v in found.values()}]
        self.inputs.load(values)
        gone = f" Not found next to it: {', '.join(missing)}." if missing else ""
        self.show_status(f"Settings of {Path(path).name} loaded.{gone}", 10)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) == 1 and urls[0].toLocalFile().lower().endswith(".mp4"):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.open_video_settings(event.mimeData().urls()[0].toLocalFile())
        event.acceptProposedAction()

    # -- dialogs ----------------------------------------------------------------
    def open_key_dialog(self, _checked: bool = False) -> None:
        if self.demo or self.keystore is None or self.engine is None:
            return
        from app.ui.key_dialog import KeyDialog

        dlg = self._dialogs.get("key")
        if dlg is None:
            dlg = KeyDialog(self.engine, self.keystore, self, bridge=self.bridge)
            dlg.keyChanged.connect(self.on_key_changed)
            self._dialogs["key"] = dlg
        dlg.open()

    def on_key_changed(self, source: str) -> None:
        self._has_key = bool(source) and bool(self.keystore.key())
        self.update_generate()
        if self._has_key:
            self.error_bar.dismiss()

    def open_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog

        dlg = self._dialogs.get("settings")
        if dlg is None:
            dlg = SettingsDialog(self.settings, self.paths, self, persist=not self.demo)
            dlg.settingsChanged.connect(self.on_settings_changed)
            self._dialogs["settings"] = dlg
        dlg.open()

    def on_settings_changed(self) -> None:
        if self.engine is None:
            return
        s, e = self.settings, self.engine.settings
        if e is s:  # the engine shares the window's settings: budget, concurrency, folder
            self.engine.apply_settings()
        else:  # the demo keeps its own prices, folder, budget and concurrency
            e.spend_threshold, e.notifications = s.spend_threshold, s.notifications
        self.tray.notifications = s.notifications
        self.update_money()
        self.model.dataChanged.emit(
            self.model.index(0, 0), self.model.index(max(0, self.model.rowCount() - 1), 6)
        )
