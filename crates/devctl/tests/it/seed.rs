//! The seed's examples, verbatim: each loads (or is rejected with the
//! expected diagnostics) and survives a round trip.

use cordon_devctl::doc::{Match, Preset, Shadow, TypeFilter};
use cordon_devctl::{DeviceControl, read_str, write};
use cordon_devctl::{ReadError, Severity};
use cordon_policy::model::{Computer, DeviceOperation, Right};

use crate::read_fixture;

fn errors(rel: &str) -> Vec<String> {
    match read_str(&read_fixture(rel)) {
        Ok(_) => panic!("{rel} should not validate"),
        Err(ReadError::Invalid(d)) => d
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{}: {}", d.pointer, d.message))
            .collect(),
        Err(e) => panic!("{rel}: {e}"),
    }
}

fn round_trips(rel: &str) {
    let first = read_str(&read_fixture(rel)).unwrap().document;
    let text = write::to_string_pretty(&first);
    let second = read_str(&text)
        .unwrap_or_else(|e| panic!("{rel} written back does not read: {e}\n{text}"))
        .document;
    assert_eq!(first, second, "{rel}");
}

#[test]
fn configuration_skeleton_with_audit_preset() {
    let loaded = read_str(&read_fixture("seed/configuration.json")).unwrap();
    let c = &loaded.document.configuration;
    assert_eq!(c.preset, Some(Preset::Audit));
    assert_eq!(c.version.as_deref(), Some("1"));
    assert_eq!(c.identities, Some(serde_json::json!({"default": true})));
    // `{sourceToken}` is the seed's placeholder: accepted with a warning.
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.pointer == "/configuration/source"),
        "{:?}",
        loaded.warnings
    );
    round_trips("seed/configuration.json");
}

#[test]
fn rw_all_with_trusted_application_and_hardening() {
    let loaded = read_str(&read_fixture("seed/rw_all.json")).unwrap();
    let doc = &loaded.document;
    let p = &doc.policies[0];
    assert_eq!((p.id.as_str(), p.name.as_str()), ("1200", "RW_ALL"));
    assert_eq!(p.how.priority.value, i32::MIN);
    assert_eq!(p.how.priority.label, Some("Low"));
    assert_eq!(p.what.access.granted, vec![Right::Read, Right::Write]);
    assert_eq!(p.devices.types[0].class, Some(0));
    let dc = DeviceControl::new(doc.clone());
    assert!(dc.is_trusted("17f746d82695fa9b35493b41859d39d786d32b23a9d2e00f4011dec7a02402ae"));
    assert!(!dc.is_trusted("00F746D82695FA9B35493B41859D39D786D32B23A9D2E00F4011DEC7A02402AE"));
    let opts = dc.effective_options(&Computer::default());
    assert_eq!(opts.get(&58).map(String::as_str), Some("1"));
    assert_eq!(opts.get(&86).map(String::as_str), Some("2"));
    // Option 86 = 2 is set, so no warning about the hash mode.
    assert!(
        !loaded
            .warnings
            .iter()
            .any(|w| w.pointer == "/configuration/files/trusted")
    );
    round_trips("seed/rw_all.json");
}

#[test]
fn options_global_and_targeted() {
    let doc = read_str(&read_fixture("seed/options.json"))
        .unwrap()
        .document;
    let dc = DeviceControl::new(doc);
    let outsider = Computer {
        fqdn: Some("other.example.org".into()),
        ..Computer::default()
    };
    let opts = dc.effective_options(&outsider);
    assert_eq!(opts.keys().copied().collect::<Vec<_>>(), vec![91]);
    for member in [
        Computer {
            fqdn: Some("HUBERTB.engdev.org".into()),
            ..Computer::default()
        },
        Computer {
            netbios: Some("hubertb".into()),
            ..Computer::default()
        },
        Computer {
            ipv4: Some("192.168.1.42".parse().unwrap()),
            ..Computer::default()
        },
        Computer {
            ipv4: Some("192.168.1.150".parse().unwrap()),
            ..Computer::default()
        },
        Computer {
            ou: Some("CN=Computers,DC=engdev,DC=org".into()),
            ..Computer::default()
        },
        Computer {
            ou: Some("CN=Computers,DC=engdev,DC=heat,DC=org".into()),
            ..Computer::default()
        },
    ] {
        let opts = dc.effective_options(&member);
        assert_eq!(opts.get(&68).map(String::as_str), Some("16"), "{member:?}");
        assert_eq!(opts.get(&67).map(String::as_str), Some("my.syslog.server"));
        assert!(opts.contains_key(&91));
    }
    let near = Computer {
        ipv4: Some("192.168.1.200".parse().unwrap()),
        ..Computer::default()
    };
    assert!(!dc.effective_options(&near).contains_key(&68));
    round_trips("seed/options.json");
}

#[test]
fn the_empty_policy_is_rejected_for_its_mandatory_attributes() {
    assert_eq!(
        errors("seed/empty_policy.json"),
        vec![
            "/policies/0/how: missing `priority`: a signed 32-bit integer, higher wins",
            "/policies/0/what: missing `access` with the mandatory `granted` rights",
        ]
    );
}

#[test]
fn custom_types_catia_and_matroska() {
    let doc = read_str(&read_fixture("seed/custom_types.json"))
        .unwrap()
        .document;
    let types = &doc.configuration.custom_types;
    assert_eq!(types.len(), 2);
    assert_eq!(
        (types[0].id, types[0].name.as_str()),
        (0x000F_0100, "CATIA V5")
    );
    assert_eq!(
        (types[1].id, types[1].ext.as_slice()),
        (0x000F_0200, &[".mkv".to_string()][..])
    );
    assert_eq!(types[0].program.steps().len(), 8);
    round_trips("seed/custom_types.json");
}

#[test]
fn devices_example_points_at_the_undefined_group() {
    // The seed's devices example names groups 1234 and 5678; only 1234 is
    // defined (by the device group example).
    assert_eq!(
        errors("seed/devices.json"),
        vec![
            "/policies/0/devices/groups/1: no device group has id `5678` in /configuration/devices/groups"
        ]
    );
    let text = read_fixture("seed/devices.json").replace("\"5678\"", "\"1234\"");
    let doc = read_str(&text).unwrap().document;
    let p = &doc.policies[0];
    assert_eq!(p.how.match_, Match::Or);
    assert_eq!(p.how.priority.value, 50);
    assert_eq!(
        p.devices.media[0].sha1.as_deref(),
        Some("0123456789012345678901234567890123456789")
    );
    assert_eq!(p.devices.media[1].keys.len(), 2);
    assert_eq!(
        doc.configuration.device_names[0].models[0],
        "IDE\\CdRomNECVMWar_VMware_IDE_CDR10*"
    );
}

#[test]
fn what_example_rejects_none_combined_with_rights() {
    // The seed lists every right in one example; `None` with others is a
    // contradiction and is reported.
    assert_eq!(
        errors("seed/what.json"),
        vec!["/policies/0/what/access/granted: `None` cannot be combined with other rights"]
    );
    let text = read_fixture("seed/what.json").replace("\"None\",\n", "");
    let doc = read_str(&text).unwrap().document;
    let w = &doc.policies[0].what;
    assert!(w.access.bus.is_empty() && w.access.disk.is_empty() && w.access.encryption.is_empty());
    assert_eq!(w.access.granted.len(), 7);
    assert_eq!(
        (w.shadow_read, w.shadow_write),
        (Some(Shadow::Filename), Some(Shadow::Content))
    );
    let c = w.content.as_ref().unwrap();
    assert_eq!(c.quota_mb, 42);
    assert_eq!(
        c.filters,
        vec![
            TypeFilter {
                only: None,
                id: 0x0002_0000
            },
            TypeFilter {
                only: Some(DeviceOperation::Read),
                id: 0x0003_0000
            },
            TypeFilter {
                only: Some(DeviceOperation::Write),
                id: 0x0004_0000
            },
        ]
    );
    assert_eq!(c.dlptypes, vec![0x0002_0000, 0x000A_0100]);
    assert_eq!(w.messages.notify, Some(true));
    assert_eq!(
        w.messages.denied.as_deref(),
        Some("Acces is restricted, please call ...")
    );
}

#[test]
fn when_examples_load_and_round_trip() {
    for f in [
        "seed/permanent.json",
        "seed/schedule.json",
        "seed/temporary.json",
    ] {
        read_str(&read_fixture(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        round_trips(f);
    }
}
