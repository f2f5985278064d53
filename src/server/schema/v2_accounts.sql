-- Version 2: requester accounts. Every HIT type, HIT, bonus, block, notification and
-- request token belongs to an account; what the database held before becomes the account
-- named `default`. Money moves to a ledger: every deposit and payment is a row, and an
-- account's balance is their sum (kept beside them in `accounts.balance_cents`, moved only
-- with a new row). The tables whose uniqueness becomes per account are rebuilt (SQLite cannot
-- change a constraint in place), the way SQLite's ALTER TABLE documentation describes, with
-- foreign keys checked before the transaction commits.

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    -- The sum of this account's ledger rows: what it has deposited less what it has paid.
    balance_cents INTEGER NOT NULL DEFAULT 0,
    -- What of the balance is on hold: unused slots of open HITs, and Submitted work.
    held_cents INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE access_keys (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    -- Kept as given: checking a SigV4 signature needs the secret itself.
    secret TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX access_keys_by_account ON access_keys (account_id);

CREATE TABLE ledger (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    at_ms INTEGER NOT NULL,
    -- opening (the balance a database brought from before the ledger), deposit, approval, bonus
    kind TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    -- The assignment an approval or bonus paid for.
    reference TEXT
);
CREATE INDEX ledger_by_account ON ledger (account_id, seq);

INSERT INTO accounts (id, name, created_ms, balance_cents, held_cents)
SELECT 'A' || substr(upper(hex(randomblob(7))), 1, 13), 'default', CAST(unixepoch('subsec') * 1000 AS INTEGER),
       (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'balance_cents')
         + (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'held_cents'),
       (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'held_cents');
INSERT INTO ledger (account_id, at_ms, kind, amount_cents)
SELECT id, created_ms, 'opening', balance_cents FROM accounts WHERE name = 'default';
DELETE FROM meta WHERE key IN ('balance_cents', 'held_cents');

CREATE TABLE new_hit_types (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    group_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords TEXT,
    reward_cents INTEGER NOT NULL,
    assignment_duration INTEGER NOT NULL,
    auto_approval_delay INTEGER NOT NULL,
    qualification_requirements TEXT,
    UNIQUE (account_id, fingerprint)
);
INSERT INTO new_hit_types
SELECT t.id, a.id, t.group_id, t.fingerprint, t.title, t.description, t.keywords, t.reward_cents,
       t.assignment_duration, t.auto_approval_delay, t.qualification_requirements
FROM hit_types t, accounts a WHERE a.name = 'default';
DROP TABLE hit_types;
ALTER TABLE new_hit_types RENAME TO hit_types;

CREATE TABLE new_hits (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
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
    unique_request_token TEXT,
    slot_hold_cents INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, unique_request_token)
);
INSERT INTO new_hits
SELECT h.seq, h.id, a.id, h.hit_type_id, h.creation_ms, h.expiration_ms, h.question,
       h.hit_layout_id, h.requester_annotation, h.max_assignments, h.review_status, h.reviewing,
       h.deleted, h.unique_request_token, h.slot_hold_cents
FROM hits h, accounts a WHERE a.name = 'default';
DROP TABLE hits;
ALTER TABLE new_hits RENAME TO hits;
CREATE INDEX hits_by_account ON hits (account_id, seq);
CREATE INDEX hits_holding ON hits (expiration_ms) WHERE slot_hold_cents > 0;

CREATE TABLE new_bonuses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    worker_id TEXT NOT NULL,
    assignment_id TEXT NOT NULL,
    hit_id TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    reason TEXT NOT NULL,
    grant_ms INTEGER NOT NULL,
    unique_request_token TEXT,
    UNIQUE (account_id, unique_request_token)
);
INSERT INTO new_bonuses
SELECT b.seq, a.id, b.worker_id, b.assignment_id, b.hit_id, b.amount_cents, b.reason, b.grant_ms,
       b.unique_request_token
FROM bonuses b, accounts a WHERE a.name = 'default';
DROP TABLE bonuses;
ALTER TABLE new_bonuses RENAME TO bonuses;
CREATE INDEX bonuses_by_hit ON bonuses (hit_id, seq);
CREATE INDEX bonuses_by_assignment ON bonuses (assignment_id, seq);

CREATE TABLE new_worker_blocks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    worker_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    UNIQUE (account_id, worker_id)
);
INSERT INTO new_worker_blocks
SELECT w.seq, a.id, w.worker_id, w.reason FROM worker_blocks w, accounts a WHERE a.name = 'default';
DROP TABLE worker_blocks;
ALTER TABLE new_worker_blocks RENAME TO worker_blocks;

ALTER TABLE notifications ADD COLUMN account_id TEXT REFERENCES accounts(id);
UPDATE notifications SET account_id = (SELECT id FROM accounts WHERE name = 'default');

CREATE TABLE new_extension_tokens (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    token TEXT NOT NULL,
    hit_id TEXT NOT NULL,
    PRIMARY KEY (account_id, token)
);
INSERT INTO new_extension_tokens
SELECT a.id, e.token, e.hit_id FROM extension_tokens e, accounts a WHERE a.name = 'default';
DROP TABLE extension_tokens;
ALTER TABLE new_extension_tokens RENAME TO extension_tokens;
