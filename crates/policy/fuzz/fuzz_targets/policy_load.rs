//! Policy loading (YAML and JSON) on arbitrary text: never panic; a loaded
//! policy decides its own test events without panicking.
#![no_main]

use cordon_policy::{Engine, Loader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (set, diags) = Loader::new().load(text);
    for d in &diags {
        let _ = d.render("fuzz.yaml", text);
    }
    if let Some(set) = set {
        let tests = set.doc.tests.clone();
        let e = Engine::new(set);
        for t in &tests {
            let _ = e.decide_with(&t.event, t.justification.as_deref());
        }
    }
});
