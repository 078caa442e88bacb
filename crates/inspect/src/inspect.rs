//! One file in, one [`FileReport`] out: extraction, detection and
//! classification glued together.
//!
//! Every member's text is streamed through the detectors in fixed-size
//! chunks, so memory stays bounded whatever the file size. Large plain
//! files are split into segments scanned on several threads; each segment
//! is read with an overlap so a match straddling a segment boundary is
//! found by exactly one segment.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::SystemTime;

use cordon_detect::{Detectors, Finding, StreamScanner};
use cordon_extract::{ExtractReport, Extractor, Format, Input, Limits, Location, Member, TextKind};

use crate::report::{FileReport, Member as MemberReport, Problem, ReportFinding};
use crate::walk::Target;

/// Leading bytes read to decide whether a large file is plain text.
const SNIFF_LEN: usize = 8192;

/// Bytes handed to the detectors at a time.
const CHUNK: usize = 256 * 1024;

/// Bytes read before and after each segment of a file split across
/// threads. Far more than the longest match plus the detectors' context
/// window (a few KiB); a test checks split and whole scans agree.
const OVERLAP: u64 = 64 * 1024;
/// Bytes of a file read for its table header when a segment is scanned
/// apart (`cordon_detect::StreamScanner::starts_at`).
const HEADER: usize = 4096;

/// How much recent text `--show-values` keeps to slice values from. The
/// stream scanner reports a finding at most about one of its slices (1 MiB)
/// after the bytes arrived.
const VALUE_WINDOW: usize = 4 << 20;

/// How to inspect.
#[derive(Debug, Clone)]
pub struct InspectOptions {
    pub limits: Limits,
    /// Put full values in findings (`--show-values`). Off by default.
    pub show_values: bool,
    /// Threads a single large plain file may be split across.
    pub threads_per_file: usize,
    /// Plain files at least this large are split across threads.
    pub parallel_min_bytes: u64,
    /// Findings listed per file; more are counted in the classification
    /// and reported as `findings_omitted`, so memory stays bounded.
    pub max_findings_per_file: usize,
    /// Read text in images with this OCR engine (`--ocr`). Off by default.
    pub ocr: Option<cordon_extract::Ocr>,
}

impl Default for InspectOptions {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            show_values: false,
            threads_per_file: 1,
            parallel_min_bytes: 64 << 20,
            max_findings_per_file: 10_000,
            ocr: None,
        }
    }
}

/// Extraction plus detection. Shareable across threads.
pub struct Inspector {
    detectors: Detectors,
    extractor: Extractor,
    opts: InspectOptions,
}

impl Inspector {
    pub fn new(detectors: Detectors, opts: InspectOptions) -> Self {
        Self {
            detectors,
            extractor: Extractor::new(opts.limits.clone()).with_ocr(opts.ocr.clone()),
            opts,
        }
    }

    pub fn detectors(&self) -> &Detectors {
        &self.detectors
    }

    fn cap(&self) -> usize {
        self.opts.max_findings_per_file
    }

    /// Inspects one walk target.
    pub fn inspect_target(&self, target: Target) -> FileReport {
        match target {
            Target::File { path, display } => self.inspect_path(&path, &display),
            Target::Stdin => {
                let stdin = io::stdin();
                let mut lock = stdin.lock();
                self.inspect_reader("-", &mut lock)
            }
            Target::Skip { display, reason } => failed(&display, reason, "not_read"),
            Target::Link { display } => failed(
                &display,
                "symbolic link not followed (use --follow)".into(),
                LINK_NOT_FOLLOWED,
            ),
        }
    }

    /// Inspects the file at `path`, naming it `display` in the report.
    pub fn inspect_path(&self, path: &Path, display: &str) -> FileReport {
        let before = stamp(path);
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => return failed(display, io_message(&e), "io_error"),
        };
        let mut report = match self.parallel_plain(&file, display) {
            Some(r) => r,
            None => self.run(display, Input::File(file)),
        };
        if report.size.is_none() {
            report.size = before.map(|(len, _)| len);
        }
        if before.is_some() && stamp(path) != before {
            report.incomplete.push(Problem {
                location: display.to_string(),
                message: "file changed while it was read; findings may be incomplete".into(),
                code: "changed_while_read".into(),
            });
        }
        report.finalize();
        report
    }

    /// Inspects a stream (standard input, an HTTP body).
    pub fn inspect_reader(&self, name: &str, reader: &mut dyn Read) -> FileReport {
        let mut r = self.run(name, Input::Reader(reader));
        r.finalize();
        r
    }

    /// Inspects bytes in memory.
    pub fn inspect_bytes(&self, name: &str, bytes: &[u8]) -> FileReport {
        let mut r = self.run(name, Input::Bytes(bytes));
        r.size = Some(bytes.len() as u64);
        r.finalize();
        r
    }

    fn run(&self, name: &str, input: Input<'_>) -> FileReport {
        let mut report = FileReport {
            path: name.to_string(),
            ..FileReport::default()
        };
        let mut buf = vec![0u8; CHUNK];
        let result = self.extractor.extract(name, input, &mut |m: Member<'_>| {
            self.scan_member(&mut buf, m, &mut report);
            Ok::<(), std::convert::Infallible>(())
        });
        match result {
            Ok(ex) => merge_extract_report(&mut report, name, &ex),
            Err(never) => match never {},
        }
        report
    }

    /// Streams one member's text through the detectors.
    fn scan_member(&self, buf: &mut [u8], m: Member<'_>, report: &mut FileReport) {
        let location = m.location.to_string();
        if !m.location.is_root() {
            report.members.push(MemberReport {
                location: location.clone(),
                file_type: m.file_type.name.to_string(),
            });
        }
        let mut scanner = self.detectors.stream();
        let mut window = Window::new(self.opts.show_values);
        let place = Place::Member {
            map: m.map,
            bytes: matches!(m.kind, TextKind::Original | TextKind::Raw),
        };
        // One vector for the findings of every chunk.
        let mut found = Vec::new();
        loop {
            let n = match m.text.read(buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // The extractor lists read errors and limits in its report;
                // what was read so far has been scanned.
                Err(_) => break,
            };
            let data = buf.get(..n).unwrap_or_default();
            window.push(data);
            scanner.feed_into(data, &mut found);
            push_findings(report, &mut found, &location, place, &window, self.cap());
            if let Some(map) = m.map {
                // Text before the scanner's buffer is never reported again.
                let held = scanner.position() - scanner.buffered();
                map.forget_before(held.saturating_sub(4096) as u64);
            }
            if report.findings.len() >= self.cap() {
                // The list is full: from here on only counts are kept.
                scanner.count_only(0..usize::MAX);
            }
        }
        scanner.finish_into(&mut found);
        push_findings(report, &mut found, &location, place, &window, self.cap());
        add_tally(report, &scanner);
    }

    /// Splits a large plain-text (or unknown binary) file across threads.
    /// Returns `None` when the file is not a candidate.
    fn parallel_plain(&self, file: &File, display: &str) -> Option<FileReport> {
        let threads = self.opts.threads_per_file;
        let len = file.metadata().ok()?.len();
        if threads < 2 || len < self.opts.parallel_min_bytes {
            return None;
        }
        let mut head = vec![0u8; SNIFF_LEN];
        let n = file.read_at(&mut head, 0).ok()?;
        head.truncate(n);
        let sniffed = cordon_extract::sniff(&head, false);
        let mut src: &[u8] = &head;
        let file_type = cordon_filetype::identify(&mut src).ok()?;
        // Only what the extractor would stream as is: text, or unknown
        // binary content scanned raw. Media, archives and documents go
        // through the extractor (which skips media and reports archives it
        // cannot open).
        if !matches!(
            file_type.kind,
            cordon_filetype::Kind::Text | cordon_filetype::Kind::Other
        ) {
            return None;
        }
        let original = matches!(sniffed.format, Format::Text | Format::Binary)
            && sniffed.charset == cordon_extract::Charset::Utf8;
        if !original {
            return None;
        }
        let seg_len = len.div_ceil(threads as u64).max(OVERLAP * 4);
        let segments: Vec<(u64, u64)> = (0..len)
            .step_by(usize::try_from(seg_len).ok()?)
            .map(|s| (s, (s + seg_len).min(len)))
            .collect();
        let results: Vec<io::Result<FileReport>> = std::thread::scope(|s| {
            let handles: Vec<_> = segments
                .iter()
                .map(|&(start, end)| {
                    s.spawn(move || self.scan_segment(file, display, start, end, len))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(io::Error::other("segment scanner failed")))
                })
                .collect()
        });
        let mut report = FileReport {
            path: display.to_string(),
            file_type: file_type.name.to_string(),
            file_type_id: format!("0x{}", file_type.hex_id()),
            size: Some(len),
            ..FileReport::default()
        };
        for r in results {
            match r {
                Ok(part) => report.absorb(part, self.cap()),
                Err(e) => report.errors.push(Problem {
                    location: display.to_string(),
                    message: io_message(&e),
                    code: "io_error".into(),
                }),
            }
        }
        Some(report)
    }

    /// Scans `[start, end)` of `file`, reading `OVERLAP` bytes either side,
    /// and keeps the findings that start inside the segment.
    fn scan_segment(
        &self,
        file: &File,
        display: &str,
        start: u64,
        end: u64,
        len: u64,
    ) -> io::Result<FileReport> {
        let from = start.saturating_sub(OVERLAP);
        let to = end.saturating_add(OVERLAP).min(len);
        let mut part = FileReport::default();
        let mut scanner = self.detectors.stream();
        let mut buf = vec![0u8; CHUNK];
        if from > 0 {
            // The file's first line may be a table header whose words are
            // the context of the values below it, in every segment.
            let head = buf.get_mut(..HEADER.min(CHUNK)).unwrap_or_default();
            let n = file.read_at(head, 0)?;
            let offset = usize::try_from(from).unwrap_or(usize::MAX);
            scanner.starts_at(offset, head.get(..n).unwrap_or_default());
        }
        let mut window = Window::new(self.opts.show_values);
        let mut pos = from;
        let keep = |part: &mut FileReport, found: &mut Vec<Finding>, window: &Window| {
            found.retain(|f| (start..end).contains(&(from + f.start as u64)));
            push_findings(part, found, display, Place::Base(from), window, self.cap());
        };
        // One vector for the findings of every chunk.
        let mut found = Vec::new();
        while pos < to {
            let want = usize::try_from(to - pos).map_or(CHUNK, |w| w.min(CHUNK));
            let chunk = buf.get_mut(..want).unwrap_or_default();
            let n = file.read_at(chunk, pos)?;
            if n == 0 {
                break;
            }
            let data = chunk.get(..n).unwrap_or_default();
            window.push(data);
            scanner.feed_into(data, &mut found);
            keep(&mut part, &mut found, &window);
            if part.findings.len() >= self.cap() {
                // The list is full: from here on only counts are kept, of
                // the findings that start in this segment.
                let lo = usize::try_from(start - from).unwrap_or(usize::MAX);
                let hi = usize::try_from(end - from).unwrap_or(usize::MAX);
                scanner.count_only(lo..hi);
            }
            pos += n as u64;
        }
        scanner.finish_into(&mut found);
        keep(&mut part, &mut found, &window);
        add_tally(&mut part, &scanner);
        Ok(part)
    }
}

/// Counts what a scanner in count-only mode tallied as omitted findings.
fn add_tally(report: &mut FileReport, scanner: &StreamScanner<'_>) {
    for (detector, category, confidence, n) in scanner.tally() {
        report.add_omitted_n(detector, category, confidence, n);
    }
}

/// How a stream's offsets become the member's.
#[derive(Clone, Copy)]
enum Place<'a> {
    /// The stream is the member's own bytes from this offset on (a
    /// segment of a split plain file; 0 for the whole).
    Base(u64),
    /// A member's text: its own bytes (`bytes`), or extracted text,
    /// placed in the member's bytes through the extractor's map where
    /// there is one (HTML, XML), else left as offsets in the text.
    Member {
        map: Option<&'a cordon_extract::SourceMap>,
        bytes: bool,
    },
}

impl<'a> Place<'a> {
    /// The span in the member, whether it is a span of its bytes, and the
    /// enclosing member it is in when the map places it there (a mail's
    /// body in the `.eml` or mbox file).
    fn span(self, start: u64, end: u64) -> (u64, u64, bool, Option<&'a Location>) {
        match self {
            Place::Base(base) => (base + start, base + end, true, None),
            Place::Member { map: Some(map), .. } => match map.span(start, end) {
                Some((s, e)) => (s, e, true, map.location()),
                None => (start, end, false, None),
            },
            Place::Member { map: None, bytes } => (start, end, bytes, None),
        }
    }
}

/// Moves the findings of one stream into the report, leaving `found`
/// empty (and its allocation for the next chunk); `place` says where the
/// stream's offsets are in the member.
fn push_findings(
    report: &mut FileReport,
    found: &mut Vec<Finding>,
    location: &str,
    place: Place<'_>,
    window: &Window,
    cap: usize,
) {
    for f in found.drain(..) {
        if report.findings.len() >= cap {
            // Past the listing cap only the counts are kept: building the
            // listed form (location, value) would be wasted.
            report.add_omitted(&f.detector, f.category, f.confidence);
            continue;
        }
        let (start, end) = (f.start as u64, f.end as u64);
        let value = window.value(start, end);
        let (start, end, in_bytes, placed) = place.span(start, end);
        let f = ReportFinding {
            value,
            detector: f.detector.into_owned(),
            category: f.category,
            confidence: f.confidence,
            start,
            end,
            in_bytes,
            location: placed.map_or_else(|| location.to_string(), ToString::to_string),
            masked: f.masked.into_string(),
        };
        report.add_finding(f, cap);
    }
}

/// Recent text of a stream, kept only for `--show-values` so a value can
/// be sliced out after the detectors report it.
struct Window {
    on: bool,
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    base: u64,
}

impl Window {
    fn new(on: bool) -> Self {
        Self {
            on,
            buf: Vec::new(),
            base: 0,
        }
    }

    fn push(&mut self, data: &[u8]) {
        if !self.on {
            return;
        }
        self.buf.extend_from_slice(data);
        if self.buf.len() > 2 * VALUE_WINDOW {
            let drop = self.buf.len() - VALUE_WINDOW;
            self.buf.drain(..drop);
            self.base += drop as u64;
        }
    }

    fn value(&self, start: u64, end: u64) -> Option<String> {
        if !self.on {
            return None;
        }
        let s = usize::try_from(start.checked_sub(self.base)?).ok()?;
        let e = usize::try_from(end.checked_sub(self.base)?).ok()?;
        Some(String::from_utf8_lossy(self.buf.get(s..e)?).into_owned())
    }
}

fn merge_extract_report(report: &mut FileReport, name: &str, ex: &ExtractReport) {
    if let Some(t) = ex.types.first() {
        report.file_type = t.file_type.name.to_string();
        report.file_type_id = format!("0x{}", t.file_type.hex_id());
    }
    for inc in &ex.incomplete {
        let problem = Problem {
            location: inc.location.to_string(),
            message: inc.reason.to_string(),
            code: inc.reason.code().into(),
        };
        if inc.reason.is_limit() || inc.location.to_string() != name {
            report.incomplete.push(problem);
        } else {
            report.errors.push(problem);
        }
    }
}

/// A report for something that could not be read at all, with the
/// problem's `code` (see [`Problem::code`]).
/// The problem code of a symbolic link left alone by design (walking
/// without `--follow`): reported, but not an error.
pub const LINK_NOT_FOLLOWED: &str = "link_not_followed";

impl FileReport {
    /// A symbolic link the walk left alone, and nothing else.
    pub fn is_link_not_followed(&self) -> bool {
        !self.errors.is_empty() && self.errors.iter().all(|p| p.code == LINK_NOT_FOLLOWED)
    }
}

pub fn failed(display: &str, message: String, code: &str) -> FileReport {
    let mut r = FileReport {
        path: display.to_string(),
        file_type: "unknown".into(),
        errors: vec![Problem {
            location: display.to_string(),
            message,
            code: code.to_owned(),
        }],
        ..FileReport::default()
    };
    r.finalize();
    r
}

/// Size and modification time: if either moves during the scan, the file
/// changed while it was read.
fn stamp(path: &Path) -> Option<(u64, Option<SystemTime>)> {
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.len(), m.modified().ok()))
}

fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn luhn_card(seed: u64) -> String {
        let mut digits: Vec<u32> = vec![4];
        let mut x = seed;
        while digits.len() < 15 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            digits.push(((x >> 33) % 10) as u32);
        }
        let sum: u32 = digits
            .iter()
            .rev()
            .enumerate()
            .map(|(i, &d)| {
                if i % 2 == 0 {
                    let d2 = d * 2;
                    if d2 > 9 { d2 - 9 } else { d2 }
                } else {
                    d
                }
            })
            .sum();
        digits.push((10 - sum % 10) % 10);
        digits
            .iter()
            .map(|d| char::from_digit(*d, 10).unwrap())
            .collect()
    }

    /// A file big enough to be split, with values placed right across the
    /// segment boundaries and the chunk boundaries.
    fn big_text() -> Vec<u8> {
        let filler = "The quarterly review covers logistics, hiring and the new office. ";
        let mut text = Vec::new();
        let mut i = 0u64;
        while text.len() < 3 << 20 {
            text.extend_from_slice(filler.as_bytes());
            if text.len() % 7919 < filler.len() {
                // Every other card in groups joined by no-break spaces:
                // the detectors read them as spaces and place the finding
                // at the file's bytes, in every segment.
                let card = luhn_card(i);
                let card = if i % 2 == 1 {
                    card.as_bytes()
                        .chunks(4)
                        .map(|g| std::str::from_utf8(g).unwrap())
                        .collect::<Vec<_>>()
                        .join("\u{a0}")
                } else {
                    card
                };
                text.extend_from_slice(
                    format!("card number {card} and mail a.b{i}@example.com. ").as_bytes(),
                );
                i += 1;
            }
        }
        text
    }

    fn key(r: &FileReport) -> Vec<(String, u64, u64, String)> {
        let mut v: Vec<_> = r
            .findings
            .iter()
            .map(|f| (f.detector.clone(), f.start, f.end, f.confidence.to_string()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn split_scan_equals_whole_scan() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        std::fs::write(&path, big_text()).unwrap();
        let whole = Inspector::new(Detectors::new(), InspectOptions::default());
        let expected = whole.inspect_path(&path, "big.txt");
        assert!(expected.findings.len() > 300, "{}", expected.findings.len());
        for threads in [2, 3, 7] {
            let split = Inspector::new(
                Detectors::new(),
                InspectOptions {
                    threads_per_file: threads,
                    parallel_min_bytes: 1 << 20,
                    ..InspectOptions::default()
                },
            );
            let got = split.inspect_path(&path, "big.txt");
            assert_eq!(key(&got), key(&expected), "threads={threads}");
            assert_eq!(got.file_type, expected.file_type);
            assert!(got.complete);
        }
    }

    #[test]
    fn findings_past_the_cap_are_counted_not_listed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        std::fs::write(&path, big_text()).unwrap();
        let full = Inspector::new(Detectors::new(), InspectOptions::default())
            .inspect_path(&path, "big.txt");
        let total = full.findings.len() as u64;
        assert_eq!(full.findings_omitted, 0);
        for threads in [1, 3] {
            let capped = Inspector::new(
                Detectors::new(),
                InspectOptions {
                    max_findings_per_file: 25,
                    threads_per_file: threads,
                    parallel_min_bytes: 1 << 20,
                    ..InspectOptions::default()
                },
            )
            .inspect_path(&path, "big.txt");
            assert_eq!(capped.findings.len(), 25, "threads={threads}");
            assert_eq!(capped.findings_omitted, total - 25, "threads={threads}");
            assert_eq!(
                capped.classification, full.classification,
                "threads={threads}"
            );
            assert_eq!(
                capped.findings[..],
                full.findings[..25],
                "threads={threads}"
            );
        }
    }

    #[test]
    fn show_values_slices_the_value_from_the_stream() {
        let text = big_text();
        let shown = Inspector::new(
            Detectors::new(),
            InspectOptions {
                show_values: true,
                ..InspectOptions::default()
            },
        )
        .inspect_bytes("big.txt", &text);
        assert!(!shown.findings.is_empty());
        // The cards in groups joined by no-break spaces are found, and
        // their values are the file's bytes.
        assert!(
            shown
                .findings
                .iter()
                .any(|f| f.detector == "credit_card"
                    && f.value.as_deref().unwrap().contains('\u{a0}'))
        );
        for f in &shown.findings {
            let value = f.value.as_deref().unwrap();
            assert_eq!(value.as_bytes(), &text[f.start as usize..f.end as usize]);
        }
        let hidden = Inspector::new(Detectors::new(), InspectOptions::default())
            .inspect_bytes("big.txt", &text);
        assert!(hidden.findings.iter().all(|f| f.value.is_none()));
    }

    /// A no-break space decoded from an entity reaches the detectors as
    /// the character; they read it as a space, and the finding is placed
    /// at the file's bytes through both maps (the fold, the markup's).
    #[test]
    fn an_html_number_in_groups_of_nbsp_is_placed_in_the_file() {
        let page =
            "<html><body><p>T\u{e9}l.&nbsp;: 01&nbsp;21&nbsp;26\u{a0}29&#8239;56</p></body></html>";
        let r = Inspector::new(Detectors::new(), InspectOptions::default())
            .inspect_bytes("a.html", page.as_bytes());
        let f = r.findings.iter().find(|f| f.detector == "phone").unwrap();
        assert!(f.in_bytes);
        assert_eq!(
            &page[f.start as usize..f.end as usize],
            "01&nbsp;21&nbsp;26\u{a0}29&#8239;56"
        );
    }

    /// A mail's headers and its bodies written with no transfer encoding
    /// are stretches of the file: their findings are placed at the file's
    /// bytes, in an mbox's later messages too. A base64 body is not: its
    /// findings stay in the decoded part.
    #[test]
    fn findings_of_a_mail_are_placed_in_the_mbox() {
        let mbox = "From MAILER-DAEMON Mon May 16 01:04:15 2024\n\
            Received: from [203.0.113.77] by smtp.example.org with ESMTPSA\n\
            From: Carlos Garcia <carlos73@outlook.example>\n\
            To: =?UTF-8?B?SsO8cmdlbg==?= <j.h@example.org>, \"Ann\" <ann@example.net>\n\
            Subject: Update bank details\n\
            MIME-Version: 1.0\n\
            Content-Type: text/plain; charset=UTF-8\n\
            Content-Transfer-Encoding: 8bit\n\
            \n\
            Caf\u{e9} card 4111 1111 1111 1111, SSN 536-22-8726.\n\
            \n\
            From MAILER-DAEMON Tue May 17 01:04:15 2024\n\
            From: B <b@example.com>\n\
            MIME-Version: 1.0\n\
            Content-Type: text/plain; charset=UTF-8\n\
            Content-Transfer-Encoding: base64\n\
            \n\
            U1NOIDUzNi0yMi04NzI2Cg==\n";
        let r = Inspector::new(Detectors::new(), InspectOptions::default())
            .inspect_bytes("box.mbox", mbox.as_bytes());
        let placed: Vec<(&str, &str)> = r
            .findings
            .iter()
            .filter(|f| f.location == "box.mbox")
            .map(|f| {
                assert!(f.in_bytes);
                (f.detector.as_str(), &mbox[f.start as usize..f.end as usize])
            })
            .collect();
        for want in [
            ("ipv4", "203.0.113.77"),
            ("email", "carlos73@outlook.example"),
            ("email", "j.h@example.org"),
            ("email", "ann@example.net"),
            ("email", "b@example.com"),
            ("credit_card", "4111 1111 1111 1111"),
            ("us_ssn", "536-22-8726"),
        ] {
            assert!(placed.contains(&want), "{want:?} not in {placed:?}");
        }
        // The base64 body's SSN is in its decoded part.
        assert!(r.findings.iter().any(|f| f.detector == "us_ssn"
            && f.location == "box.mbox!/message2.eml!/part0.txt"
            && f.start == 4));
    }

    #[test]
    fn unreadable_and_skipped_targets_are_errors_not_clean() {
        let ins = Inspector::new(Detectors::new(), InspectOptions::default());
        let r = ins.inspect_target(Target::Skip {
            display: "pipe".into(),
            reason: "named pipe (FIFO), not scanned".into(),
        });
        assert!(!r.complete);
        assert_eq!(r.errors[0].message, "named pipe (FIFO), not scanned");
        assert_eq!(r.errors[0].code, "not_read");
        let r = ins.inspect_path(Path::new("/nonexistent/file"), "file");
        assert!(!r.complete);
        assert_eq!(r.errors[0].code, "io_error");
    }
}
