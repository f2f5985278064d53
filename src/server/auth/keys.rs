//! SigV4 signing keys: the four-HMAC chain from a secret to the key for one day, region and
//! service, and a bounded cache of them so that a busy client does not pay the chain per call.
//!
//! An entry is found only by the secret it was derived from (its SHA-256 is part of the key),
//! so a secret that changed is never served from the cache, and a removed key never reaches it:
//! the caller's lookup fails first. Only keys the caller knows, on the at most two days a fresh
//! request can be signed on, are ever added; the bound is for whatever that leaves.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use hmac::digest::InvalidLength;
use hmac::{Hmac, Mac};
use lru::LruCache;
use sha2::{Digest, Sha256};

pub type HmacSha256 = Hmac<Sha256>;

/// A signing key: HMAC-SHA256 output.
pub type SigningKey = [u8; 32];

/// HMAC-SHA256 of `data` under `key`. HMAC takes keys of any length, so the error never
/// happens; it is passed on rather than unwrapped.
fn hmac_sha256(key: &[u8], data: &[u8]) -> Result<[u8; 32], InvalidLength> {
    let mut mac = HmacSha256::new_from_slice(key)?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().into())
}

/// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
pub fn derive(
    secret: &str,
    date: &str,
    region: &str,
    service: &str,
) -> Result<SigningKey, InvalidLength> {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes())?;
    let k_region = hmac_sha256(&k_date, region.as_bytes())?;
    let k_service = hmac_sha256(&k_region, service.as_bytes())?;
    hmac_sha256(&k_service, b"aws4_request")
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Entry {
    access_key_id: String,
    date: String,
    /// SHA-256 of the secret the key was derived from: the cache keeps no secret.
    secret: [u8; 32],
}

/// Signing keys for one region and service, the most recently used kept.
pub struct SigningKeys {
    region: &'static str,
    service: &'static str,
    cache: Mutex<LruCache<Entry, SigningKey>>,
}

impl SigningKeys {
    pub fn new(region: &'static str, service: &'static str, capacity: NonZeroUsize) -> Self {
        SigningKeys {
            region,
            service,
            cache: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The signing key of `secret` (the secret of `access_key_id`) for `date` (YYYYMMDD).
    pub fn get(
        &self,
        access_key_id: &str,
        date: &str,
        secret: &str,
    ) -> Result<SigningKey, InvalidLength> {
        let entry = Entry {
            access_key_id: access_key_id.to_string(),
            date: date.to_string(),
            secret: Sha256::digest(secret.as_bytes()).into(),
        };
        if let Some(key) = self.lock().get(&entry) {
            return Ok(*key);
        }
        // Derived outside the lock: a miss does not hold up the other requests' hits.
        let key = derive(secret, date, self.region, self.service)?;
        self.lock().put(entry, key);
        Ok(key)
    }

    /// The cache; one that a panic poisoned is still whole (each change is one `put`).
    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Entry, SigningKey>> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn the_signing_key_of_aws_general_reference_example() {
        // "Examples of how to derive a signing key for Signature Version 4" (AWS General
        // Reference): this secret, 20120215, us-east-1, iam.
        let key = derive(SECRET, "20120215", "us-east-1", "iam").unwrap();
        assert_eq!(
            hex::encode(key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn a_cached_key_is_the_derived_one_and_is_found_by_its_secret_only() {
        let keys = SigningKeys::new("us-east-1", "iam", NonZeroUsize::new(8).unwrap());
        let derived = derive(SECRET, "20120215", "us-east-1", "iam").unwrap();
        assert_eq!(keys.get("AKID", "20120215", SECRET).unwrap(), derived);
        assert_eq!(keys.get("AKID", "20120215", SECRET).unwrap(), derived);
        assert_eq!(keys.len(), 1, "the second call was a hit");
        let changed = keys.get("AKID", "20120215", "another secret").unwrap();
        assert_eq!(
            changed,
            derive("another secret", "20120215", "us-east-1", "iam").unwrap()
        );
        assert_ne!(changed, derived);
        assert_ne!(
            keys.get("AKID", "20120216", SECRET).unwrap(),
            derived,
            "another day, another key"
        );
    }

    #[test]
    fn the_cache_never_grows_past_its_bound() {
        let keys = SigningKeys::new("us-east-1", "iam", NonZeroUsize::new(4).unwrap());
        for i in 0..100 {
            keys.get(&format!("AKID{i}"), "20120215", SECRET).unwrap();
            assert!(keys.len() <= 4);
        }
        assert_eq!(keys.len(), 4);
    }
}
