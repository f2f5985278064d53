//! The status words of MTurk's assignments and HITs, as the server stores, compares and writes
//! them: one enum each, so a status is never a string compared in several places.

use std::fmt;
use std::str::FromStr;

use rusqlite::ToSql;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};

/// A word that names no status of its kind.
#[derive(Debug, thiserror::Error)]
#[error("unknown status {0:?}")]
pub struct UnknownStatus(String);

/// AssignmentStatus: the worker's work, from submission to the requester's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentStatus {
    Submitted,
    Approved,
    Rejected,
}

impl AssignmentStatus {
    pub const ALL: [AssignmentStatus; 3] = [
        AssignmentStatus::Submitted,
        AssignmentStatus::Approved,
        AssignmentStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentStatus::Submitted => "Submitted",
            AssignmentStatus::Approved => "Approved",
            AssignmentStatus::Rejected => "Rejected",
        }
    }
}

/// HITStatus as the server works it out (see `read_model::HIT_SELECT`): `Unassignable` while
/// workers hold every free slot, or hold work on a HIT that has expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitStatus {
    Assignable,
    Unassignable,
    Reviewable,
    Reviewing,
    Disposed,
}

impl HitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HitStatus::Assignable => "Assignable",
            HitStatus::Unassignable => "Unassignable",
            HitStatus::Reviewable => "Reviewable",
            HitStatus::Reviewing => "Reviewing",
            HitStatus::Disposed => "Disposed",
        }
    }
}

/// What became of a worker's work, as the worker sees it: accepted and in progress, one of
/// the three AssignmentStatus words, or ended without a submission (returned by the worker,
/// or abandoned at its deadline). `released_assignments.reason` stores the last two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkStatus {
    Accepted,
    Submitted,
    Approved,
    Rejected,
    Returned,
    Abandoned,
}

impl WorkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkStatus::Accepted => "Accepted",
            WorkStatus::Submitted => "Submitted",
            WorkStatus::Approved => "Approved",
            WorkStatus::Rejected => "Rejected",
            WorkStatus::Returned => "Returned",
            WorkStatus::Abandoned => "Abandoned",
        }
    }
}

/// The enums read from their words, are stored as them, and print as them.
macro_rules! status_words {
    ($kind:ty, $($variant:expr),+) => {
        impl FromStr for $kind {
            type Err = UnknownStatus;

            fn from_str(word: &str) -> Result<Self, UnknownStatus> {
                [$($variant),+]
                    .into_iter()
                    .find(|s| s.as_str() == word)
                    .ok_or_else(|| UnknownStatus(word.to_string()))
            }
        }

        impl fmt::Display for $kind {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $kind {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $kind {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e| FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

status_words!(
    AssignmentStatus,
    AssignmentStatus::Submitted,
    AssignmentStatus::Approved,
    AssignmentStatus::Rejected
);
status_words!(
    HitStatus,
    HitStatus::Assignable,
    HitStatus::Unassignable,
    HitStatus::Reviewable,
    HitStatus::Reviewing,
    HitStatus::Disposed
);
status_words!(
    WorkStatus,
    WorkStatus::Accepted,
    WorkStatus::Submitted,
    WorkStatus::Approved,
    WorkStatus::Rejected,
    WorkStatus::Returned,
    WorkStatus::Abandoned
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_words() {
        for s in AssignmentStatus::ALL {
            assert_eq!(s.as_str().parse::<AssignmentStatus>().ok(), Some(s));
        }
        assert_eq!(
            "Reviewing".parse::<HitStatus>().ok(),
            Some(HitStatus::Reviewing)
        );
        assert!("submitted".parse::<AssignmentStatus>().is_err());
        assert_eq!(
            "Unassignable".parse::<HitStatus>().ok(),
            Some(HitStatus::Unassignable)
        );
        assert!("unassignable".parse::<HitStatus>().is_err());
        for s in AssignmentStatus::ALL {
            assert_eq!(
                s.as_str()
                    .parse::<WorkStatus>()
                    .map(WorkStatus::as_str)
                    .ok(),
                Some(s.as_str())
            );
        }
        assert_eq!(
            "Abandoned".parse::<WorkStatus>().ok(),
            Some(WorkStatus::Abandoned)
        );
    }
}
