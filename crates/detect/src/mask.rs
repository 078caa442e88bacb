//! Masking of matched values for display and logs: enough to recognise a
//! value (`4111 **** **** 1111`), never the whole of it.

use compact_str::CompactString;

/// How a detector's values are masked: decided once per detector (see
/// [`Style::of`]), not by comparing its id for every finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Confidentiality markings are not secret: shown as they are.
    Marker,
    Card,
    Iban,
    Email,
    Pem,
    /// Addresses keep their first group (`203.*.***.**`).
    FirstGroup,
    Jwt,
    /// Passwords: nothing kept.
    Hidden,
    /// Tokens keep their recognisable prefix (`ghp_`).
    Token,
    /// Everything else keeps the last few characters.
    General,
}

impl Style {
    pub(crate) fn of(detector: &str) -> Style {
        if detector.ends_with("_marker") || detector == "classification_banner" {
            return Style::Marker;
        }
        match detector {
            "credit_card" => Style::Card,
            "iban" => Style::Iban,
            "email" => Style::Email,
            "private_key" => Style::Pem,
            "ipv4" | "ipv6" | "mac_address" => Style::FirstGroup,
            "jwt" => Style::Jwt,
            // (A track's last digits are its discretionary data, which
            // may hold the PIN's and the card's verification values.)
            "url_password" | "password_assignment" | "card_track_data" | "card_security_code" => {
                Style::Hidden
            }
            d if is_token(d) => Style::Token,
            _ => Style::General,
        }
    }
}

/// Masks `value` as matched by `detector`. Separators are kept, most
/// letters and digits become `*`. Confidentiality markings (`CONFIDENTIAL`,
/// `TLP:RED`) are not secret and are returned as they are; every other
/// detector's output is guaranteed to differ from the input.
pub fn mask(detector: &str, value: &[u8]) -> String {
    masked(Style::of(detector), value).into_string()
}

/// [`mask`] with the style already known, into a string that holds short
/// results (most findings) without allocating.
pub(crate) fn masked(style: Style, value: &[u8]) -> CompactString {
    // A key store's or a key file's bytes (`der.rs`): nothing of them is
    // shown, not even to a terminal that would read control bytes.
    if style != Style::Marker && binary(value) {
        return compact_str::format_compact!("[{} bytes of binary data]", value.len());
    }
    if value.is_ascii() && value.len() <= 90 && style != Style::Marker {
        // Short ASCII values (most findings): no UTF-8 decoding.
        let n = value.iter().filter(|b| b.is_ascii_alphanumeric()).count();
        let (head, tail) = match style {
            Style::Email => return mask_email(std::str::from_utf8(value).unwrap_or_default()),
            Style::Pem => {
                let s = String::from_utf8_lossy(value);
                return mask_pem(&s);
            }
            Style::FirstGroup => (
                value
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .count(),
                0,
            ),
            Style::Token => (prefix_len_ascii(value).min(n / 3), 0),
            _ => head_tail(style, n),
        };
        return mask_ascii(value, head, n.saturating_sub(tail));
    }
    let s = String::from_utf8_lossy(value);
    let n = s.chars().filter(|c| c.is_alphanumeric()).count();
    let (head, tail) = match style {
        Style::Marker => return truncate(&s, 80),
        Style::Email => return mask_email(&s),
        Style::Pem => return mask_pem(&s),
        Style::FirstGroup => (first_group(&s), 0),
        Style::Token => (prefix_len(&s).min(n / 3), 0),
        _ => head_tail(style, n),
    };
    mask_chars(&s, head, n.saturating_sub(tail))
}

/// True if `v` holds control bytes other than blanks and line breaks, or
/// is not UTF-8: binary data, not text.
fn binary(v: &[u8]) -> bool {
    v.iter()
        .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f)
        || (!v.is_ascii() && std::str::from_utf8(v).is_err())
}

/// The general masking loop, character by character: alphanumerics of
/// rank `head..keep_from` become `*`, and the output stops after about 90
/// bytes.
fn mask_chars(s: &str, head: usize, keep_from: usize) -> CompactString {
    let mut out = CompactString::with_capacity(s.len().min(96));
    let mut rank = 0;
    let mut same = true;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if rank < head || rank >= keep_from {
                out.push(c);
            } else {
                out.push('*');
                same = false;
            }
            rank += 1;
        } else {
            out.push(c);
        }
        if out.len() > 90 {
            out.push('…');
            same = false;
            break;
        }
    }
    if same {
        // Never hand back the value itself (very short values).
        return stars(s.chars().count());
    }
    out
}

/// Alphanumerics kept at the head and at the tail, of `n` in the value.
fn head_tail(style: Style, n: usize) -> (usize, usize) {
    match style {
        Style::Card => (6.min(n / 3).min(4), 4.min(n / 4)),
        Style::Iban => (4.min(n / 4), 4.min(n / 5)),
        Style::Jwt => (3, 0),
        Style::Hidden => (0, 0),
        _ if n >= 8 => (0, 4),
        _ if n >= 6 => (0, 2),
        _ => (0, 0),
    }
}

fn stars(n: usize) -> CompactString {
    const STARS: &str = "****************";
    CompactString::from(STARS.get(..n.clamp(1, 16)).unwrap_or(STARS))
}

/// The general loop below for short ASCII values (most findings): byte
/// by byte, with no truncation to consider.
fn mask_ascii(value: &[u8], head: usize, keep_from: usize) -> CompactString {
    // Built in a stack buffer and copied once: pushing byte by byte into
    // the string re-checks its inline/heap state for every byte.
    let mut buf = [0u8; 96];
    let mut rank = 0;
    let mut same = true;
    // Branch-free per byte: separators and digits alternate unpredictably.
    for (o, &b) in buf.iter_mut().zip(value) {
        let alnum = b.is_ascii_alphanumeric();
        let hide = alnum && rank >= head && rank < keep_from;
        rank += usize::from(alnum);
        same &= !hide;
        *o = if hide { b'*' } else { b };
    }
    if same {
        return stars(value.len());
    }
    let out = buf.get(..value.len()).unwrap_or_default();
    // ASCII in, ASCII out.
    CompactString::from_utf8(out).unwrap_or_default()
}

fn truncate(s: &str, n: usize) -> CompactString {
    if s.chars().count() <= n {
        CompactString::from(s)
    } else {
        let mut o: CompactString = s.chars().take(n).collect();
        o.push('…');
        o
    }
}

/// Credential detectors keep their token's public prefix (`ghp_`);
/// passwords, JWTs and key blocks have styles of their own (above).
fn is_token(d: &str) -> bool {
    crate::builtin::BUILTINS
        .iter()
        .any(|b| b.id == d && b.category == crate::model::Category::Credentials)
}

/// Length of a recognisable token prefix (`ghp_`, `AKIA`, `sk_live_`),
/// in alphanumerics.
fn prefix_len(s: &str) -> usize {
    match s.find(['_', '-']).filter(|&p| p <= 10) {
        Some(p) => s
            .get(..p)
            .map_or(4, |h| h.chars().filter(|c| c.is_alphanumeric()).count()),
        None => 4,
    }
}

/// [`prefix_len`] of an ASCII value.
fn prefix_len_ascii(v: &[u8]) -> usize {
    match v
        .iter()
        .position(|&b| b == b'_' || b == b'-')
        .filter(|&p| p <= 10)
    {
        Some(p) => v.get(..p).map_or(4, |h| {
            h.iter().filter(|b| b.is_ascii_alphanumeric()).count()
        }),
        None => 4,
    }
}

fn first_group(s: &str) -> usize {
    s.chars().take_while(|c| c.is_alphanumeric()).count()
}

fn mask_email(s: &str) -> CompactString {
    match s.split_once('@') {
        Some((local, domain)) => {
            let mut out = CompactString::default();
            out.extend(local.chars().take(1));
            out.push_str("***@");
            out.push_str(domain);
            out
        }
        None => CompactString::const_new("***"),
    }
}

fn mask_pem(s: &str) -> CompactString {
    // A PEM block shows its BEGIN line; a key in base64 (one long line, or
    // lines of 76) only the start of the encoded BEGIN line, no key bytes.
    let header = if s.starts_with("-----") {
        s.lines().next().unwrap_or("-----BEGIN PRIVATE KEY-----")
    } else {
        s.get(..20).unwrap_or("")
    };
    compact_str::format_compact!(
        "{header} [{} bytes redacted]",
        s.len().saturating_sub(header.len())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_values_show_nothing_of_their_bytes() {
        let der = [0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20, 0xc4, 0xb2, 0x41];
        for d in ["private_key", "pkcs12_file", "email"] {
            assert_eq!(mask(d, &der), "[10 bytes of binary data]");
        }
        // Text with line breaks and tabs is text.
        assert!(
            mask("private_key", b"-----BEGIN PRIVATE KEY-----\nMIIE\tx").starts_with("-----BEGIN")
        );
    }

    #[test]
    fn a_base64_private_key_shows_no_key_bytes() {
        let v = format!(
            "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpN{}",
            "QWxhZGRpbjpvcGVu".repeat(40)
        );
        let m = mask("private_key", v.as_bytes());
        assert!(m.starts_with("LS0tLS1CRUdJTiBSU0Eg ["), "{m}");
        assert!(m.len() < 60, "{m}");
    }

    #[test]
    fn card_tracks_and_security_codes_show_no_digit() {
        for (d, v) in [
            (
                "card_track_data",
                &b";4556737586899855=25121010000000001234?"[..],
            ),
            (
                "card_track_data",
                b"%B4556737586899855^DOE/JOHN^2512101000000000000000000000?",
            ),
            ("card_security_code", b"4821"),
        ] {
            let m = mask(d, v);
            assert!(!m.bytes().any(|c| c.is_ascii_digit()), "{d}: {m}");
        }
    }

    #[test]
    fn examples() {
        assert_eq!(
            mask("credit_card", b"4111 1111 1111 1111"),
            "4111 **** **** 1111"
        );
        assert_eq!(mask("credit_card", b"4111111111111111"), "4111********1111");
        assert_eq!(mask("us_ssn", b"536-22-8726"), "***-**-8726");
        assert_eq!(mask("email", b"jane.doe@example.org"), "j***@example.org");
        assert_eq!(
            mask("iban", b"GB82 WEST 1234 5698 7654 32"),
            "GB82 **** **** **** **54 32"
        );
        assert_eq!(
            mask("github_token", b"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"),
            "ghp_************************************"
        );
        assert_eq!(mask("ipv4", b"203.0.113.42"), "203.*.***.**");
        assert_eq!(mask("url_password", b"hunter2"), "*******");
        assert_eq!(mask("confidential_marker", b"CONFIDENTIAL"), "CONFIDENTIAL");
        assert_eq!(mask("us_npi", b"1234"), "****");
    }

    proptest::proptest! {
        #[test]
        fn ascii_path_matches_general_loop(
            v in "[ -~]{0,90}", head in 0usize..8, keep in 0usize..40,
        ) {
            let got = mask_ascii(v.as_bytes(), head, keep);
            proptest::prop_assert_eq!(got, mask_chars(&v, head, keep));
        }
    }

    #[test]
    fn never_the_full_value() {
        for d in crate::detectors() {
            if d.id.ends_with("_marker") || d.id == "classification_banner" {
                continue;
            }
            let m = mask(d.id, d.example.as_bytes());
            assert_ne!(m, d.example, "{}", d.id);
        }
    }
}
