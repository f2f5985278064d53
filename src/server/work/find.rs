//! Finding work: the HITs a worker may take, grouped by HIT type as MTurk's worker site listed
//! them, and the next HIT of a type to preview.
//!
//! This runs on every page view of the site, so it costs one query over the live HITs (each
//! of its counts an indexed lookup) and one eligibility check per HIT type, never per HIT:
//! QualificationRequirements live on the HIT type.

use rusqlite::{Transaction, params};

use super::rules::{OPEN_TO_WORKER, requirements};
use crate::server::eligibility::{self, Action};
use crate::server::error::ApiResult;
use crate::server::worker_records::check_worker_id;

/// One HIT type's available work, as the list of HITs shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub hit_type_id: String,
    /// The requester's account name.
    pub requester: String,
    pub title: String,
    pub description: String,
    pub keywords: Option<String>,
    pub reward_cents: i64,
    pub assignment_duration_secs: i64,
    /// HITs of the type with a free slot that this worker may take.
    pub hits_available: i64,
    /// The latest expiration among them.
    pub latest_expiration_ms: i64,
}

/// The work `worker_id` may find now, most HITs available first, then by title. Left out:
/// HITs expired, deleted, full, worked on by this worker, of a requester that blocked them,
/// or guarded by a DiscoverPreviewAndAccept requirement they do not meet.
pub fn find_groups(tx: &Transaction, worker_id: &str, now_ms: i64) -> ApiResult<Vec<Group>> {
    check_worker_id(worker_id)?;
    let sql = format!(
        "SELECT t.id, acc.name, t.title, t.description, t.keywords, t.reward_cents,
                t.assignment_duration, t.qualification_requirements, COUNT(*) AS available,
                MAX(h.expiration_ms)
         FROM hits h JOIN hit_types t ON t.id = h.hit_type_id
              JOIN accounts acc ON acc.id = h.account_id
         WHERE {OPEN_TO_WORKER}
         GROUP BY t.id
         ORDER BY available DESC, t.title, t.id"
    );
    let rows = tx
        .prepare_cached(&sql)?
        .query_map(params![now_ms, worker_id], |r| {
            Ok((
                Group {
                    hit_type_id: r.get(0)?,
                    requester: r.get(1)?,
                    title: r.get(2)?,
                    description: r.get(3)?,
                    keywords: r.get(4)?,
                    reward_cents: r.get(5)?,
                    assignment_duration_secs: r.get(6)?,
                    hits_available: r.get(8)?,
                    latest_expiration_ms: r.get(9)?,
                },
                r.get::<_, Option<String>>(7)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut groups = Vec::with_capacity(rows.len());
    for (group, stored) in rows {
        let reqs = requirements(stored);
        if eligibility::unmet_requirement(tx, &reqs, worker_id, Action::Discover)?.is_none() {
            groups.push(group);
        }
    }
    Ok(groups)
}

/// The HIT of `hit_type_id` that `worker_id` should preview next: the oldest one they may
/// find (see `find_groups`), or None when there is none.
pub fn next_hit(
    tx: &Transaction,
    worker_id: &str,
    hit_type_id: &str,
    now_ms: i64,
) -> ApiResult<Option<String>> {
    check_worker_id(worker_id)?;
    let sql = format!(
        "SELECT h.id, t.qualification_requirements
         FROM hits h JOIN hit_types t ON t.id = h.hit_type_id
         WHERE h.hit_type_id = ?3 AND {OPEN_TO_WORKER}
         ORDER BY h.seq LIMIT 1"
    );
    let found = tx
        .prepare_cached(&sql)?
        .query_map(params![now_ms, worker_id, hit_type_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?
        .next()
        .transpose()?;
    let Some((hit_id, stored)) = found else {
        return Ok(None);
    };
    let reqs = requirements(stored);
    Ok(
        match eligibility::unmet_requirement(tx, &reqs, worker_id, Action::Discover)? {
            None => Some(hit_id),
            Some(_) => None,
        },
    )
}
