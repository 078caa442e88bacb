#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cordon_extract::fuzzing::markup(data, true);
});
