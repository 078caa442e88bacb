//! The real engines behind the traits in [`crate::engine`]:
//! [`PolicyEngines`] over `cordon-policy`, [`Inspection`] over
//! `cordon-inspect`.

use std::sync::Arc;
use std::time::Duration;

use cordon_policy::diag::Diagnostic;
use cordon_policy::model::{Decision, Event, ExceptionRequest, RuleRef, Verdict};
use cordon_policy::{Engine, Loader};

use crate::engine::{
    CaseOutcome, DecisionEngine, Diag, DocInfo, OpenWindow, PolicyCompiler, PolicyDoc, Trial,
};

/// Compiles stored documents with `cordon-policy`'s loader (with whatever
/// extensions it was given, e.g. device control) into engines.
pub struct PolicyEngines {
    loader: Arc<Loader>,
    /// Bytes of the GeoIP database, when configured: each engine gets its
    /// own reader.
    geoip: Option<Arc<Vec<u8>>>,
    clock: Option<Arc<dyn cordon_policy::Clock>>,
}

impl PolicyEngines {
    pub fn new(loader: Loader) -> PolicyEngines {
        PolicyEngines {
            loader: Arc::new(loader),
            geoip: None,
            clock: None,
        }
    }

    /// Reads the `.mmdb` country database at `path` (checked now).
    pub fn with_geoip(mut self, path: &std::path::Path) -> anyhow::Result<PolicyEngines> {
        let bytes = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("cannot read GeoIP database `{}`: {e}", path.display()))?;
        cordon_policy::geoip::GeoIp::from_bytes(bytes.clone())
            .map_err(|e| anyhow::anyhow!("GeoIP database `{}`: {e}", path.display()))?;
        self.geoip = Some(Arc::new(bytes));
        Ok(self)
    }

    /// Engines built from now on use `clock` (tests: a manual clock).
    pub fn with_clock(mut self, clock: Arc<dyn cordon_policy::Clock>) -> PolicyEngines {
        self.clock = Some(clock);
        self
    }
}

impl PolicyEngines {
    /// An engine for one checked set, with this server's GeoIP database
    /// and clock.
    fn engine(&self, set: cordon_policy::PolicySet) -> Engine {
        let mut e = Engine::new(set);
        if let Some(g) = &self.geoip
            && let Ok(g) = cordon_policy::geoip::GeoIp::from_bytes(g.as_ref().clone())
        {
            e = e.with_geoip(g);
        }
        if let Some(c) = &self.clock {
            e = e.with_clock(c.clone());
        }
        e
    }
}

fn diag(d: &Diagnostic, file: &str, source: &str) -> Diag {
    Diag {
        severity: if d.is_error() { "error" } else { "warning" }.to_owned(),
        message: d.message.clone(),
        line: d.line,
        column: d.column,
        rendered: d.render(file, source),
    }
}

impl PolicyCompiler for PolicyEngines {
    fn check(&self, _format: &str, body: &str) -> Result<DocInfo, Vec<Diag>> {
        let (set, diags) = self.loader.load(body);
        let rendered: Vec<Diag> = diags.iter().map(|d| diag(d, "policy", body)).collect();
        match set {
            Some(set) if !diags.iter().any(Diagnostic::is_error) => Ok(DocInfo {
                id: Some(set.doc.id.clone()),
                name: set.doc.name.clone(),
                rules: set.doc.rules.len() + set.doc.flows.len(),
                warnings: rendered,
            }),
            _ => Err(rendered),
        }
    }

    fn trial(
        &self,
        _format: &str,
        body: &str,
        event: Option<&Event>,
        justification: Option<&str>,
    ) -> Result<Trial, Vec<Diag>> {
        let (set, diags) = self.loader.load(body);
        let Some(set) = set.filter(|_| !diags.iter().any(Diagnostic::is_error)) else {
            return Err(diags.iter().map(|d| diag(d, "policy", body)).collect());
        };
        let doc = set.doc.clone();
        let engine = |s| Ok::<_, std::convert::Infallible>(self.engine(s));
        let tests = cordon_policy::testing::run_cases(&self.loader, &doc, engine)
            .unwrap_or_default()
            .into_iter()
            .map(|r| CaseOutcome {
                name: r.name,
                passed: r.passed,
                failures: r.failures,
            })
            .collect();
        let decision = event.map(|ev| self.engine(set).decide_with(ev, justification));
        Ok(Trial {
            tests,
            explanation: decision.as_ref().map(cordon_policy::explain),
            decision,
        })
    }

    fn compile(&self, docs: &[PolicyDoc<'_>]) -> Result<Arc<dyn DecisionEngine>, Vec<Diag>> {
        // With no active policy, an empty one decides: it allows, except
        // content that was not fully inspected (the engine's built-in
        // rule), which no policy at all must not let pass as clean.
        let empty = [PolicyDoc {
            id: "cordon-no-policy",
            version: 0,
            format: "yaml",
            body: "id: cordon-no-policy\nrules: []\n",
        }];
        let docs = if docs.is_empty() { &empty[..] } else { docs };
        let mut engines = Vec::with_capacity(docs.len());
        for d in docs {
            let (set, diags) = self.loader.load(d.body);
            let file = format!("{}@{}", d.id, d.version);
            let Some(set) = set.filter(|_| !diags.iter().any(Diagnostic::is_error)) else {
                return Err(diags.iter().map(|x| diag(x, &file, d.body)).collect());
            };
            engines.push(self.engine(set));
        }
        Ok(Arc::new(EngineSet { engines }))
    }
}

/// The engines of all active policies, deciding as one.
///
/// Several active policies combine like the rule kinds inside one policy
/// (see `docs/policy.md`): the most restrictive verdict wins (`deny` >
/// `exception` > `allow`); `determined_by` and the message come from the
/// policies that gave that verdict; violations, actions, trace and errors
/// of all are kept. With no active policy every event is allowed and the
/// trace says so.
pub struct EngineSet {
    engines: Vec<Engine>,
}

impl DecisionEngine for EngineSet {
    fn decide(&self, event: &Event) -> Decision {
        let mut it = self.engines.iter();
        let Some(first) = it.next() else {
            // Compile always gives at least one engine (the built-in empty
            // policy); an empty set is never built, but it would not
            // decide blind either.
            return Decision::new(Verdict::Deny);
        };
        let mut d = first.decide(event);
        for e in it {
            let other = e.decide(event);
            d = combine(d, other);
        }
        d
    }

    fn open_exception(&self, w: &OpenWindow) {
        let req = ExceptionRequest {
            keys: w.keys.clone(),
            rules: w.rules.clone(),
        };
        for e in &self.engines {
            e.justify(&req, &w.text, w.user.clone(), w.at);
        }
    }

    fn exception_window(&self) -> Duration {
        self.engines
            .iter()
            .map(|e| e.policy().exception_window)
            .max()
            .unwrap_or(Duration::from_secs(300))
    }

    fn baseline(&self, policy_id: &str) -> Option<cordon_policy::PolicyDocument> {
        self.engines
            .iter()
            .find(|e| {
                let doc = &e.policy().doc;
                doc.id == policy_id && doc.mode == cordon_policy::document::PolicyMode::Observe
            })
            .map(Engine::baseline)
    }
}

fn combine(mut a: Decision, b: Decision) -> Decision {
    use std::cmp::Ordering::*;
    match b.decision.cmp(&a.decision) {
        Greater => {
            a.decision = b.decision;
            a.determined_by = b.determined_by;
            a.message = b.message;
            a.exception = b.exception;
            a.device = b.device.or(a.device);
        }
        Equal => {
            let mut seen: Vec<RuleRef> = a.determined_by.clone();
            for r in b.determined_by {
                if !seen.contains(&r) {
                    seen.push(r);
                }
            }
            a.determined_by = seen;
            a.message = a.message.or(b.message);
            a.exception = match (a.exception, b.exception) {
                (Some(mut x), Some(y)) => {
                    x.keys.extend(y.keys);
                    x.rules.extend(y.rules);
                    Some(x)
                }
                (x, y) => x.or(y),
            };
            a.device = a.device.or(b.device);
        }
        Less => {}
    }
    a.violations.extend(b.violations);
    a.actions.extend(b.actions);
    a.trace.extend(b.trace);
    a.errors.extend(b.errors);
    a.observation = a.observation.or(b.observation);
    a
}

/// Inspection for `/v1/inspect` and inline content in `/v1/decide`:
/// `cordon-inspect`'s inspector (extraction + detection), never with full
/// values.
pub struct Inspection {
    inspector: cordon_inspect::Inspector,
}

impl Inspection {
    /// The built-in detectors with default limits.
    pub fn new() -> Inspection {
        Inspection::with_detectors(cordon_detect::Detectors::new())
    }

    pub fn with_detectors(detectors: cordon_detect::Detectors) -> Inspection {
        Inspection::configured(detectors, None)
    }

    /// With an OCR engine for the text in images (setting `ocr`).
    pub fn configured(
        detectors: cordon_detect::Detectors,
        ocr: Option<cordon_inspect::Ocr>,
    ) -> Inspection {
        let opts = cordon_inspect::InspectOptions {
            show_values: false,
            ocr,
            ..Default::default()
        };
        Inspection {
            inspector: cordon_inspect::Inspector::new(detectors, opts),
        }
    }
}

impl Default for Inspection {
    fn default() -> Self {
        Inspection::new()
    }
}

impl crate::engine::ContentInspector for Inspection {
    fn inspect(&self, name: &str, bytes: &[u8]) -> cordon_inspect::FileReport {
        self.inspector.inspect_bytes(name, bytes)
    }

    fn inspect_reader(
        &self,
        name: &str,
        reader: &mut dyn std::io::Read,
    ) -> cordon_inspect::FileReport {
        self.inspector.inspect_reader(name, reader)
    }

    fn mask_text(&self, text: &str) -> Option<String> {
        mask_with(self.inspector.detectors(), text)
    }
}

/// `text` with the spans the detectors find replaced by their masks.
pub(crate) fn mask_with(detectors: &cordon_detect::Detectors, text: &str) -> Option<String> {
    let mut findings = detectors.scan(text.as_bytes());
    if findings.is_empty() {
        return None;
    }
    findings.sort_by_key(|f| f.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in &findings {
        // Overlaps were resolved by the engine; a span that is not on a
        // character boundary (never for built-ins) is widened to the
        // boundaries around it rather than skipped.
        if f.start < at {
            continue;
        }
        let mut start = f.start.min(text.len());
        while start > at && !text.is_char_boundary(start) {
            start -= 1;
        }
        out.push_str(text.get(at..start).unwrap_or_default());
        out.push_str(&f.masked);
        at = f.end;
        while at < text.len() && !text.is_char_boundary(at) {
            at += 1;
        }
    }
    out.push_str(text.get(at..).unwrap_or_default());
    Some(out)
}
