//! Qualifications through aws-sdk-mturk: types and their rules, a test scored by an answer key,
//! retry delays, auto-grants and requests for the requester, scores, requirements checked on
//! create and enforced when a worker submits, system qualifications, and accounts' isolation.
// As in #[test] functions: a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use aws_sdk_mturk::types::{
    Comparator, HitAccessActions, Locale, QualificationRequirement, QualificationStatus,
    QualificationTypeStatus,
};
use common::{
    Key, TempDb, TestServer, add_account, client_with_key, config, post, signed_post, wire_error,
};
use mturk_review::server::ServerConfig;
use serde_json::{Value, json};

const TEST_FORM: &str = r#"<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>color</QuestionIdentifier><QuestionContent><Text>Sky?</Text></QuestionContent><AnswerSpecification><SelectionAnswer><Selections><Selection><SelectionIdentifier>blue</SelectionIdentifier><Text>Blue</Text></Selection><Selection><SelectionIdentifier>red</SelectionIdentifier><Text>Red</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>"#;
const ANSWER_KEY: &str = r#"<AnswerKey xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"><Question><QuestionIdentifier>color</QuestionIdentifier><AnswerOption><SelectionIdentifier>blue</SelectionIdentifier><AnswerScore>3</AnswerScore></AnswerOption><DefaultScore>1</DefaultScore></Question><QualificationValueMapping><PercentageMapping><MaximumSummedScore>3</MaximumSummedScore></PercentageMapping></QualificationValueMapping></AnswerKey>"#;

fn answer(choice: &str) -> String {
    format!(
        "<QuestionFormAnswers><Answer><QuestionIdentifier>color</QuestionIdentifier><SelectionIdentifier>{choice}</SelectionIdentifier></Answer></QuestionFormAnswers>"
    )
}

async fn new_type(t: &TestServer, name: &str) -> String {
    t.client
        .create_qualification_type()
        .name(name)
        .description("A type made by a test")
        .keywords("test, screening")
        .qualification_type_status(QualificationTypeStatus::Active)
        .send()
        .await
        .expect("CreateQualificationType")
        .qualification_type()
        .and_then(|q| q.qualification_type_id())
        .unwrap()
        .to_string()
}

async fn request(t: &TestServer, worker: &str, type_id: &str, answer: Option<&str>) -> common::Raw {
    let mut body = json!({ "WorkerId": worker, "QualificationTypeId": type_id });
    if let Some(a) = answer {
        body["Answer"] = a.into();
    }
    post(t.addr(), "MTurkLocal.RequestQualification", &body).await
}

async fn score(t: &TestServer, type_id: &str, worker: &str) -> Option<i32> {
    t.client
        .get_qualification_score()
        .qualification_type_id(type_id)
        .worker_id(worker)
        .send()
        .await
        .ok()
        .and_then(|o| o.qualification().and_then(|q| q.integer_value()))
}

fn requirement(type_id: &str, comparator: Comparator, values: &[i32]) -> QualificationRequirement {
    QualificationRequirement::builder()
        .qualification_type_id(type_id)
        .comparator(comparator)
        .set_integer_values((!values.is_empty()).then(|| values.to_vec()))
        .build()
        .unwrap()
}

async fn hit_requiring(
    t: &TestServer,
    reqs: Vec<QualificationRequirement>,
) -> Result<String, common::WireError> {
    let out = t
        .create_hit()
        .set_qualification_requirements(Some(reqs))
        .send()
        .await;
    match out {
        Ok(o) => Ok(o.hit().and_then(|h| h.hit_id()).unwrap().to_string()),
        Err(e) => Err(wire_error::<(), _>(Err(e))),
    }
}

#[tokio::test]
async fn types_are_created_read_updated_listed_and_disposed_of() {
    let t = TestServer::start().await;
    let id = new_type(&t, "Trusted").await;
    let dup = t
        .client
        .create_qualification_type()
        .name("Trusted")
        .description("again")
        .qualification_type_status(QualificationTypeStatus::Active)
        .send()
        .await;
    wire_error(dup).assert_request_error("AWS.MechanicalTurk.QualificationTypeAlreadyExists");

    let got = t
        .client
        .get_qualification_type()
        .qualification_type_id(&id)
        .send()
        .await
        .unwrap();
    let q = got.qualification_type().unwrap();
    assert_eq!(q.name(), Some("Trusted"));
    assert_eq!(q.keywords(), Some("test, screening"));
    assert_eq!(
        q.qualification_type_status(),
        Some(&QualificationTypeStatus::Active)
    );
    assert_eq!(q.is_requestable(), Some(true));
    assert_eq!(q.auto_granted(), Some(false));

    let updated = t
        .client
        .update_qualification_type()
        .qualification_type_id(&id)
        .description("Changed")
        .qualification_type_status(QualificationTypeStatus::Inactive)
        .retry_delay_in_seconds(60)
        .send()
        .await
        .unwrap();
    let q = updated.qualification_type().unwrap();
    assert_eq!(q.description(), Some("Changed"));
    assert_eq!(
        q.qualification_type_status(),
        Some(&QualificationTypeStatus::Inactive)
    );
    assert_eq!(q.retry_delay_in_seconds(), Some(60));

    // MTurk's combination rules.
    let base = || {
        t.client
            .create_qualification_type()
            .name("Combo")
            .description("d")
            .qualification_type_status(QualificationTypeStatus::Active)
    };
    let e = wire_error(
        base()
            .test(TEST_FORM)
            .test_duration_in_seconds(60)
            .auto_granted(true)
            .send()
            .await,
    );
    e.assert_invalid("AutoGranted");
    wire_error(base().answer_key(ANSWER_KEY).send().await).assert_invalid("Test");
    wire_error(base().test(TEST_FORM).send().await).assert_invalid("TestDurationInSeconds");
    wire_error(
        base()
            .test("<HTMLQuestion/>")
            .test_duration_in_seconds(60)
            .send()
            .await,
    )
    .assert_request_error("AWS.MechanicalTurk.XMLParseError");
    wire_error(
        base()
            .test(TEST_FORM)
            .test_duration_in_seconds(60)
            .answer_key("<AnswerKey/>")
            .send()
            .await,
    )
    .assert_request_error("AWS.MechanicalTurk.XMLParseError");

    // Lists: owned ones page with NextToken; the system types come with MustBeOwnedByCaller false.
    new_type(&t, "Second").await;
    new_type(&t, "Third").await;
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .client
            .list_qualification_types()
            .must_be_requestable(false)
            .must_be_owned_by_caller(true)
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        names.extend(
            page.qualification_types()
                .iter()
                .filter_map(|q| q.name().map(str::to_string)),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(names, ["Trusted", "Second", "Third"]);
    let requestable = t
        .client
        .list_qualification_types()
        .must_be_requestable(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        requestable.num_results(),
        Some(2),
        "the Inactive type is not requestable"
    );
    let all = t
        .client
        .list_qualification_types()
        .must_be_requestable(false)
        .max_results(100)
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = all
        .qualification_types()
        .iter()
        .filter_map(|q| q.qualification_type_id())
        .collect();
    assert!(
        ids.contains(&"000000000000000000L0") && ids.contains(&"2F1QJWKUDD8XADTFD2Q0G6UTO95ALH")
    );
    assert_eq!(ids.len(), 13);
    let found = t
        .client
        .list_qualification_types()
        .must_be_requestable(false)
        .must_be_owned_by_caller(true)
        .query("SECOND")
        .send()
        .await
        .unwrap();
    assert_eq!(found.num_results(), Some(1));

    // Deleting disposes: not listed, not usable, its name free again once no HIT requires it.
    t.client
        .delete_qualification_type()
        .qualification_type_id(&id)
        .send()
        .await
        .unwrap();
    let gone = t
        .client
        .get_qualification_type()
        .qualification_type_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        gone.qualification_type()
            .unwrap()
            .qualification_type_status()
            .map(|s| s.as_str()),
        Some("Disposed")
    );
    let listed = t
        .client
        .list_qualification_types()
        .must_be_requestable(false)
        .must_be_owned_by_caller(true)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.num_results(), Some(2));
    let e = t
        .client
        .associate_qualification_with_worker()
        .qualification_type_id(&id)
        .worker_id("AW1")
        .send()
        .await;
    wire_error(e).assert_invalid("deleted");
    wire_error(
        t.client
            .delete_qualification_type()
            .qualification_type_id(&id)
            .send()
            .await,
    )
    .assert_request_error("AWS.MechanicalTurk.QualificationTypeDoesNotExist");
    new_type(&t, "Trusted").await;
}

#[tokio::test]
async fn a_test_is_scored_by_its_answer_key_and_retries_wait_their_delay() {
    let t = TestServer::start().await;
    let out = t
        .client
        .create_qualification_type()
        .name("Sky test")
        .description("Name the sky's colour")
        .qualification_type_status(QualificationTypeStatus::Active)
        .test(TEST_FORM)
        .test_duration_in_seconds(300)
        .answer_key(ANSWER_KEY)
        .retry_delay_in_seconds(3600)
        .send()
        .await
        .unwrap();
    let id = out
        .qualification_type()
        .unwrap()
        .qualification_type_id()
        .unwrap()
        .to_string();
    let raw = request(&t, "AWRONG", &id, Some(&answer("red"))).await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    assert_eq!(raw.json()["Status"], "Granted");
    assert_eq!(
        score(&t, &id, "AWRONG").await,
        Some(33),
        "default score 1 of 3, as a percentage"
    );
    let raw = request(&t, "ARIGHT", &id, Some(&answer("blue"))).await;
    assert_eq!(raw.json()["IntegerValue"], 100);
    assert_eq!(score(&t, &id, "ARIGHT").await, Some(100));

    let again = request(&t, "AWRONG", &id, Some(&answer("blue"))).await;
    again.error().assert_invalid("again");
    assert_eq!(score(&t, &id, "AWRONG").await, Some(33));
    request(&t, "ANOANSWER", &id, None)
        .await
        .error()
        .assert_invalid("Answer");

    // A type without retries can be requested once.
    let once = new_type(&t, "Once").await;
    assert_eq!(
        request(&t, "AONE", &once, None).await.json()["Status"],
        "Pending"
    );
    t.client
        .reject_qualification_request()
        .qualification_request_id(
            t.client
                .list_qualification_requests()
                .send()
                .await
                .unwrap()
                .qualification_requests()[0]
                .qualification_request_id()
                .unwrap(),
        )
        .reason("No")
        .send()
        .await
        .unwrap();
    request(&t, "AONE", &once, None)
        .await
        .error()
        .assert_invalid("does not allow retries");
}

#[tokio::test]
async fn requests_wait_for_the_requester_unless_the_type_is_auto_granted() {
    let t = TestServer::start().await;
    let auto = t
        .client
        .create_qualification_type()
        .name("Auto")
        .description("granted at once")
        .qualification_type_status(QualificationTypeStatus::Active)
        .auto_granted(true)
        .auto_granted_value(7)
        .send()
        .await
        .unwrap();
    let auto = auto.qualification_type().unwrap();
    assert_eq!(auto.auto_granted_value(), Some(7));
    let auto = auto.qualification_type_id().unwrap().to_string();
    assert_eq!(
        request(&t, "AAUTO", &auto, None).await.json()["Status"],
        "Granted"
    );
    assert_eq!(score(&t, &auto, "AAUTO").await, Some(7));

    let manual = new_type(&t, "Manual").await;
    for w in ["AONE", "ATWO"] {
        assert_eq!(
            request(&t, w, &manual, None).await.json()["Status"],
            "Pending"
        );
    }
    request(&t, "AONE", &manual, None)
        .await
        .error()
        .assert_invalid("pending");
    let pending = t
        .client
        .list_qualification_requests()
        .qualification_type_id(&manual)
        .send()
        .await
        .unwrap();
    let reqs = pending.qualification_requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].worker_id(), Some("AONE"));
    t.client
        .accept_qualification_request()
        .qualification_request_id(reqs[0].qualification_request_id().unwrap())
        .integer_value(42)
        .send()
        .await
        .unwrap();
    t.client
        .reject_qualification_request()
        .qualification_request_id(reqs[1].qualification_request_id().unwrap())
        .reason("Not now")
        .send()
        .await
        .unwrap();
    assert_eq!(score(&t, &manual, "AONE").await, Some(42));
    assert_eq!(score(&t, &manual, "ATWO").await, None);
    let e = t
        .client
        .accept_qualification_request()
        .qualification_request_id(reqs[1].qualification_request_id().unwrap())
        .send()
        .await;
    wire_error(e).assert_request_error("AWS.MechanicalTurk.InvalidQualificationRequestState");
    assert_eq!(
        t.client
            .list_qualification_requests()
            .send()
            .await
            .unwrap()
            .num_results(),
        Some(0)
    );
    let e = t
        .client
        .accept_qualification_request()
        .qualification_request_id("NOSUCHREQUEST")
        .send()
        .await;
    wire_error(e).assert_request_error("AWS.MechanicalTurk.QualificationRequestDoesNotExist");
}

#[tokio::test]
async fn scores_are_associated_revoked_and_listed_by_status() {
    let t = TestServer::start().await;
    let id = new_type(&t, "Scores").await;
    for (w, v) in [("AONE", 5), ("ATWO", 9)] {
        t.client
            .associate_qualification_with_worker()
            .qualification_type_id(&id)
            .worker_id(w)
            .integer_value(v)
            .send_notification(true)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(score(&t, &id, "ATWO").await, Some(9));
    t.client
        .disassociate_qualification_from_worker()
        .qualification_type_id(&id)
        .worker_id("AONE")
        .reason("Done")
        .send()
        .await
        .unwrap();
    let e = t
        .client
        .disassociate_qualification_from_worker()
        .qualification_type_id(&id)
        .worker_id("AONE")
        .send()
        .await;
    wire_error(e).assert_request_error("AWS.MechanicalTurk.QualificationDoesNotExist");
    let list = |status: QualificationStatus| {
        let c = t.client.clone();
        let id = id.clone();
        async move {
            c.list_workers_with_qualification_type()
                .qualification_type_id(id)
                .status(status)
                .send()
                .await
                .unwrap()
                .qualifications()
                .iter()
                .filter_map(|q| q.worker_id().map(str::to_string))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(QualificationStatus::Granted).await, ["ATWO"]);
    assert_eq!(list(QualificationStatus::Revoked).await, ["AONE"]);
    let revoked = t
        .client
        .get_qualification_score()
        .qualification_type_id(&id)
        .worker_id("AONE")
        .send()
        .await
        .unwrap();
    assert_eq!(
        revoked.qualification().unwrap().status(),
        Some(&QualificationStatus::Revoked)
    );
    let e = t
        .client
        .get_qualification_score()
        .qualification_type_id("000000000000000000L0")
        .worker_id("AONE")
        .send()
        .await;
    wire_error(e).assert_invalid("system Qualification");
    let e = t
        .client
        .get_qualification_score()
        .qualification_type_id("NOSUCHTYPE")
        .worker_id("AONE")
        .send()
        .await;
    wire_error(e).assert_request_error("AWS.MechanicalTurk.QualificationTypeDoesNotExist");
}

#[tokio::test]
async fn requirements_are_checked_on_create_and_listed_by_type() {
    let t = TestServer::start().await;
    let id = new_type(&t, "Req").await;
    let locale = |cmp: Comparator, values: Vec<Locale>| {
        QualificationRequirement::builder()
            .qualification_type_id("00000000000000000071")
            .comparator(cmp)
            .set_locale_values(Some(values))
            .build()
            .unwrap()
    };
    let us = || Locale::builder().country("US").build().unwrap();
    let cases: Vec<(QualificationRequirement, &str)> = vec![
        (
            requirement("NOSUCHTYPE", Comparator::Exists, &[]),
            "does not exist",
        ),
        (
            requirement(&id, Comparator::Exists, &[1]),
            "takes no IntegerValues",
        ),
        (
            requirement(&id, Comparator::EqualTo, &[]),
            "exactly one IntegerValue",
        ),
        (
            requirement(&id, Comparator::GreaterThan, &[1, 2]),
            "exactly one IntegerValue",
        ),
        (
            requirement(&id, Comparator::In, &[]),
            "at least one IntegerValue",
        ),
        (
            requirement("00000000000000000071", Comparator::EqualTo, &[1]),
            "LocaleValues, not IntegerValues",
        ),
        (
            locale(Comparator::GreaterThan, vec![us()]),
            "only with EqualTo",
        ),
        (
            locale(Comparator::EqualTo, vec![us(), us()]),
            "exactly one LocaleValue",
        ),
        (
            locale(
                Comparator::In,
                vec![Locale::builder().country("us").build().unwrap()],
            ),
            "ISO 3166",
        ),
        (
            QualificationRequirement::builder()
                .qualification_type_id(&id)
                .comparator(Comparator::EqualTo)
                .integer_values(1)
                .locale_values(us())
                .build()
                .unwrap(),
            "Worker_Locale",
        ),
    ];
    for (req, what) in cases {
        let err = hit_requiring(&t, vec![req.clone()]).await.expect_err(what);
        if what == "does not exist" {
            err.assert_request_error("AWS.MechanicalTurk.QualificationTypeDoesNotExist");
        } else {
            err.assert_invalid(what);
        }
    }
    let hit = hit_requiring(
        &t,
        vec![
            requirement(&id, Comparator::Exists, &[]),
            locale(Comparator::In, vec![us()]),
        ],
    )
    .await
    .unwrap();
    let got = t.get_hit(&hit).await;
    assert_eq!(got.qualification_requirements().len(), 2);
    let hits = t
        .client
        .list_hits_for_qualification_type()
        .qualification_type_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        hits.hits()
            .iter()
            .filter_map(|h| h.hit_id())
            .collect::<Vec<_>>(),
        [hit.as_str()]
    );
    let by_locale = t
        .client
        .list_hits_for_qualification_type()
        .qualification_type_id("00000000000000000071")
        .send()
        .await
        .unwrap();
    assert_eq!(by_locale.num_results(), Some(1));

    // An Inactive type cannot be required, and a deleted one is Disposing while the HIT lives.
    t.client
        .update_qualification_type()
        .qualification_type_id(&id)
        .qualification_type_status(QualificationTypeStatus::Inactive)
        .send()
        .await
        .unwrap();
    hit_requiring(&t, vec![requirement(&id, Comparator::Exists, &[])])
        .await
        .unwrap_err()
        .assert_invalid("Inactive");
    t.client
        .delete_qualification_type()
        .qualification_type_id(&id)
        .send()
        .await
        .unwrap();
    let q = t
        .client
        .get_qualification_type()
        .qualification_type_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        q.qualification_type()
            .unwrap()
            .qualification_type_status()
            .map(|s| s.as_str()),
        Some("Disposing")
    );
    let e = t
        .client
        .create_hit_with_hit_type()
        .hit_type_id(got.hit_type_id().unwrap())
        .lifetime_in_seconds(3600)
        .question(common::QUESTION)
        .send()
        .await;
    wire_error(e).assert_invalid("deleted");
}

#[tokio::test]
async fn submitting_work_is_refused_to_a_worker_who_does_not_qualify() {
    let t = TestServer::start().await;
    let id = new_type(&t, "Skill").await;
    t.client
        .associate_qualification_with_worker()
        .qualification_type_id(&id)
        .worker_id("AGOOD")
        .integer_value(80)
        .send()
        .await
        .unwrap();
    t.client
        .associate_qualification_with_worker()
        .qualification_type_id(&id)
        .worker_id("ALOW")
        .integer_value(20)
        .send()
        .await
        .unwrap();
    let hit = |reqs| {
        let t = &t;
        async move {
            let out = t
                .create_hit()
                .max_assignments(5)
                .set_qualification_requirements(Some(reqs))
                .send()
                .await
                .unwrap();
            out.hit().and_then(|h| h.hit_id()).unwrap().to_string()
        }
    };
    let at_least_50 = hit(vec![requirement(
        &id,
        Comparator::GreaterThanOrEqualTo,
        &[50],
    )])
    .await;
    let refused = t.submit_with(&at_least_50, "ALOW", json!({})).await;
    let err = refused.error();
    err.assert_request_error("AWS.MechanicalTurk.QualificationRequirementNotMet");
    assert!(err.message.contains(&id), "{err:?}");
    t.submit_with(&at_least_50, "ANONE", json!({}))
        .await
        .error()
        .assert_request_error("AWS.MechanicalTurk.QualificationRequirementNotMet");
    t.submit(&at_least_50, "AGOOD").await;

    let without = hit(vec![requirement(&id, Comparator::DoesNotExist, &[])]).await;
    t.submit(&without, "ANONE").await;
    assert_eq!(
        t.submit_with(&without, "AGOOD", json!({})).await.status,
        400
    );

    // Locale with subdivisions, Masters and Adult from the worker record.
    let local = |w: &str, body: Value| {
        let mut b = body;
        b["WorkerId"] = w.into();
        let addr = t.addr();
        async move { post(addr, "MTurkLocal.UpdateWorker", &b).await }
    };
    assert_eq!(local("AWA", json!({"Locale": {"Country": "US", "Subdivision": "WA"}, "Masters": true, "Adult": true})).await.status, 200);
    assert_eq!(
        local(
            "ANY",
            json!({"Locale": {"Country": "US", "Subdivision": "NY"}})
        )
        .await
        .status,
        200
    );
    local("ABAD", json!({"Locale": {"Country": "usa"}}))
        .await
        .error()
        .assert_invalid("ISO 3166");
    let wa = Locale::builder()
        .country("US")
        .subdivision("WA")
        .build()
        .unwrap();
    let in_wa = QualificationRequirement::builder()
        .qualification_type_id("00000000000000000071")
        .comparator(Comparator::In)
        .locale_values(wa)
        .actions_guarded(HitAccessActions::DiscoverPreviewAndAccept)
        .build()
        .unwrap();
    let masters = requirement("2F1QJWKUDD8XADTFD2Q0G6UTO95ALH", Comparator::Exists, &[]);
    let adult = requirement("00000000000000000060", Comparator::EqualTo, &[1]);
    let strict = hit(vec![in_wa, masters, adult]).await;
    t.submit_with(&strict, "ANY", json!({}))
        .await
        .error()
        .assert_request_error("AWS.MechanicalTurk.QualificationRequirementNotMet");
    t.submit(&strict, "AWA").await;

    // A new worker counts as 100% approved; NumberHITsApproved counts approvals.
    let history = || {
        vec![
            requirement(
                "000000000000000000L0",
                Comparator::GreaterThanOrEqualTo,
                &[95],
            ),
            requirement("00000000000000000040", Comparator::LessThan, &[1]),
        ]
    };
    let first = hit(history()).await;
    let work = t.submit(&first, "AFRESH").await;
    t.approve(&work).await;
    let second = hit(history()).await;
    let err = t.submit_with(&second, "AFRESH", json!({})).await.error();
    assert!(err.message.contains("00000000000000000040"), "{err:?}");
}

#[tokio::test]
async fn another_accounts_type_answers_as_one_that_does_not_exist() {
    let db = TempDb::new("quals");
    let keys: Vec<Key> = ["a", "b"]
        .iter()
        .map(|name| add_account(&db.0, name, 5_000))
        .collect();
    let server = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    let a = client_with_key(&server.url, &keys[0]).await;
    let b = client_with_key(&server.url, &keys[1]).await;
    let id = a
        .create_qualification_type()
        .name("Mine")
        .description("a's own")
        .qualification_type_status(QualificationTypeStatus::Active)
        .send()
        .await
        .unwrap()
        .qualification_type()
        .unwrap()
        .qualification_type_id()
        .unwrap()
        .to_string();
    a.associate_qualification_with_worker()
        .qualification_type_id(&id)
        .worker_id("AW1")
        .integer_value(3)
        .send()
        .await
        .unwrap();
    let missing = "NOSUCHTYPE0000000000000000000X";
    for type_id in [id.as_str(), missing] {
        let e = wire_error(
            b.get_qualification_type()
                .qualification_type_id(type_id)
                .send()
                .await,
        );
        e.assert_request_error("AWS.MechanicalTurk.QualificationTypeDoesNotExist");
        assert_eq!(
            e.message,
            format!("QualificationType {type_id} does not exist.")
        );
        let e = wire_error(
            b.get_qualification_score()
                .qualification_type_id(type_id)
                .worker_id("AW1")
                .send()
                .await,
        );
        e.assert_request_error("AWS.MechanicalTurk.QualificationTypeDoesNotExist");
        let e = wire_error(
            b.list_workers_with_qualification_type()
                .qualification_type_id(type_id)
                .send()
                .await,
        );
        e.assert_request_error("AWS.MechanicalTurk.QualificationTypeDoesNotExist");
    }
    let listed = b
        .list_qualification_types()
        .must_be_requestable(true)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.num_results(), Some(0));
    // b may use the name a used; its HITs cannot require a's type.
    b.create_qualification_type()
        .name("Mine")
        .description("b's own")
        .qualification_type_status(QualificationTypeStatus::Active)
        .send()
        .await
        .unwrap();
    let e = b
        .create_hit_type()
        .title("t")
        .description("d")
        .reward("0.10")
        .assignment_duration_in_seconds(600)
        .qualification_requirements(requirement(&id, Comparator::Exists, &[]))
        .send()
        .await;
    wire_error(e).assert_request_error("AWS.MechanicalTurk.QualificationTypeDoesNotExist");
    let raw = signed_post(
        server.addr(),
        &keys[1],
        "MTurkLocal.RequestQualification",
        &json!({"WorkerId": "AW1", "QualificationTypeId": id}),
    )
    .await;
    raw.error()
        .assert_request_error("AWS.MechanicalTurk.QualificationTypeDoesNotExist");
}

#[tokio::test]
async fn the_demo_has_qualification_types_and_a_qualified_hit() {
    let t = TestServer::start_with(ServerConfig {
        demo: true,
        ..config()
    })
    .await;
    let types = t
        .client
        .list_qualification_types()
        .must_be_requestable(true)
        .send()
        .await
        .unwrap();
    assert_eq!(types.num_results(), Some(2));
    let returning = types.qualification_types()[0]
        .qualification_type_id()
        .unwrap();
    let granted = t
        .client
        .list_workers_with_qualification_type()
        .qualification_type_id(returning)
        .send()
        .await
        .unwrap();
    assert_eq!(granted.num_results(), Some(2));
    let hits = t
        .client
        .list_hits_for_qualification_type()
        .qualification_type_id("000000000000000000L0")
        .send()
        .await
        .unwrap();
    assert_eq!(hits.hits()[0].qualification_requirements().len(), 3);
}

#[tokio::test]
async fn every_integer_comparator_is_enforced_on_submit() {
    // Workers scored 20, 50 and 80; each comparator against 50 (In / NotIn against 20 and 50)
    // admits exactly the workers MTurk's definition says.
    let t = TestServer::start().await;
    let id = new_type(&t, "Score").await;
    for (worker, score) in [("ASCORE20", 20), ("ASCORE50", 50), ("ASCORE80", 80)] {
        t.client
            .associate_qualification_with_worker()
            .qualification_type_id(&id)
            .worker_id(worker)
            .integer_value(score)
            .send()
            .await
            .unwrap();
    }
    let cases: [(Comparator, &[i32], &[&str]); 8] = [
        (Comparator::LessThan, &[50], &["ASCORE20"]),
        (
            Comparator::LessThanOrEqualTo,
            &[50],
            &["ASCORE20", "ASCORE50"],
        ),
        (Comparator::GreaterThan, &[50], &["ASCORE80"]),
        (
            Comparator::GreaterThanOrEqualTo,
            &[50],
            &["ASCORE50", "ASCORE80"],
        ),
        (Comparator::EqualTo, &[50], &["ASCORE50"]),
        (Comparator::NotEqualTo, &[50], &["ASCORE20", "ASCORE80"]),
        (Comparator::In, &[20, 50], &["ASCORE20", "ASCORE50"]),
        (Comparator::NotIn, &[20, 50], &["ASCORE80"]),
    ];
    for (comparator, values, admitted) in cases {
        let hit = t
            .create_hit()
            .max_assignments(3)
            .qualification_requirements(requirement(&id, comparator.clone(), values))
            .send()
            .await
            .unwrap();
        let hit = hit.hit().and_then(|h| h.hit_id()).unwrap().to_string();
        for worker in ["ASCORE20", "ASCORE50", "ASCORE80"] {
            let raw = t.submit_with(&hit, worker, json!({})).await;
            if admitted.contains(&worker) {
                assert_eq!(
                    raw.status, 200,
                    "{comparator:?} {values:?} {worker}: {}",
                    raw.body
                );
            } else {
                raw.error()
                    .assert_request_error("AWS.MechanicalTurk.QualificationRequirementNotMet");
            }
        }
    }
}

#[tokio::test]
async fn granting_notifies_the_worker_unless_asked_not_to() {
    // SendNotification (true unless false) is recorded as NotifyWorkers records messages.
    let db = TempDb::new("qual-notify");
    let t = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    let id = new_type(&t, "Notified").await;
    for (worker, send) in [("ATOLD", None), ("ASILENT", Some(false))] {
        t.client
            .associate_qualification_with_worker()
            .qualification_type_id(&id)
            .worker_id(worker)
            .integer_value(7)
            .set_send_notification(send)
            .send()
            .await
            .unwrap();
    }
    t.stop().await;
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    let mut stmt = conn
        .prepare("SELECT worker_id, subject, message_text FROM notifications ORDER BY seq")
        .unwrap();
    let sent: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, "ATOLD");
    assert!(
        sent[0].1.contains("Notified") && sent[0].2.contains("value 7"),
        "{sent:?}"
    );
}
