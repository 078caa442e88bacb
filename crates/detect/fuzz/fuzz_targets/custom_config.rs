//! Custom detector TOML: parsing never panics, and a config that parses
//! builds and scans its own source text without panicking.
#![no_main]

use cordon_detect::{CustomDetectorsConfig, Detectors};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(cfg) = CustomDetectorsConfig::from_toml_str(s) {
        if let Ok(det) = Detectors::builder().custom(cfg).build() {
            let _ = det.scan(data);
        }
    }
});
