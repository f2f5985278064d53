//! One connection's clock. While no request is in progress, a connection is ended when the head
//! of its next request has not arrived within the header timeout of its first byte, or when
//! nothing at all has been read or written for the idle timeout (a client that stops reading
//! its answer counts as silent too). While a request is in progress the handler owns the time:
//! the body timeout is applied where the body is read.
//!
//! hyper has a header timer of its own, but it starts when hyper begins waiting for a request,
//! so it would also end every kept-alive connection at the header timeout; this clock gives the
//! two limits their own values.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Debug)]
pub struct Clock {
    state: Mutex<State>,
    /// Told when a deadline may have moved earlier, or a request has ended.
    changed: Notify,
}

#[derive(Debug)]
struct State {
    requests: usize,
    /// The last time a byte moved or a request began or ended.
    quiet_since: Instant,
    /// The first byte of the next request's head, once it has come.
    head_since: Option<Instant>,
}

/// Marks a request in progress until dropped.
pub struct InRequest(Arc<Clock>);

impl Clock {
    pub fn new() -> Arc<Clock> {
        Arc::new(Clock {
            state: Mutex::new(State {
                requests: 0,
                quiet_since: Instant::now(),
                head_since: None,
            }),
            changed: Notify::new(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes arrived.
    pub fn read(&self) {
        let now = Instant::now();
        let mut state = self.state();
        state.quiet_since = now;
        if state.requests == 0 && state.head_since.is_none() {
            state.head_since = Some(now);
            self.changed.notify_one();
        }
    }

    /// Bytes left.
    pub fn wrote(&self) {
        self.state().quiet_since = Instant::now();
    }

    /// hyper has read a whole head and handed the request over.
    pub fn request(self: &Arc<Self>) -> InRequest {
        let mut state = self.state();
        state.requests += 1;
        state.head_since = None;
        state.quiet_since = Instant::now();
        InRequest(self.clone())
    }

    /// Resolves when the connection has been too slow or too quiet.
    pub async fn expired(&self, header_timeout: Duration, idle_timeout: Duration) {
        loop {
            let deadline = {
                let state = self.state();
                if state.requests > 0 {
                    None
                } else {
                    Some(match state.head_since {
                        Some(since) => since + header_timeout,
                        None => state.quiet_since + idle_timeout,
                    })
                }
            };
            match deadline {
                None => self.changed.notified().await,
                Some(deadline) if deadline <= Instant::now() => return,
                Some(deadline) => tokio::select! {
                    () = tokio::time::sleep_until(deadline) => {}
                    () = self.changed.notified() => {}
                },
            }
        }
    }
}

impl Drop for InRequest {
    fn drop(&mut self) {
        {
            let mut state = self.0.state();
            state.requests = state.requests.saturating_sub(1);
            state.quiet_since = Instant::now();
        }
        self.0.changed.notify_one();
    }
}
