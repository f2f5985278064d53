//! The MTurk-compatible server: the HTTP edge, HTTP framing, operations, the SQLite store, demo
//! data, rate limits per account and fault injection. It never depends on the console; the
//! console reaches it only over HTTP.

pub mod accounts;
mod answer_key;
mod auth;
mod edge;
mod eligibility;
pub mod error;
mod events;
mod faults;
pub mod generate;
mod http;
mod ledger;
mod model;
pub mod notify;
mod ops;
mod policies;
mod rate;
mod read_model;
pub mod schema;
pub mod seed;
pub mod site;
mod status;
pub mod store;
mod system_quals;
pub mod work;
mod worker_records;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use edge::{EdgeConfig, HostCheck};
pub use faults::FaultConfig;
use generate::{GenerateSpec, Generated};
use http::AppState;
pub use rate::RateConfig;
pub use site::{Invitation, SiteConfig};
use store::Store;

/// Everything `serve` can be told.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// SQLite file, or `:memory:`.
    pub db: PathBuf,
    pub demo: bool,
    /// Fill an empty database with a generated batch (refused when it holds HITs).
    pub generate: Option<GenerateSpec>,
    pub balance_cents: i64,
    pub faults: FaultConfig,
    /// Calls each account may make: over it, ThrottlingException with a retry-after hint.
    pub rate: RateConfig,
    pub max_body_bytes: usize,
    /// Connection limits and timeouts, and the names the server answers to.
    pub edge: EdgeConfig,
    /// Every request must be signed with an access key of the database (set when the server
    /// is reachable from other machines): a database without keys is refused at start, and
    /// should its last key be removed while it runs, every request is refused.
    pub require_signatures: bool,
    /// The worker site: its public addresses and who may join.
    pub site: site::SiteConfig,
}

pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot open the database {path}: {source}")]
    Database {
        path: String,
        source: schema::SchemaError,
    },
    #[error(
        "the database {path} has no access keys, so this server would accept any request from anyone who can reach it. Add one first: `mturk-review accounts add-key default --db {path}` keeps its data where it is (or `accounts add NAME` for a new account)"
    )]
    NoKeys { path: String },
    #[error("cannot read the database: {0}")]
    Read(String),
    #[error("cannot load the demo data: {0}")]
    Demo(String),
    #[error("cannot generate data: {0}")]
    Generate(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A server running on a tokio task; dropping `shutdown` (or sending on it) stops it.
pub struct RunningServer {
    pub addr: SocketAddr,
    /// The worker site's origin, as browsers reach it.
    pub site_url: String,
    /// The content origin (requester HTML), as browsers reach it.
    pub content_url: String,
    /// With `demo`: a worker to try the site as, and their sign-in link.
    pub demo_invite: Option<Invitation>,
    /// What `generate` put in the database, when it was asked to.
    pub generated: Option<Generated>,
    /// The database it serves, for the tasks `serve` runs beside it (notification delivery).
    pub store: Store,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningServer {
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish (for up to the shutdown timeout, then
    /// drops their connections), and waits for the server to end.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Opens the store (loading the demo into an empty one when asked), binds, and serves in the
/// background.
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let store =
        Store::open(&config.db, config.balance_cents).map_err(|source| ServerError::Database {
            path: config.db.display().to_string(),
            source,
        })?;
    if config.require_signatures {
        let keys = store
            .transaction(accounts::any_keys)
            .map_err(|e| ServerError::Read(e.message))?;
        if !keys {
            return Err(ServerError::NoKeys {
                path: config.db.display().to_string(),
            });
        }
    }
    if config.demo {
        let empty = store.is_empty().map_err(|e| ServerError::Demo(e.message))?;
        if empty {
            seed::load_demo(&store).map_err(ServerError::Demo)?;
        }
    }
    let generated = match config.generate {
        // Seconds of work for a big batch: off the async threads.
        Some(spec) => {
            let store = store.clone();
            let done = tokio::task::spawn_blocking(move || generate::generate(&store, &spec))
                .await
                .map_err(|e| ServerError::Generate(e.to_string()))?;
            Some(done.map_err(ServerError::Generate)?)
        }
        None => None,
    };
    let listener =
        TcpListener::bind(config.listen)
            .await
            .map_err(|source| ServerError::Listen {
                addr: config.listen,
                source,
            })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ServerError::Listen {
            addr: config.listen,
            source,
        })?;
    let app = Arc::new(AppState {
        store: store.clone(),
        verifier: auth::Verifier::new(),
        require_signatures: config.require_signatures,
        faults: faults::Faults::new(config.faults),
        rate: rate::RateLimits::new(config.rate),
        max_body_bytes: config.max_body_bytes,
        body_timeout: config.edge.body_timeout,
        hosts: config.edge.hosts.clone(),
    });
    // From the configured address, not the bound one: an API on port 0 gets a content origin on
    // any free port too, never "the port after" one the kernel picked.
    let content_addr = site::content_listen_for(&config.site, config.listen);
    let content_listener =
        TcpListener::bind(content_addr)
            .await
            .map_err(|source| ServerError::Listen {
                addr: content_addr,
                source,
            })?;
    let content_addr = content_listener
        .local_addr()
        .map_err(|source| ServerError::Listen {
            addr: content_addr,
            source,
        })?;
    let site_url = site::site_origin_for(&config.site, addr);
    let content_url = site::content_origin_for(&config.site, &site_url, content_addr);
    store
        .transaction(|tx| site::record_site_origin(tx, &site_url))
        .map_err(|e| ServerError::Read(e.message))?;
    let worker_site = Arc::new(site::Site {
        store: app.store.clone(),
        origin: site_url.clone(),
        content_origin: content_url.clone(),
        open_signup: config.site.open_signup,
        hosts: config.edge.hosts.clone(),
    });
    let demo_invite = if config.demo {
        let invite = store
            .transaction(|tx| site::invite(tx, Some("Demo worker"), None, crate::clock::now_ms()))
            .map_err(|e| ServerError::Demo(e.message))?;
        Some(invite)
    } else {
        None
    };
    let router =
        site::site_routes(worker_site.clone()).fallback(site::or_api(worker_site.clone(), app));
    let content = site::content_routes(worker_site);
    let (shutdown, stopped) = oneshot::channel::<()>();
    let (content_shutdown, content_stopped) = oneshot::channel::<()>();
    let content_edge = config.edge.clone();
    let task = tokio::spawn(async move {
        let content_task = tokio::spawn(edge::serve(
            content_listener,
            content,
            content_edge,
            async {
                let _ = content_stopped.await;
            },
        ));
        edge::serve(listener, router, config.edge, async {
            let _ = stopped.await;
        })
        .await;
        let _ = content_shutdown.send(());
        let _ = content_task.await;
    });
    Ok(RunningServer {
        addr,
        site_url,
        content_url,
        demo_invite,
        generated,
        store,
        shutdown: Some(shutdown),
        task,
    })
}
