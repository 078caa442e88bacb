//! ARCHITECTURE.md stays true: every crate of the workspace has its entry
//! in the code map, headed by its folder and package name, with its
//! invariant and API boundary, and no entry names a crate that is gone.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn package_name(manifest: &str) -> Option<String> {
    let package = manifest.split("[package]").nth(1)?;
    let line = package
        .lines()
        .find(|l| l.trim_start().starts_with("name"))?;
    Some(line.split('"').nth(1)?.to_owned())
}

#[test]
fn every_crate_has_its_entry_in_the_code_map() {
    let arch = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let mut crates = Vec::new();
    for entry in std::fs::read_dir(root().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        let folder = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let package = package_name(&manifest).unwrap();
        crates.push(folder.clone());
        let heading = format!("### `crates/{folder}` ({package})");
        let at = arch
            .find(&heading)
            .unwrap_or_else(|| panic!("ARCHITECTURE.md has no entry `{heading}`"));
        let rest = arch.get(at + heading.len()..).unwrap();
        let section = rest.split("\n### ").next().unwrap();
        let section = section.split("\n## ").next().unwrap();
        if folder != "cli" {
            for part in ["**Architecture invariant:**", "**API boundary:**"] {
                assert!(section.contains(part), "`crates/{folder}` lacks {part}");
            }
        }
    }
    for line in arch.lines().filter(|l| l.starts_with("### `crates/")) {
        let folder = line
            .trim_start_matches("### `crates/")
            .split('`')
            .next()
            .unwrap();
        assert!(
            crates.iter().any(|c| c == folder),
            "ARCHITECTURE.md describes `crates/{folder}`, which does not exist"
        );
    }
}

#[test]
fn the_declared_msrv_is_the_one_the_readme_names() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let msrv = manifest
        .lines()
        .find(|l| l.starts_with("rust-version"))
        .and_then(|l| l.split('"').nth(1))
        .unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("rustup toolchain install {msrv}")),
        "README.md must say how to install the MSRV toolchain {msrv}"
    );
}
