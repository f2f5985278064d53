-- Version 1: the schema of release 0.1.0, the last before schema versions. A database made by
-- 0.1.0 or earlier has all of it or most of it (those made before holds lack hits.slot_hold_cents,
-- which the migration's hook adds), and user_version 0.
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS hit_types (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords TEXT,
    reward_cents INTEGER NOT NULL,
    assignment_duration INTEGER NOT NULL,
    auto_approval_delay INTEGER NOT NULL,
    qualification_requirements TEXT
);
CREATE TABLE IF NOT EXISTS hits (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    hit_type_id TEXT NOT NULL REFERENCES hit_types(id),
    creation_ms INTEGER NOT NULL,
    expiration_ms INTEGER NOT NULL,
    question TEXT,
    hit_layout_id TEXT,
    requester_annotation TEXT,
    max_assignments INTEGER NOT NULL,
    review_status TEXT NOT NULL DEFAULT 'NotReviewed',
    reviewing INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    unique_request_token TEXT UNIQUE,
    slot_hold_cents INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS assignments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    hit_id TEXT NOT NULL REFERENCES hits(id),
    worker_id TEXT NOT NULL,
    status TEXT NOT NULL,
    accept_ms INTEGER NOT NULL,
    submit_ms INTEGER NOT NULL,
    auto_approval_ms INTEGER NOT NULL,
    approval_ms INTEGER,
    rejection_ms INTEGER,
    deadline_ms INTEGER NOT NULL,
    answer TEXT NOT NULL,
    feedback TEXT,
    UNIQUE (hit_id, worker_id)
);
CREATE INDEX IF NOT EXISTS assignments_by_hit ON assignments (hit_id, seq);
CREATE INDEX IF NOT EXISTS assignments_due ON assignments (status, auto_approval_ms);
CREATE TABLE IF NOT EXISTS bonuses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    worker_id TEXT NOT NULL,
    assignment_id TEXT NOT NULL,
    hit_id TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    reason TEXT NOT NULL,
    grant_ms INTEGER NOT NULL,
    unique_request_token TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS bonuses_by_hit ON bonuses (hit_id, seq);
CREATE INDEX IF NOT EXISTS bonuses_by_assignment ON bonuses (assignment_id, seq);
CREATE TABLE IF NOT EXISTS worker_blocks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    worker_id TEXT NOT NULL UNIQUE,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    worker_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_text TEXT NOT NULL,
    sent_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS extension_tokens (
    token TEXT PRIMARY KEY,
    hit_id TEXT NOT NULL
);
