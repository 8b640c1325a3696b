"""Media: the PyAV path (app.media) against the QAudioDecoder path it replaced, side by side.

The old path is git's own code: app/jobs/media.py and audio_check.py as of OLD_COMMIT,
loaded from `git show` into a private package (nothing of it is kept in the tree).
Both run in this process, alternating, on the same files: inspecting a clip (decode,
count, level) and converting it to the WAV that is uploaded, plus the waveform.
Then the long-video work: planning a 10-minute recording (decode + pause map + DP) and
joining its ~40 parts' clips under the original voice. Bundle sizes come from the last
`packaging/build.py` run (build/bundle-report.json).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

from tests.benchmarks.common import DATA, ROOT, Context, Family, family_main, median

OLD_COMMIT = "8d929a1"  # the last commit with the QAudioDecoder + wave path
CLIPS = [
    ("voice-3s.mp3", 5),
    ("voice-3s.m4a", 5),
    ("voice-3s.ogg", 5),
    ("voice-3s.flac", 5),
    ("voice-3s-44k-stereo.wav", 5),
    ("voice-32s.wav", 15),
]


def old_path(work: Path):
    """app/jobs/media.py + audio_check.py of OLD_COMMIT as the package `s2v_old`."""
    pkg = work / "old" / "s2v_old"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    for name in ("media", "audio_check"):
        src = subprocess.run(
            ["git", "show", f"{OLD_COMMIT}:app/jobs/{name}.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        src = src.replace("from app.jobs.media import", "from s2v_old.media import")
        src = src.replace("from app.jobs import audio_check", "from s2v_old import audio_check")
        (pkg / f"{name}.py").write_text(src)
    sys.path.insert(0, str(pkg.parent))
    old = importlib.import_module("s2v_old.media")
    old.ensure_qt_app()  # QAudioDecoder needs a Qt application on the main thread
    return old


def timed_runs(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def side_by_side(fam: Family, label: str, new, old, runs: int, target: str, limit: float) -> None:
    new(), old()  # warm-up: imports, codecs, page cache
    new_t, old_t = [], []
    for _ in range(runs):  # alternate so both see the same machine
        new_t += timed_runs(new, 1)
        old_t += timed_runs(old, 1)
    n, o = median(new_t) * 1000, median(old_t) * 1000
    r = round(n / o, 2) if o else None
    fam.add(
        label,
        round(n, 1),
        "ms",
        "QAudioDecoder/wave path",
        round(o, 1),
        r,
        target,
        r is not None and r <= limit,
    )


def audio_rows(fam: Family, ctx: Context, runs: int) -> None:
    from app.jobs import media as new

    old = old_path(ctx.work)
    out_new, out_old = ctx.work / "new", ctx.work / "old-out"
    out_new.mkdir(exist_ok=True)
    out_old.mkdir(exist_ok=True)
    for name, duration in CLIPS:
        path = DATA / name
        side_by_side(
            fam,
            f"inspect {name}",
            lambda p=path: new.inspect_audio(p),
            lambda p=path: old.inspect_audio(p),
            runs,
            "<= 1x",
            1.0,
        )
        ni, oi = new.inspect_audio(path), old.inspect_audio(path)
        side_by_side(
            fam,
            f"convert {name} to the WAV sent",
            lambda i=ni, d=duration: new.prepare_audio(i, out_new, d, True),
            lambda i=oi, d=duration: old.prepare_audio(i, out_old, d, True),
            runs,
            "<= 1x",
            1.0,
        )
    path = DATA / "voice-32s.wav"
    side_by_side(
        fam,
        "waveform of voice-32s.wav (400 peaks)",
        lambda: new.waveform(path),
        lambda: old.waveform(path),
        runs,
        "<= 1.5x",
        1.5,
    )
    mp3 = DATA / "voice-3s.mp3"
    side_by_side(
        fam,
        "waveform of voice-3s.mp3",
        lambda: new.waveform(mp3),
        lambda: old.waveform(mp3),
        runs,
        "<= 1x",
        1.0,
    )


def ten_minutes(work: Path) -> Path:
    """A 10-minute recording: the 32 s and 14 s speech clips in turn, with pauses of 0.3-7 s."""
    from app.media.audio import decode_pcm
    from tests.media import synth

    pieces, total = [], 0.0
    clips = [decode_pcm(DATA / n, 16000) for n in ("voice-32s.wav", "voice-14s.wav")]
    gaps = [0.3, 0.8, 1.5, 7.0, 0.5]
    k = 0
    while total < 590:
        clip = clips[k % 2]
        gap = synth.silence(gaps[k % len(gaps)])
        pieces += [clip, gap]
        total += clip.seconds + gap.seconds
        k += 1
    pcm = synth.concat(*pieces)
    pcm.samples = pcm.samples[: 600 * 16000]
    return synth.write_pcm(work / "talk-10min.wav", pcm)


def long_video_rows(fam: Family, ctx: Context, runs: int) -> None:
    from app.media import join
    from app.media.pauses import map_speech
    from app.media.plan import plan_parts
    from app.settings import DEFAULT_PRICES
    from tests.media import synth

    talk = ten_minutes(ctx.work)
    maps = timed_runs(lambda: map_speech(talk), runs)
    speech = map_speech(talk)
    plans = timed_runs(lambda: plan_parts(speech, DEFAULT_PRICES, "high"), runs)
    plan = plan_parts(speech, DEFAULT_PRICES, "high")
    total = median(maps) + median(plans)
    fam.add(
        "plan a 10-minute recording (decode, pauses, DP)",
        round(total, 3),
        "s",
        "target",
        2.0,
        round(total / 2.0, 2),
        "< 2 s",
        total < 2.0,
        note=f"decode + 20 ms energy map {median(maps):.3f} s, DP {median(plans) * 1000:.1f} "
        f"ms over {len(plan.candidates)} cut candidates; {len(plan.parts)} parts, "
        f"{len(plan.gaps)} skipped pauses, ${plan.total:.2f} at high quality",
    )
    clips = [
        synth.make_clip(ctx.work / f"clip{i}.mp4", 15.0, size=(512, 512), hue=60 * i)
        for i in range(3)
    ]
    pieces = [join.Piece(clips[i % 3], p.start, p.seconds) for i, p in enumerate(plan.parts)]
    out = ctx.work / "joined.mp4"
    join_runs = timed_runs(lambda: join.join_parts(pieces, talk, out), max(1, runs // 2))
    result = join.join_parts(pieces, talk, out)
    seconds = median(join_runs)
    fam.add(
        f"join {len(pieces)} parts (10 min, 512x512 H.264) under the voice",
        round(seconds, 2),
        "s",
        "the video's own length",
        600,
        round(seconds / 600, 4),
        "< 0.1x real time",
        seconds < 60,
        note=f"copied without re-encoding: {result.copied}; video "
        f"{result.video.seconds:.2f} s vs audio {result.video.audio_seconds:.2f} s; "
        f"{result.video.size_bytes / 1e6:.1f} MB",
    )
    few = pieces[:4]
    end = few[-1].start + few[-1].seconds
    copy = timed_runs(lambda: join.write_video(few, ctx.work / "c.mp4", total=end), runs)
    again = timed_runs(
        lambda: join.write_video(few, ctx.work / "r.mp4", total=end, crossfade=0.2), 1
    )
    fam.add(
        f"join 4 parts ({end:.0f} s), video only, copied",
        round(median(copy), 3),
        "s",
        "the same, re-encoded (crossfade 0.2 s)",
        round(median(again), 3),
        round(median(copy) / median(again), 3),
        "<= 0.2x",
        median(copy) <= 0.2 * median(again),
    )


def probe_rows(fam: Family, runs: int) -> None:
    from app.media.probe import probe_video
    from tests.video import decode_stats

    clip = DATA / "result-h264-5s.mp4"
    new = median(timed_runs(lambda: probe_video(clip), runs))
    qt = median(timed_runs(lambda: decode_stats(clip), max(1, runs // 3)))
    fam.add(
        "check a downloaded 5 s result (first and last frames)",
        round(new * 1000, 1),
        "ms",
        "QtMultimedia playback at 8x in a child process",
        round(qt * 1000, 1),
        round(new / qt, 3),
        "<= 0.2x",
        new <= 0.2 * qt,
    )


def bundle_rows(fam: Family) -> None:
    report = ROOT / "build" / "bundle-report.json"
    if not report.exists():
        fam.notes.append("Bundle sizes: no build/bundle-report.json (run packaging/build.py).")
        return
    data = json.loads(report.read_text())
    for key, label in (("unpacked", "bundle unpacked"), ("archive", "bundle archive")):
        value, budget = data[f"{key}_mib"], data[f"budget_{key}_mib"]
        fam.add(
            label,
            value,
            "MiB",
            "budget",
            budget,
            round(value / budget, 2),
            f"<= {budget} MiB",
            value <= budget,
        )
    fam.notes.append(
        f"Bundle of {data['version']} built by packaging/build.py (PyInstaller "
        f"{data['pyinstaller_seconds']} s); PyAV's av/ and av.libs/ (FFmpeg and its codecs) "
        f"are ~102 MiB of it; before PyAV the bundle was 206 MiB unpacked, 82 MiB archived."
    )


def run(ctx: Context) -> Family:
    fam = Family("media", "Media: PyAV against the QAudioDecoder path; long videos")
    runs = 3 if ctx.quick else 9
    audio_rows(fam, ctx, runs)
    long_video_rows(fam, ctx, 3 if ctx.quick else 5)
    probe_rows(fam, runs)
    bundle_rows(fam)
    import av

    fam.notes.append(
        f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info}); the old path is "
        f"app/jobs/media.py + audio_check.py of commit {OLD_COMMIT} (QAudioDecoder in a "
        f"worker thread with its own QEventLoop, 16-bit WAV read with `wave`). Medians of "
        f"{runs} alternating runs after one warm-up each; times include opening the file."
    )
    return fam


if __name__ == "__main__":
    sys.exit(family_main(run, "media"))
