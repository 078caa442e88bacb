//! Server-wide settings an administrator changes at run time (session
//! lifetimes, the second-factor mode, lockout policy, …): one JSON value
//! per key, with who set it. Every server sharing the database reads the
//! same values; what each key means is the server's business.

use serde::{Deserialize, Serialize};

use crate::{Actor, Millis, Result, StoreError};

/// The longest setting key, in bytes.
pub const MAX_KEY_BYTES: usize = 128;

/// A stored setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    pub key: String,
    pub value: serde_json::Value,
    pub updated_at: Millis,
    pub updated_by: Actor,
}

/// Settings.
#[async_trait::async_trait]
pub trait SettingsStore: Send + Sync {
    /// The value, if the key was ever set.
    async fn get_setting(&self, key: &str) -> Result<Option<serde_json::Value>>;
    /// Sets (or replaces) a value. `Invalid` for an empty key or one
    /// longer than [`MAX_KEY_BYTES`].
    async fn put_setting(
        &self,
        key: &str,
        value: &serde_json::Value,
        actor: &Actor,
        now: Millis,
    ) -> Result<()>;
    /// Every setting, by key.
    async fn list_settings(&self) -> Result<Vec<Setting>>;
}

pub(crate) fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES || key.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "setting key `{key}`: use 1 to {MAX_KEY_BYTES} bytes without control characters"
        )));
    }
    Ok(())
}

pub(crate) fn value_from_json(key: &str, s: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s)
        .map_err(|e| StoreError::Invalid(format!("stored value of setting `{key}`: {e}")))
}

/// The SQL of [`SettingsStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_settings_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::actor::{decode_column, encode_column};
            use $crate::settings::{Setting, SettingsStore, check_key, value_from_json};
            use $crate::{Actor, Millis, Result};

            #[async_trait::async_trait]
            impl SettingsStore for $store {
                async fn get_setting(&self, key: &str) -> Result<Option<serde_json::Value>> {
                    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
                        .bind(key)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(|r| value_from_json(key, &r.try_get::<String, _>("value")?))
                        .transpose()
                }

                async fn put_setting(
                    &self,
                    key: &str,
                    value: &serde_json::Value,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<()> {
                    check_key(key)?;
                    sqlx::query(
                        "INSERT INTO settings (key, value, updated_at, updated_by) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET \
                         value = excluded.value, updated_at = excluded.updated_at, \
                         updated_by = excluded.updated_by",
                    )
                    .bind(key)
                    .bind(value.to_string())
                    .bind(now)
                    .bind(encode_column(actor))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn list_settings(&self) -> Result<Vec<Setting>> {
                    let rows =
                        sqlx::query("SELECT key, value, updated_at, updated_by FROM settings")
                            .fetch_all(&self.pool)
                            .await?;
                    // Sorted here: PostgreSQL orders text by its locale.
                    let mut all = rows
                        .iter()
                        .map(|r| {
                            let key: String = r.try_get("key")?;
                            let value: String = r.try_get("value")?;
                            let updated_by: String = r.try_get("updated_by")?;
                            Ok(Setting {
                                value: value_from_json(&key, &value)?,
                                key,
                                updated_at: r.try_get("updated_at")?,
                                updated_by: decode_column(&updated_by)?,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    all.sort_by(|a, b| a.key.cmp(&b.key));
                    Ok(all)
                }
            }
        };
    };
}
pub(crate) use impl_settings_store;
