//! Properties: CEF escaping round-trips through a small CEF parser
//! written here, syslog header fields never hold a space or a control
//! character, and no formatter panics on any text.

use cordon_alert::syslog::{Format, Header, rfc5424};
use cordon_alert::template::{PLACEHOLDERS, Template};
use cordon_alert::{Alert, AlertFile, AlertFinding, Facility, Payload, WebhookFormat, cef};
use proptest::prelude::*;

/// Splits a CEF line into its seven header fields (unescaped) and the
/// extension's `key=value` pairs (unescaped): a key is the word before an
/// unescaped `=`, and a value runs to the space before the next key.
fn parse_cef(line: &str) -> (Vec<String>, Vec<(String, String)>) {
    let mut header = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars();
    while header.len() < 7 {
        match chars.next() {
            Some('\\') => field.push(chars.next().unwrap()),
            Some('|') => header.push(std::mem::take(&mut field)),
            Some(c) => field.push(c),
            None => panic!("short header: {line}"),
        }
    }
    let ext: Vec<char> = chars.collect();
    // Positions of unescaped `=`.
    let mut eqs = Vec::new();
    let mut i = 0;
    while i < ext.len() {
        match ext[i] {
            '\\' => i += 2,
            '=' => {
                eqs.push(i);
                i += 1;
            }
            _ => i += 1,
        }
    }
    let mut pairs = Vec::new();
    for (n, &eq) in eqs.iter().enumerate() {
        let key_start = ext[..eq]
            .iter()
            .rposition(|c| *c == ' ')
            .map_or(0, |p| p + 1);
        let key: String = ext[key_start..eq].iter().collect();
        let value_end = match eqs.get(n + 1) {
            Some(&next) => ext[..next].iter().rposition(|c| *c == ' ').unwrap(),
            None => ext.len(),
        };
        let mut value = String::new();
        let mut it = ext[eq + 1..value_end].iter();
        while let Some(c) = it.next() {
            if *c == '\\' {
                match it.next() {
                    Some('n') => value.push('\n'),
                    Some('r') => value.push('\r'),
                    Some(c) => value.push(*c),
                    None => panic!("dangling escape"),
                }
            } else {
                value.push(*c);
            }
        }
        pairs.push((key, value));
    }
    (header, pairs)
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Any text, weighted towards what CEF and syslog treat specially.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![".*", "[ =|\\\\\n\ra-z]{0,20}", "[ -~]{0,40}",]
}

fn arb_alert() -> impl Strategy<Value = Alert> {
    (
        (
            any::<i64>(),
            any::<i64>(),
            text(),
            text(),
            text(),
            any::<i64>(),
        ),
        (text(), any::<bool>(), text(), text(), text(), text()),
        (
            proptest::option::of(text()),
            proptest::collection::vec(text(), 0..3),
        ),
        (
            proptest::collection::vec((text(), text(), text()), 0..25),
            any::<u64>(),
            proptest::option::of((
                text(),
                proptest::option::of(text()),
                proptest::option::of(any::<u64>()),
                proptest::option::of(text()),
            )),
            proptest::option::of(text()),
            proptest::option::of(text()),
            any::<u8>(),
        ),
    )
        .prop_map(
            |(
                (incident_id, created_at, rule_id, rule_name, policy_id, policy_version),
                (mode, enforced, decision, channel, username, computer),
                (remote_ip, recipients),
                (findings, match_count, file, message, url, severity),
            )| Alert {
                incident_id,
                created_at,
                rule_id,
                rule_name,
                policy_id,
                policy_version,
                mode,
                enforced,
                decision,
                channel,
                username,
                computer,
                remote_ip,
                recipients: recipients.clone(),
                categories: recipients,
                findings: findings
                    .into_iter()
                    .map(|(detector, masked, confidence)| AlertFinding {
                        detector,
                        masked,
                        confidence,
                    })
                    .collect(),
                match_count,
                file: file.map(|(name, path, size, sha256)| AlertFile {
                    name,
                    path,
                    size,
                    sha256,
                }),
                message,
                url,
                severity,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cef_values_round_trip(a in text(), b in text()) {
        let mut line = "CEF:0|V|P|1|id|name|5|k1=".to_owned();
        cef::value(&mut line, &a);
        line.push_str(" k2=");
        cef::value(&mut line, &b);
        line.push_str(" k3=end");
        let (_, pairs) = parse_cef(&line);
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        prop_assert_eq!(keys, ["k1", "k2", "k3"]);
        prop_assert_eq!(get(&pairs, "k1"), Some(a.as_str()));
        prop_assert_eq!(get(&pairs, "k2"), Some(b.as_str()));
    }

    #[test]
    fn cef_of_any_alert_parses_back(alert in arb_alert()) {
        let line = cef::format(&alert);
        let (header, pairs) = parse_cef(&line);
        let one_line = |s: &str| s.replace(['\r', '\n'], " ");
        prop_assert_eq!(&header[0], "CEF:0");
        prop_assert_eq!(&header[4], &one_line(&alert.rule_id));
        prop_assert_eq!(&header[5], &one_line(&alert.rule_name));
        prop_assert_eq!(header[6].parse::<u8>().unwrap(), alert.severity.min(10));
        let rt = alert.created_at.to_string();
        prop_assert_eq!(get(&pairs, "rt"), Some(rt.as_str()));
        prop_assert_eq!(get(&pairs, "outcome"), Some(alert.decision.as_str()));
        prop_assert_eq!(get(&pairs, "cs1"), Some(alert.mode.as_str()));
        prop_assert_eq!(get(&pairs, "app"), Some(alert.channel.as_str()));
        if !alert.username.is_empty() {
            prop_assert_eq!(get(&pairs, "suser"), Some(alert.username.as_str()));
        }
        if let Some(m) = &alert.message {
            prop_assert_eq!(get(&pairs, "msg"), Some(m.as_str()));
        }
        if let Some(f) = &alert.file {
            prop_assert_eq!(get(&pairs, "fname"), Some(f.name.as_str()));
        }
        // The extension is one line: a receiver splitting on LF gets it whole.
        prop_assert!(!line.contains('\n') && !line.contains('\r'));
    }

    #[test]
    fn syslog_header_fields_hold_no_space_or_control(
        hostname in text(), app_name in text(), msgid in text(), msg in text(),
        ts in proptest::option::of(any::<i64>()), severity in any::<u8>(),
    ) {
        let h = Header {
            facility: Facility::Local4,
            severity,
            timestamp: ts,
            hostname: &hostname,
            app_name: &app_name,
            msgid: &msgid,
        };
        let line = rfc5424(&h, &msg);
        let fields: Vec<&str> = line.splitn(8, ' ').collect();
        prop_assert_eq!(fields.len(), 8);
        for f in &fields[..7] {
            prop_assert!(!f.is_empty());
            prop_assert!(f.bytes().all(|b| (33..=126).contains(&b)), "{:?}", f);
        }
        prop_assert!(fields[2].len() <= 255 && fields[3].len() <= 48 && fields[5].len() <= 32);
        prop_assert_eq!(fields[4], "-");
        prop_assert_eq!(fields[6], "-");
        prop_assert_eq!(fields[7], msg.as_str());
        let pri: u16 = fields[0].strip_prefix('<').unwrap().strip_suffix(">1").unwrap().parse().unwrap();
        prop_assert!(pri <= 191);
    }

    #[test]
    fn no_formatter_panics(alert in arb_alert(), template in ".*") {
        for payload in [Payload::Cef, Payload::Json] {
            let f = Format {
                facility: Facility::User,
                hostname: "h".to_owned(),
                app_name: "cordon".to_owned(),
                payload,
            };
            let _ = cordon_alert::syslog::format(&alert, &f);
        }
        for format in [WebhookFormat::Generic, WebhookFormat::Slack, WebhookFormat::Teams] {
            let _ = serde_json::to_vec(&cordon_alert::webhook::body(format, &alert)).unwrap();
        }
        let _ = cordon_alert::webhook::sign(b"key", "id", alert.created_at, alert.rule_name.as_bytes());
        let _ = cordon_alert::email::digest(&[&alert, &alert]);
        let all: String = PLACEHOLDERS.iter().map(|p| format!("{{{{{p}}}}}")).collect();
        let t = Template::parse(&all).unwrap();
        let _ = t.render(&alert, true);
        let _ = t.render(&alert, false);
        if let Ok(t) = Template::parse(&template) {
            let _ = t.render(&alert, true);
        }
    }

    /// A value holding `{{user}}` is written as it is, never expanded.
    #[test]
    fn templates_expand_once(alert in arb_alert()) {
        let t = Template::parse("{{rule_name}}|{{user}}").unwrap();
        prop_assert_eq!(t.render(&alert, false), format!("{}|{}", alert.rule_name, alert.username));
    }
}
