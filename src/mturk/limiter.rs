//! How many calls to MTurk go at once, and when. A limit on the calls in flight grows by one
//! after `limit` successes, up to the ceiling, and is cut when MTurk throttles (additive
//! increase, multiplicative decrease, as TCP does); and a gate every call passes, which
//! paces them when the server has said when to come back.
//!
//! The retry-after hint tells the two kinds of throttling apart:
//! - With a hint, the server limits by rate and has said when its next token comes. Every
//!   call waits until then, and after that they go through the gate one at a time, spaced by
//!   what the hints have taught about the server's rate; the limit is kept. Let go all at
//!   once, the waiting calls would find one token between them and spend the rest on
//!   throttled retries; spaced, nearly each finds its own. A call throttled at spacing `s`
//!   and told to wait `h` shows a token takes up to `s + h`: the spacing grows to that, never
//!   past the server's interval (a hint is at most one interval, less the time since the
//!   last token), and each pass narrows it a little, so it keeps probing. A second with the
//!   gate unused drops the pacing, so a burst the server allows again is used.
//! - Without one (MTurk's own throttling, which names no time, or throttling at random), the
//!   limit is cut, but at most once per round trip: a throttle of a call sent before the last
//!   cut answers the old window, and the cut has already been made for it. The cut is to 7/8
//!   rather than TCP's 1/2: throttling that comes at random is no sign of load, and halving on
//!   it kept a batch at 3-4 calls in flight; against a limit that sends no hint, the backoff
//!   of each throttled call does most of the slowing down, whatever the cut (README, figure
//!   7).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// A cut keeps this share of the limit: CUT_KEEPS.0 / CUT_KEEPS.1.
const CUT_KEEPS: (usize, usize) = (7, 8);

/// Each pass through the gate narrows the spacing by 1/NARROW_BY, so that it keeps probing
/// for the server's interval: latency jitter makes calls sent at the right spacing arrive
/// closer, and the throttles that follow would otherwise only ever widen it.
const NARROW_BY: u32 = 256;

/// The gate unused this long drops its pacing.
const QUIET: Duration = Duration::from_secs(1);

/// The widest spacing: a server that keeps throttling calls this far apart is not pacing us.
const MAX_SPACING: Duration = Duration::from_secs(20);

#[derive(Debug)]
struct Inner {
    limit: usize,
    in_flight: usize,
    /// Successes since the limit last changed.
    successes: usize,
    /// Counts the cuts: a slot remembers the window it was sent in.
    window: u64,
    /// No call is sent before this.
    next_send: Option<Instant>,
    /// While pacing, the time from one call to the next; zero when not pacing.
    spacing: Duration,
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
    /// The window the call was sent in.
    window: u64,
    turn: Turn,
}

/// A call's pass through the gate: the spacing it was sent at.
#[derive(Debug, Clone, Copy)]
pub struct Turn {
    spacing: Duration,
}

impl Limiter {
    pub fn new(ceiling: usize) -> Limiter {
        let ceiling = ceiling.max(1);
        Limiter {
            inner: Arc::new(Mutex::new(Inner {
                limit: ceiling,
                in_flight: 0,
                successes: 0,
                window: 0,
                next_send: None,
                spacing: Duration::ZERO,
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

    /// Waits for a free slot, then for its turn at the gate.
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
                break;
            }
            freed.await;
        }
        // The slot is held at the gate: nothing could be sent with it sooner anyway.
        let turn = self.turn().await;
        Slot {
            limiter: self.clone(),
            window: self.with(|inner| inner.window),
            turn,
        }
    }

    /// Waits for a call's turn at the gate; for calls that take no slot, too.
    pub async fn turn(&self) -> Turn {
        loop {
            let now = Instant::now();
            let passed = self.with(|inner| {
                if let Some(at) = inner.next_send {
                    if at > now {
                        return Err(at);
                    }
                    if now.duration_since(at) >= QUIET {
                        inner.spacing = Duration::ZERO;
                    }
                }
                inner.next_send = (!inner.spacing.is_zero())
                    .then(|| inner.next_send.map_or(now, |at| at.max(now)) + inner.spacing);
                let turn = Turn {
                    spacing: inner.spacing,
                };
                inner.spacing -= inner.spacing / NARROW_BY;
                Ok(turn)
            });
            match passed {
                Ok(turn) => return turn,
                // Woken together, the waiters pass one at a time: the first moves the gate on.
                Err(at) => tokio::time::sleep_until(at).await,
            }
        }
    }

    /// A call sent at `turn` was throttled and told to come back after `hint`: no call goes
    /// before then, and the spacing grows to what this shows a token takes.
    pub fn hinted(&self, turn: Turn, hint: Duration) {
        let resume = Instant::now() + hint;
        self.with(|inner| {
            inner.next_send = Some(inner.next_send.map_or(resume, |at| at.max(resume)));
            inner.spacing = inner.spacing.max((turn.spacing + hint).min(MAX_SPACING));
        });
    }
}

impl Slot {
    /// The slot's pass through the gate.
    pub fn turn(&self) -> Turn {
        self.turn
    }

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

    /// Throttled without a hint: the limit is cut, unless it already was since this call was
    /// sent.
    pub fn throttled(self) {
        self.limiter.with(|inner| {
            if self.window == inner.window {
                inner.limit = (inner.limit * CUT_KEEPS.0 / CUT_KEEPS.1).max(1);
                inner.successes = 0;
                inner.window += 1;
            }
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
    async fn throttling_cuts_and_successes_grow_back() {
        let limiter = Limiter::new(8);
        limiter.acquire().await.throttled();
        assert_eq!(limiter.limit(), 7, "seven eighths kept");
        for _ in 0..20 {
            limiter.acquire().await.throttled();
        }
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
    async fn throttles_of_one_window_cut_once() {
        let limiter = Limiter::new(16);
        let window: Vec<Slot> = futures::future::join_all((0..8).map(|_| limiter.acquire())).await;
        for slot in window {
            slot.throttled();
        }
        assert_eq!(limiter.limit(), 14, "eight sent together: one cut");

        // Two calls sent after that cut are of the next window: the first throttle cuts, the
        // second answers the same window.
        let (first, second) = (limiter.acquire().await, limiter.acquire().await);
        first.throttled();
        assert_eq!(limiter.limit(), 12);
        second.throttled();
        assert_eq!(limiter.limit(), 12, "of the window already cut for");
        limiter.acquire().await.throttled();
        assert_eq!(limiter.limit(), 10, "sent after the second cut");
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
        tokio::time::timeout(Duration::from_secs(5), third)
            .await
            .unwrap()
            .unwrap();
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// The turn of a call sent before any pacing.
    fn unpaced() -> Turn {
        Turn {
            spacing: Duration::ZERO,
        }
    }

    /// Starts `n` calls at the gate, each on a task of its own; each answers how long after
    /// `since` it passed.
    fn at_the_gate(
        limiter: &Limiter,
        n: usize,
        since: Instant,
    ) -> Vec<tokio::task::JoinHandle<Duration>> {
        (0..n)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move {
                    limiter.turn().await;
                    since.elapsed()
                })
            })
            .collect()
    }

    async fn passed(calls: Vec<tokio::task::JoinHandle<Duration>>) -> Vec<Duration> {
        let mut times = Vec::new();
        for call in calls {
            times.push(call.await.unwrap());
        }
        times.sort();
        times
    }

    #[tokio::test(start_paused = true)]
    async fn a_hint_pauses_every_call_and_keeps_the_limit() {
        let limiter = Limiter::new(8);
        let slot = limiter.acquire().await;
        limiter.hinted(slot.turn(), ms(100));
        drop(slot);
        assert_eq!(limiter.limit(), 8, "a pause is not a cut");

        let with_slots: Vec<_> = (0..8)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move { limiter.acquire().await })
            })
            .collect();
        let beside = at_the_gate(&limiter, 1, Instant::now());
        tokio::time::sleep(ms(99)).await;
        assert!(with_slots.iter().all(|w| !w.is_finished()), "all wait");
        assert!(!beside[0].is_finished(), "calls without a slot wait too");
        // Then they go, one at a time, and all eight slots are there for them.
        let mut slots = Vec::new();
        for w in with_slots {
            slots.push(w.await.unwrap());
        }
        assert_eq!(limiter.limit(), 8);
        assert_eq!(slots.len(), 8);
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_pause_calls_go_one_per_spacing_which_narrows_as_they_pass() {
        let limiter = Limiter::new(16);
        let start = Instant::now();
        limiter.hinted(unpaced(), ms(50));
        let times = passed(at_the_gate(&limiter, 300, start)).await;
        assert_eq!(times[0], ms(50), "none before the pause ends");
        let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(gaps[0], ms(50), "the next goes a spacing later");
        // Tokio's timers are in whole milliseconds, the narrowing is by 1/256 each time.
        assert!(
            gaps.windows(2)
                .all(|g| g[1] <= g[0] && g[0] - g[1] <= ms(1)),
            "each a little narrower: {gaps:?}"
        );
        let last = gaps[gaps.len() - 1];
        assert!(last < ms(20) && last > ms(15), "{last:?} after 300 passes");
    }

    #[tokio::test(start_paused = true)]
    async fn the_spacing_grows_to_what_a_throttle_shows_and_no_further() {
        let limiter = Limiter::new(16);
        let start = Instant::now();
        limiter.hinted(unpaced(), ms(20));
        let first = limiter.turn().await;
        assert_eq!(first.spacing, ms(20));
        // Sent 20 ms after the call before it and told to wait 30 more: a token takes 50.
        limiter.hinted(first, ms(30));
        limiter.hinted(first, ms(30));
        let times = passed(at_the_gate(&limiter, 2, start)).await;
        assert_eq!(
            times,
            [ms(50), ms(100)],
            "throttles sent at one spacing count once"
        );
        let later = limiter.turn().await;
        limiter.hinted(later, ms(5));
        assert_eq!(limiter.turn().await.spacing, later.spacing + ms(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_second_drops_the_pacing() {
        let limiter = Limiter::new(16);
        limiter.hinted(unpaced(), ms(100));
        limiter.turn().await;
        tokio::time::sleep(QUIET + ms(100)).await;
        let start = Instant::now();
        let times = passed(at_the_gate(&limiter, 3, start)).await;
        assert_eq!(times, [ms(0); 3], "no pacing after a quiet spell");
    }
}
