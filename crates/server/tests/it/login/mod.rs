//! Sign-in with the real parts: passwords and lockout, e-mail codes
//! through `aiosmtpd`, authenticator codes checked against `oathtool` and
//! enrolled through a QR code `zbarimg` reads, remembered browsers,
//! sessions with CSRF, the first super admin, a directory in `slapd`,
//! and the break-glass commands; on SQLite and, where several servers
//! matter, PostgreSQL.

mod bootstrap;
mod breakglass;
mod email;
pub(crate) mod kit;
mod ldap;
mod password;
mod remember;
mod sessions;
mod totp;
