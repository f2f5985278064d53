//! MTurk's system qualification types: their ids, how this server computes each worker's value
//! from the worker's record, and the QualificationType that GetQualificationType and
//! ListQualificationTypes answer for them. A worker who has submitted fewer than `MIN_HISTORY`
//! assignments counts as 100% approved and 0% rejected (MTurk's figures are 100% until a worker
//! has a history; the threshold is this server's decision, stated in the README).

use serde_json::{Value, json};

use crate::server::worker_records::WorkerRecord;

/// A worker's value of a qualification: MTurk's two kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Score {
    Integer(i64),
    Locale {
        country: String,
        subdivision: Option<String>,
    },
}

/// The system qualifications this server computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemQual {
    Masters,
    MastersSandbox,
    NumberHitsApproved,
    Locale,
    Adult,
    PercentApproved,
    PercentSubmitted,
    PercentAbandoned,
    PercentReturned,
    PercentRejected,
}

/// How many submitted assignments a worker needs before their percentages are their own.
pub const MIN_HISTORY: i64 = 100;

/// When MTurk's system types were made, as their CreationTime: 2005-11-02, MTurk's launch.
const CREATION_SECS: i64 = 1_130_889_600;

impl SystemQual {
    pub const ALL: [SystemQual; 10] = [
        SystemQual::Masters,
        SystemQual::MastersSandbox,
        SystemQual::NumberHitsApproved,
        SystemQual::Locale,
        SystemQual::Adult,
        SystemQual::PercentApproved,
        SystemQual::PercentSubmitted,
        SystemQual::PercentAbandoned,
        SystemQual::PercentReturned,
        SystemQual::PercentRejected,
    ];

    pub fn from_id(id: &str) -> Option<SystemQual> {
        Self::ALL.into_iter().find(|q| q.id() == id)
    }

    /// Every system type as a QualificationType, in a fixed order.
    pub fn all_json() -> Vec<Value> {
        Self::ALL.into_iter().map(SystemQual::type_json).collect()
    }

    /// Its type id, name and description, as MTurk has them.
    fn entry(self) -> (&'static str, &'static str, &'static str) {
        match self {
            SystemQual::Masters => (
                "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH",
                "Masters",
                "Workers who have shown high accuracy across a wide range of HITs.",
            ),
            SystemQual::MastersSandbox => (
                "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6",
                "Masters (sandbox)",
                "The Masters qualification under its sandbox id.",
            ),
            SystemQual::NumberHitsApproved => (
                "00000000000000000040",
                "Worker_NumberHITsApproved",
                "The number of the worker's assignments that have been approved.",
            ),
            SystemQual::Locale => (
                "00000000000000000071",
                "Worker_Locale",
                "The worker's country and subdivision.",
            ),
            SystemQual::Adult => (
                "00000000000000000060",
                "Worker_Adult",
                "1 when the worker has agreed to see adult content, else 0.",
            ),
            SystemQual::PercentApproved => (
                "000000000000000000L0",
                "Worker_PercentAssignmentsApproved",
                "The percentage of the worker's decided assignments that were approved.",
            ),
            SystemQual::PercentSubmitted => (
                "00000000000000000000",
                "Worker_PercentAssignmentsSubmitted",
                "The percentage of assignments the worker accepted that they submitted.",
            ),
            SystemQual::PercentAbandoned => (
                "00000000000000000070",
                "Worker_PercentAssignmentsAbandoned",
                "The percentage of assignments the worker accepted and let expire.",
            ),
            SystemQual::PercentReturned => (
                "000000000000000000E0",
                "Worker_PercentAssignmentsReturned",
                "The percentage of assignments the worker accepted and returned.",
            ),
            SystemQual::PercentRejected => (
                "000000000000000000S0",
                "Worker_PercentAssignmentsRejected",
                "The percentage of the worker's decided assignments that were rejected.",
            ),
        }
    }

    pub fn id(self) -> &'static str {
        self.entry().0
    }

    pub fn is_locale(self) -> bool {
        self == SystemQual::Locale
    }

    pub fn type_json(self) -> Value {
        let (id, name, description) = self.entry();
        json!({
            "QualificationTypeId": id,
            "CreationTime": CREATION_SECS,
            "Name": name,
            "Description": description,
            "QualificationTypeStatus": "Active",
            "IsRequestable": false,
            "AutoGranted": false,
        })
    }

    /// The worker's value, or None where they do not have the qualification.
    pub fn score(self, worker: &WorkerRecord) -> Option<Score> {
        let decided = worker.approved + worker.rejected;
        let new_worker = worker.submitted < MIN_HISTORY || decided == 0;
        let percent = |part: i64| {
            if new_worker {
                None
            } else {
                Some(part * 100 / decided)
            }
        };
        Some(Score::Integer(match self {
            SystemQual::Masters | SystemQual::MastersSandbox => {
                return worker.masters.then_some(Score::Integer(1));
            }
            SystemQual::Locale => {
                return worker.country.clone().map(|country| Score::Locale {
                    country,
                    subdivision: worker.subdivision.clone(),
                });
            }
            SystemQual::NumberHitsApproved => worker.approved,
            SystemQual::Adult => i64::from(worker.adult),
            SystemQual::PercentApproved => percent(worker.approved).unwrap_or(100),
            SystemQual::PercentRejected => percent(worker.rejected).unwrap_or(0),
            // Workers here accept and submit in one step: nothing is returned or abandoned.
            SystemQual::PercentSubmitted => 100,
            SystemQual::PercentAbandoned | SystemQual::PercentReturned => 0,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_its_own_id() {
        let ids: std::collections::HashSet<_> = SystemQual::ALL.iter().map(|q| q.id()).collect();
        assert_eq!(ids.len(), SystemQual::ALL.len());
        assert_eq!(
            SystemQual::from_id("000000000000000000L0"),
            Some(SystemQual::PercentApproved)
        );
        assert_eq!(
            SystemQual::from_id("2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"),
            Some(SystemQual::MastersSandbox)
        );
        assert_eq!(SystemQual::from_id("nope"), None);
    }

    #[test]
    fn percentages_are_the_workers_own_only_after_enough_history() {
        let mut w = WorkerRecord {
            submitted: MIN_HISTORY - 1,
            approved: 50,
            rejected: 49,
            ..Default::default()
        };
        assert_eq!(
            SystemQual::PercentApproved.score(&w),
            Some(Score::Integer(100))
        );
        assert_eq!(
            SystemQual::PercentRejected.score(&w),
            Some(Score::Integer(0))
        );
        w.submitted = MIN_HISTORY;
        w.rejected = 50;
        assert_eq!(
            SystemQual::PercentApproved.score(&w),
            Some(Score::Integer(50))
        );
        assert_eq!(
            SystemQual::PercentRejected.score(&w),
            Some(Score::Integer(50))
        );
        assert_eq!(
            SystemQual::NumberHitsApproved.score(&w),
            Some(Score::Integer(50))
        );
        assert_eq!(SystemQual::Masters.score(&w), None);
        assert_eq!(SystemQual::Locale.score(&w), None);
        assert_eq!(SystemQual::Adult.score(&w), Some(Score::Integer(0)));
    }
}
