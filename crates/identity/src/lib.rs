//! The credential primitives of Cordon's accounts: what a login, an
//! enrolment or a session needs from cryptography and from the outside
//! world, without a database or HTTP.
//!
//! # What is here
//!
//! - [`password`]: argon2id hashes in PHC strings that carry their
//!   parameters (so the cost can be raised and hashes upgraded on the next
//!   login), a dummy verification that makes unknown users cost what wrong
//!   passwords cost, and the policy a new password must meet (length, not
//!   the user's own name, not common or easy to guess by `zxcvbn`).
//! - [`totp`]: authenticator-app codes (RFC 6238, SHA-1, six digits, 30 s),
//!   the matched step for replay protection, the `otpauth://` URI and its
//!   QR code as SVG or PNG.
//! - [`otp`]: six-digit codes sent by e-mail, stored as a hash bound to
//!   the pending login.
//! - [`token`]: 256-bit bearer tokens (sessions, "remember this browser",
//!   login challenges), stored as SHA-256.
//! - [`seal`]: XChaCha20-Poly1305 encryption at rest, for the few secrets
//!   that must be read back (TOTP secrets, a directory bind password), with
//!   a context bound into each value and a key file kept owner-only.
//! - [`ldap`]: directory login (Active Directory, OpenLDAP) by search and
//!   bind, with filters that leave out disabled, locked and expired
//!   accounts, and one answer for every kind of refusal.
//! - [`mail`]: plain-text mail over SMTP (STARTTLS or TLS), with errors
//!   that say whether the address, the network or the server was at fault.
//!
//! # What is not
//!
//! State: attempt counters, expiry of codes, the last accepted TOTP step,
//! sessions and their lifetimes live in the server's store, which calls
//! these functions and keeps their stored forms (hashes, sealed values).
//! No HTTP, no cookies, no templates, no rate limiting.
//!
//! # Invariants
//!
//! - No secret is logged or shown by `Debug`: passwords, TOTP secrets,
//!   codes, tokens and keys are newtypes ([`Password`], [`Secret`],
//!   [`totp::TotpSecret`], [`otp::OtpCode`], [`token::Token`],
//!   [`seal::SealKey`]) whose `Debug` prints `***` and whose memory is
//!   wiped on drop; the text comes out only through `expose`.
//! - What is stored is never enough to log in: passwords as argon2id,
//!   tokens and e-mail codes as SHA-256, secrets that must be read back
//!   sealed under a key kept outside the database.
//! - Secrets are compared in constant time (`subtle`), and presented
//!   codes must be exactly six ASCII digits (spaces ignored) before any
//!   comparison.
//! - Nothing panics on untrusted input: sealed values, PHC strings, codes,
//!   filter input and directory answers (property-tested and fuzzed in
//!   `fuzz/`).
//! - Tests run against the real tools (Debian's `oathtool`, `zbarimg`,
//!   `slapd`, `aiosmtpd`), never mocks; a missing tool fails the test with
//!   the command that installs it.

pub mod ldap;
pub mod mail;
pub mod otp;
pub mod password;
pub mod seal;
pub mod token;
pub mod totp;

mod digits;
mod qr;
mod random;
mod secret;

pub use secret::{Password, Secret};
