//! `mturk-review notifications`: the notification messages of the server's database that are
//! not delivered yet (waiting for their first send, or failing and being retried), with their
//! attempts and last error, whether or not a server is running on it.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use mturk_review::clock;
use mturk_review::server::notify;

use super::accounts::{open_existing, transaction};

#[derive(Debug, Args)]
pub struct NotificationsArgs {
    /// The server's SQLite database, which must exist (`serve` creates it). Default:
    /// mturk-review/server.db under the user's data directory, as for `serve`.
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Also print each message's body (the JSON the destination receives).
    #[arg(long)]
    bodies: bool,
}

pub fn run(args: NotificationsArgs) -> Result<()> {
    let (_, store) = open_existing(args.db)?;
    let (waiting, (delivered, undelivered)) = transaction(&store, |tx| {
        Ok((notify::undelivered(tx)?, notify::counts(tx)?))
    })?;
    for m in &waiting {
        let error = m.last_error.as_deref().unwrap_or("not tried yet");
        println!(
            "{}\t{}\t{} {}\tsince {}\t{} attempt(s), next {}\t{}",
            m.seq,
            m.event_type,
            m.transport,
            m.destination,
            clock::utc_seconds(m.created_ms.div_euclid(1000)),
            m.attempts,
            clock::utc_seconds(m.next_attempt_ms.div_euclid(1000)),
            error.replace(['\n', '\t'], " ")
        );
        if args.bodies {
            println!("\t{}", m.body);
        }
    }
    eprintln!("{undelivered} notification(s) waiting for delivery, {delivered} delivered.");
    Ok(())
}
