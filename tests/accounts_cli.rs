//! `mturk-review accounts` as a process, on a database file: the credentials block it prints,
//! what `list` shows (never a secret), refusals that change nothing, and commands run while a
//! `serve` process writes to the same file. Also `serve --allow-remote`, which needs a key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aws_config::profile::ProfileFileCredentialsProvider;
// aws-config's names for aws-runtime's EnvConfigFiles, deprecated there but the way to them
// without depending on aws-runtime directly.
#[allow(deprecated)]
use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_mturk::Client;
use aws_sdk_mturk::config::{Credentials, ProvideCredentials};
use common::{QUESTION, ServeProcess, TempDb, credentials};
use mturk_review::server::accounts;
use mturk_review::server::store::Store;
use serde_json::json;

/// A new database file with `cents` in its `default` account, as `serve` would make it.
fn new_db(tag: &str, cents: i64) -> TempDb {
    let db = TempDb::new(tag);
    Store::open(&db.0, cents).expect("create the database");
    db
}

fn accounts(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .arg("accounts")
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("run mturk-review accounts")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `accounts ARGS` and returns its stdout, failing the test if it failed.
fn accounts_ok(db: &Path, args: &[&str]) -> String {
    let out = accounts(db, args);
    assert!(
        out.status.success(),
        "accounts {args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// `accounts list` through a pipe: its lines as tab-separated fields, header first.
fn list(db: &Path) -> Vec<Vec<String>> {
    accounts_ok(db, &["list"])
        .lines()
        .map(|line| line.split('\t').map(str::to_string).collect())
        .collect()
}

/// The listed row of the account `name`: id, name, balance, on hold, available, key ids.
fn row(db: &Path, name: &str) -> Vec<String> {
    list(db)
        .into_iter()
        .find(|fields| fields.get(1).map(String::as_str) == Some(name))
        .unwrap_or_else(|| panic!("{name} is not listed"))
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn side_file(db: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

#[tokio::test]
async fn add_prints_a_credentials_profile_once_and_list_never_shows_the_secret() {
    let db = new_db("add", 0);
    let out = accounts(&db.0, &["add", "lab", "--balance", "25.50"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let block = stdout(&out);
    let (key_id, secret) = credentials(&block, "lab");
    let hint = stderr(&out);
    assert!(hint.contains("--profile lab"), "{hint}");
    assert!(hint.contains("us-east-1"), "{hint}");
    assert!(!hint.contains(&secret), "the secret goes to stdout only");

    // The block is a profile the AWS SDK (and so the console's --profile) reads as it is.
    let file = TempDb::new("credentials");
    std::fs::write(&file.0, &block).unwrap();
    #[allow(deprecated)]
    let provider = ProfileFileCredentialsProvider::builder()
        .profile_files(
            ProfileFiles::builder()
                .with_file(ProfileFileKind::Credentials, &file.0)
                .build(),
        )
        .profile_name("lab")
        .build();
    let read = provider.provide_credentials().await.expect("the profile");
    assert_eq!(
        (read.access_key_id(), read.secret_access_key()),
        (key_id.as_str(), secret.as_str())
    );

    let listed = accounts_ok(&db.0, &["list"]);
    assert!(!listed.contains(&secret), "{listed}");
    assert_eq!(
        list(&db.0)[0],
        ["id", "name", "balance", "on hold", "available", "key ids"]
    );
    let lab = row(&db.0, "lab");
    assert_eq!(lab[2..], ["25.50", "0.00", "25.50", key_id.as_str()]);

    // The server will find the account by the key and check signatures with the secret.
    let store = Store::open(&db.0, 0).unwrap();
    let owner = store
        .transaction(|tx| accounts::owner_of_key(tx, &key_id))
        .unwrap()
        .expect("the key is stored");
    assert_eq!(owner.account_id, lab[0]);
    assert_eq!(owner.secret, secret);
    #[cfg(unix)]
    assert_eq!(mode(&db.0), 0o600, "the file holds a secret now");
}

#[test]
fn add_key_remove_key_and_deposit_change_what_list_shows() {
    let db = new_db("keys", 1_000);
    let (first, _) = credentials(&accounts_ok(&db.0, &["add-key", "default"]), "default");
    let (second, second_secret) =
        credentials(&accounts_ok(&db.0, &["add-key", "default"]), "default");
    assert_ne!(first, second);
    assert_eq!(row(&db.0, "default")[5], format!("{first},{second}"));

    let out = accounts(&db.0, &["deposit", "default", "5.25"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("balance 15.25"), "{}", stderr(&out));
    assert_eq!(row(&db.0, "default")[2..5], ["15.25", "0.00", "15.25"]);
    let store = Store::open(&db.0, 0).unwrap();
    let (kind, cents): (String, i64) = store
        .transaction(|tx| {
            Ok(tx.query_row(
                "SELECT kind, amount_cents FROM ledger ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap();
    assert_eq!((kind.as_str(), cents), ("deposit", 525), "a ledger row");

    let out = accounts(&db.0, &["remove-key", &first]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("of the account default"));
    assert!(!stderr(&out).contains("No access keys are left"));
    assert_eq!(row(&db.0, "default")[5], second);
    assert_eq!(
        store.transaction(|tx| accounts::owner_of_key(tx, &first)),
        Ok(None)
    );
    let out = accounts(&db.0, &["remove-key", &second]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("No access keys are left"),
        "{}",
        stderr(&out)
    );
    assert_eq!(row(&db.0, "default")[5], "");
    assert!(!accounts_ok(&db.0, &["list"]).contains(&second_secret));
}

#[test]
fn refusals_exit_non_zero_say_why_and_change_nothing() {
    let db = new_db("refusals", 1_000);
    let (key_id, _) = credentials(
        &accounts_ok(&db.0, &["add", "lab", "--balance", "2"]),
        "lab",
    );
    let before = list(&db.0);
    let ledger_rows = || -> i64 {
        Store::open(&db.0, 0)
            .unwrap()
            .transaction(|tx| Ok(tx.query_row("SELECT COUNT(*) FROM ledger", [], |r| r.get(0))?))
            .unwrap()
    };
    let rows_before = ledger_rows();
    for (args, says) in [
        (vec!["add", "lab"], "exists already"),
        (vec!["add", "two words"], "cannot name an account"),
        (vec!["add", "new", "--balance", "0"], "more than 0.00"),
        (vec!["add-key", "nobody"], "no account named \"nobody\""),
        (vec!["remove-key", "AKIAAAAAAAAAAAAAAAAA"], "no access key"),
        (
            vec!["deposit", "nobody", "5"],
            "no account named \"nobody\"",
        ),
        (vec!["deposit", "lab", "0"], "more than 0.00"),
        (vec!["deposit", "lab", "-5"], "more than 0.00"),
        (vec!["deposit", "lab", "1.234"], "at most 2 decimals"),
        (vec!["deposit", "lab", "5,00"], "not an amount"),
        (vec!["deposit", "lab", "20000000"], "refused"),
    ] {
        let out = accounts(&db.0, &args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(list(&db.0), before, "nothing changed");
    assert_eq!(ledger_rows(), rows_before);
    assert_eq!(row(&db.0, "lab")[5], key_id);

    let missing = TempDb::new("missing");
    let out = accounts(&missing.0, &["add", "lab"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("there is no database"),
        "{}",
        stderr(&out)
    );
    assert!(
        !missing.0.exists(),
        "a mistyped --db is not made a database"
    );
}

/// aws-sdk-mturk without retries, so that every failed call is seen.
async fn strict_client(url: &str) -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "static"))
        .retry_config(RetryConfig::disabled())
        .endpoint_url(url)
        .load()
        .await;
    Client::new(&config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_and_a_busy_server_take_turns_on_one_file() {
    const SLOTS: i32 = 5_000;
    let db = new_db("busy", 1_000_000);
    let path = db.0.to_string_lossy().to_string();
    let server = ServeProcess::spawn(&["--listen", "127.0.0.1:0", "--db", &path]);
    let client = strict_client(&server.url).await;
    // 0.10 and 40% (10 or more assignments): each approval pays 0.14 from the HIT's hold.
    let hit = client
        .create_hit()
        .title("Busy")
        .description("Approved in a loop")
        .reward("0.10")
        .max_assignments(SLOTS)
        .assignment_duration_in_seconds(600)
        .lifetime_in_seconds(3600)
        .question(QUESTION)
        .send()
        .await
        .expect("CreateHIT")
        .hit()
        .and_then(|h| h.hit_id())
        .expect("HITId")
        .to_string();

    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, client, addr, hit) = (stop.clone(), client.clone(), server.addr, hit.clone());
        tokio::spawn(async move {
            let mut approved = 0;
            while !stop.load(Ordering::Relaxed) && approved < SLOTS {
                let body = json!({"HITId": hit, "WorkerId": format!("AWORKER{approved}"), "Answer": common::ANSWER});
                let raw = common::post(addr, "MTurkLocal.SubmitAssignment", &body).await;
                assert_eq!(raw.status, 200, "SubmitAssignment: {}", raw.body);
                let id = raw.json()["AssignmentId"].as_str().unwrap().to_string();
                client
                    .approve_assignment()
                    .assignment_id(id)
                    .send()
                    .await
                    .expect("ApproveAssignment while accounts commands run");
                approved += 1;
            }
            approved
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..5 {
        let db = db.0.clone();
        let out = tokio::task::spawn_blocking(move || accounts(&db, &["deposit", "default", "1"]))
            .await
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }

    // Another process holding a write open for a while: the command waits its turn, then runs.
    let (held, holding) = std::sync::mpsc::channel();
    let holder = {
        let db = db.0.clone();
        std::thread::spawn(move || {
            let mut conn = rusqlite::Connection::open(&db).unwrap();
            conn.busy_timeout(Duration::from_secs(5)).unwrap();
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .unwrap();
            tx.execute("UPDATE accounts SET created_ms = created_ms + 1", [])
                .unwrap();
            held.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(1_000));
            tx.commit().unwrap();
        })
    };
    holding.recv().unwrap();
    let waited = {
        let db = db.0.clone();
        tokio::task::spawn_blocking(move || accounts(&db, &["deposit", "default", "1"]))
            .await
            .unwrap()
    };
    assert!(waited.status.success(), "{}", stderr(&waited));
    holder.join().unwrap();

    stop.store(true, Ordering::Relaxed);
    let approved = i64::from(writer.await.expect("the writer"));
    assert!(approved > 0);

    // Everything both sides did is there: 6 deposits of 1.00, and 0.14 per approval.
    let expected_balance = 1_000_000 + 600 - 14 * approved;
    let expected_held = 14 * (i64::from(SLOTS) - approved);
    assert_eq!(
        row(&db.0, "default")[2..4],
        [
            mturk_review::money::format_cents(expected_balance),
            mturk_review::money::format_cents(expected_held)
        ]
    );
    let store = Store::open(&db.0, 0).unwrap();
    let (ledger_sum, approvals): (i64, i64) = store
        .transaction(|tx| {
            Ok(tx.query_row(
                "SELECT SUM(amount_cents), COUNT(*) FILTER (WHERE kind = 'approval') FROM ledger",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap();
    assert_eq!((ledger_sum, approvals), (expected_balance, approved));

    // A key added while the server runs is there for it, and the file is private again,
    // with the side files the server has open.
    let (key_id, _) = credentials(&accounts_ok(&db.0, &["add", "lab"]), "lab");
    assert_eq!(row(&db.0, "lab")[5], key_id);
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        let file = side_file(&db.0, suffix);
        if suffix.is_empty() || file.exists() {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
    }
    let mut server = server;
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server runs on"
    );
}

#[test]
fn allow_remote_needs_a_key_and_add_key_default_gives_one() {
    let db = new_db("remote", 1_000);
    let path = db.0.to_string_lossy().to_string();
    let args = ["--allow-remote", "--listen", "127.0.0.1:0", "--db", &path];
    let out = Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .arg("serve")
        .args(args)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "it must not start listening");
    let err = stderr(&out);
    assert!(err.contains("accounts add-key default"), "{err}");

    credentials(&accounts_ok(&db.0, &["add-key", "default"]), "default");
    let mut server = ServeProcess::spawn(&args);
    assert!(server.addr.port() != 0, "{}", server.url);
    assert_eq!(server.terminate().code(), Some(0));
}
