-- Version 5: review policies. A HIT keeps the AssignmentReviewPolicy and HITReviewPolicy it
-- was created with, and what the policies computed and did is kept in the order they did it,
-- for ListReviewPolicyResultsForHIT.

-- The policies as CreateHIT was given them (a JSON ReviewPolicy each), once checked.
ALTER TABLE hits ADD COLUMN assignment_review_policy TEXT;
ALTER TABLE hits ADD COLUMN hit_review_policy TEXT;
-- How many assignments the HIT had, and its MaxAssignments, when its HIT-level policy last
-- ran: it runs again when the HIT is Reviewable with either changed (it was extended, by the
-- policy or the requester, or given a new life and more work).
ALTER TABLE hits ADD COLUMN hit_policy_reviewed INTEGER;
ALTER TABLE hits ADD COLUMN hit_policy_reviewed_max INTEGER;
CREATE INDEX hits_with_hit_policy ON hits (seq) WHERE hit_review_policy IS NOT NULL;

-- One row per ReviewResultDetail or ReviewActionDetail, in the order the policies wrote them,
-- so one sequence pages both. `object_id`/`object_type` are the result's SubjectId/SubjectType
-- or the action's TargetId/TargetType.
CREATE TABLE review_report (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    hit_id TEXT NOT NULL REFERENCES hits(id),
    -- Assignment or HIT: the policy level that wrote it.
    level TEXT NOT NULL,
    -- Result or Action.
    entry TEXT NOT NULL,
    action_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    object_type TEXT NOT NULL,
    -- Results.
    question_id TEXT,
    key TEXT,
    value TEXT,
    -- Actions.
    action_name TEXT,
    status TEXT,
    complete_ms INTEGER,
    result TEXT,
    error_code TEXT
);
CREATE INDEX review_report_by_hit ON review_report (hit_id, seq);
CREATE INDEX review_report_by_object ON review_report (object_id, key);
