//! The links the site hands out, each signed with the database's site secret (HMAC-SHA256, made
//! once by the v4 migration) so that nobody can make one up: sign-in links (also expiring and
//! used once, which the `sign_in_links` table keeps), the content origin's task URLs (so that
//! a HIT's content is served only to a worker the site let preview it), and GetFileUploadURL's
//! file URLs (valid for 60 seconds, as MTurk's).

use hmac::{Hmac, Mac};
use rand::RngCore;
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::Sha256;

use crate::server::error::{ApiError, ApiResult};

/// How long a sign-in link works.
pub const SIGN_IN_LINK_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long a file URL from GetFileUploadURL works (MTurk's figure).
pub const FILE_URL_MS: i64 = 60 * 1000;

/// Where the site is reached from a browser, as the running server last recorded it: the
/// requester's operations (CreateWorker, GetFileUploadURL) and `workers invite` build
/// absolute URLs from it.
pub fn site_origin(tx: &Transaction) -> ApiResult<String> {
    let origin: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'site_origin'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    origin.ok_or_else(|| {
        ApiError::fault(
            "This database has not been served yet, so the worker site's address is unknown: start `mturk-review serve` on it once (or give --site-url).",
        )
    })
}

/// Records where the site is reached, for the links made while the server is down.
pub fn record_site_origin(tx: &Transaction, origin: &str) -> ApiResult<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('site_origin', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![origin],
    )?;
    Ok(())
}

/// The site's signing key.
pub struct Signer {
    keyed: Hmac<Sha256>,
}

impl Signer {
    pub fn load(tx: &Transaction) -> ApiResult<Signer> {
        let secret: String = tx.query_row(
            "SELECT value FROM meta WHERE key = 'site_secret'",
            [],
            |r| r.get(0),
        )?;
        let keyed = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .map_err(|e| ApiError::fault(format!("The site's signing key is unusable: {e}")))?;
        Ok(Signer { keyed })
    }

    /// The HMAC of `parts` (joined so that no two lists of parts sign the same bytes), its
    /// first 128 bits in hex: short enough for a link a person copies, and as hard to forge.
    pub fn sign(&self, parts: &[&str]) -> String {
        hex::encode(&self.mac(parts).finalize().into_bytes()[..SIGNATURE_BYTES])
    }

    /// Whether `signature` is `sign(parts)`, compared in constant time.
    pub fn verify(&self, parts: &[&str], signature: &str) -> bool {
        match hex::decode(signature) {
            Ok(bytes) if bytes.len() == SIGNATURE_BYTES => {
                self.mac(parts).verify_truncated_left(&bytes).is_ok()
            }
            _ => false,
        }
    }

    fn mac(&self, parts: &[&str]) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }
}

/// The bytes of a signature kept in links.
const SIGNATURE_BYTES: usize = 16;

/// A random token of `N` bytes, hex-encoded, from the thread's CSPRNG.
pub fn random_token<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A new sign-in link for `worker_id`, absolute on the site's origin.
pub fn new_sign_in_url(tx: &Transaction, worker_id: &str, now_ms: i64) -> ApiResult<String> {
    let origin = site_origin(tx)?;
    let nonce = random_token::<16>();
    let expires_ms = now_ms + SIGN_IN_LINK_MS;
    tx.execute(
        "INSERT INTO sign_in_links (nonce, worker_id, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4)",
        params![nonce, worker_id, now_ms, expires_ms],
    )?;
    let signature = Signer::load(tx)?.sign(&["sign-in", &nonce, worker_id]);
    Ok(format!("{origin}/worker/sign-in?token={nonce}.{signature}"))
}

/// Why a sign-in link does not sign anyone in.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignInRefusal {
    #[error("This sign-in link is not one this site made. Ask the requester for a new one.")]
    Forged,
    #[error("This sign-in link has expired. Ask the requester for a new one.")]
    Expired,
    #[error(
        "This sign-in link has been used already: each link signs in once. If that was you, you are signed in on that browser; otherwise ask the requester for a new one."
    )]
    Used,
}

/// The worker a sign-in link names, if it is genuine and still unused; `consume` spends it.
pub fn check_sign_in(
    tx: &Transaction,
    token: &str,
    now_ms: i64,
    consume: bool,
) -> ApiResult<Result<String, SignInRefusal>> {
    let Some((nonce, signature)) = token.split_once('.') else {
        return Ok(Err(SignInRefusal::Forged));
    };
    let row: Option<(String, i64, Option<i64>)> = tx
        .query_row(
            "SELECT worker_id, expires_ms, used_ms FROM sign_in_links WHERE nonce = ?1",
            params![nonce],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((worker_id, expires_ms, used_ms)) = row else {
        return Ok(Err(SignInRefusal::Forged));
    };
    if !Signer::load(tx)?.verify(&["sign-in", nonce, &worker_id], signature) {
        return Ok(Err(SignInRefusal::Forged));
    }
    if used_ms.is_some() {
        return Ok(Err(SignInRefusal::Used));
    }
    if now_ms >= expires_ms {
        return Ok(Err(SignInRefusal::Expired));
    }
    if consume {
        tx.execute(
            "UPDATE sign_in_links SET used_ms = ?2 WHERE nonce = ?1",
            params![nonce, now_ms],
        )?;
    }
    Ok(Ok(worker_id))
}

/// The signature of a content-origin task URL: binds the HIT, the assignment (or preview)
/// and the worker the site showed it to.
pub fn task_signature(signer: &Signer, hit_id: &str, assignment_id: &str, worker: &str) -> String {
    signer.sign(&["task", hit_id, assignment_id, worker])
}

pub fn task_signature_ok(
    signer: &Signer,
    hit_id: &str,
    assignment_id: &str,
    worker: &str,
    signature: &str,
) -> bool {
    signer.verify(&["task", hit_id, assignment_id, worker], signature)
}

/// A URL to an uploaded file, valid for `FILE_URL_MS` from `now_ms`.
pub fn file_url(tx: &Transaction, key: &str, now_ms: i64) -> ApiResult<String> {
    let origin = site_origin(tx)?;
    let expires = (now_ms + FILE_URL_MS).to_string();
    let signature = Signer::load(tx)?.sign(&["file", key, &expires]);
    Ok(format!(
        "{origin}/files/{key}?expires={expires}&signature={signature}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::Store;
    use std::path::Path;

    fn store() -> Store {
        Store::open(Path::new(":memory:"), 0).expect("an in-memory store")
    }

    #[test]
    fn a_sign_in_link_works_once_and_only_as_made() {
        let store = store();
        let url = store
            .transaction(|tx| {
                record_site_origin(tx, "http://127.0.0.1:9")?;
                new_sign_in_url(tx, "AWORKER1234567", 1_000)
            })
            .expect("a link");
        let token = url
            .strip_prefix("http://127.0.0.1:9/worker/sign-in?token=")
            .expect("on the site")
            .to_string();
        let check = |token: &str, now: i64, consume: bool| {
            store
                .transaction(|tx| check_sign_in(tx, token, now, consume))
                .expect("a check")
        };
        let mut forged = token.clone();
        forged.replace_range(forged.len() - 1.., "0");
        if forged == token {
            forged.replace_range(forged.len() - 1.., "1");
        }
        assert_eq!(check(&forged, 1_000, true), Err(SignInRefusal::Forged));
        assert_eq!(
            check(&token, 1_000 + SIGN_IN_LINK_MS, false),
            Err(SignInRefusal::Expired)
        );
        assert_eq!(check(&token, 2_000, false), Ok("AWORKER1234567".into()));
        assert_eq!(check(&token, 2_000, true), Ok("AWORKER1234567".into()));
        assert_eq!(check(&token, 3_000, true), Err(SignInRefusal::Used));
    }

    #[test]
    fn signatures_bind_every_part() {
        let store = store();
        let signer = store.transaction(Signer::load).expect("a signer");
        let good = task_signature(&signer, "H1", "A1", "W1");
        assert!(signer.verify(&["task", "H1", "A1", "W1"], &good));
        assert!(!signer.verify(&["task", "H1", "A1", "W2"], &good));
        assert!(!signer.verify(&["task", "H1A1", "", "W1"], &good));
        assert!(!signer.verify(&["task", "H1", "A1", "W1"], "zz"));
    }
}
