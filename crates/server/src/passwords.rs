//! Password hashing and checking for accounts, off the async workers:
//! one argon2id hash holds a core for tens of milliseconds and ~19 MiB,
//! so at most as many run at once as the machine has cores, on blocking
//! threads, and a wrong password costs what a right one costs (an unknown
//! user is verified against a dummy hash).

use std::sync::Arc;

use cordon_identity::Password;
use cordon_identity::password::{PasswordHasher, PasswordPolicy, Verification};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// The hasher, the rules for new passwords, and the limit on concurrent
/// hashes.
pub struct Passwords {
    hasher: Arc<PasswordHasher>,
    pub policy: PasswordPolicy,
    permits: Arc<Semaphore>,
}

impl Default for Passwords {
    fn default() -> Passwords {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Passwords {
            hasher: Arc::new(PasswordHasher::default()),
            policy: PasswordPolicy::default(),
            permits: Arc::new(Semaphore::new(cores)),
        }
    }
}

impl Passwords {
    /// Checks a new password against the policy (`400` saying what is
    /// wrong), then hashes it.
    pub async fn new_hash(
        &self,
        password: &Password,
        context: &[&str],
    ) -> Result<String, ApiError> {
        self.policy
            .check(password, context)
            .map_err(|p| ApiError::invalid_json(Some("password".into()), p.to_string()))?;
        let hasher = self.hasher.clone();
        let pw = password.clone();
        self.blocking(move || hasher.hash(&pw))
            .await?
            .map_err(|e| ApiError::internal("password hash", &e))
    }

    /// Hashes without the policy: a one-time password the server made, or
    /// a password already in use being re-hashed with newer parameters.
    pub async fn hash_unchecked(&self, password: &Password) -> Result<String, ApiError> {
        let hasher = self.hasher.clone();
        let pw = password.clone();
        self.blocking(move || hasher.hash(&pw))
            .await?
            .map_err(|e| ApiError::internal("password hash", &e))
    }

    /// The parameters new hashes get.
    pub fn params(&self) -> cordon_identity::password::HashParams {
        self.hasher.params()
    }

    /// Verifies against a stored PHC string; `None` verifies against a
    /// dummy so that an unknown user costs the same.
    pub async fn verify(
        &self,
        password: &Password,
        phc: Option<&str>,
    ) -> Result<Verification, ApiError> {
        let hasher = self.hasher.clone();
        let pw = password.clone();
        let phc = phc.map(str::to_owned);
        self.blocking(move || match phc {
            Some(phc) => hasher.verify(&pw, &phc),
            None => {
                hasher.verify_dummy(&pw);
                Ok(Verification {
                    ok: false,
                    needs_rehash: false,
                })
            }
        })
        .await?
        .map_err(|e| ApiError::internal("stored password hash", &e))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::internal("password permits", &e))?;
        tokio::task::spawn_blocking(move || {
            let r = f();
            drop(permit);
            r
        })
        .await
        .map_err(|e| ApiError::internal("password task", &e))
    }
}
