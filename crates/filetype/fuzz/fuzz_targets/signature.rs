//! The signature interpreter on hostile input: the built-in table on any
//! bytes, and any custom type definition (the input up to the first NUL,
//! as JSON) on the rest. Nothing may panic, hang or fail with an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = data;
    let _ = cordon_filetype::identify(&mut bytes);
    let (def, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(def) {
        if let Ok(t) = cordon_filetype::CustomType::from_json(&value) {
            let mut src = rest;
            let _ = t.program.run(&mut src);
            let custom = [t];
            let mut src = rest;
            let _ = cordon_filetype::identify_with(&custom, &mut src);
        }
    }
});
