//! Users' own passphrases for files sealed on removable media (issue #14,
//! the seed's "prompts for a credential or encrypts automatically").
//!
//! With `removableMedia.passphrase: prompt` in the policy, a user gives a
//! passphrase with `cordon agent passphrase`; it reaches the agent over the
//! control socket, which knows the user by the socket's peer uid. The agent
//! keeps it in memory only, for that uid only, for the policy's
//! `passphraseTtlSecs` (8 h by default) or until `--forget`; it is never
//! logged, written to disk or sent back. A file the policy wants encrypted
//! and that this uid writes is then sealed with age's scrypt recipient for
//! that passphrase instead of the organisation's keys.
//!
//! age allows a passphrase only as a file's sole recipient: such a file
//! cannot be opened with the recovery key. Shadow copies (`audit.shadow`)
//! stay sealed for the organisation's keys.
//!
//! The passphrase is zeroed when it is dropped ([`zeroize`]); copies the
//! JSON parser or the kernel made on the way are beyond reach (best
//! effort).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

/// The fewest characters a passphrase may have.
pub const MIN_CHARS: usize = 8;
/// The most bytes a passphrase may have.
pub const MAX_BYTES: usize = 1024;
/// The most users whose passphrases are held at once.
const MAX_HELD: usize = 4096;

/// A passphrase in transit or held: zeroed on drop; `Debug` hides it.
#[derive(Clone, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(s: String) -> Secret {
        Secret(Zeroizing::new(s))
    }

    /// The passphrase itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([hidden])")
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

/// Whether `p` may be used as a passphrase; the error says why not (and
/// never repeats it).
pub fn check(p: &str) -> Result<(), String> {
    if p.chars().count() < MIN_CHARS {
        return Err(format!(
            "the passphrase is too short: give at least {MIN_CHARS} characters"
        ));
    }
    if p.len() > MAX_BYTES {
        return Err(format!(
            "the passphrase is too long: at most {MAX_BYTES} bytes"
        ));
    }
    if p.chars().any(char::is_control) {
        return Err("the passphrase has control characters".into());
    }
    Ok(())
}

struct Held {
    secret: Secret,
    until: Instant,
    until_wall: DateTime<Utc>,
}

/// The passphrases users gave, by uid.
pub struct Passphrases {
    held: Mutex<HashMap<u32, Held>>,
    log_n: u8,
}

pub type SharedPassphrases = Arc<Passphrases>;

impl Default for Passphrases {
    fn default() -> Passphrases {
        Passphrases::with_work_factor(cordon_seal::DEFAULT_WORK_FACTOR)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Passphrases {
    /// Seals with scrypt's `N = 2^log_n` (tests use a low one; the agent
    /// uses [`cordon_seal::DEFAULT_WORK_FACTOR`], as `age -p` does).
    pub fn with_work_factor(log_n: u8) -> Passphrases {
        Passphrases {
            held: Mutex::new(HashMap::new()),
            log_n,
        }
    }

    fn expire(held: &mut HashMap<u32, Held>) {
        let now = Instant::now();
        held.retain(|_, h| now < h.until);
    }

    /// Keeps `secret` for `uid` for `ttl`, replacing any earlier one;
    /// answers until when.
    pub fn set(&self, uid: u32, secret: Secret, ttl: Duration) -> Result<DateTime<Utc>, String> {
        check(secret.expose())?;
        let mut held = lock(&self.held);
        Self::expire(&mut held);
        if held.len() >= MAX_HELD && !held.contains_key(&uid) {
            return Err("the agent holds too many passphrases: try again later".into());
        }
        let until_wall =
            Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(8));
        held.insert(
            uid,
            Held {
                secret,
                until: Instant::now() + ttl,
                until_wall,
            },
        );
        Ok(until_wall)
    }

    /// Until when `uid`'s passphrase is kept, if one is.
    pub fn until(&self, uid: u32) -> Option<DateTime<Utc>> {
        let mut held = lock(&self.held);
        Self::expire(&mut held);
        held.get(&uid).map(|h| h.until_wall)
    }

    /// Forgets `uid`'s passphrase; whether there was one.
    pub fn forget(&self, uid: u32) -> bool {
        let mut held = lock(&self.held);
        Self::expire(&mut held);
        held.remove(&uid).is_some()
    }

    /// The seal for `uid`'s passphrase, if one is kept.
    pub fn seal_for(&self, uid: u32) -> Option<PassphraseSeal> {
        let mut held = lock(&self.held);
        Self::expire(&mut held);
        held.get(&uid).map(|h| PassphraseSeal {
            recipients: cordon_seal::Recipients::passphrase_with_work_factor(
                h.secret.expose(),
                self.log_n,
            ),
        })
    }
}

/// Sealing with a user's passphrase (age's scrypt recipient, alone).
#[derive(Clone)]
pub struct PassphraseSeal {
    recipients: cordon_seal::Recipients,
}

impl cordon_medium::Seal for PassphraseSeal {
    fn seal(&self, input: &mut dyn Read, output: &mut dyn Write) -> io::Result<u64> {
        cordon_seal::seal(&self.recipients, input, output).map_err(|e| match e {
            cordon_seal::SealError::Io { error, .. } => error,
            other => io::Error::other(other),
        })
    }
    fn describe(&self) -> String {
        "age, the writer's passphrase".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passphrase_is_kept_per_uid_for_its_lifetime_and_can_be_forgotten() {
        let p = Passphrases::with_work_factor(2);
        assert!(p.until(1000).is_none());
        assert!(p.seal_for(1000).is_none());
        let until = p
            .set(
                1000,
                Secret::new("correct horse".into()),
                Duration::from_secs(60),
            )
            .unwrap();
        assert!(until > Utc::now() + chrono::Duration::seconds(50));
        assert_eq!(p.until(1000), Some(until));
        assert!(p.seal_for(1000).is_some());
        // Another user has none.
        assert!(p.until(1001).is_none());
        assert!(p.seal_for(1001).is_none());
        assert!(!p.forget(1001));
        assert!(p.forget(1000));
        assert!(p.seal_for(1000).is_none());
        // Expired: gone.
        p.set(7, Secret::new("12345678".into()), Duration::from_millis(1))
            .unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(p.until(7).is_none());
        assert!(p.seal_for(7).is_none());
    }

    #[test]
    fn short_long_or_odd_passphrases_are_refused_without_repeating_them() {
        for (bad, why) in [
            ("", "too short"),
            ("seven77", "too short"),
            ("\u{e9}\u{e9}\u{e9}", "too short"),
            ("line one\nline two", "control characters"),
        ] {
            let e = check(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
            assert!(bad.is_empty() || !e.contains(bad), "{e}");
        }
        assert!(
            check(&"x".repeat(MAX_BYTES + 1))
                .unwrap_err()
                .contains("too long")
        );
        assert!(check("eight888").is_ok());
        assert!(check("\u{e9}t\u{e9} \u{e0} Paris").is_ok());
        let p = Passphrases::default();
        assert!(
            p.set(1, Secret::new("short".into()), Duration::from_secs(9))
                .is_err()
        );
        assert!(p.until(1).is_none());
    }

    #[test]
    fn a_secret_is_never_shown() {
        let s = Secret::new("hunter2hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
        let json = serde_json::to_string(&s).unwrap();
        let back: Secret = serde_json::from_str(&json).unwrap();
        assert_eq!(back.expose(), "hunter2hunter2");
    }
}
