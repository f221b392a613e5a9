//! Password hashing with argon2id, always off the async executor.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

use crate::error::AppError;

/// A stored argon2id PHC string. Neither `Serialize` nor printable, so it can't
/// reach a response or a log line by accident.
#[derive(Clone)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a hash read from the database.
    pub fn from_stored(phc: String) -> Self {
        PasswordHash(phc)
    }

    /// The PHC string, for writing to the database.
    pub fn as_stored(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// OWASP Password Storage Cheat Sheet: argon2id, 19 MiB of memory, two
/// iterations, one lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verified against when the account does not exist, so that an unknown
/// account costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(b"a password nobody has", &salt).expect("hashing a constant succeeds").to_string()
});

/// At most this many hashes run at once, one per core: each takes 19 MiB and
/// a core for tens of milliseconds, so a burst of sign-ins queues here
/// instead of exhausting memory and starving page requests of threads.
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
});

/// How long a password check waits for a free slot before giving up.
const HASHING_QUEUE: std::time::Duration = std::time::Duration::from_secs(10);

/// Hashes started since the process began, and the most ever run at once:
/// what an operator (and a test) can read of the work passwords cost.
static STARTED: AtomicU64 = AtomicU64::new(0);
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Password hashes (and checks) started by this process so far.
pub fn hashes_started() -> u64 {
    STARTED.load(Ordering::Relaxed)
}

/// The most password hashes this process ever ran at the same time.
pub fn peak_concurrent_hashes() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// Runs one argon2 computation under the concurrency cap, off the executor.
async fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let busy = || AppError::TooManyRequests("The store is very busy. Please try again in a moment.".into());
    let _slot =
        tokio::time::timeout(HASHING_QUEUE, HASHING.acquire()).await.map_err(|_| busy())?.map_err(|_| busy())?;
    STARTED.fetch_add(1, Ordering::Relaxed);
    tokio::task::spawn_blocking(move || {
        let running = RUNNING.fetch_add(1, Ordering::AcqRel) + 1;
        PEAK.fetch_max(running, Ordering::AcqRel);
        let result = work();
        RUNNING.fetch_sub(1, Ordering::AcqRel);
        result
    })
    .await?
}

/// Hashes a new password.
pub async fn hash(password: SecretString) -> Result<PasswordHash, AppError> {
    bounded(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|hash| PasswordHash(hash.to_string()))
            .map_err(|error| {
                tracing::error!(%error, "password hashing failed");
                AppError::Internal
            })
    })
    .await
}

/// Whether `password` matches `stored`. With no stored hash (unknown account)
/// a dummy hash is checked anyway and the answer is `false`.
pub async fn verify(password: SecretString, stored: Option<PasswordHash>) -> Result<bool, AppError> {
    bounded(move || {
        let known = stored.is_some();
        let phc = stored.map(|h| h.0).unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = argon2::PasswordHash::new(&phc).map_err(|error| {
            tracing::error!(%error, "stored password hash is malformed");
            AppError::Internal
        })?;
        let matches = argon2().verify_password(password.expose_secret().as_bytes(), &parsed).is_ok();
        Ok(known && matches)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_the_machine_has_cores() {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let checks: Vec<_> =
            (0..cores * 4).map(|_| tokio::spawn(verify(SecretString::from("a guess at a password"), None))).collect();
        for check in checks {
            assert!(!check.await.unwrap().unwrap());
        }
        assert!(hashes_started() >= (cores * 4) as u64);
        assert!(peak_concurrent_hashes() <= cores, "{} at once on {cores} cores", peak_concurrent_hashes());
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let hash = hash(SecretString::from("correct horse battery")).await.unwrap();
        assert!(hash.as_stored().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(SecretString::from("correct horse battery"), Some(hash.clone())).await.unwrap());
        assert!(!verify(SecretString::from("wrong horse battery"), Some(hash.clone())).await.unwrap());
        assert_eq!(format!("{hash:?}"), "PasswordHash(..)");
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify(SecretString::from("a password nobody has"), None).await.unwrap());
    }
}
