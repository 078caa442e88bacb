#![no_main]

use libfuzzer_sys::fuzz_target;

// Legacy Office (OLE): the stream parsers (.doc piece table, .ppt records,
// .xls BIFF8, compressed RTF) on the raw bytes, then the whole pipeline
// behind the compound-file signature. Seed the corpus with
// crates/extract/tests/fixtures/ole/*.
fuzz_target!(|data: &[u8]| {
    cordon_extract::fuzzing::ole_streams(data);
    cordon_extract::fuzzing::extract(data);
    cordon_extract::fuzzing::extract_as(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", data);
});
