//! Review policies through aws-sdk-mturk, as the AWS reference describes them:
//! ScoreMyKnownAnswers/2011-09-01 scores each assignment as it is submitted and approves,
//! rejects or extends; SimplePlurality/2011-09-01 compares a HIT's assignments once it is
//! Reviewable; both act through the requester's own rules and money, and
//! ListReviewPolicyResultsForHIT lists what they computed and did, paged.
// As in #[test] functions: a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use aws_sdk_mturk::operation::list_review_policy_results_for_hit::ListReviewPolicyResultsForHitOutput;
use aws_sdk_mturk::types::{
    AssignmentStatus, HitReviewStatus, HitStatus, ParameterMapEntry, PolicyParameter,
    ReviewActionDetail, ReviewActionStatus, ReviewPolicy, ReviewPolicyLevel, ReviewResultDetail,
};
use common::site::{Agent, form, invite};
use common::{START_BALANCE, TestServer, hit_status, now_secs, request, wire_error};
use serde_json::json;

const KNOWN_ANSWERS: &str = "ScoreMyKnownAnswers/2011-09-01";
const PLURALITY: &str = "SimplePlurality/2011-09-01";

fn param(key: &str, value: &str) -> PolicyParameter {
    PolicyParameter::builder().key(key).values(value).build()
}

fn answer_key(pairs: &[(&str, &str)]) -> PolicyParameter {
    let mut key = PolicyParameter::builder().key("AnswerKey");
    for (question, value) in pairs {
        key = key.map_entries(
            ParameterMapEntry::builder()
                .key(*question)
                .values(*value)
                .build(),
        );
    }
    key.build()
}

fn policy(name: &str, parameters: Vec<PolicyParameter>) -> ReviewPolicy {
    ReviewPolicy::builder()
        .policy_name(name)
        .set_parameters(Some(parameters))
        .build()
        .unwrap()
}

/// A QuestionFormAnswers document with one FreeText per question.
fn answers(pairs: &[(&str, &str)]) -> String {
    let mut xml = String::from(
        r#"<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">"#,
    );
    for (q, v) in pairs {
        xml.push_str(&format!(
            "<Answer><QuestionIdentifier>{q}</QuestionIdentifier><FreeText>{v}</FreeText></Answer>"
        ));
    }
    xml + "</QuestionFormAnswers>"
}

async fn submit(t: &TestServer, hit_id: &str, worker: &str, pairs: &[(&str, &str)]) -> String {
    t.submit_ok(hit_id, worker, json!({ "Answer": answers(pairs) }))
        .await
}

/// Every page of ListReviewPolicyResultsForHIT, `size` at a time, until an empty one.
async fn all_results(
    t: &TestServer,
    hit_id: &str,
    size: i32,
) -> (
    Vec<ListReviewPolicyResultsForHitOutput>,
    Vec<ReviewResultDetail>,
    Vec<ReviewActionDetail>,
) {
    let (mut pages, mut results, mut actions) = (Vec::new(), Vec::new(), Vec::new());
    let mut token: Option<String> = None;
    loop {
        let page = t
            .client
            .list_review_policy_results_for_hit()
            .hit_id(hit_id)
            .retrieve_actions(true)
            .retrieve_results(true)
            .max_results(size)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("ListReviewPolicyResultsForHIT");
        let mut count = 0;
        for report in [page.assignment_review_report(), page.hit_review_report()]
            .into_iter()
            .flatten()
        {
            count += report.review_results().len() + report.review_actions().len();
            results.extend(report.review_results().iter().cloned());
            actions.extend(report.review_actions().iter().cloned());
        }
        assert!(
            count <= size as usize,
            "a page holds at most MaxResults rows"
        );
        token = page.next_token().map(str::to_string);
        pages.push(page);
        if count == 0 {
            assert!(token.is_none(), "the empty last page has no NextToken");
            break;
        }
        assert!(token.is_some(), "every page with rows has a NextToken");
    }
    (pages, results, actions)
}

fn values<'a>(results: &'a [ReviewResultDetail], subject: &str, key: &str) -> Vec<&'a str> {
    results
        .iter()
        .filter(|r| r.subject_id() == Some(subject) && r.key() == Some(key))
        .filter_map(|r| r.value())
        .collect()
}

fn actions_on<'a>(actions: &'a [ReviewActionDetail], target: &str) -> Vec<(&'a str, &'a str)> {
    actions
        .iter()
        .filter(|a| a.target_id() == Some(target))
        .map(|a| {
            let status = match a.status() {
                Some(ReviewActionStatus::Succeeded) => "Succeeded",
                Some(ReviewActionStatus::Failed) => "Failed",
                other => panic!("unexpected status {other:?}"),
            };
            (a.action_name().unwrap_or_default(), status)
        })
        .collect()
}

#[tokio::test]
async fn known_answers_approve_reject_and_extend_each_assignment_as_it_is_submitted() {
    let t = TestServer::start().await;
    let known = policy(
        KNOWN_ANSWERS,
        vec![
            answer_key(&[("q1", "yes"), ("q2", "B")]),
            param("ApproveIfKnownAnswerScoreIsAtLeast", "100"),
            param("ApproveReason", "All known answers right"),
            param("RejectIfKnownAnswerScoreIsLessThan", "50"),
            param("RejectReason", "Known answers were wrong"),
            param("ExtendIfKnownAnswerScoreIsLessThan", "100"),
            param("ExtendMaximumAssignments", "3"),
            param("ExtendMinimumTimeInSeconds", "7200"),
        ],
    );
    let out = t
        .create_hit()
        .max_assignments(2)
        .assignment_review_policy(known)
        .send()
        .await
        .expect("CreateHIT");
    let hit_id = out.hit().unwrap().hit_id().unwrap().to_string();
    let expiration = t.get_hit(&hit_id).await.expiration().unwrap().secs();

    let right = submit(&t, &hit_id, "AWORKERA", &[("q1", " yes "), ("q2", "B")]).await;
    let a = t.assignment(&right).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Approved));
    assert_eq!(a.requester_feedback(), Some("All known answers right"));
    assert_eq!(
        t.get_hit(&hit_id).await.max_assignments(),
        Some(2),
        "not extended"
    );

    let half = submit(&t, &hit_id, "AWORKERB", &[("q1", "yes"), ("q2", "C")]).await;
    assert_eq!(
        t.assignment(&half).await.assignment_status(),
        Some(&AssignmentStatus::Submitted),
        "50 is neither at least 100 nor below 50"
    );
    let hit = t.get_hit(&hit_id).await;
    assert_eq!(hit.max_assignments(), Some(3), "extended by one assignment");
    assert_eq!(hit_status(&hit), &HitStatus::Assignable);
    assert!(
        hit.expiration().unwrap().secs() >= now_secs() + 7200 - 5
            && hit.expiration().unwrap().secs() > expiration,
        "and given time for it"
    );

    let wrong = submit(&t, &hit_id, "AWORKERC", &[("q1", "no")]).await;
    let c = t.assignment(&wrong).await;
    assert_eq!(c.assignment_status(), Some(&AssignmentStatus::Rejected));
    assert_eq!(c.requester_feedback(), Some("Known answers were wrong"));
    assert_eq!(
        t.get_hit(&hit_id).await.max_assignments(),
        Some(3),
        "ExtendMaximumAssignments reached"
    );

    // One approval (0.50 + 20%) paid; B's work stays held; C's hold came back.
    assert_eq!(t.balances().await, (START_BALANCE - 60 - 60, 60));

    let (pages, results, actions) = all_results(&t, &hit_id, 100).await;
    assert_eq!(
        pages[0].assignment_review_policy().map(|p| p.policy_name()),
        Some(KNOWN_ANSWERS)
    );
    assert!(pages[0].hit_review_policy().is_none());
    assert_eq!(values(&results, &right, "KnownAnswerScore"), ["100"]);
    assert_eq!(values(&results, &half, "KnownAnswerScore"), ["50"]);
    assert_eq!(values(&results, &wrong, "KnownAnswerScore"), ["0"]);
    assert_eq!(values(&results, &half, "KnownAnswerCorrect"), ["1", "0"]);
    let q2: Vec<_> = results
        .iter()
        .filter(|r| r.subject_id() == Some(half.as_str()) && r.question_id() == Some("q2"))
        .map(|r| r.value().unwrap())
        .collect();
    assert_eq!(q2, ["0"]);
    assert_eq!(
        actions_on(&actions, &right),
        [("review", "Succeeded"), ("approve", "Succeeded")]
    );
    assert_eq!(actions_on(&actions, &half), [("review", "Succeeded")]);
    assert_eq!(
        actions_on(&actions, &wrong),
        [("review", "Succeeded"), ("reject", "Succeeded")]
    );
    assert_eq!(
        actions_on(&actions, &hit_id),
        [("extend", "Succeeded"), ("extend", "Succeeded")],
        "the second extension is a success that does nothing, as the reference says"
    );
    let review = actions
        .iter()
        .find(|a| a.target_id() == Some(half.as_str()))
        .unwrap();
    assert_eq!(
        review.result(),
        Some("Reviewed 2 known answers; 1/2 correct")
    );
    assert!(review.complete_time().is_some());
    assert!(
        results
            .iter()
            .filter(|r| r.subject_id() == Some(half.as_str()))
            .all(|r| r.action_id() == review.action_id()),
        "results carry the id of the review that computed them"
    );

    // Paged two rows at a time, the same rows in the same order.
    let (_, paged_results, paged_actions) = all_results(&t, &hit_id, 2).await;
    assert_eq!(paged_results, results);
    assert_eq!(paged_actions, actions);
}

fn plurality_policy(extra: Vec<PolicyParameter>) -> ReviewPolicy {
    let mut parameters = vec![
        param("QuestionIds", "colour,size"),
        param("QuestionAgreementThreshold", "50"),
        param("DisregardAssignmentIfRejected", "false"),
    ];
    parameters.extend(extra);
    policy(PLURALITY, parameters)
}

async fn plurality_hit(t: &TestServer, max: i32, policy: ReviewPolicy) -> String {
    let out = t
        .create_hit()
        .max_assignments(max)
        .hit_review_policy(policy)
        .send()
        .await
        .expect("CreateHIT");
    out.hit().unwrap().hit_id().unwrap().to_string()
}

#[tokio::test]
async fn simple_plurality_runs_once_the_hit_is_reviewable_and_acts_as_the_requester_would() {
    let t = TestServer::start().await;
    let hit_id = plurality_hit(
        &t,
        3,
        plurality_policy(vec![
            param("ApproveIfWorkerAgreementScoreIsAtLeast", "100"),
            param("RejectIfWorkerAgreementScoreIsLessThan", "100"),
            param("RejectReason", "Disagreed with the other workers"),
        ]),
    )
    .await;
    let a = submit(&t, &hit_id, "AWORKERA", &[("colour", "red"), ("size", "L")]).await;
    let b = submit(&t, &hit_id, "AWORKERB", &[("colour", "red"), ("size", "L")]).await;
    let (_, results, _) = all_results(&t, &hit_id, 100).await;
    assert!(results.is_empty(), "not reviewable yet: nothing computed");
    // The requester rejects A themselves before the HIT is reviewable.
    t.reject(&a).await;
    let c = submit(
        &t,
        &hit_id,
        "AWORKERC",
        &[("colour", "blue"), ("size", "S")],
    )
    .await;

    let (pages, results, actions) = all_results(&t, &hit_id, 100).await;
    assert_eq!(
        pages[0].hit_review_policy().map(|p| p.policy_name()),
        Some(PLURALITY)
    );
    assert_eq!(values(&results, &hit_id, "AgreedAnswer"), ["red", "L"]);
    assert_eq!(
        values(&results, &hit_id, "AnswerAgreementScore"),
        ["66", "66"]
    );
    assert_eq!(values(&results, &hit_id, "HitAgreementScore"), ["100"]);
    assert_eq!(values(&results, &b, "WorkerAgreementScore"), ["100"]);
    assert_eq!(values(&results, &c, "WorkerAgreementScore"), ["0"]);
    assert_eq!(values(&results, &c, "PluralityAnswersIncorrect"), ["2"]);
    assert_eq!(
        actions_on(&actions, &a),
        [("approve", "Failed")],
        "approving rejected work is refused, as ApproveAssignment refuses it"
    );
    let failed = actions
        .iter()
        .find(|x| x.target_id() == Some(a.as_str()))
        .unwrap();
    assert_eq!(
        failed.error_code(),
        Some("AWS.MechanicalTurk.InvalidAssignmentState")
    );
    assert_eq!(actions_on(&actions, &b), [("approve", "Succeeded")]);
    assert_eq!(actions_on(&actions, &c), [("reject", "Succeeded")]);
    assert_eq!(
        t.assignment(&b).await.assignment_status(),
        Some(&AssignmentStatus::Approved)
    );
    let rejected = t.assignment(&c).await;
    assert_eq!(
        rejected.assignment_status(),
        Some(&AssignmentStatus::Rejected)
    );
    assert_eq!(
        rejected.requester_feedback(),
        Some("Disagreed with the other workers")
    );
    let hit = t.get_hit(&hit_id).await;
    assert_eq!(hit_status(&hit), &HitStatus::Reviewable);
    assert_eq!(
        hit.hit_review_status(),
        Some(&HitReviewStatus::ReviewedAppropriate)
    );
    // One approval paid; nothing else held.
    assert_eq!(t.balances().await, (START_BALANCE - 60, 0));

    let (_, again, _) = all_results(&t, &hit_id, 100).await;
    assert_eq!(again, results, "a HIT is reviewed once for the work it has");

    // PolicyLevels and RetrieveActions narrow the answer.
    let narrow = t
        .client
        .list_review_policy_results_for_hit()
        .hit_id(&hit_id)
        .policy_levels(ReviewPolicyLevel::Hit)
        .retrieve_actions(false)
        .max_results(100)
        .send()
        .await
        .unwrap();
    let report = narrow.hit_review_report().expect("HITReviewReport");
    assert!(report.review_actions().is_empty());
    assert_eq!(report.review_results().len(), results.len());
    assert!(narrow.assignment_review_report().is_none());
}

#[tokio::test]
async fn simple_plurality_extends_a_hit_without_agreement_and_reviews_it_again() {
    let t = TestServer::start().await;
    let hit_id = plurality_hit(
        &t,
        2,
        plurality_policy(vec![
            param("ExtendIfHITAgreementScoreIsLessThan", "100"),
            param("ExtendMaximumAssignments", "3"),
            param("ExtendMinimumTimeInSeconds", "3600"),
        ]),
    )
    .await;
    submit(&t, &hit_id, "AWORKERA", &[("colour", "red"), ("size", "L")]).await;
    submit(
        &t,
        &hit_id,
        "AWORKERB",
        &[("colour", "blue"), ("size", "L")],
    )
    .await;
    let hit = t.get_hit(&hit_id).await;
    assert_eq!(
        hit.max_assignments(),
        Some(3),
        "half agreeing is not more than 50"
    );
    assert_eq!(hit_status(&hit), &HitStatus::Assignable);
    assert_eq!(
        hit.hit_review_status(),
        Some(&HitReviewStatus::MarkedForReview)
    );
    // The new slot is held as CreateAdditionalAssignmentsForHIT holds it.
    assert_eq!(t.balances().await, (START_BALANCE - 3 * 60, 3 * 60));

    submit(&t, &hit_id, "AWORKERC", &[("colour", "red"), ("size", "L")]).await;
    let (_, results, _) = all_results(&t, &hit_id, 100).await;
    assert_eq!(
        values(&results, &hit_id, "HitAgreementScore"),
        ["50", "100"]
    );
    let hit = t.get_hit(&hit_id).await;
    assert_eq!(hit.max_assignments(), Some(3));
    assert_eq!(
        hit.hit_review_status(),
        Some(&HitReviewStatus::ReviewedAppropriate)
    );
}

#[tokio::test]
async fn an_extension_nobody_takes_is_reviewed_again_when_it_expires() {
    let t = TestServer::start().await;
    let hit_id = plurality_hit(
        &t,
        2,
        plurality_policy(vec![
            param("ExtendIfHITAgreementScoreIsLessThan", "100"),
            param("ExtendMaximumAssignments", "3"),
            param("ExtendMinimumTimeInSeconds", "60"),
        ]),
    )
    .await;
    submit(&t, &hit_id, "AWORKERA", &[("colour", "red"), ("size", "L")]).await;
    submit(
        &t,
        &hit_id,
        "AWORKERB",
        &[("colour", "blue"), ("size", "L")],
    )
    .await;
    assert_eq!(
        t.get_hit(&hit_id).await.hit_review_status(),
        Some(&HitReviewStatus::MarkedForReview)
    );
    t.expire(&hit_id, now_secs() - 1).await;
    let (_, results, actions) = all_results(&t, &hit_id, 100).await;
    assert_eq!(values(&results, &hit_id, "HitAgreementScore"), ["50", "50"]);
    let extends: Vec<_> = actions
        .iter()
        .filter(|a| a.action_name() == Some("extend"))
        .map(|a| a.result().unwrap_or_default())
        .collect();
    assert_eq!(extends.len(), 2, "{extends:?}");
    assert!(extends[1].starts_with("Not extended"), "{extends:?}");
    let hit = t.get_hit(&hit_id).await;
    assert_eq!(hit.max_assignments(), Some(3));
    assert_eq!(
        hit.hit_review_status(),
        Some(&HitReviewStatus::ReviewedInappropriate)
    );
    let (_, again, _) = all_results(&t, &hit_id, 100).await;
    assert_eq!(again, results, "reviewed once more, not on every call");
}

#[tokio::test]
async fn a_hit_that_expires_is_reviewed_by_the_next_call() {
    let t = TestServer::start().await;
    let hit_id = plurality_hit(&t, 3, plurality_policy(vec![])).await;
    let only = submit(&t, &hit_id, "AWORKERA", &[("colour", "red")]).await;
    t.expire(&hit_id, now_secs() - 1).await;
    let (_, results, _) = all_results(&t, &hit_id, 100).await;
    assert_eq!(
        values(&results, &hit_id, "AgreedAnswerFound"),
        ["true", "false"]
    );
    assert_eq!(values(&results, &hit_id, "HitAgreementScore"), ["50"]);
    assert_eq!(values(&results, &only, "WorkerAgreementScore"), ["100"]);
}

#[tokio::test]
async fn policies_mturk_cannot_take_are_refused_and_make_no_hit() {
    let t = TestServer::start().await;
    let key = || answer_key(&[("q1", "yes")]);
    let cases = [
        (
            policy("ScoreMyKnownAnswers/2099-01-01", vec![key()]),
            true,
            "is not a review policy",
        ),
        (
            policy(PLURALITY, vec![param("QuestionIds", "q1")]),
            true,
            "other level",
        ),
        (
            policy(KNOWN_ANSWERS, vec![key(), param("Colour", "red")]),
            true,
            "Colour is not a parameter",
        ),
        (
            policy(KNOWN_ANSWERS, vec![param("ApproveReason", "ok")]),
            true,
            "AnswerKey is required",
        ),
        (
            policy(
                KNOWN_ANSWERS,
                vec![key(), param("ExtendMaximumAssignments", "26")],
            ),
            true,
            "between 2 and 25",
        ),
        (
            policy(PLURALITY, vec![param("QuestionIds", "q1")]),
            false,
            "QuestionAgreementThreshold is required",
        ),
        (
            plurality_policy(vec![param("ExtendIfHITAgreementScoreIsLessThan", "90")]),
            false,
            "ExtendMaximumAssignments is required",
        ),
    ];
    for (policy, assignment_level, words) in cases {
        let create = t.create_hit();
        let create = if assignment_level {
            create.assignment_review_policy(policy)
        } else {
            create.hit_review_policy(policy)
        };
        let err = wire_error(create.send().await);
        err.assert_request_error("AWS.MechanicalTurk.ParameterValidationError");
        assert!(err.message.contains(words), "{words:?}: {err:?}");
    }
    assert!(t.listed_hits().await.is_empty());
    assert_eq!(t.balances().await, (START_BALANCE, 0));
}

#[tokio::test]
async fn results_of_a_hit_without_policies_or_of_no_hit() {
    let t = TestServer::start().await;
    let hit_id = t.hit("0.50", 1).await;
    let out = t
        .client
        .list_review_policy_results_for_hit()
        .hit_id(&hit_id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.hit_id(), Some(hit_id.as_str()));
    assert!(out.assignment_review_policy().is_none() && out.hit_review_report().is_none());
    assert!(out.next_token().is_none());
    let err = wire_error(
        t.client
            .list_review_policy_results_for_hit()
            .hit_id("NOSUCHHIT")
            .send()
            .await,
    );
    err.assert_request_error("AWS.MechanicalTurk.HITDoesNotExist");
}

#[tokio::test]
async fn work_submitted_on_the_worker_site_is_scored_as_it_is_submitted() {
    let t = TestServer::start().await;
    let known = policy(
        KNOWN_ANSWERS,
        vec![
            answer_key(&[("q1", "yes")]),
            param("RejectIfKnownAnswerScoreIsLessThan", "100"),
            param("RejectReason", "The check question was answered wrongly"),
        ],
    );
    let hit_id = t
        .create_hit()
        .assignment_review_policy(known)
        .send()
        .await
        .expect("CreateHIT")
        .hit()
        .unwrap()
        .hit_id()
        .unwrap()
        .to_string();
    let (_, link) = invite(t.addr(), "Ada").await;
    let agent = Agent::sign_in(t.addr(), &link).await;
    let assignment = agent.accept(&hit_id).await.expect("accepted");
    let submitted = request(
        agent.site,
        "POST",
        "/mturk/externalSubmit",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form(&[("assignmentId", &assignment), ("q1", "no")]).as_bytes(),
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    let a = t.assignment(&assignment).await;
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Rejected));
    assert_eq!(
        a.requester_feedback(),
        Some("The check question was answered wrongly")
    );
    assert_eq!(t.balances().await, (START_BALANCE, 0), "the hold went back");
}

#[tokio::test]
async fn an_extension_the_balance_cannot_cover_is_failed_and_changes_nothing() {
    // Enough for the HIT's one slot (0.50 + 20%), not for a second.
    let t = TestServer::with_balance(100).await;
    let known = policy(
        KNOWN_ANSWERS,
        vec![
            answer_key(&[("q1", "yes")]),
            param("ExtendIfKnownAnswerScoreIsLessThan", "101"),
        ],
    );
    let hit_id = t
        .create_hit()
        .assignment_review_policy(known)
        .send()
        .await
        .expect("CreateHIT")
        .hit()
        .unwrap()
        .hit_id()
        .unwrap()
        .to_string();
    submit(&t, &hit_id, "AWORKERA", &[("q1", "yes")]).await;
    let hit = t.get_hit(&hit_id).await;
    assert_eq!(hit.max_assignments(), Some(1));
    assert_eq!(t.balances().await, (40, 60));
    let (_, _, actions) = all_results(&t, &hit_id, 100).await;
    assert_eq!(actions_on(&actions, &hit_id), [("extend", "Failed")]);
    let failed = actions
        .iter()
        .find(|a| a.target_id() == Some(hit_id.as_str()))
        .unwrap();
    assert_eq!(
        failed.error_code(),
        Some("AWS.MechanicalTurk.InsufficientFunds")
    );
}

#[tokio::test]
async fn plurality_leaves_out_work_the_known_answers_scored_low() {
    let t = TestServer::start().await;
    let known = policy(KNOWN_ANSWERS, vec![answer_key(&[("check", "ok")])]);
    let plural = plurality_policy(vec![param(
        "DisregardAssignmentIfKnownAnswerScoreIsLessThan",
        "100",
    )]);
    let hit_id = t
        .create_hit()
        .max_assignments(3)
        .assignment_review_policy(known)
        .hit_review_policy(plural)
        .send()
        .await
        .expect("CreateHIT")
        .hit()
        .unwrap()
        .hit_id()
        .unwrap()
        .to_string();
    let careless = submit(
        &t,
        &hit_id,
        "AWORKERA",
        &[("check", "no"), ("colour", "red")],
    )
    .await;
    let b = submit(
        &t,
        &hit_id,
        "AWORKERB",
        &[("check", "ok"), ("colour", "blue")],
    )
    .await;
    submit(
        &t,
        &hit_id,
        "AWORKERC",
        &[("check", "ok"), ("colour", "blue")],
    )
    .await;
    let (_, results, _) = all_results(&t, &hit_id, 100).await;
    assert_eq!(values(&results, &hit_id, "AnswerAgreementScore"), ["100"]);
    assert_eq!(values(&results, &b, "WorkerAgreementScore"), ["100"]);
    assert!(
        values(&results, &careless, "WorkerAgreementScore").is_empty(),
        "left out of the comparison"
    );
}

#[tokio::test]
async fn create_hit_with_hit_type_takes_the_policies_too() {
    let t = TestServer::start().await;
    let type_id = t
        .client
        .create_hit_type()
        .title("Typed")
        .description("A HIT of a registered type")
        .reward("0.50")
        .assignment_duration_in_seconds(600)
        .send()
        .await
        .unwrap()
        .hit_type_id()
        .unwrap()
        .to_string();
    let hit_id = t
        .client
        .create_hit_with_hit_type()
        .hit_type_id(&type_id)
        .lifetime_in_seconds(3600)
        .question(common::QUESTION)
        .assignment_review_policy(policy(
            KNOWN_ANSWERS,
            vec![
                answer_key(&[("q1", "yes")]),
                param("ApproveIfKnownAnswerScoreIsAtLeast", "0"),
            ],
        ))
        .send()
        .await
        .expect("CreateHITWithHITType")
        .hit()
        .unwrap()
        .hit_id()
        .unwrap()
        .to_string();
    let any = submit(&t, &hit_id, "AWORKERA", &[("q1", "no")]).await;
    assert_eq!(
        t.assignment(&any).await.assignment_status(),
        Some(&AssignmentStatus::Approved),
        "0 approves always"
    );
    let err = wire_error(
        t.client
            .create_hit_with_hit_type()
            .hit_type_id(&type_id)
            .lifetime_in_seconds(3600)
            .question(common::QUESTION)
            .hit_review_policy(policy(PLURALITY, vec![param("QuestionIds", "q1")]))
            .send()
            .await,
    );
    err.assert_request_error("AWS.MechanicalTurk.ParameterValidationError");
}

#[tokio::test]
async fn the_consoles_loader_notes_what_a_policy_did_to_each_assignment() {
    use mturk_review::mturk::loader::{HitSelection, LoadEvent, LoadRequest, load};
    let t = TestServer::start().await;
    let known = policy(
        KNOWN_ANSWERS,
        vec![
            answer_key(&[("q1", "yes"), ("q2", "B")]),
            param("RejectIfKnownAnswerScoreIsLessThan", "60"),
        ],
    );
    let hit_id = t
        .create_hit()
        .max_assignments(2)
        .assignment_review_policy(known)
        .send()
        .await
        .expect("CreateHIT")
        .hit()
        .unwrap()
        .hit_id()
        .unwrap()
        .to_string();
    let half = submit(&t, &hit_id, "AWORKERA", &[("q1", "yes"), ("q2", "C")]).await;
    let kept = submit(&t, &hit_id, "AWORKERB", &[("q1", "yes"), ("q2", "B")]).await;
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let request = LoadRequest::review(HitSelection::All);
    tokio::spawn(load(t.client.clone(), request, events_tx));
    let mut notes = std::collections::HashMap::new();
    while let Some(event) = events.recv().await {
        match event {
            LoadEvent::Assignments { assignments, .. } => {
                for a in assignments {
                    notes.insert(a.id, a.policy_note);
                }
            }
            LoadEvent::Finished => break,
            _ => {}
        }
    }
    assert_eq!(
        notes.get(&half),
        Some(&Some(
            "auto-rejected by policy: known-answer score 50%".to_string()
        ))
    );
    assert_eq!(
        notes.get(&kept),
        Some(&None),
        "left Submitted: nothing to note"
    );
}
