"""Schema 5: a long video is a listed parent whose parts are jobs; its state follows them."""

from __future__ import annotations

import json
import sqlite3
import time

from app.jobs import long_video as lv
from app.jobs.model import TRANSITIONS, Job, JobState
from app.jobs.schema import _MIGRATIONS, SCHEMA_VERSION
from app.jobs.store import JobStore

S = JobState


def long_video(store: JobStore, n: int = 3) -> tuple[Job, list[Job]]:
    parent = Job(image="p.png", audio="talk.wav", part_count=n, duration=10 * n, estimate=2.81 * n)
    parts = [
        Job(image="p.png", audio="talk.wav", parent_id=parent.id, part_index=i,
            part_start=10.0 * i, part_end=10.0 * (i + 1), estimate=2.81)
        for i in range(n)
    ]  # fmt: skip
    store.add_long(parent, parts, "fp", lease=30)
    return parent, parts


def test_schema_4_database_migrates_to_the_latest_and_keeps_its_jobs(tmp_path):
    path = tmp_path / "v4.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for v in (1, 2, 3, 4):
        for stmt in filter(str.strip, _MIGRATIONS[v].split(";")):
            db.execute(stmt)
    db.execute("PRAGMA user_version=4")
    now = time.time()
    job = Job(image="p.png", audio="v.wav", state=S.completed, cost=1.41, finished_at=now)
    raw = dict(job.__dict__, state=job.state.value)
    db.execute(
        "INSERT INTO jobs(id, state, created_at, updated_at, finished_at, cost, data, listed_at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (job.id, "completed", now, now, now, 1.41, json.dumps(raw), now),
    )
    db.close()
    store = JobStore(path)
    assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    [old] = store.all()
    assert old.id == job.id and not old.is_long and old.parent_id is None
    assert store.parts(job.id) == []


def test_parts_are_not_listed_but_can_be_found(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    parent, parts = long_video(store)
    assert [j.id for j in store.all()] == [parent.id] and store.count() == 1
    assert [j.id for j in store.unfinished()] == [parent.id]
    assert [p.id for p in store.parts(parent.id)] == [p.id for p in parts]
    assert store.find(parts[1].id).part_index == 1 and store.find(parts[1].id[:6]) is not None
    assert store.get(parent.id).is_long and not store.get(parts[0].id).is_long
    store.hide(parent.id)
    assert store.find(parts[1].id) is None  # a hidden video's parts go with it


def test_the_long_video_is_charged_only_through_its_parts(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    parent, parts = long_video(store, 2)
    for part, cost in zip(parts, (2.81, None), strict=True):
        for to in (S.preparing, S.submitting, S.queued):
            store.move(part, to)
        store.move(part, S.cancelled, cost=cost)
    store.move(parent, S.cancelled, may_be_billed=True)  # a long video may jump states
    spend = store.spend_since(0)
    assert (spend.billed, spend.maybe) == (2.81, 2.81)  # not a third charge for the parent


def test_state_follows_the_least_advanced_part_then_the_worst_end():
    def parts(*states):
        return [Job(image="p", audio="a", state=s, part_index=i) for i, s in enumerate(states)]

    assert lv.progress_state(parts(S.completed, S.queued, S.uploading)) == S.uploading
    assert lv.progress_state(parts(S.failed, S.downloading, S.processing)) == S.processing
    assert lv.progress_state(parts(S.completed, S.failed)) is None
    assert lv.end_state(parts(S.cancelled, S.expired, S.completed)) == S.expired
    assert lv.end_state(parts(S.cancelled, S.interrupted, S.failed)) == S.failed
    assert lv.end_state(parts(S.cancelled, S.interrupted)) == S.interrupted
    assert lv.end_state(parts(S.completed, S.completed)) is None
    assert TRANSITIONS[S.joining] == frozenset()  # ordinary jobs never join
