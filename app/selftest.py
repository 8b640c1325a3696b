"""`s2v-studio self-test`: prove that this install (frozen bundle or source tree) works, offline.

Checks, each a row of the printed table:
- files: the bundled resources (icons, demo media, the test clip) are where the app looks;
- keyring: which keyring backend the app would use, and whether it can store a key;
- playback: the bundled H.264 clip plays through QtMultimedia; decoded frames are counted;
- media: PyAV (the bundled FFmpeg) decodes that clip to its last frame and converts a voice;
- demo job: a whole job (upload, submit, poll, download) through the real CLI against the
  app's own simulator, in a child process on 127.0.0.1; the result video must decode.

Exits 0 when every check passed, 1 otherwise. Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app import APP_NAME, __version__

CHECKS = ("files", "keyring", "playback", "media", "demo-job")
PLAYBACK_RATE = 8.0  # the 5 s clip decodes in well under a second, every frame delivered
MIN_FRAMES = 10


@dataclass
class CheckResult:
    """One row of the report."""

    name: str
    ok: bool
    detail: str
    seconds: float = 0.0
    warning: bool = False  # passed, but something the creator should know


def resources_dir() -> Path:
    """The resources folder: inside the bundle when frozen, the source tree's otherwise."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


# files -----------------------------------------------------------------------------------
def check_files() -> CheckResult:
    """The resources the app and this self-test need are present and not empty."""
    res = resources_dir()
    needed = [
        "icons/s2v-studio.svg",
        "icons/s2v-studio-256.png",
        "demo/portrait.jpg",
        "demo/voice.wav",
        "selftest/clip.mp4",
    ]
    missing = [n for n in needed if not (res / n).is_file() or (res / n).stat().st_size == 0]
    if missing:
        return CheckResult("files", False, f"missing in {res}: {', '.join(missing)}")
    return CheckResult("files", True, f"{len(needed)} resources in {res}")


# keyring ---------------------------------------------------------------------------------
def check_keyring(require: bool = False) -> CheckResult:
    """Name the keyring backend; fail if backends are missing (or, if required, unusable)."""
    native = {"win32": "keyring.backends.Windows", "darwin": "keyring.backends.macOS"}
    try:
        # the platform's own backend must be bundled (PyInstaller's keyring hook collects it)
        importlib.import_module(native.get(sys.platform, "keyring.backends.SecretService"))
        if sys.platform.startswith("linux"):
            import secretstorage  # noqa: F401

        from app.secrets import KeyStore
    except ImportError as exc:
        return CheckResult("keyring", False, f"keyring backends missing from this install: {exc}")
    store = KeyStore()
    backend = store.backend_name
    short = backend.removeprefix("keyring.backends.")
    reason = store.reason
    if reason is None:
        return CheckResult("keyring", True, f"{short} (usable)")
    detail = f"{short}: {reason} The app will keep the key for one session only."
    return CheckResult("keyring", not require, detail, warning=True)


# playback --------------------------------------------------------------------------------
@dataclass
class Playback:
    """What QtMultimedia made of one file."""

    frames: int = 0
    width: int = 0
    height: int = 0
    ended: bool = False
    error: str = ""


def play(path: Path, timeout: float = 20.0, stop_after: int = 0) -> Playback:
    """Play a file to a QVideoSink (no window, no sound) and count the decoded frames."""
    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtMultimedia import QMediaPlayer, QVideoSink

    result = Playback()
    player = QMediaPlayer()
    sink = QVideoSink()
    player.setVideoSink(sink)
    loop = QEventLoop()

    def on_frame(frame) -> None:
        if frame.isValid():
            result.frames += 1
            result.width, result.height = frame.width(), frame.height()
            if stop_after and result.frames >= stop_after:
                loop.quit()

    def on_status(status) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            result.ended = True
            loop.quit()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            result.error = result.error or "invalid media"
            loop.quit()

    def on_error(_error, message: str) -> None:
        result.error = message or "playback error"
        loop.quit()

    sink.videoFrameChanged.connect(on_frame)
    player.mediaStatusChanged.connect(on_status)
    player.errorOccurred.connect(on_error)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    player.setSource(QUrl.fromLocalFile(str(path)))
    player.setPlaybackRate(PLAYBACK_RATE)
    player.play()
    loop.exec()
    player.stop()
    player.setSource(QUrl())  # release the file
    return result


def check_playback() -> CheckResult:
    """The bundled H.264 clip decodes through QtMultimedia's FFmpeg backend."""
    clip = resources_dir() / "selftest" / "clip.mp4"
    if not clip.is_file():
        return CheckResult("playback", False, f"the test clip is missing: {clip}")
    try:
        got = play(clip)
    except ImportError as exc:
        return CheckResult("playback", False, f"QtMultimedia cannot load: {exc}")
    detail = f"{got.frames} frames of {got.width}x{got.height} H.264 decoded"
    if got.error:
        return CheckResult("playback", False, f"{detail}; error: {got.error}")
    if not got.ended or got.frames < MIN_FRAMES:
        return CheckResult("playback", False, f"{detail}; playback did not reach the end")
    return CheckResult("playback", True, detail)


# media -----------------------------------------------------------------------------------
def check_media() -> CheckResult:
    """PyAV decodes the test clip to its last frame and converts the demo voice to WAV."""
    try:
        import av

        from app.media.audio import convert_to_wav
        from app.media.files import MediaError
        from app.media.probe import probe_video
    except ImportError as exc:
        return CheckResult("media", False, f"PyAV cannot load: {exc}")
    res = resources_dir()
    try:
        video = probe_video(res / "selftest" / "clip.mp4")
        with tempfile.TemporaryDirectory(prefix="s2v-selftest-") as tmp:
            voice = res / "demo" / "voice.wav"
            wav = convert_to_wav(voice, Path(tmp) / "v.wav", rate=16000, channels=1, seconds=1)
    except (MediaError, OSError) as exc:
        return CheckResult("media", False, f"PyAV {av.__version__}: {exc}")
    return CheckResult(
        "media",
        True,
        f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info}): {video.codec} clip decoded "
        f"to {video.seconds:.1f} s, voice converted to WAV ({wav.seconds:.1f} s)",
    )


# demo job --------------------------------------------------------------------------------
_CURRENT_SIMULATOR = None  # the running SimulatorProcess, for the watchdog


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the block, then put the old values back."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def check_demo_job(time_factor: float = 0.005) -> CheckResult:
    """A whole job through `app.cli` against the simulator; the video it saves must decode."""
    global _CURRENT_SIMULATOR
    try:
        from app.cli import main as cli
        from app.sim.process import SimulatorProcess
    except ImportError as exc:
        return CheckResult("demo job", False, f"cannot load the command line: {exc}")
    res = resources_dir()
    portrait, voice = res / "demo" / "portrait.jpg", res / "demo" / "voice.wav"
    with tempfile.TemporaryDirectory(prefix="s2v-selftest-") as tmp:
        home, out_dir = Path(tmp) / "home", Path(tmp) / "videos"
        (home / "config").mkdir(parents=True)
        (home / "config" / "settings.json").write_text(
            json.dumps({"timings": {"scale": time_factor}}), encoding="utf-8"
        )
        out, err = io.StringIO(), io.StringIO()
        try:
            sim = _CURRENT_SIMULATOR = SimulatorProcess.start(time_factor=time_factor)
        except Exception as exc:  # noqa: BLE001 - a simulator that cannot start fails the check
            return CheckResult("demo job", False, f"the simulator did not start: {exc}")
        try:
            env = {
                "S2V_HOME": str(home),
                "SEGMIND_API_KEY": sim.key,
                "SEGMIND_API_BASE": sim.api_base,
                "SEGMIND_UPLOAD_URL": sim.upload_url,
            }
            argv = ["submit", str(portrait), str(voice), "--prompt", "self-test"]
            argv += ["--wait", "--json", "--output-dir", str(out_dir)]
            quiet = contextlib.redirect_stdout(out), contextlib.redirect_stderr(err)
            with environment(**env), quiet[0], quiet[1]:
                try:
                    code = cli(argv)
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:  # noqa: BLE001 - any failure is a failed check, with its reason
            return CheckResult("demo job", False, f"{type(exc).__name__}: {exc}")
        finally:
            sim.stop()
            _CURRENT_SIMULATOR = None
        said = (err.getvalue().strip() or out.getvalue().strip()).splitlines()
        if code != 0:
            last = said[-1][:200] if said else ""
            return CheckResult("demo job", False, f"the job failed (exit {code}): {last}")
        video = _output_path(out.getvalue())
        if video is None or not video.is_file():
            return CheckResult("demo job", False, f"the job succeeded but saved no video ({video})")
        got = play(video, stop_after=MIN_FRAMES)
        if got.error or got.frames == 0:
            why = got.error or "no frame decoded"
            return CheckResult("demo job", False, f"the result video does not decode: {why}")
        kb = video.stat().st_size // 1024
        detail = f"uploaded, submitted, polled, downloaded {kb} KB; {got.frames}+ frames decode"
        return CheckResult("demo job", True, detail)


def _output_path(stdout: str) -> Path | None:
    """The `output_path` of the job the CLI printed as JSON (its last JSON line)."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("output_path"):
            return Path(data["output_path"])
        return None
    return None


# report ----------------------------------------------------------------------------------
def format_table(results: list[CheckResult]) -> str:
    """The report as a plain-text table."""
    rows = [("check", "result", "time", "detail")]
    for r in results:
        word = "PASS" if r.ok and not r.warning else "WARN" if r.ok else "FAIL"
        rows.append((r.name, word, f"{r.seconds:.2f} s", r.detail))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3]
        for row in rows
    ]
    lines.insert(1, "-" * (sum(widths) + 6 + 30))
    return "\n".join(lines)


def _header() -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtGui import QGuiApplication

    kind = "frozen bundle" if getattr(sys, "frozen", False) else "source tree"
    return (
        f"{APP_NAME} {__version__} self-test ({kind}; Python {platform.python_version()}, "
        f"PySide6 {pyside_version}, Qt platform {QGuiApplication.platformName()}, "
        f"{platform.system()} {platform.machine()})"
    )


def _watchdog(seconds: float, current: Callable[[], str]) -> threading.Timer:
    """Never hang: past the time limit, say which check was running and exit 1."""

    def fire() -> None:
        sim = _CURRENT_SIMULATOR
        if sim is not None:
            sim.process.kill()
        print(f"self-test: FAIL, timed out after {seconds:.0f} s in '{current()}'", flush=True)
        os._exit(1)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


def main(argv: list[str] | None = None) -> int:
    """Run the checks, print the table, return 0 only if every check passed."""
    summary = __doc__.split("\n")[0]
    parser = argparse.ArgumentParser(prog="s2v-studio self-test", description=summary)
    parser.add_argument("--only", help=f"comma-separated checks to run (of: {', '.join(CHECKS)})")
    parser.add_argument(
        "--require-keyring", action="store_true", help="fail when no usable OS keyring is found"
    )
    parser.add_argument("--timeout", type=float, default=180.0, help="give up after this long")
    parser.add_argument(
        "--verbose", action="store_true", help="show Qt Multimedia's and FFmpeg's messages"
    )
    args = parser.parse_args(argv)
    wanted = [c.strip() for c in args.only.split(",")] if args.only else list(CHECKS)
    unknown = sorted(set(wanted) - set(CHECKS))
    if unknown:
        parser.error(f"unknown check(s): {', '.join(unknown)}; choose from {', '.join(CHECKS)}")

    if not any(os.environ.get(v) for v in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a terminal with no desktop: no window needed
    if not args.verbose:
        os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia*=false")  # FFmpeg's stream dumps
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841
    runners: dict[str, Callable[[], CheckResult]] = {
        "files": check_files,
        "keyring": lambda: check_keyring(require=args.require_keyring),
        "playback": check_playback,
        "media": check_media,
        "demo-job": check_demo_job,
    }
    print(_header(), flush=True)
    running = ["start"]
    timer = _watchdog(args.timeout, lambda: running[0])
    results: list[CheckResult] = []
    for name in wanted:
        running[0] = name
        print(f"  running {name}...", flush=True)
        start = time.monotonic()
        try:
            result = runners[name]()
        except Exception as exc:  # noqa: BLE001 - a crash in a check is that check failing
            result = CheckResult(name, False, f"crashed: {type(exc).__name__}: {exc}")
        result.seconds = time.monotonic() - start
        results.append(result)
    timer.cancel()
    print()
    print(format_table(results))
    failed = [r.name for r in results if not r.ok]
    if failed:
        print(f"\nself-test: FAIL ({', '.join(failed)})")
        if not args.verbose:
            print("Run `s2v-studio self-test --verbose` to see Qt Multimedia's messages too.")
        return 1
    print(f"\nself-test: PASS ({len(results)} checks)")
    return 0
