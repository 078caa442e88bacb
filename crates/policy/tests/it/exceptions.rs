//! Justified exceptions open a window per (sender, recipient, category),
//! timed by an injected clock.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use cordon_policy::model::Verdict;
use cordon_policy::{Engine, ManualClock};

use crate::support::{event, load};

const POLICY: &str = r#"
id: exc
exceptionWindow: 120
flows:
  - {id: pii-out, category: PII, senders: ["*"], recipients: ["*"], permission: exception, actions: [log]}
"#;

fn ev(sender: &str, recipient: &str, cat: &str) -> cordon_policy::model::Event {
    event(&format!(
        r#"{{"action":"email","sender":[{{"kind":"contact","type":"email","id":"{sender}"}}],
            "recipients":[{{"kind":"contact","type":"email","id":"{recipient}"}}],
            "file":{{"classification":{{"categories":["{cat}"]}}}}}}"#
    ))
}

#[test]
fn justification_opens_a_window_that_closes() {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap(),
    ));
    let e = Engine::new(load(POLICY)).with_clock(clock.clone());
    let a = ev("a@corp.com", "b@x.com", "PII");

    let d = e.decide(&a);
    assert_eq!(d.decision, Verdict::Exception);
    let req = d.exception.clone().unwrap();
    assert_eq!(req.rules, ["pii-out"]);
    assert_eq!(req.keys.len(), 1);
    assert_eq!(req.keys[0].sender, "email:a@corp.com");

    // justify: this transfer is allowed, and the justification kept
    let d = e.decide_with(&a, Some("customer asked for the contract"));
    assert_eq!(d.decision, Verdict::Allow);
    let js = e.justifications();
    assert_eq!(js.len(), 1);
    assert_eq!(js[0].text, "customer asked for the contract");

    // same sender, recipient, category within the window: allowed
    clock.advance(Duration::from_secs(119));
    assert_eq!(e.decide(&a).decision, Verdict::Allow);
    // another recipient, another sender or another category: not
    assert_eq!(
        e.decide(&ev("a@corp.com", "c@x.com", "PII")).decision,
        Verdict::Exception
    );
    assert_eq!(
        e.decide(&ev("z@corp.com", "b@x.com", "PII")).decision,
        Verdict::Exception
    );
    // after the window: exception again
    clock.advance(Duration::from_secs(1));
    assert_eq!(e.decide(&a).decision, Verdict::Exception);
    // a closed window is forgotten when the next is given: the log of a
    // long-running engine stays as small as its open windows
    let b = ev("a@corp.com", "c@x.com", "PII");
    assert_eq!(e.decide_with(&b, Some("second")).decision, Verdict::Allow);
    let js = e.justifications();
    assert_eq!(js.len(), 1);
    assert_eq!(js[0].text, "second");
}

#[test]
fn default_window_is_five_minutes() {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap(),
    ));
    let e =
        Engine::new(load(&POLICY.replace("exceptionWindow: 120\n", ""))).with_clock(clock.clone());
    let a = ev("a@corp.com", "b@x.com", "PII");
    assert_eq!(e.decide_with(&a, Some("ok")).decision, Verdict::Allow);
    clock.advance(Duration::from_secs(299));
    assert_eq!(e.decide(&a).decision, Verdict::Allow);
    clock.advance(Duration::from_secs(1));
    assert_eq!(e.decide(&a).decision, Verdict::Exception);
}

#[test]
fn a_justification_does_not_lift_a_deny() {
    let e = Engine::new(load(
        "id: d\nflows:\n  - {id: x, category: PCI, senders: ['*'], recipients: ['*'], permission: deny}\n",
    ));
    let d = e.decide_with(&ev("a@corp.com", "b@x.com", "PCI"), Some("please"));
    assert_eq!(d.decision, Verdict::Deny);
    assert!(e.justifications().is_empty());
}

#[test]
fn event_time_is_used_when_given() {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap(),
    ));
    let e = Engine::new(load(POLICY)).with_clock(clock);
    let mut a = ev("a@corp.com", "b@x.com", "PII");
    a.time = Some(Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap());
    assert_eq!(e.decide_with(&a, Some("ok")).decision, Verdict::Allow);
    a.time = Some(Utc.with_ymd_and_hms(2026, 1, 1, 9, 3, 0).unwrap());
    assert_eq!(e.decide(&a).decision, Verdict::Exception);
}
