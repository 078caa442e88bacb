//! Any bytes handed to the server as a plug-in package: the reader never
//! panics, and what it accepts is valid (manifest rules hold, the
//! executable is one of its files, no path leaves the package).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = cordon_plugin::read_package(data) {
        assert!(p.manifest.validate().is_ok());
        assert!(p.files.iter().any(|f| f.path == p.manifest.executable));
        assert!(p.files.iter().all(|f| {
            !f.path.starts_with('/') && !f.path.split('/').any(|c| c == ".." || c.is_empty())
        }));
    }
});
