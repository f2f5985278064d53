-- Version 3: qualifications. Qualification types belong to an account; a worker's score of a
-- type lives in `qualifications`, their requests in `qualification_requests`. `workers` is one
-- record per worker id, the server-wide facts the system qualifications are computed from:
-- locale, adult and masters flags, and counters of their assignments that triggers keep, so
-- that checking a requirement is one primary-key lookup, never a count over assignments.

CREATE TABLE qualification_types (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords TEXT,
    -- Active or Inactive, as set by the requester; deletion is `deleted_ms`.
    status TEXT NOT NULL,
    creation_ms INTEGER NOT NULL,
    -- NULL: no retries, a worker may request it once.
    retry_delay INTEGER,
    test TEXT,
    test_duration INTEGER,
    answer_key TEXT,
    auto_granted INTEGER NOT NULL DEFAULT 0,
    auto_granted_value INTEGER,
    -- When DeleteQualificationType disposed of it.
    deleted_ms INTEGER
);
CREATE INDEX qualification_types_by_account ON qualification_types (account_id, seq);
CREATE INDEX qualification_types_by_name ON qualification_types (account_id, name);

CREATE TABLE qualifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    qualification_type_id TEXT NOT NULL REFERENCES qualification_types(id),
    worker_id TEXT NOT NULL,
    integer_value INTEGER NOT NULL,
    -- Granted or Revoked.
    status TEXT NOT NULL,
    grant_ms INTEGER NOT NULL,
    UNIQUE (qualification_type_id, worker_id)
);
CREATE INDEX qualifications_by_type ON qualifications (qualification_type_id, status, seq);

CREATE TABLE qualification_requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    qualification_type_id TEXT NOT NULL REFERENCES qualification_types(id),
    worker_id TEXT NOT NULL,
    test TEXT,
    answer TEXT,
    submit_ms INTEGER NOT NULL,
    -- Pending (for the requester), Granted (by the type's rules or the requester), Rejected.
    status TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX qualification_requests_by_worker
    ON qualification_requests (qualification_type_id, worker_id, seq);
CREATE INDEX qualification_requests_pending
    ON qualification_requests (qualification_type_id, seq) WHERE status = 'Pending';

-- What a HIT type requires, one row per qualification type it names, for
-- ListHITsForQualificationType and for knowing when a deleted type is no longer in use.
CREATE TABLE hit_type_requirements (
    qualification_type_id TEXT NOT NULL,
    hit_type_id TEXT NOT NULL REFERENCES hit_types(id),
    PRIMARY KEY (qualification_type_id, hit_type_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO hit_type_requirements (qualification_type_id, hit_type_id)
SELECT json_extract(r.value, '$.QualificationTypeId'), t.id
FROM hit_types t, json_each(t.qualification_requirements) r
WHERE json_valid(t.qualification_requirements)
  AND json_type(t.qualification_requirements) = 'array'
  AND json_extract(r.value, '$.QualificationTypeId') IS NOT NULL;

CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    first_seen_ms INTEGER NOT NULL,
    -- ISO 3166 country and ISO 3166-2 subdivision; NULL until set.
    country TEXT,
    subdivision TEXT,
    adult INTEGER NOT NULL DEFAULT 0,
    masters INTEGER NOT NULL DEFAULT 0,
    -- Every assignment of theirs on this server, and those approved and rejected.
    submitted INTEGER NOT NULL DEFAULT 0,
    approved INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO workers (id, first_seen_ms, submitted, approved, rejected)
SELECT worker_id, MIN(accept_ms), COUNT(*),
       SUM(status = 'Approved'), SUM(status = 'Rejected')
FROM assignments GROUP BY worker_id;

CREATE TRIGGER workers_count_new_assignment AFTER INSERT ON assignments
BEGIN
    INSERT OR IGNORE INTO workers (id, first_seen_ms) VALUES (NEW.worker_id, NEW.accept_ms);
    UPDATE workers
    SET submitted = submitted + 1,
        approved = approved + (NEW.status = 'Approved'),
        rejected = rejected + (NEW.status = 'Rejected')
    WHERE id = NEW.worker_id;
END;

CREATE TRIGGER workers_count_decision AFTER UPDATE OF status ON assignments
WHEN OLD.status != NEW.status
BEGIN
    UPDATE workers
    SET approved = approved + (NEW.status = 'Approved') - (OLD.status = 'Approved'),
        rejected = rejected + (NEW.status = 'Rejected') - (OLD.status = 'Rejected')
    WHERE id = NEW.worker_id;
END;
