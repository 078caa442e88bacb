//! What a login costs in credential work: argon2id hashing and verifying
//! at the default parameters (and the dummy verification of an unknown
//! user), the password policy check, a TOTP verification, sealing and
//! opening a TOTP secret, and a session token's hash check.
//!
//! Run: `cargo bench -p cordon-identity --bench credentials -- --warm-up-time 1 --measurement-time 3`

// A benchmark is test code: it may panic on a broken fixture.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use cordon_identity::password::{self, PasswordPolicy};
use cordon_identity::seal::SealKey;
use cordon_identity::totp::{self, TotpSecret};
use cordon_identity::{Password, token};
use criterion::{Criterion, criterion_group, criterion_main};

fn passwords(c: &mut Criterion) {
    let mut g = c.benchmark_group("argon2id m=19456,t=2,p=1");
    // Each iteration is tens of milliseconds: ten samples are plenty.
    g.sample_size(10);
    let pw = Password::from("correct horse battery staple");
    let phc = password::hash(&pw).unwrap();
    g.bench_function("hash", |b| {
        b.iter(|| password::hash(black_box(&pw)).unwrap())
    });
    g.bench_function("verify", |b| {
        b.iter(|| assert!(password::verify(black_box(&pw), &phc).unwrap().ok))
    });
    g.bench_function("verify_dummy", |b| {
        b.iter(|| password::verify_dummy(black_box(&pw)))
    });
    g.finish();

    let policy = PasswordPolicy::default();
    let mut g = c.benchmark_group("policy");
    g.bench_function("check 28-char passphrase", |b| {
        b.iter(|| policy.check(black_box(&pw), &["alice", "alice@example.org"]))
    });
    // The slowest input found for zxcvbn: l33t characters, all different,
    // at the length it judges (32).
    let leet = Password::from("4@8({[<3691!|7+52%$04@8({[<3691!|7+52%$0".repeat(3));
    g.bench_function("check worst case (l33t, 120 chars)", |b| {
        b.iter(|| policy.check(black_box(&leet), &[]))
    });
    g.finish();
}

fn second_factor(c: &mut Criterion) {
    let secret = TotpSecret::generate();
    let now = 1_767_225_600;
    let code = totp::code_at(&secret, now + 30);
    c.bench_function("totp verify (3 steps)", |b| {
        b.iter(|| totp::verify(black_box(&secret), black_box(&code), now).unwrap())
    });

    let key = SealKey::generate();
    let plain = secret.expose().to_vec();
    let sealed = key.seal(&plain, "totp:42").unwrap();
    c.bench_function("seal 20-byte secret", |b| {
        b.iter(|| key.seal(black_box(&plain), "totp:42").unwrap())
    });
    c.bench_function("open 20-byte secret", |b| {
        b.iter(|| key.open(black_box(&sealed), "totp:42").unwrap())
    });

    let t = token::new_token();
    let stored = t.hash();
    c.bench_function("token verify", |b| {
        b.iter(|| assert!(token::verify(black_box(t.expose()), &stored)))
    });
}

criterion_group!(benches, passwords, second_factor);
criterion_main!(benches);
