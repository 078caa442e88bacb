//! Installed response plug-in packages: one version per name, the
//! package bytes kept in the database so that every server sharing it
//! runs the same plug-in. What a manifest means, and running a plug-in,
//! are the server's business; the store checks that the package is the
//! one its SHA-256 names.

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::{Actor, Millis, Result, StoreError};

/// The longest plug-in name, in bytes.
pub const MAX_NAME_BYTES: usize = 128;

/// A package to install.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPlugin {
    pub name: String,
    pub version: String,
    pub manifest: serde_json::Value,
    /// Hex SHA-256 of `package`.
    pub sha256: String,
    pub package: Vec<u8>,
}

/// The package bytes are left out: they can be megabytes.
impl std::fmt::Debug for NewPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPlugin")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("sha256", &self.sha256)
            .field("package", &format_args!("{} bytes", self.package.len()))
            .finish_non_exhaustive()
    }
}

/// An installed plug-in, without its package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginRow {
    pub name: String,
    pub version: String,
    pub manifest: serde_json::Value,
    pub sha256: String,
    /// Bytes of the package.
    pub size: i64,
    pub installed_at: Millis,
    pub installed_by: Actor,
}

/// Response plug-in packages.
#[async_trait::async_trait]
pub trait PluginStore: Send + Sync {
    /// Installs `p`, replacing (upgrading) one of the same name. `Invalid`
    /// for an empty name, one over [`MAX_NAME_BYTES`] or with control
    /// characters, and for a package whose SHA-256 is not `p.sha256`.
    async fn install_plugin(&self, p: &NewPlugin, actor: &Actor, now: Millis) -> Result<PluginRow>;
    /// Every installed plug-in, by name, without packages.
    async fn list_plugins(&self) -> Result<Vec<PluginRow>>;
    async fn get_plugin(&self, name: &str) -> Result<PluginRow>;
    /// The plug-in with its package bytes.
    async fn plugin_package(&self, name: &str) -> Result<(PluginRow, Vec<u8>)>;
    /// Removes it; gives what was installed. `NotFound` if none was.
    async fn uninstall_plugin(&self, name: &str) -> Result<PluginRow>;
}

pub(crate) const PLUGIN_COLS: &str =
    "name, version, manifest, sha256, size, installed_at, installed_by";

/// Refuses what cannot be installed, before the database is asked; gives
/// the lower-case hash to store.
pub(crate) fn check_new(p: &NewPlugin) -> Result<String> {
    let name = &p.name;
    if name.is_empty() || name.len() > MAX_NAME_BYTES || name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "plug-in name `{name}`: use 1 to {MAX_NAME_BYTES} bytes without control characters"
        )));
    }
    let actual = hex::encode(sha2::Sha256::digest(&p.package));
    if !actual.eq_ignore_ascii_case(&p.sha256) {
        return Err(StoreError::Invalid(format!(
            "package of plug-in `{name}`: its SHA-256 is `{actual}`, not `{}`",
            p.sha256
        )));
    }
    Ok(actual)
}

pub(crate) fn manifest_from_json(name: &str, s: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s)
        .map_err(|e| StoreError::Invalid(format!("stored manifest of plug-in `{name}`: {e}")))
}

/// The SQL of [`PluginStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_plugin_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::actor::{decode_column, encode_column};
            use $crate::plugins::{
                check_new, manifest_from_json, NewPlugin, PluginRow, PluginStore, PLUGIN_COLS,
            };
            use $crate::sql::text;
            use $crate::{Actor, Millis, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;

            fn plugin_from_row(r: &Row) -> Result<PluginRow> {
                let name: String = r.try_get("name")?;
                let manifest: String = r.try_get("manifest")?;
                let by: String = r.try_get("installed_by")?;
                Ok(PluginRow {
                    manifest: manifest_from_json(&name, &manifest)?,
                    name,
                    version: r.try_get("version")?,
                    sha256: r.try_get("sha256")?,
                    size: r.try_get("size")?,
                    installed_at: r.try_get("installed_at")?,
                    installed_by: decode_column(&by)?,
                })
            }

            fn not_found(name: &str) -> StoreError {
                StoreError::NotFound(format!("plug-in `{name}`"))
            }

            #[async_trait::async_trait]
            impl PluginStore for $store {
                async fn install_plugin(
                    &self,
                    p: &NewPlugin,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<PluginRow> {
                    let sha256 = check_new(p)?;
                    let size = i64::try_from(p.package.len()).unwrap_or(i64::MAX);
                    let row = sqlx::query(&format!(
                        "INSERT INTO plugins (name, version, manifest, sha256, size, package, \
                         installed_at, installed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (name) DO UPDATE SET version = excluded.version, \
                         manifest = excluded.manifest, sha256 = excluded.sha256, \
                         size = excluded.size, package = excluded.package, \
                         installed_at = excluded.installed_at, \
                         installed_by = excluded.installed_by RETURNING {PLUGIN_COLS}"
                    ))
                    .bind(&p.name)
                    .bind(text(&p.version))
                    .bind(p.manifest.to_string())
                    .bind(sha256)
                    .bind(size)
                    .bind(&p.package)
                    .bind(now)
                    .bind(encode_column(actor))
                    .fetch_one(&self.pool)
                    .await?;
                    plugin_from_row(&row)
                }

                async fn list_plugins(&self) -> Result<Vec<PluginRow>> {
                    let rows = sqlx::query(&format!("SELECT {PLUGIN_COLS} FROM plugins"))
                        .fetch_all(&self.pool)
                        .await?;
                    let mut all = rows.iter().map(plugin_from_row).collect::<Result<Vec<_>>>()?;
                    // Sorted here: PostgreSQL orders text by its locale.
                    all.sort_by(|a, b| a.name.cmp(&b.name));
                    Ok(all)
                }

                async fn get_plugin(&self, name: &str) -> Result<PluginRow> {
                    let row = sqlx::query(&format!(
                        "SELECT {PLUGIN_COLS} FROM plugins WHERE name = $1"
                    ))
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| not_found(name))?;
                    plugin_from_row(&row)
                }

                async fn plugin_package(&self, name: &str) -> Result<(PluginRow, Vec<u8>)> {
                    let row = sqlx::query(&format!(
                        "SELECT {PLUGIN_COLS}, package FROM plugins WHERE name = $1"
                    ))
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| not_found(name))?;
                    Ok((plugin_from_row(&row)?, row.try_get("package")?))
                }

                async fn uninstall_plugin(&self, name: &str) -> Result<PluginRow> {
                    let row = sqlx::query(&format!(
                        "DELETE FROM plugins WHERE name = $1 RETURNING {PLUGIN_COLS}"
                    ))
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| not_found(name))?;
                    plugin_from_row(&row)
                }
            }
        };
    };
}
pub(crate) use impl_plugin_store;

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(name: &str, package: &[u8], sha256: String) -> NewPlugin {
        NewPlugin {
            name: name.into(),
            version: "1.0.0".into(),
            manifest: serde_json::json!({}),
            sha256,
            package: package.to_vec(),
        }
    }

    #[test]
    fn the_package_must_match_its_hash() {
        let sha = hex::encode(sha2::Sha256::digest(b"pkg"));
        assert_eq!(
            check_new(&plugin("p", b"pkg", sha.to_uppercase())).unwrap(),
            sha
        );
        assert!(check_new(&plugin("p", b"other", sha.clone())).is_err());
        for bad in ["", "a\nb", &"x".repeat(MAX_NAME_BYTES + 1)] {
            assert!(
                check_new(&plugin(bad, b"pkg", sha.clone())).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn debug_leaves_the_bytes_out() {
        let p = plugin("p", &[7; 64], String::new());
        let s = format!("{p:?}");
        assert!(s.contains("64 bytes") && !s.contains("7, 7"), "{s}");
    }
}
