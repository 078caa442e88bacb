//! The data model shared by detection, classification and policy.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use compact_str::CompactString;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Sensitivity category of a detector, after the seeds' categories
/// (PII, PHI, PCI DSS, "Marked as Confidential") plus credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum Category {
    #[serde(rename = "PII")]
    Pii,
    #[serde(rename = "PHI")]
    Phi,
    #[serde(rename = "PCI")]
    Pci,
    #[serde(rename = "CREDENTIALS")]
    Credentials,
    #[serde(rename = "CONFIDENTIAL")]
    Confidential,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Pii,
        Category::Phi,
        Category::Pci,
        Category::Credentials,
        Category::Confidential,
    ];

    /// The stable upper-case name used in JSON, policies and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Pii => "PII",
            Category::Phi => "PHI",
            Category::Pci => "PCI",
            Category::Credentials => "CREDENTIALS",
            Category::Confidential => "CONFIDENTIAL",
        }
    }

    /// Parses a category name, case-insensitively. `PCI_DSS` is accepted
    /// for `PCI`, `MARKED_AS_CONFIDENTIAL` for `CONFIDENTIAL`.
    pub fn parse(s: &str) -> Option<Category> {
        match s
            .trim()
            .to_ascii_uppercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "PII" => Some(Category::Pii),
            "PHI" => Some(Category::Phi),
            "PCI" | "PCI_DSS" => Some(Category::Pci),
            "CREDENTIALS" | "CREDENTIAL" | "SECRETS" => Some(Category::Credentials),
            "CONFIDENTIAL" | "MARKED_AS_CONFIDENTIAL" => Some(Category::Confidential),
            _ => None,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a detector is that a match is a real sensitive value.
/// Ordered: `Low < Medium < High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Confidence::Low, Confidence::Medium, Confidence::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Confidence> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Some(Confidence::Low),
            "medium" => Some(Confidence::Medium),
            "high" => Some(Confidence::High),
            _ => None,
        }
    }

    /// One step up, saturating at `High`.
    pub fn raised(self) -> Confidence {
        match self {
            Confidence::Low => Confidence::Medium,
            _ => Confidence::High,
        }
    }

    /// One step down, saturating at `Low`.
    pub fn lowered(self) -> Confidence {
        match self {
            Confidence::High => Confidence::Medium,
            _ => Confidence::Low,
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One match of one detector in one piece of text.
///
/// `start`/`end` are byte offsets into the text that was scanned (end
/// exclusive). The full matched value is never stored here: only its masked
/// form, so a finding can be logged, printed or persisted safely. Callers
/// that need the raw value (`--show-values`) slice it from the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable snake_case detector id, e.g. `credit_card`. Borrowed for
    /// built-in detectors, so a finding costs no allocation for its id.
    pub detector: Cow<'static, str>,
    pub category: Category,
    pub confidence: Confidence,
    pub start: usize,
    pub end: usize,
    /// The value with all but a few characters masked, e.g. `4111 **** **** 1111`.
    /// Held inline when short (most are), so it costs no allocation either.
    pub masked: CompactString,
}

/// Counts of one detector's findings by confidence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct DetectorCount {
    #[serde(default)]
    pub low: u64,
    #[serde(default)]
    pub medium: u64,
    #[serde(default)]
    pub high: u64,
}

impl DetectorCount {
    pub fn add(&mut self, c: Confidence) {
        self.add_n(c, 1);
    }

    /// Counts `n` findings at confidence `c`.
    pub fn add_n(&mut self, c: Confidence, n: u64) {
        match c {
            Confidence::Low => self.low += n,
            Confidence::Medium => self.medium += n,
            Confidence::High => self.high += n,
        }
    }

    /// Findings at or above `min` confidence.
    pub fn at_least(&self, min: Confidence) -> u64 {
        match min {
            Confidence::Low => self.low + self.medium + self.high,
            Confidence::Medium => self.medium + self.high,
            Confidence::High => self.high,
        }
    }

    pub fn total(&self) -> u64 {
        self.at_least(Confidence::Low)
    }

    fn merge(&mut self, other: &DetectorCount) {
        self.low += other.low;
        self.medium += other.medium;
        self.high += other.high;
    }
}

/// What a file (or any piece of content) was found to contain: the input
/// policies match on, e.g. "at least 5 PII findings of medium confidence".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Classification {
    /// Categories with at least one finding.
    #[serde(default)]
    pub categories: BTreeSet<Category>,
    /// Per detector id, the number of findings by confidence.
    #[serde(default)]
    pub detectors: BTreeMap<String, DetectorCount>,
    /// Per category, the number of findings by confidence.
    #[serde(default)]
    pub category_counts: BTreeMap<Category, DetectorCount>,
    /// Highest confidence of any finding, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_confidence: Option<Confidence>,
}

impl Classification {
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Classification {
        let mut c = Classification::default();
        for f in findings {
            c.add(f);
        }
        c
    }

    pub fn add(&mut self, f: &Finding) {
        self.record(&f.detector, f.category, f.confidence);
    }

    /// Counts one finding of `detector` in `category` at `confidence`.
    pub fn record(&mut self, detector: &str, category: Category, confidence: Confidence) {
        self.record_n(detector, category, confidence, 1);
    }

    /// Counts `n` findings of `detector` in `category` at `confidence`
    /// (nothing if `n` is 0).
    pub fn record_n(&mut self, detector: &str, category: Category, confidence: Confidence, n: u64) {
        if n == 0 {
            return;
        }
        self.categories.insert(category);
        match self.detectors.get_mut(detector) {
            Some(d) => d.add_n(confidence, n),
            None => {
                let mut d = DetectorCount::default();
                d.add_n(confidence, n);
                self.detectors.insert(detector.to_string(), d);
            }
        }
        self.category_counts
            .entry(category)
            .or_default()
            .add_n(confidence, n);
        self.max_confidence = self.max_confidence.max(Some(confidence));
    }

    /// Folds another classification (e.g. of an archive member) into this one.
    pub fn merge(&mut self, other: &Classification) {
        self.categories.extend(other.categories.iter().copied());
        for (k, v) in &other.detectors {
            self.detectors.entry(k.clone()).or_default().merge(v);
        }
        for (k, v) in &other.category_counts {
            self.category_counts.entry(*k).or_default().merge(v);
        }
        self.max_confidence = self.max_confidence.max(other.max_confidence);
    }

    pub fn has_category(&self, c: Category) -> bool {
        self.categories.contains(&c)
    }

    /// Findings of `detector` at or above `min` confidence.
    pub fn count(&self, detector: &str, min: Confidence) -> u64 {
        self.detectors.get(detector).map_or(0, |d| d.at_least(min))
    }

    /// Findings of category `cat` at or above `min` confidence.
    pub fn category_count(&self, cat: Category, min: Confidence) -> u64 {
        self.category_counts
            .get(&cat)
            .map_or(0, |d| d.at_least(min))
    }

    pub fn is_empty(&self) -> bool {
        self.detectors.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(det: &str, cat: Category, conf: Confidence) -> Finding {
        Finding {
            detector: det.to_string().into(),
            category: cat,
            confidence: conf,
            start: 0,
            end: 1,
            masked: "*".into(),
        }
    }

    #[test]
    fn classification_counts_at_or_above_confidence() {
        let fs = [
            f("email", Category::Pii, Confidence::Low),
            f("email", Category::Pii, Confidence::High),
            f("credit_card", Category::Pci, Confidence::Medium),
        ];
        let c = Classification::from_findings(&fs);
        assert_eq!(c.count("email", Confidence::Low), 2);
        assert_eq!(c.count("email", Confidence::Medium), 1);
        assert_eq!(c.count("nope", Confidence::Low), 0);
        assert_eq!(c.category_count(Category::Pii, Confidence::High), 1);
        assert_eq!(c.category_count(Category::Pci, Confidence::High), 0);
        assert!(c.has_category(Category::Pci));
        assert!(!c.has_category(Category::Phi));
        assert_eq!(c.max_confidence, Some(Confidence::High));
    }

    #[test]
    fn classification_json_uses_contract_names() {
        let c = Classification::from_findings(&[f("us_ssn", Category::Pii, Confidence::Medium)]);
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["categories"][0], "PII");
        assert_eq!(v["detectors"]["us_ssn"]["medium"], 1);
        assert_eq!(v["max_confidence"], "medium");
        let back: Classification = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn category_parse_accepts_seed_names() {
        assert_eq!(Category::parse("pci dss"), Some(Category::Pci));
        assert_eq!(
            Category::parse("Marked as Confidential"),
            Some(Category::Confidential)
        );
        assert_eq!(Category::parse("bogus"), None);
    }
}
