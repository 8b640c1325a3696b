"""Simulator-made takes: N results of one voice clip with distinct portraits, over HTTP.

The simulator's video depends on the image, the audio and the duration (not the seed),
so each take gets its own portrait: the test portrait tinted a different hue with its
seed written on it. Used by the takes view's tests, its benchmark and its screenshots.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from tests.simulator import PORTRAIT, VOICE_5S, api_client, submit, upload, wait_until_done

HUES = (0, 120, 220, 300, 40, 180)


def tinted_portrait(seed: int, hue: int, dest: Path) -> Path:
    """The test portrait under a coloured veil, with "seed N" written across it."""
    image = QImage(str(PORTRAIT)).convertToFormat(QImage.Format.Format_RGB32)
    p = QPainter(image)
    p.fillRect(image.rect(), QColor.fromHsv(hue, 200, 230, 90))
    font = QFont("Sans")
    font.setPixelSize(max(12, image.height() // 14))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("white"))
    box = QRect(0, image.height() // 12, image.width(), image.height() // 6)
    p.drawText(box, Qt.AlignmentFlag.AlignCenter, f"seed {seed}")
    p.end()
    image.save(str(dest))
    return dest


def make_takes(sim, folder: Path, seeds: list[int], timeout: float = 60.0) -> list[Path]:
    """One 5 s simulator result per seed (distinct pictures), downloaded without the key."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with api_client(sim) as client, httpx.Client(timeout=30) as keyless:
        (audio,) = upload(client, sim, VOICE_5S)
        started = []
        for i, seed in enumerate(seeds):
            portrait = tinted_portrait(seed, HUES[i % len(HUES)], folder / f"portrait-{seed}.png")
            (image,) = upload(client, sim, portrait)
            r = submit(client, sim, input_image=image, input_audio=audio, seed=seed, duration=5)
            r.raise_for_status()
            started.append((seed, r.json()))
        for seed, body in started:
            done = wait_until_done(client, body["status_url"], timeout=timeout)
            assert done.json()["status"] == "COMPLETED", done.text
            result = client.get(body["response_url"]).json()
            video = keyless.get(result["output"])
            video.raise_for_status()
            path = folder / f"take-seed{seed}.mp4"
            path.write_bytes(video.content)
            paths.append(path)
    return paths
