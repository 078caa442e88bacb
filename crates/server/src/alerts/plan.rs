//! Which deliveries an incident asks for: a pure function of the
//! incidents and the configuration, run by the journal loader just before
//! the transaction that writes both.

use std::collections::{BTreeMap, HashMap};

use cordon_store::{NewIncident, Outgoing};
use serde::Deserialize;

use super::config::{AlertSettings, Conditions, Subscription};

/// What the planner knows of an installed plug-in.
#[derive(Debug, Clone)]
pub struct PluginInfo {
    pub manifest: cordon_plugin::Manifest,
    pub sha256: String,
}

/// The severity of an incident on the CEF scale (0–10); rules and sinks
/// filter on it.
pub use cordon_alert::incident_severity as severity;

/// The deliveries of `batch`, deduplicated per incident and target (the
/// first rule that asked is named). A sink subscribed to every incident
/// gets none for its subscription: it reads its stream (a response rule
/// that names it still plans a row).
pub fn plan(
    settings: &AlertSettings,
    plugins: &HashMap<String, PluginInfo>,
    batch: &[NewIncident],
) -> Vec<Outgoing> {
    let mut out = Vec::new();
    // Streamed sinks plan nothing for their subscription.
    if settings.sinks.iter().all(|s| !s.enabled || s.streamed())
        && settings.responses.iter().all(|r| !r.enabled)
    {
        return out;
    }
    let wants_alert_flag = settings
        .sinks
        .iter()
        .any(|s| s.enabled && s.on == Subscription::Alerts);
    for (index, incident) in batch.iter().enumerate() {
        let mut targets: BTreeMap<String, String> = BTreeMap::new();
        let asked_alert = wants_alert_flag && asks_alert(incident);
        for s in settings.sinks.iter().filter(|s| s.enabled) {
            let subscribed = match s.on {
                Subscription::All => false,
                Subscription::Alerts => asked_alert,
                Subscription::Responses => false,
            };
            if subscribed {
                targets.entry(format!("sink:{}", s.id)).or_default();
            }
        }
        let sev = severity(incident.enforced, &incident.decision, &incident.categories);
        for r in settings.responses.iter().filter(|r| r.enabled) {
            if !meets(&r.when, incident, sev) {
                continue;
            }
            for a in &r.actions {
                if let Some(p) = &a.plugin
                    && let Some(info) = plugins.get(p)
                {
                    if !info.manifest.handles(&incident.action) {
                        // Not this channel's plug-in.
                        continue;
                    }
                    if info.manifest.runs_on == cordon_plugin::RunsOn::Agent {
                        // Run by the agent that reported the incident; an
                        // incident no agent reported has no endpoint to
                        // run it on.
                        if let Some(t) = agent_target(&incident.computer, p) {
                            targets.entry(t).or_insert_with(|| r.id.clone());
                        }
                        continue;
                    }
                }
                // A plug-in that is not installed is planned, and fails
                // visibly.
                if let Some(sink) = &a.sink
                    && !settings.sinks.iter().any(|s| s.enabled && &s.id == sink)
                {
                    continue;
                }
                if let Some(t) = a.target() {
                    targets.entry(t).or_insert_with(|| r.id.clone());
                }
            }
        }
        out.extend(targets.into_iter().map(|(target, rule)| Outgoing {
            incident: index,
            target,
            rule,
        }));
    }
    out
}

/// The outbox target of agent plug-in `plugin` on `computer`:
/// `agent:<computer>/<plugin>`. Only that computer's agent claims it (the
/// server's worker leaves `agent:` targets alone). `None` for an incident
/// of no computer.
pub fn agent_target(computer: &str, plugin: &str) -> Option<String> {
    (!computer.is_empty()).then(|| format!("{AGENT_PREFIX}{computer}/{plugin}"))
}

/// The prefix of targets that agents, not servers, deliver.
pub const AGENT_PREFIX: &str = "agent:";

/// Whether the incident's own rule asked for `alert`.
fn asks_alert(incident: &NewIncident) -> bool {
    #[derive(Deserialize)]
    struct Actions {
        #[serde(default)]
        actions: Vec<Asked>,
    }
    #[derive(Deserialize)]
    struct Asked {
        action: String,
        #[serde(default)]
        rule: String,
    }
    serde_json::from_str::<Actions>(incident.details.as_str()).is_ok_and(|d| {
        d.actions
            .iter()
            .any(|a| a.action == "alert" && (a.rule.is_empty() || a.rule == incident.rule_id))
    })
}

fn meets(c: &Conditions, i: &NewIncident, severity: u8) -> bool {
    matches_any(&c.rules, &i.rule_id)
        && matches_any(&c.policies, &i.policy_id)
        && (c.categories.is_empty()
            || c.categories
                .iter()
                .any(|want| i.categories.iter().any(|c| c.eq_ignore_ascii_case(want))))
        && (c.channels.is_empty() || c.channels.iter().any(|x| x == &i.action))
        && (c.decisions.is_empty() || c.decisions.iter().any(|x| x == &i.decision))
        && (c.modes.is_empty() || c.modes.iter().any(|x| x == &i.mode))
        && severity >= c.min_severity
}

/// Empty: everything; otherwise an exact id or a prefix ending in `*`.
fn matches_any(patterns: &[String], id: &str) -> bool {
    patterns.is_empty()
        || patterns.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => id.starts_with(prefix),
            None => p == id,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::config::{ResponseAction, ResponseRule, SinkEntry};

    fn incident(rule: &str, cats: &[&str], details: &str) -> NewIncident {
        NewIncident {
            created_at: 0,
            request_id: "r".into(),
            rule_id: rule.into(),
            rule_name: rule.into(),
            policy_id: "p".into(),
            policy_version: 1,
            mode: "enforce".into(),
            enforced: true,
            decision: "deny".into(),
            action: "copy_to_device".into(),
            username: "u".into(),
            computer: String::new(),
            categories: cats.iter().map(|c| (*c).to_owned()).collect(),
            details: cordon_store::RawJson::from_serialized(details.to_owned()),
        }
    }

    fn jsonl(id: &str, on: Subscription) -> SinkEntry {
        SinkEntry {
            id: id.into(),
            enabled: true,
            on,
            audit: false,
            config: serde_json::from_value(
                serde_json::json!({"kind": "jsonl", "path": "/tmp/x.jsonl"}),
            )
            .unwrap(),
        }
    }

    #[test]
    fn subscriptions_and_rules_make_one_delivery_per_target() {
        let settings = AlertSettings {
            sinks: vec![
                jsonl("siem", Subscription::All),
                jsonl("mail", Subscription::Alerts),
                jsonl("quiet", Subscription::Responses),
            ],
            responses: vec![ResponseRule {
                id: "usb-pci".into(),
                enabled: true,
                description: String::new(),
                when: Conditions {
                    categories: vec!["pci".into()],
                    channels: vec!["copy_to_device".into()],
                    min_severity: 8,
                    ..Conditions::default()
                },
                actions: vec![
                    ResponseAction {
                        sink: Some("quiet".into()),
                        plugin: None,
                        params: serde_json::Value::Null,
                    },
                    ResponseAction {
                        sink: Some("siem".into()),
                        plugin: None,
                        params: serde_json::Value::Null,
                    },
                    ResponseAction {
                        sink: None,
                        plugin: Some("Encrypt".into()),
                        params: serde_json::Value::Null,
                    },
                ],
            }],
        };
        let batch = [
            incident(
                "a",
                &["PCI"],
                r#"{"actions":[{"action":"alert","rule":"a"}]}"#,
            ),
            incident(
                "b",
                &["PII"],
                r#"{"actions":[{"action":"log","rule":"b"}]}"#,
            ),
        ];
        let got: Vec<(usize, String, String)> = plan(&settings, &HashMap::new(), &batch)
            .into_iter()
            .map(|o| (o.incident, o.target, o.rule))
            .collect();
        let want = vec![
            (0, "plugin:Encrypt".to_owned(), "usb-pci".to_owned()),
            (0, "sink:mail".to_owned(), String::new()),
            (0, "sink:quiet".to_owned(), "usb-pci".to_owned()),
            // `siem` streams every incident: a row only where a rule
            // names it.
            (0, "sink:siem".to_owned(), "usb-pci".to_owned()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn an_agent_plug_in_is_planned_for_the_computer_that_reported_it() {
        let manifest = |name: &str, runs_on: &str, events: &str| PluginInfo {
            manifest: cordon_plugin::Manifest::from_toml(&format!(
                "name = \"{name}\"\nversion = \"1\"\nprotocol = 1\nruns_on = \"{runs_on}\"\n\
                 events = [{events}]\nexecutable = \"run.sh\"\ntimeout_ms = 1000\n"
            ))
            .unwrap(),
            sha256: "00".into(),
        };
        let plugins: HashMap<String, PluginInfo> = [
            ("Wipe".to_owned(), manifest("Wipe", "agent", "\"*\"")),
            (
                "Shares".to_owned(),
                manifest("Shares", "agent", "\"share\""),
            ),
            ("Ticket".to_owned(), manifest("Ticket", "server", "\"*\"")),
        ]
        .into();
        let action = |p: &str| ResponseAction {
            sink: None,
            plugin: Some(p.into()),
            params: serde_json::Value::Null,
        };
        let settings = AlertSettings {
            sinks: vec![],
            responses: vec![ResponseRule {
                id: "usb".into(),
                enabled: true,
                description: String::new(),
                when: Conditions::default(),
                actions: vec![action("Wipe"), action("Shares"), action("Ticket")],
            }],
        };
        let mut from_agent = incident("a", &["PCI"], "{}");
        from_agent.computer = "pc-7.corp".into();
        let batch = [from_agent, incident("b", &["PCI"], "{}")];
        let got: Vec<(usize, String)> = plan(&settings, &plugins, &batch)
            .into_iter()
            .map(|o| (o.incident, o.target))
            .collect();
        // `Shares` handles another channel; the server's own `Ticket`
        // runs for both; `Wipe` only where an agent can run it.
        assert_eq!(
            got,
            vec![
                (0, "agent:pc-7.corp/Wipe".to_owned()),
                (0, "plugin:Ticket".to_owned()),
                (1, "plugin:Ticket".to_owned()),
            ]
        );
    }

    #[test]
    fn nothing_configured_reads_no_details() {
        let batch = [incident("a", &[], "not json")];
        assert!(plan(&AlertSettings::default(), &HashMap::new(), &batch).is_empty());
    }

    #[test]
    fn patterns() {
        assert!(matches_any(&[], "x"));
        assert!(matches_any(&["pci-*".into()], "pci-usb"));
        assert!(!matches_any(&["pci".into()], "pci-usb"));
    }
}
