//! MTurk's rules as a worker meets them on the site: the last slot goes to one of two
//! workers accepting at once, qualification requirements by ActionsGuarded, blocks, the
//! deadline, and a QuestionForm checked on the server (with a file upload that
//! GetFileUploadURL then serves for 60 seconds).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use aws_sdk_mturk::types::{Comparator, HitAccessActions, QualificationRequirement};
use common::site::{Agent, invite, path_of};
use common::{TestServer, request};

async fn signed_in(t: &TestServer, name: &str) -> (String, Agent) {
    let (worker, link) = invite(t.addr(), name).await;
    (worker, Agent::sign_in(t.addr(), &link).await)
}

fn hit_id(out: aws_sdk_mturk::operation::create_hit::CreateHitOutput) -> String {
    out.hit()
        .and_then(|h| h.hit_id())
        .expect("HITId")
        .to_string()
}

#[tokio::test]
async fn two_workers_accepting_the_last_slot_at_once_one_gets_it() {
    let t = TestServer::start().await;
    for _ in 0..5 {
        let hit = hit_id(
            t.create_hit()
                .max_assignments(1)
                .send()
                .await
                .expect("CreateHIT"),
        );
        let (_, a) = signed_in(&t, "A").await;
        let (_, b) = signed_in(&t, "B").await;
        let (ra, rb) = tokio::join!(a.accept(&hit), b.accept(&hit));
        assert_eq!(
            [ra.is_ok(), rb.is_ok()].iter().filter(|ok| **ok).count(),
            1,
            "{:?} {:?}",
            ra.as_ref().err().map(|r| &r.body),
            rb.as_ref().err().map(|r| &r.body)
        );
        let loser = ra.err().or(rb.err()).expect("one refused");
        assert_eq!(loser.status, 409);
        // The site's own page, not mistaken for one hyper wrote (and replaced by a JSON error).
        assert_eq!(
            loser.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{}",
            loser.body
        );
        assert!(loser.body.contains("accept this HIT"), "{}", loser.body);
        let facts = t.get_hit(&hit).await;
        assert_eq!(facts.number_of_assignments_pending(), Some(1));
        assert_eq!(facts.number_of_assignments_available(), Some(0));
    }
    t.stop().await;
}

#[tokio::test]
async fn requirements_hide_preview_or_accept_as_actions_guarded_says_and_blocks_hide_all() {
    let t = TestServer::start().await;
    let qual = t
        .client
        .create_qualification_type()
        .name("Trained")
        .description("Passed the training")
        .qualification_type_status(aws_sdk_mturk::types::QualificationTypeStatus::Active)
        .send()
        .await
        .expect("CreateQualificationType")
        .qualification_type()
        .and_then(|q| q.qualification_type_id())
        .expect("id")
        .to_string();
    let requirement = |guard: HitAccessActions| {
        QualificationRequirement::builder()
            .qualification_type_id(&qual)
            .comparator(Comparator::Exists)
            .actions_guarded(guard)
            .build()
            .expect("a requirement")
    };
    let hidden = hit_id(
        t.create_hit()
            .title("Hidden from the untrained")
            .qualification_requirements(requirement(HitAccessActions::DiscoverPreviewAndAccept))
            .send()
            .await
            .expect("CreateHIT"),
    );
    let no_preview = hit_id(
        t.create_hit()
            .title("Seen but not previewed")
            .qualification_requirements(requirement(HitAccessActions::PreviewAndAccept))
            .send()
            .await
            .expect("CreateHIT"),
    );
    let no_accept = hit_id(
        t.create_hit()
            .title("Previewed but not accepted")
            .qualification_requirements(requirement(HitAccessActions::Accept))
            .send()
            .await
            .expect("CreateHIT"),
    );
    let (worker, agent) = signed_in(&t, "U").await;

    let home = agent.get("/worker/").await.body;
    assert!(!home.contains("Hidden from the untrained"), "{home}");
    assert!(home.contains("Seen but not previewed") && home.contains("Previewed but not accepted"));
    for hit in [&hidden, &no_preview] {
        let page = agent.get(&format!("/worker/hits/{hit}")).await;
        assert_eq!(page.status, 403, "{}", page.body);
        assert!(!page.body.contains("dynamic/hit"));
    }
    let preview = agent.get(&format!("/worker/hits/{no_accept}")).await;
    assert_eq!(preview.status, 200);
    assert!(
        !preview.body.contains(">Accept<"),
        "no Accept button for a worker who can't"
    );
    let refused = agent.accept(&no_accept).await.expect_err("not qualified");
    assert_eq!(refused.status, 409);
    assert_eq!(
        t.get_hit(&no_accept).await.number_of_assignments_pending(),
        Some(0)
    );

    t.client
        .associate_qualification_with_worker()
        .qualification_type_id(&qual)
        .worker_id(&worker)
        .integer_value(1)
        .send()
        .await
        .expect("grant");
    assert!(
        agent
            .get("/worker/")
            .await
            .body
            .contains("Hidden from the untrained")
    );
    agent.accept(&hidden).await.expect("qualified now");

    t.client
        .create_worker_block()
        .worker_id(&worker)
        .reason("Spam")
        .send()
        .await
        .expect("block");
    let home = agent.get("/worker/").await.body;
    assert!(!home.contains("Previewed but not accepted"), "{home}");
    assert_eq!(
        agent.get(&format!("/worker/hits/{no_accept}")).await.status,
        403
    );
    t.stop().await;
}

#[tokio::test]
async fn work_past_its_deadline_is_abandoned_and_its_slot_comes_back() {
    let t = TestServer::start().await;
    let hit = hit_id(
        t.create_hit()
            .assignment_duration_in_seconds(30)
            .send()
            .await
            .expect("CreateHIT"),
    );
    let (_, agent) = signed_in(&t, "Slow").await;
    let assignment = agent.accept(&hit).await.expect("accepted");
    assert_eq!(
        t.get_hit(&hit).await.number_of_assignments_available(),
        Some(0)
    );
    tokio::time::sleep(std::time::Duration::from_millis(31_000)).await;
    let facts = t.get_hit(&hit).await;
    assert_eq!(facts.number_of_assignments_available(), Some(1));
    assert_eq!(facts.number_of_assignments_pending(), Some(0));
    let late = request(
        t.addr(),
        "POST",
        "/mturk/externalSubmit",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("assignmentId={assignment}&q1=late").as_bytes(),
    )
    .await;
    assert_eq!(late.status, 409, "{}", late.body);
    let me = agent.get("/worker/me").await.body;
    assert!(me.contains("Abandoned"), "{me}");
    t.stop().await;
}

const FORM: &str = r#"<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
<Question><QuestionIdentifier>zip</QuestionIdentifier><DisplayName>ZIP code</DisplayName><IsRequired>true</IsRequired>
<QuestionContent><Text>Your ZIP code</Text></QuestionContent>
<AnswerSpecification><FreeTextAnswer><Constraints><AnswerFormatRegex regex="^[0-9]{5}$" errorText="Five digits, please."/></Constraints></FreeTextAnswer></AnswerSpecification></Question>
<Question><QuestionIdentifier>photo</QuestionIdentifier><IsRequired>true</IsRequired>
<QuestionContent><Text>A photo of the sign</Text></QuestionContent>
<AnswerSpecification><FileUploadAnswer><MaxFileSizeInBytes>1000</MaxFileSizeInBytes><MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer></AnswerSpecification></Question>
</QuestionForm>"#;

fn multipart(assignment: &str, zip: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----mturkreviewtestboundary";
    let mut body = Vec::new();
    for (name, value) in [("assignmentId", assignment), ("q.zip", zip)] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"q.photo\"; filename=\"sign.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn a_question_form_is_checked_on_the_server_and_its_file_is_served_for_a_minute() {
    let t = TestServer::start().await;
    let hit = hit_id(
        t.create_hit()
            .question(FORM)
            .send()
            .await
            .expect("CreateHIT"),
    );
    let (_, agent) = signed_in(&t, "Q").await;
    let assignment = agent.accept(&hit).await.expect("accepted");

    let (kind, bad) = multipart(&assignment, "12a45", b"PNG!");
    let refused = request(
        t.addr(),
        "POST",
        "/mturk/externalSubmit",
        &[("Content-Type", &kind)],
        &bad,
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    // The form again, with the answer kept and the problem next to it.
    assert!(
        refused.body.contains("Five digits, please."),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("12a45"), "{}", refused.body);
    let listed = t
        .client
        .list_assignments_for_hit()
        .hit_id(&hit)
        .send()
        .await
        .expect("list");
    assert!(listed.assignments().is_empty(), "nothing recorded");

    let (kind, good) = multipart(&assignment, "98101", b"PNG!");
    let done = request(
        t.addr(),
        "POST",
        "/mturk/externalSubmit",
        &[("Content-Type", &kind)],
        &good,
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let listed = t
        .client
        .list_assignments_for_hit()
        .hit_id(&hit)
        .send()
        .await
        .expect("list");
    let answer = listed.assignments()[0]
        .answer()
        .expect("an answer")
        .to_string();
    assert!(answer.contains("<Answer><QuestionIdentifier>zip</QuestionIdentifier><FreeText>98101</FreeText></Answer>"), "{answer}");
    assert!(
        answer.contains("<UploadedFileSizeInBytes>4</UploadedFileSizeInBytes><UploadedFileKey>"),
        "{answer}"
    );

    let url = t
        .client
        .get_file_upload_url()
        .assignment_id(&assignment)
        .question_identifier("photo")
        .send()
        .await
        .expect("GetFileUploadURL")
        .file_upload_url()
        .expect("a URL")
        .to_string();
    assert!(url.starts_with(&t.server.site_url), "{url}");
    let file = request(t.addr(), "GET", &path_of(&url), &[], b"").await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body, "PNG!");
    assert_eq!(file.header("content-type"), Some("image/png"));
    let tampered = request(
        t.addr(),
        "GET",
        &path_of(&url).replace("expires=", "expires=9"),
        &[],
        b"",
    )
    .await;
    assert_eq!(tampered.status, 403);
    let none = t
        .client
        .get_file_upload_url()
        .assignment_id(&assignment)
        .question_identifier("zip")
        .send()
        .await;
    assert!(none.is_err());
    t.stop().await;
}
