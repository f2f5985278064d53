//! Pagination: pages of MaxResults, no duplicates or gaps, the last page without a NextToken,
//! and tokens that stay right while other requests change the data between pages.
// As in #[test] functions (clippy.toml): a failed expectation in a helper is a failed test.
#![allow(clippy::expect_used)]

mod common;

use std::collections::HashSet;

use aws_sdk_mturk::types::AssignmentStatus;
use common::{MTURK, TestServer, now_secs, post, wire_error};
use serde_json::json;

/// Submits work from `count` workers (AW00000, AW00001, ...), in order; returns the ids.
async fn submit_many(t: &TestServer, hit: &str, first: usize, count: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(count);
    for n in first..first + count {
        ids.push(t.submit(hit, &format!("AW{n:05}")).await);
    }
    ids
}

/// One page of a HIT's assignments: ids and the next token.
async fn assignment_page(
    t: &TestServer,
    hit: &str,
    statuses: Option<Vec<AssignmentStatus>>,
    token: Option<String>,
) -> (Vec<String>, Option<String>) {
    let out = t
        .client
        .list_assignments_for_hit()
        .hit_id(hit)
        .max_results(100)
        .set_assignment_statuses(statuses)
        .set_next_token(token)
        .send()
        .await
        .expect("ListAssignmentsForHIT");
    assert_eq!(out.num_results(), Some(out.assignments().len() as i32));
    let ids = out
        .assignments()
        .iter()
        .filter_map(|a| a.assignment_id().map(str::to_string))
        .collect();
    (ids, out.next_token().map(str::to_string))
}

async fn hit_page(
    t: &TestServer,
    max: i32,
    token: Option<String>,
) -> (Vec<String>, Option<String>) {
    let out = t
        .client
        .list_hits()
        .max_results(max)
        .set_next_token(token)
        .send()
        .await
        .expect("ListHITs");
    assert_eq!(out.num_results(), Some(out.hits().len() as i32));
    let ids = out
        .hits()
        .iter()
        .filter_map(|h| h.hit_id().map(str::to_string))
        .collect();
    (ids, out.next_token().map(str::to_string))
}

fn assert_no_duplicates(ids: &[String]) {
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicates across pages");
}

#[tokio::test]
async fn two_hundred_fifty_assignments_come_in_pages_of_100_100_50() {
    let t = TestServer::start().await;
    let hit = t.hit("0.01", 250).await;
    let submitted = submit_many(&t, &hit, 0, 250).await;

    let (first, token) = assignment_page(&t, &hit, None, None).await;
    let (second, token2) = assignment_page(&t, &hit, None, token.clone()).await;
    let (third, token3) = assignment_page(&t, &hit, None, token2.clone()).await;
    assert_eq!((first.len(), second.len(), third.len()), (100, 100, 50));
    assert!(token.is_some() && token2.is_some() && token != token2);
    // As MTurk: the last page with results has a NextToken too, and the page after it is
    // empty and has none.
    assert!(
        token3.is_some(),
        "the last page with results has a NextToken"
    );
    let (after, token4) = assignment_page(&t, &hit, None, token3).await;
    assert_eq!((after.len(), token4), (0, None));
    let all: Vec<String> = [first, second, third].concat();
    assert_no_duplicates(&all);
    assert_eq!(all, submitted, "every assignment once, in submission order");

    // The SDK's paginator sees the same pages.
    let pages: Vec<_> = t
        .client
        .list_assignments_for_hit()
        .hit_id(&hit)
        .into_paginator()
        .page_size(100)
        .send()
        .collect()
        .await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().map(|p| p.assignments().len()).unwrap_or(0))
        .collect();
    assert_eq!(sizes, [100, 100, 50, 0]);

    // A token is tied to its HIT: another HIT's list refuses it.
    let other = t.hit("0.01", 1).await;
    let err = wire_error(
        t.client
            .list_assignments_for_hit()
            .hit_id(&other)
            .set_next_token(token)
            .send()
            .await,
    );
    err.assert_invalid("pagination token");
}

#[tokio::test]
async fn without_max_results_a_page_holds_ten() {
    let t = TestServer::start().await;
    for _ in 0..25 {
        t.hit("0.01", 1).await;
    }
    let mut sizes = Vec::new();
    let mut token = None;
    loop {
        let out = t
            .client
            .list_hits()
            .set_next_token(token)
            .send()
            .await
            .expect("ListHITs");
        sizes.push(out.hits().len());
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(sizes, [10, 10, 5, 0]);
}

#[tokio::test]
async fn list_hits_pages_across_many_hits() {
    let t = TestServer::start().await;
    let mut created = Vec::new();
    for _ in 0..230 {
        created.push(t.hit("0.01", 1).await);
    }
    let pages: Vec<_> = t
        .client
        .list_hits()
        .into_paginator()
        .page_size(100)
        .send()
        .collect()
        .await;
    let mut listed = Vec::new();
    let mut sizes = Vec::new();
    for page in pages {
        let page = page.expect("ListHITs page");
        sizes.push(page.hits().len());
        listed.extend(
            page.hits()
                .iter()
                .filter_map(|h| h.hit_id().map(str::to_string)),
        );
    }
    assert_eq!(sizes, [100, 100, 30, 0]);
    assert_no_duplicates(&listed);
    assert_eq!(listed, created);
}

#[tokio::test]
async fn assignment_tokens_stay_right_while_work_is_approved_and_submitted_between_pages() {
    let t = TestServer::start().await;
    let hit = t.hit("0.01", 300).await;
    let original = submit_many(&t, &hit, 0, 250).await;
    let submitted = Some(vec![AssignmentStatus::Submitted]);

    let (first, token) = assignment_page(&t, &hit, submitted.clone(), None).await;
    assert_eq!(first, original[..100]);
    // Between pages: approve some already seen and some not yet seen, submit new work.
    for id in original[..10].iter().chain(&original[150..160]) {
        t.approve(id).await;
    }
    let newer = submit_many(&t, &hit, 250, 5).await;
    let (second, token) = assignment_page(&t, &hit, submitted.clone(), token).await;
    t.reject(&original[240]).await;
    let (third, token) = assignment_page(&t, &hit, submitted.clone(), token).await;
    let (rest, token) = assignment_page(&t, &hit, submitted.clone(), token).await;
    assert_eq!((rest.len(), token), (0, None));

    let all: Vec<String> = [first, second, third].concat();
    assert_no_duplicates(&all);
    // The unread part reflects the changes: approved/rejected ones are no longer Submitted,
    // new work appears at the end.
    let expected: Vec<String> = original[..100]
        .iter()
        .chain(&original[100..150])
        .chain(&original[160..240])
        .chain(&original[241..])
        .chain(&newer)
        .cloned()
        .collect();
    assert_eq!(all, expected);

    // Unfiltered, every assignment is there exactly once.
    let (a, token) = assignment_page(&t, &hit, None, None).await;
    t.submit(&hit, "AW99999").await;
    let (b, token) = assignment_page(&t, &hit, None, token).await;
    let (c, token) = assignment_page(&t, &hit, None, token).await;
    let (d, token) = assignment_page(&t, &hit, None, token).await;
    assert_eq!((d.len(), token), (0, None));
    let all: Vec<String> = [a, b, c].concat();
    assert_no_duplicates(&all);
    assert_eq!(all.len(), 256);
    assert!(original.iter().chain(&newer).all(|id| all.contains(id)));
}

#[tokio::test]
async fn hit_tokens_stay_right_while_hits_are_created_and_deleted_between_pages() {
    let t = TestServer::start().await;
    let mut original = Vec::new();
    for _ in 0..30 {
        original.push(t.hit("0.01", 1).await);
    }
    let (first, token) = hit_page(&t, 10, None).await;
    assert_eq!(first, original[..10]);

    // Delete one already listed and one not yet listed; create three more.
    for gone in [&original[3], &original[25]] {
        t.expire(gone, now_secs() - 60).await;
        t.client
            .delete_hit()
            .hit_id(gone)
            .send()
            .await
            .expect("DeleteHIT");
    }
    let mut newer = Vec::new();
    for _ in 0..3 {
        newer.push(t.hit("0.01", 1).await);
    }
    let mut all = first;
    let mut token = token;
    while let Some(next) = token {
        let (page, next_token) = hit_page(&t, 10, Some(next)).await;
        all.extend(page);
        token = next_token;
    }
    assert_no_duplicates(&all);
    let expected: Vec<String> = original[..25]
        .iter()
        .chain(&original[26..])
        .chain(&newer)
        .cloned()
        .collect();
    assert_eq!(
        all, expected,
        "the deleted HIT already seen stays seen; the other is skipped"
    );
}

#[tokio::test]
async fn reviewable_hits_blocks_and_bonuses_paginate_too() {
    let t = TestServer::start().await;
    let mut reviewable = Vec::new();
    let mut assignments = Vec::new();
    for n in 0..15 {
        let hit = t.hit("0.01", 1).await;
        assignments.push(t.submit(&hit, "AWORKER1").await);
        reviewable.push(hit);
        t.client
            .create_worker_block()
            .worker_id(format!("AB{n:05}"))
            .reason("spam")
            .send()
            .await
            .expect("CreateWorkerBlock");
    }
    let id = &assignments[0];
    for _ in 0..15 {
        t.bonus("AWORKER1", id, "0.01", None).await;
    }

    let pages: Vec<_> = t
        .client
        .list_reviewable_hits()
        .into_paginator()
        .page_size(10)
        .send()
        .collect()
        .await;
    let ids: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.expect("page").hits().to_vec())
        .filter_map(|h| h.hit_id().map(str::to_string))
        .collect();
    assert_eq!(ids, reviewable);

    let pages: Vec<_> = t
        .client
        .list_worker_blocks()
        .into_paginator()
        .page_size(10)
        .send()
        .collect()
        .await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().map(|p| p.worker_blocks().len()).unwrap_or(0))
        .collect();
    assert_eq!(sizes, [10, 5, 0]);

    let pages: Vec<_> = t
        .client
        .list_bonus_payments()
        .assignment_id(id)
        .into_paginator()
        .page_size(10)
        .send()
        .collect()
        .await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().map(|p| p.bonus_payments().len()).unwrap_or(0))
        .collect();
    assert_eq!(sizes, [10, 5, 0]);
}

#[tokio::test]
async fn the_loop_widely_used_clients_run_ends_without_a_missing_token() {
    // `while page["HITs"]: page = list_hits(NextToken=page["NextToken"])`, as Mephisto and
    // psiTurk page: every page with results must carry a NextToken, the last one too.
    let t = TestServer::start().await;
    for _ in 0..15 {
        t.hit("0.01", 1).await;
    }
    let mut page = post(
        t.addr(),
        &format!("{MTURK}.ListHITs"),
        &json!({ "MaxResults": 5 }),
    )
    .await
    .json();
    let mut seen = 0;
    while page["HITs"].as_array().is_some_and(|hits| !hits.is_empty()) {
        seen += page["HITs"].as_array().map_or(0, Vec::len);
        let token = page["NextToken"]
            .as_str()
            .unwrap_or_else(|| panic!("a page with results has no NextToken: {page}"));
        page = post(
            t.addr(),
            &format!("{MTURK}.ListHITs"),
            &json!({ "MaxResults": 5, "NextToken": token }),
        )
        .await
        .json();
    }
    assert_eq!(seen, 15);
    assert!(
        page.get("NextToken").is_none(),
        "the empty page ends it: {page}"
    );
}
