//! read → write → read gives an equal document, on generated documents.

use cordon_devctl::doc::*;
use cordon_devctl::{read_str, write};
use cordon_policy::model::DeviceOperation;
use proptest::prelude::*;

fn word() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9 _.-]{0,12}"
}

fn num_id() -> impl Strategy<Value = String> {
    (1u32..100_000).prop_map(|n| n.to_string())
}

fn right() -> impl Strategy<Value = Right> {
    prop_oneof![
        Just(Right::Read),
        Just(Right::Write),
        Just(Right::Encrypt),
        Just(Right::Decrypt),
        Just(Right::Import),
        Just(Right::ExportFile),
        Just(Right::ExportMedium),
    ]
}

fn dedup<T: PartialEq>(v: Vec<T>) -> Vec<T> {
    let mut out = Vec::new();
    for x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

fn targets() -> impl Strategy<Value = Targets> {
    (
        proptest::collection::vec("[a-z]{1,8}\\.example\\.org", 0..2),
        proptest::collection::vec("[A-Z]{1,15}", 0..2),
        proptest::collection::vec(any::<[u8; 4]>(), 0..2),
        proptest::collection::vec((any::<[u8; 4]>(), any::<[u8; 4]>()), 0..2),
        proptest::collection::vec("OU=[A-Za-z]{1,6},DC=engdev,DC=org", 0..2),
    )
        .prop_map(|(fqn, netbios, ipv4, ranges, ou)| Targets {
            fqn,
            netbios,
            ipv4: ipv4.into_iter().map(Into::into).collect(),
            ipv4range: ranges
                .into_iter()
                .map(|(a, b)| {
                    let (a, b) = (std::net::Ipv4Addr::from(a), std::net::Ipv4Addr::from(b));
                    if a <= b { (a, b) } else { (b, a) }
                })
                .collect(),
            ou,
            group: Vec::new(),
        })
}

fn device_type() -> impl Strategy<Value = DeviceType> {
    (
        proptest::option::of(0u32..18),
        proptest::option::of(word()),
        proptest::option::of("USBSTOR\\\\[A-Za-z_*]{1,10}"),
        proptest::option::of("[0-9&a-f]{4,12}"),
        proptest::option::of("[0-9A-F]{40}"),
        proptest::option::of("[0-9A-F]{64}"),
    )
        .prop_map(|(class, name, model, instance, sha1, sha256)| DeviceType {
            class: class.or(
                if model.is_none() && instance.is_none() && sha1.is_none() && sha256.is_none() {
                    Some(0)
                } else {
                    None
                },
            ),
            name,
            model,
            instance,
            sha1,
            sha256,
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        (
            num_id(),
            word(),
            proptest::collection::vec("S-1-5-21-[0-9]{1,4}-[0-9]{1,4}", 0..3),
            proptest::collection::vec(word(), 0..2),
            targets(),
        ),
        (
            proptest::collection::vec(device_type(), 1..3),
            any::<i32>(),
            prop_oneof![Just(None), Just(Some("Low")), Just(Some("High"))],
            any::<bool>(),
        ),
        (
            proptest::collection::vec(right(), 1..4),
            proptest::sample::subsequence(vec![Bus::Usb, Bus::Ide, Bus::Scsi, Bus::Bt], 0..3),
            proptest::sample::subsequence(vec![Disk::Fixed, Disk::Removable], 0..2),
            proptest::option::of(prop_oneof![
                Just(Shadow::None),
                Just(Shadow::Filename),
                Just(Shadow::Content)
            ]),
            proptest::option::of((
                0u32..134_217_727,
                proptest::collection::vec(
                    (
                        0u8..3,
                        prop_oneof![
                            Just(0x0002_0000u32),
                            Just(0x0003_0000),
                            Just(0x000A_0100),
                            Just(0x0005_0100)
                        ],
                    ),
                    0..4,
                ),
            )),
            (
                proptest::option::of(any::<bool>()),
                proptest::option::of(word()),
            ),
        ),
        (
            proptest::option::of(prop_oneof![
                Just(Permanent::Always),
                Just(Permanent::Online),
                Just(Permanent::Offline)
            ]),
            proptest::option::of((
                0u32..86_399,
                1u32..86_399,
                proptest::sample::subsequence(
                    vec![
                        chrono::Weekday::Mon,
                        chrono::Weekday::Wed,
                        chrono::Weekday::Sat,
                    ],
                    0..3,
                ),
            )),
            proptest::option::of((0i64..2_000_000_000, 1i64..1_000_000)),
        ),
    )
        .prop_map(
            |(
                (id, name, sids, accounts, where_),
                (types, prio, label, or),
                (granted, bus, disk, shadow, content, (notify, denied)),
                (permanent, schedule, temporary),
            )| {
                let priority = match label {
                    Some("Low") => Priority {
                        value: i32::MIN,
                        label: Some("Low"),
                    },
                    Some(_) => Priority {
                        value: i32::MAX,
                        label: Some("High"),
                    },
                    None => Priority {
                        value: prio,
                        label: None,
                    },
                };
                Policy {
                    id,
                    name,
                    who: Who { sids, accounts },
                    where_,
                    devices: Devices {
                        types,
                        groups: Vec::new(),
                        media: Vec::new(),
                    },
                    how: How {
                        priority,
                        match_: if or { Match::Or } else { Match::And },
                    },
                    what: What {
                        access: Access {
                            bus,
                            disk,
                            encryption: Vec::new(),
                            granted: dedup(granted),
                        },
                        shadow_read: shadow,
                        shadow_write: None,
                        content: content.map(|(quota_mb, filters)| Content {
                            quota_mb,
                            filter_settings: None,
                            filters: filters
                                .into_iter()
                                .map(|(o, id)| TypeFilter {
                                    only: match o {
                                        0 => None,
                                        1 => Some(DeviceOperation::Read),
                                        _ => Some(DeviceOperation::Write),
                                    },
                                    id,
                                })
                                .collect(),
                            dlp_settings: Some("0".into()),
                            dlptypes: vec![0x000A_0100],
                        }),
                        messages: Messages { notify, denied },
                    },
                    when: When {
                        permanent,
                        schedule: schedule.and_then(|(s, e, days)| {
                            let start =
                                chrono::NaiveTime::from_num_seconds_from_midnight_opt(s, 0)?;
                            let end = chrono::NaiveTime::from_num_seconds_from_midnight_opt(
                                (s + e) % 86_400,
                                0,
                            )?;
                            (start != end).then_some(Schedule { start, end, days })
                        }),
                        temporary: temporary.map(|(s, d)| Temporary {
                            start: chrono::DateTime::from_timestamp(s, 0).unwrap(),
                            end: chrono::DateTime::from_timestamp(s + d, 0).unwrap(),
                        }),
                    },
                }
            },
        )
}

fn document() -> impl Strategy<Value = Document> {
    (
        proptest::collection::vec(policy(), 0..4),
        proptest::option::of(Just(Preset::Audit)),
        proptest::collection::vec((num_id(), word(), targets()), 0..2),
        proptest::collection::vec(
            prop_oneof![
                Just((58u32, "1".to_string())),
                Just((86, "2".to_string())),
                Just((68, "16".to_string())),
                "[a-z0-9 ]{0,10}".prop_map(|v| (1234, v)),
            ],
            0..3,
        ),
    )
        .prop_map(|(mut policies, preset, groups, options)| {
            // Unique ids, as validation requires.
            for (i, p) in policies.iter_mut().enumerate() {
                p.id = format!("{}{i}", p.id);
            }
            let mut doc = Document::default();
            doc.configuration.preset = preset;
            doc.configuration.version = Some("1".into());
            for (i, (id, name, mut members)) in groups.into_iter().enumerate() {
                if members.is_empty() {
                    members.fqn.push("a.example.org".into());
                }
                doc.configuration.computer_groups.push(ComputerGroup {
                    id: format!("{id}{i}"),
                    name,
                    members,
                });
            }
            if let (Some(g), Some(p)) = (
                doc.configuration.computer_groups.first(),
                policies.first_mut(),
            ) {
                p.where_.group.push(g.id.clone());
            }
            doc.options.push(OptionGroup {
                id: "1".into(),
                name: "global".into(),
                where_: None,
                what: options
                    .into_iter()
                    .map(|(option, value)| OptionSetting { option, value })
                    .collect(),
            });
            doc.policies = policies;
            doc
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn write_then_read_is_the_identity(doc in document()) {
        let text = write::to_string_pretty(&doc);
        let back = read_str(&text).map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?.document;
        prop_assert_eq!(&back, &doc);
        // And once more, from the written form.
        prop_assert_eq!(write::to_string_pretty(&back), text);
    }

    #[test]
    fn reader_never_panics_on_mutated_json(doc in document(), cut in 0usize..4000, junk in "[\\[\\]{}\",:/0-9a-z ]{0,8}") {
        let text = write::to_string_pretty(&doc);
        let at = cut.min(text.len());
        let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let mutated = format!("{}{}{}", &text[..at], junk, &text[at..]);
        let _ = read_str(&mutated);
    }
}

fn access() -> impl Strategy<Value = cordon_policy::model::DeviceAccess> {
    use cordon_policy::model::{Computer, DeviceAccess, DeviceInfo, DeviceUser};
    (
        proptest::option::of("S-1-5-21-[0-9]{1,2}-[0-9]{1,2}"),
        proptest::collection::vec(
            prop_oneof![
                Just("S-1-1-0".to_string()),
                "S-1-5-21-[0-9]{1,2}-[0-9]{1,2}"
            ],
            0..3,
        ),
        proptest::option::of(word()),
        (
            proptest::option::of(0u32..19),
            any::<bool>(),
            prop_oneof![Just("USB"), Just("IDE")],
            proptest::option::of(any::<bool>()),
        ),
        (any::<bool>(), 0u8..3, 0u64..3_000_000),
    )
        .prop_map(
            |(sid, group_sids, account, (class, online, bus, encrypted), (write, ft, size))| {
                DeviceAccess {
                    user: DeviceUser {
                        sid,
                        group_sids,
                        account,
                        group_accounts: Vec::new(),
                    },
                    computer: Computer {
                        fqdn: Some("a.example.org".into()),
                        online,
                        ..Computer::default()
                    },
                    device: DeviceInfo {
                        class: class.map(|c| c.to_string()),
                        bus: Some(bus.into()),
                        disk: Some("Removable".into()),
                        model: Some("USBSTOR\\Disk_x".into()),
                        encrypted,
                        ..DeviceInfo::default()
                    },
                    operation: if write {
                        DeviceOperation::Write
                    } else {
                        DeviceOperation::Read
                    },
                    file_type: Some(["00020000", "000A0100", "00030100"][ft as usize].into()),
                    file_size: Some(size),
                    quota_used: size / 2,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The SID index and the early exit decide exactly as a full scan.
    #[test]
    fn indexed_decisions_equal_full_scans(doc in document(), accesses in proptest::collection::vec(access(), 1..6), t in 0i64..2_000_000_000) {
        // Name the generated users in some policies so the index is used.
        let mut doc = doc;
        for (i, p) in doc.policies.iter_mut().enumerate() {
            if i % 2 == 0 {
                p.who.accounts.clear();
                p.who.sids = vec![format!("S-1-5-21-{i}-{i}")];
            }
        }
        let dc = cordon_devctl::DeviceControl::new(doc);
        let now = chrono::DateTime::from_timestamp(t, 0).unwrap();
        for a in &accesses {
            let mut a = a.clone();
            a.user.group_sids.push("S-1-5-21-0-0".into());
            let fast = dc.decide(&a, None, now, false);
            let full = dc.decide(&a, None, now, true);
            prop_assert_eq!(&fast.decision, &full.decision);
            prop_assert_eq!(&fast.determined_by, &full.determined_by);
            prop_assert_eq!(fast.allowed, full.allowed);
        }
    }
}
