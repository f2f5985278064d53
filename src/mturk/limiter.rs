//! Adaptive concurrency for decisions (additive increase, multiplicative decrease, as TCP
//! does): throttling halves how many calls may be in flight, and every `limit` successes
//! in a row let one more through, up to the ceiling.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

#[derive(Debug)]
struct Inner {
    limit: usize,
    in_flight: usize,
    successes: usize,
}

#[derive(Debug, Clone)]
pub struct Limiter {
    inner: Arc<Mutex<Inner>>,
    freed: Arc<Notify>,
    ceiling: usize,
}

/// A slot to make one call; give it back with `succeeded` or `throttled` (or drop it).
#[derive(Debug)]
pub struct Slot {
    limiter: Limiter,
}

impl Limiter {
    pub fn new(ceiling: usize) -> Limiter {
        let ceiling = ceiling.max(1);
        Limiter {
            inner: Arc::new(Mutex::new(Inner {
                limit: ceiling,
                in_flight: 0,
                successes: 0,
            })),
            freed: Arc::new(Notify::new()),
            ceiling,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut inner)
    }

    /// How many calls may be in flight now.
    pub fn limit(&self) -> usize {
        self.with(|inner| inner.limit)
    }

    pub async fn acquire(&self) -> Slot {
        loop {
            // Register interest before checking, so a release in between is not missed.
            let freed = self.freed.notified();
            let got = self.with(|inner| {
                let free = inner.in_flight < inner.limit;
                if free {
                    inner.in_flight += 1;
                }
                free
            });
            if got {
                return Slot {
                    limiter: self.clone(),
                };
            }
            freed.await;
        }
    }
}

impl Slot {
    pub fn succeeded(self) {
        let ceiling = self.limiter.ceiling;
        self.limiter.with(|inner| {
            inner.successes += 1;
            if inner.successes >= inner.limit && inner.limit < ceiling {
                inner.limit += 1;
                inner.successes = 0;
            }
        });
        // One more may go now (the slot's own release wakes another).
        self.limiter.freed.notify_one();
    }

    pub fn throttled(self) {
        self.limiter.with(|inner| {
            inner.limit = (inner.limit / 2).max(1);
            inner.successes = 0;
        });
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.limiter
            .with(|inner| inner.in_flight = inner.in_flight.saturating_sub(1));
        // One waiter per freed slot: waking all of them would cost O(waiters) per release.
        self.limiter.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn throttling_halves_and_successes_grow_back() {
        let limiter = Limiter::new(8);
        limiter.acquire().await.throttled();
        assert_eq!(limiter.limit(), 4);
        limiter.acquire().await.throttled();
        limiter.acquire().await.throttled();
        limiter.acquire().await.throttled();
        assert_eq!(limiter.limit(), 1, "never below one");
        limiter.acquire().await.succeeded();
        assert_eq!(limiter.limit(), 2);
        for _ in 0..2 {
            limiter.acquire().await.succeeded();
        }
        assert_eq!(limiter.limit(), 3);
        for _ in 0..100 {
            limiter.acquire().await.succeeded();
        }
        assert_eq!(limiter.limit(), 8, "never above the ceiling");
    }

    #[tokio::test]
    async fn no_more_than_the_limit_are_in_flight() {
        let limiter = Limiter::new(2);
        let a = limiter.acquire().await;
        let _b = limiter.acquire().await;
        let third = tokio::spawn({
            let limiter = limiter.clone();
            async move {
                limiter.acquire().await;
            }
        });
        tokio::task::yield_now().await;
        assert!(!third.is_finished());
        drop(a);
        tokio::time::timeout(std::time::Duration::from_secs(5), third)
            .await
            .unwrap()
            .unwrap();
    }
}
