//! `mturk-review workers invite` and `serve --demo`'s sign-in link, as processes: the links
//! they print sign a worker in to the site of the server on that database.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::process::{Command, Output};

use common::site::Agent;
use common::{ServeProcess, TempDb};
use mturk_review::server::store::Store;

fn workers(db: &TempDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .arg("workers")
        .args(args)
        .arg("--db")
        .arg(&db.0)
        .output()
        .expect("run mturk-review workers")
}

#[tokio::test]
async fn an_invitation_signs_the_worker_in_to_the_site_that_serves_the_database() {
    let db = TempDb::new("workers-invite");
    Store::open(&db.0, 0).expect("create the database");
    // Never served: the site's address is not known yet, and the command says how to give it.
    let unknown = workers(&db, &["invite", "Ada"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--site-url"));

    let path = db.0.display().to_string();
    let server = ServeProcess::spawn(&["--listen", "127.0.0.1:0", "--db", &path]);
    let out = workers(&db, &["invite", "Ada Lovelace", "--country", "GB"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let link = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        link.starts_with(&format!("{}/worker/sign-in?token=", server.url)),
        "{link}"
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("Invited Ada Lovelace as worker A"), "{said}");

    let page = Agent::new(server.addr)
        .get(&common::site::path_of(&link))
        .await;
    assert!(page.body.contains("Ada Lovelace"), "{}", page.body);
    let agent = Agent::sign_in(server.addr, &link).await;
    assert_eq!(agent.get("/worker/me").await.status, 200);
}

#[tokio::test]
async fn serve_demo_prints_the_site_and_a_sign_in_link_that_works() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .args([
            "serve",
            "--demo",
            "--db",
            ":memory:",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start serve --demo");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let listening = lines.next().unwrap().unwrap();
    let site = lines.next().unwrap().unwrap();
    let demo = lines.next().unwrap().unwrap();
    let url = listening
        .strip_prefix("listening on ")
        .expect("the first line");
    assert_eq!(site, format!("worker site: {url}/worker/"));
    let link = demo.rsplit(' ').next().expect("a link");
    assert!(demo.starts_with("sign in as the demo worker A"), "{demo}");
    let addr = url.strip_prefix("http://").unwrap().parse().unwrap();
    let agent = Agent::sign_in(addr, link).await;
    let home = agent.get("/worker/").await;
    assert!(
        home.body.contains("movie review"),
        "the demo has work to do: {}",
        home.body
    );
    let _ = child.kill();
    let _ = child.wait();
}
