//! Password hashing and the password policy.

use argon2::password_hash::PasswordHasher as _;
use argon2::{Algorithm, Argon2, Params, Version};
use cordon_identity::Password;
use cordon_identity::password::{
    self, HashParams, PasswordHasher, PasswordPolicy, PasswordProblem,
};

fn pw(s: &str) -> Password {
    Password::from(s)
}

#[test]
fn a_hash_verifies_its_password_only() {
    let phc = password::hash(&pw("correct horse battery staple")).unwrap();
    let v = password::verify(&pw("correct horse battery staple"), &phc).unwrap();
    assert!(v.ok && !v.needs_rehash, "{v:?}");
    let v = password::verify(&pw("correct horse battery stapler"), &phc).unwrap();
    assert!(!v.ok);
    // A new salt each time.
    assert_ne!(
        phc,
        password::hash(&pw("correct horse battery staple")).unwrap()
    );
}

#[test]
fn the_phc_string_carries_the_parameters() {
    let phc = password::hash(&pw("x")).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    let hasher = PasswordHasher::new(HashParams {
        m_kib: 4096,
        t: 3,
        p: 2,
    })
    .unwrap();
    let phc = hasher.hash(&pw("x")).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=4096,t=3,p=2$"), "{phc}");
    // Verified with the parameters in the string, whatever the verifier's.
    assert!(password::verify(&pw("x"), &phc).unwrap().ok);
}

#[test]
fn weaker_hashes_ask_to_be_redone() {
    let cheap = |m_kib, t, p| PasswordHasher::new(HashParams { m_kib, t, p }).unwrap();
    let old = cheap(1024, 1, 1);
    let phc = old.hash(&pw("pw")).unwrap();
    let cases = [
        (cheap(1024, 1, 1), false),
        (cheap(2048, 1, 1), true),
        (cheap(1024, 2, 1), true),
        (cheap(1024, 1, 2), true),
        (cheap(512, 1, 1), false), // the stored hash is stronger
    ];
    for (current, want) in cases {
        let v = current.verify(&pw("pw"), &phc).unwrap();
        assert!(v.ok);
        assert_eq!(v.needs_rehash, want, "current {}", current.params());
    }
    // Another algorithm or version, at the current parameters: redo it.
    let params = Params::new(1024, 1, 1, None).unwrap();
    for (alg, version) in [
        (Algorithm::Argon2i, Version::V0x13),
        (Algorithm::Argon2d, Version::V0x13),
        (Algorithm::Argon2id, Version::V0x10),
    ] {
        let phc = Argon2::new(alg, version, params.clone())
            .hash_password_with_salt(b"pw", b"saltsaltsaltsalt")
            .unwrap()
            .to_string();
        let v = old.verify(&pw("pw"), &phc).unwrap();
        assert!(v.ok && v.needs_rehash, "{phc}: {v:?}");
    }
}

#[test]
fn malformed_hashes_are_errors_not_failures() {
    for bad in [
        "",
        "not a hash",
        "$argon2id$v=19$m=19456,t=2,p=1",
        "$argon2id$v=19$t=2,p=1$c2FsdHNhbHQ$aGFzaA",
        "$bcrypt$whatever",
        "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let got = password::verify(&pw("x"), bad);
        assert!(got.is_err(), "{bad:?}: {got:?}");
        assert!(!got.unwrap_err().to_string().contains(bad) || bad.is_empty());
    }
}

// That an unknown user costs what a wrong password costs is not timed here
// (a timed test fails on a loaded machine): the unit test
// `the_dummy_hash_is_well_formed_at_any_params` shows the dummy hash carries
// the hasher's own parameters, so the verifier does the same work, and the
// `credentials` bench measures `verify` against `verify_dummy`.

fn outcome(r: Result<(), PasswordProblem>) -> &'static str {
    match r {
        Ok(()) => "ok",
        Err(PasswordProblem::TooShort { .. }) => "too-short",
        Err(PasswordProblem::TooLong { .. }) => "too-long",
        Err(PasswordProblem::ContainsPersonalInfo) => "personal",
        Err(PasswordProblem::Common) => "common",
        Err(PasswordProblem::Guessable { .. }) => "guessable",
    }
}

#[test]
fn the_policy_cases() {
    let cases = include_str!("../cases/password-policy.tsv");
    let policy = PasswordPolicy::default();
    let mut failures = Vec::new();
    let mut n = 0;
    for line in cases
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let [password, context, want] = cols[..] else {
            panic!("a case needs three tab-separated columns: {line:?}");
        };
        let context: Vec<&str> = if context == "-" {
            vec![]
        } else {
            context.split(',').collect()
        };
        let got = policy.check(&pw(password), &context);
        if outcome(got.clone()) != want {
            failures.push(format!(
                "{password:?} {context:?}: want {want}, got {got:?}"
            ));
        }
        n += 1;
    }
    assert!(n >= 20, "only {n} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_policy_explains_itself() {
    let policy = PasswordPolicy::default();
    let problem = |p: &str| policy.check(&pw(p), &["alice"]).unwrap_err().to_string();
    assert_eq!(
        problem("short"),
        "the password must be at least 12 characters"
    );
    assert_eq!(
        problem(&"k".repeat(129)),
        "the password must be at most 128 characters"
    );
    assert_eq!(
        problem("alice-in-wonderland-77"),
        "the password must not contain your user name or e-mail address"
    );
    assert_eq!(
        problem("password1234"),
        "this password is among the most common ones"
    );
    let guessable = problem("aaaaaaaaaaaaaaaa");
    assert!(
        guessable.starts_with("this password is too easy to guess: "),
        "{guessable}"
    );
    assert!(guessable.len() > "this password is too easy to guess: ".len() + 10);
    let strict = PasswordPolicy {
        min_len: 16,
        max_len: 64,
    };
    assert_eq!(
        strict.check(&pw("v7#Lq9!wZ2@pR4$"), &[]),
        Err(PasswordProblem::TooShort { min: 16 })
    );
}
