#![no_main]

use libfuzzer_sys::fuzz_target;

// Legacy Office (OLE) bytes: the raw pass, the EncryptedPackage watch and
// the UTF-16 text scanner.
fuzz_target!(|data: &[u8]| {
    cordon_extract::fuzzing::extract_as(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", data);
});
