-- Version 4: the worker site. People sign in with single-use links (or sign themselves up),
-- keep a session, accept work, and hold it until they submit, return or abandon it. Accepted
-- work is not an assignment the requester's API lists (MTurk lists only Submitted, Approved and
-- Rejected ones), so it has its own table; it holds its HIT's slot all the same.

-- The name a requester gave a worker when inviting them.
ALTER TABLE workers ADD COLUMN name TEXT;

-- The key the site signs its links with (sign-in links, file URLs), made once per database.
INSERT OR IGNORE INTO meta (key, value) VALUES ('site_secret', lower(hex(randomblob(32))));

-- Work a worker has accepted and not yet submitted. Its id becomes the assignment's id when
-- the work is submitted.
CREATE TABLE accepted_assignments (
    id TEXT PRIMARY KEY,
    hit_id TEXT NOT NULL REFERENCES hits(id),
    worker_id TEXT NOT NULL,
    accept_ms INTEGER NOT NULL,
    -- AcceptTime + AssignmentDurationInSeconds: past it, the work is abandoned.
    deadline_ms INTEGER NOT NULL,
    UNIQUE (hit_id, worker_id)
);
CREATE INDEX accepted_by_deadline ON accepted_assignments (deadline_ms);
CREATE INDEX accepted_by_worker ON accepted_assignments (worker_id);

-- Accepted work that ended without a submission, so the worker can see what became of it.
CREATE TABLE released_assignments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    hit_id TEXT NOT NULL REFERENCES hits(id),
    worker_id TEXT NOT NULL,
    accept_ms INTEGER NOT NULL,
    released_ms INTEGER NOT NULL,
    -- Returned (by the worker) or Abandoned (at the deadline).
    reason TEXT NOT NULL
);
CREATE INDEX released_by_worker ON released_assignments (worker_id, seq);

-- Sign-in links: each one signed, expiring, and used at most once.
CREATE TABLE sign_in_links (
    nonce TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    used_ms INTEGER
);

-- Signed-in browsers. The cookie carries a random token; only its SHA-256 is kept here.
CREATE TABLE worker_sessions (
    token_hash TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL,
    -- The token every state-changing form of the site must carry back.
    csrf_token TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
);
CREATE INDEX worker_sessions_by_worker ON worker_sessions (worker_id);

-- HIT layouts (MTurk made them in its requester website; here `MTurkLocal.CreateHITLayout`):
-- HTML with ${name} placeholders that a HIT's HITLayoutParameters fill.
CREATE TABLE hit_layouts (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT,
    template TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
-- A HIT's HITLayoutParameters, as the JSON array CreateHIT was given.
ALTER TABLE hits ADD COLUMN hit_layout_parameters TEXT;

-- Files workers uploaded for a QuestionForm's FileUploadAnswer.
CREATE TABLE uploaded_files (
    key TEXT PRIMARY KEY,
    assignment_id TEXT NOT NULL,
    question_identifier TEXT NOT NULL,
    file_name TEXT,
    content_type TEXT,
    size_bytes INTEGER NOT NULL,
    content BLOB NOT NULL,
    created_ms INTEGER NOT NULL,
    UNIQUE (assignment_id, question_identifier)
);

-- A worker's own history on the site is read by worker.
CREATE INDEX assignments_by_worker ON assignments (worker_id, seq);
