//! The seeds' own examples, spelled out in Rust.

use cordon_policy::model::Verdict;

use crate::support::{engine, event, ids};

/// FileCloud use case 1, in both forms the seed's note gives: DENY when
/// not US, and "negate the condition and change the action" to ALLOW when
/// US. Both must decide alike.
#[test]
fn filecloud_login_outside_us_both_forms() {
    let deny = engine(
        "id: p\nrules:\n  - {id: r, userActions: [LOGIN], effect: DENY, expression: \"_request.remoteCountryCode != \u{2018}US\u{2019}\"}\n",
    );
    let allow = engine(
        "id: p\nrules:\n  - {id: r, userActions: [LOGIN], effect: ALLOW, expression: \"_request.remoteCountryCode == 'US'\"}\n",
    );
    for (ip, want) in [
        ("8.8.8.8", Verdict::Allow),
        ("13.112.23.121", Verdict::Deny),
        ("90.1.1.1", Verdict::Deny),
        ("10.0.0.1", Verdict::Deny),
    ] {
        let ev = event(&format!(
            r#"{{"action":"login","request":{{"remoteIp":"{ip}"}},"user":{{"username":"u"}}}}"#
        ));
        assert_eq!(deny.decide(&ev).decision, want, "deny form, {ip}");
        assert_eq!(allow.decide(&ev).decision, want, "allow form, {ip}");
    }
}

/// FileCloud use case 2, verbatim (DENY on company users via browser).
#[test]
fn filecloud_company_domain_browser_logins() {
    let e = engine(
        "id: p\nrules:\n  - id: r\n    userActions: [login]\n    effect: deny\n    expression: _user.isEmailInDomain('company.com') and _request.agent == 'Web browser'\n",
    );
    let ev = |email: &str, agent: &str| {
        event(&format!(
            r#"{{"action":"login","request":{{"agent":"{agent}"}},"user":{{"email":"{email}"}}}}"#
        ))
    };
    assert_eq!(
        e.decide(&ev("a@company.com", "Web browser")).decision,
        Verdict::Deny
    );
    assert_eq!(
        e.decide(&ev("a@company.com", "Sync app")).decision,
        Verdict::Allow
    );
    assert_eq!(
        e.decide(&ev("a@other.com", "Web browser")).decision,
        Verdict::Allow
    );
}

/// FileCloud use case 3 (SHARE ALLOW with metadata and group).
#[test]
fn filecloud_internal_files_shared_externally() {
    let e = engine(
        "id: p\nrules:\n  - id: r\n    userActions: [share]\n    effect: allow\n    expression: _metadata.existsWithValue('Security.internal', false) or (_metadata.existsWithValue('Security.internal', true) and _user.inGroup('CodeLathe'))\n",
    );
    let ev = |internal: &str, group: &str| {
        event(&format!(
            r#"{{"action":"share","user":{{"groups":["{group}"]}},"metadata":{{"Security.internal":{internal}}},"share":{{"path":"/s","public":true}}}}"#
        ))
    };
    assert_eq!(e.decide(&ev("false", "Sales")).decision, Verdict::Allow);
    assert_eq!(e.decide(&ev("true", "Sales")).decision, Verdict::Deny);
    assert_eq!(e.decide(&ev("true", "CodeLathe")).decision, Verdict::Allow);
    let d = e.decide(&ev("true", "Sales"));
    assert_eq!(ids(&d.determined_by), ["r"]);
    assert!(d.trace[0].reason.contains("did not hold"), "{:?}", d.trace);
}

/// FileCloud use case 4 (DOWNLOAD ALLOW by group and office IP).
#[test]
fn filecloud_allowed_ips_for_external_downloads() {
    let e = engine(
        "id: p\nrules:\n  - id: r\n    userActions: [download]\n    effect: allow\n    expression: _user.inGroup('Internal') or (_user.inGroup('Trusted Company') and _request.remoteIp == '13.112.23.121')\n",
    );
    let ev = |group: &str, ip: &str| {
        event(&format!(
            r#"{{"action":"download","request":{{"remoteIp":"{ip}"}},"user":{{"groups":["{group}"]}},"file":{{"path":"/f"}}}}"#
        ))
    };
    assert_eq!(
        e.decide(&ev("Internal", "1.1.1.1")).decision,
        Verdict::Allow
    );
    assert_eq!(
        e.decide(&ev("Trusted Company", "13.112.23.121")).decision,
        Verdict::Allow
    );
    assert_eq!(
        e.decide(&ev("Trusted Company", "13.112.23.12")).decision,
        Verdict::Deny
    );
    assert_eq!(
        e.decide(&ev("Guests", "13.112.23.121")).decision,
        Verdict::Deny
    );
}

/// Acronis: PII Allow-Prioritized, PHI Exception-Prioritized, PCI Deny → Deny.
#[test]
fn acronis_worked_example() {
    let e = engine(
        r#"
id: p
flows:
  - {id: pii, category: PII, senders: ["*"], recipients: ["*"], permission: allow, prioritized: true, actions: [log]}
  - {id: phi, category: PHI, senders: ["*"], recipients: ["*"], permission: exception, prioritized: true, actions: [alert]}
  - {id: pci, category: PCI, senders: ["*"], recipients: ["*"], permission: deny, actions: [notify]}
"#,
    );
    let ev = event(
        r#"{"action":"email","sender":[{"kind":"contact","type":"email","id":"a@corp.com"}],
            "recipients":[{"kind":"contact","type":"email","id":"b@x.com"}],
            "file":{"classification":{"categories":["PII","PHI","PCI"]}}}"#,
    );
    let d = e.decide(&ev);
    assert_eq!(d.decision, Verdict::Deny);
    assert_eq!(ids(&d.determined_by), ["pci"]);
    let mut acts: Vec<String> = d
        .actions
        .iter()
        .map(|a| format!("{}:{}", a.action.as_str(), a.rule))
        .collect();
    acts.sort();
    assert_eq!(acts, ["alert:phi", "log:pii", "notify:pci"]);
}
