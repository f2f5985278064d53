//! Test knobs that make the server behave like a slow or struggling MTurk: a delay on every
//! response, and a share of calls answered with throttling or a service fault, repeatable with a
//! seed. Off by default.

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
        let roll: u8 = match self.rng.lock() {
            Ok(mut rng) => rng.random_range(0..100),
            Err(_) => return None,
        };
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
    }
}
