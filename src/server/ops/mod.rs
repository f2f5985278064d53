//! The operations the server answers: which handler serves which target, one module per group
//! of operations over the shared read model, and what they share (the call's context, reading
//! input, pagination, and the catching up with time that runs before every call).

mod account;
mod assignments;
mod ctx;
mod due;
mod files;
mod hits;
mod input;
mod layouts;
mod local;
mod notifications;
mod page;
mod qualifications;
mod review_results;
mod workers;

pub use assignments::{approve_assignment, reject_assignment};
pub use ctx::Ctx;
pub use due::catch_up;
pub use hits::{create_additional_assignments_for_hit, create_hit, update_expiration_for_hit};
pub use local::{Submission, insert_assignment, plan_assignment, submit_assignment};
pub use qualifications::{associate_qualification_with_worker, create_qualification_type};

use rusqlite::Transaction;
use serde_json::Value;

use super::error::ApiResult;

/// The target prefix of MTurk's own operations, and of the server's local additions.
pub const MTURK_PREFIX: &str = "MTurkRequesterServiceV20170117";
pub const LOCAL_PREFIX: &str = "MTurkLocal";

type Handler = fn(&Transaction, &Ctx, &Value) -> ApiResult<Value>;

/// The handler for an MTurk operation name, when this server implements it.
pub fn mturk_operation(name: &str) -> Option<Handler> {
    Some(match name {
        "CreateHIT" => hits::create_hit,
        "CreateHITType" => hits::create_hit_type,
        "CreateHITWithHITType" => hits::create_hit_with_hit_type,
        "GetHIT" => hits::get_hit,
        "ListHITs" => hits::list_hits,
        "ListReviewableHITs" => hits::list_reviewable_hits,
        "UpdateHITReviewStatus" => hits::update_hit_review_status,
        "UpdateExpirationForHIT" => hits::update_expiration_for_hit,
        "DeleteHIT" => hits::delete_hit,
        "CreateAdditionalAssignmentsForHIT" => hits::create_additional_assignments_for_hit,
        "UpdateHITTypeOfHIT" => hits::update_hit_type_of_hit,
        "ListReviewPolicyResultsForHIT" => review_results::list_review_policy_results_for_hit,
        "ListAssignmentsForHIT" => assignments::list_assignments_for_hit,
        "GetAssignment" => assignments::get_assignment,
        "GetFileUploadURL" => files::get_file_upload_url,
        "ApproveAssignment" => assignments::approve_assignment,
        "RejectAssignment" => assignments::reject_assignment,
        "SendBonus" => account::send_bonus,
        "ListBonusPayments" => account::list_bonus_payments,
        "GetAccountBalance" => account::get_account_balance,
        "CreateWorkerBlock" => workers::create_worker_block,
        "DeleteWorkerBlock" => workers::delete_worker_block,
        "ListWorkerBlocks" => workers::list_worker_blocks,
        "NotifyWorkers" => workers::notify_workers,
        "CreateQualificationType" => qualifications::create_qualification_type,
        "GetQualificationType" => qualifications::get_qualification_type,
        "UpdateQualificationType" => qualifications::update_qualification_type,
        "DeleteQualificationType" => qualifications::delete_qualification_type,
        "ListQualificationTypes" => qualifications::list_qualification_types,
        "AssociateQualificationWithWorker" => qualifications::associate_qualification_with_worker,
        "DisassociateQualificationFromWorker" => {
            qualifications::disassociate_qualification_from_worker
        }
        "GetQualificationScore" => qualifications::get_qualification_score,
        "ListWorkersWithQualificationType" => qualifications::list_workers_with_qualification_type,
        "ListHITsForQualificationType" => qualifications::list_hits_for_qualification_type,
        "ListQualificationRequests" => qualifications::list_qualification_requests,
        "AcceptQualificationRequest" => qualifications::accept_qualification_request,
        "RejectQualificationRequest" => qualifications::reject_qualification_request,
        "UpdateNotificationSettings" => notifications::update_notification_settings,
        "SendTestEventNotification" => notifications::send_test_event_notification,
        _ => return None,
    })
}

/// The local operations, by name: the worker's side, which MTurk's API lacks.
pub const LOCAL_OPERATIONS: [&str; 5] = [
    "SubmitAssignment",
    "CreateWorker",
    "UpdateWorker",
    "RequestQualification",
    "CreateHITLayout",
];

/// The handler for a `MTurkLocal.*` operation.
pub fn local_operation(name: &str) -> Option<Handler> {
    match name {
        "SubmitAssignment" => Some(local::submit_assignment),
        "CreateWorker" => Some(local::create_worker_op),
        "UpdateWorker" => Some(local::update_worker),
        "RequestQualification" => Some(local::request_qualification),
        "CreateHITLayout" => Some(layouts::create_hit_layout),
        _ => None,
    }
}
