//! Masking of matched values for display and logs: enough to recognise a
//! value (`4111 **** **** 1111`), never the whole of it.

/// Masks `value` as matched by `detector`. Separators are kept, most
/// letters and digits become `*`. Confidentiality markings (`CONFIDENTIAL`,
/// `TLP:RED`) are not secret and are returned as they are; every other
/// detector's output is guaranteed to differ from the input.
pub fn mask(detector: &str, value: &[u8]) -> String {
    let s = String::from_utf8_lossy(value);
    if detector.ends_with("_marker") || detector == "classification_banner" {
        return truncate(&s, 80);
    }
    let n = if value.is_ascii() {
        value.iter().filter(|b| b.is_ascii_alphanumeric()).count()
    } else {
        s.chars().filter(|c| c.is_alphanumeric()).count()
    };
    let (head, tail) = match detector {
        "credit_card" => (6.min(n / 3).min(4), 4.min(n / 4)),
        "iban" => (4.min(n / 4), 4.min(n / 5)),
        "email" => return mask_email(&s),
        "private_key" => return mask_pem(&s),
        "ipv4" | "ipv6" | "mac_address" => (first_group(&s), 0),
        "jwt" => (3, 0),
        "url_password" | "password_assignment" => (0, 0),
        d if is_token(d) => (prefix_len(&s).min(n / 3), 0),
        _ if n >= 8 => (0, 4),
        _ if n >= 6 => (0, 2),
        _ => (0, 0),
    };
    let keep_from = n.saturating_sub(tail);
    if value.is_ascii() && value.len() <= 90 {
        return mask_ascii(value, head, keep_from);
    }
    let mut out = String::with_capacity(s.len().min(96));
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
        return "*".repeat(s.chars().count().clamp(1, 16));
    }
    out
}

/// The general loop below for short ASCII values (most findings): byte
/// by byte, with no truncation to consider.
fn mask_ascii(value: &[u8], head: usize, keep_from: usize) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rank = 0;
    let mut same = true;
    for &b in value {
        if b.is_ascii_alphanumeric() {
            if rank < head || rank >= keep_from {
                out.push(char::from(b));
            } else {
                out.push('*');
                same = false;
            }
            rank += 1;
        } else {
            out.push(char::from(b));
        }
    }
    if same {
        return "*".repeat(value.len().clamp(1, 16));
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut o: String = s.chars().take(n).collect();
        o.push('…');
        o
    }
}

fn is_token(d: &str) -> bool {
    matches!(
        d,
        "aws_access_key"
            | "github_token"
            | "slack_token"
            | "slack_webhook"
            | "stripe_key"
            | "google_api_key"
            | "gitlab_token"
            | "npm_token"
            | "openai_api_key"
            | "sendgrid_api_key"
            | "pypi_token"
            | "azure_storage_key"
            | "aws_secret_key"
            | "generic_secret"
    )
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

fn first_group(s: &str) -> usize {
    s.chars().take_while(|c| c.is_alphanumeric()).count()
}

fn mask_email(s: &str) -> String {
    match s.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

fn mask_pem(s: &str) -> String {
    let header = s.lines().next().unwrap_or("-----BEGIN PRIVATE KEY-----");
    format!(
        "{header} [{} bytes redacted]",
        s.len().saturating_sub(header.len())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
            mask("github_token", b"ghp_4Fq7Lm2Xc9Rt8Vb1Nz6Kd3Hs5Jw0Ya7Ue2Pi"),
            "ghp_************************************"
        );
        assert_eq!(mask("ipv4", b"203.0.113.42"), "203.*.***.**");
        assert_eq!(mask("url_password", b"hunter2"), "*******");
        assert_eq!(mask("confidential_marker", b"CONFIDENTIAL"), "CONFIDENTIAL");
        assert_eq!(mask("us_npi", b"1234"), "****");
    }

    /// The general loop of `mask`, as it was before the ASCII path.
    fn general(s: &str, head: usize, keep_from: usize) -> String {
        let mut out = String::new();
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
            return "*".repeat(s.chars().count().clamp(1, 16));
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn ascii_path_matches_general_loop(
            v in "[ -~]{0,90}", head in 0usize..8, keep in 0usize..40,
        ) {
            proptest::prop_assert_eq!(mask_ascii(v.as_bytes(), head, keep), general(&v, head, keep));
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
