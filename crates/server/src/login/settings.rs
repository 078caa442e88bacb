//! The login settings administrators change at run time
//! (`GET/PUT /v1/settings/login`), stored with the
//! [`cordon_store::SettingsStore`] under the key `login`. Until an
//! administrator stores them, the `[login]` table of the configuration
//! file (or the built-in defaults) applies.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use cordon_store::LockoutPolicy;

/// The settings key the store keeps them under.
pub const KEY: &str = "login";

/// The second factor everybody signs in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TwoFactor {
    /// The password alone.
    #[default]
    Off,
    /// A six-digit code sent by e-mail, valid 15 minutes.
    Email,
    /// A code from an authenticator app (Google Authenticator and the
    /// like); people enrol at their next sign-in.
    Totp,
}

impl TwoFactor {
    pub fn as_str(self) -> &'static str {
        match self {
            TwoFactor::Off => "off",
            TwoFactor::Email => "email",
            TwoFactor::Totp => "totp",
        }
    }
}

/// How failed sign-ins lock an account: after `threshold` consecutive
/// failures it is locked for `base_seconds`, and each further failure
/// doubles the lock up to `max_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Lockout {
    /// 1 to 100 (NIST 800-63B: at most 100 failures without a lock).
    pub threshold: u32,
    pub base_seconds: u32,
    pub max_seconds: u32,
}

impl Default for Lockout {
    fn default() -> Lockout {
        Lockout {
            threshold: 5,
            base_seconds: 30,
            max_seconds: 3600,
        }
    }
}

/// Sign-in, session and lockout settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LoginSettings {
    /// `off`, `email` or `totp`.
    pub two_factor: TwoFactor,
    /// Days a browser may skip the second factor when its owner asks it
    /// to be remembered; 0 = never offered.
    pub remember_days: u32,
    /// A session without a request for this long ends.
    pub session_idle_minutes: u32,
    /// A session ends this long after sign-in, however active.
    pub session_absolute_hours: u32,
    /// How long re-entering the password (`POST /v1/auth/reauth`) allows
    /// dangerous changes.
    pub elevation_minutes: u32,
    pub lockout: Lockout,
}

impl Default for LoginSettings {
    fn default() -> LoginSettings {
        LoginSettings {
            two_factor: TwoFactor::Off,
            remember_days: 0,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            elevation_minutes: 10,
            lockout: Lockout::default(),
        }
    }
}

pub const MAX_REMEMBER_DAYS: u32 = 365;
const MAX_IDLE_MINUTES: u32 = 24 * 60;
const MAX_ABSOLUTE_HOURS: u32 = 30 * 24;
const MAX_ELEVATION_MINUTES: u32 = 60;
const MAX_LOCK_SECONDS: u32 = 7 * 24 * 3600;

const MINUTE_MS: i64 = 60_000;

impl LoginSettings {
    /// What is wrong with these settings, naming the field: `(field,
    /// message)`.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let l = &self.lockout;
        let rules: [(&'static str, bool, String); 7] = [
            (
                "remember_days",
                self.remember_days <= MAX_REMEMBER_DAYS,
                format!("`remember_days` must be 0 (never) to {MAX_REMEMBER_DAYS}"),
            ),
            (
                "session_idle_minutes",
                (1..=MAX_IDLE_MINUTES).contains(&self.session_idle_minutes),
                format!("`session_idle_minutes` must be 1 to {MAX_IDLE_MINUTES}"),
            ),
            (
                "session_absolute_hours",
                (1..=MAX_ABSOLUTE_HOURS).contains(&self.session_absolute_hours)
                    && i64::from(self.session_idle_minutes)
                        <= i64::from(self.session_absolute_hours) * 60,
                format!(
                    "`session_absolute_hours` must be 1 to {MAX_ABSOLUTE_HOURS}, and no shorter \
                     than `session_idle_minutes`"
                ),
            ),
            (
                "elevation_minutes",
                (1..=MAX_ELEVATION_MINUTES).contains(&self.elevation_minutes),
                format!("`elevation_minutes` must be 1 to {MAX_ELEVATION_MINUTES}"),
            ),
            (
                "lockout.threshold",
                (1..=100).contains(&l.threshold),
                "`lockout.threshold` must be 1 to 100".to_owned(),
            ),
            (
                "lockout.base_seconds",
                (1..=MAX_LOCK_SECONDS).contains(&l.base_seconds),
                format!("`lockout.base_seconds` must be 1 to {MAX_LOCK_SECONDS}"),
            ),
            (
                "lockout.max_seconds",
                l.max_seconds >= l.base_seconds && l.max_seconds <= MAX_LOCK_SECONDS,
                format!(
                    "`lockout.max_seconds` must be at least `lockout.base_seconds` and at most \
                     {MAX_LOCK_SECONDS}"
                ),
            ),
        ];
        match rules.into_iter().find(|(_, ok, _)| !ok) {
            Some((field, _, message)) => Err((field, message)),
            None => Ok(()),
        }
    }

    pub fn idle_ms(&self) -> i64 {
        i64::from(self.session_idle_minutes) * MINUTE_MS
    }

    pub fn absolute_ms(&self) -> i64 {
        i64::from(self.session_absolute_hours) * 60 * MINUTE_MS
    }

    pub fn elevation_ms(&self) -> i64 {
        i64::from(self.elevation_minutes) * MINUTE_MS
    }

    pub fn remember_ms(&self) -> i64 {
        i64::from(self.remember_days) * 24 * 60 * MINUTE_MS
    }

    pub fn lockout_policy(&self) -> LockoutPolicy {
        LockoutPolicy {
            threshold: i64::from(self.lockout.threshold),
            base_ms: i64::from(self.lockout.base_seconds) * 1000,
            max_ms: i64::from(self.lockout.max_seconds) * 1000,
        }
    }

    /// `self` with the fields of the JSON object `patch` replaced (one
    /// level deep into `lockout`): what `PUT /v1/settings/login` stores.
    pub fn patched(&self, patch: &serde_json::Value) -> Result<LoginSettings, String> {
        let mut merged = serde_json::to_value(self).map_err(|e| e.to_string())?;
        let (Some(target), Some(patch)) = (merged.as_object_mut(), patch.as_object()) else {
            return Err("the body must be a JSON object".to_owned());
        };
        for (k, v) in patch {
            match (target.get_mut(k), v) {
                (Some(serde_json::Value::Object(inner)), serde_json::Value::Object(sub)) => {
                    for (k2, v2) in sub {
                        inner.insert(k2.clone(), v2.clone());
                    }
                }
                _ => {
                    target.insert(k.clone(), v.clone());
                }
            }
        }
        serde_json::from_value(merged).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_as_documented() {
        let s = LoginSettings::default();
        assert_eq!(s.check(), Ok(()));
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({
                "two_factor": "off", "remember_days": 0, "session_idle_minutes": 30,
                "session_absolute_hours": 12, "elevation_minutes": 10,
                "lockout": {"threshold": 5, "base_seconds": 30, "max_seconds": 3600},
            })
        );
    }

    #[test]
    fn a_patch_keeps_what_it_does_not_name() {
        let s = LoginSettings::default()
            .patched(&serde_json::json!({"two_factor": "totp", "lockout": {"threshold": 3}}))
            .unwrap();
        assert_eq!(s.two_factor, TwoFactor::Totp);
        assert_eq!(s.lockout.threshold, 3);
        assert_eq!(s.lockout.max_seconds, 3600);
        assert_eq!(s.session_idle_minutes, 30);
        let e = LoginSettings::default()
            .patched(&serde_json::json!({"two_factors": "totp"}))
            .unwrap_err();
        assert!(e.contains("two_factors"), "{e}");
    }

    #[test]
    fn out_of_range_values_name_their_field() {
        let bad = |patch: serde_json::Value| {
            LoginSettings::default()
                .patched(&patch)
                .unwrap()
                .check()
                .unwrap_err()
                .0
        };
        assert_eq!(
            bad(serde_json::json!({"remember_days": 366})),
            "remember_days"
        );
        assert_eq!(
            bad(serde_json::json!({"session_idle_minutes": 0})),
            "session_idle_minutes"
        );
        assert_eq!(
            bad(serde_json::json!({"session_idle_minutes": 120, "session_absolute_hours": 1})),
            "session_absolute_hours"
        );
        assert_eq!(
            bad(serde_json::json!({"elevation_minutes": 0})),
            "elevation_minutes"
        );
        assert_eq!(
            bad(serde_json::json!({"lockout": {"threshold": 101}})),
            "lockout.threshold"
        );
        assert_eq!(
            bad(serde_json::json!({"lockout": {"base_seconds": 60, "max_seconds": 30}})),
            "lockout.max_seconds"
        );
    }
}
