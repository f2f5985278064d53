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

/// HITStatus as the server works it out. MTurk's `Unassignable` (every slot accepted, some
/// still being worked on) never arises: simulated workers accept and submit in one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitStatus {
    Assignable,
    Reviewable,
    Reviewing,
    Disposed,
}

impl HitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HitStatus::Assignable => "Assignable",
            HitStatus::Reviewable => "Reviewable",
            HitStatus::Reviewing => "Reviewing",
            HitStatus::Disposed => "Disposed",
        }
    }
}

/// Both enums read from their words, are stored as them, and print as them.
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
    HitStatus::Reviewable,
    HitStatus::Reviewing,
    HitStatus::Disposed
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
        assert!("Unassignable".parse::<HitStatus>().is_err());
    }
}
