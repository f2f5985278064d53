//! HIT layouts: `MTurkLocal.CreateHITLayout` stores one for the calling account, CreateHIT and
//! CreateHITWithHITType with a HITLayoutId fill it with HITLayoutParameters (escaped, every
//! placeholder needed, every parameter used, as MTurk refused otherwise), and GetHIT answers
//! with the HITLayoutId and the HTMLQuestion the layout became.
// As in #[test] functions: a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use aws_sdk_mturk::types::HitLayoutParameter;
use common::{
    Key, TempDb, TestServer, add_account, assert_mturk_id, client_with_key, config, post,
    signed_post, wire_error,
};
use mturk_review::server::ServerConfig;
use serde_json::{Value, json};

const LAYOUT: &str = r#"<p>Is there a ${animal} in this picture?</p><img src="${image_url}" alt="${animal}"><input name="answer">"#;

fn param(name: &str, value: &str) -> HitLayoutParameter {
    HitLayoutParameter::builder()
        .name(name)
        .value(value)
        .build()
        .expect("a parameter")
}

async fn create_layout(server: &TestServer, body: Value) -> String {
    let raw = post(server.addr(), "MTurkLocal.CreateHITLayout", &body).await;
    assert_eq!(raw.status, 200, "{raw:?}");
    let id = raw.json()["HITLayoutId"]
        .as_str()
        .expect("HITLayoutId")
        .to_string();
    assert_mturk_id(&id);
    id
}

/// The stored HITLayoutParameters of a HIT, read from the database file.
fn stored_parameters(db: &TempDb, hit_id: &str) -> Option<String> {
    let conn = rusqlite::Connection::open(&db.0).expect("open the database");
    conn.query_row(
        "SELECT hit_layout_parameters FROM hits WHERE id = ?1",
        [hit_id],
        |r| r.get(0),
    )
    .expect("the HIT's row")
}

#[tokio::test]
async fn a_hit_made_from_a_layout_gets_its_filled_html_question() {
    let db = TempDb::new("layouts");
    let server = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    let layout = create_layout(&server, json!({ "Name": "Animals", "HTMLContent": LAYOUT })).await;
    let out = server
        .client
        .create_hit()
        .title("Find the animal")
        .description("Say whether the animal is there")
        .reward("0.10")
        .assignment_duration_in_seconds(600)
        .lifetime_in_seconds(3600)
        .hit_layout_id(&layout)
        .hit_layout_parameters(param("animal", "cat & <dog>"))
        .hit_layout_parameters(param("image_url", "https://img.test/1.png?a=1&b=2"))
        .send()
        .await
        .expect("CreateHIT");
    let hit_id = out
        .hit()
        .and_then(|h| h.hit_id())
        .expect("HITId")
        .to_string();

    let hit = server.get_hit(&hit_id).await;
    assert_eq!(hit.hit_layout_id(), Some(layout.as_str()));
    let question = hit.question().expect("Question");
    assert!(
        question.starts_with(r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA["#),
        "{question}"
    );
    // The layout has no form of its own, so it stands inside MTurk's.
    assert!(
        question.contains(r#"<p>Is there a cat &#38; &#60;dog&#62; in this picture?</p><img src="https://img.test/1.png?a=1&#38;b=2" alt="cat &#38; &#60;dog&#62;"><input name="answer">"#),
        "{question}"
    );
    assert!(
        question.contains(r#"<form name="mturk_form""#),
        "{question}"
    );
    assert!(question.contains(r#"id="submitButton""#), "{question}");
    let stored: Value =
        serde_json::from_str(&stored_parameters(&db, &hit_id).expect("parameters")).unwrap();
    assert_eq!(
        stored,
        json!([
            { "Name": "animal", "Value": "cat & <dog>" },
            { "Name": "image_url", "Value": "https://img.test/1.png?a=1&b=2" }
        ])
    );
    server.stop().await;
}

#[tokio::test]
async fn create_hit_with_hit_type_takes_a_layout_too() {
    let server = TestServer::start().await;
    let layout = create_layout(
        &server,
        json!({ "HTMLContent": "<crowd-form><crowd-input name=\"n\" label=\"${label}\"></crowd-input></crowd-form>" }),
    )
    .await;
    let hit_type = server
        .client
        .create_hit_type()
        .title("Typed")
        .description("A HIT type")
        .reward("0.05")
        .assignment_duration_in_seconds(300)
        .send()
        .await
        .expect("CreateHITType")
        .hit_type_id
        .expect("HITTypeId");
    let out = server
        .client
        .create_hit_with_hit_type()
        .hit_type_id(hit_type)
        .lifetime_in_seconds(3600)
        .hit_layout_id(&layout)
        .hit_layout_parameters(param("label", "Your name"))
        .send()
        .await
        .expect("CreateHITWithHITType");
    let hit = out.hit().expect("HIT");
    assert_eq!(hit.hit_layout_id(), Some(layout.as_str()));
    // A crowd-form is a form of its own: nothing is wrapped around it.
    assert_eq!(
        hit.question(),
        Some(
            r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<crowd-form><crowd-input name="n" label="Your name"></crowd-input></crowd-form>]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>"#
        )
    );
    server.stop().await;
}

#[tokio::test]
async fn missing_and_unused_parameters_are_refused_and_nothing_is_made() {
    let server = TestServer::start().await;
    let layout = create_layout(&server, json!({ "HTMLContent": LAYOUT })).await;
    let missing = wire_error(
        server
            .create_hit()
            .set_question(None)
            .hit_layout_id(&layout)
            .hit_layout_parameters(param("animal", "cat"))
            .send()
            .await,
    );
    missing.assert_invalid("image_url");
    let unused = wire_error(
        server
            .create_hit()
            .set_question(None)
            .hit_layout_id(&layout)
            .hit_layout_parameters(param("animal", "cat"))
            .hit_layout_parameters(param("image_url", "x.png"))
            .hit_layout_parameters(param("colour", "red"))
            .send()
            .await,
    );
    unused.assert_invalid("colour");
    assert_eq!(server.listed_hits().await, Vec::<String>::new());
    server.stop().await;
}

#[tokio::test]
async fn a_layout_id_must_name_a_layout_of_the_account() {
    let db = TempDb::new("layouts-accounts");
    let (a, b): (Key, Key) = (
        add_account(&db.0, "a", 5_000),
        add_account(&db.0, "b", 5_000),
    );
    let server = TestServer::start_with(ServerConfig {
        db: db.0.clone(),
        ..config()
    })
    .await;
    let raw = signed_post(
        server.addr(),
        &a,
        "MTurkLocal.CreateHITLayout",
        &json!({ "HTMLContent": "<p>${x}</p>" }),
    )
    .await;
    assert_eq!(raw.status, 200, "{raw:?}");
    let layout = raw.json()["HITLayoutId"].as_str().unwrap().to_string();
    let client_b = client_with_key(&server.url, &b).await;
    for id in [layout.as_str(), "3XLAYOUTDOESNOTEXIST0000000000"] {
        let err = wire_error(
            client_b
                .create_hit()
                .title("t")
                .description("d")
                .reward("0.01")
                .assignment_duration_in_seconds(60)
                .lifetime_in_seconds(3600)
                .hit_layout_id(id)
                .hit_layout_parameters(param("x", "1"))
                .send()
                .await,
        );
        err.assert_request_error("AWS.MechanicalTurk.HITLayoutDoesNotExist");
        assert_eq!(err.message, format!("HITLayout {id} does not exist."));
    }
    let client_a = client_with_key(&server.url, &a).await;
    client_a
        .create_hit()
        .title("t")
        .description("d")
        .reward("0.01")
        .assignment_duration_in_seconds(60)
        .lifetime_in_seconds(3600)
        .hit_layout_id(&layout)
        .hit_layout_parameters(param("x", "1"))
        .send()
        .await
        .expect("the owner's CreateHIT");
    server.stop().await;
}

#[tokio::test]
async fn a_layout_needs_html_content() {
    let server = TestServer::start().await;
    for body in [
        json!({}),
        json!({ "HTMLContent": "  " }),
        json!({ "HTMLContent": "<p/>", "Name": 7 }),
    ] {
        let raw = post(server.addr(), "MTurkLocal.CreateHITLayout", &body).await;
        assert_eq!(raw.status, 400, "{body}: {raw:?}");
    }
    let too_big = "x".repeat(65_536);
    let raw = post(
        server.addr(),
        "MTurkLocal.CreateHITLayout",
        &json!({ "HTMLContent": too_big }),
    )
    .await;
    raw.error().assert_invalid("65535 bytes");
    server.stop().await;
}
