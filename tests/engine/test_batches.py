"""Batches and takes through the engine's verbs, against the simulator over HTTP."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.jobs.batch_csv import read_csv, write_csv
from app.jobs.batches import BatchProblems
from app.jobs.store import JobStore
from tests.engine.test_engine import request, run


async def _finish(engine, jobs):
    return await asyncio.gather(*(engine.wait(j.id) for j in jobs))


def test_a_batch_is_one_group_with_counts_cost_and_group_verbs(make_engine, media, sim):
    engine = make_engine()

    async def go():
        await engine.start(resume=False)
        reqs = [request(media, f"row {i}", seed=10 + i) for i in range(3)]
        reqs.append(request(media, "[sim:fail] this one fails", seed=99))
        batch, jobs = await engine.submit_batch(reqs, "launch day")
        done = await _finish(engine, jobs)
        return batch, done

    batch, done = run(go(), timeout=120)
    assert [j.batch_id for j in done] == [batch.id] * 4
    summary = engine.batch_summary(batch.id)
    assert (summary.total, summary.done, summary.failed, summary.active) == (4, 3, 1, 0)
    assert summary.words == "3 of 4 done, 1 failed"
    assert summary.billed == pytest.approx(sum(j.cost or 0 for j in done))
    assert [s.batch.id for s in engine.batches()] == [batch.id]
    assert [j.id for j in engine.batch_jobs(batch.id)] == [j.id for j in done]  # row order

    async def again():
        await engine.start(resume=False)
        retried = engine.retry_failed(batch.id)
        assert [j.id for j in retried] == [done[3].id]
        return await engine.wait(done[3].id)

    assert run(again(), timeout=60).state == "failed"  # [sim:fail] fails each time
    hidden = engine.hide_batch(batch.id)
    assert len(hidden) == 4 and engine.batch_jobs(batch.id) == []
    assert engine.batches() == []
    for j in hidden:  # undo, one by one
        engine.restore(j.id)
    assert len(engine.batch_jobs(batch.id)) == 4


def test_bad_rows_are_all_reported_and_nothing_is_stored(make_engine, media, sim):
    engine = make_engine()
    reqs = [
        request(media, "ok", seed=1),
        request(media, "ok", seed=1),  # a duplicate of row 2
        request(media, "no file", seed=2),
    ]
    reqs[2].image = str(media / "nope.png")
    with pytest.raises(BatchProblems) as caught:
        run(engine.submit_batch(reqs, "bad"))
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, ""), (4, "image")]
    assert engine.jobs() == [] and sim.log() == []


def test_takes_from_a_finished_job_keep_and_discard(make_engine, media, sim):
    engine = make_engine()

    async def go():
        await engine.start(resume=False)
        first = await engine.submit(request(media, "one pair", seed=5))
        first = await engine.wait(first.id)
        batch, takes = await engine.make_takes(first.id, 3, start_seed=40)
        takes = await _finish(engine, takes)
        return first, batch, takes

    first, batch, takes = run(go(), timeout=120)
    assert batch.kind == "takes" and [t.seed for t in takes] == [40, 41, 42]
    group = engine.takes_of(first.id)
    assert [j.take for j in group] == [1, 2, 3, 4]
    assert [j.id for j in group] == [first.id] + [t.id for t in takes]
    kept = engine.keep_take(takes[1].id)
    assert kept.kept
    side = json.loads(Path(kept.output_path).with_suffix(".json").read_text())
    assert side["kept"] is True and side["take"] == 3 and side["batch"]["kind"] == "takes"
    gone = engine.discard_other_takes(kept.id)
    assert sorted(j.id for j in gone) == sorted([first.id, takes[0].id, takes[2].id])
    assert [j.id for j in engine.takes_of(kept.id)] == [kept.id]
    assert all(Path(j.output_path).exists() for j in gone)  # files kept unless asked
    _, more = run(engine.make_takes(kept.id, 1, seeds=[77]))
    assert more[0].batch_id == batch.id and more[0].take == 5  # the group goes on


def test_a_chosen_name_is_stored_before_the_download_and_kept(make_engine, media, sim, tmp_path):
    engine = make_engine()
    out = tmp_path / "out"

    async def go():
        await engine.start(resume=False)
        a = await engine.submit(request(media, "a", seed=1, output_dir=str(out), name="Intro"))
        b = await engine.submit(request(media, "b", seed=2, output_dir=str(out), name="intro.mp4"))
        return await engine.wait(a.id), await engine.wait(b.id)

    a, b = run(go(), timeout=120)
    assert Path(a.output_path).name == "Intro.mp4"
    assert Path(b.output_path).name in ("intro.mp4", "intro-2.mp4")
    assert a.output_path != b.output_path and a.save_as == a.output_path
    store = JobStore(engine.store.path)  # another process sees the name taken
    assert store.path_taken(Path(a.output_path), b.id)
    store.close()


def test_csv_round_trip(tmp_path, media):
    reqs = [
        request(media, 'comma, "quotes" and\nnew line', seed=3, quality="mid"),
        request(media, "long", seed=4, split=True, name="talk"),
    ]
    reqs[1].audio = str(media / "voice-32s.wav")
    path = write_csv(tmp_path / "sheet.csv", reqs)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("image,audio,prompt,duration,quality,seed,enhance_prompt,split,name\n")
    assert "in/portrait-astronaut.png" in text and str(tmp_path) not in text  # relative
    back = read_csv(path)
    assert [(r.prompt, r.seed, r.quality, r.split, r.name) for r in back] == [
        ('comma, "quotes" and\nnew line', 3, "mid", False, None),
        ("long", 4, "high", True, "talk"),
    ]
    assert [r.row for r in back] == [2, 3] and Path(
        back[0].image
    ) == media / "portrait-astronaut.png"
    assert back[0].duration is None  # written as the request had it: auto
