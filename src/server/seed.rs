//! Demo data: the bundled data set (assets/demo.json) loaded into an empty database through
//! the same operations a client would use, with every time relative to the moment of loading
//! so the demo always looks fresh.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::accounts;
use super::ops::{self, Ctx};
use super::store::Store;
use crate::clock::now_ms;

const DEMO_JSON: &str = include_str!("../../assets/demo.json");

#[derive(Debug, Deserialize)]
struct DemoSet {
    #[serde(default)]
    qualification_types: Vec<DemoQualificationType>,
    #[serde(default)]
    grants: Vec<DemoGrant>,
    hits: Vec<DemoHit>,
    assignments: Vec<DemoAssignment>,
}

#[derive(Debug, Deserialize)]
struct DemoQualificationType {
    key: String,
    name: String,
    description: String,
    keywords: Option<String>,
    auto_granted: bool,
    auto_granted_value: Option<i64>,
}

/// A qualification given to a worker; `type` is a qualification type's key.
#[derive(Debug, Deserialize)]
struct DemoGrant {
    #[serde(rename = "type")]
    type_key: String,
    worker: String,
    value: i64,
}

#[derive(Debug, Deserialize)]
struct DemoHit {
    key: String,
    title: String,
    description: String,
    keywords: Option<String>,
    reward: String,
    max_assignments: i64,
    assignment_duration_secs: i64,
    auto_approval_delay_secs: i64,
    created_ago_secs: i64,
    lifetime_secs: i64,
    question: String,
    /// QualificationRequirements; a QualificationTypeId may name a qualification type's key.
    #[serde(default)]
    requirements: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct DemoAssignment {
    hit: String,
    worker: String,
    accepted_ago_secs: i64,
    submitted_ago_secs: i64,
    status: String,
    decided_ago_secs: Option<i64>,
    feedback: Option<String>,
    answer: String,
}

/// Loads the bundled demo data set; all or nothing.
pub fn load_demo(store: &Store) -> Result<(), String> {
    let set: DemoSet = serde_json::from_str(DEMO_JSON).map_err(|e| e.to_string())?;
    let now = now_ms();
    store
        .transaction(|tx| {
            let account = accounts::default_account(tx)?;
            let ctx = Ctx::new(&account, now, "demo");
            let mut type_ids = HashMap::new();
            for q in &set.qualification_types {
                let input = json!({
                    "Name": q.name,
                    "Description": q.description,
                    "Keywords": q.keywords,
                    "QualificationTypeStatus": "Active",
                    "AutoGranted": q.auto_granted,
                    "AutoGrantedValue": q.auto_granted_value,
                });
                let created = ops::create_qualification_type(tx, &ctx, &input)?;
                let id = created["QualificationType"]["QualificationTypeId"]
                    .as_str()
                    .unwrap_or_default();
                type_ids.insert(q.key.as_str(), id.to_string());
            }
            for g in &set.grants {
                let input = json!({
                    "QualificationTypeId": type_ids.get(g.type_key.as_str()),
                    "WorkerId": g.worker,
                    "IntegerValue": g.value,
                    "SendNotification": false,
                });
                ops::associate_qualification_with_worker(tx, &ctx, &input)?;
            }
            let mut hit_ids = HashMap::new();
            for hit in &set.hits {
                let created = now - hit.created_ago_secs * 1000;
                let ctx = Ctx::new(&account, created, "demo");
                let input = json!({
                    "Title": hit.title,
                    "Description": hit.description,
                    "Keywords": hit.keywords,
                    "Reward": hit.reward,
                    "MaxAssignments": hit.max_assignments,
                    "AssignmentDurationInSeconds": hit.assignment_duration_secs,
                    "AutoApprovalDelayInSeconds": hit.auto_approval_delay_secs,
                    "LifetimeInSeconds": hit.lifetime_secs,
                    "Question": hit.question,
                    "QualificationRequirements": requirements(&hit.requirements, &type_ids),
                });
                let created = ops::create_hit(tx, &ctx, &input)?;
                let id = created["HIT"]["HITId"].as_str().unwrap_or_default();
                hit_ids.insert(hit.key.as_str(), id.to_string());
            }
            for a in &set.assignments {
                let secs_ago = |s: i64| (now - s * 1000) as f64 / 1000.0;
                let decided = a.decided_ago_secs.map(secs_ago);
                let mut input = json!({
                    "HITId": hit_ids.get(a.hit.as_str()).cloned().unwrap_or_default(),
                    "WorkerId": a.worker,
                    "Answer": a.answer,
                    "AcceptTime": secs_ago(a.accepted_ago_secs),
                    "SubmitTime": secs_ago(a.submitted_ago_secs),
                    "AssignmentStatus": a.status,
                    "RequesterFeedback": a.feedback,
                });
                match a.status.as_str() {
                    "Approved" => input["ApprovalTime"] = json!(decided),
                    "Rejected" => input["RejectionTime"] = json!(decided),
                    _ => {}
                }
                strip_nulls(&mut input);
                ops::submit_assignment(tx, &ctx, &input)?;
            }
            Ok(())
        })
        .map_err(|e| e.message)
}

/// The HIT's requirements with qualification type keys replaced by the types' ids; None when
/// it has none.
fn requirements(list: &[Value], type_ids: &HashMap<&str, String>) -> Option<Value> {
    if list.is_empty() {
        return None;
    }
    let mut list = list.to_vec();
    for r in &mut list {
        let key = r["QualificationTypeId"].as_str().unwrap_or_default();
        if let Some(id) = type_ids.get(key) {
            r["QualificationTypeId"] = id.clone().into();
        }
    }
    Some(Value::Array(list))
}

fn strip_nulls(value: &mut Value) {
    if let Value::Object(map) = value {
        map.retain(|_, v| !v.is_null());
    }
}
