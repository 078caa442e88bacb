//! Integration tests of cordon-filetype: the seed's custom types on real
//! files, the built-in table on generated samples, hostile inputs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may unwrap (clippy.toml)
mod builtin;
mod hostile;
mod seed_types;

use std::path::PathBuf;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn load_custom(name: &str) -> cordon_filetype::CustomType {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    cordon_filetype::CustomType::from_json(&value).unwrap()
}
