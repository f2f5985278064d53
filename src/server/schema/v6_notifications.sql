-- Version 6: notifications. A HIT type may have one notification specification (where and how
-- to send which events, and whether it is active); the events it subscribes to are written to
-- an outbox in the same transaction as the change they report, and a delivery task sends them
-- and marks them delivered (at least once: a row stays until its send has succeeded).

CREATE TABLE notification_specs (
    hit_type_id TEXT PRIMARY KEY REFERENCES hit_types(id),
    destination TEXT NOT NULL,
    transport TEXT NOT NULL,
    version TEXT NOT NULL,
    -- A JSON array of EventType words.
    event_types TEXT NOT NULL,
    active INTEGER NOT NULL
);

-- One notification message per row, its body written in full when the event happened, so a
-- retry sends exactly what the first attempt sent (same EventDocId).
CREATE TABLE notification_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    event_type TEXT NOT NULL,
    transport TEXT NOT NULL,
    destination TEXT NOT NULL,
    body TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error TEXT,
    delivered_ms INTEGER,
    -- How it went: 'SQS' or 'SNS' (sent), or 'log' (an email destination, written to the log).
    delivered_via TEXT
);
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_ms)
    WHERE delivered_ms IS NULL;

-- The sweep below looks up each watched HIT type's HITs by expiration.
CREATE INDEX hits_by_type_and_expiration ON hits (hit_type_id, expiration_ms);

-- HITs expire by the clock, with no call to notice: the catch-up before each call reports the
-- expirations in (swept_ms, now] of HIT types watched then, and moves swept_ms on when it
-- found some (a specification made active moves it too). It starts at the migration, so HITs
-- that expired before it are not reported late.
CREATE TABLE notification_sweep (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    swept_ms INTEGER NOT NULL
);
INSERT INTO notification_sweep (id, swept_ms)
VALUES (1, CAST(unixepoch('subsec') * 1000 AS INTEGER));
