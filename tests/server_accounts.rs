//! Requester accounts through the SDK, signing with real keys: each account sees and changes
//! only its own HITs, assignments, HIT types, bonuses, blocks and balance, and another
//! account's id answers exactly as an id that does not exist.
// As in #[test] functions: a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use aws_sdk_mturk::Client;
use common::{
    ANSWER, Key, QUESTION, TempDb, TestServer, add_account, client_with_key, config, signed_post,
};
use mturk_review::server::{RateConfig, ServerConfig};
use serde_json::json;

/// A server on a file holding two accounts, `a` ($50) and `b` ($20), one key each.
struct Two {
    server: TestServer,
    a: Key,
    b: Key,
    _db: TempDb,
}

impl Two {
    async fn start() -> Two {
        Two::start_with(config()).await
    }

    async fn start_with(base: ServerConfig) -> Two {
        let db = TempDb::new("accounts");
        let (a, b) = (
            add_account(&db.0, "a", 5_000),
            add_account(&db.0, "b", 2_000),
        );
        let server = TestServer::start_with(ServerConfig {
            db: db.0.clone(),
            ..base
        })
        .await;
        Two {
            server,
            a,
            b,
            _db: db,
        }
    }

    async fn client(&self, key: &Key) -> Client {
        client_with_key(&self.server.url, key).await
    }

    async fn submit(&self, key: &Key, hit: &str, worker: &str) -> common::Raw {
        signed_post(
            self.server.addr(),
            key,
            "MTurkLocal.SubmitAssignment",
            &json!({ "HITId": hit, "WorkerId": worker, "Answer": ANSWER }),
        )
        .await
    }
}

async fn new_hit(client: &Client, token: Option<&str>) -> (String, String) {
    let out = client
        .create_hit()
        .title("Label one photo")
        .description("Say what the photo shows")
        .reward("0.50")
        .max_assignments(3)
        .assignment_duration_in_seconds(600)
        .lifetime_in_seconds(3600)
        .question(QUESTION)
        .set_unique_request_token(token.map(str::to_string))
        .send()
        .await
        .expect("CreateHIT");
    let hit = out.hit().unwrap();
    (
        hit.hit_id().unwrap().to_string(),
        hit.hit_type_id().unwrap().to_string(),
    )
}

/// B's answer to `target` with `body`, with `id` written as ID and the time suffix cut, so
/// that the answers for two ids can be compared.
async fn answer(two: &Two, target: &str, body: &serde_json::Value, id: &str) -> (u16, String) {
    let raw = signed_post(two.server.addr(), &two.b, target, body).await;
    let mut json = raw.json();
    if let Some(message) = json["Message"].as_str() {
        let cut = message.rsplit_once(" (").map_or(message, |(text, _)| text);
        json["Message"] = cut.replace(id, "ID").into();
    }
    (raw.status, json.to_string())
}

const MADE_UP_HIT: &str = "3ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
const MADE_UP_TYPE: &str = "3XXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const MADE_UP_ASSIGNMENT: &str = "3YYYYYYYYYYYYYYYYYYYYYYYYYYYYY";

fn op(name: &str) -> String {
    format!("{}.{name}", common::MTURK)
}

#[tokio::test]
async fn another_accounts_ids_answer_as_ids_that_do_not_exist() {
    let two = Two::start().await;
    let a = two.client(&two.a).await;
    let (hit, hit_type) = new_hit(&a, None).await;
    let submitted = two.submit(&two.a, &hit, "AWORKERONE").await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    let assignment = submitted.json()["AssignmentId"]
        .as_str()
        .unwrap()
        .to_string();

    let on_hit = |hit: &str| {
        vec![
            ("GetHIT", json!({ "HITId": hit })),
            ("ListAssignmentsForHIT", json!({ "HITId": hit })),
            ("DeleteHIT", json!({ "HITId": hit })),
            (
                "UpdateExpirationForHIT",
                json!({ "HITId": hit, "ExpireAt": 0 }),
            ),
            ("UpdateHITReviewStatus", json!({ "HITId": hit })),
            (
                "CreateAdditionalAssignmentsForHIT",
                json!({ "HITId": hit, "NumberOfAdditionalAssignments": 1 }),
            ),
            ("ListBonusPayments", json!({ "HITId": hit })),
        ]
    };
    for ((target, theirs), (_, none)) in on_hit(&hit).into_iter().zip(on_hit(MADE_UP_HIT)) {
        assert_eq!(
            answer(&two, &op(target), &theirs, &hit).await,
            answer(&two, &op(target), &none, MADE_UP_HIT).await,
            "{target}"
        );
    }
    let on_assignment = |id: &str| {
        vec![
            ("GetAssignment", json!({ "AssignmentId": id })),
            ("ApproveAssignment", json!({ "AssignmentId": id })),
            (
                "RejectAssignment",
                json!({ "AssignmentId": id, "RequesterFeedback": "no" }),
            ),
            (
                "SendBonus",
                json!({ "AssignmentId": id, "WorkerId": "AWORKERONE", "BonusAmount": "1.00",
                        "Reason": "thanks" }),
            ),
            ("ListBonusPayments", json!({ "AssignmentId": id })),
        ]
    };
    for ((target, theirs), (_, none)) in on_assignment(&assignment)
        .into_iter()
        .zip(on_assignment(MADE_UP_ASSIGNMENT))
    {
        assert_eq!(
            answer(&two, &op(target), &theirs, &assignment).await,
            answer(&two, &op(target), &none, MADE_UP_ASSIGNMENT).await,
            "{target}"
        );
    }
    let with_type =
        |id: &str| json!({ "HITTypeId": id, "LifetimeInSeconds": 3600, "Question": QUESTION });
    assert_eq!(
        answer(
            &two,
            &op("CreateHITWithHITType"),
            &with_type(&hit_type),
            &hit_type
        )
        .await,
        answer(
            &two,
            &op("CreateHITWithHITType"),
            &with_type(MADE_UP_TYPE),
            MADE_UP_TYPE
        )
        .await,
    );
    let local = |id: &str| json!({ "HITId": id, "WorkerId": "AWORKERTWO", "Answer": ANSWER });
    assert_eq!(
        answer(&two, "MTurkLocal.SubmitAssignment", &local(&hit), &hit).await,
        answer(
            &two,
            "MTurkLocal.SubmitAssignment",
            &local(MADE_UP_HIT),
            MADE_UP_HIT
        )
        .await,
    );

    // Nothing B tried changed A's data.
    let got = a
        .get_assignment()
        .assignment_id(&assignment)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.assignment()
            .unwrap()
            .assignment_status()
            .unwrap()
            .as_str(),
        "Submitted"
    );
    let got = a.get_hit().hit_id(&hit).send().await.unwrap();
    assert_eq!(got.hit().unwrap().max_assignments(), Some(3));
    let bonuses = a.list_bonus_payments().hit_id(&hit).send().await.unwrap();
    assert!(bonuses.bonus_payments().is_empty());
}

#[tokio::test]
async fn lists_balances_tokens_hit_types_and_blocks_are_each_accounts_own() {
    let two = Two::start().await;
    let (a, b) = (two.client(&two.a).await, two.client(&two.b).await);
    let (a_hit, a_type) = new_hit(&a, Some("same-token")).await;
    // The same token and the same HIT type fields are B's own: a new HIT of a new type.
    let (b_hit, b_type) = new_hit(&b, Some("same-token")).await;
    assert_ne!(a_hit, b_hit);
    assert_ne!(a_type, b_type);

    let listed = |client: Client| async move {
        let out = client.list_hits().send().await.unwrap();
        out.hits()
            .iter()
            .map(|h| h.hit_id().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(listed(a.clone()).await, vec![a_hit.clone()]);
    assert_eq!(listed(b.clone()).await, vec![b_hit.clone()]);
    let reviewable = b
        .list_reviewable_hits()
        .hit_type_id(&a_type)
        .send()
        .await
        .unwrap();
    assert!(reviewable.hits().is_empty());

    // Each account's balance is its own: $50 less A's HIT's hold, and $20 less B's.
    let balance = |client: Client| async move {
        let out = client.get_account_balance().send().await.unwrap();
        (
            out.available_balance().unwrap().to_string(),
            out.on_hold_balance().unwrap_or_default().to_string(),
        )
    };
    assert_eq!(balance(a.clone()).await, ("48.20".into(), "1.80".into()));
    assert_eq!(balance(b.clone()).await, ("18.20".into(), "1.80".into()));

    // A block is the blocking requester's: B's HIT still takes the worker A blocked.
    a.create_worker_block()
        .worker_id("AWORKERBLOCKED")
        .reason("Spam")
        .send()
        .await
        .unwrap();
    let blocks = b.list_worker_blocks().send().await.unwrap();
    assert!(blocks.worker_blocks().is_empty());
    let refused = two.submit(&two.a, &a_hit, "AWORKERBLOCKED").await;
    assert_eq!(
        refused.json()["TurkErrorCode"],
        "AWS.MechanicalTurk.WorkerBlocked"
    );
    let taken = two.submit(&two.b, &b_hit, "AWORKERBLOCKED").await;
    assert_eq!(taken.status, 200, "{}", taken.body);
}

#[tokio::test]
async fn one_accounts_flood_does_not_throttle_another() {
    let two = Two::start_with(ServerConfig {
        rate: RateConfig {
            calls_per_second: 1.0,
            burst: 5,
        },
        ..config()
    })
    .await;
    let balance = op("GetAccountBalance");
    let mut throttled = 0;
    for _ in 0..20 {
        let raw = signed_post(two.server.addr(), &two.a, &balance, &json!({})).await;
        if raw.json()["__type"] == "ThrottlingException" {
            assert!(raw.header("x-amz-retry-after").is_some(), "{raw:?}");
            throttled += 1;
        }
    }
    assert!(
        throttled >= 14,
        "A was held to its burst: {throttled} of 20 throttled"
    );
    for _ in 0..5 {
        let raw = signed_post(two.server.addr(), &two.b, &balance, &json!({})).await;
        assert_eq!(raw.status, 200, "B has its own bucket: {}", raw.body);
    }
}
