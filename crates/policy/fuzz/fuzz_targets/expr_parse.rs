//! The expression parser and checker on arbitrary text: never panic, and
//! whatever parses cleanly prints to text that parses to the same tree.
#![no_main]

use cordon_policy::expr::{Effect, compile, parse};
use cordon_policy::model::Action;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let (ast, diags) = parse(src);
    for a in Action::ALL {
        let _ = compile(&ast, &[a], Effect::Deny);
    }
    if diags.is_empty() {
        let printed = ast.to_string();
        let (back, d2) = parse(&printed);
        assert!(d2.is_empty(), "printed form does not parse: {printed}");
        assert!(back.same(&ast), "round trip changed the tree: {printed}");
    }
});
