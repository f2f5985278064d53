//! Figure 8: what checking signatures costs the server. One server on one file database,
//! 8 clients, each signing every request as the SDK always does: with no access key in the
//! database the server accepts any signature without checking it; with one, it checks each.
//! The two are measured in turn, ROUNDS times each (unchecked, checked, unchecked, ...), for
//! GetAccountBalance (the cheapest call, where a check weighs most) and ListAssignmentsForHIT
//! (a page of 100). Clients and server share the machine's two cores, so one spell can differ
//! from the next by a fifth either way: the figure is the median of the rounds' ratios
//! (checked over the unchecked spell just before it), beside the median rates.

use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use aws_config::{BehaviorVersion, Region};
use aws_sdk_mturk::Client;
use aws_sdk_mturk::config::Credentials;
use mturk_review::mturk::client::local_client;

use crate::serve::{Serve, binary};
use crate::table::{Row, Table};
use crate::temp::TempPath;
use crate::throughput::{list_full_page, rate_of};

const CLIENTS: usize = 8;
const ROUNDS: usize = 5;

/// `mturk-review accounts ARGS --db DB`, its stdout.
fn accounts(db: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(binary()?)
        .arg("accounts")
        .args(args)
        .args(["--db", db])
        .output()?;
    if !out.status.success() {
        bail!(
            "accounts {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The key id and secret of a credentials block.
fn key_of(block: &str) -> Result<(String, String)> {
    let value = |name: &str| {
        block
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .with_context(|| format!("no {name} in {block:?}"))
    };
    Ok((
        value("aws_access_key_id =")?,
        value("aws_secret_access_key =")?,
    ))
}

async fn signing_client(url: &str, id: &str, secret: &str) -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(id, secret, None, None, "perf"))
        .endpoint_url(url)
        .load()
        .await;
    Client::new(&config)
}

/// Calls per second of `call` by CLIENTS clients, with the key or (`None`) any signature.
async fn spell<F, Fut>(
    url: &str,
    key: Option<&(String, String)>,
    items: &Arc<Vec<String>>,
    call: F,
) -> Result<f64>
where
    F: Fn(Client, String) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        clients.push(match key {
            Some((id, secret)) => signing_client(url, id, secret).await,
            None => local_client(url).await,
        });
    }
    rate_of(clients, items.clone(), call).await
}

pub async fn figure(table: &mut Table) -> Result<()> {
    let db = TempPath::new("signatures");
    let path = db.arg();
    let serve = Serve::start(&["--db", &path, "--generate", "100:100", "--seed", "7"])?;
    let client = local_client(&serve.url).await;
    let hits: Vec<String> = client
        .list_hits()
        .max_results(100)
        .send()
        .await?
        .hits()
        .iter()
        .filter_map(|h| h.hit_id().map(str::to_string))
        .collect();
    let listing: Arc<Vec<String>> =
        Arc::new(hits.iter().cycle().take(1_000_000).cloned().collect());
    let counting: Arc<Vec<String>> = Arc::new((0..1_000_000).map(|i| i.to_string()).collect());
    let balance = |client: Client, _: String| async move {
        client.get_account_balance().send().await?;
        Ok(())
    };
    let list = list_full_page;

    // Per call: the rates unchecked and checked, one pair per round.
    let mut rounds: [Vec<(f64, f64)>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..ROUNDS {
        let unchecked = [
            spell(&serve.url, None, &counting, balance).await?,
            spell(&serve.url, None, &listing, list).await?,
        ];
        // From the first key on, every request is checked.
        let key = key_of(&accounts(&path, &["add-key", "default"])?)?;
        let checked = [
            spell(&serve.url, Some(&key), &counting, balance).await?,
            spell(&serve.url, Some(&key), &listing, list).await?,
        ];
        accounts(&path, &["remove-key", &key.0])?;
        for i in 0..2 {
            rounds[i].push((unchecked[i], checked[i]));
        }
    }
    for (i, what) in ["GetAccountBalance", "ListAssignmentsForHIT, page of 100"]
        .iter()
        .enumerate()
    {
        let unchecked = median(rounds[i].iter().map(|r| r.0).collect());
        let checked = median(rounds[i].iter().map(|r| r.1).collect());
        let share = median(rounds[i].iter().map(|(u, c)| c / u).collect());
        table.push(Row {
            figure: format!("8. server: {what}, {CLIENTS} clients, signatures checked"),
            measured: format!("{checked:.0}/s"),
            baseline: format!("{unchecked:.0}/s unchecked (medians of {ROUNDS} spells each)"),
            ratio: format!("{:.0}%", share * 100.0),
            goal: "≥ 90%".into(),
            met: share >= 0.9,
        });
    }
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}
