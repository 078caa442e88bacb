//! Printing scan reports: human, JSON Lines and SARIF.
//!
//! Only masked values are printed unless the user passed `--show-values`
//! (the report then carries `value`).

use std::collections::BTreeMap;
use std::io::{self, Write};

use cordon_detect::Category;
use cordon_inspect::FileReport;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

/// Running totals for the summary line and the exit code.
#[derive(Debug, Default)]
pub struct Totals {
    pub files: u64,
    pub with_findings: u64,
    pub findings: u64,
    pub not_complete: u64,
    pub errors: u64,
    /// Symbolic links left alone (no `--follow`): neither scanned nor errors.
    pub links: u64,
    pub by_category: BTreeMap<Category, u64>,
}

impl Totals {
    pub fn add(&mut self, r: &FileReport) {
        if r.is_link_not_followed() {
            self.links += 1;
            return;
        }
        self.files += 1;
        if r.has_findings() {
            self.with_findings += 1;
        }
        self.findings += r.findings.len() as u64;
        for f in &r.findings {
            *self.by_category.entry(f.category).or_default() += 1;
        }
        if !r.incomplete.is_empty() {
            self.not_complete += 1;
        }
        if !r.errors.is_empty() {
            self.errors += 1;
        }
    }

    /// grep-like: 2 if anything went wrong, else 1 if anything was found.
    pub fn exit_code(&self) -> u8 {
        if self.errors > 0 || self.not_complete > 0 {
            2
        } else if self.findings > 0 {
            1
        } else {
            0
        }
    }
}

/// Human output for one file. Clean, complete files print nothing unless
/// `verbose`.
pub fn human(out: &mut dyn Write, r: &FileReport, verbose: bool) -> io::Result<()> {
    if (r.findings.is_empty() && r.complete || r.is_link_not_followed()) && !verbose {
        return Ok(());
    }
    writeln!(out, "{}  [{}]", r.path, r.file_type)?;
    let det_w = r
        .findings
        .iter()
        .map(|f| f.detector.len())
        .max()
        .unwrap_or(0);
    for f in &r.findings {
        let place = if f.location == r.path {
            format!("@{}-{}", f.start, f.end)
        } else {
            let inner = f.location.strip_prefix(&r.path).unwrap_or(&f.location);
            format!("{inner} @{}-{}", f.start, f.end)
        };
        let shown = f.value.as_deref().unwrap_or(&f.masked);
        writeln!(
            out,
            "  {:<det_w$}  {:<12}  {:<6}  {}  {}",
            f.detector,
            f.category.as_str(),
            f.confidence.as_str(),
            place,
            shown,
        )?;
    }
    for p in &r.incomplete {
        writeln!(out, "  not fully inspected: {}: {}", p.location, p.message)?;
    }
    for p in &r.errors {
        writeln!(out, "  error: {}: {}", p.location, p.message)?;
    }
    Ok(())
}

pub fn human_summary(out: &mut dyn Write, t: &Totals) -> io::Result<()> {
    let cats: Vec<String> = t
        .by_category
        .iter()
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    let cats = if cats.is_empty() {
        String::new()
    } else {
        format!(": {}", cats.join(", "))
    };
    let links = if t.links > 0 {
        format!(
            ", {} symbolic link{} not followed (--follow)",
            t.links,
            plural(t.links)
        )
    } else {
        String::new()
    };
    writeln!(
        out,
        "{} file{} scanned, {} with findings ({} finding{}{}), {} not fully inspected, {} with errors{}",
        t.files,
        plural(t.files),
        t.with_findings,
        t.findings,
        plural(t.findings),
        cats,
        t.not_complete,
        t.errors,
        links,
    )
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn json_line(out: &mut dyn Write, r: &FileReport) -> io::Result<()> {
    serde_json::to_writer(&mut *out, r)?;
    out.write_all(b"\n")
}

/// Collects results for one SARIF 2.1.0 log, written at the end.
#[derive(Default)]
pub struct Sarif {
    results: Vec<serde_json::Value>,
    notifications: Vec<serde_json::Value>,
}

impl Sarif {
    pub fn add(&mut self, r: &FileReport) {
        for f in &r.findings {
            let level = match f.confidence {
                cordon_detect::Confidence::High => "error",
                cordon_detect::Confidence::Medium => "warning",
                cordon_detect::Confidence::Low => "note",
            };
            let mut physical = json!({ "artifactLocation": { "uri": uri(&r.path) } });
            let mut location = json!({});
            if f.location == r.path && f.in_bytes {
                physical["region"] =
                    json!({ "byteOffset": f.start, "byteLength": f.end.saturating_sub(f.start) });
            } else {
                location["logicalLocations"] =
                    json!([{ "fullyQualifiedName": f.location, "kind": "member" }]);
            }
            location["physicalLocation"] = physical;
            let result = json!({
                "ruleId": f.detector,
                "level": level,
                "message": { "text": format!("{} ({}, {} confidence): {}", f.detector, f.category, f.confidence, f.masked) },
                "locations": [location],
                "properties": { "category": f.category, "confidence": f.confidence, "location": f.location },
            });
            self.results.push(result);
        }
        for p in r.incomplete.iter().chain(&r.errors) {
            self.notifications.push(json!({
                "level": "error",
                "message": { "text": format!("{}: {}", p.location, p.message) },
            }));
        }
    }

    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        let rules: Vec<_> = cordon_detect::detectors()
            .iter()
            .map(|d| {
                json!({
                    "id": d.id,
                    "name": d.id,
                    "shortDescription": { "text": d.description },
                    "properties": { "category": d.category },
                })
            })
            .collect();
        let log = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "cordon",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://example.invalid/cordon",
                    "rules": rules,
                }},
                "results": self.results,
                "invocations": [{
                    "executionSuccessful": self.notifications.is_empty(),
                    "toolExecutionNotifications": self.notifications,
                }],
            }],
        });
        serde_json::to_writer_pretty(&mut *out, &log)?;
        out.write_all(b"\n")
    }
}

fn uri(path: &str) -> String {
    // SARIF wants a URI reference; relative paths stay relative.
    path.chars()
        .map(|c| match c {
            ' ' => "%20".to_string(),
            '#' => "%23".to_string(),
            '?' => "%3F".to_string(),
            '%' => "%25".to_string(),
            c => c.to_string(),
        })
        .collect()
}
