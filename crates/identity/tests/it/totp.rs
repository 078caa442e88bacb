//! TOTP against Debian's `oathtool`, the reference implementation.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use cordon_identity::totp::{self, TotpSecret};

use crate::support::{run, tool};

/// The code `oathtool --totp` computes for a base32 secret at `t`.
fn oathtool(secret_b32: &str, t: u64) -> String {
    let oathtool = tool(&["oathtool"]);
    let out =
        run(Command::new(oathtool).args(["--totp", "-b", "-N", &format!("@{t}"), secret_b32]));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn rfc_secret() -> TotpSecret {
    TotpSecret::from_bytes(b"12345678901234567890").unwrap()
}

#[test]
fn rfc_6238_vectors_agree_with_oathtool() {
    // RFC 6238 Appendix B, SHA-1: the eight-digit codes' last six digits.
    let vectors = [
        (59, "287082"),
        (1_111_111_109, "081804"),
        (1_111_111_111, "050471"),
        (1_234_567_890, "005924"),
        (2_000_000_000, "279037"),
        (20_000_000_000, "353130"),
    ];
    let secret = rfc_secret();
    let b32 = secret.to_base32();
    for (t, rfc) in vectors {
        let reference = oathtool(&b32, t);
        assert_eq!(reference, rfc, "oathtool disagrees with the RFC at t = {t}");
        assert_eq!(totp::code_at(&secret, t), reference, "t = {t}");
        assert_eq!(totp::verify(&secret, &reference, t), Some(t / 30));
    }
}

#[test]
fn fresh_secrets_agree_with_oathtool_now() {
    let t = now();
    for _ in 0..5 {
        let secret = TotpSecret::generate();
        let reference = oathtool(&secret.to_base32(), t);
        assert_eq!(totp::code_at(&secret, t), reference);
        assert_eq!(totp::verify(&secret, &reference, t), Some(t / 30));
    }
}

#[test]
fn one_step_of_drift_is_accepted_two_are_not() {
    let secret = TotpSecret::generate();
    let b32 = secret.to_base32();
    let t = now();
    let step = t / 30;
    let cases = [
        (-2i64, None),
        (-1, Some(step - 1)),
        (0, Some(step)),
        (1, Some(step + 1)),
        (2, None),
    ];
    for (offset, want) in cases {
        let code = oathtool(&b32, t.checked_add_signed(offset * 30).unwrap());
        let got = totp::verify(&secret, &code, t);
        // A code of another step may equal one in the window by chance
        // (about 3 in a million); only then is a `None` case excused.
        let collides = [-1i64, 0, 1]
            .iter()
            .any(|o| totp::code_at(&secret, t.checked_add_signed(o * 30).unwrap()) == code);
        if want.is_none() && collides {
            continue;
        }
        assert_eq!(got, want, "code of step {offset:+}");
    }
}

#[test]
fn a_code_is_taken_once() {
    let secret = TotpSecret::generate();
    let t = now();
    let code = oathtool(&secret.to_base32(), t);
    let mut last_step = None;
    let mut taken = 0;
    for attempt in 0..3 {
        // The same code, at the same moment and ten seconds later.
        let step = totp::verify(&secret, &code, t + attempt * 10).unwrap();
        if totp::accept(step, last_step) {
            last_step = Some(step);
            taken += 1;
        }
    }
    assert_eq!(taken, 1);
    // The next step's code is taken; then the previous one no longer is.
    let next = oathtool(&secret.to_base32(), t + 30);
    let next_step = totp::verify(&secret, &next, t + 30).unwrap();
    assert!(totp::accept(next_step, last_step));
    assert!(!totp::accept(next_step - 1, Some(next_step)));
}

#[test]
fn malformed_codes_are_refused() {
    let secret = rfc_secret();
    let t = 59;
    assert_eq!(totp::verify(&secret, "287 082", t), Some(1));
    assert_eq!(totp::verify(&secret, " 287082\n", t), Some(1));
    for bad in [
        "28708",
        "2870820",
        "94287082",
        "28708a",
        "",
        "287-082",
        "２８７０８２",
    ] {
        assert_eq!(totp::verify(&secret, bad, t), None, "{bad:?}");
    }
}
