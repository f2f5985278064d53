//! The worker site in a real browser (headless Chromium over WebDriver): a worker signs in
//! with a link, finds a HIT, previews it (where it can't be submitted), accepts, does and
//! submits it, for each kind of question; the requester then reads the exact Answer through
//! aws-sdk-mturk. Also: a hostile HTMLQuestion can read neither the site's cookie nor its
//! page, nor move the worker's window. Screenshots go to target/tmp/site-screenshots/.
//! Without chromium and chromedriver every test says it skipped.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use fantoccini::Locator;

use common::TestServer;
use common::browser::{Browser, WAIT, wait_for};
use common::site::invite;

fn screenshot_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("site-screenshots")
        .join(format!("{name}.png"))
}

async fn path(browser: &Browser) -> String {
    browser
        .client
        .current_url()
        .await
        .expect("a URL")
        .path()
        .to_string()
}

/// Opens the sign-in link and presses its button: the worker is on the work list.
async fn sign_in(browser: &Browser, t: &TestServer, name: &str) -> String {
    let (worker, link) = invite(t.addr(), name).await;
    browser.client.goto(&link).await.expect("open the link");
    browser
        .css("form[action='/worker/sign-in'] button")
        .await
        .click()
        .await
        .expect("sign in");
    wait_for("the work list", WAIT, async || {
        (path(browser).await == "/worker/").then_some(())
    })
    .await;
    worker
}

/// From the work list: the HIT titled `title`, previewed, then accepted; the frame's
/// document is entered.
async fn accept_from_list(browser: &Browser, title: &str) {
    browser.client.refresh().await.expect("reload the list");
    browser
        .client
        .find(Locator::LinkText(title))
        .await
        .unwrap_or_else(|e| panic!("{title} is not listed: {e}"))
        .click()
        .await
        .expect("open the preview");
    browser
        .css("form[action$='/accept'] button")
        .await
        .click()
        .await
        .expect("accept");
    wait_for("the accepted task", WAIT, async || {
        path(browser)
            .await
            .starts_with("/worker/assignments/")
            .then_some(())
    })
    .await;
    enter_task(browser).await;
}

async fn enter_task(browser: &Browser) {
    browser
        .css("iframe#task")
        .await
        .enter_frame()
        .await
        .expect("into the task frame");
}

async fn leave_task(browser: &Browser) {
    browser
        .client
        .enter_parent_frame()
        .await
        .expect("out of the frame");
}

/// After a submit in the frame, the site moves the worker on to the submitted page.
async fn wait_until_submitted(browser: &Browser) {
    leave_task(browser).await;
    wait_for("the submitted page", WAIT, async || {
        path(browser).await.ends_with("/done").then_some(())
    })
    .await;
    let text = browser.css("main").await.text().await.expect("text");
    assert!(text.contains("Submitted"), "{text}");
}

async fn answers(t: &TestServer, hit_id: &str) -> Vec<String> {
    t.client
        .list_assignments_for_hit()
        .hit_id(hit_id)
        .send()
        .await
        .expect("ListAssignmentsForHIT")
        .assignments()
        .iter()
        .map(|a| a.answer().unwrap_or_default().to_string())
        .collect()
}

async fn hit_with(t: &TestServer, title: &str, question: &str, max: i32) -> String {
    t.create_hit()
        .title(title)
        .question(question)
        .max_assignments(max)
        .send()
        .await
        .expect("CreateHIT")
        .hit()
        .and_then(|h| h.hit_id())
        .expect("HITId")
        .to_string()
}

fn html_question(html: &str) -> String {
    format!(
        r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{html}</body></html>]]></HTMLContent><FrameHeight>500</FrameHeight></HTMLQuestion>"#
    )
}

const ANSWERS_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">"#;

const CLASSIC_FORM: &str = r#"<form name="mturk_form" method="post" id="mturk_form" action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" value="" name="assignmentId" id="assignmentId">
<h2>Which colour is the sky?</h2>
<label>Colour <input name="colour" id="colour"></label>
<p><input type="submit" id="submitButton" value="Submit"></p>
</form>
<script src="https://s3.amazonaws.com/mturk-public/externalHIT_v1.js"></script>
<script>turkSetAssignmentID();</script>"#;

#[tokio::test]
async fn a_worker_signs_in_previews_accepts_and_submits_an_html_question() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let t = TestServer::start().await;
    let hit = hit_with(
        &t,
        "Name the colour of the sky",
        &html_question(CLASSIC_FORM),
        2,
    )
    .await;
    let worker = sign_in(&browser, &t, "Ada").await;
    let header = browser.css("header").await.text().await.expect("text");
    assert!(header.contains(&worker), "{header}");
    browser.screenshot(&screenshot_path("find")).await;

    browser
        .client
        .find(Locator::LinkText("Name the colour of the sky"))
        .await
        .expect("listed")
        .click()
        .await
        .expect("preview");
    // The preview: the task's own submit button is disabled by our externalHIT_v1.js.
    enter_task(&browser).await;
    let submit = browser.css("#submitButton").await;
    wait_for("the preview's disabled submit", WAIT, async || {
        (submit.attr("disabled").await.ok().flatten().is_some()).then_some(())
    })
    .await;
    let value = submit
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert!(value.contains("ACCEPT"), "{value}");
    leave_task(&browser).await;
    browser.screenshot(&screenshot_path("preview")).await;

    browser
        .css("form[action$='/accept'] button")
        .await
        .click()
        .await
        .expect("accept");
    wait_for("the accepted task", WAIT, async || {
        path(&browser)
            .await
            .starts_with("/worker/assignments/")
            .then_some(())
    })
    .await;
    let assignment = path(&browser)
        .await
        .rsplit('/')
        .next()
        .expect("id")
        .to_string();
    enter_task(&browser).await;
    browser
        .css("#colour")
        .await
        .send_keys("Blue <&> grey")
        .await
        .expect("type");
    leave_task(&browser).await;
    browser.screenshot(&screenshot_path("task")).await;
    enter_task(&browser).await;
    browser
        .css("#submitButton")
        .await
        .click()
        .await
        .expect("submit");
    wait_until_submitted(&browser).await;
    browser.screenshot(&screenshot_path("submitted")).await;
    // The next HIT of the group is offered: the HIT has a second slot, but not for this worker.
    let page = browser.css("main").await.text().await.expect("text");
    assert!(!page.contains("Next HIT in this group"), "{page}");

    assert_eq!(
        answers(&t, &hit).await,
        [format!(
            "{ANSWERS_HEAD}<Answer><QuestionIdentifier>colour</QuestionIdentifier><FreeText>Blue &lt;&amp;&gt; grey</FreeText></Answer></QuestionFormAnswers>"
        )]
    );
    let listed = t
        .client
        .list_assignments_for_hit()
        .hit_id(&hit)
        .send()
        .await
        .expect("list");
    assert_eq!(
        listed.assignments()[0].assignment_id(),
        Some(assignment.as_str())
    );

    // Back and submit again: still one submission.
    browser.client.back().await.expect("back");
    browser
        .client
        .goto(&format!("{}/worker/me", t.server.site_url))
        .await
        .expect("my work");
    let me = browser.css("main").await.text().await.expect("text");
    assert!(me.contains("Submitted"), "{me}");
    browser.screenshot(&screenshot_path("my-work")).await;
    assert_eq!(answers(&t, &hit).await.len(), 1);
    browser.close().await;
    t.stop().await;
}

#[tokio::test]
async fn a_crowd_form_hit_is_done_in_the_site_and_answered_as_task_answers() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let t = TestServer::start().await;
    let question = html_question(
        r#"<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-classifier name="sentiment" categories="['Positive', 'Negative']" header="What is the sentiment?">
    <classification-target>Loved the ending.</classification-target>
  </crowd-classifier>
  <crowd-input name="comment" label="Why?" required></crowd-input>
</crowd-form>"#,
    );
    let hit = hit_with(&t, "Sentiment of a review", &question, 1).await;
    sign_in(&browser, &t, "Bo").await;
    accept_from_list(&browser, "Sentiment of a review").await;
    browser
        .css("crowd-classifier input[value=Positive]")
        .await
        .click()
        .await
        .expect("choose Positive");
    browser
        .css("crowd-input[name=comment] input")
        .await
        .send_keys("The music")
        .await
        .expect("type");
    leave_task(&browser).await;
    browser.screenshot(&screenshot_path("crowd-form")).await;
    enter_task(&browser).await;
    // crowd-form added its own Submit button.
    browser
        .css("crowd-form button[type=submit]")
        .await
        .click()
        .await
        .expect("submit");
    wait_until_submitted(&browser).await;
    let recorded = answers(&t, &hit).await;
    assert_eq!(recorded.len(), 1);
    assert!(
        recorded[0].contains(
            r#"<QuestionIdentifier>taskAnswers</QuestionIdentifier><FreeText>[{"comment":"The music","sentiment":{"label":"Positive"}}]</FreeText>"#
        ) || recorded[0].contains(
            r#"<QuestionIdentifier>taskAnswers</QuestionIdentifier><FreeText>[{"sentiment":{"label":"Positive"},"comment":"The music"}]</FreeText>"#
        ),
        "{}",
        recorded[0]
    );
    browser.close().await;
    t.stop().await;
}

const QUESTION_FORM: &str = r#"<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
<Overview><Title>Street signs</Title><Text>Look at the sign &amp; answer.</Text></Overview>
<Question><QuestionIdentifier>zip</QuestionIdentifier><DisplayName>ZIP code</DisplayName><IsRequired>true</IsRequired>
<QuestionContent><Text>Which ZIP code is on the sign?</Text></QuestionContent>
<AnswerSpecification><FreeTextAnswer><Constraints><AnswerFormatRegex regex="^[0-9]{5}$" errorText="Five digits, please."/></Constraints></FreeTextAnswer></AnswerSpecification></Question>
<Question><QuestionIdentifier>kind</QuestionIdentifier><DisplayName>Kind</DisplayName><IsRequired>true</IsRequired>
<QuestionContent><Text>What kind of sign is it?</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>
<Selection><SelectionIdentifier>stop</SelectionIdentifier><Text>Stop</Text></Selection>
<Selection><SelectionIdentifier>yield</SelectionIdentifier><Text>Yield</Text></Selection>
</Selections></SelectionAnswer></AnswerSpecification></Question>
</QuestionForm>"#;

#[tokio::test]
async fn a_question_form_is_rendered_checked_in_the_browser_and_answered_as_mturk() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let t = TestServer::start().await;
    let hit = hit_with(&t, "Read a street sign", QUESTION_FORM, 1).await;
    sign_in(&browser, &t, "Cy").await;
    accept_from_list(&browser, "Read a street sign").await;
    let zip = browser.css("input[name='q.zip']").await;
    zip.send_keys("98I01").await.expect("type");
    browser
        .css("input[name='q.kind'][value='yield']")
        .await
        .click()
        .await
        .expect("choose");
    let checked = browser
        .js(
            "return document.querySelector(\"input[value='yield']\").checked",
            vec![],
        )
        .await;
    assert_eq!(checked, serde_json::json!(true));
    browser
        .css("form button[type='submit'], form input[type='submit']")
        .await
        .click()
        .await
        .expect("submit");
    // Refused in the browser, with the form's own message; nothing reaches the server.
    let body = wait_for("the error message", WAIT, async || {
        let text = browser.css("body").await.text().await.ok()?;
        text.contains("Five digits, please.").then_some(text)
    })
    .await;
    assert!(body.contains("Street signs"));
    leave_task(&browser).await;
    browser.screenshot(&screenshot_path("question-form")).await;
    assert!(answers(&t, &hit).await.is_empty());
    enter_task(&browser).await;
    let zip = browser.css("input[name='q.zip']").await;
    zip.clear().await.expect("clear");
    zip.send_keys("98101").await.expect("type");
    browser
        .css("form button[type='submit'], form input[type='submit']")
        .await
        .click()
        .await
        .expect("submit");
    wait_until_submitted(&browser).await;
    assert_eq!(
        answers(&t, &hit).await,
        [format!(
            "{ANSWERS_HEAD}<Answer><QuestionIdentifier>zip</QuestionIdentifier><FreeText>98101</FreeText></Answer><Answer><QuestionIdentifier>kind</QuestionIdentifier><SelectionIdentifier>yield</SelectionIdentifier></Answer></QuestionFormAnswers>"
        )]
    );
    browser.close().await;
    t.stop().await;
}

/// A requester's own task server, on another origin, as psiTurk's or Mephisto's is: its page
/// reads MTurk's parameters and posts to turkSubmitTo.
async fn requester_server() -> String {
    let page = r#"<!DOCTYPE html><html><body>
<p id="mode"></p>
<form id="f" method="post"><input type="hidden" name="assignmentId" id="assignmentId">
<input name="answer" id="answer"><button id="send" type="submit">Send</button></form>
<script>
const p = new URLSearchParams(location.search);
document.getElementById("mode").textContent = p.get("workerId") ? "working" : "preview";
document.getElementById("assignmentId").value = p.get("assignmentId");
document.getElementById("f").action = p.get("turkSubmitTo") + "/mturk/externalSubmit";
document.getElementById("send").disabled = !p.get("workerId");
</script></body></html>"#;
    let app = Router::new().route("/task", get(move || async move { Html(page) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/task?study=7")
}

#[tokio::test]
async fn an_external_question_page_on_another_origin_gets_the_parameters_and_submits_here() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let t = TestServer::start().await;
    let url = requester_server().await;
    let question = format!(
        r#"<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>{}</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>"#,
        url.replace('&', "&amp;")
    );
    let hit = hit_with(&t, "An external study", &question, 1).await;
    let worker = sign_in(&browser, &t, "Di").await;
    browser
        .client
        .find(Locator::LinkText("An external study"))
        .await
        .expect("listed")
        .click()
        .await
        .expect("preview");
    let frame = browser.css("iframe#task").await;
    let src = frame.attr("src").await.expect("src").expect("a src");
    assert!(
        src.starts_with(&format!(
            "{url}&assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE&hitId={hit}&turkSubmitTo="
        )),
        "{src}"
    );
    assert!(
        !src.contains("workerId"),
        "a preview has no workerId: {src}"
    );
    enter_task(&browser).await;
    assert_eq!(
        browser.css("#mode").await.text().await.expect("text"),
        "preview"
    );
    leave_task(&browser).await;
    browser
        .css("form[action$='/accept'] button")
        .await
        .click()
        .await
        .expect("accept");
    wait_for("the accepted task", WAIT, async || {
        path(&browser)
            .await
            .starts_with("/worker/assignments/")
            .then_some(())
    })
    .await;
    let src = browser
        .css("iframe#task")
        .await
        .attr("src")
        .await
        .expect("src")
        .expect("a src");
    assert!(
        src.contains(&format!("&workerId={worker}&turkSubmitTo=")),
        "{src}"
    );
    enter_task(&browser).await;
    assert_eq!(
        browser.css("#mode").await.text().await.expect("text"),
        "working"
    );
    browser
        .css("#answer")
        .await
        .send_keys("done")
        .await
        .expect("type");
    browser.css("#send").await.click().await.expect("send");
    wait_until_submitted(&browser).await;
    let recorded = answers(&t, &hit).await;
    assert_eq!(
        recorded,
        [format!(
            "{ANSWERS_HEAD}<Answer><QuestionIdentifier>answer</QuestionIdentifier><FreeText>done</FreeText></Answer></QuestionFormAnswers>"
        )]
    );
    browser.close().await;
    t.stop().await;
}

#[tokio::test]
async fn a_hostile_html_question_cannot_read_the_site_or_move_the_worker() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let t = TestServer::start().await;
    let hostile = html_question(
        r#"<form name="mturk_form" method="post" id="mturk_form" action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" name="assignmentId" id="assignmentId">
<input name="cookie" id="cookie"><input name="parent" id="parent"><input name="top" id="top">
<input type="submit" id="submitButton"></form>
<script src="https://s3.amazonaws.com/mturk-public/externalHIT_v1.js"></script>
<script>
turkSetAssignmentID();
document.getElementById("cookie").value = "[" + document.cookie + "]";
try { document.getElementById("parent").value = parent.document.cookie || "read"; }
catch (e) { document.getElementById("parent").value = "blocked"; }
try { window.top.location.href = "http://127.0.0.1:9/stolen"; document.getElementById("top").value = "moved"; }
catch (e) { document.getElementById("top").value = "blocked"; }
</script>"#,
    );
    let hit = hit_with(&t, "A hostile task", &hostile, 1).await;
    sign_in(&browser, &t, "Eve").await;
    accept_from_list(&browser, "A hostile task").await;
    leave_task(&browser).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let top = browser.client.current_url().await.expect("url");
    assert!(
        top.as_str().starts_with(&t.server.site_url),
        "the worker's window moved to {top}"
    );
    assert!(
        browser
            .client
            .get_named_cookie("mturk_review_session")
            .await
            .is_ok(),
        "still signed in"
    );
    enter_task(&browser).await;
    browser
        .css("#submitButton")
        .await
        .click()
        .await
        .expect("submit");
    wait_until_submitted(&browser).await;
    let recorded = answers(&t, &hit).await;
    assert_eq!(
        recorded,
        [format!(
            "{ANSWERS_HEAD}<Answer><QuestionIdentifier>cookie</QuestionIdentifier><FreeText>[]</FreeText></Answer><Answer><QuestionIdentifier>parent</QuestionIdentifier><FreeText>blocked</FreeText></Answer><Answer><QuestionIdentifier>top</QuestionIdentifier><FreeText>blocked</FreeText></Answer></QuestionFormAnswers>"
        )]
    );
    browser.close().await;
    t.stop().await;
}
