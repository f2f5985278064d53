//! QualificationRequirements: their rules on create (what MTurk refuses), and the one function
//! that says whether a worker may discover, preview or accept a HIT under them. SubmitAssignment
//! calls it now (submitting is accepting); the worker site calls it for each of its actions.
//!
//! A requirement is met when the worker has a value of the type that passes the comparator;
//! a worker without the qualification (or with it revoked) meets only `DoesNotExist`.
//! Checking costs at most one indexed lookup per requirement: a custom type's score is read by
//! the unique (type, worker) index, and the system types' values come from the worker's record,
//! read once by its primary key.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Deserialize;
use serde_json::Value;

use crate::server::error::{ApiError, ApiResult};
use crate::server::system_quals::{Score, SystemQual};
use crate::server::worker_records::{self, WorkerRecord};

/// What a worker does with a HIT, from seeing it listed to taking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Discover,
    Preview,
    Accept,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Comparator {
    LessThan,
    LessThanOrEqualTo,
    GreaterThan,
    GreaterThanOrEqualTo,
    EqualTo,
    NotEqualTo,
    Exists,
    DoesNotExist,
    In,
    NotIn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ActionsGuarded {
    Accept,
    PreviewAndAccept,
    DiscoverPreviewAndAccept,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LocaleValue {
    pub country: String,
    pub subdivision: Option<String>,
}

/// One QualificationRequirement as the wire carries it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Requirement {
    pub qualification_type_id: String,
    pub comparator: Comparator,
    #[serde(default)]
    pub integer_values: Vec<i64>,
    #[serde(default)]
    pub locale_values: Vec<LocaleValue>,
    pub required_to_preview: Option<bool>,
    pub actions_guarded: Option<ActionsGuarded>,
}

impl Requirement {
    /// The first action it guards: ActionsGuarded, else the deprecated RequiredToPreview
    /// (PreviewAndAccept), else Accept, as MTurk documents.
    fn guards_from(&self) -> Action {
        match (self.actions_guarded, self.required_to_preview) {
            (Some(ActionsGuarded::DiscoverPreviewAndAccept), _) => Action::Discover,
            (Some(ActionsGuarded::PreviewAndAccept), _) | (None, Some(true)) => Action::Preview,
            (Some(ActionsGuarded::Accept), _) | (None, _) => Action::Accept,
        }
    }

    /// Whether a worker whose value is `score` meets it.
    fn met_by(&self, score: Option<&Score>) -> bool {
        use Comparator::*;
        let Some(score) = score else {
            return self.comparator == DoesNotExist;
        };
        match (self.comparator, score) {
            (Exists, _) => true,
            (DoesNotExist, _) => false,
            (comparator, Score::Integer(v)) => {
                let first = self.integer_values.first().copied();
                let any = self.integer_values.contains(v);
                match comparator {
                    LessThan => first.is_some_and(|x| *v < x),
                    LessThanOrEqualTo => first.is_some_and(|x| *v <= x),
                    GreaterThan => first.is_some_and(|x| *v > x),
                    GreaterThanOrEqualTo => first.is_some_and(|x| *v >= x),
                    EqualTo | In => any,
                    NotEqualTo | NotIn => !any,
                    Exists | DoesNotExist => false,
                }
            }
            (
                comparator,
                Score::Locale {
                    country,
                    subdivision,
                },
            ) => {
                // A value without a subdivision names the whole country.
                let any = self.locale_values.iter().any(|l| {
                    l.country == *country
                        && l.subdivision
                            .as_ref()
                            .is_none_or(|s| Some(s) == subdivision.as_ref())
                });
                match comparator {
                    EqualTo | In => any,
                    NotEqualTo | NotIn => !any,
                    _ => false,
                }
            }
        }
    }
}

/// MTurk's words for a type id the caller has no type of.
pub fn type_not_found(id: &str) -> ApiError {
    ApiError::request(
        "AWS.MechanicalTurk.QualificationTypeDoesNotExist",
        format!("QualificationType {id} does not exist."),
    )
}

fn requirement_error(index: usize, problem: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(format!("QualificationRequirements.{index}: {problem}"))
}

/// Reads and checks the QualificationRequirements of a new HIT or HIT type of `account`:
/// each names a system type or an Active type of the account, with values that fit its
/// comparator and kind. Returns the type ids they name.
pub fn check_requirements(
    tx: &Transaction,
    account: &str,
    requirements: &Value,
) -> ApiResult<Vec<String>> {
    let Some(list) = requirements.as_array() else {
        return Ok(Vec::new());
    };
    let mut ids = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let index = i + 1;
        let r: Requirement = serde_json::from_value(item.clone())
            .map_err(|e| requirement_error(index, format!("{e}.")))?;
        let locale = match SystemQual::from_id(&r.qualification_type_id) {
            Some(system) => system.is_locale(),
            None => {
                check_usable_type(tx, account, &r.qualification_type_id)?;
                false
            }
        };
        check_values(&r, locale).map_err(|p| requirement_error(index, p))?;
        ids.push(r.qualification_type_id);
    }
    Ok(ids)
}

/// A custom type a new HIT may require: the account's own, not deleted, Active.
fn check_usable_type(tx: &Transaction, account: &str, id: &str) -> ApiResult<()> {
    let row: Option<(String, Option<i64>)> = tx
        .prepare_cached(
            "SELECT status, deleted_ms FROM qualification_types WHERE id = ?1 AND account_id = ?2",
        )?
        .query_row(params![id, account], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        None => Err(type_not_found(id)),
        Some((_, Some(_))) => Err(ApiError::invalid(format!(
            "QualificationType {id} has been deleted; it can no longer be used in HITs."
        ))),
        Some((status, None)) if status != "Active" => Err(ApiError::invalid(format!(
            "QualificationType {id} is {status}; a HIT can require only an Active QualificationType."
        ))),
        Some(_) => Ok(()),
    }
}

/// The values a comparator needs, for a Locale type or an integer one.
fn check_values(r: &Requirement, locale: bool) -> Result<(), String> {
    use Comparator::*;
    let (ints, locales) = (r.integer_values.len(), r.locale_values.len());
    if matches!(r.comparator, Exists | DoesNotExist) {
        return if ints + locales == 0 {
            Ok(())
        } else {
            Err(format!(
                "the {:?} comparator takes no IntegerValues or LocaleValues.",
                r.comparator
            ))
        };
    }
    let single = matches!(r.comparator, EqualTo | NotEqualTo);
    if locale {
        if ints > 0 {
            return Err(
                "the Worker_Locale QualificationType takes LocaleValues, not IntegerValues.".into(),
            );
        }
        if !matches!(r.comparator, EqualTo | NotEqualTo | In | NotIn) {
            return Err(format!(
                "the Worker_Locale QualificationType can be compared only with EqualTo, NotEqualTo, In or NotIn, not {:?}.",
                r.comparator
            ));
        }
        if single && locales != 1 {
            return Err(format!("{:?} takes exactly one LocaleValue.", r.comparator));
        }
        if locales == 0 {
            return Err(format!(
                "{:?} takes at least one LocaleValue.",
                r.comparator
            ));
        }
        if let Some(problem) = r.locale_values.iter().find_map(locale_problem) {
            return Err(problem);
        }
        return Ok(());
    }
    if locales > 0 {
        return Err("LocaleValues can be used only with the Worker_Locale QualificationType (00000000000000000071).".into());
    }
    if matches!(r.comparator, In | NotIn) {
        return if ints == 0 {
            Err(format!(
                "{:?} takes at least one IntegerValue.",
                r.comparator
            ))
        } else {
            Ok(())
        };
    }
    if ints != 1 {
        return Err(format!(
            "{:?} takes exactly one IntegerValue.",
            r.comparator
        ));
    }
    Ok(())
}

/// What is wrong with a locale: MTurk takes an ISO 3166 country code and an optional ISO
/// 3166-2 subdivision code. Their shape is checked, not the list of codes.
pub fn locale_problem(l: &LocaleValue) -> Option<String> {
    let code = |s: &str, digits: bool| {
        s.len() == 2
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || (digits && b.is_ascii_digit()))
    };
    if !code(&l.country, false) {
        return Some(format!(
            "the Country \"{}\" is not an ISO 3166 country code (two capital letters).",
            l.country
        ));
    }
    match &l.subdivision {
        Some(s) if !code(s, true) => Some(format!(
            "the Subdivision \"{s}\" is not an ISO 3166-2 subdivision code (two capital letters or digits)."
        )),
        _ => None,
    }
}

/// A requirement a worker does not meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    pub qualification_type_id: String,
    pub comparator: Comparator,
}

/// THE eligibility rule: the first of a HIT's `requirements` (its QualificationRequirements
/// as the HIT answers them) that guards `action` and that `worker_id` does not meet, or None
/// when the worker may go ahead.
pub fn unmet_requirement(
    tx: &Transaction,
    requirements: &Value,
    worker_id: &str,
    action: Action,
) -> ApiResult<Option<Unmet>> {
    let Some(list) = requirements.as_array() else {
        return Ok(None);
    };
    let mut record: Option<WorkerRecord> = None;
    for item in list {
        let Ok(r) = serde_json::from_value::<Requirement>(item.clone()) else {
            // Checked on create; a stored requirement that no longer reads guards nothing.
            continue;
        };
        if r.guards_from() > action {
            continue;
        }
        let score = match SystemQual::from_id(&r.qualification_type_id) {
            Some(system) => {
                if record.is_none() {
                    record = Some(worker_records::load(tx, worker_id)?);
                }
                record.as_ref().and_then(|w| system.score(w))
            }
            None => granted_score(tx, &r.qualification_type_id, worker_id)?.map(Score::Integer),
        };
        if !r.met_by(score.as_ref()) {
            return Ok(Some(Unmet {
                qualification_type_id: r.qualification_type_id,
                comparator: r.comparator,
            }));
        }
    }
    Ok(None)
}

/// The statement that reads a worker's granted value of a custom type.
pub const GRANTED_SCORE_SQL: &str = "SELECT integer_value FROM qualifications
     WHERE qualification_type_id = ?1 AND worker_id = ?2 AND status = 'Granted'";

fn granted_score(tx: &Transaction, type_id: &str, worker_id: &str) -> ApiResult<Option<i64>> {
    Ok(tx
        .prepare_cached(GRANTED_SCORE_SQL)?
        .query_row(params![type_id, worker_id], |r| r.get(0))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(comparator: &str, extra: Value) -> Requirement {
        let mut v = json!({"QualificationTypeId": "Q", "Comparator": comparator});
        if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
            o.extend(e);
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn integer_comparators() {
        let five = Score::Integer(5);
        for (cmp, values, met) in [
            ("LessThan", json!([6]), true),
            ("LessThan", json!([5]), false),
            ("LessThanOrEqualTo", json!([5]), true),
            ("GreaterThan", json!([5]), false),
            ("GreaterThan", json!([4]), true),
            ("GreaterThanOrEqualTo", json!([5]), true),
            ("EqualTo", json!([5]), true),
            ("EqualTo", json!([4]), false),
            ("NotEqualTo", json!([4]), true),
            ("NotEqualTo", json!([5]), false),
            ("In", json!([1, 5]), true),
            ("In", json!([1, 2]), false),
            ("NotIn", json!([1, 2]), true),
            ("NotIn", json!([5]), false),
        ] {
            let r = req(cmp, json!({ "IntegerValues": values }));
            assert_eq!(r.met_by(Some(&five)), met, "{cmp} {values}");
            assert!(!r.met_by(None), "{cmp}: no qualification, not met");
        }
        assert!(req("Exists", json!({})).met_by(Some(&five)));
        assert!(!req("Exists", json!({})).met_by(None));
        assert!(req("DoesNotExist", json!({})).met_by(None));
        assert!(!req("DoesNotExist", json!({})).met_by(Some(&five)));
    }

    #[test]
    fn locale_values_with_and_without_subdivisions() {
        let wa = Score::Locale {
            country: "US".into(),
            subdivision: Some("WA".into()),
        };
        let us = json!([{"Country": "US"}]);
        let us_ny = json!([{"Country": "US", "Subdivision": "NY"}]);
        assert!(req("EqualTo", json!({ "LocaleValues": us })).met_by(Some(&wa)));
        assert!(!req("EqualTo", json!({ "LocaleValues": us_ny })).met_by(Some(&wa)));
        assert!(req("NotEqualTo", json!({ "LocaleValues": us_ny })).met_by(Some(&wa)));
        let list = json!([{"Country": "CA"}, {"Country": "US", "Subdivision": "WA"}]);
        assert!(req("In", json!({ "LocaleValues": list })).met_by(Some(&wa)));
        assert!(!req("NotIn", json!({ "LocaleValues": list })).met_by(Some(&wa)));
    }

    /// The throughput rule, measured: each lookup a requirement costs is a SEARCH by a
    /// unique index or primary key, never a SCAN.
    #[test]
    fn each_requirement_costs_one_indexed_lookup() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::server::schema::migrate(&mut conn, 0).unwrap();
        for sql in [GRANTED_SCORE_SQL, worker_records::LOAD_SQL] {
            let params = ["Q", "W"].into_iter().take(sql.matches('?').count());
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(rusqlite::params_from_iter(params), |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(plan.len(), 1, "{sql}: {plan:?}");
            assert!(
                plan[0].starts_with("SEARCH")
                    && (plan[0].contains("USING INDEX") || plan[0].contains("PRIMARY KEY")),
                "{sql}: {plan:?}"
            );
        }
    }

    #[test]
    fn what_each_requirement_guards() {
        assert_eq!(req("Exists", json!({})).guards_from(), Action::Accept);
        assert_eq!(
            req("Exists", json!({"RequiredToPreview": true})).guards_from(),
            Action::Preview
        );
        assert_eq!(
            req(
                "Exists",
                json!({"ActionsGuarded": "DiscoverPreviewAndAccept"})
            )
            .guards_from(),
            Action::Discover
        );
        assert_eq!(
            req(
                "Exists",
                json!({"ActionsGuarded": "Accept", "RequiredToPreview": true})
            )
            .guards_from(),
            Action::Accept,
            "ActionsGuarded wins over the deprecated flag"
        );
    }
}
