//! Writing a device-control document back in the seed's form: attributes in
//! the seed's order, values as strings the way the seed writes them, text
//! priorities kept, `All` filters and defaults omitted. Reading the output
//! gives an equal [`Document`].

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::doc::*;
use crate::read::{WEEKDAYS, right_text};

/// JSON with attribute order kept (serde_json's own map sorts keys here).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Str(String),
    Bool(bool),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
    Raw(Value),
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Str(v) => s.serialize_str(v),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Raw(v) => v.serialize(s),
            Json::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Json::Obj(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

struct Obj(Vec<(String, Json)>);

impl Obj {
    fn new() -> Obj {
        Obj(Vec::new())
    }
    fn put(&mut self, k: &str, v: Json) -> &mut Obj {
        self.0.push((k.to_string(), v));
        self
    }
    fn text(&mut self, k: &str, v: &str) -> &mut Obj {
        self.put(k, Json::Str(v.to_string()))
    }
    fn opt(&mut self, k: &str, v: &Option<String>) -> &mut Obj {
        if let Some(v) = v {
            self.text(k, v);
        }
        self
    }
    fn list(&mut self, k: &str, v: &[String]) -> &mut Obj {
        if !v.is_empty() {
            self.put(k, strs(v.iter().map(String::as_str)));
        }
        self
    }
    fn done(&mut self) -> Json {
        Json::Obj(std::mem::take(&mut self.0))
    }
}

fn strs<'a>(items: impl IntoIterator<Item = &'a str>) -> Json {
    Json::Arr(
        items
            .into_iter()
            .map(|s| Json::Str(s.to_string()))
            .collect(),
    )
}

fn class(c: Option<u32>) -> Option<String> {
    c.map(|c| c.to_string())
}

/// The document as ordered JSON.
pub fn to_json(doc: &Document) -> Json {
    let mut o = Obj::new();
    o.put("configuration", configuration(&doc.configuration));
    o.put(
        "options",
        Json::Arr(doc.options.iter().map(option_group).collect()),
    );
    o.put(
        "policies",
        Json::Arr(doc.policies.iter().map(policy).collect()),
    );
    o.done()
}

/// The document as pretty-printed JSON text.
pub fn to_string_pretty(doc: &Document) -> String {
    serde_json::to_string_pretty(&to_json(doc)).unwrap_or_default()
}

/// The document as a `serde_json::Value` (attribute order not kept).
pub fn to_value(doc: &Document) -> Value {
    serde_json::to_value(to_json(doc)).unwrap_or(Value::Null)
}

fn configuration(c: &Configuration) -> Json {
    let mut o = Obj::new();
    o.opt("source", &c.source)
        .opt("version", &c.version)
        .opt("content", &c.content);
    if let Some(t) = c.timestamp {
        o.text(
            "timestamp",
            &t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        );
    }
    if let Some(p) = c.preset {
        o.text("preset", p.as_str());
    }
    let mut devices = Obj::new();
    if let Some(i) = &c.identities {
        devices.put("identities", Json::Raw(i.clone()));
    }
    if !c.device_groups.is_empty() {
        devices.put(
            "groups",
            Json::Arr(
                c.device_groups
                    .iter()
                    .map(|g| {
                        let mut o = Obj::new();
                        o.text("id", &g.id)
                            .text("name", &g.name)
                            .opt("class", &class(g.class));
                        o.put(
                            "types",
                            Json::Arr(g.types.iter().map(device_type).collect()),
                        );
                        o.done()
                    })
                    .collect(),
            ),
        );
    }
    if !c.device_names.is_empty() {
        devices.put(
            "names",
            Json::Arr(
                c.device_names
                    .iter()
                    .map(|n| {
                        let mut o = Obj::new();
                        o.text("name", &n.name)
                            .opt("class", &class(n.class))
                            .list("models", &n.models);
                        o.done()
                    })
                    .collect(),
            ),
        );
    }
    if !devices.0.is_empty() {
        o.put("devices", devices.done());
    }
    let mut files = Obj::new();
    if !c.custom_types.is_empty() {
        files.put(
            "customtypes",
            Json::Arr(
                c.custom_types
                    .iter()
                    .map(|t| Json::Raw(t.to_json()))
                    .collect(),
            ),
        );
    }
    if !c.trusted.is_empty() {
        files.put(
            "trusted",
            Json::Arr(
                c.trusted
                    .iter()
                    .map(|t| {
                        let mut o = Obj::new();
                        o.text("sha256", &t.sha256);
                        for (k, v) in &t.extra {
                            o.put(k, Json::Raw(v.clone()));
                        }
                        o.done()
                    })
                    .collect(),
            ),
        );
    }
    if !files.0.is_empty() {
        o.put("files", files.done());
    }
    if !c.computer_groups.is_empty() {
        let groups = c
            .computer_groups
            .iter()
            .map(|g| {
                let mut o = Obj::new();
                o.text("id", &g.id)
                    .text("name", &g.name)
                    .put("members", targets(&g.members));
                o.done()
            })
            .collect();
        let mut comp = Obj::new();
        comp.put("groups", Json::Arr(groups));
        o.put("computers", comp.done());
    }
    o.done()
}

fn targets(t: &Targets) -> Json {
    let mut o = Obj::new();
    o.list("fqn", &t.fqn).list("netbios", &t.netbios);
    if !t.ipv4.is_empty() {
        o.put(
            "ipv4",
            Json::Arr(t.ipv4.iter().map(|a| Json::Str(a.to_string())).collect()),
        );
    }
    if !t.ipv4range.is_empty() {
        o.put(
            "ipv4range",
            Json::Arr(
                t.ipv4range
                    .iter()
                    .map(|(a, b)| Json::Str(format!("{a}-{b}")))
                    .collect(),
            ),
        );
    }
    o.list("ou", &t.ou).list("group", &t.group);
    o.done()
}

fn option_group(g: &OptionGroup) -> Json {
    let mut o = Obj::new();
    o.text("id", &g.id).text("name", &g.name);
    if let Some(w) = &g.where_ {
        o.put("where", targets(w));
    }
    o.put(
        "what",
        Json::Arr(
            g.what
                .iter()
                .map(|s| {
                    let mut o = Obj::new();
                    o.text("option", &s.option.to_string())
                        .text("value", &s.value);
                    o.done()
                })
                .collect(),
        ),
    );
    o.done()
}

fn device_type(t: &DeviceType) -> Json {
    let mut o = Obj::new();
    o.opt("class", &class(t.class))
        .opt("name", &t.name)
        .opt("model", &t.model)
        .opt("instance", &t.instance)
        .opt("sha1", &t.sha1)
        .opt("sha256", &t.sha256);
    o.done()
}

fn policy(p: &Policy) -> Json {
    let mut o = Obj::new();
    o.text("id", &p.id).text("name", &p.name);
    let mut who = Obj::new();
    who.list("sids", &p.who.sids)
        .list("accounts", &p.who.accounts);
    o.put("who", who.done());
    o.put("where", targets(&p.where_));
    let mut dev = Obj::new();
    if !p.devices.types.is_empty() {
        dev.put(
            "types",
            Json::Arr(p.devices.types.iter().map(device_type).collect()),
        );
    }
    dev.list("groups", &p.devices.groups);
    if !p.devices.media.is_empty() {
        dev.put(
            "media",
            Json::Arr(
                p.devices
                    .media
                    .iter()
                    .map(|m| {
                        let mut o = Obj::new();
                        o.opt("class", &class(m.class))
                            .opt("name", &m.name)
                            .opt("sha1", &m.sha1)
                            .opt("type", &m.kind)
                            .opt("uniqueid", &m.uniqueid);
                        if !m.keys.is_empty() {
                            o.put(
                                "keys",
                                Json::Arr(
                                    m.keys
                                        .iter()
                                        .map(|k| {
                                            let mut o = Obj::new();
                                            o.text("thumbprint", &k.thumbprint)
                                                .opt("type", &k.kind)
                                                .opt("cipher", &k.cipher);
                                            o.done()
                                        })
                                        .collect(),
                                ),
                            );
                        }
                        o.done()
                    })
                    .collect(),
            ),
        );
    }
    o.put("devices", dev.done());
    let mut how = Obj::new();
    match p.how.priority.label {
        Some(l) => how.text("priority", l),
        None => how.text("priority", &p.how.priority.value.to_string()),
    };
    if p.how.match_ == Match::Or {
        how.text("match", "OR");
    }
    o.put("how", how.done());
    o.put("what", what(&p.what));
    o.put("when", when(&p.when));
    o.done()
}

fn what(w: &What) -> Json {
    let mut o = Obj::new();
    let mut access = Obj::new();
    if !w.access.bus.is_empty() {
        access.put("bus", strs(w.access.bus.iter().map(|b| b.as_str())));
    }
    if !w.access.disk.is_empty() {
        access.put("disk", strs(w.access.disk.iter().map(|b| b.as_str())));
    }
    if !w.access.encryption.is_empty() {
        access.put(
            "encryption",
            strs(w.access.encryption.iter().map(|b| b.as_str())),
        );
    }
    access.put(
        "granted",
        strs(w.access.granted.iter().map(|r| right_text(*r))),
    );
    o.put("access", access.done());
    if w.shadow_read.is_some() || w.shadow_write.is_some() {
        let mut shadow = Obj::new();
        for (k, v) in [("read", w.shadow_read), ("write", w.shadow_write)] {
            if let Some(v) = v {
                shadow.text(
                    k,
                    match v {
                        Shadow::None => "none",
                        Shadow::Filename => "filename",
                        Shadow::Content => "content",
                    },
                );
            }
        }
        let mut audit = Obj::new();
        audit.put("shadow", shadow.done());
        o.put("audit", audit.done());
    }
    if let Some(c) = &w.content {
        let mut content = Obj::new();
        content.text("quota", &c.quota_mb.to_string());
        if c.filter_settings.is_some() || !c.filters.is_empty() {
            let mut f = Obj::new();
            f.opt("settings", &c.filter_settings);
            f.put(
                "filetypes",
                Json::Arr(
                    c.filters
                        .iter()
                        .map(|t| {
                            let prefix = match t.only {
                                None => "",
                                Some(DeviceOperation::Read) => "R",
                                Some(DeviceOperation::Write) => "W",
                            };
                            Json::Str(format!("{prefix}{:08X}", t.id))
                        })
                        .collect(),
                ),
            );
            content.put("filters", f.done());
        }
        if c.dlp_settings.is_some() || !c.dlptypes.is_empty() {
            let mut d = Obj::new();
            d.opt("settings", &c.dlp_settings);
            d.put(
                "filetypes",
                Json::Arr(
                    c.dlptypes
                        .iter()
                        .map(|id| Json::Str(format!("{id:08X}")))
                        .collect(),
                ),
            );
            content.put("dlptypes", d.done());
        }
        o.put("content", content.done());
    }
    if w.messages.notify.is_some() || w.messages.denied.is_some() {
        let mut m = Obj::new();
        if let Some(n) = w.messages.notify {
            m.put("notify", Json::Bool(n));
        }
        m.opt("denied", &w.messages.denied);
        o.put("messages", m.done());
    }
    o.done()
}

fn when(w: &When) -> Json {
    let mut o = Obj::new();
    if let Some(p) = w.permanent {
        o.text("permanent", p.as_str());
    }
    if let Some(s) = &w.schedule {
        let mut so = Obj::new();
        so.text("start", &s.start.format("%H:%M:%S").to_string());
        so.text("end", &s.end.format("%H:%M:%S").to_string());
        let days: Vec<&str> = s
            .days
            .iter()
            .filter_map(|d| WEEKDAYS.iter().find(|(_, wd)| wd == d).map(|(c, _)| *c))
            .collect();
        if !days.is_empty() {
            so.text("rrule", &format!("BYDAY={}", days.join(",")));
        }
        o.put("schedule", so.done());
    }
    if let Some(t) = &w.temporary {
        let mut to = Obj::new();
        to.text(
            "start",
            &t.start.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        );
        to.text(
            "end",
            &t.end.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        );
        o.put("temporary", to.done());
    }
    o.done()
}
