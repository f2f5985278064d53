//! What the review policies computed and did, kept per HIT in the order it happened
//! (`review_report`): results (ReviewResultDetail) and actions (ReviewActionDetail).

use rusqlite::{OptionalExtension, Transaction, params};

use crate::server::error::ApiResult;

/// The policy level a row belongs to, as `PolicyLevels` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Assignment,
    Hit,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Assignment => "Assignment",
            Level::Hit => "HIT",
        }
    }
}

/// What a result is about: an assignment or the HIT (SubjectType / TargetType).
#[derive(Debug, Clone, Copy)]
pub struct Object<'a> {
    pub id: &'a str,
    pub kind: &'static str,
}

impl<'a> Object<'a> {
    pub fn assignment(id: &'a str) -> Self {
        Object {
            id,
            kind: "Assignment",
        }
    }

    pub fn hit(id: &'a str) -> Self {
        Object { id, kind: "HIT" }
    }
}

/// The outcome of one action: Succeeded with what it did, or Failed with why.
pub enum Outcome {
    Succeeded(String),
    Failed {
        message: String,
        error_code: Option<&'static str>,
    },
}

/// One review of a HIT or assignment: the results and actions it writes share its time.
pub struct Review<'a> {
    pub tx: &'a Transaction<'a>,
    pub hit_id: &'a str,
    pub level: Level,
    /// The id of this review's own `review` action, which its results carry as ActionId.
    pub review_id: String,
    pub at_ms: i64,
}

impl Review<'_> {
    pub fn result(
        &self,
        subject: Object,
        question_id: Option<&str>,
        key: &str,
        value: impl ToString,
    ) -> ApiResult<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO review_report (hit_id, level, entry, action_id, object_id,
                   object_type, question_id, key, value)
                 VALUES (?1, ?2, 'Result', ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                self.hit_id,
                self.level.as_str(),
                self.review_id,
                subject.id,
                subject.kind,
                question_id,
                key,
                value.to_string()
            ])?;
        Ok(())
    }

    pub fn action(
        &self,
        action_id: &str,
        name: &str,
        target: Object,
        outcome: &Outcome,
    ) -> ApiResult<()> {
        let (status, result, error_code) = match outcome {
            Outcome::Succeeded(text) => ("Succeeded", text.as_str(), None),
            Outcome::Failed {
                message,
                error_code,
            } => ("Failed", message.as_str(), *error_code),
        };
        self.tx
            .prepare_cached(
                "INSERT INTO review_report (hit_id, level, entry, action_id, object_id,
                   object_type, action_name, status, complete_ms, result, error_code)
                 VALUES (?1, ?2, 'Action', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                self.hit_id,
                self.level.as_str(),
                action_id,
                target.id,
                target.kind,
                name,
                status,
                self.at_ms,
                result,
                error_code
            ])?;
        Ok(())
    }
}

/// The latest KnownAnswerScore the assignment-level policy gave `assignment_id`.
pub fn known_answer_score(tx: &Transaction, assignment_id: &str) -> ApiResult<Option<i64>> {
    let value: Option<String> = tx
        .prepare_cached(
            "SELECT value FROM review_report
             WHERE object_id = ?1 AND key = 'KnownAnswerScore' AND entry = 'Result'
             ORDER BY seq DESC LIMIT 1",
        )?
        .query_row(params![assignment_id], |r| r.get(0))
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()))
}
