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
//! | `Account { id, name }` | `account:<id> (<name>)` |
//!
//! `key:<id> (<name>)` is what the server wrote before actors were typed,
//! so history written then reads as keys; migration `0003_actors` turned
//! every other old value (`cordon serve --policy` of the bootstrap) into
//! `system`.
//!
//! The name is the one the actor had when it acted (a key or account may
//! be renamed later); [`Actor::identity`] is the part that never changes
//! (`system`, `key:<id>`, `account:<id>`), which the audit log filters by.

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
    /// A person signed in with an account. (An API key an account owns
    /// acts as the key: the key is what authenticated.)
    Account {
        /// The account's id (16 hex digits).
        id: String,
        /// The account's user name when it acted.
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

    /// The actor of a person's account.
    pub fn account(id: impl Into<String>, name: impl Into<String>) -> Actor {
        Actor::Account {
            id: id.into(),
            name: name.into(),
        }
    }

    /// The stored form (see the module's documentation). A space in an
    /// id, which key and account ids never have, would not read back: it
    /// becomes `_`.
    pub fn encode(&self) -> String {
        match self {
            Actor::System => "system".to_owned(),
            Actor::Key { name, .. } | Actor::Account { name, .. } => {
                format!("{} ({name})", self.identity())
            }
        }
    }

    /// Who acted, without the name they had then: `system`, `key:<id>`
    /// or `account:<id>`. Stable across renames.
    pub fn identity(&self) -> String {
        match self {
            Actor::System => "system".to_owned(),
            Actor::Key { id, .. } => format!("key:{}", id.replace(' ', "_")),
            Actor::Account { id, .. } => format!("account:{}", id.replace(' ', "_")),
        }
    }

    /// Reads the stored form back; `None` if it is not one.
    pub fn decode(s: &str) -> Option<Actor> {
        if s == "system" {
            return Some(Actor::System);
        }
        let (kind, rest) = s.split_once(':')?;
        let (id, name) = rest.split_once(' ')?;
        let name = name.strip_prefix('(')?.strip_suffix(')')?;
        match kind {
            "key" => Some(Actor::key(id, name)),
            "account" => Some(Actor::account(id, name)),
            _ => None,
        }
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
            (
                Actor::account("0123456789abcdef", "Alice (ops)"),
                "account:0123456789abcdef (Alice (ops))",
            ),
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
            "account:abc",
            "account:abc name",
            "user:abc (name)",
            ":abc (name)",
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
        let j = serde_json::to_value(Actor::account("0123456789abcdef", "alice")).unwrap();
        assert_eq!(
            j,
            serde_json::json!({"type": "account", "id": "0123456789abcdef", "name": "alice"})
        );
    }

    #[test]
    fn identity_drops_the_name() {
        assert_eq!(Actor::System.identity(), "system");
        assert_eq!(Actor::key("0a1b2c3d", "ci").identity(), "key:0a1b2c3d");
        assert_eq!(
            Actor::account("0123456789abcdef", "alice").identity(),
            "account:0123456789abcdef"
        );
    }

    proptest! {
        #[test]
        fn every_key_actor_reads_back(id in "[0-9a-f]{8}", name in ".*") {
            let a = Actor::key(id, name);
            prop_assert_eq!(Actor::decode(&a.encode()), Some(a));
        }

        #[test]
        fn every_account_actor_reads_back(id in "[0-9a-f]{16}", name in ".*") {
            let a = Actor::account(id, name);
            prop_assert_eq!(Actor::decode(&a.encode()), Some(a));
        }
    }
}
