//! Scanning many targets on many threads, with results delivered in walk
//! order.
//!
//! One thread walks and hands out numbered targets through a bounded
//! channel (so a huge tree is never held in memory); `threads` workers
//! inspect them; the caller's thread receives reports and re-orders them
//! with a small buffer keyed by sequence number, so output is the same with
//! one thread or many.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::bounded;

use crate::walk::{Target, WalkOptions, walk};

/// Runs `inspect` on every target under `paths` using `threads` workers and
/// calls `sink` with each result in walk order. `sink` returns false to stop
/// the scan early.
pub fn run_ordered<R, I, S>(
    paths: &[PathBuf],
    walk_opts: &WalkOptions,
    threads: usize,
    inspect: I,
    mut sink: S,
) where
    R: Send,
    I: Fn(Target) -> R + Sync,
    S: FnMut(R) -> bool,
{
    let threads = threads.max(1);
    let (work_tx, work_rx) = bounded::<(u64, Target)>(threads * 4);
    let (done_tx, done_rx) = bounded::<(u64, R)>(threads * 4);
    let stop = AtomicBool::new(false);

    std::thread::scope(|s| {
        let stop = &stop;
        s.spawn(move || {
            let mut seq = 0u64;
            walk(paths, walk_opts, &mut |t| {
                if stop.load(Ordering::Relaxed) {
                    return false;
                }
                let ok = work_tx.send((seq, t)).is_ok();
                seq += 1;
                ok
            });
        });
        for _ in 0..threads {
            let work_rx = work_rx.clone();
            let done_tx = done_tx.clone();
            let inspect = &inspect;
            s.spawn(move || {
                for (seq, target) in work_rx {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if done_tx.send((seq, inspect(target))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(work_rx);
        drop(done_tx);

        let mut next = 0u64;
        let mut pending: BTreeMap<u64, R> = BTreeMap::new();
        for (seq, r) in done_rx.iter() {
            pending.insert(seq, r);
            while let Some(r) = pending.remove(&next) {
                next += 1;
                if !sink(r) {
                    stop.store(true, Ordering::Relaxed);
                    // Drain so workers blocked on send can finish.
                    for _ in done_rx.iter() {}
                    return;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_walk_order_whatever_the_thread_count() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..50 {
            std::fs::write(dir.path().join(format!("f{i:02}")), "x".repeat(i)).unwrap();
        }
        let expected: Vec<String> = (0..50).map(|i| format!("f{i:02}")).collect();
        for threads in [1, 2, 7] {
            let mut got = Vec::new();
            run_ordered(
                &[dir.path().to_path_buf()],
                &WalkOptions::default(),
                threads,
                |t| match t {
                    Target::File { path, .. } => {
                        // Uneven work so completion order differs from walk order.
                        let n = std::fs::read(&path).unwrap().len();
                        std::thread::sleep(std::time::Duration::from_micros((50 - n as u64) * 20));
                        path.file_name().unwrap().to_string_lossy().into_owned()
                    }
                    other => panic!("unexpected {other:?}"),
                },
                |name| {
                    got.push(name);
                    true
                },
            );
            assert_eq!(got, expected, "threads={threads}");
        }
    }

    #[test]
    fn sink_can_stop_the_scan() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..100 {
            std::fs::write(dir.path().join(format!("f{i:03}")), "x").unwrap();
        }
        let mut seen = 0;
        run_ordered(
            &[dir.path().to_path_buf()],
            &WalkOptions::default(),
            2,
            |_| (),
            |()| {
                seen += 1;
                seen < 3
            },
        );
        assert_eq!(seen, 3);
    }
}
