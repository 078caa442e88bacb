//! Arbitrary events (JSON) against a fixed policy that uses every rule
//! kind: never panic.
#![no_main]

use std::sync::OnceLock;

use cordon_policy::model::Event;
use cordon_policy::{Engine, Loader};
use libfuzzer_sys::fuzz_target;

const POLICY: &str = include_str!("../../../../examples/policies/acronis-dataflow.yaml");
const RULES: &str = include_str!("../../../../examples/policies/filecloud-seed.yaml");

fn engines() -> &'static [Engine; 2] {
    static E: OnceLock<[Engine; 2]> = OnceLock::new();
    E.get_or_init(|| {
        let load = |t: &str| match Loader::new().load(t).0 {
            Some(s) => Engine::new(s),
            None => std::process::abort(),
        };
        [load(POLICY), load(RULES)]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(ev) = serde_json::from_slice::<Event>(data) else {
        return;
    };
    for e in engines() {
        let _ = e.decide_with(&ev, Some("fuzz"));
    }
});
