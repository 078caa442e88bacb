//! Who did something. Every admin mutation takes an [`Actor`] and the
//! store records it next to what changed; history entries give it back.
//!
//! Stored as one TEXT column in a stable encoding that stays readable in
//! the database itself (`sqlite3`, `psql`) and sorts by kind:
//!
//! | actor | stored as |
//! |---|---|
//! | `System` | `system` |
//! | `Key { id, name }` | `key:<id> (<name>)` |
//!
//! `key:<id> (<name>)` is what the server wrote before actors were typed,
//! so history written then reads as keys; migration `0003_actors` turned
//! every other old value (`cordon serve --policy` of the bootstrap) into
//! `system`. Accounts will be `account:<id> (<name>)`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Actor {
    /// Cordon itself or its operator on the host: the server bootstrapping
    /// a policy or its first key, `cordon admin` commands, the incident
    /// pipeline.
    System,
    /// A caller authenticated by an API key.
    Key {
        /// The key's public id (8 hex digits).
        id: String,
        /// The key's name when it acted.
        name: String,
    },
}

impl Actor {
    /// The actor of an API key.
    pub fn key(id: impl Into<String>, name: impl Into<String>) -> Actor {
        Actor::Key {
            id: id.into(),
            name: name.into(),
        }
    }

    /// The stored form (see the module's documentation). A space in a
    /// key id, which key ids never have, would not read back: it becomes
    /// `_`.
    pub fn encode(&self) -> String {
        match self {
            Actor::System => "system".to_owned(),
            Actor::Key { id, name } => format!("key:{} ({name})", id.replace(' ', "_")),
        }
    }

    /// Reads the stored form back; `None` if it is not one.
    pub fn decode(s: &str) -> Option<Actor> {
        if s == "system" {
            return Some(Actor::System);
        }
        let rest = s.strip_prefix("key:")?;
        let (id, name) = rest.split_once(' ')?;
        let name = name.strip_prefix('(')?.strip_suffix(')')?;
        Some(Actor::key(id, name))
    }
}

/// The stored form, which is also how a person reads it.
impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// Decodes a stored actor column, or says which value was not one.
pub(crate) fn decode_column(s: &str) -> crate::Result<Actor> {
    Actor::decode(s).ok_or_else(|| crate::StoreError::Invalid(format!("stored actor `{s}`")))
}

/// The stored form, as a database TEXT column can hold it (no NUL).
pub(crate) fn encode_column(a: &Actor) -> String {
    crate::sql::text(&a.encode()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stored_forms() {
        let cases = [
            (Actor::System, "system"),
            (
                Actor::key("0a1b2c3d", "ops laptop"),
                "key:0a1b2c3d (ops laptop)",
            ),
            (
                Actor::key("0a1b2c3d", "a (b) c)"),
                "key:0a1b2c3d (a (b) c))",
            ),
            (Actor::key("0a1b2c3d", ""), "key:0a1b2c3d ()"),
        ];
        for (actor, stored) in cases {
            assert_eq!(actor.encode(), stored);
            assert_eq!(Actor::decode(stored), Some(actor));
        }
    }

    #[test]
    fn what_is_not_an_actor() {
        for s in [
            "",
            "System",
            "cordon serve --policy",
            "key:abc",
            "key:abc name",
            "key:abc (x",
        ] {
            assert_eq!(Actor::decode(s), None, "{s}");
        }
    }

    #[test]
    fn serializes_tagged() {
        let j = serde_json::to_value(Actor::key("0a1b2c3d", "ci")).unwrap();
        assert_eq!(
            j,
            serde_json::json!({"type": "key", "id": "0a1b2c3d", "name": "ci"})
        );
        let j = serde_json::to_value(Actor::System).unwrap();
        assert_eq!(j, serde_json::json!({"type": "system"}));
    }

    proptest! {
        #[test]
        fn every_key_actor_reads_back(id in "[0-9a-f]{8}", name in ".*") {
            let a = Actor::key(id, name);
            prop_assert_eq!(Actor::decode(&a.encode()), Some(a));
        }
    }
}
