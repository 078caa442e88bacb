//! The segment log through its public API, and the record's JSON shape
//! against a segment written by the server before this crate existed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use cordon_record::{
    Incident, IncidentBuilder, Reader, Segments, append_json, lock_dir, recover, segment_path,
};
use serde_json::{Value, json};

fn write_segment(dir: &Path, start: u64, records: &[Value]) -> u64 {
    let mut buf = Vec::new();
    for r in records {
        append_json(&mut buf, r).unwrap();
    }
    std::fs::write(segment_path(dir, start), &buf).unwrap();
    buf.len() as u64
}

fn rec(n: usize) -> Value {
    json!({ "n": n })
}

/// Everything from `pos` to `until` in batches of `max` records.
fn read(r: &mut Reader, until: u64, max: usize, max_bytes: u64) -> Vec<Value> {
    let mut out = Vec::new();
    r.read(until, max, max_bytes, |_, p| {
        out.push(serde_json::from_slice(p).unwrap())
    });
    out
}

#[test]
fn records_round_trip_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let a: Vec<_> = (0..10).map(rec).collect();
    let b: Vec<_> = (10..25).map(rec).collect();
    let la = write_segment(dir.path(), 0, &a);
    let lb = write_segment(dir.path(), la, &b);
    let segs = Arc::new(Segments::new(dir.path(), vec![0, la]));
    let mut r = Reader::new(segs, 0);
    let first = read(&mut r, la + lb, 7, u64::MAX);
    let p = r.position();
    let rest = read(&mut r, la + lb, 100, u64::MAX);
    assert_eq!(r.position(), la + lb);
    assert_eq!([first, rest].concat(), [a, b].concat());
    assert!(p < la + lb);
    assert!(
        read(&mut r, la + lb, 100, u64::MAX).is_empty(),
        "nothing more"
    );
    // Positions name records: reading again from one gives the same.
    let mut positions = Vec::new();
    r.seek(0);
    r.read(la + lb, 100, u64::MAX, |pos, _| positions.push(pos));
    r.seek(positions[12]);
    assert_eq!(read(&mut r, la + lb, 1, u64::MAX), [rec(12)]);
}

#[test]
fn a_torn_tail_is_cut_off_and_reading_resumes_at_the_position() {
    let dir = tempfile::tempdir().unwrap();
    let all: Vec<_> = (0..5).map(rec).collect();
    let len = write_segment(dir.path(), 0, &all);
    // A crash in the middle of the next record's write.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(segment_path(dir.path(), 0))
        .unwrap();
    let mut torn = Vec::new();
    append_json(&mut torn, &rec(99)).unwrap();
    f.write_all(&torn[..torn.len() / 2]).unwrap();
    drop(f);
    let mut one = Vec::new();
    append_json(&mut one, &all[0]).unwrap();
    let r = recover(dir.path(), Some(one.len() as u64)).unwrap();
    assert_eq!(
        (r.loaded, r.end, r.current_start),
        (one.len() as u64, len, 0)
    );
    let size = std::fs::metadata(segment_path(dir.path(), 0))
        .unwrap()
        .len();
    assert_eq!(size, len);
    let mut reader = Reader::new(Arc::new(Segments::new(dir.path(), r.segments)), r.loaded);
    assert_eq!(read(&mut reader, r.end, 100, u64::MAX), all[1..]);
}

#[test]
fn consumed_segments_are_deleted_on_recovery_and_the_log_continues() {
    let dir = tempfile::tempdir().unwrap();
    let la = write_segment(dir.path(), 0, &[rec(1)]);
    let lb = write_segment(dir.path(), la, &[rec(2)]);
    let r = recover(dir.path(), Some(la + lb)).unwrap();
    assert_eq!(r.segments, vec![la]);
    assert_eq!((r.loaded, r.end, r.current_start), (la + lb, la + lb, la));
    assert!(!segment_path(dir.path(), 0).exists());
    // Never consumed: everything pending from the first segment on.
    let dir = tempfile::tempdir().unwrap();
    let la = write_segment(dir.path(), 500, &[rec(1)]);
    let r = recover(dir.path(), None).unwrap();
    assert_eq!((r.loaded, r.end), (500, 500 + la));
    // The consumer is ahead of a removed log: continue after it.
    let dir = tempfile::tempdir().unwrap();
    let r = recover(dir.path(), Some(4242)).unwrap();
    assert_eq!((r.loaded, r.end, r.current_start), (4242, 4242, 4242));
    // Deleting while running keeps the segment being read and the last.
    let dir = tempfile::tempdir().unwrap();
    let la = write_segment(dir.path(), 0, &[rec(1)]);
    let lb = write_segment(dir.path(), la, &[rec(2)]);
    let segs = Segments::new(dir.path(), vec![0, la, la + lb]);
    segs.delete_consumed(la);
    assert_eq!(segs.starts(), [la, la + lb]);
    segs.delete_consumed(u64::MAX);
    assert_eq!(segs.starts(), [la + lb]);
}

#[test]
fn corrupt_bytes_are_skipped_and_counted_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let la = write_segment(dir.path(), 0, &[rec(1), rec(2)]);
    let lb = write_segment(dir.path(), la, &[rec(3)]);
    let path = segment_path(dir.path(), 0);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[8 + 3] ^= 0xff; // the first record's payload
    std::fs::write(&path, bytes).unwrap();
    let mut r = Reader::new(Arc::new(Segments::new(dir.path(), vec![0, la])), 0);
    assert_eq!(read(&mut r, la + lb, 100, u64::MAX), [rec(3)]);
    assert_eq!(r.position(), la + lb);
    assert_eq!(r.skipped_bytes(), la, "the damaged segment is given up");
}

/// Issue #10 item 7: batches are bounded by bytes as well as count, so
/// 900 KB records cannot fill memory ten thousand at a time; a record
/// larger than the bound still goes, alone, and its buffer is released.
#[test]
fn batches_are_bounded_by_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let all: Vec<_> = (0..10)
        .map(|n| json!({"n": n, "d": "x".repeat(100_000)}))
        .collect();
    let len = write_segment(dir.path(), 0, &all);
    let segs = Arc::new(Segments::new(dir.path(), vec![0]));
    let mut r = Reader::new(segs.clone(), 0);
    let mut batches = Vec::new();
    while r.position() < len {
        batches.push(read(&mut r, len, 10_000, 250_000).len());
    }
    assert_eq!(batches, [3, 3, 3, 1]);
    let mut r = Reader::new(segs, 0);
    assert_eq!(read(&mut r, len, 10_000, 10), all[..1]);
    let big = json!({"d": "y".repeat(3 << 20)});
    let lb = write_segment(dir.path(), len, std::slice::from_ref(&big));
    let mut r = Reader::new(Arc::new(Segments::new(dir.path(), vec![0, len])), len);
    assert_eq!(read(&mut r, len + lb, 10, u64::MAX), [big]);
    assert!(r.buffer_capacity() <= 1 << 20, "{}", r.buffer_capacity());
}

#[test]
fn one_writer_per_directory() {
    let dir = tempfile::tempdir().unwrap();
    let first = lock_dir(dir.path()).unwrap();
    let err = lock_dir(dir.path()).unwrap_err();
    assert!(matches!(err, cordon_record::LogError::Locked(_)), "{err}");
    drop(first);
    lock_dir(dir.path()).unwrap();
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A segment the server wrote before this crate existed (`cordon serve`
/// with the test policy: a download of content with a card number and an
/// e-mail address, two violations; an e-mail of PHI, an exception): its
/// records read as typed incidents, and the builder writes the same JSON
/// for the same decision.
#[test]
fn segments_written_before_this_crate_read_as_records() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("segment-v0.log"), segment_path(dir.path(), 0)).unwrap();
    let r = recover(dir.path(), None).unwrap();
    assert_eq!(
        r.end,
        std::fs::metadata(fixture("segment-v0.log")).unwrap().len()
    );
    let mut reader = Reader::new(Arc::new(Segments::new(dir.path(), r.segments)), 0);
    let mut raw = Vec::new();
    reader.read(r.end, 100, u64::MAX, |_, p| raw.push(p.to_vec()));
    assert_eq!(raw.len(), 3);
    let incidents: Vec<Incident> = raw
        .iter()
        .map(|p| serde_json::from_slice(p).unwrap())
        .collect();
    use cordon_policy::model::{Mode, Verdict};
    let i = &incidents[1];
    assert_eq!(
        (i.rule_id.as_str(), i.mode, i.decision),
        ("pci-download", Mode::Enforce, Verdict::Deny)
    );
    assert_eq!(i.details.findings.len(), 2);
    assert_eq!(i.details.findings[0].masked, "4111 **** **** 1111");
    assert_eq!(i.details.action_taken, cordon_record::ActionTaken::Blocked);
    assert!(i.details.incomplete.is_empty());
    let e = &incidents[2];
    assert_eq!(e.decision, Verdict::Exception);
    let keys = &e.details.exception.as_ref().unwrap().keys;
    assert_eq!(keys.len(), 1);
    // Typed and back: the same JSON as written (as values: key order of
    // the old findings objects was alphabetical).
    for (p, i) in raw.iter().zip(&incidents) {
        let old: Value = serde_json::from_slice(p).unwrap();
        assert_eq!(serde_json::to_value(i).unwrap(), old);
    }
    // The builder, given the same event and decision, writes that JSON.
    let first = &incidents[0];
    let decision = cordon_policy::model::Decision {
        decision: first.decision,
        violations: vec![incidents[0].details.violation.clone(), incidents[1].details.violation.clone()],
        actions: [&incidents[0], &incidents[1]].iter().flat_map(|i| i.details.actions.clone()).collect(),
        message: first.details.message.clone(),
        trace: [&incidents[0], &incidents[1]].iter().flat_map(|i| i.details.trace.clone()).collect(),
        ..serde_json::from_value(json!({"decision": "deny", "determinedBy": [], "violations": [], "actions": [], "trace": []})).unwrap()
    };
    let versions = vec![(first.policy_id.clone(), first.policy_version)];
    let views = IncidentBuilder::new(
        &first.details.event,
        &decision,
        &first.request_id,
        first.created_at,
    )
    .findings(&first.details.findings)
    .policies(&versions, first.details.policy_generation)
    .build();
    assert_eq!(views.len(), 2);
    for (v, p) in views.iter().zip(&raw) {
        let old: Value = serde_json::from_slice(p).unwrap();
        assert_eq!(serde_json::to_value(v).unwrap(), old);
    }
}

/// What a builder writes with the new `incomplete` parts reads back as
/// the owned record, field for field.
#[test]
fn views_and_records_have_one_shape() {
    let event: cordon_policy::model::Event = serde_json::from_value(json!({
        "action": "download",
        "user": {"email": "m@corp.com"},
        "file": {"path": "/a.zip", "classification": {"categories": ["PCI"]}},
    }))
    .unwrap();
    let decision: cordon_policy::model::Decision = serde_json::from_value(json!({
        "decision": "deny",
        "determinedBy": [],
        "actions": [],
        "trace": [],
        "violations": [{"rule": "r", "kind": "expression", "mode": "enforce", "enforced": true, "verdict": "deny"}],
    }))
    .unwrap();
    let incomplete = [cordon_record::IncompletePart {
        location: "/a.zip!/secret.xlsx".into(),
        reason: "encrypted".into(),
    }];
    let views = IncidentBuilder::new(&event, &decision, "req-1", 7)
        .incomplete(&incomplete)
        .build();
    let text = serde_json::to_string(&views[0]).unwrap();
    let back: Incident = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
    assert_eq!(back.username, "m@corp.com");
    assert_eq!(back.details.incomplete, incomplete);
    assert_eq!((back.policy_id.as_str(), back.policy_version), ("", 0));
}
