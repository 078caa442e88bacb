//! Network identifiers written the ways tools print them.

use cordon_detect::Detectors;
use proptest::prelude::*;

/// The `mac_address` finding over exactly `value` in `text`, if any.
fn mac_at(det: &Detectors, text: &str, value: &str) -> bool {
    let s = text.find(value).unwrap();
    det.scan(text.as_bytes())
        .iter()
        .any(|f| f.detector == "mac_address" && f.start == s && f.end == s + value.len())
}

proptest! {
    /// A MAC address in Cisco's dotted form (`0012.3456.789a`) is found
    /// with exactly its span, in lower or upper case, whichever of its
    /// three groups holds the first digit; and not when a fourth group
    /// or a glued letter makes it something else.
    #[test]
    fn cisco_dotted_macs_are_found_whole(
        bytes in proptest::array::uniform6(any::<u8>()),
        upper in any::<bool>(),
        around in 0usize..4,
    ) {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut mac = format!("{}.{}.{}", &hex[0..4], &hex[4..8], &hex[8..12]);
        if upper {
            mac = mac.to_uppercase();
        }
        // A MAC with no digit is not reached (the word walk stops at
        // digits), one of digits only needs its word; placeholders are
        // lowered but still found.
        prop_assume!(mac.bytes().any(|c| c.is_ascii_digit()) && mac.bytes().any(|c| c.is_ascii_alphabetic()));
        let text = match around {
            0 => mac.clone(),
            1 => format!("Gi0/1 learned {mac} on vlan 10"),
            2 => format!("(\"{mac}\")."),
            _ => format!("The address is {mac}."),
        };
        let det = Detectors::new();
        prop_assert!(mac_at(&det, &text, &mac), "{:?}", text);
        let longer = format!("see {mac}.1f2e");
        prop_assert!(!mac_at(&det, &longer, &mac), "{:?}", longer);
        let glued = format!("see {mac}g");
        prop_assert!(!mac_at(&det, &glued, &mac), "{:?}", glued);
    }
}

/// The `email` finding over exactly `value` in `text`, if any.
fn email_at(det: &Detectors, text: &str, value: &str) -> bool {
    let s = text.find(value).unwrap();
    det.scan(text.as_bytes())
        .iter()
        .any(|f| f.detector == "email" && f.start == s && f.end == s + value.len())
}

/// An address whose domain is a literal (RFC 5321 4.1.3) is found whole,
/// bracket included (Commons Validator's `someone@[216.109.118.76]`); a
/// bracket that holds no address is not a domain.
#[test]
fn email_with_a_domain_literal() {
    let det = Detectors::new();
    for value in [
        "someone@[216.109.118.76]",
        "someone@[IPv6:2001:db8::1]",
        "someone@[ipv6:fe80::1]",
        "\"joe smith\"@[192.0.2.7]",
    ] {
        for text in [value.to_string(), format!("Email: {value}, thanks")] {
            assert!(email_at(&det, &text, value), "{text:?}");
        }
    }
    for text in [
        "someone@[216.109.118]",
        "someone@[IPv6:zz]",
        "someone@[1.2.3.4",
        "see @[10.0.0.1]",
    ] {
        assert!(
            !det.scan(text.as_bytes())
                .iter()
                .any(|f| f.detector == "email"),
            "{text:?}"
        );
    }
}

/// A quoted local part is found from its opening quote, whatever it
/// holds of RFC 5322's quoted-string (blanks, `@`, an escaped quote).
#[test]
fn email_with_a_quoted_local_part() {
    let det = Detectors::new();
    for value in [
        r#""joe.@"@apache.org"#,
        r#""john\"doe"@apache.org"#,
        r#"" joe blow "@apache.org"#,
        r#""..".x@apache.org"#,
    ] {
        let text = format!("To: {value}");
        let ok = email_at(&det, &text, value);
        // `".."` then `.x` is no quoted string followed by `@`.
        assert_eq!(ok, !value.ends_with(".x@apache.org"), "{text:?}");
    }
}
