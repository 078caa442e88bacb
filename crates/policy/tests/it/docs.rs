//! The examples in docs/policy.md are true: policy blocks load and pass
//! their tests, each event block gets the decision block after it, YAML
//! snippets load, and JSON samples parse as the model types.

use cordon_policy::model::{Decision, Identity};
use cordon_policy::testing::run_case;
use cordon_policy::{Engine, Loader};

use crate::support::{repo, test_geoip};

struct Block {
    info: String,
    body: String,
    line: usize,
}

fn blocks(md: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut cur: Option<Block> = None;
    for (i, l) in md.lines().enumerate() {
        if let Some(rest) = l.strip_prefix("```") {
            match cur.take() {
                Some(b) => out.push(b),
                None => {
                    cur = Some(Block {
                        info: rest.trim().to_string(),
                        body: String::new(),
                        line: i + 1,
                    })
                }
            }
        } else if let Some(b) = cur.as_mut() {
            b.body.push_str(l);
            b.body.push('\n');
        }
    }
    out
}

fn ids<'a>(v: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = v.map(str::to_string).collect();
    v.sort();
    v
}

#[test]
fn docs_policy_examples_are_true() {
    let md = std::fs::read_to_string(repo().join("docs/policy.md")).unwrap();
    let mut engine: Option<Engine> = None;
    let mut pending: Option<(cordon_policy::model::Event, usize)> = None;
    let (mut policies, mut events, mut snippets) = (0, 0, 0);
    for b in blocks(&md) {
        let at = format!("docs/policy.md:{}", b.line);
        match b.info.as_str() {
            "yaml policy" => {
                let (set, d) = Loader::new().load(&b.body);
                let set = set.unwrap_or_else(|| panic!("{at}: {d:#?}"));
                for case in set.doc.tests.clone() {
                    let e = Engine::new(Loader::new().check(set.doc.clone(), "").0.unwrap())
                        .with_geoip(test_geoip());
                    let r = run_case(&e, &case);
                    assert!(r.passed, "{at}: {}: {:?}", r.name, r.failures);
                }
                engine = Some(Engine::new(set).with_geoip(test_geoip()));
                policies += 1;
            }
            "json event" => {
                let ev = serde_json::from_str(&b.body).unwrap_or_else(|e| panic!("{at}: {e}"));
                pending = Some((ev, b.line));
            }
            "json decision" => {
                let (ev, _) = pending
                    .take()
                    .unwrap_or_else(|| panic!("{at}: no event before"));
                let want: serde_json::Value = serde_json::from_str(&b.body).unwrap();
                let d = engine
                    .as_ref()
                    .unwrap_or_else(|| panic!("{at}: no policy"))
                    .decide(&ev);
                assert_eq!(d.decision.as_str(), want["decision"], "{at}: {d:#?}");
                if let Some(w) = want.get("determinedBy") {
                    let w = ids(w.as_array().unwrap().iter().map(|x| x.as_str().unwrap()));
                    assert_eq!(
                        ids(d.determined_by.iter().map(|r| r.id.as_str())),
                        w,
                        "{at}"
                    );
                }
                if let Some(w) = want.get("violations") {
                    let w = ids(w.as_array().unwrap().iter().map(|x| x.as_str().unwrap()));
                    assert_eq!(ids(d.violations.iter().map(|r| r.rule.as_str())), w, "{at}");
                }
                events += 1;
            }
            "yaml" => {
                let text = format!("id: snippet\n{}", b.body);
                let (set, d) = Loader::new().load(&text);
                assert!(set.is_some(), "{at}: {d:#?}");
                snippets += 1;
            }
            "json" => {
                if b.body.trim_start().starts_with('[') {
                    let _: Vec<Identity> =
                        serde_json::from_str(&b.body).unwrap_or_else(|e| panic!("{at}: {e}"));
                } else {
                    let _: Decision =
                        serde_json::from_str(&b.body).unwrap_or_else(|e| panic!("{at}: {e}"));
                }
                snippets += 1;
            }
            _ => {}
        }
    }
    assert!(
        policies >= 4 && events >= 3 && snippets >= 4,
        "{policies} {events} {snippets}"
    );
}
