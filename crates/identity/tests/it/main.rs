//! Integration tests of cordon-identity: one binary, one module per area.
//! They run against the real tools (Debian's oathtool, zbarimg, slapd and
//! aiosmtpd), never mocks; `support` finds them and fails a test whose
//! tool is missing with the command that installs it.
// Tests may unwrap and panic (clippy.toml allows it in #[test] functions;
// this extends it to the helpers of this test binary).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ldap;
mod mail;
mod password;
mod qr;
mod seal;
mod support;
mod totp;
