//! Passwords: argon2id hashes in PHC strings, and the policy a new
//! password must meet.
//!
//! # Hashing
//!
//! A hash is a PHC string that carries everything needed to verify it:
//! `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`. Verification reads the
//! parameters back out of the string, so [`HashParams`] can be raised at
//! any time: old hashes still verify, and [`Verification::needs_rehash`]
//! tells the server to store a new hash while it holds the password (on
//! login). The defaults are OWASP's argon2id row (19 MiB, 2 passes, 1 lane,
//! about 40 ms on one core of the 2-core servers this runs on); several
//! logins at once each hold that much memory for that long, which is why
//! they are not higher.
//!
//! A login for a user that does not exist should cost what a wrong
//! password costs, or the time tells who has an account: the server calls
//! [`PasswordHasher::verify_dummy`] then.
//!
//! A stored hash is data, and a hash asking for absurd parameters (a
//! damaged row, an import) would make one login allocate gigabytes: hashes
//! above [`MAX_M_KIB`], [`MAX_T`] or [`MAX_P`] are refused as malformed.
//!
//! # Policy
//!
//! [`PasswordPolicy::check`] follows NIST SP 800-63B: a minimum length (12
//! characters by default), a maximum only to bound the work (128), no
//! composition rules, and a refusal of passwords that are common, easy to
//! guess or made of the user's own name or address. "Common" and "easy to
//! guess" are `zxcvbn`'s judgement (Dropbox's estimator, in Rust): its
//! dictionaries hold the most common passwords, names and words, and it
//! also sees keyboard walks, repeats, sequences, dates and l33t
//! substitutions that a plain list of common passwords misses. A password
//! scoring below 3 of 4 ("safely unguessable: moderate protection from
//! offline attacks") is refused with zxcvbn's own feedback. Only the
//! first 32 characters are judged, which bounds the time a check takes
//! (zxcvbn's cost grows quickly with length). It costs about
//! 30 crates that the workspace mostly has already (`regex`, `time`), and
//! builds in seconds; an embedded list would have been a second, weaker
//! judgement to maintain.

use std::fmt;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use zxcvbn::feedback::Warning;

use crate::random;
use crate::secret::Password;

/// Most memory a hash may ask for: 1 GiB.
pub const MAX_M_KIB: u32 = 1024 * 1024;
/// Most passes a hash may ask for.
pub const MAX_T: u32 = 64;
/// Most lanes a hash may ask for.
pub const MAX_P: u32 = 16;

/// Salt bytes of a new hash (the PHC recommendation).
const SALT_LEN: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("argon2 parameters m={m_kib} KiB, t={t}, p={p} are out of range: {reason}")]
    Params {
        m_kib: u32,
        t: u32,
        p: u32,
        reason: String,
    },
    /// The stored string is not a hash this crate can verify. The string
    /// itself is not repeated: a hash is still material for cracking.
    #[error("the stored password hash is malformed: {0}")]
    Malformed(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over the memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Default for HashParams {
    /// OWASP's argon2id row: m=19456 KiB, t=2, p=1.
    fn default() -> HashParams {
        HashParams {
            m_kib: Params::DEFAULT_M_COST,
            t: Params::DEFAULT_T_COST,
            p: Params::DEFAULT_P_COST,
        }
    }
}

impl fmt::Display for HashParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m={},t={},p={}", self.m_kib, self.t, self.p)
    }
}

impl HashParams {
    fn argon2(self) -> Result<Params, PasswordError> {
        let out_of_range = |reason: String| PasswordError::Params {
            m_kib: self.m_kib,
            t: self.t,
            p: self.p,
            reason,
        };
        if self.m_kib > MAX_M_KIB || self.t > MAX_T || self.p > MAX_P {
            return Err(out_of_range(format!(
                "at most m={MAX_M_KIB}, t={MAX_T}, p={MAX_P}"
            )));
        }
        Params::new(self.m_kib, self.t, self.p, None).map_err(|e| out_of_range(e.to_string()))
    }

    /// Whether a hash made with `self` is weaker than one made with
    /// `current` in any parameter.
    fn weaker_than(self, current: HashParams) -> bool {
        self.m_kib < current.m_kib || self.t < current.t || self.p < current.p
    }
}

/// The outcome of a verification that could be carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    /// The password is the one hashed.
    pub ok: bool,
    /// The stored hash is weaker than what [`PasswordHasher`] makes now
    /// (lower parameters, not argon2id, an older argon2 version or a
    /// shorter output): hash the password again and store that. Only
    /// meaningful when `ok`.
    pub needs_rehash: bool,
}

/// Hashes and verifies with one set of parameters.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: HashParams,
    argon2: Params,
}

impl Default for PasswordHasher {
    fn default() -> PasswordHasher {
        PasswordHasher {
            params: HashParams::default(),
            argon2: Params::DEFAULT,
        }
    }
}

impl PasswordHasher {
    pub fn new(params: HashParams) -> Result<PasswordHasher, PasswordError> {
        Ok(PasswordHasher {
            argon2: params.argon2()?,
            params,
        })
    }

    pub fn params(&self) -> HashParams {
        self.params
    }

    fn engine(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.argon2.clone())
    }

    /// A new PHC string for `password`, with a random salt.
    pub fn hash(&self, password: &Password) -> Result<String, PasswordError> {
        let salt = random::bytes::<SALT_LEN>();
        self.engine()
            .hash_password_with_salt(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| PasswordError::Hash(e.to_string()))
    }

    /// Checks `password` against the PHC string `phc`, with the parameters
    /// the string carries. A wrong password is `Ok` with `ok: false`; an
    /// error means the stored string is unusable.
    pub fn verify(&self, password: &Password, phc: &str) -> Result<Verification, PasswordError> {
        let parsed = PasswordHash::new(phc).map_err(|e| PasswordError::Malformed(e.to_string()))?;
        if parsed.salt.is_none() || parsed.hash.is_none() {
            return Err(PasswordError::Malformed("no salt or no hash".to_owned()));
        }
        let stored = stored_params(&parsed)?;
        // Checked before argon2 allocates anything.
        stored
            .argon2()
            .map_err(|e| PasswordError::Malformed(e.to_string()))?;
        let needs_rehash = parsed.algorithm != Algorithm::Argon2id.ident()
            || parsed.version != Some(Version::V0x13.into())
            || parsed.hash.as_ref().map_or(0, |h| h.len()) < Params::DEFAULT_OUTPUT_LEN
            || stored.weaker_than(self.params);
        // The verifier takes algorithm, version and parameters from the
        // string; `Argon2::default()` only supplies the (absent) pepper.
        match Argon2::default().verify_password(password.expose().as_bytes(), &parsed) {
            Ok(()) => Ok(Verification {
                ok: true,
                needs_rehash,
            }),
            Err(argon2::password_hash::Error::PasswordInvalid) => Ok(Verification {
                ok: false,
                needs_rehash,
            }),
            Err(e) => Err(PasswordError::Malformed(e.to_string())),
        }
    }

    /// One verification against a fixed hash made with this hasher's
    /// parameters, whose outcome is thrown away: what a login for an
    /// unknown user runs, so it takes as long as a wrong password.
    pub fn verify_dummy(&self, password: &Password) {
        let phc = dummy_phc(self.params);
        let outcome = self.verify(password, &phc);
        std::hint::black_box(outcome).ok();
    }
}

/// A well-formed PHC string with these parameters, a fixed salt and a
/// fixed (all-zero) output that no password produces in practice.
fn dummy_phc(params: HashParams) -> String {
    // 16 zero bytes and 32 zero bytes in PHC's unpadded base64.
    format!(
        "$argon2id$v=19${params}${}${}",
        "A".repeat(22),
        "A".repeat(43)
    )
}

fn stored_params(parsed: &PasswordHash) -> Result<HashParams, PasswordError> {
    let get = |name: &str| {
        parsed.params.get_decimal(name).ok_or_else(|| {
            PasswordError::Malformed(format!("parameter `{name}` is missing or not a number"))
        })
    };
    Ok(HashParams {
        m_kib: get("m")?,
        t: get("t")?,
        p: get("p")?,
    })
}

/// [`PasswordHasher::hash`] with the default parameters.
pub fn hash(password: &Password) -> Result<String, PasswordError> {
    PasswordHasher::default().hash(password)
}

/// [`PasswordHasher::verify`] against the default parameters.
pub fn verify(password: &Password, phc: &str) -> Result<Verification, PasswordError> {
    PasswordHasher::default().verify(password, phc)
}

/// [`PasswordHasher::verify_dummy`] at the default parameters.
pub fn verify_dummy(password: &Password) {
    PasswordHasher::default().verify_dummy(password)
}

/// Why a new password is refused. The messages are written to be shown to
/// the person choosing it.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PasswordProblem {
    #[error("the password must be at least {min} characters")]
    TooShort { min: usize },
    #[error("the password must be at most {max} characters")]
    TooLong { max: usize },
    #[error("the password must not contain your user name or e-mail address")]
    ContainsPersonalInfo,
    #[error("this password is among the most common ones")]
    Common,
    /// `feedback` is zxcvbn's warning and suggestions, when it has any.
    #[error("this password is too easy to guess{}", suffix(.feedback))]
    Guessable { feedback: String },
}

fn suffix(feedback: &str) -> String {
    if feedback.is_empty() {
        String::new()
    } else {
        format!(": {feedback}")
    }
}

/// What a new password must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Fewest characters (Unicode scalar values).
    pub min_len: usize,
    /// Most characters.
    pub max_len: usize,
}

impl Default for PasswordPolicy {
    fn default() -> PasswordPolicy {
        PasswordPolicy {
            min_len: 12,
            max_len: 128,
        }
    }
}

/// Characters of a password `zxcvbn` judges. Its cost grows with length
/// and with the variety of l33t characters: on the 2-core servers this
/// runs on, 100 random characters took 0.5 s and 40 l33t-heavy ones
/// 0.13 s, where 32 cost at most 65 ms (release build). A password whose
/// first 32 characters are hard to guess is hard to guess; one that only
/// gets strong after them is refused, which is the safe side.
const JUDGED_CHARS: usize = 32;

/// Context shorter than this is not looked for inside the password (a
/// two-letter user name would refuse half of all passwords).
const MIN_CONTEXT_CHARS: usize = 3;

impl PasswordPolicy {
    /// Checks a new password. `context` is what the password must not
    /// contain: the user name, the e-mail address (its local part is
    /// looked for as well), the display name. Case is ignored.
    pub fn check(&self, password: &Password, context: &[&str]) -> Result<(), PasswordProblem> {
        let text = password.expose();
        let chars = text.chars().count();
        if chars < self.min_len {
            return Err(PasswordProblem::TooShort { min: self.min_len });
        }
        if chars > self.max_len {
            return Err(PasswordProblem::TooLong { max: self.max_len });
        }
        let lower = text.to_lowercase();
        let mut personal: Vec<String> = Vec::new();
        for item in context {
            let item = item.trim().to_lowercase();
            if let Some((local, _domain)) = item.split_once('@') {
                personal.push(local.to_owned());
            }
            personal.push(item);
        }
        personal.retain(|p| p.chars().count() >= MIN_CONTEXT_CHARS);
        if personal.iter().any(|p| lower.contains(p.as_str())) {
            return Err(PasswordProblem::ContainsPersonalInfo);
        }
        let inputs: Vec<&str> = personal.iter().map(String::as_str).collect();
        let judged: String = text.chars().take(JUDGED_CHARS).collect();
        let estimate = zxcvbn::zxcvbn(&judged, &inputs);
        if estimate.score() >= zxcvbn::Score::Three {
            return Ok(());
        }
        let feedback = estimate.feedback();
        let warning = feedback.and_then(|f| f.warning());
        if matches!(
            warning,
            Some(
                Warning::ThisIsATop10Password
                    | Warning::ThisIsATop100Password
                    | Warning::ThisIsACommonPassword
                    | Warning::ThisIsSimilarToACommonlyUsedPassword
            )
        ) {
            return Err(PasswordProblem::Common);
        }
        let mut parts: Vec<String> = warning.map(|w| w.to_string()).into_iter().collect();
        if let Some(f) = feedback {
            parts.extend(f.suggestions().iter().map(|s| s.to_string()));
        }
        Err(PasswordProblem::Guessable {
            feedback: parts.join(" "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap parameters: these tests are about the logic, not the cost.
    fn cheap() -> PasswordHasher {
        PasswordHasher::new(HashParams {
            m_kib: 64,
            t: 1,
            p: 1,
        })
        .unwrap()
    }

    #[test]
    fn the_dummy_hash_is_well_formed_at_any_params() {
        for params in [
            HashParams::default(),
            HashParams {
                m_kib: 65536,
                t: 3,
                p: 4,
            },
        ] {
            let phc = dummy_phc(params);
            let parsed = PasswordHash::new(&phc).unwrap();
            assert_eq!(stored_params(&parsed).unwrap(), params);
        }
        let v = cheap()
            .verify(&Password::from("anything"), &dummy_phc(cheap().params()))
            .unwrap();
        assert!(!v.ok);
    }

    #[test]
    fn absurd_parameters_are_refused_before_hashing() {
        let phc = format!(
            "$argon2id$v=19$m={},t=1,p=1${}${}",
            MAX_M_KIB + 1,
            "A".repeat(22),
            "A".repeat(43)
        );
        assert!(matches!(
            cheap().verify(&Password::from("x"), &phc),
            Err(PasswordError::Malformed(_))
        ));
        assert!(
            PasswordHasher::new(HashParams {
                m_kib: 8,
                t: MAX_T + 1,
                p: 1
            })
            .is_err()
        );
    }

    #[test]
    fn problems_read_as_sentences_for_users() {
        assert_eq!(
            PasswordProblem::TooShort { min: 12 }.to_string(),
            "the password must be at least 12 characters"
        );
        assert_eq!(
            PasswordProblem::Guessable {
                feedback: String::new()
            }
            .to_string(),
            "this password is too easy to guess"
        );
    }
}
