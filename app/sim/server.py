"""`s2v-studio simulate`: a Qt event loop in the main thread (fonts, signals), HTTP in threads."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

from app.sim.admin import request_counts
from app.sim.assets import AssetStore
from app.sim.faults import FaultBook
from app.sim.http_api import HISTORY_PATH, ApiHandler
from app.sim.http_common import SimHTTPServer
from app.sim.http_video import VideoHandler
from app.sim.options import SimOptions, parse_args
from app.sim.state import SimState, VideoOrder


class SimContext:
    """What every request handler shares: state, faults, files and the two origins' URLs."""

    def __init__(self, options: SimOptions, workdir: Path, maker):
        self.state = SimState(options)
        self.faults = FaultBook(options.seed)
        self.assets = AssetStore(workdir / "assets")
        self.maker = maker
        self.api_base = ""
        self.video_origin = ""
        self._videos: dict[str, VideoOrder] = {}
        self._lock = threading.Lock()

    def register_video(self, request_id: str, order: VideoOrder) -> None:
        with self._lock:
            self._videos[request_id] = order

    def video_for(self, request_id: str) -> VideoOrder | None:
        """Output files outlive the job's status, until `output_retention_seconds` (or reset)."""
        if self.state.output_gone(request_id):
            return None
        with self._lock:
            return self._videos.get(request_id)

    def forget_videos(self) -> None:
        with self._lock:
            self._videos.clear()

    def output_url(self, request_id: str) -> str:
        if self.state.options.redirect_videos:
            return f"{self.api_base}/cdn/{request_id}.mp4"
        return f"{self.video_origin}/videos/{request_id}.mp4"

    def stats(self) -> dict:
        """Encode timings, accepted submits per request body, keyed requests per host."""
        runs = [{"seconds": s, "encode_s": round(t, 3)} for s, t in self.maker.timings]
        return {"encodings": runs, **request_counts(self.state)}


def _workdir() -> Path:
    """A folder of this process, removed at exit; under S2V_HOME when it is set."""
    home = os.environ.get("S2V_HOME")
    parent = None
    if home:
        parent = Path(home) / "cache"
        parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="s2v-sim-", dir=parent))


def main(argv: list[str]) -> int:
    """Run the simulator until SIGTERM/SIGINT; prints one JSON line once listening."""
    options = parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication

    from app.sim.video import VideoMaker

    app = QGuiApplication.instance() or QGuiApplication(["s2v-sim"])
    workdir = _workdir()
    servers: list[SimHTTPServer] = []
    maker = None
    try:
        maker = VideoMaker(workdir / "videos", fps=options.fps)
        ctx = SimContext(options, workdir, maker)
        api = SimHTTPServer((options.host, options.port), ApiHandler, ctx, "api")
        servers.append(api)
        video = SimHTTPServer((options.host, options.video_port), VideoHandler, ctx, "video")
        servers.append(video)
        ctx.api_base = f"http://{options.host}:{api.server_address[1]}"
        ctx.video_origin = f"http://{options.host}:{video.server_address[1]}"
        for server in servers:
            threading.Thread(
                target=server.serve_forever, args=(0.1,), name=server.origin, daemon=True
            ).start()

        def stop(*_):
            app.quit()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # Python runs signal handlers only between bytecodes: wake it up now and then.
        ticker = QTimer()
        ticker.timeout.connect(lambda: None)
        ticker.start(200)
        parent = os.getppid()
        if options.exit_with_parent:
            watchdog = QTimer()
            watchdog.timeout.connect(lambda: os.getppid() != parent and app.quit())
            watchdog.start(1000)

        line = {
            "api_base": ctx.api_base,
            "upload_url": f"{ctx.api_base}/upload-asset",
            "history_url": f"{ctx.api_base}{HISTORY_PATH}",
            "video_origin": ctx.video_origin,
            "admin": f"{ctx.api_base}/_sim",
            "keys": list(options.keys),
        }
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        app.exec()
        return 0
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        if maker is not None:
            maker.close()
        shutil.rmtree(workdir, ignore_errors=True)
