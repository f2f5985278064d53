//! `serve --generate HITS:PER_HIT`: fills an empty database with a large, realistic batch
//! (every HIT full of submitted work, about 10% of it rejected within the last 30 days) for
//! load tests and benchmarks. HITs go through CreateHIT itself; assignments through the same
//! rules as `SubmitAssignment` (`plan_assignment`), inserted in bulk with one prepared
//! statement inside one transaction, so the data cannot be told from API-made data but
//! 100,000 assignments take seconds. The same seed makes the same data set (times are
//! relative to now).
//!
//! Each HIT holds its whole cost when it is created, as on MTurk. A batch bigger than the
//! balance can hold is paid in first: before each HIT, the generator deposits what the
//! available balance lacks for it, so the batch is created whole and every assignment in it
//! can be approved; `Generated::deposited_cents` says how much that was.

mod answers;

use std::str::FromStr;

use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::accounts;
use super::error::ApiError;
use super::ledger;
use super::ops::{self, Ctx, Submission};
use super::read_model::hit_facts;
use super::status::AssignmentStatus;
use super::store::Store;
use crate::clock::{DAY_SECS, now_ms};
use crate::money;
use crate::rules;
use answers::Kind;

/// How much to generate, and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateSpec {
    pub hits: usize,
    pub per_hit: usize,
    pub seed: u64,
}

/// The most assignments one HIT may get (each needs its own worker).
pub const MAX_PER_HIT: usize = 10_000;

/// `HITS:PER_HIT`, e.g. `2000:50`; the seed is set apart.
impl FromStr for GenerateSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not HITS:PER_HIT, e.g. 2000:50");
        let (hits, per_hit) = text.split_once(':').ok_or_else(bad)?;
        let hits: usize = hits.trim().parse().map_err(|_| bad())?;
        let per_hit: usize = per_hit.trim().parse().map_err(|_| bad())?;
        if hits == 0 || per_hit == 0 {
            return Err(format!("{text:?}: both numbers must be at least 1"));
        }
        if per_hit > MAX_PER_HIT {
            return Err(format!(
                "{text:?}: at most {MAX_PER_HIT} assignments per HIT"
            ));
        }
        Ok(GenerateSpec {
            hits,
            per_hit,
            seed: 0,
        })
    }
}

/// What was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub hits: usize,
    pub assignments: usize,
    pub rejected: usize,
    /// Total size of the answer documents.
    pub answer_bytes: u64,
    /// Money paid into the account so that the batch's holds fit (0 when the balance sufficed).
    pub deposited_cents: i64,
}

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

/// Share of assignments that are rejected.
const REJECTED_SHARE: f64 = 0.1;

const FEEDBACK: &[&str] = &[
    "The answers do not match the image.",
    "Most fields were left blank.",
    "The transcript skips large parts of the audio.",
    "Answers were random; the attention check failed.",
    "Copied text from another submission.",
];

/// Generates the batch into `store`, which must hold no HITs yet; all or nothing.
pub fn generate(store: &Store, spec: &GenerateSpec) -> Result<Generated, String> {
    let now = now_ms();
    let mut rng = StdRng::seed_from_u64(spec.seed);
    // Ids from their own stream, so they do not shift when the answers' shapes change.
    // The account is the database's `default`, found inside the transaction.
    let mut ctx = Ctx::new(String::new(), now, "generate");
    ctx.ids = Some(StdRng::seed_from_u64(spec.seed ^ 0x1d5_5eed).into());
    let workers: Vec<String> = (0..(spec.per_hit * 3).max(5_000))
        .map(|_| rules::new_worker_id(&mut rng))
        .collect();
    let mut generated = Generated {
        hits: 0,
        assignments: 0,
        rejected: 0,
        answer_bytes: 0,
        deposited_cents: 0,
    };
    store
        .transaction(|tx| {
            let existing: i64 = tx.query_row("SELECT COUNT(*) FROM hits", [], |r| r.get(0))?;
            if existing > 0 {
                return Err(ApiError::invalid(format!(
                    "the database already holds {existing} HITs; --generate fills only an empty one (use a new --db file or :memory:)"
                )));
            }
            ctx.account = accounts::default_account(tx)?;
            let mut answer = String::new();
            for _ in 0..spec.hits {
                let kind = Kind::pick(&mut rng);
                let template = kind.template();
                let delay_ms = template.auto_approval_delay_secs * SECOND;
                // Created recently enough that its submitted work is not yet auto-approved.
                let created = now - rng.random_range(2 * HOUR..delay_ms - 12 * HOUR);
                ctx.now_ms = created;
                let reward = money::parse_cents(template.reward)
                    .ok_or_else(|| ApiError::fault("a template's reward is not money"))?;
                let per_hit = i64::try_from(spec.per_hit)
                    .map_err(|_| ApiError::fault("too many assignments per HIT"))?;
                let hold =
                    ledger::slots_cents(ledger::pay_cents(reward, per_hit)?, per_hit)?;
                let lacking = hold - ledger::available_cents(tx, &ctx.account)?.clamp(0, hold);
                if lacking > 0 {
                    ledger::deposit(tx, &ctx.account, now, lacking)?;
                    generated.deposited_cents = generated
                        .deposited_cents
                        .checked_add(lacking)
                        .ok_or_else(|| ApiError::fault("the deposits are out of range"))?;
                }
                let input = json!({
                    "Title": template.title,
                    "Description": template.description,
                    "Keywords": template.keywords,
                    "Reward": template.reward,
                    "MaxAssignments": spec.per_hit,
                    "AssignmentDurationInSeconds": template.assignment_duration_secs,
                    "AutoApprovalDelayInSeconds": template.auto_approval_delay_secs,
                    "LifetimeInSeconds": (now - created) / SECOND + 14 * DAY_SECS,
                    "Question": template.question,
                });
                let created_hit = ops::create_hit(tx, &ctx, &input)?;
                let hit_id = created_hit["HIT"]["HITId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                ctx.now_ms = now;
                let mut rules = hit_facts(tx, &ctx.account, &hit_id, now)?.rules();
                generated.hits += 1;

                let duration_ms = template.assignment_duration_secs * SECOND;
                for worker in sample(&mut rng, workers.len(), spec.per_hit) {
                    kind.answer(&mut rng, &mut answer);
                    let accept = rng.random_range(created..now - 2 * MINUTE);
                    let work = rng.random_range(20 * SECOND..duration_ms * 4 / 5);
                    let submit = (accept + work).min(now - MINUTE);
                    let rejected = rng.random_bool(REJECTED_SHARE);
                    let submission = Submission {
                        worker_id: &workers[worker],
                        answer: &answer,
                        submit_ms: Some(submit),
                        accept_ms: Some(accept),
                        status: if rejected {
                            AssignmentStatus::Rejected
                        } else {
                            AssignmentStatus::Submitted
                        },
                        feedback: rejected.then(|| FEEDBACK[rng.random_range(0..FEEDBACK.len())]),
                        approval_ms: None,
                        rejection_ms: rejected.then(|| {
                            (submit + rng.random_range(10 * MINUTE..3 * DAY_SECS * SECOND)).min(now)
                        }),
                    };
                    let row = ops::plan_assignment(&hit_id, &rules, &submission, now)?;
                    ops::insert_assignment(tx, &ctx.new_id(), &row)?;
                    rules.total += 1;
                    generated.assignments += 1;
                    generated.rejected += usize::from(rejected);
                    generated.answer_bytes += answer.len() as u64;
                }
            }
            Ok(())
        })
        .map_err(|e| e.message)?;
    if generated.deposited_cents > 0 {
        tracing::info!(
            deposited = %money::format_cents(generated.deposited_cents),
            "paid into the account so that the generated HITs' holds fit"
        );
    }
    Ok(generated)
}

/// Answers in the generated batch's kinds and proportions, one after another: for
/// benchmarks that build assignments in memory rather than through a server.
pub struct SampleAnswers {
    rng: StdRng,
}

impl SampleAnswers {
    pub fn new(seed: u64) -> SampleAnswers {
        SampleAnswers {
            rng: StdRng::seed_from_u64(seed),
        }
    }
}

impl Iterator for SampleAnswers {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let mut answer = String::new();
        Kind::pick(&mut self.rng).answer(&mut self.rng, &mut answer);
        Some(answer)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn specs_parse_and_bad_ones_say_why() {
        assert_eq!(
            "2000:50".parse(),
            Ok(GenerateSpec {
                hits: 2000,
                per_hit: 50,
                seed: 0
            })
        );
        assert!("2000".parse::<GenerateSpec>().is_err());
        assert!("0:5".parse::<GenerateSpec>().is_err());
        assert!("5:x".parse::<GenerateSpec>().is_err());
        assert!("5:20000".parse::<GenerateSpec>().is_err());
    }

    fn rows(store: &Store) -> Vec<(String, String, String, String)> {
        store
            .transaction(|tx| {
                let mut stmt = tx.prepare(
                    "SELECT id, worker_id, status, answer FROM assignments ORDER BY seq",
                )?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .unwrap()
    }

    #[test]
    fn the_same_seed_makes_the_same_data_set() {
        let spec = GenerateSpec {
            hits: 4,
            per_hit: 3,
            seed: 9,
        };
        let a = Store::open(Path::new(":memory:"), 100).unwrap();
        let b = Store::open(Path::new(":memory:"), 100).unwrap();
        assert_eq!(generate(&a, &spec), generate(&b, &spec));
        assert_eq!(rows(&a), rows(&b));
        let c = Store::open(Path::new(":memory:"), 100).unwrap();
        generate(&c, &GenerateSpec { seed: 10, ..spec }).unwrap();
        assert_ne!(rows(&a), rows(&c));
    }

    #[test]
    fn only_an_empty_database_is_filled() {
        let store = Store::open(Path::new(":memory:"), 100).unwrap();
        let spec = GenerateSpec {
            hits: 1,
            per_hit: 1,
            seed: 1,
        };
        generate(&store, &spec).unwrap();
        let err = generate(&store, &spec).unwrap_err();
        assert!(err.contains("already holds 1 HITs"), "{err}");
        assert_eq!(rows(&store).len(), 1, "nothing added");
    }
}
