//! Our Crowd HTML Elements and externalHIT_v1.js in a real browser (headless Chromium over
//! WebDriver): a tiny server on 127.0.0.1 serves task pages and the two scripts, as the
//! content origin will, and records what reaches its `/mturk/externalSubmit`. Skipped, saying
//! so, where chromium and chromedriver are not installed.
// The helpers fail the test when something is not as expected.
#![allow(clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Form, Router};
use common::browser::{Browser, WAIT, wait_for};
use fantoccini::Locator;
use fantoccini::key::Key;
use mturk_review::server::site::task_html::{
    Assets, CROWD_ELEMENTS_JS, EXTERNAL_HIT_JS, rewrite_html_question,
};
use serde_json::{Value, json};

const PREVIEW_TEXT: &str = "You must ACCEPT the HIT before you can submit the results.";

type Fields = Vec<(String, String)>;

#[derive(Clone)]
struct Site {
    pages: Arc<Vec<(&'static str, String)>>,
    submitted: Arc<Mutex<Vec<Fields>>>,
    addr: SocketAddr,
}

/// Serves `pages` at `/page/NAME` as they are and at `/rewritten/NAME` through
/// `rewrite_html_question`, our scripts under `/assets/`, and records submissions.
async fn serve(pages: Vec<(&'static str, String)>) -> Site {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let site = Site {
        pages: Arc::new(pages),
        submitted: Arc::default(),
        addr: listener.local_addr().expect("addr"),
    };
    let app = Router::new()
        .route("/page/{name}", get(page))
        .route("/rewritten/{name}", get(rewritten))
        .route(
            "/assets/crowd-html-elements.js",
            get(|| async { ([("content-type", "text/javascript")], CROWD_ELEMENTS_JS) }),
        )
        .route(
            "/assets/externalHIT_v1.js",
            get(|| async { ([("content-type", "text/javascript")], EXTERNAL_HIT_JS) }),
        )
        .route("/mturk/externalSubmit", post(submit))
        .with_state(site.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    site
}

fn html_of(site: &Site, name: &str) -> String {
    site.pages
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, html)| html.clone())
        .unwrap_or_else(|| panic!("no page {name}"))
}

async fn page(State(site): State<Site>, Path(name): Path<String>) -> Html<String> {
    Html(html_of(&site, &name))
}

async fn rewritten(State(site): State<Site>, Path(name): Path<String>) -> Html<String> {
    let assets = Assets {
        external_hit_js: format!("http://{}/assets/externalHIT_v1.js", site.addr),
        crowd_elements_js: format!("http://{}/assets/crowd-html-elements.js", site.addr),
        submit_url: None,
    };
    Html(rewrite_html_question(&html_of(&site, &name), &assets))
}

async fn submit(State(site): State<Site>, Form(fields): Form<Fields>) -> Html<&'static str> {
    site.submitted.lock().expect("lock").push(fields);
    Html("<p id=\"done\">Thank you, your work was submitted.</p>")
}

impl Site {
    /// The task page `name` as a worker who accepted it opens it (`assignmentId` A1), or in
    /// preview when `assignment_id` is MTurk's ASSIGNMENT_ID_NOT_AVAILABLE.
    fn url(&self, route: &str, name: &str, assignment_id: &str) -> String {
        let turk_submit_to: String = percent_encoding::utf8_percent_encode(
            &format!("http://{}", self.addr),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        let worker = if assignment_id == "ASSIGNMENT_ID_NOT_AVAILABLE" {
            String::new()
        } else {
            "&workerId=W1".to_string()
        };
        format!(
            "http://{}/{route}/{name}?assignmentId={assignment_id}&hitId=H1{worker}&turkSubmitTo={turk_submit_to}",
            self.addr
        )
    }

    fn submissions(&self) -> Vec<Fields> {
        self.submitted.lock().expect("lock").clone()
    }

    /// Waits for the one submission the page should make.
    async fn submission(&self) -> Fields {
        wait_for("a submission", WAIT, async || {
            let all = self.submissions();
            assert!(all.len() <= 1, "more than one submission: {all:?}");
            all.into_iter().next()
        })
        .await
    }
}

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn names(fields: &Fields) -> Vec<&str> {
    fields.iter().map(|(n, _)| n.as_str()).collect()
}

/// The one object of the taskAnswers array a crowd-form submitted.
fn task_answers(fields: &Fields) -> Value {
    assert_eq!(names(fields), ["assignmentId", "taskAnswers"], "{fields:?}");
    let answers: Value =
        serde_json::from_str(field(fields, "taskAnswers").expect("taskAnswers")).expect("JSON");
    let list = answers.as_array().expect("an array");
    assert_eq!(list.len(), 1, "{answers}");
    list[0].clone()
}

fn crowd_page(body: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>Task</title>
<script src="/assets/crowd-html-elements.js"></script></head>
<body>{body}</body></html>"#
    )
}

/// Gives a page's scripts a moment, then checks that nothing was submitted: a refused submit
/// leaves no trace to wait for.
async fn assert_nothing_submitted(site: &Site) {
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(site.submissions(), Vec::<Fields>::new());
}

const EVERY_ELEMENT: &str = r#"
<crowd-form>
  <crowd-instructions link-text="View instructions" link-type="button">
    <short-summary><p>Say what you thought of the film.</p></short-summary>
    <detailed-instructions><p>Read the review, then answer each question.</p></detailed-instructions>
    <positive-example><p>Positive: "I loved it."</p></positive-example>
    <negative-example><p>Not positive: "It was long."</p></negative-example>
  </crowd-instructions>
  <crowd-classifier name="sentiment" categories="['Positive', 'Negative', 'Neutral']"
      header="What is the sentiment of this review?">
    <classification-target>The ending was wonderful, and so was the music.</classification-target>
    <short-instructions>Choose the sentiment the review expresses.</short-instructions>
  </crowd-classifier>
  <crowd-text-area name="comment" label="Why?" rows="3" char-counter></crowd-text-area>
  <p>How sure are you?</p>
  <crowd-slider name="confidence" min="1" max="5" step="1" pin></crowd-slider>
  <crowd-input name="title" label="A title for the review"></crowd-input>
  <crowd-input name="unused" label="Anything else? (optional)"></crowd-input>
  <p>What stood out?</p>
  <crowd-checkbox name="parts" value="music">The music</crowd-checkbox>
  <crowd-checkbox name="parts" value="acting">The acting</crowd-checkbox>
  <p>Would you recommend it?</p>
  <crowd-radio-group>
    <crowd-radio-button name="recommend" value="yes">Yes</crowd-radio-button>
    <crowd-radio-button name="dissuade" value="no">No</crowd-radio-button>
  </crowd-radio-group>
  <p><crowd-toggle-button name="spoilers"></crowd-toggle-button> The review has spoilers</p>
  <crowd-button form-action="submit" variant="primary">Send my answers</crowd-button>
</crowd-form>"#;

#[tokio::test]
async fn a_crowd_form_submits_every_element_as_one_task_answers_object() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let site = serve(vec![("every", crowd_page(EVERY_ELEMENT))]).await;
    let c = &browser.client;
    c.goto(&site.url("page", "every", "A1"))
        .await
        .expect("goto");
    browser
        .css("crowd-classifier input[value=Positive]")
        .await
        .click()
        .await
        .expect("choose Positive");
    browser
        .css("crowd-text-area[name=comment] textarea")
        .await
        .send_keys("Loved the ending & the music")
        .await
        .expect("type the comment");
    // To the minimum (1), then three steps right.
    browser
        .css("crowd-slider[name=confidence] input[type=range]")
        .await
        .send_keys(&format!(
            "{}{}{}{}",
            Key::Home,
            Key::Right,
            Key::Right,
            Key::Right
        ))
        .await
        .expect("move the slider");
    browser
        .css("crowd-input[name=title] input")
        .await
        .send_keys("Worth it")
        .await
        .expect("type the title");
    browser
        .css("crowd-checkbox[value=music] input")
        .await
        .click()
        .await
        .expect("check music");
    browser
        .css("crowd-radio-button[name=recommend] input")
        .await
        .click()
        .await
        .expect("choose yes");
    browser
        .css("crowd-toggle-button[name=spoilers] label")
        .await
        .click()
        .await
        .expect("toggle spoilers");
    browser
        .css("crowd-instructions button")
        .await
        .click()
        .await
        .expect("open the instructions");
    browser.screenshot(&screenshot_path("crowd-form.png")).await;
    browser
        .js("window.scrollTo(0, document.body.scrollHeight)", vec![])
        .await;
    browser
        .screenshot(&screenshot_path("crowd-form-end.png"))
        .await;
    let submit = browser.css("crowd-button button[type=submit]").await;
    assert_eq!(submit.text().await.expect("text"), "Send my answers");
    submit.click().await.expect("submit");

    let fields = site.submission().await;
    assert_eq!(field(&fields, "assignmentId"), Some("A1"));
    assert_eq!(
        task_answers(&fields),
        json!({
            "sentiment": { "label": "Positive" },
            "comment": "Loved the ending & the music",
            "confidence": 4,
            "title": "Worth it",
            "parts": { "music": true, "acting": false },
            "recommend": { "yes": true },
            "dissuade": { "no": false },
            "spoilers": { "on": true }
        })
    );
    browser.close().await;
}

fn screenshot_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("site-screenshots")
        .join(name)
}

#[tokio::test]
async fn a_crowd_form_without_a_submit_button_gets_one() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let site = serve(vec![(
        "bare",
        crowd_page(
            r#"<crowd-form><crowd-input name="word" label="One word"></crowd-input></crowd-form>"#,
        ),
    )])
    .await;
    browser
        .client
        .goto(&site.url("page", "bare", "A1"))
        .await
        .expect("goto");
    browser
        .css("crowd-input[name=word] input")
        .await
        .send_keys("hello")
        .await
        .expect("type");
    let buttons = browser
        .client
        .find_all(Locator::Css("crowd-form button[type=submit]"))
        .await
        .expect("find");
    assert_eq!(buttons.len(), 1);
    assert_eq!(buttons[0].text().await.expect("text"), "Submit");
    buttons[0].click().await.expect("submit");
    let fields = site.submission().await;
    assert_eq!(task_answers(&fields), json!({ "word": "hello" }));
    browser.close().await;
}

#[tokio::test]
async fn in_preview_a_crowd_form_cannot_be_submitted() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let site = serve(vec![(
        "preview",
        crowd_page(r#"<crowd-form><crowd-input name="word"></crowd-input></crowd-form>"#),
    )])
    .await;
    browser
        .client
        .goto(&site.url("page", "preview", "ASSIGNMENT_ID_NOT_AVAILABLE"))
        .await
        .expect("goto");
    let submit = browser.css("crowd-form button[type=submit]").await;
    wait_for("the preview text", WAIT, async || {
        (submit.text().await.ok()? == PREVIEW_TEXT).then_some(())
    })
    .await;
    assert!(!submit.is_enabled().await.expect("enabled?"));
    // Neither Enter in a field nor the element's own submit() gets through.
    browser
        .css("crowd-input input")
        .await
        .send_keys(&format!("word{}", Key::Enter))
        .await
        .expect("type");
    browser
        .js("document.querySelector('crowd-form').submit()", vec![])
        .await;
    assert_nothing_submitted(&site).await;
    browser.close().await;
}

#[tokio::test]
async fn required_elements_block_the_submit_until_they_are_answered() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let site = serve(vec![(
        "required",
        crowd_page(
            r#"<crowd-form>
  <crowd-input name="word" label="One word" required></crowd-input>
  <crowd-checkbox name="agree" required>I agree</crowd-checkbox>
  <crowd-classifier name="kind" categories='["cat", "dog"]' header="Which?"></crowd-classifier>
</crowd-form>"#,
        ),
    )])
    .await;
    browser
        .client
        .goto(&site.url("page", "required", "A1"))
        .await
        .expect("goto");
    let submit = browser.css("crowd-form button[type=submit]").await;
    submit.click().await.expect("submit");
    assert_nothing_submitted(&site).await;
    let invalid = browser
        .js(
            "return Array.from(document.querySelectorAll('crowd-form input:invalid')).map(e => e.closest('crowd-input, crowd-checkbox, crowd-classifier').tagName.toLowerCase())",
            vec![],
        )
        .await;
    assert_eq!(
        invalid,
        json!([
            "crowd-input",
            "crowd-checkbox",
            "crowd-classifier",
            "crowd-classifier"
        ])
    );

    browser
        .css("crowd-input input")
        .await
        .send_keys("yes")
        .await
        .expect("type");
    browser
        .css("crowd-checkbox input")
        .await
        .click()
        .await
        .expect("check");
    submit.click().await.expect("submit");
    assert_nothing_submitted(&site).await;
    browser
        .css("crowd-classifier input[value=dog]")
        .await
        .click()
        .await
        .expect("choose");
    submit.click().await.expect("submit");
    let fields = site.submission().await;
    assert_eq!(
        task_answers(&fields),
        json!({ "word": "yes", "agree": { "on": true }, "kind": { "label": "dog" } })
    );
    browser.close().await;
}

#[tokio::test]
async fn an_unsupported_element_shows_a_notice_and_blocks_the_submit() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let site = serve(vec![(
        "boxes",
        crowd_page(
            r#"<crowd-form>
  <crowd-bounding-box name="annotatedResult" src="cat.png" labels="['cat']"></crowd-bounding-box>
  <crowd-input name="note"></crowd-input>
</crowd-form>
<crowd-form><crowd-input name="feedback" label="Feedback"></crowd-input></crowd-form>"#,
        ),
    )])
    .await;
    browser
        .client
        .goto(&site.url("page", "boxes", "A1"))
        .await
        .expect("goto");
    let notice = browser.css(".crowd-unsupported").await;
    let notices = browser
        .client
        .find_all(Locator::Css(".crowd-unsupported"))
        .await
        .expect("find");
    assert_eq!(
        notices.len(),
        1,
        "one notice per element, however many forms"
    );
    assert_eq!(
        notice.text().await.expect("text"),
        "This task uses crowd-bounding-box, which this server does not support yet; your answer for it would be lost, so the form can't be submitted."
    );
    assert!(notice.is_displayed().await.expect("displayed?"));
    // An answer anywhere on the page would be lost: neither form may be sent.
    let submits = browser
        .client
        .find_all(Locator::Css("crowd-form button[type=submit]"))
        .await
        .expect("find");
    assert_eq!(submits.len(), 2);
    for submit in &submits {
        wait_for("the submit to be disabled", WAIT, async || {
            (!submit.is_enabled().await.ok()?).then_some(())
        })
        .await;
    }
    browser
        .js(
            "document.querySelectorAll('crowd-form').forEach(f => f.submit())",
            vec![],
        )
        .await;
    assert_nothing_submitted(&site).await;
    browser.close().await;
}

#[tokio::test]
async fn a_page_can_cancel_a_crowd_form_submit_and_flatten_its_answers() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let site = serve(vec![(
        "flat",
        crowd_page(
            r#"<crowd-form answer-format="flatten-objects">
  <crowd-classifier name="sentiment" categories="['Positive', 'Negative']" header="Sentiment?"></crowd-classifier>
  <crowd-checkbox name="flags" value="sarcastic">Sarcastic</crowd-checkbox>
  <crowd-slider name="score" min="0" max="10" value="7"></crowd-slider>
</crowd-form>
<script>
  var tries = 0;
  document.querySelector('crowd-form').onsubmit = function (e) {
    tries += 1;
    if (tries === 1) { e.preventDefault(); }
  };
</script>"#,
        ),
    )])
    .await;
    browser
        .client
        .goto(&site.url("page", "flat", "A1"))
        .await
        .expect("goto");
    browser
        .css("crowd-classifier input[value=Negative]")
        .await
        .click()
        .await
        .expect("choose");
    let submit = browser.css("crowd-form button[type=submit]").await;
    submit.click().await.expect("submit");
    assert_nothing_submitted(&site).await;
    submit.click().await.expect("submit again");
    let fields = site.submission().await;
    assert_eq!(
        fields,
        [
            ("assignmentId", "A1"),
            ("sentiment.label", "Negative"),
            ("flags.sarcastic", "false"),
            ("score", "7"),
        ]
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .to_vec()
    );
    browser.close().await;
}

/// A page as MTurk's HTMLQuestion examples write it.
fn mturk_page(script_src: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8">
<script type="text/javascript" src="{script_src}"></script></head><body>
<form name="mturk_form" method="post" id="mturk_form" action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" value="" name="assignmentId" id="assignmentId"/>
<p>Where do you live? <input type="text" name="country" id="country"></p>
<p><input type="submit" id="submitButton" value="Submit"></p>
</form>
<script language="Javascript">turkSetAssignmentID();</script>
</body></html>"#
    )
}

#[tokio::test]
async fn external_hit_fills_the_assignment_id_and_points_the_form_here() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let site = serve(vec![("mturk", mturk_page("/assets/externalHIT_v1.js"))]).await;
    let c = &browser.client;
    c.goto(&site.url("page", "mturk", "A1"))
        .await
        .expect("goto");
    let state = browser
        .js(
            "return [document.getElementById('assignmentId').value, document.getElementById('mturk_form').action, turkGetParam('hitId', 'none'), turkGetParam('missing', 'none')]",
            vec![],
        )
        .await;
    assert_eq!(
        state,
        json!([
            "A1",
            format!("http://{}/mturk/externalSubmit", site.addr),
            "H1",
            "none"
        ])
    );
    browser
        .css("#country")
        .await
        .send_keys("United States")
        .await
        .expect("type");
    browser
        .css("#submitButton")
        .await
        .click()
        .await
        .expect("submit");
    let fields = site.submission().await;
    assert_eq!(field(&fields, "assignmentId"), Some("A1"));
    assert_eq!(field(&fields, "country"), Some("United States"));
    browser.close().await;
}

#[tokio::test]
async fn external_hit_disables_the_submit_button_in_preview() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let site = serve(vec![("mturk", mturk_page("/assets/externalHIT_v1.js"))]).await;
    browser
        .client
        .goto(&site.url("page", "mturk", "ASSIGNMENT_ID_NOT_AVAILABLE"))
        .await
        .expect("goto");
    let button = browser.css("#submitButton").await;
    assert!(!button.is_enabled().await.expect("enabled?"));
    assert_eq!(
        button.prop("value").await.expect("value").as_deref(),
        Some(PREVIEW_TEXT)
    );
    browser.close().await;
}

#[tokio::test]
async fn rewritten_pages_load_our_scripts_and_submit_here() {
    let Some(browser) = Browser::start_or_skip().await else {
        return;
    };
    let without_script = r#"<form method="post" action="https://workersandbox.mturk.com/mturk/externalSubmit">
<input type="hidden" name="assignmentId" value="">
<input name="answer" id="answer"><input type="submit" id="go"></form>"#;
    let site = serve(vec![
        (
            "with-script",
            mturk_page("https://s3.amazonaws.com/mturk-public/externalHIT_v1.js"),
        ),
        ("without-script", without_script.to_string()),
        (
            "crowd",
            r#"<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form action="https://www.mturk.com/mturk/externalSubmit"><crowd-input name="a"></crowd-input></crowd-form>"#
                .to_string(),
        ),
    ])
    .await;
    let c = &browser.client;

    // MTurk's script and action: nothing here reaches the internet, so only our copies work.
    c.goto(&site.url("rewritten", "with-script", "A1"))
        .await
        .expect("goto");
    browser
        .css("#country")
        .await
        .send_keys("Peru")
        .await
        .expect("type");
    browser
        .css("#submitButton")
        .await
        .click()
        .await
        .expect("submit");
    let fields = site.submission().await;
    assert_eq!(field(&fields, "assignmentId"), Some("A1"));
    assert_eq!(field(&fields, "country"), Some("Peru"));
    site.submitted.lock().expect("lock").clear();

    // No externalHIT_v1.js and no turkSetAssignmentID(): the form works all the same.
    c.goto(&site.url("rewritten", "without-script", "A2"))
        .await
        .expect("goto");
    browser
        .css("#answer")
        .await
        .send_keys("42")
        .await
        .expect("type");
    browser.css("#go").await.click().await.expect("submit");
    let fields = site.submission().await;
    assert_eq!(
        fields,
        [("assignmentId", "A2"), ("answer", "42")]
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .to_vec()
    );
    site.submitted.lock().expect("lock").clear();

    c.goto(&site.url("rewritten", "crowd", "A3"))
        .await
        .expect("goto");
    browser
        .css("crowd-input input")
        .await
        .send_keys("b")
        .await
        .expect("type");
    browser
        .css("crowd-form button[type=submit]")
        .await
        .click()
        .await
        .expect("submit");
    let fields = site.submission().await;
    assert_eq!(field(&fields, "assignmentId"), Some("A3"));
    assert_eq!(task_answers(&fields), json!({ "a": "b" }));
    browser.close().await;
}
