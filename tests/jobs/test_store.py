"""The job store: paging, spend, migrations, leases, requests, hidden jobs, request ids."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from app.jobs.model import Job, JobState
from app.jobs.store import SCHEMA_VERSION, JobStore, LeaseLost, Spend


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
    assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
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


def other_live_owner(store: JobStore, path) -> JobStore:
    """A second store on the same file, as another live process (this very pid: alive)."""
    other = JobStore(path)
    other.owner = store.owner.rsplit(":", 1)[0] + ":other"
    return other


def test_save_never_writes_the_state_a_stale_copy_holds(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    store = JobStore(path)
    job = make(1, time.time())
    store.add(job)
    stale = store.get(job.id)
    store.move(job, JobState.preparing)
    store.move(job, JobState.cancelled, error_message="cancelled elsewhere")
    stale.prepared_audio = "/tmp/prepared.wav"
    store.save(stale, "audio prepared")  # the runner's copy still says pending
    fresh = store.get(job.id)
    assert fresh.state == JobState.cancelled
    assert fresh.prepared_audio == "/tmp/prepared.wav"
    assert stale.state == JobState.cancelled  # the copy learns the stored state


def test_only_the_lease_owner_writes_a_leased_job(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    mine = JobStore(path)
    other = other_live_owner(mine, path)
    job = make(1, time.time())
    mine.add(job)
    assert other.acquire(job.id, 30)
    copy = mine.get(job.id)
    with pytest.raises(LeaseLost):
        mine.move(copy, JobState.cancelled)
    with pytest.raises(LeaseLost):
        mine.save(copy)
    assert mine.lease_lost(job.id) and not other.lease_lost(job.id)
    assert mine.claim(job.id, "cancel", 30) == "requested"  # recorded for the owner instead
    assert mine.get(job.id).requested == "cancel" and mine.get(job.id).state == JobState.pending
    assert other.requests() == [(job.id, "cancel", True)]
    assert mine.requests() == []  # a live owner holds it: not for this process
    other.move(other.get(job.id), JobState.cancelled, fulfils="cancel")
    assert mine.get(job.id).requested is None
    other.release(job.id)
    assert mine.claim(job.id, "retry", 30) == "taken"
    assert mine.claim(job.id, "retry", 30) == "held"


def test_a_lapsed_lease_is_taken_and_noted_and_the_old_owner_loses_it(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    old = JobStore(path)
    new = other_live_owner(old, path)
    job = make(1, time.time())
    old.add(job)
    assert old.acquire(job.id, 0.05)
    assert not new.acquire(job.id, 30)  # alive and in time
    time.sleep(0.1)
    assert new.acquire(job.id, 30)  # lapsed: taken although its owner lives
    assert old.renew(30) == set()  # the old owner learns it on its next renew
    assert old.lease_lost(job.id)
    assert [e.what for e in new.history(job.id)] == ["created", "taken over"]
    assert new.history(job.id)[-1].by == new.owner


def test_a_request_id_is_kept_whatever_the_state_and_lease(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    owner = JobStore(path)
    other = other_live_owner(owner, path)
    job = make(1, time.time())
    owner.add(job)
    assert owner.acquire(job.id, 30)
    owner.move(job, JobState.preparing)
    owner.move(job, JobState.submitting)
    assert other.acquire(job.id, 30) is False
    owner.move(job, JobState.cancelled)  # cancelled while the POST was in flight
    other.keep_request_id(job.id, "rid-1", status_url="https://x/s", submitted_at=5.0)
    kept = owner.get(job.id)
    assert (kept.request_id, kept.status_url, kept.submitted_at) == ("rid-1", "https://x/s", 5.0)
    assert kept.state == JobState.cancelled and kept.may_be_billed
    job.error_message = "a stale copy without the request id"
    owner.save(job)
    assert owner.get(job.id).request_id == "rid-1"
    assert owner.find("rid-1").id == job.id


def test_hidden_jobs_are_left_out_of_every_listing_but_still_counted(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    now = time.time()
    shown = make(1, now)
    gone = make(2, now, state=JobState.completed, cost=2.81, finished_at=now)
    store.add(shown)
    store.add(gone, fingerprint="fp-gone")
    before = now - 10
    store.hide(gone.id)
    assert [j.id for j in store.all()] == [shown.id]
    assert [j.id for j in store.page(10)] == [shown.id]
    assert store.count() == 1
    assert store.find(gone.id) is None and store.find(gone.id[:6]) is None
    assert [j.id for j in store.changed_since(before)] == [shown.id]
    assert store.unfinished() == [store.get(shown.id)]
    assert list(store.hidden_since(before)) == [gone.id]
    # what was paid stays paid for: the month's spend and the duplicate guard know it
    assert store.spent_since(before) == 2.81
    assert store.completed_with("fp-gone").id == gone.id
    assert store.get(gone.id).hidden
    store.restore(gone.id)
    assert store.count() == 2 and gone.id in store.listed_since(before)


def test_each_attempt_keeps_its_charge_and_may_be_billed_counts_its_estimate(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    job = make(1, time.time(), estimate=2.81)
    store.add(job)
    for state in (JobState.preparing, JobState.submitting, JobState.queued):
        store.move(job, state, request_id="rid-1" if state == JobState.queued else None)
    store.move(job, JobState.cancelled)  # after the submit: Segmind may still bill it
    assert job.may_be_billed
    assert store.spend_since(0) == Spend(billed=0.0, maybe=2.81)
    store.move(job, JobState.pending, attempt=2, request_id=None, cost=None)
    assert not job.may_be_billed
    for state in (JobState.preparing, JobState.submitting, JobState.queued):
        store.move(job, state)
    store.move(job, JobState.downloading, cost=2.81)
    store.move(job, JobState.completed)
    assert store.spend_since(0) == Spend(billed=2.81, maybe=2.81)  # the retry kept attempt 1
    free = make(2, time.time(), estimate=2.81)
    store.add(free)
    store.move(free, JobState.cancelled)  # never submitted: nothing billed
    assert not free.may_be_billed and store.spend_since(0).total == 5.62


def test_schema_3_database_migrates_to_4_with_charges_and_history(tmp_path):
    path = tmp_path / "v3.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    from app.jobs.schema import _MIGRATIONS

    for v in (1, 2, 3):
        for stmt in filter(str.strip, _MIGRATIONS[v].split(";")):
            db.execute(stmt)
    db.execute("PRAGMA user_version=3")
    now = time.time()
    job = make(1, now, state=JobState.completed, cost=1.41, finished_at=now)
    raw = dict(job.__dict__, state=job.state.value)
    db.execute(
        "INSERT INTO jobs(id, state, created_at, updated_at, finished_at, cost, data)"
        " VALUES (?,?,?,?,?,?,?)",
        (job.id, "completed", now, now, now, 1.41, json.dumps(raw)),
    )
    db.execute("INSERT INTO job_log(job_id, t, what) VALUES (?,?,?)", (job.id, now, "created"))
    db.close()
    store = JobStore(path)
    assert store.spent_since(now - 1) == 1.41
    assert [j.id for j in store.all()] == [job.id] and not store.all()[0].hidden
    assert [(e.what, e.by) for e in store.history(job.id)] == [("created", None)]
