"""The voice clip check and its conversion to the WAV the service accepts.

16-bit PCM WAV is read with the ``wave`` module, no Qt needed. Everything else (MP3,
M4A/AAC, OGG, FLAC, float or extensible WAV) goes through QAudioDecoder in a worker
thread with its own QEventLoop (see ``app.jobs.media`` for why and what was measured).
Length is counted in samples: QAudioDecoder's ``duration()`` stays -1.
Only the kept part is held in memory; the rest of a long clip is only counted.
"""

from __future__ import annotations

import array
import io
import math
import os
import re
import struct
import sys
import threading
import wave
from dataclasses import dataclass, field
from pathlib import Path

from app.jobs.media import (
    DURATION_GRACE,
    DURATIONS,
    AudioInfo,
    check_file,
    choose_duration,
    display_name,
    ensure_qt_app,
    file_sha256,
    read_head,
    refuse,
)
from app.settings import write_atomic

MAX_BYTES = 200 * 1000 * 1000
MAX_SECONDS = 600.0
MIN_SECONDS = 0.5
SILENT_PEAK = 0.003  # about -50 dBFS
SILENT_RMS = 0.0005  # about -66 dBFS
STALL_TIMEOUT_S = 10.0  # no decoded buffer for this long: give up
WAVEFORM_BLOCK = 32  # frames per peak kept for the waveform
FORMATS = "Choose a WAV, MP3, M4A, OGG or FLAC voice clip."


@dataclass
class Pcm:
    """Decoded audio: counted length, level, and (if asked) 16-bit samples kept."""

    rate: int = 0
    channels: int = 0
    frames: int = 0
    peak: float = 0.0
    sumsq: float = 0.0
    counted: int = 0  # samples that went into sumsq
    data: bytearray = field(default_factory=bytearray)  # int16 little-endian
    capped: bool = False
    block: int = 0  # if set, keep one peak per this many frames in ``blocks``
    blocks: list[float] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    @property
    def rms(self) -> float:
        return math.sqrt(self.sumsq / self.counted) if self.counted else 0.0

    def add(self, samples: array.array, scale: float, keep_frames: int) -> None:
        """Account for interleaved samples (any numeric array) scaled to 0..1 by ``scale``."""
        if not samples or not self.channels:
            return
        if self.block:  # for a picture: sampled peaks, an odd stride to see every channel
            step = self.block * self.channels
            stride = max(1, step // 256) | 1
            first = len(self.blocks)
            for i in range(0, len(samples), step):
                part = samples[i : i + step : stride]
                self.blocks.append(max(max(part), -min(part)) / scale)
            self.peak = max(self.peak, *self.blocks[first:])
        else:
            hi, lo = max(samples), min(samples)
            self.peak = max(self.peak, max(abs(hi), abs(lo)) / scale)
        sub = samples[:: max(1, len(samples) // 512)]
        self.sumsq += sum(x * x for x in sub) / (scale * scale)
        self.counted += len(sub)
        room = keep_frames * self.channels - len(self.data) // 2
        if room > 0 and samples.typecode == "h":
            part = samples[:room]
            if sys.byteorder == "big":
                part = array.array("h", part)
                part.byteswap()
            self.data += part.tobytes()
        self.frames += len(samples) // self.channels


def sniff(head: bytes) -> str | None:
    """What the content is, from its first bytes ("wav", "mp3", ... "png", "text")."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] in (b"RIFX", b"RF64"):
        return "wav"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:4] in (b"GIF8", b"%PDF"):
        return head[:3].decode().lower()
    try:
        head.decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        return None


def _has_video_track(path: Path) -> bool:
    """True if an MP4/MOV container holds a video track (a 'vide' handler)."""
    with open(path, "rb") as f:
        prev = b""
        while chunk := f.read(1 << 20):
            buf = prev + chunk
            at = buf.find(b"hdlr")
            while at >= 0:
                if buf[at + 12 : at + 16] == b"vide":
                    return True
                at = buf.find(b"hdlr", at + 4)
            prev = buf[-32:]
    return False


def inspect_audio(path: str | os.PathLike) -> AudioInfo:
    """Decode the voice clip, count its length and level; refuse what cannot work."""
    p = check_file(path, "voice clip")
    name = display_name(p)
    size_bytes = p.stat().st_size
    if size_bytes > MAX_BYTES:
        raise refuse(
            f"{name} is {size_bytes / 1e6:.0f} MB, too big for a voice clip. "
            f"Cut the part you need (15 s at most) and use that."
        )
    kind = sniff(read_head(p, 64))
    if kind in ("png", "jpeg", "gif", "pdf"):
        raise refuse(f"{name} is a {kind.upper()} file, not audio. {FORMATS}")
    if kind == "text":
        raise refuse(f"{name} is not an audio file (it looks like text). {FORMATS}")
    if kind == "m4a" and _has_video_track(p):
        raise refuse(
            f"{name} is a video (MP4/MOV), not a voice clip. "
            f"Export its sound as WAV or MP3 and choose that file."
        )
    pcm = _read_wav(p, name, keep_frames=0) if kind == "wav" else None
    if pcm is None:
        pcm = _decode(p, name, target=None, keep_frames=0)
    if pcm.capped:
        raise refuse(
            f"{name} is longer than {MAX_SECONDS / 60:.0f} minutes; a video is 15 s at "
            f"most. Cut the part you need and use that."
        )
    if pcm.frames == 0:
        raise refuse(f"{name} contains no sound (0 s of audio). {FORMATS}")
    if pcm.seconds < MIN_SECONDS:
        raise refuse(
            f"{name} is only {pcm.seconds:.2f} s long, too short to speak. "
            f"Use a clip of at least {MIN_SECONDS} s."
        )
    if pcm.peak < SILENT_PEAK or pcm.rms < SILENT_RMS:
        level = f"loudest sample {20 * math.log10(pcm.peak):.0f} dBFS" if pcm.peak else "no sound"
        raise refuse(
            f"{name} is silent ({level}). "
            f"Choose a clip with audible speech, or check the recording level."
        )
    return AudioInfo(
        path=p,
        seconds=round(pcm.seconds, 3),
        sample_rate=pcm.rate,
        channels=pcm.channels,
        format=kind if kind in ("wav", "mp3", "m4a", "ogg", "flac") else "audio",
        size_bytes=size_bytes,
        sha256=file_sha256(p),
        is_wav=kind == "wav",
        peak=round(pcm.peak, 4),
    )


def _read_wav(p: Path, name: str, keep_frames: int, block: int = 0) -> Pcm | None:
    """Read a 16-bit PCM WAV with ``wave``; None if it needs QAudioDecoder instead."""
    try:
        with wave.open(str(p), "rb") as w:
            rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            declared = w.getnframes()
            if width != 2 or w.getcomptype() != "NONE":
                return None
            if not 1000 <= rate <= 384000 or channels > 8:
                raise refuse(
                    f"{name} has a damaged WAV header ({rate} Hz, {channels} channels). "
                    f"Export it again as 16-bit PCM WAV."
                )
            if block:  # the length is known: about 2,000 peaks are plenty for a waveform
                block = max(block, declared // 2000)
            pcm = Pcm(rate=rate, channels=channels, block=block)
            while len(chunk := w.readframes(65536)):
                samples = array.array("h")
                samples.frombytes(chunk[: len(chunk) // 2 * 2])
                if sys.byteorder == "big":
                    samples.byteswap()
                pcm.add(samples, 32768.0, keep_frames)
                if pcm.seconds > MAX_SECONDS:
                    pcm.capped = True
                    break
    except wave.Error as e:
        if "unknown format" in str(e):
            return None  # float or extensible WAV: Qt reads those
        raise refuse(
            f"{name} has a damaged WAV header ({e}). Export it again as 16-bit PCM WAV."
        ) from None
    except (EOFError, ValueError, OverflowError, struct.error):
        raise refuse(
            f"{name} has a damaged or truncated WAV header. Export it again as 16-bit PCM WAV."
        ) from None
    missing = declared - pcm.frames
    if not pcm.capped and declared < 0x7FFFFFFF // 4 and missing > max(rate // 20, declared // 100):
        raise refuse(
            f"{name} is truncated: its header promises {declared / rate:.1f} s but the file "
            f"holds {pcm.seconds:.1f} s. Copy or export it again."
        )
    return pcm


def _decode(
    p: Path, name: str, target: tuple[int, int] | None, keep_frames: int, block: int = 0
) -> Pcm:
    """Decode with QAudioDecoder (16-bit at ``target`` = (rate, channels), or native)."""
    ensure_qt_app()
    if threading.current_thread() is not threading.main_thread():
        return _decode_here(p, name, target, keep_frames, block)
    # On the main thread a nested QEventLoop could break a running qasync loop.
    box: dict = {}

    def work() -> None:
        try:
            box["pcm"] = _decode_here(p, name, target, keep_frames, block)
        except BaseException as e:  # handed to the caller's thread
            box["error"] = e

    t = threading.Thread(target=work, name="s2v-audio-decode", daemon=True)
    t.start()
    t.join()  # the decode itself gives up after STALL_TIMEOUT_S without progress
    if "error" in box:
        raise box["error"]
    if "pcm" not in box:
        raise refuse(f"{name} took too long to decode. {FORMATS}")
    return box["pcm"]


def _decode_here(
    p: Path, name: str, target: tuple[int, int] | None, keep_frames: int, block: int = 0
) -> Pcm:
    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtMultimedia import QAudioDecoder, QAudioFormat

    SF = QAudioFormat.SampleFormat
    kinds = {SF.Int16: ("h", 32768.0), SF.Int32: ("i", 2147483648.0), SF.Float: ("f", 1.0)}
    decoder = QAudioDecoder()
    if target:
        fmt = QAudioFormat()
        fmt.setSampleFormat(SF.Int16)
        fmt.setSampleRate(target[0])
        fmt.setChannelCount(target[1])
        decoder.setAudioFormat(fmt)
    pcm = Pcm(block=block)
    state: dict = {"done": False, "error": None}
    loop = QEventLoop()
    timer = QTimer()
    timer.setSingleShot(True)
    timer.setInterval(int(STALL_TIMEOUT_S * 1000))

    def stop() -> None:
        state["done"] = True
        loop.quit()

    def on_buffer() -> None:
        if timer.isActive():
            timer.start()  # progress: restart the stall timer
        while decoder.bufferAvailable():
            buf = decoder.read()
            f = buf.format()
            pcm.rate, pcm.channels = f.sampleRate(), f.channelCount()
            raw = bytes(buf.constData())
            if f.sampleFormat() == SF.UInt8:
                samples = array.array("h", (b - 128 for b in raw))
                scale = 128.0
            else:
                code, scale = kinds.get(f.sampleFormat(), ("h", 32768.0))
                samples = array.array(code)
                samples.frombytes(raw[: len(raw) // samples.itemsize * samples.itemsize])
            pcm.add(samples, scale, keep_frames)
            if pcm.seconds > MAX_SECONDS:
                pcm.capped = True
                decoder.stop()
                stop()
                return

    def on_error(_err) -> None:
        state["error"] = decoder.errorString() or "unknown error"
        stop()

    decoder.bufferReady.connect(on_buffer)
    decoder.finished.connect(stop)
    decoder.error.connect(on_error)
    decoder.setSource(QUrl.fromLocalFile(str(p)))
    decoder.start()
    if not state["done"]:  # errors can be reported inside start()
        timer.timeout.connect(lambda: (state.update(error="timeout"), stop()))
        timer.start()
        loop.exec()
        timer.stop()
    if not pcm.capped:
        on_buffer()
    decoder.stop()
    # Break the decoder <-> closure cycles so it is freed here, in its own thread.
    decoder.bufferReady.disconnect(on_buffer)
    decoder.finished.disconnect(stop)
    decoder.error.disconnect(on_error)
    err = state["error"]
    if err == "timeout":
        raise refuse(f"{name} took too long to decode. {FORMATS}")
    if err and pcm.frames == 0:
        if "audio stream" in err:
            raise refuse(f"{name} contains no audio track, so it is not a voice clip. {FORMATS}")
        raise refuse(f"{name} cannot be decoded as audio ({err}). {FORMATS}")
    return pcm


def target_format(rate: int, channels: int) -> tuple[int, int]:
    """What to convert to: the source rate if sane (8-48 kHz) else 44.1/48 kHz; 1 or 2 ch."""
    if not 8000 <= rate <= 48000:
        rate = 48000 if rate % 48000 == 0 else 44100
    return rate, 1 if channels == 1 else 2


def too_long_message(name: str, seconds: float, duration: int) -> str:
    """Why a clip does not fit the video, and the ways out."""
    fits = choose_duration(seconds)
    if duration == DURATIONS[-1]:
        limit = f"longer than the longest video ({duration} s)"
    else:
        limit = f"longer than the chosen video length ({duration} s)"
    longer = f", choose a {fits} s video" if fits else ""
    return (
        f"{name} is {seconds:.1f} s long, {limit}. Trim it to {duration} s "
        f"(--trim, or the Trim option){longer} or use a shorter clip."
    )


def prepare_audio(info: AudioInfo, dest_dir: Path, duration: int, trim: bool) -> Path:
    """The WAV to upload: the original if acceptable, else a converted/trimmed copy."""
    name = display_name(info.path)
    if duration not in DURATIONS:
        raise refuse(f"The video length must be 5, 10 or 15 s, not {duration}.")
    if info.seconds > duration + DURATION_GRACE and not trim:
        raise refuse(too_long_message(name, info.seconds, duration))
    cut = info.seconds > duration
    rate, channels = target_format(info.sample_rate, info.channels)
    native = info.is_wav and (rate, channels) == (info.sample_rate, info.channels)
    pcm = _read_wav(info.path, name, keep_frames=duration * rate) if native else None
    if pcm is not None and not cut:
        return info.path  # already 16-bit PCM WAV the service takes
    if pcm is None:
        pcm = _decode(info.path, name, target=(rate, channels), keep_frames=duration * rate)
    if not pcm.data:
        raise refuse(f"{name} could not be converted to WAV. {FORMATS}")
    data = pcm.data
    if cut:
        _fade_out(data, pcm.channels, pcm.rate // 100)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(pcm.channels)
        w.setsampwidth(2)
        w.setframerate(pcm.rate)
        w.writeframes(bytes(data))
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", info.path.stem).strip("._")[:40] or "voice"
    suffix = f"{duration}s" if cut else "full"
    dest = Path(dest_dir) / f"{stem}-{info.sha256[:12]}-{suffix}.wav"
    write_atomic(dest, out.getvalue())
    return dest


def _fade_out(data: bytearray, channels: int, frames: int) -> None:
    """Ramp the last ``frames`` to zero so a cut does not click."""
    samples = array.array("h")
    samples.frombytes(bytes(data[-frames * channels * 2 :]))
    if sys.byteorder == "big":
        samples.byteswap()
    n = len(samples) // channels
    for i in range(len(samples)):
        samples[i] = int(samples[i] * (n - 1 - i // channels) / max(1, n))
    if sys.byteorder == "big":
        samples.byteswap()
    data[-len(samples) * 2 :] = samples.tobytes()


def waveform(path: str | os.PathLike, buckets: int = 400) -> list[float]:
    """Peak per bucket (0..1 of full scale) over the whole clip."""
    p = check_file(path, "voice clip")
    name = display_name(p)
    pcm = None
    if sniff(read_head(p, 64)) == "wav":
        pcm = _read_wav(p, name, keep_frames=0, block=WAVEFORM_BLOCK)
    if pcm is None:
        # Native format: QAudioDecoder never finishes some downsampling (MP3 16 -> 8 kHz).
        pcm = _decode(p, name, target=None, keep_frames=0, block=WAVEFORM_BLOCK)
    blocks, n = pcm.blocks, len(pcm.blocks)
    if n == 0 or buckets <= 0:
        return [0.0] * max(buckets, 0)
    peaks = []
    for b in range(buckets):
        lo = b * n // buckets
        hi = max(lo + 1, (b + 1) * n // buckets)
        peaks.append(min(1.0, max(blocks[lo:hi])))
    return peaks
