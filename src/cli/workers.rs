//! `mturk-review workers invite NAME`: a new worker on the server's database and the link that
//! signs them in to the worker site (signed, single use, valid for 7 days), whether or not a
//! server is running on it.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use mturk_review::clock;
use mturk_review::server::site;

use super::accounts::{open_existing, transaction};

#[derive(Debug, Args)]
pub struct WorkersArgs {
    #[command(subcommand)]
    command: WorkersCommand,
    /// The server's SQLite database, which must exist (`serve` creates it). Default:
    /// mturk-review/server.db under the user's data directory, as for `serve`.
    #[arg(long, value_name = "PATH", global = true)]
    db: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum WorkersCommand {
    /// Create a worker and print their sign-in link (send it to them; it works once).
    Invite {
        /// How the worker is known to you; shown to them when they sign in.
        name: String,
        /// The worker's country (ISO 3166, e.g. US), for Locale requirements.
        #[arg(long, value_name = "COUNTRY")]
        country: Option<String>,
        /// Their subdivision (ISO 3166-2 without the country, e.g. WA).
        #[arg(long, value_name = "SUBDIVISION", requires = "country")]
        subdivision: Option<String>,
        /// The worker site's address for the link, when no server has served this database
        /// yet (a running server records its own).
        #[arg(long, value_name = "URL")]
        site_url: Option<String>,
    },
}

pub fn run(args: WorkersArgs) -> Result<()> {
    let (_, store) = open_existing(args.db)?;
    match args.command {
        WorkersCommand::Invite {
            name,
            country,
            subdivision,
            site_url,
        } => {
            let invite = transaction(&store, |tx| {
                if let Some(url) = &site_url {
                    site::record_site_origin(tx, url.trim_end_matches('/'))?;
                }
                let locale = country.as_deref().map(|c| (c, subdivision.as_deref()));
                site::invite(tx, Some(&name), locale, clock::now_ms())
            })?;
            println!("{}", invite.sign_in_url);
            eprintln!(
                "Invited {name} as worker {}. The link above signs them in once, within 7 days.",
                invite.worker_id
            );
        }
    }
    Ok(())
}
