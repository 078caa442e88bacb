//! The device-control JSON reader on hostile text: it never panics; a
//! document it accepts survives a round trip and can decide an access.
#![no_main]

use cordon_devctl::{DeviceControl, read_str, write};
use cordon_policy::model::DeviceAccess;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(loaded) = read_str(text) else { return };
    let written = write::to_string_pretty(&loaded.document);
    let again = read_str(&written).expect("a written document reads back");
    assert_eq!(again.document, loaded.document, "round trip changed the document");
    let dc = DeviceControl::new(loaded.document);
    let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    let _ = dc.decide(&DeviceAccess::default(), Some("000A0100"), now, true);
});
