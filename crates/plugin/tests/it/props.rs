//! Property tests: the package reader never panics, whatever the bytes,
//! and name validation is exactly its documented pattern.

use std::io::Read;

use cordon_plugin::{Manifest, read_package, valid_name};
use proptest::prelude::*;

use crate::util::{E, gzip, manifest_text, tgz, valid_entries};

fn valid_tar() -> Vec<u8> {
    let mut e = valid_entries();
    e.push(E::Dir("lib"));
    e.push(E::File("lib/helper.py", b"print('x')\n".to_vec(), 0o644));
    crate::util::tar_of(&e)
}

/// The documented pattern, `[A-Za-z0-9][A-Za-z0-9_.-]{0,63}`, spelled
/// out independently of the crate's loop.
fn reference(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    !chars.is_empty()
        && chars.len() <= 64
        && chars[0].is_ascii_alphanumeric()
        && chars[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(*c))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_package(&bytes);
        let mut gz = vec![0x1f, 0x8b];
        gz.extend_from_slice(&bytes);
        let _ = read_package(&gz);
    }

    #[test]
    fn arbitrary_tar_in_gzip_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = read_package(&gzip(&bytes));
    }

    #[test]
    fn mutated_packages_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        compressed in any::<bool>(),
    ) {
        // Mutate either the gzip stream or the tar inside it (which the
        // gzip CRC would otherwise hide from the tar reader).
        let mut bytes = if compressed { tgz(&valid_entries()) } else { valid_tar() };
        for (at, b) in &edits {
            let i = at.index(bytes.len());
            bytes[i] = *b;
        }
        if cut.index(8) == 0 {
            bytes.truncate(cut.index(bytes.len()));
        }
        let bytes = if compressed { bytes } else { gzip(&bytes) };
        if let Ok(p) = read_package(&bytes) {
            // Whatever is accepted is valid and names its executable.
            prop_assert!(p.manifest.validate().is_ok());
            prop_assert!(p.files.iter().any(|f| f.path == p.manifest.executable));
            prop_assert!(p.files.iter().all(|f| !f.path.starts_with('/') && !f.path.split('/').any(|c| c == "..")));
        }
    }

    #[test]
    fn name_validation_is_the_pattern(name in "\\PC{0,70}|[A-Za-z0-9._/ -]{0,70}") {
        prop_assert_eq!(valid_name(&name), reference(&name), "{:?}", name);
    }

    #[test]
    fn valid_names_make_valid_manifests(name in "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}") {
        let m = Manifest::from_toml(&manifest_text(&name)).unwrap();
        prop_assert_eq!(&m.name, &name);
        let p = read_package(&tgz(&[
            E::File("cordon-plugin.toml", manifest_text(&name).into_bytes(), 0o644),
            E::File("run.sh", b"#!/bin/sh\n".to_vec(), 0o755),
        ]));
        prop_assert!(p.is_ok());
    }
}

#[test]
fn mutations_reach_the_tar_reader() {
    // The uncompressed mutation above only tests something if the tar is
    // really the package's: it unpacks to the same files.
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(tgz(&valid_entries()).as_slice())
        .read_to_end(&mut plain)
        .unwrap();
    assert_eq!(plain, crate::util::tar_of(&valid_entries()));
    assert!(read_package(&gzip(&valid_tar())).is_ok());
}
