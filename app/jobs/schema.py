"""The job database's schema, its migrations, and how a row becomes a Job.

Later versions add a migration here (6, 7...); a database written by a newer app is
refused rather than misread.
"""

from __future__ import annotations

import json
from dataclasses import fields

from app.jobs.model import Job, JobState

SCHEMA_VERSION = 6

_MIGRATIONS = {
    1: """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            request_id TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            finished_at REAL,
            cost REAL,
            fingerprint TEXT,
            data TEXT NOT NULL
        );
        CREATE INDEX jobs_state ON jobs(state);
        CREATE INDEX jobs_request ON jobs(request_id);
        CREATE TABLE job_log (
            job_id TEXT NOT NULL,
            t REAL NOT NULL,
            what TEXT NOT NULL,
            detail TEXT
        );
        CREATE INDEX job_log_job ON job_log(job_id);
    """,
    2: """
        ALTER TABLE jobs ADD COLUMN owner TEXT;
        ALTER TABLE jobs ADD COLUMN lease_until REAL;
        CREATE INDEX jobs_created ON jobs(created_at);
    """,
    # the month's spend as one SQL SUM, without parsing every job's JSON
    3: """
        ALTER TABLE jobs ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
        UPDATE jobs SET demo = CASE WHEN json_extract(data, '$.demo') THEN 1 ELSE 0 END;
        CREATE INDEX jobs_finished ON jobs(finished_at);
    """,
    # Hidden jobs (removed from the list, still paid for), requests to a job's owner,
    # who wrote each history line, and one charge per attempt: a retried job keeps what
    # its earlier attempts cost. Every listing reads the `listed` view, so no query can
    # forget to leave hidden jobs out. (A view's `*` is fixed when it is created: a
    # migration that adds a column to jobs recreates the view.)
    4: """
        ALTER TABLE jobs ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN requested TEXT;
        ALTER TABLE jobs ADD COLUMN listed_at REAL;
        UPDATE jobs SET listed_at = created_at;
        CREATE INDEX jobs_updated ON jobs(updated_at);
        CREATE INDEX jobs_owner ON jobs(owner);
        CREATE INDEX jobs_fingerprint ON jobs(fingerprint);
        CREATE INDEX jobs_listed ON jobs(listed_at);
        CREATE INDEX jobs_requested ON jobs(requested) WHERE requested IS NOT NULL;
        ALTER TABLE job_log ADD COLUMN by TEXT;
        CREATE TABLE charges (
            job_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            t REAL NOT NULL,
            amount REAL NOT NULL,
            sure INTEGER NOT NULL,
            demo INTEGER NOT NULL,
            PRIMARY KEY (job_id, attempt)
        );
        CREATE INDEX charges_t ON charges(t);
        INSERT INTO charges(job_id, attempt, t, amount, sure, demo)
            SELECT id, COALESCE(json_extract(data, '$.attempt'), 1), finished_at, cost, 1, demo
            FROM jobs WHERE cost IS NOT NULL AND finished_at IS NOT NULL;
        CREATE VIEW listed AS SELECT * FROM jobs WHERE hidden = 0;
    """,
    # Long videos: a parent job whose parts are jobs. Parts are never listed (the
    # `listed` view leaves them out); their parent is. A parent has no request id.
    5: """
        ALTER TABLE jobs ADD COLUMN parent_id TEXT;
        ALTER TABLE jobs ADD COLUMN part_index INTEGER;
        ALTER TABLE jobs ADD COLUMN part_start REAL;
        ALTER TABLE jobs ADD COLUMN part_end REAL;
        CREATE INDEX jobs_parent ON jobs(parent_id, part_index) WHERE parent_id IS NOT NULL;
        DROP VIEW listed;
        CREATE VIEW listed AS SELECT * FROM jobs WHERE hidden = 0 AND parent_id IS NULL;
    """,
    # Batches (many jobs from one plan) and takes groups (one pair, several seeds): a
    # named group its jobs point to. The chosen output path is also a column, so a
    # name is never given to two jobs.
    6: """
        CREATE TABLE batches (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'batch',
            created_at REAL NOT NULL
        );
        ALTER TABLE jobs ADD COLUMN batch_id TEXT;
        ALTER TABLE jobs ADD COLUMN output_path TEXT;
        UPDATE jobs SET output_path = json_extract(data, '$.output_path');
        CREATE INDEX jobs_batch ON jobs(batch_id) WHERE batch_id IS NOT NULL;
        CREATE INDEX jobs_output ON jobs(output_path) WHERE output_path IS NOT NULL;
        DROP VIEW listed;
        CREATE VIEW listed AS SELECT * FROM jobs WHERE hidden = 0 AND parent_id IS NULL;
    """,
}

# what every query that makes Jobs selects: the columns win over the JSON copy
JOB_COLUMNS = "data, state, requested, hidden"

_JOB_FIELDS = {f.name for f in fields(Job)}


def job_from_row(row) -> Job:
    """A Job from (data, state, requested, hidden)."""
    data, state, requested, hidden = row
    raw = {k: v for k, v in json.loads(data).items() if k in _JOB_FIELDS}
    raw.update(state=JobState(state), requested=requested, hidden=bool(hidden))
    return Job(**raw)


def migrate(db, path) -> None:
    """Bring the database at `path` up to SCHEMA_VERSION, one transaction per version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"The job database {path} was written by a newer Speech2Video Studio "
            f"(schema {version}); update the app to open it."
        )
    for v in range(version + 1, SCHEMA_VERSION + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            for stmt in filter(str.strip, _MIGRATIONS[v].split(";")):
                db.execute(stmt)
            db.execute(f"PRAGMA user_version={v}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
