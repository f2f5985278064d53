//! The worker site over plain HTTP: signing in, the forms' CSRF and origin checks, and
//! `/mturk/externalSubmit`'s rules, checked against what the requester then sees through
//! aws-sdk-mturk. (The same flows in a real browser are in `site_browser.rs`.)

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::site::{Agent, form, invite, path_of};
use common::{TestServer, request};

const HTML_QUESTION: &str = r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form name="mturk_form" method="post" id="mturk_form" action="https://www.mturk.com/mturk/externalSubmit"><input type="hidden" name="assignmentId" id="assignmentId"><input name="q1"><input type="submit" id="submitButton"></form><script src="https://s3.amazonaws.com/mturk-public/externalHIT_v1.js"></script><script>turkSetAssignmentID();</script></body></html>]]></HTMLContent><FrameHeight>400</FrameHeight></HTMLQuestion>"#;

async fn hit(t: &TestServer, max: i32) -> String {
    t.create_hit()
        .question(HTML_QUESTION)
        .max_assignments(max)
        .send()
        .await
        .expect("CreateHIT")
        .hit()
        .and_then(|h| h.hit_id())
        .expect("HITId")
        .to_string()
}

async fn submit(agent: &Agent, fields: &[(&str, &str)]) -> common::Raw {
    request(
        agent.site,
        "POST",
        "/mturk/externalSubmit",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form(fields).as_bytes(),
    )
    .await
}

#[tokio::test]
async fn an_invited_worker_signs_in_once_accepts_and_submits_as_mturk_records_it() {
    let t = TestServer::start().await;
    let hit_id = hit(&t, 2).await;
    let (worker, link) = invite(t.addr(), "Ada").await;
    assert!(link.starts_with(&format!("{}/worker/sign-in?token=", t.server.site_url)));
    let agent = Agent::sign_in(t.addr(), &link).await;

    // The link worked once.
    let token = link.split("token=").nth(1).expect("token");
    let again = Agent::new(t.addr())
        .post_form("/worker/sign-in", &[("token", token)])
        .await;
    assert_eq!(again.status, 410, "{}", again.body);
    assert!(again.body.contains("used already"));

    let home = agent.get("/worker/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Test HIT"), "{}", home.body);
    assert!(home.body.contains(&worker));

    let assignment = agent.accept(&hit_id).await.expect("accepted");
    let pending = t.get_hit(&hit_id).await;
    assert_eq!(pending.number_of_assignments_pending(), Some(1));
    assert_eq!(pending.number_of_assignments_available(), Some(1));

    // The task page frames the content origin with MTurk's four parameters, signed.
    let page = agent
        .get(&format!("/worker/assignments/{assignment}"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.replace("&#38;", "&").contains(&format!(
            "{}/dynamic/hit?assignmentId={assignment}&hitId={hit_id}&workerId={worker}&turkSubmitTo=",
            t.server.content_url
        )),
        "{}",
        page.body
    );

    // Submitted without the site's cookie, as a page on another origin does.
    let fields = [
        ("assignmentId", assignment.as_str()),
        ("q1", "blue & green"),
        ("workerId", "forged"),
        ("hitId", hit_id.as_str()),
        ("turkSubmitTo", "x"),
    ];
    let done = submit(&agent, &fields).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("mturk-review:submitted"));
    let twice = submit(&agent, &fields).await;
    assert_eq!(twice.status, 200);
    assert!(twice.body.contains("recorded once"));

    let listed = t
        .client
        .list_assignments_for_hit()
        .hit_id(&hit_id)
        .send()
        .await
        .expect("ListAssignmentsForHIT");
    let assignments = listed.assignments();
    assert_eq!(assignments.len(), 1);
    let a = &assignments[0];
    assert_eq!(a.assignment_id(), Some(assignment.as_str()));
    assert_eq!(a.worker_id(), Some(worker.as_str()));
    assert_eq!(
        a.assignment_status(),
        Some(&aws_sdk_mturk::types::AssignmentStatus::Submitted)
    );
    assert_eq!(
        a.answer(),
        Some(
            r#"<?xml version="1.0" encoding="UTF-8"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"><Answer><QuestionIdentifier>q1</QuestionIdentifier><FreeText>blue &amp; green</FreeText></Answer></QuestionFormAnswers>"#
        )
    );
    assert!(
        a.accept_time().is_some() && a.submit_time().is_some() && a.auto_approval_time().is_some()
    );
    let after = t.get_hit(&hit_id).await;
    assert_eq!(after.number_of_assignments_pending(), Some(0));
    assert_eq!(after.number_of_assignments_available(), Some(1));

    // The worker's page shows it.
    let me = agent.get("/worker/me").await;
    assert!(
        me.body.contains(&assignment) && me.body.contains("Submitted"),
        "{}",
        me.body
    );
    t.stop().await;
}

#[tokio::test]
async fn forms_without_the_sessions_token_or_from_another_origin_change_nothing() {
    let t = TestServer::start().await;
    let hit_id = hit(&t, 1).await;
    let (_, link) = invite(t.addr(), "Bo").await;
    let agent = Agent::sign_in(t.addr(), &link).await;
    let page = agent.get(&format!("/worker/hits/{hit_id}")).await;
    let csrf = Agent::csrf(&page);

    let no_token = agent
        .post_form(&format!("/worker/hits/{hit_id}/accept"), &[])
        .await;
    assert_eq!(no_token.status, 403);
    let wrong = agent
        .post_form(
            &format!("/worker/hits/{hit_id}/accept"),
            &[("csrf", "0000")],
        )
        .await;
    assert_eq!(wrong.status, 403);
    let cookie = agent.cookie.clone().expect("signed in");
    let elsewhere = request(
        t.addr(),
        "POST",
        &format!("/worker/hits/{hit_id}/accept"),
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &cookie),
            ("Origin", "http://evil.example"),
        ],
        form(&[("csrf", &csrf)]).as_bytes(),
    )
    .await;
    assert_eq!(elsewhere.status, 403);
    assert_eq!(
        t.get_hit(&hit_id).await.number_of_assignments_pending(),
        Some(0)
    );

    // The session cookie is out of scripts' reach and not sent by other sites' forms.
    let (_, link) = invite(t.addr(), "Cy").await;
    let fresh = Agent::new(t.addr());
    let token = link.split("token=").nth(1).expect("token");
    let signed = fresh
        .post_form("/worker/sign-in", &[("token", token)])
        .await;
    let set_cookie = signed.header("set-cookie").expect("cookie");
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    assert_eq!(
        page.header("content-security-policy"),
        Some("frame-ancestors 'self'")
    );
    t.stop().await;
}

#[tokio::test]
async fn external_submit_refuses_what_is_not_a_held_assignment_and_records_nothing() {
    let t = TestServer::start().await;
    let hit_id = hit(&t, 2).await;
    let (_, link_a) = invite(t.addr(), "A").await;
    let (_, link_b) = invite(t.addr(), "B").await;
    let a = Agent::sign_in(t.addr(), &link_a).await;
    let b = Agent::sign_in(t.addr(), &link_b).await;
    let held = a.accept(&hit_id).await.expect("accepted");

    let preview = submit(
        &a,
        &[("assignmentId", "ASSIGNMENT_ID_NOT_AVAILABLE"), ("q1", "x")],
    )
    .await;
    assert_eq!(preview.status, 400);
    assert!(preview.body.contains("ACCEPT"), "{}", preview.body);
    let missing = submit(&a, &[("q1", "x")]).await;
    assert_eq!(missing.status, 400);
    let unknown = submit(&a, &[("assignmentId", "3XXXXXXXXXXXXXXXXXXXXXXXXXXXXX")]).await;
    assert_eq!(unknown.status, 409, "{}", unknown.body);
    // Signed in as B, submitting A's assignment.
    let cookie = b.cookie.clone().expect("signed in");
    let theirs = request(
        t.addr(),
        "POST",
        "/mturk/externalSubmit",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &cookie),
        ],
        form(&[("assignmentId", &held), ("q1", "x")]).as_bytes(),
    )
    .await;
    assert_eq!(theirs.status, 409, "{}", theirs.body);
    assert!(theirs.body.contains("another worker"));
    let listed = t
        .client
        .list_assignments_for_hit()
        .hit_id(&hit_id)
        .send()
        .await
        .expect("list");
    assert!(listed.assignments().is_empty());

    // A GET to the doubled-slash path, as pages that append to "turkSubmitTo/" build it.
    let query = form(&[("assignmentId", &held), ("q1", "by get")]);
    let got = request(
        t.addr(),
        "GET",
        &format!("//mturk/externalSubmit?{query}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(got.status, 200, "{}", got.body);
    let listed = t
        .client
        .list_assignments_for_hit()
        .hit_id(&hit_id)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.assignments().len(), 1);
    assert!(
        listed.assignments()[0]
            .answer()
            .unwrap_or_default()
            .contains("by get")
    );
    t.stop().await;
}

#[tokio::test]
async fn returning_frees_the_slot_and_the_content_origin_serves_only_signed_task_links() {
    let t = TestServer::start().await;
    let hit_id = hit(&t, 1).await;
    let (_, link) = invite(t.addr(), "R").await;
    let agent = Agent::sign_in(t.addr(), &link).await;
    let assignment = agent.accept(&hit_id).await.expect("accepted");
    assert_eq!(
        t.get_hit(&hit_id).await.number_of_assignments_available(),
        Some(0)
    );
    let page = agent
        .get(&format!("/worker/assignments/{assignment}"))
        .await;
    let csrf = Agent::csrf(&page);

    // The frame's content, from the other origin, rewritten to submit here.
    let src = page
        .body
        .split("src=\"")
        .find(|s| s.contains("/dynamic/hit"))
        .and_then(|s| s.split('"').next())
        .expect("a framed task")
        .replace("&#38;", "&");
    let content_addr: std::net::SocketAddr = t
        .server
        .content_url
        .trim_start_matches("http://")
        .replace("localhost", "127.0.0.1")
        .parse()
        .expect("an address");
    let content = request(content_addr, "GET", &path_of(&src), &[], b"").await;
    assert_eq!(content.status, 200, "{}", content.body);
    assert_eq!(
        content.header("content-security-policy"),
        Some(format!("frame-ancestors {}", t.server.site_url).as_str())
    );
    assert!(
        !content
            .body
            .contains("https://www.mturk.com/mturk/externalSubmit")
    );
    assert!(!content.body.contains("s3.amazonaws.com"));
    let forged = request(
        content_addr,
        "GET",
        &path_of(&src).replace(&assignment, "3AAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        &[],
        b"",
    )
    .await;
    assert_eq!(forged.status, 403);

    let returned = agent
        .post_form(
            &format!("/worker/assignments/{assignment}/return"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(returned.status, 303, "{}", returned.body);
    assert_eq!(
        t.get_hit(&hit_id).await.number_of_assignments_available(),
        Some(1)
    );
    let late = submit(&agent, &[("assignmentId", &assignment), ("q1", "x")]).await;
    assert_eq!(late.status, 409);
    t.stop().await;
}

#[tokio::test]
async fn open_signup_makes_a_worker_and_signing_out_ends_the_session() {
    let closed = TestServer::start().await;
    let refused = Agent::new(closed.addr())
        .post_form("/worker/sign-up", &[])
        .await;
    assert_eq!(refused.status, 403);
    closed.stop().await;

    let t = TestServer::start_with(mturk_review::server::ServerConfig {
        site: mturk_review::server::SiteConfig {
            open_signup: true,
            ..Default::default()
        },
        ..common::config()
    })
    .await;
    let landing = Agent::new(t.addr()).get("/worker/").await;
    assert!(landing.body.contains("/worker/sign-up"), "{}", landing.body);
    let signed_up = Agent::new(t.addr()).post_form("/worker/sign-up", &[]).await;
    assert_eq!(signed_up.status, 303, "{}", signed_up.body);
    let cookie = signed_up
        .header("set-cookie")
        .expect("a session")
        .split(';')
        .next()
        .expect("name=value")
        .to_string();
    let agent = Agent {
        site: t.addr(),
        cookie: Some(cookie),
    };
    let me = agent.get("/worker/me").await;
    assert_eq!(me.status, 200);
    let id_at = me.body.find("<dd>A").expect("a worker id starting with A");
    let worker = &me.body[id_at + 4..id_at + 4 + 14];
    assert!(mturk_review::rules::is_worker_id(worker), "{worker}");

    let csrf = Agent::csrf(&me);
    let out = agent
        .post_form("/worker/sign-out", &[("csrf", &csrf)])
        .await;
    assert_eq!(out.status, 200);
    assert!(
        out.header("set-cookie")
            .expect("cleared")
            .contains("Max-Age=0")
    );
    assert_eq!(
        agent.get("/worker/me").await.status,
        401,
        "the old cookie no longer works"
    );
    t.stop().await;
}

#[tokio::test]
async fn after_a_submission_the_worker_is_offered_the_next_hit_of_the_same_type() {
    let t = TestServer::start().await;
    let first = hit(&t, 1).await;
    let second = hit(&t, 1).await;
    let (_, link) = invite(t.addr(), "Next").await;
    let agent = Agent::sign_in(t.addr(), &link).await;
    let assignment = agent.accept(&first).await.expect("accepted");
    let done = submit(&agent, &[("assignmentId", &assignment), ("q1", "x")]).await;
    assert_eq!(done.status, 200);
    let page = agent
        .get(&format!("/worker/assignments/{assignment}/done"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains(&format!("href=\"/worker/hits/{second}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains("Next HIT in this group"));
    t.stop().await;
}

/// The site's refusals reach the browser as the site wrote them, even on a connection the
/// client closes: the edge replaces only the bare errors hyper writes itself.
#[tokio::test]
async fn a_wrong_method_on_a_site_page_is_the_sites_own_answer() {
    let t = TestServer::start().await;
    let (_, link) = invite(t.addr(), "Ada").await;
    let agent = Agent::sign_in(t.addr(), &link).await;
    let answer = request(agent.site, "DELETE", "/worker/me", &[], b"").await;
    assert_eq!(answer.status, 405, "{}", answer.body);
    assert!(
        answer.body.contains("does not take that method"),
        "{}",
        answer.body
    );
}
