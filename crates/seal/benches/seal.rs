//! Sealing and unsealing 64 MiB in memory (X25519 recipient), as MB/s.
//!
//! Run: `cargo bench -p cordon-seal --bench seal`

// A benchmark is test code: it may panic on a broken fixture.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use age::secrecy::ExposeSecret;
use cordon_seal::{Identities, Recipients, seal, unseal};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const LEN: usize = 64 << 20;

/// Incompressible, deterministic bytes (xorshift64*).
fn data() -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut v = Vec::with_capacity(LEN);
    while v.len() < LEN {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        v.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    v.truncate(LEN);
    v
}

fn bench(c: &mut Criterion) {
    let id = age::x25519::Identity::generate();
    let to = Recipients::parse([id.to_public().to_string().as_str()]).unwrap();
    let ids = Identities::from_str(id.to_string().expose_secret()).unwrap();
    let plain = data();
    let mut sealed = Vec::with_capacity(LEN + LEN / 1000 + 4096);
    seal(&to, &plain[..], &mut sealed).unwrap();
    let mut out = Vec::with_capacity(LEN);

    let mut g = c.benchmark_group("seal_64MiB");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(LEN as u64));
    g.bench_function("seal", |b| {
        b.iter(|| {
            out.clear();
            seal(&to, black_box(&plain[..]), &mut out).unwrap()
        })
    });
    g.bench_function("unseal", |b| {
        b.iter(|| {
            out.clear();
            unseal(&ids, black_box(&sealed[..]), &mut out).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
