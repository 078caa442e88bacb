//! RFC 4515 escaping of what a user types as a login name: the escaped
//! text has no filter syntax left in it, unescapes to the input, and the
//! filters built from it always parse as a filter whose structure does not
//! depend on the input.
#![no_main]

use cordon_identity::Secret;
use cordon_identity::ldap::{LdapConfig, escape_filter};
use libfuzzer_sys::fuzz_target;

/// Undo `\hh` escapes.
fn unescape(s: &str) -> Option<String> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let escaped = escape_filter(input);
    for special in ['*', '(', ')', '\0'] {
        assert!(
            !escaped.contains(special),
            "{special:?} left in {escaped:?}"
        );
    }
    assert_eq!(unescape(&escaped).as_deref(), Some(input));

    for config in [
        LdapConfig::active_directory("ldap://dc", "svc", Secret::from("pw"), "dc=corp"),
        LdapConfig::openldap("ldap://dir", "svc", Secret::from("pw"), "dc=org"),
    ] {
        let filter = config.expand_filter(input, 1_767_225_600).unwrap();
        let sample = config.expand_filter("x", 1_767_225_600).unwrap();
        assert!(ldap3::parse_filter(&filter).is_ok(), "{filter}");
        // Same number of parentheses as with a harmless name: the input
        // added no filter components.
        let parens = |f: &str| f.matches(['(', ')']).count();
        assert_eq!(parens(&filter), parens(&sample), "{filter}");
    }
});
