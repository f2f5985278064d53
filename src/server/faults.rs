//! Test knobs that make the server behave like a slow or struggling MTurk: a delay on every
//! response, a share of calls answered with throttling or a service fault, and a share of
//! successful calls whose answer is lost, repeatable with a seed. Off by default.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::error::ApiError;

#[derive(Debug, Clone, Default)]
pub struct FaultConfig {
    pub latency: Duration,
    /// Percent (0-100) of calls answered with ThrottlingException.
    pub throttle_percent: u8,
    /// Percent (0-100) of calls answered with ServiceFault (HTTP 500).
    pub fault_percent: u8,
    /// Percent (0-100) of successful calls whose answer is lost: the change is made, but the
    /// client gets a ServiceFault, as when a connection drops after the work is done.
    pub lost_reply_percent: u8,
    pub seed: Option<u64>,
}

pub struct Faults {
    config: FaultConfig,
    rng: Mutex<StdRng>,
}

impl Faults {
    pub fn new(config: FaultConfig) -> Self {
        let rng = match config.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Faults {
            config,
            rng: Mutex::new(rng),
        }
    }

    pub fn latency(&self) -> Duration {
        self.config.latency
    }

    /// The error to answer this call with instead of running it, if the dice say so. A faulted
    /// call never reaches the database, so a client's retry is always safe.
    pub fn roll(&self) -> Option<ApiError> {
        if self.config.throttle_percent == 0 && self.config.fault_percent == 0 {
            return None;
        }
        let roll = self.dice()?;
        if roll < self.config.throttle_percent {
            Some(ApiError::throttled())
        } else if roll
            < self
                .config
                .throttle_percent
                .saturating_add(self.config.fault_percent)
        {
            Some(ApiError::fault(
                "We encountered an internal error. Please try again.",
            ))
        } else {
            None
        }
    }

    /// Whether to lose the answer of a call that succeeded (see `lost_reply_percent`).
    pub fn lose_reply(&self) -> Option<ApiError> {
        if self.config.lost_reply_percent == 0 {
            return None;
        }
        (self.dice()? < self.config.lost_reply_percent)
            .then(|| ApiError::fault("We encountered an internal error. Please try again."))
    }

    /// A number in 0..100.
    fn dice(&self) -> Option<u8> {
        self.rng.lock().ok().map(|mut rng| rng.random_range(0..100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(seed: u64) -> Vec<Option<String>> {
        let faults = Faults::new(FaultConfig {
            throttle_percent: 30,
            fault_percent: 20,
            seed: Some(seed),
            ..FaultConfig::default()
        });
        (0..200)
            .map(|_| faults.roll().map(|e| e.type_name().to_string()))
            .collect()
    }

    #[test]
    fn a_seed_repeats_and_shares_are_roughly_right() {
        let a = outcomes(7);
        assert_eq!(a, outcomes(7));
        let throttled = a
            .iter()
            .flatten()
            .filter(|t| *t == "ThrottlingException")
            .count();
        let faulted = a.iter().flatten().filter(|t| *t == "ServiceFault").count();
        assert!((40..=80).contains(&throttled), "{throttled}");
        assert!((20..=60).contains(&faulted), "{faulted}");
    }

    #[test]
    fn off_by_default() {
        let faults = Faults::new(FaultConfig::default());
        assert!((0..100).all(|_| faults.roll().is_none()));
        assert!((0..100).all(|_| faults.lose_reply().is_none()));
    }

    #[test]
    fn lost_replies_come_at_their_share() {
        let faults = Faults::new(FaultConfig {
            lost_reply_percent: 25,
            seed: Some(3),
            ..FaultConfig::default()
        });
        let lost = (0..400).filter(|_| faults.lose_reply().is_some()).count();
        assert!((60..=140).contains(&lost), "{lost}");
    }
}
