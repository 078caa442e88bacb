//! Sensitive-data detection: text in, findings out. No IO.
//!
//! The public contract other crates build on is in [`model`]: categories,
//! confidences, findings and the per-file [`Classification`] that policies
//! match on. [`Detectors`] is the compiled detector set; build it with
//! [`Detectors::builder`], scan whole buffers with [`Detectors::scan`] or
//! unbounded input with [`Detectors::stream`].
//!
//! ```
//! use cordon_detect::Detectors;
//! let det = Detectors::new();
//! let f = det.scan(b"card 4111 1111 1111 1111, ssn 536-22-8726");
//! assert_eq!(f[0].detector, "credit_card");
//! assert_eq!(f[0].masked, "4111 **** **** 1111");
//! assert_eq!(f[1].detector, "us_ssn");
//! ```

#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::allow_attributes_without_reason
    )
)]
mod anchors;
mod authn;
mod builtin;
mod columns;
mod creds;
mod ctx;
mod custom;
mod engine;
mod fastscan;
mod fold;
mod hashes;
mod ids;
mod keyfiles;
mod kit;
mod mask;
pub mod model;
mod net;
mod numeric;
mod pci;
mod placeholder;
mod sqldump;
mod stream;
pub mod validate;

pub use builtin::{DetectorInfo, detectors};
pub use custom::{ConfigError, CustomDetector, CustomDetectorsConfig};
pub use mask::mask;

/// The words that make a credential a placeholder wherever they appear
/// (lower case), for test generators that must not draw one.
#[doc(hidden)]
pub fn placeholder_words() -> &'static [&'static [u8]] {
    placeholder::WORDS
}
pub use model::{Category, Classification, Confidence, DetectorCount, Finding};
pub use stream::StreamScanner;

/// [`Detectors::scan`] evaluates its text's keys in blocks of this size
/// (the fold check just ahead of each, from cache).
const SCAN_BLOCK: usize = 256 * 1024;

use std::borrow::Cow;

use custom::CustomSet;
use kit::{Cand, Sink};

/// The mask style of every detector: built-ins, then `custom`'s.
fn styles(custom: &CustomSet) -> Vec<mask::Style> {
    builtin::BUILTINS
        .iter()
        .map(|d| d.id)
        .chain(custom.dets.iter().map(|d| d.id.as_str()))
        .map(mask::Style::of)
        .collect()
}

/// Error building a [`Detectors`] set.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BuildError {
    #[error("unknown detector id `{0}`")]
    UnknownDetector(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// A compiled, immutable set of detectors. Cheap to share: `Send + Sync`.
#[derive(Debug)]
pub struct Detectors {
    enabled: Vec<bool>,
    /// `enabled` and the built-ins' context flags as bit sets.
    bits: kit::Bits,
    /// How each detector's values are masked (built-ins, then custom).
    styles: Vec<mask::Style>,
    min_confidence: Confidence,
    custom: CustomSet,
}

impl Default for Detectors {
    fn default() -> Self {
        Detectors::new()
    }
}

/// Builder for [`Detectors`]. By default: every built-in, no custom
/// detectors, minimum confidence `low`.
#[derive(Debug, Clone, Default)]
pub struct DetectorsBuilder {
    no_builtins: bool,
    ids: Option<Vec<String>>,
    categories: Option<Vec<Category>>,
    min_confidence: Option<Confidence>,
    custom: Vec<CustomDetectorsConfig>,
}

impl DetectorsBuilder {
    /// Include the built-in detectors (default `true`).
    pub fn builtins(mut self, yes: bool) -> Self {
        self.no_builtins = !yes;
        self
    }
    /// Keep only these detector ids (built-in or custom). Unknown ids are
    /// an error at [`build`](Self::build).
    pub fn only_ids<S: AsRef<str>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.ids = Some(ids.into_iter().map(|s| s.as_ref().to_string()).collect());
        self
    }
    /// Keep only detectors of these categories.
    pub fn categories(mut self, cats: impl IntoIterator<Item = Category>) -> Self {
        self.categories = Some(cats.into_iter().collect());
        self
    }
    /// Drop findings below this confidence.
    pub fn min_confidence(mut self, c: Confidence) -> Self {
        self.min_confidence = Some(c);
        self
    }
    /// Add custom detectors (may be called more than once).
    pub fn custom(mut self, cfg: CustomDetectorsConfig) -> Self {
        self.custom.push(cfg);
        self
    }

    pub fn build(self) -> Result<Detectors, BuildError> {
        let mut merged = CustomDetectorsConfig::default();
        for c in self.custom {
            merged.detectors.extend(c.detectors);
        }
        let base = builtin::BUILTINS.len() as u32;
        let mut custom = custom::compile(&merged, base)?;
        if let Some(ids) = &self.ids {
            for id in ids {
                let known = builtin::BUILTINS.iter().any(|d| d.id == id)
                    || custom.dets.iter().any(|d| &d.id == id);
                if !known {
                    return Err(BuildError::UnknownDetector(id.clone()));
                }
            }
        }
        let keep = |id: &str, cat: Category| {
            self.ids
                .as_ref()
                .is_none_or(|ids| ids.iter().any(|i| i == id))
                && self.categories.as_ref().is_none_or(|cs| cs.contains(&cat))
        };
        let enabled: Vec<bool> = builtin::BUILTINS
            .iter()
            .map(|d| !self.no_builtins && keep(d.id, d.category))
            .collect();
        if self.ids.is_some() || self.categories.is_some() {
            let mut kept = CustomDetectorsConfig::default();
            for d in merged.detectors {
                let cat = Category::parse(&d.category).unwrap_or(Category::Confidential);
                if keep(&d.id, cat) {
                    kept.detectors.push(d);
                }
            }
            custom = custom::compile(&kept, base)?;
        }
        Ok(Detectors {
            bits: kit::Bits::new(&enabled),
            enabled,
            styles: styles(&custom),
            min_confidence: self.min_confidence.unwrap_or(Confidence::Low),
            custom,
        })
    }
}

impl Detectors {
    /// Every built-in detector, minimum confidence `low`.
    pub fn new() -> Detectors {
        let custom = CustomSet::default();
        let enabled = vec![true; builtin::BUILTINS.len()];
        Detectors {
            bits: kit::Bits::new(&enabled),
            enabled,
            styles: styles(&custom),
            min_confidence: Confidence::Low,
            custom,
        }
    }

    pub fn builder() -> DetectorsBuilder {
        DetectorsBuilder::default()
    }

    pub fn min_confidence(&self) -> Confidence {
        self.min_confidence
    }

    /// Ids of the enabled detectors (built-in, then custom).
    pub fn ids(&self) -> Vec<&str> {
        builtin::BUILTINS
            .iter()
            .zip(&self.enabled)
            .filter(|(_, on)| **on)
            .map(|(d, _)| d.id)
            .chain(self.custom.dets.iter().map(|d| d.id.as_str()))
            .collect()
    }

    /// Scans `text` (any bytes; need not be UTF-8). Offsets in the findings
    /// are byte offsets into `text`, sorted by start.
    pub fn scan(&self, text: &[u8]) -> Vec<Finding> {
        // In blocks, each checked for a character to read as ASCII (a
        // no-break space, a full-width digit: [`fold`]), with the reach
        // after it, right before its keys are
        // evaluated: the check reads from cache what the scan reads next.
        // A text that holds one is folded whole and scanned again.
        let mut ends = engine::Ends::default();
        let mut cols = columns::Columns::of(text);
        let mut cands = Vec::new();
        let mut found = Vec::new();
        let (mut b, mut checked) = (0, 0);
        while b < text.len() {
            let e = b.saturating_add(SCAN_BLOCK).min(text.len());
            let reach = e.saturating_add(stream::KEEP_RIGHT).min(text.len());
            if fold::holds(text, checked, reach) {
                return self.scan_folding(text);
            }
            checked = reach;
            self.collect_into(text, b, e, &mut ends, &mut cands, cols.as_mut(), b == 0);
            found.extend(cands.iter().map(|c| self.finding(text, c, 0)));
            b = e;
        }
        found
    }

    /// [`scan`](Self::scan) of a text that holds characters to fold.
    #[cold]
    fn scan_folding(&self, text: &[u8]) -> Vec<Finding> {
        // `holds` found a character to fold, so `fold` folds; were it not
        // so, the text is scanned as it is (never nothing).
        let (folded, folds) =
            fold::fold(text).unwrap_or_else(|| (text.to_vec(), Default::default()));
        let mut ends = engine::Ends::default();
        let mut cols = columns::Columns::of(&folded);
        let mut cands = Vec::new();
        self.collect_into(
            &folded,
            0,
            folded.len(),
            &mut ends,
            &mut cands,
            cols.as_mut(),
            true,
        );
        cands
            .iter()
            .map(|c| {
                let mut f = self.finding(&folded, c, 0);
                (f.start, f.end) = folds.unfold(f.start, f.end);
                f
            })
            .collect()
    }

    /// A scanner for input that arrives in chunks (files of any size):
    /// memory stays bounded and matches across chunk boundaries are found.
    pub fn stream(&self) -> StreamScanner<'_> {
        StreamScanner::new(self, stream::SLICE)
    }

    /// [`stream`](Self::stream) with a smaller internal slice, so tests can
    /// exercise many cut points on small inputs.
    #[doc(hidden)]
    pub fn stream_with_slice(&self, slice: usize) -> StreamScanner<'_> {
        StreamScanner::new(self, slice)
    }

    /// Candidates keyed in `from..to`, filtered and resolved, into `out`
    /// (cleared first); `cols` is the text's table header, if any;
    /// `doc_start` says that `t[0]` is the document's first byte and
    /// `from` is 0 (a binary key store is recognised there, see [`keyfiles`]).
    #[allow(
        clippy::too_many_arguments,
        reason = "the scan's state, threaded through by its two callers; a struct would only rename it"
    )]
    pub(crate) fn collect_into(
        &self,
        t: &[u8],
        from: usize,
        to: usize,
        ends: &mut engine::Ends,
        out: &mut Vec<Cand>,
        cols: Option<&mut columns::Columns>,
        doc_start: bool,
    ) {
        out.clear();
        let mut sink = Sink {
            t,
            bits: self.bits,
            out,
            ctx: ctx::CtxCache::default(),
            cols,
            value_run: (0, 0),
        };
        if doc_start && from == 0 {
            keyfiles::at_start(&mut sink);
        }
        engine::collect(&mut sink, from, to);
        if !self.custom.is_empty() {
            self.custom.collect(t, from, to, out);
        }
        ends.defer(out, to, to >= t.len());
        engine::resolve(out, ends, self.min_confidence);
    }

    pub(crate) fn finding(&self, t: &[u8], c: &Cand, base: usize) -> Finding {
        let (detector, category) = self.describe(c.det);
        let value = t.get(c.start..c.end).unwrap_or_default();
        let style = self
            .styles
            .get(c.det as usize)
            .copied()
            .unwrap_or(mask::Style::General);
        Finding {
            detector,
            category,
            confidence: c.conf,
            start: base + c.start,
            end: base + c.end,
            masked: mask::masked(style, value),
        }
    }

    fn describe(&self, det: u32) -> (Cow<'static, str>, Category) {
        let i = det as usize;
        if let Some(d) = builtin::BUILTINS.get(i) {
            return (Cow::Borrowed(d.id), d.category);
        }
        let (id, cat) = self.name(det);
        (Cow::Owned(id.to_string()), cat)
    }

    /// Id and category of detector index `det` (built-ins, then custom).
    pub(crate) fn name(&self, det: u32) -> (&str, Category) {
        let i = det as usize;
        if let Some(d) = builtin::BUILTINS.get(i) {
            return (d.id, d.category);
        }
        match self.custom.dets.get(i - builtin::BUILTINS.len()) {
            Some(d) => (d.id.as_str(), d.category),
            None => ("unknown", Category::Confidential),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn detectors_are_send_and_sync() {
        assert_send_sync::<Detectors>();
        assert_send_sync::<StreamScanner<'static>>();
    }

    #[test]
    fn builder_filters() {
        let d = Detectors::builder().only_ids(["email"]).build().unwrap();
        assert_eq!(d.ids(), vec!["email"]);
        let f = d.scan(b"a@b.org 4111 1111 1111 1111");
        assert_eq!(f.len(), 1);
        assert!(matches!(
            Detectors::builder().only_ids(["nope"]).build(),
            Err(BuildError::UnknownDetector(_))
        ));
        let d = Detectors::builder()
            .categories([Category::Pci])
            .build()
            .unwrap();
        assert!(d.ids().contains(&"credit_card") && !d.ids().contains(&"email"));
    }
}
