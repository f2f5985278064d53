//! The HTTP edge: accepts connections, at most `max_connections` at a time (the others wait in
//! the kernel's backlog, holding none of the process's file descriptors), serves each one with
//! hyper's HTTP/1.1 under the header and idle timeouts, and on stop drops whatever is still open
//! after the shutdown timeout. What a request may carry (its Host, its body's framing, size and
//! time) is checked in `http.rs`, where the refusal can be a JSON answer.

mod clock;
mod host;
mod io;
mod malformed;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper::service::{Service, service_fn};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

pub use host::HostCheck;

use clock::Clock;
use io::EdgeIo;

/// The limits and timeouts of the edge, and the names it answers to.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// Connections served at once; more wait until one closes.
    pub max_connections: usize,
    /// How long a request's head may take, from its first byte.
    pub header_timeout: Duration,
    /// How long a request's body may take, from the end of its head.
    pub body_timeout: Duration,
    /// How long a connection with no request in progress may send and receive nothing.
    pub idle_timeout: Duration,
    /// How long stopping waits for open connections before dropping them.
    pub shutdown_timeout: Duration,
    /// Which Host a request may name.
    pub hosts: HostCheck,
}

impl Default for EdgeConfig {
    fn default() -> Self {
        EdgeConfig {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(5),
            hosts: HostCheck::default(),
        }
    }
}

/// Pause after a failed accept (most likely out of file descriptors) before trying again.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` until `stop` resolves, then lets open connections finish
/// their request for up to the shutdown timeout and drops the rest.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: EdgeConfig,
    stop: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let (close_all, closing) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut at_cap = false;
    tokio::pin!(stop);
    loop {
        while connections.try_join_next().is_some() {}
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                at_cap = false;
                slot
            }
            Err(_) => {
                if !at_cap {
                    tracing::warn!(
                        max_connections = config.max_connections,
                        "at the connection cap: new connections wait until one closes"
                    );
                    at_cap = true;
                }
                tokio::select! {
                    _ = &mut stop => break,
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                }
            }
        };
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                connections.spawn(serve_connection(
                    stream,
                    router.clone(),
                    config.header_timeout,
                    config.idle_timeout,
                    closing.clone(),
                    slot,
                ));
            }
            Err(err) => {
                tracing::warn!(%err, "cannot accept a connection");
                tokio::time::sleep(ACCEPT_RETRY).await;
            }
        }
    }
    drop(listener);
    let _ = close_all.send(true);
    let drained = tokio::time::timeout(config.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "dropping the connections still open at the shutdown deadline"
        );
        connections.shutdown().await;
    }
}

/// One connection, from accept to close; `_slot` is its place under the connection cap.
async fn serve_connection(
    stream: TcpStream,
    router: Router,
    header_timeout: Duration,
    idle_timeout: Duration,
    mut closing: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let clock = Clock::new();
    let router = TowerToHyperService::new(router);
    let service = {
        let clock = clock.clone();
        service_fn(move |request| {
            let in_request = clock.request();
            let answer = router.call(request);
            async move {
                let answer = answer.await;
                drop(in_request);
                answer
            }
        })
    };
    let connection = http1::Builder::new()
        // Answer every request a client sent before it shut its side down.
        .half_close(true)
        .max_headers(malformed::MAX_HEADERS)
        .max_header_size(malformed::MAX_HEAD_BYTES)
        // The clock below times heads and idleness (see clock.rs).
        .header_read_timeout(None)
        .serve_connection(TokioIo::new(EdgeIo::new(stream, clock.clone())), service);
    tokio::pin!(connection);
    let mut shutting_down = false;
    loop {
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(err) = served {
                    tracing::debug!(%err, "connection ended with an error");
                }
                break;
            }
            () = clock.expired(header_timeout, idle_timeout) => {
                tracing::debug!("closing a connection that was too slow or silent");
                break;
            }
            _ = closing.wait_for(|closing| *closing), if !shutting_down => {
                // Idle connections close now; one in a request closes after answering it.
                connection.as_mut().graceful_shutdown();
                shutting_down = true;
            }
        }
    }
}
