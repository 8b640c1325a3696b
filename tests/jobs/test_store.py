"""The job store: paging, the month's spend in SQL, the schema 3 migration, batched leases."""

from __future__ import annotations

import json
import sqlite3
import time

from app.jobs.model import Job, JobState
from app.jobs.store import SCHEMA_VERSION, JobStore


def make(i: int, now: float, **kw) -> Job:
    return Job(image=f"p{i}.png", audio=f"v{i}.wav", prompt=f"job {i}", created_at=now - i, **kw)


def test_pages_and_count_follow_the_order_of_all(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    now = time.time()
    for i in range(25):
        store.add(make(i, now))
    everything = [j.id for j in store.all()]
    assert store.count() == 25
    pages, last = [], None
    while True:
        page = store.page(10, after=last)
        pages += [j.id for j in page]
        if len(page) < 10:
            break
        last = page[-1]
        store.add(make(-1 - len(pages), now))  # a newer job meanwhile shifts nothing
    assert pages == everything
    assert store.page(3)[0].prompt == "job -21"  # newest first


def test_spent_since_sums_real_and_demo_jobs_apart(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    now = time.time()
    real = make(1, now, state=JobState.completed, cost=1.41, finished_at=now)
    demo = make(2, now, state=JobState.completed, cost=2.0, finished_at=now, demo=True)
    old = make(3, now, state=JobState.completed, cost=5.0, finished_at=now - 86400 * 40)
    for j in (real, demo, old):
        store.add(j)
    assert store.spent_since(now - 3600) == 1.41
    assert store.spent_since(now - 3600, demo=True) == 2.0
    assert store.spent_since(now - 86400 * 50) == 1.41 + 5.0
    job = make(4, now)
    store.add(job)
    store.move(job, JobState.preparing)
    store.move(job, JobState.cancelled, cost=0.5)  # a later write keeps the sum right
    assert round(store.spent_since(now - 3600), 2) == 1.91


def test_schema_2_database_migrates_with_demo_filled_from_json(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    from app.jobs.schema import _MIGRATIONS

    for v in (1, 2):  # a database as version 2 of the app left it
        for stmt in filter(str.strip, _MIGRATIONS[v].split(";")):
            db.execute(stmt)
    db.execute("PRAGMA user_version=2")
    now = time.time()
    for i, is_demo in enumerate((True, False)):
        job = make(i, now, state=JobState.completed, cost=1.0, finished_at=now, demo=is_demo)
        raw = dict(job.__dict__, state=job.state.value)
        db.execute(
            "INSERT INTO jobs(id, state, created_at, updated_at, finished_at, cost, data)"
            " VALUES (?,?,?,?,?,?,?)",
            (job.id, "completed", now, now, now, 1.0, json.dumps(raw)),
        )
    db.close()
    store = JobStore(path)
    assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    assert store.spent_since(now - 1) == 1.0 and store.spent_since(now - 1, demo=True) == 1.0
    assert {j.demo for j in store.all()} == {True, False}


def test_acquire_many_takes_free_jobs_in_one_go_and_skips_live_owners(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    mine, other = JobStore(path), JobStore(path)
    now = time.time()
    jobs = [make(i, now) for i in range(5)]
    for j in jobs:
        mine.add(j)
    # another live process (this very pid: alive) holds job 0
    other.owner = mine.owner.rsplit(":", 1)[0] + ":other"
    assert other.acquire(jobs[0].id, 30)
    ids = [j.id for j in jobs] + ["no-such-job"]
    assert mine.acquire_many(ids, 30) == {j.id for j in jobs[1:]}
    assert mine.owner_of(jobs[1].id) == mine.owner
    assert mine.owner_of(jobs[0].id) == other.owner
    assert mine.acquire_many([], 30) == set()
    mine.release()
    assert mine.owner_of(jobs[1].id) is None
    assert mine.acquire(jobs[2].id, 30) and not mine.acquire(jobs[0].id, 30)
