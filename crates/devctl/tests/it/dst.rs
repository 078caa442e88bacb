//! Schedules are evaluated in the computer's local wall-clock time: the same
//! UTC instant is inside the window on one side of a DST change and outside
//! on the other, and the local hour is what counts.

use chrono::{DateTime, Duration, Utc};
use cordon_devctl::{DeviceControl, read_str};
use cordon_policy::model::{Computer, DeviceAccess, DeviceInfo, DeviceOperation};

fn dc() -> DeviceControl {
    let doc = read_str(
        r#"{"policies": [{"id": "1", "name": "office hours",
            "devices": {"types": [{"class": "Default Settings"}]},
            "how": {"priority": "1"},
            "what": {"access": {"granted": ["Read", "Write"]}},
            "when": {"schedule": {"start": "08:00:00", "end": "17:00:00", "rrule": "BYDAY=MO,TU,WE,TH,FR,SA,SU"}}}]}"#,
    )
    .unwrap()
    .document;
    DeviceControl::new(doc)
}

fn access(tz: &str) -> DeviceAccess {
    DeviceAccess {
        computer: Computer {
            timezone: Some(tz.to_string()),
            ..Computer::default()
        },
        device: DeviceInfo {
            class: Some("3".into()),
            ..DeviceInfo::default()
        },
        operation: DeviceOperation::Write,
        ..DeviceAccess::default()
    }
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn window_follows_local_time_across_the_spring_change() {
    let dc = dc();
    let a = access("Europe/Paris");
    // 07:30Z is 08:30 CET on Saturday and 09:30 CEST on Monday: both inside.
    assert!(
        dc.decide(&a, None, t("2026-03-28T07:30:00Z"), false)
            .allowed
    );
    assert!(
        dc.decide(&a, None, t("2026-03-30T07:30:00Z"), false)
            .allowed
    );
    // 06:30Z is 07:30 CET (outside) before the change, 08:30 CEST (inside) after.
    assert!(
        !dc.decide(&a, None, t("2026-03-28T06:30:00Z"), false)
            .allowed
    );
    assert!(
        dc.decide(&a, None, t("2026-03-30T06:30:00Z"), false)
            .allowed
    );
    // 15:30Z is 16:30 CET (inside) before, 17:30 CEST (outside) after.
    assert!(
        dc.decide(&a, None, t("2026-03-28T15:30:00Z"), false)
            .allowed
    );
    assert!(
        !dc.decide(&a, None, t("2026-03-30T15:30:00Z"), false)
            .allowed
    );
}

#[test]
fn window_opens_at_local_eight_every_day_around_the_autumn_change() {
    // Europe/Paris goes back to CET on Sunday 2026-10-25. Walk minute by
    // minute over four days: the window opens exactly when the local clock
    // reads 08:00 and closes at 17:00, on the change day too.
    let dc = dc();
    let a = access("Europe/Paris");
    let tz: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    let mut now = t("2026-10-23T00:00:00Z");
    let end = t("2026-10-27T00:00:00Z");
    let mut opened = 0;
    let mut was = false;
    while now < end {
        let local = now.with_timezone(&tz);
        let expect = local.format("%H:%M").to_string().as_str() >= "08:00"
            && local.format("%H:%M").to_string().as_str() < "17:00";
        let got = dc.decide(&a, None, now, false).allowed;
        assert_eq!(got, expect, "at {now} ({local})");
        if got && !was {
            opened += 1;
            assert_eq!(local.format("%H:%M").to_string(), "08:00");
        }
        was = got;
        now += Duration::minutes(1);
    }
    assert_eq!(opened, 4);
}
