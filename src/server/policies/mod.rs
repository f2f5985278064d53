//! Review policies (the AWS reference's "Review Policies"): a HIT may carry an
//! assignment-level policy, `ScoreMyKnownAnswers/2011-09-01`, run on each assignment as it is
//! submitted, and a HIT-level one, `SimplePlurality/2011-09-01`, run when the HIT becomes
//! Reviewable (every slot submitted, or expired with nothing in progress), and again whenever
//! it is Reviewable after it was extended (by the policy or the requester) or took more work,
//! as the reference says a HIT-level policy "may be enacted multiple times".
//!
//! What they compute is `score`'s; what they do goes through the requester's own operations
//! (ApproveAssignment, RejectAssignment, UpdateExpirationForHIT,
//! CreateAdditionalAssignmentsForHIT), so the same rules and the same money apply. An action
//! those refuse is recorded as Failed with their error, and changes nothing. Both the results
//! and the actions are kept for ListReviewPolicyResultsForHIT (`report`).
//!
//! HITReviewStatus follows the HIT-level policy (the reference names the words, not when they
//! apply; *unconfirmed*): NotReviewed until it runs; then ReviewedAppropriate when the HIT's
//! agreement needed no extension, MarkedForReview while an extension it made is out for more
//! work, ReviewedInappropriate when it fell short and could not be extended further. The HIT
//! is never left Reviewing: a policy runs within one call.

pub mod report;
pub mod score;
pub mod spec;

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Value, json};

use crate::rules;
use crate::server::error::{ApiError, ApiResult, ErrorKind};
use crate::server::ops::{self, Ctx};
use crate::server::read_model::{HIT_SELECT, hit_facts};
use crate::server::status::AssignmentStatus;
use report::{Level, Object, Outcome, Review};
use score::Answers;
use spec::Extension;

/// CreateHIT's `AssignmentReviewPolicy` and `HITReviewPolicy`, checked, as the JSON the HIT
/// keeps.
pub fn checked(input: &Value) -> ApiResult<(Option<String>, Option<String>)> {
    let given = |name: &str| input.get(name).filter(|v| !v.is_null());
    let assignment = match given("AssignmentReviewPolicy") {
        Some(policy) => {
            spec::known_answers(policy)?;
            Some(policy.to_string())
        }
        None => None,
    };
    let hit = match given("HITReviewPolicy") {
        Some(policy) => {
            spec::plurality(policy)?;
            Some(policy.to_string())
        }
        None => None,
    };
    Ok((assignment, hit))
}

/// A policy as the HIT keeps it, read back.
fn stored<T>(text: &str, read: fn(&Value) -> ApiResult<T>) -> ApiResult<T> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::fault(format!("a stored review policy: {e}")))?;
    read(&value)
}

/// Runs the HIT's assignment-level policy, if it has one, on `assignment_id`, submitted at
/// `at_ms` with `answer_xml`.
pub fn review_submitted(
    tx: &Transaction,
    hit_id: &str,
    assignment_id: &str,
    answer_xml: &str,
    at_ms: i64,
) -> ApiResult<()> {
    let row: Option<(String, Option<String>)> = tx
        .prepare_cached("SELECT account_id, assignment_review_policy FROM hits WHERE id = ?1")?
        .query_row(params![hit_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((account, Some(text))) = row else {
        return Ok(());
    };
    let policy = stored(&text, spec::known_answers)?;
    let review = Review {
        tx,
        hit_id,
        level: Level::Assignment,
        review_id: new_id(),
        at_ms,
    };
    let scored = score::known_answers(&policy.answer_key, &Answers::parse(answer_xml));
    let subject = Object::assignment(assignment_id);
    for (question, correct) in &scored.questions {
        review.result(
            subject,
            Some(question),
            "KnownAnswerCorrect",
            u8::from(*correct),
        )?;
    }
    review.result(subject, None, "KnownAnswerScore", scored.score)?;
    let total = scored.questions.len();
    review.action(
        &review.review_id,
        "review",
        subject,
        &Outcome::Succeeded(format!(
            "Reviewed {total} known answer{}; {}/{total} correct",
            if total == 1 { "" } else { "s" },
            scored.correct
        )),
    )?;
    let acts = Acts {
        review: &review,
        account: &account,
    };
    if policy.approve_at_least.is_some_and(|t| scored.score >= t) {
        acts.approve(assignment_id, policy.approve_reason.as_deref())?;
    } else if policy.reject_below.is_some_and(|t| scored.score < t) {
        acts.reject(assignment_id, policy.reject_reason.as_deref())?;
    }
    if let Some(extension) = policy.extend.filter(|e| scored.score < e.below) {
        acts.extend(&extension)?;
    }
    Ok(())
}

/// Runs the HIT-level policy of every HIT that is Reviewable and has not been reviewed with
/// the assignments and MaxAssignments it has now. Part of `ops::catch_up`, so it runs before
/// anything reads (CompleteTime is then the time of that call).
pub fn review_reviewable(tx: &Transaction, now_ms: i64) -> ApiResult<()> {
    let sql = format!(
        "{HIT_SELECT} WHERE has_hit_policy AND status = 'Reviewable'
           AND (hit_policy_reviewed IS NOT taken OR hit_policy_reviewed_max IS NOT max_assignments)"
    );
    let due = tx
        .prepare_cached(&sql)?
        .query_map(params![now_ms], |r| {
            Ok(Due {
                hit_id: r.get("id")?,
                account: r.get("account_id")?,
                taken: r.get("taken")?,
                max_assignments: r.get("max_assignments")?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for hit in due {
        review_hit(tx, &hit, now_ms)?;
    }
    Ok(())
}

/// A HIT whose HIT-level policy is due, and what it is reviewed with.
struct Due {
    hit_id: String,
    account: String,
    taken: i64,
    max_assignments: i64,
}

fn review_hit(tx: &Transaction, due: &Due, now_ms: i64) -> ApiResult<()> {
    let (hit_id, account) = (due.hit_id.as_str(), due.account.as_str());
    let text: String = tx
        .prepare_cached("SELECT hit_review_policy FROM hits WHERE id = ?1")?
        .query_row(params![hit_id], |r| r.get(0))?;
    let policy = stored(&text, spec::plurality)?;
    let review = Review {
        tx,
        hit_id,
        level: Level::Hit,
        review_id: new_id(),
        at_ms: now_ms,
    };
    let assignments = tx
        .prepare_cached(
            "SELECT id, status, answer FROM assignments WHERE hit_id = ?1 ORDER BY seq",
        )?
        .query_map(params![hit_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, AssignmentStatus>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // The assignments the comparison counts, and their answers.
    let mut evaluated: Vec<String> = Vec::new();
    let mut answers: Vec<Answers> = Vec::new();
    for (id, status, answer) in assignments {
        if policy.disregard_rejected && status == AssignmentStatus::Rejected {
            continue;
        }
        if let Some(below) = policy.disregard_known_answer_below
            && report::known_answer_score(tx, &id)?.is_some_and(|s| s < below)
        {
            continue;
        }
        evaluated.push(id);
        answers.push(Answers::parse(&answer));
    }
    let agreement = score::plurality(&policy.question_ids, policy.agreement_threshold, &answers);
    let hit = Object::hit(hit_id);
    for (question, found) in &agreement.questions {
        review.result(hit, Some(question), "AgreedAnswerFound", found.is_some())?;
        if let Some((values, score)) = found {
            let joined: Vec<&str> = values.iter().map(String::as_str).collect();
            review.result(hit, Some(question), "AgreedAnswer", joined.join("|"))?;
            review.result(hit, Some(question), "AnswerAgreementScore", score)?;
        }
    }
    for (id, worker) in evaluated.iter().zip(&agreement.workers) {
        let subject = Object::assignment(id);
        if let Some(score) = worker.score {
            review.result(subject, None, "WorkerAgreementScore", score)?;
        }
        review.result(subject, None, "PluralityAnswersCorrect", worker.correct)?;
        review.result(subject, None, "PluralityAnswersIncorrect", worker.incorrect)?;
    }
    review.result(hit, None, "HitAgreementScore", agreement.hit_score)?;
    let agreed = agreement
        .questions
        .iter()
        .filter(|(_, f)| f.is_some())
        .count();
    review.action(
        &review.review_id,
        "review",
        hit,
        &Outcome::Succeeded(format!(
            "Compared {} assignment(s) on {} question(s); {agreed} agreed",
            evaluated.len(),
            policy.question_ids.len()
        )),
    )?;
    let acts = Acts {
        review: &review,
        account,
    };
    for (id, worker) in evaluated.iter().zip(&agreement.workers) {
        let Some(score) = worker.score else { continue };
        if policy.approve_at_least.is_some_and(|t| score >= t) {
            acts.approve(id, None)?;
        } else if policy.reject_below.is_some_and(|t| score < t) {
            acts.reject(id, policy.reject_reason.as_deref())?;
        }
    }
    let review_status = match policy.extend.filter(|e| agreement.hit_score < e.below) {
        None => "ReviewedAppropriate",
        Some(extension) if acts.extend(&extension)? => "MarkedForReview",
        Some(_) => "ReviewedInappropriate",
    };
    // What it was reviewed with: an extension it made changes MaxAssignments, so the HIT is
    // reviewed again once it is Reviewable, with or without more work.
    tx.execute(
        "UPDATE hits SET review_status = ?2, hit_policy_reviewed = ?3, hit_policy_reviewed_max = ?4
         WHERE id = ?1",
        params![hit_id, review_status, due.taken, due.max_assignments],
    )?;
    Ok(())
}

/// The actions a review takes, each through the requester's operation for it.
struct Acts<'a> {
    review: &'a Review<'a>,
    account: &'a str,
}

impl Acts<'_> {
    /// Runs `operation` as the HIT's requester at the review's time, inside a savepoint:
    /// refused, it changes nothing and is recorded as Failed. A fault is no refusal: it fails
    /// the whole call, as any fault does.
    fn run(
        &self,
        name: &str,
        target: Object,
        operation: impl FnOnce(&Ctx) -> ApiResult<String>,
    ) -> ApiResult<bool> {
        let tx = self.review.tx;
        let ctx = Ctx::new(self.account, self.review.at_ms, "review-policy");
        tx.execute_batch("SAVEPOINT review_action")?;
        let outcome = match operation(&ctx) {
            Ok(text) => {
                tx.execute_batch("RELEASE review_action")?;
                Outcome::Succeeded(text)
            }
            Err(err) => {
                tx.execute_batch("ROLLBACK TO review_action; RELEASE review_action")?;
                if err.kind == ErrorKind::ServiceFault {
                    return Err(err);
                }
                Outcome::Failed {
                    message: err.message,
                    error_code: err.turk_code,
                }
            }
        };
        let succeeded = matches!(outcome, Outcome::Succeeded(_));
        self.review.action(&new_id(), name, target, &outcome)?;
        Ok(succeeded)
    }

    fn status(&self, assignment_id: &str) -> ApiResult<Option<AssignmentStatus>> {
        Ok(self
            .review
            .tx
            .prepare_cached("SELECT status FROM assignments WHERE id = ?1")?
            .query_row(params![assignment_id], |r| r.get(0))
            .optional()?)
    }

    fn approve(&self, assignment_id: &str, reason: Option<&str>) -> ApiResult<bool> {
        let already = self.status(assignment_id)? == Some(AssignmentStatus::Approved);
        self.run("approve", Object::assignment(assignment_id), |ctx| {
            if already {
                return Ok("Already approved".into());
            }
            let mut input = json!({ "AssignmentId": assignment_id });
            if let Some(reason) = reason {
                input["RequesterFeedback"] = reason.into();
            }
            ops::approve_assignment(self.review.tx, ctx, &input)?;
            Ok("Approved".into())
        })
    }

    fn reject(&self, assignment_id: &str, reason: Option<&str>) -> ApiResult<bool> {
        let already = self.status(assignment_id)? == Some(AssignmentStatus::Rejected);
        self.run("reject", Object::assignment(assignment_id), |ctx| {
            if already {
                return Ok("Already rejected".into());
            }
            // "If not specified, the reason is left blank."
            let input = json!({
                "AssignmentId": assignment_id,
                "RequesterFeedback": reason.unwrap_or(""),
            });
            ops::reject_assignment(self.review.tx, ctx, &input)?;
            Ok("Rejected".into())
        })
    }

    /// One more assignment, up to the extension's maximum, and time to do it in. Whether the
    /// HIT was sent out again.
    fn extend(&self, extension: &Extension) -> ApiResult<bool> {
        let tx = self.review.tx;
        let hit_id = self.review.hit_id;
        let mut sent_out = false;
        let succeeded = self.run("extend", Object::hit(hit_id), |ctx| {
            let facts = hit_facts(tx, ctx.account.as_str(), hit_id, ctx.now_ms)?;
            if facts.max_assignments >= extension.maximum_assignments {
                // The reference: an extension past the policy's limit is no failure.
                return Ok(format!(
                    "Not extended: the HIT has {} assignments, the most this policy extends it to",
                    facts.max_assignments
                ));
            }
            let until_ms = ctx.now_ms + extension.minimum_time_secs * 1000;
            if extension.minimum_time_secs > 0 && facts.expiration_ms < until_ms {
                let input = json!({ "HITId": hit_id, "ExpireAt": until_ms as f64 / 1000.0 });
                ops::update_expiration_for_hit(tx, ctx, &input)?;
            }
            let input = json!({ "HITId": hit_id, "NumberOfAdditionalAssignments": 1 });
            ops::create_additional_assignments_for_hit(tx, ctx, &input)?;
            sent_out = true;
            Ok(format!(
                "Extended to {} assignments",
                facts.max_assignments + 1
            ))
        })?;
        Ok(succeeded && sent_out)
    }
}

/// A new id for an action; review ids need no seeded generator (generated data sets carry no
/// policies).
fn new_id() -> String {
    rules::new_id(&mut rand::rng())
}
