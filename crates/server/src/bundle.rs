//! The server's agent-signing keys: what signs every bundle an agent
//! receives (`cordon-bundle`).
//!
//! The current key lives in `<data dir>/agent-keys/current.key` (64 hex
//! digits, mode 0600, directory 0700), created the first time an agent
//! needs it. A key to rotate to is placed beside it as `next.key` (`cordon
//! agent keygen`): from the next start on, every bundle announces it,
//! signed by the current key, and agents add it to the keys they trust.
//! Once every agent has reported it in its heartbeat, `next.key` becomes
//! `current.key` (the old one is kept as `retired-<id>.key` by the
//! operator) and the server restarts. `docs/agent.md` has the steps.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cordon_bundle::{KeyInfo, Payload, SigningKey};

use crate::error::ApiError;
use crate::state::AppState;

/// The signing keys in force.
#[derive(Debug)]
pub struct AgentKeys {
    pub current: SigningKey,
    pub next: Option<SigningKey>,
}

impl AgentKeys {
    /// The current key's public half, as agents pin it.
    pub fn public(&self) -> KeyInfo {
        self.current.public().info()
    }

    pub fn next_public(&self) -> Option<KeyInfo> {
        self.next.as_ref().map(|k| k.public().info())
    }

    /// Signs a payload, announcing the next key when there is one.
    pub fn seal(&self, mut payload: Payload) -> Result<String, ApiError> {
        payload.next_key = self.next_public();
        self.current
            .seal(&payload)
            .map_err(|e| ApiError::internal("sealing a bundle", &e))
    }

    /// Something that changes whenever the keys do, for ETags.
    pub fn tag(&self) -> String {
        let next = self.next_public().map(|k| k.key_id).unwrap_or_default();
        format!("{}{}", self.current.public().key_id(), next)
    }
}

/// Holds the keys once loaded (lazily: tests and servers without agents
/// never create a key file).
#[derive(Debug, Default)]
pub struct KeyCell(Mutex<Option<Arc<AgentKeys>>>);

fn key_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("agent-keys")
}

/// Reads the keys in `data_dir`, creating the current one if there is none.
pub fn load_or_create(data_dir: &Path) -> std::io::Result<AgentKeys> {
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
    let dir = key_dir(data_dir);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    let current_path = dir.join("current.key");
    let current = match std::fs::read_to_string(&current_path) {
        Ok(text) => parse(&current_path, &text)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(std::io::Error::other)?;
            let key = SigningKey::from_seed(&seed);
            let tmp = dir.join("current.key.tmp");
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(format!("{}\n", key.to_hex()).as_bytes())?;
            f.sync_all()?;
            // Never replace a key another process created meanwhile.
            std::fs::hard_link(&tmp, &current_path).or_else(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Ok(())
                } else {
                    Err(e)
                }
            })?;
            let _ = std::fs::remove_file(&tmp);
            let text = std::fs::read_to_string(&current_path)?;
            let key = parse(&current_path, &text)?;
            tracing::info!(key_id = %key.public().key_id(), path = %current_path.display(), "created the agent-signing key");
            key
        }
        Err(e) => return Err(e),
    };
    let next_path = dir.join("next.key");
    let next = match std::fs::read_to_string(&next_path) {
        Ok(text) => Some(parse(&next_path, &text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    Ok(AgentKeys { current, next })
}

fn parse(path: &Path, text: &str) -> std::io::Result<SigningKey> {
    SigningKey::from_hex(text).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })
}

impl AppState {
    /// The agent-signing keys, loaded (or created) on first use.
    pub fn agent_keys(&self) -> Result<Arc<AgentKeys>, ApiError> {
        let mut slot = self
            .agent_keys
            .0
            .lock()
            .map_err(|_| ApiError::internal("agent keys", &"lock poisoned"))?;
        if let Some(k) = slot.as_ref() {
            return Ok(k.clone());
        }
        let keys = Arc::new(
            load_or_create(&self.settings.data_dir)
                .map_err(|e| ApiError::internal("agent-signing key", &e))?,
        );
        *slot = Some(keys.clone());
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_owner_only_and_read_back() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path()).unwrap();
        let b = load_or_create(dir.path()).unwrap();
        assert_eq!(a.current.public(), b.current.public());
        let meta = std::fs::metadata(dir.path().join("agent-keys/current.key")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert!(a.next.is_none());
        let next = SigningKey::from_seed(&[3; 32]);
        std::fs::write(dir.path().join("agent-keys/next.key"), next.to_hex()).unwrap();
        let c = load_or_create(dir.path()).unwrap();
        assert_eq!(c.next_public().unwrap().key_id, next.public().key_id());
    }
}
