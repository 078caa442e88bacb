#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cordon_extract::fuzzing::extract_as(b"From: a@b.c\r\nTo: d@e.f\r\n", data);
});
