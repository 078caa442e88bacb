//! What the agent trusts and holds: the pinned signing keys
//! (`trust.json`) and the last good bundle (`bundle.json`), both in the
//! owner-only state directory. The cached bundle is verified again on
//! every start, like a fresh one: a file changed on disk is refused.

use std::io::Write as _;
use std::path::Path;

use cordon_bundle::{BundleError, KeyInfo, Payload, PublicKey};

use crate::policy::{Policy, PolicyError};

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("trust store: {0}")]
    Store(String),
}

/// Writes a file owner-only (0600), atomically, in a directory made
/// owner-only (0700).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct TrustFile {
    keys: Vec<KeyInfo>,
}

pub fn load_keys(state_dir: &Path) -> Result<Vec<PublicKey>, TrustError> {
    let text = std::fs::read(state_dir.join("trust.json"))?;
    let f: TrustFile =
        serde_json::from_slice(&text).map_err(|e| TrustError::Store(e.to_string()))?;
    Ok(f.keys
        .iter()
        .map(PublicKey::from_info)
        .collect::<Result<_, _>>()?)
}

pub fn save_keys(state_dir: &Path, keys: &[PublicKey]) -> Result<(), TrustError> {
    let f = TrustFile {
        keys: keys.iter().map(PublicKey::info).collect(),
    };
    let bytes = serde_json::to_vec_pretty(&f).map_err(|e| TrustError::Store(e.to_string()))?;
    Ok(write_private(&state_dir.join("trust.json"), &bytes)?)
}

/// A bundle accepted: its payload, its policy, the keys to trust from now.
#[derive(Debug)]
pub struct Accepted {
    pub payload: Payload,
    pub policy: Policy,
    pub signed_by: String,
    pub keys: Vec<PublicKey>,
}

/// Verifies a bundle against `keys`, checks it may replace `held`, reads
/// its policy, and works out the keys to trust afterwards: the signer,
/// and the next key the bundle announces.
pub fn accept(
    text: &[u8],
    keys: &[PublicKey],
    held: Option<&Payload>,
    group: &str,
) -> Result<Accepted, TrustError> {
    let opened = cordon_bundle::open(text, keys)?;
    cordon_bundle::succession(held, &opened.payload, group)?;
    let policy = Policy::from_payload(&opened.payload)?;
    let mut next_keys: Vec<PublicKey> = keys
        .iter()
        .filter(|k| k.key_id() == opened.signed_by)
        .cloned()
        .collect();
    if let Some(info) = &opened.payload.next_key {
        let k = PublicKey::from_info(info)?;
        if !next_keys.contains(&k) {
            next_keys.push(k);
        }
    }
    Ok(Accepted {
        payload: opened.payload,
        policy,
        signed_by: opened.signed_by,
        keys: next_keys,
    })
}

/// Stores an accepted bundle's text as the last good one.
pub fn save_bundle(state_dir: &Path, text: &[u8]) -> Result<(), TrustError> {
    Ok(write_private(&state_dir.join("bundle.json"), text)?)
}

/// The cached bundle, verified again. `None` when there is none.
pub fn load_cached(
    state_dir: &Path,
    keys: &[PublicKey],
    group: &str,
) -> Result<Option<Accepted>, TrustError> {
    let text = match std::fs::read(state_dir.join("bundle.json")) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    // The cached bundle may have been signed by a key rotated out since:
    // it was accepted under the keys of its time, which included its signer.
    accept(&text, keys, None, group).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cordon_bundle::SigningKey;

    fn payload(serial: i64, next: Option<KeyInfo>) -> Payload {
        Payload {
            group: "g".into(),
            policy_id: "p".into(),
            policy_version: 1,
            serial,
            issued_at: 0,
            format: "json".into(),
            body: r#"{"policies":[]}"#.into(),
            next_key: next,
        }
    }

    #[test]
    fn rotation_adds_the_announced_key_then_drops_the_old_one() {
        let old = SigningKey::from_seed(&[1; 32]);
        let new = SigningKey::from_seed(&[2; 32]);
        let keys = vec![old.public()];
        // A bundle signed by a key never announced is refused.
        let by_new = new.seal(&payload(2, None)).unwrap();
        assert!(accept(by_new.as_bytes(), &keys, None, "g").is_err());
        // Announced under the old key: both trusted.
        let announce = old.seal(&payload(1, Some(new.public().info()))).unwrap();
        let a = accept(announce.as_bytes(), &keys, None, "g").unwrap();
        assert_eq!(a.keys, vec![old.public(), new.public()]);
        // Signed by the new key: the old one is dropped.
        let b = accept(by_new.as_bytes(), &a.keys, Some(&a.payload), "g").unwrap();
        assert_eq!(b.keys, vec![new.public()]);
    }

    #[test]
    fn a_cached_bundle_changed_on_disk_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let k = SigningKey::from_seed(&[1; 32]);
        let text = k.seal(&payload(1, None)).unwrap();
        save_bundle(t.path(), text.as_bytes()).unwrap();
        assert!(load_cached(t.path(), &[k.public()], "g").unwrap().is_some());
        let tampered = text.replace("\"key_id\"", "\"key_id\" ");
        std::fs::write(t.path().join("bundle.json"), tampered.replace('A', "B")).unwrap();
        assert!(load_cached(t.path(), &[k.public()], "g").is_err());
    }
}
