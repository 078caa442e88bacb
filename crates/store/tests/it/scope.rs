//! Computers, remote offices and scopes, told to every backend: which
//! group and office a computer is in, which incidents (and counts) a scope
//! of groups or offices sees, and who owns a policy or a group.

use cordon_store::testing::PgSchema;
use cordon_store::*;
use serde_json::json;

const T0: Millis = 1_790_000_000_000;

fn admin() -> Actor {
    Actor::key("0a1b2c3d", "ops")
}

fn bob() -> Actor {
    Actor::key("b0b0b0b0", "bob")
}

fn pv(id: &str, actor: Actor) -> NewPolicyVersion {
    NewPolicyVersion {
        policy_id: id.into(),
        name: format!("{id} policy"),
        format: "yaml".into(),
        body: "rules: []".into(),
        comment: String::new(),
        actor,
    }
}

fn group(name: &str, policy: &str, version: i64, actor: Actor) -> AgentGroup {
    AgentGroup {
        name: name.into(),
        description: String::new(),
        policy_id: policy.into(),
        policy_version: version,
        updated_at: T0,
        updated_by: actor.clone(),
        created_by: actor,
    }
}

fn computer(name: &str, group: Option<&str>, office: Option<&str>) -> ComputerInput {
    ComputerInput {
        name: name.into(),
        group: group.map(Into::into),
        office: office.map(Into::into),
        key_id: None,
    }
}

fn keyed(name: &str, key: &str) -> ComputerInput {
    ComputerInput {
        key_id: Some(key.into()),
        ..computer(name, None, None)
    }
}

/// Incident `i`, from `computer`: rule `r-even` or `r-odd`, user `u<i % 2>`.
fn incident(i: i64, computer: &str) -> NewIncident {
    NewIncident {
        created_at: T0 + i * 1000,
        request_id: format!("req-{i}"),
        rule_id: if i % 2 == 0 { "r-even" } else { "r-odd" }.into(),
        rule_name: String::new(),
        policy_id: "main".into(),
        policy_version: 1,
        mode: "enforce".into(),
        enforced: true,
        decision: "deny".into(),
        action: "download".into(),
        username: format!("u{}", i % 2),
        computer: computer.into(),
        categories: vec!["PII".into()],
        details: RawJson::from_value(&json!({"i": i})),
    }
}

fn groups(names: &[&str]) -> ScopeFilter {
    ScopeFilter {
        groups: names.iter().map(|n| n.to_string()).collect(),
        offices: Vec::new(),
    }
}

fn offices(names: &[&str]) -> ScopeFilter {
    ScopeFilter {
        groups: Vec::new(),
        offices: names.iter().map(|n| n.to_string()).collect(),
    }
}

/// The incidents a filter lists, as their numbers, newest first.
async fn listed(s: &dyn Store, f: IncidentFilter) -> Vec<i64> {
    s.list_incidents(&f)
        .await
        .unwrap()
        .iter()
        .map(|i| i.incident.request_id["req-".len()..].parse().unwrap())
        .collect()
}

async fn in_scope(s: &dyn Store, scope: ScopeFilter) -> Vec<i64> {
    listed(
        s,
        IncidentFilter {
            scope: Some(scope),
            ..Default::default()
        },
    )
    .await
}

fn names(cs: &[Computer]) -> Vec<&str> {
    cs.iter().map(|c| c.name.as_str()).collect()
}

/// Two policies, three groups: `g1` and `g2` on `main` (by admin), `g3`
/// on `other` (by bob).
async fn setup(s: &dyn Store) {
    s.create_policy(&pv("main", admin()), T0).await.unwrap();
    s.add_policy_version(&pv("main", bob()), T0 + 1)
        .await
        .unwrap();
    s.create_policy(&pv("other", bob()), T0).await.unwrap();
    s.upsert_agent_group(&group("g1", "main", 1, admin()))
        .await
        .unwrap();
    s.upsert_agent_group(&group("g2", "main", 2, admin()))
        .await
        .unwrap();
    s.upsert_agent_group(&group("g3", "other", 1, bob()))
        .await
        .unwrap();
}

async fn computers_and_offices(s: &dyn Store) {
    // --- offices ---
    let paris = s.upsert_office("paris", "HQ", &admin(), T0).await.unwrap();
    assert_eq!(
        paris,
        RemoteOffice {
            name: "paris".into(),
            description: "HQ".into(),
            created_at: T0,
            updated_at: T0,
            updated_by: admin(),
            computers: 0,
        }
    );
    let paris = s
        .upsert_office("paris", "Paris HQ", &bob(), T0 + 1)
        .await
        .unwrap();
    assert_eq!(
        (
            paris.description.as_str(),
            paris.created_at,
            paris.updated_at
        ),
        ("Paris HQ", T0, T0 + 1)
    );
    assert_eq!(paris.updated_by, bob());
    s.upsert_office("lyon", "", &admin(), T0).await.unwrap();
    for bad in ["", "two words", "nul\0", "a/b"] {
        assert!(
            matches!(
                s.upsert_office(bad, "", &admin(), T0).await,
                Err(StoreError::Invalid(_))
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        s.get_office("nowhere").await,
        Err(StoreError::NotFound(_))
    ));

    // --- computers: create, read back, move ---
    let pc1 = s
        .upsert_computer(&computer("pc-1", Some("g1"), Some("paris")), &admin(), T0)
        .await
        .unwrap();
    assert_eq!(
        pc1,
        Computer {
            name: "pc-1".into(),
            group: Some("g1".into()),
            office: Some("paris".into()),
            key_id: None,
            created_at: T0,
            updated_at: T0,
            updated_by: admin(),
            last_seen_at: None,
            agent: None,
        }
    );
    assert_eq!(s.get_computer("pc-1").await.unwrap(), pc1);
    // In one group only: putting it in another takes it out of the first.
    let moved = s
        .upsert_computer(&computer("pc-1", Some("g2"), Some("paris")), &bob(), T0 + 5)
        .await
        .unwrap();
    assert_eq!(moved.group.as_deref(), Some("g2"));
    assert_eq!(
        (moved.created_at, moved.updated_at, moved.updated_by),
        (T0, T0 + 5, bob())
    );
    let in_group = |g: &str| ComputerFilter {
        group: Some(g.into()),
        ..Default::default()
    };
    assert!(s.list_computers(&in_group("g1")).await.unwrap().is_empty());
    assert_eq!(
        names(&s.list_computers(&in_group("g2")).await.unwrap()),
        ["pc-1"]
    );

    // What is missing is named; nothing is written.
    let err = s
        .upsert_computer(&computer("pc-9", Some("ghost"), None), &admin(), T0)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::NotFound(m) if m == "agent group `ghost`"),
        "{err}"
    );
    let err = s
        .upsert_computer(&computer("pc-9", None, Some("nowhere")), &admin(), T0)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::NotFound(m) if m == "remote office `nowhere`"),
        "{err}"
    );
    assert!(matches!(
        s.get_computer("pc-9").await,
        Err(StoreError::NotFound(_))
    ));
    for bad in ["", "pc 1", "pc\u{0}1", "pc/1"] {
        assert!(
            matches!(
                s.upsert_computer(&computer(bad, None, None), &admin(), T0)
                    .await,
                Err(StoreError::Invalid(_))
            ),
            "{bad:?}"
        );
    }

    // --- keys: one computer per key ---
    let pc1 = s
        .upsert_computer(
            &ComputerInput {
                key_id: Some("k1".into()),
                ..computer("pc-1", Some("g2"), Some("paris"))
            },
            &admin(),
            T0 + 6,
        )
        .await
        .unwrap();
    assert_eq!(pc1.key_id.as_deref(), Some("k1"));
    let err = s
        .upsert_computer(&keyed("pc-2", "k1"), &admin(), T0)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("`k1`") && m.contains("`pc-1`")),
        "{err}"
    );
    assert!(matches!(
        s.get_computer("pc-2").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.upsert_computer(&keyed("pc-2", ""), &admin(), T0).await,
        Err(StoreError::Invalid(_))
    ));
    s.upsert_computer(&keyed("pc-2", "k2"), &admin(), T0)
        .await
        .unwrap();
    assert_eq!(
        s.computer_for_key("k1").await.unwrap().map(|c| c.name),
        Some("pc-1".into())
    );
    assert_eq!(
        s.computer_for_key("k2").await.unwrap().map(|c| c.name),
        Some("pc-2".into())
    );
    assert_eq!(s.computer_for_key("k9").await.unwrap(), None);
    // Upserting a computer with its own key again is no conflict.
    s.upsert_computer(&keyed("pc-2", "k2"), &admin(), T0 + 1)
        .await
        .unwrap();
    // Once pc-1 lets go of k1, pc-2 may take it.
    s.upsert_computer(
        &computer("pc-1", Some("g2"), Some("paris")),
        &admin(),
        T0 + 7,
    )
    .await
    .unwrap();
    assert_eq!(s.computer_for_key("k1").await.unwrap(), None);
    s.upsert_computer(
        &ComputerInput {
            office: Some("paris".into()),
            ..keyed("pc-2", "k1")
        },
        &admin(),
        T0 + 8,
    )
    .await
    .unwrap();
    assert_eq!(
        s.computer_for_key("k1").await.unwrap().map(|c| c.name),
        Some("pc-2".into())
    );
    assert_eq!(s.computer_for_key("k2").await.unwrap(), None);

    // --- last seen: only ever later; an upsert keeps it ---
    s.touch_computer("pc-1", T0 + 50).await.unwrap();
    s.touch_computer("pc-1", T0 + 40).await.unwrap();
    assert_eq!(
        s.get_computer("pc-1").await.unwrap().last_seen_at,
        Some(T0 + 50)
    );
    s.upsert_computer(
        &computer("pc-1", Some("g2"), Some("paris")),
        &admin(),
        T0 + 60,
    )
    .await
    .unwrap();
    assert_eq!(
        s.get_computer("pc-1").await.unwrap().last_seen_at,
        Some(T0 + 50)
    );
    assert!(matches!(
        s.touch_computer("ghost", T0).await,
        Err(StoreError::NotFound(_))
    ));

    // --- offices count their computers; one with computers stays ---
    let counts: Vec<_> = s
        .list_offices()
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.name, o.computers))
        .collect();
    assert_eq!(counts, [("lyon".into(), 0), ("paris".into(), 2)]);
    let err = s.delete_office("paris", &admin()).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m.contains("2 computers")),
        "{err}"
    );
    assert_eq!(s.get_office("paris").await.unwrap().computers, 2);

    // --- listing by page and by office ---
    for n in ["pc-3", "pc-4", "pc-5"] {
        s.upsert_computer(&computer(n, Some("g3"), Some("lyon")), &admin(), T0)
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .list_computers(&ComputerFilter {
                after: after.clone(),
                limit: Some(2),
                ..Default::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|c| c.name.clone());
        seen.extend(page.into_iter().map(|c| c.name));
    }
    assert_eq!(seen, ["pc-1", "pc-2", "pc-3", "pc-4", "pc-5"]);
    let lyon = s
        .list_computers(&ComputerFilter {
            office: Some("lyon".into()),
            after: Some("pc-3".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(names(&lyon), ["pc-4", "pc-5"]);

    // --- deleting a group leaves its computers ungrouped ---
    s.upsert_agent_group(&group("doomed", "main", 1, admin()))
        .await
        .unwrap();
    s.upsert_computer(
        &computer("pc-3", Some("doomed"), Some("lyon")),
        &admin(),
        T0,
    )
    .await
    .unwrap();
    s.delete_agent_group("doomed", &admin()).await.unwrap();
    let pc3 = s.get_computer("pc-3").await.unwrap();
    assert_eq!((pc3.group, pc3.office.as_deref()), (None, Some("lyon")));

    // --- deleting computers, then the emptied office ---
    for n in ["pc-3", "pc-4", "pc-5"] {
        s.delete_computer(n, &admin()).await.unwrap();
    }
    assert!(matches!(
        s.delete_computer("pc-5", &admin()).await,
        Err(StoreError::NotFound(_))
    ));
    s.delete_office("lyon", &admin()).await.unwrap();
    assert!(matches!(
        s.delete_office("lyon", &admin()).await,
        Err(StoreError::NotFound(_))
    ));
    s.upsert_computer(&computer("pc-1", Some("g2"), None), &admin(), T0)
        .await
        .unwrap();
    s.upsert_computer(&keyed("pc-2", "k1"), &admin(), T0)
        .await
        .unwrap();
    s.delete_office("paris", &admin()).await.unwrap();
    for n in ["pc-1", "pc-2"] {
        s.delete_computer(n, &admin()).await.unwrap();
    }
    assert!(
        s.list_computers(&ComputerFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn scoped_incidents(s: &dyn Store) {
    s.upsert_office("paris", "", &admin(), T0).await.unwrap();
    s.upsert_office("lyon", "", &admin(), T0).await.unwrap();
    for c in [
        computer("a1", Some("g1"), Some("paris")),
        computer("a2", Some("g1"), Some("lyon")),
        computer("b1", Some("g2"), Some("paris")),
        computer("c1", None, None),
    ] {
        s.upsert_computer(&c, &admin(), T0).await.unwrap();
    }
    // 0-2 from a1, 3-4 from a2, 5-8 from b1, 9 from c1, 10-11 from no
    // computer (a gateway), 12 from a computer nobody registered.
    let from = [
        "a1", "a1", "a1", "a2", "a2", "b1", "b1", "b1", "b1", "c1", "", "", "stranger",
    ];
    let batch: Vec<_> = (0..).zip(from).map(|(i, c)| incident(i, c)).collect();
    s.insert_incidents(&batch[..6]).await.unwrap();
    s.insert_journaled_incidents(&batch[6..], &[], "j", 100, T0)
        .await
        .unwrap();

    // Incidents carry their computer.
    let all = s.list_incidents(&IncidentFilter::default()).await.unwrap();
    assert_eq!(all.len(), 13);
    assert_eq!(all[0].incident, batch[12]);
    assert_eq!(all[12].incident.computer, "a1");
    assert_eq!(
        listed(
            s,
            IncidentFilter {
                computer: Some("b1".into()),
                ..Default::default()
            }
        )
        .await,
        [8, 7, 6, 5]
    );
    assert_eq!(
        s.get_incident(all[3].id).await.unwrap().incident.computer,
        "c1"
    );

    // Groups, offices, both, none.
    assert_eq!(in_scope(s, groups(&["g1"])).await, [4, 3, 2, 1, 0]);
    assert_eq!(in_scope(s, groups(&["g2"])).await, [8, 7, 6, 5]);
    assert_eq!(
        in_scope(s, groups(&["g1", "g2"])).await,
        [8, 7, 6, 5, 4, 3, 2, 1, 0]
    );
    assert_eq!(in_scope(s, groups(&["g3", "ghost"])).await, [] as [i64; 0]);
    assert_eq!(
        in_scope(s, offices(&["paris"])).await,
        [8, 7, 6, 5, 2, 1, 0]
    );
    assert_eq!(in_scope(s, offices(&["lyon"])).await, [4, 3]);
    assert_eq!(
        in_scope(
            s,
            ScopeFilter {
                groups: vec!["g2".into()],
                offices: vec!["lyon".into()],
            }
        )
        .await,
        [8, 7, 6, 5, 4, 3]
    );
    // An empty scope holds nothing: not even the computer-less incidents
    // that only a scope of all computers sees.
    assert_eq!(in_scope(s, ScopeFilter::default()).await, [] as [i64; 0]);
    // A name that would close the parenthesis is just a name.
    assert_eq!(
        in_scope(s, groups(&["g1') OR 1=1 --"])).await,
        [] as [i64; 0]
    );

    // Membership is read now: moving a2 to g2 moves its incidents.
    s.upsert_computer(&computer("a2", Some("g2"), Some("lyon")), &bob(), T0 + 1)
        .await
        .unwrap();
    assert_eq!(in_scope(s, groups(&["g1"])).await, [2, 1, 0]);
    assert_eq!(in_scope(s, groups(&["g2"])).await, [8, 7, 6, 5, 4, 3]);
    assert_eq!(in_scope(s, offices(&["lyon"])).await, [4, 3]);

    // The agent-group filter: the computers in the group now.
    let in_group = |g: &str| IncidentFilter {
        group: Some(g.into()),
        ..Default::default()
    };
    assert_eq!(listed(s, in_group("g2")).await, [8, 7, 6, 5, 4, 3]);
    assert_eq!(listed(s, in_group("g1")).await, [2, 1, 0]);
    assert_eq!(listed(s, in_group("g1') OR 1=1 --")).await, [] as [i64; 0]);

    // Counts per status: all new so far; in a scope, its incidents only.
    let new = |n| {
        vec![NameCount {
            name: "new".into(),
            count: n,
        }]
    };
    let all_time = (T0, T0 + 1_000_000);
    assert_eq!(
        s.status_counts(all_time.0, all_time.1, Some(&groups(&["g1"])))
            .await
            .unwrap(),
        new(3)
    );
    assert_eq!(
        s.status_counts(T0 + 5000, all_time.1, None).await.unwrap(),
        new(8)
    );
    assert_eq!(
        s.status_counts(all_time.0, all_time.1, Some(&ScopeFilter::default()))
            .await
            .unwrap(),
        [] as [NameCount; 0]
    );

    // Agents heard from since a time, and in all, per scope.
    s.touch_computer("b1", T0 + 50).await.unwrap();
    s.touch_computer("a1", T0 + 5).await.unwrap();
    assert_eq!(
        s.computer_counts(T0 + 10, Some(&offices(&["paris"])))
            .await
            .unwrap(),
        (1, 2)
    );
    assert_eq!(
        s.computer_counts(T0 + 10, Some(&groups(&["g2"])))
            .await
            .unwrap(),
        (1, 2)
    );
    assert_eq!(
        s.computer_counts(T0, Some(&groups(&["g1"]))).await.unwrap(),
        (1, 1)
    );
    assert_eq!(
        s.computer_counts(T0, Some(&ScopeFilter::default()))
            .await
            .unwrap(),
        (0, 0)
    );
    let (online, total) = s.computer_counts(T0 + 10, None).await.unwrap();
    assert!(online >= 1 && total >= 4, "{online} of {total}");

    // With the other filters, and paged with the cursor.
    let g2 = || IncidentFilter {
        scope: Some(groups(&["g2"])),
        ..Default::default()
    };
    assert_eq!(
        listed(
            s,
            IncidentFilter {
                rule: Some("r-even".into()),
                ..g2()
            }
        )
        .await,
        [8, 6, 4]
    );
    assert_eq!(
        listed(
            s,
            IncidentFilter {
                from: Some(T0 + 4000),
                to: Some(T0 + 7000),
                ..g2()
            }
        )
        .await,
        [6, 5, 4]
    );
    assert_eq!(
        listed(
            s,
            IncidentFilter {
                computer: Some("a1".into()),
                ..g2()
            }
        )
        .await,
        [] as [i64; 0]
    );
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let page = s
            .list_incidents(&IncidentFilter {
                before,
                limit: Some(4),
                ..g2()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|i| i.id);
        pages.push(page.len());
    }
    assert_eq!(pages, [4, 2], "six incidents in pages of four");

    // The dashboard's counts, scoped the same way.
    let window = (T0, T0 + 1_000_000);
    let rc = s
        .rule_counts(window.0, window.1, Some(&groups(&["g2"])))
        .await
        .unwrap();
    let rc: Vec<_> = rc.iter().map(|r| (r.rule_id.as_str(), r.total)).collect();
    assert_eq!(rc, [("r-even", 3), ("r-odd", 3)]);
    let rc = s.rule_counts(window.0, window.1, None).await.unwrap();
    assert_eq!(rc.iter().map(|r| r.total).sum::<i64>(), 13);
    let rc = s
        .rule_counts(window.0, window.1, Some(&ScopeFilter::default()))
        .await
        .unwrap();
    assert!(rc.is_empty());
    let over = s
        .violations_over_time(T0, T0 + 10_000, 5_000, Some(&offices(&["paris"])))
        .await
        .unwrap();
    let over: Vec<_> = over.iter().map(|b| (b.bucket - T0, b.count)).collect();
    assert_eq!(over, [(0, 3), (5_000, 4)]);
    let top = s
        .top_users(window.0, window.1, 10, Some(&groups(&["g1"])))
        .await
        .unwrap();
    assert_eq!(
        top,
        [
            NameCount {
                name: "u0".into(),
                count: 2
            },
            NameCount {
                name: "u1".into(),
                count: 1
            }
        ]
    );
    assert_eq!(
        s.top_users(window.0, window.1, 10, None)
            .await
            .unwrap()
            .iter()
            .map(|n| n.count)
            .sum::<i64>(),
        13
    );

    // A deleted computer's incidents stay, in no group's scope.
    s.delete_computer("b1", &admin()).await.unwrap();
    assert_eq!(in_scope(s, groups(&["g2"])).await, [4, 3]);
    assert_eq!(s.count_incidents().await.unwrap(), 13);
}

async fn owners(s: &dyn Store) {
    // A policy's creator is its first version's author, whoever added
    // versions since; its groups are those assigned any of its versions.
    let main = s.get_policy("main").await.unwrap();
    assert_eq!(main.created_by, admin());
    assert_eq!(main.latest_version, 2);
    assert_eq!(main.groups, ["g1", "g2"]);
    let listed: Vec<_> = s
        .list_policies()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.created_by, p.groups))
        .collect();
    assert_eq!(
        listed,
        [
            ("main".into(), admin(), vec!["g1".into(), "g2".into()]),
            ("other".into(), bob(), vec!["g3".to_string()]),
        ]
    );
    s.upsert_agent_group(&group("g2", "other", 1, bob()))
        .await
        .unwrap();
    let activated = s
        .activate_policy("main", Some(1), &bob(), T0 + 2)
        .await
        .unwrap();
    assert_eq!(
        (activated.created_by, activated.groups),
        (admin(), vec!["g1".to_string()])
    );
    assert_eq!(s.get_policy("other").await.unwrap().groups, ["g2", "g3"]);
    s.delete_agent_group("g1", &admin()).await.unwrap();
    assert!(s.get_policy("main").await.unwrap().groups.is_empty());

    // A group's creator stays through updates by others.
    let g2 = s.get_agent_group("g2").await.unwrap();
    assert_eq!((g2.created_by, g2.updated_by), (admin(), bob()));
    let stored = s
        .upsert_agent_group(&AgentGroup {
            description: "renamed".into(),
            updated_at: T0 + 3,
            ..group("g3", "other", 1, Actor::System)
        })
        .await
        .unwrap();
    assert_eq!(
        (
            stored.created_by,
            stored.updated_by,
            stored.description.as_str()
        ),
        (bob(), Actor::System, "renamed")
    );
    assert!(
        s.list_agent_groups()
            .await
            .unwrap()
            .iter()
            .all(|g| g.created_by != Actor::System)
    );
}

async fn story(s: &dyn Store) {
    setup(s).await;
    computers_and_offices(s).await;
    scoped_incidents(s).await;
    owners(s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(
        &dir.path().join("cordon.db").display().to_string(),
        &OpenOptions::default(),
    )
    .await
    .unwrap();
    story(s.as_ref()).await;
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_postgres() {
    let schema = PgSchema::create().await.unwrap();
    let s = schema.store().await.unwrap();
    story(s.as_ref()).await;
    s.close().await;
    schema.drop().await.unwrap();
}

/// Incidents are journaled as JSON before they reach the store: a journal
/// written before incidents named their computer still loads.
#[test]
fn a_journal_line_from_before_computers_still_loads() {
    let line = r#"{"created_at":1790000000000,"request_id":"req-1","rule_id":"r",
        "rule_name":"r name","policy_id":"main","policy_version":3,"mode":"enforce",
        "enforced":true,"decision":"deny","action":"download","username":"alice",
        "categories":["PII","PCI"],"details":{"findings":[]}}"#;
    let old: NewIncident = serde_json::from_str(line).unwrap();
    assert_eq!(old.computer, "");
    assert_eq!((old.username.as_str(), old.policy_version), ("alice", 3));
    // And one written now reads back whole, computer included.
    let now = incident(7, "pc-7");
    let back: NewIncident = serde_json::from_str(&serde_json::to_string(&now).unwrap()).unwrap();
    assert_eq!(back, now);
}
