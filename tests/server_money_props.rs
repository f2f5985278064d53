//! A property of the money ledger under random work: whatever operations run, with whatever
//! amounts and counts, after every call available + on hold = deposits - payments exactly,
//! and neither is ever negative. Payments are read back from what the server says happened:
//! each Approved assignment's reward plus fee, and each bonus granted plus its fee.

// As in #[test] functions (clippy.toml): a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used)]

mod common;

use aws_sdk_mturk::primitives::DateTime;
use aws_sdk_mturk::types::AssignmentStatus;
use common::{TestServer, now_secs};
use mturk_review::money;
use proptest::prelude::*;
use serde_json::json;

#[derive(Debug, Clone)]
enum Op {
    CreateHit {
        reward_cents: i64,
        max: i32,
        auto_now: bool,
    },
    Submit {
        hit: usize,
        backdated: bool,
    },
    Approve {
        assignment: usize,
    },
    Reject {
        assignment: usize,
    },
    Override {
        assignment: usize,
    },
    Bonus {
        assignment: usize,
        cents: i64,
    },
    AddAssignments {
        hit: usize,
        extra: i32,
    },
    Expire {
        hit: usize,
    },
    Extend {
        hit: usize,
    },
    Delete {
        hit: usize,
    },
}

fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => 0i64..300,
        1 => 0i64..=money::MAX_REWARD_CENTS,
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (amount(), 1i32..=12, any::<bool>())
            .prop_map(|(reward_cents, max, auto_now)| Op::CreateHit { reward_cents, max, auto_now }),
        5 => (any::<usize>(), any::<bool>()).prop_map(|(hit, backdated)| Op::Submit { hit, backdated }),
        3 => any::<usize>().prop_map(|assignment| Op::Approve { assignment }),
        2 => any::<usize>().prop_map(|assignment| Op::Reject { assignment }),
        1 => any::<usize>().prop_map(|assignment| Op::Override { assignment }),
        1 => (any::<usize>(), amount()).prop_map(|(assignment, cents)| Op::Bonus { assignment, cents }),
        1 => (any::<usize>(), 1i32..4).prop_map(|(hit, extra)| Op::AddAssignments { hit, extra }),
        1 => any::<usize>().prop_map(|hit| Op::Expire { hit }),
        1 => any::<usize>().prop_map(|hit| Op::Extend { hit }),
        1 => any::<usize>().prop_map(|hit| Op::Delete { hit }),
    ]
}

struct Hit {
    id: String,
    pay_cents: i64,
}

struct Assignment {
    id: String,
    worker: String,
    hit: usize,
}

fn pick<T>(items: &[T], i: usize) -> Option<&T> {
    (!items.is_empty()).then(|| &items[i % items.len()])
}

async fn run(start: i64, ops: Vec<Op>) {
    let t = TestServer::with_balance(start).await;
    let mut hits: Vec<Hit> = Vec::new();
    let mut assignments: Vec<Assignment> = Vec::new();
    let mut bonuses = 0i64;
    for (step, op) in ops.iter().enumerate() {
        match op {
            Op::CreateHit {
                reward_cents,
                max,
                auto_now,
            } => {
                let made = t
                    .create_hit()
                    .reward(money::format_cents(*reward_cents))
                    .max_assignments(*max)
                    .auto_approval_delay_in_seconds(if *auto_now { 0 } else { 86_400 })
                    .send()
                    .await;
                if let Ok(made) = made {
                    let id = made.hit().and_then(|h| h.hit_id()).expect("HITId");
                    let pay_cents =
                        money::approval_cost_cents(*reward_cents, i64::from(*max)).expect("pay");
                    hits.push(Hit {
                        id: id.to_string(),
                        pay_cents,
                    });
                }
            }
            Op::Submit { hit, backdated } => {
                if let Some(h) = pick(&hits, *hit) {
                    let worker = format!("AWORKER{step}");
                    let extra = if *backdated {
                        let at = now_secs() - 120;
                        json!({ "AcceptTime": at - 30, "SubmitTime": at })
                    } else {
                        json!({})
                    };
                    let raw = t.submit_with(&h.id, &worker, extra).await;
                    assert!(raw.status < 500, "{}", raw.body);
                    if raw.status == 200 {
                        let id = raw.json()["AssignmentId"].as_str().expect("id").to_string();
                        assignments.push(Assignment {
                            id,
                            worker,
                            hit: *hit % hits.len(),
                        });
                    }
                }
            }
            Op::Approve { assignment } | Op::Override { assignment } => {
                if let Some(a) = pick(&assignments, *assignment) {
                    let sent = t
                        .client
                        .approve_assignment()
                        .assignment_id(&a.id)
                        .override_rejection(matches!(op, Op::Override { .. }))
                        .send()
                        .await;
                    assert_no_fault(sent);
                }
            }
            Op::Reject { assignment } => {
                if let Some(a) = pick(&assignments, *assignment) {
                    let sent = t
                        .client
                        .reject_assignment()
                        .assignment_id(&a.id)
                        .requester_feedback("No")
                        .send()
                        .await;
                    assert_no_fault(sent);
                }
            }
            Op::Bonus { assignment, cents } => {
                if let Some(a) = pick(&assignments, *assignment) {
                    let sent = t
                        .client
                        .send_bonus()
                        .worker_id(&a.worker)
                        .assignment_id(&a.id)
                        .bonus_amount(money::format_cents(*cents))
                        .reason("Thanks")
                        .send()
                        .await;
                    if sent.is_ok() {
                        bonuses += money::bonus_cost_cents(*cents).expect("cost");
                    }
                    assert_no_fault(sent);
                }
            }
            Op::AddAssignments { hit, extra } => {
                if let Some(h) = pick(&hits, *hit) {
                    let sent = t
                        .client
                        .create_additional_assignments_for_hit()
                        .hit_id(&h.id)
                        .number_of_additional_assignments(*extra)
                        .send()
                        .await;
                    assert_no_fault(sent);
                }
            }
            Op::Expire { hit } | Op::Extend { hit } => {
                if let Some(h) = pick(&hits, *hit) {
                    let at = match op {
                        Op::Expire { .. } => 0,
                        _ => now_secs() + 3600,
                    };
                    let sent = t
                        .client
                        .update_expiration_for_hit()
                        .hit_id(&h.id)
                        .expire_at(DateTime::from_secs(at))
                        .send()
                        .await;
                    assert_no_fault(sent);
                }
            }
            Op::Delete { hit } => {
                if let Some(h) = pick(&hits, *hit) {
                    assert_no_fault(t.client.delete_hit().hit_id(&h.id).send().await);
                }
            }
        }

        let (available, on_hold) = t.balances().await;
        let mut paid = bonuses;
        for a in &assignments {
            let status = t.assignment(&a.id).await.assignment_status().cloned();
            if status == Some(AssignmentStatus::Approved) {
                paid += hits[a.hit].pay_cents;
            }
        }
        assert!(available >= 0, "step {step} {op:?}: available {available}");
        assert!(on_hold >= 0, "step {step} {op:?}: on hold {on_hold}");
        assert_eq!(
            available + on_hold,
            start - paid,
            "step {step} {op:?}: available {available} + on hold {on_hold}"
        );
    }
    t.stop().await;
}

/// A refusal is fine (that is what most random calls get); a fault means a sum went wrong.
fn assert_no_fault<T: std::fmt::Debug, E: std::fmt::Debug>(result: Result<T, E>) {
    if let Err(err) = &result {
        let text = format!("{err:?}");
        assert!(!text.contains("ServiceFault"), "{text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn available_plus_on_hold_is_deposits_minus_payments(
        start in prop_oneof![0i64..2_000, 0i64..=2_000_000],
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(run(start, ops));
    }
}
