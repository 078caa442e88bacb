//! Credentials that belong to no provider but travel in known places: an
//! HTTP `Authorization` value (`Basic` and the base64 of `user:password`,
//! `Bearer` and an opaque token), a password on a command line (`curl -u
//! user:pass`, `mysql -pPASS`, `sshpass -p PASS`, `psexec … -p PASS`,
//! `sqlcmd … -P PASS`, `ldapsearch … -w PASS`, `redis-cli -a PASS`, `zip
//! -P PASS`, OpenSSL's `-passout pass:PASS`, Samba's `-U user%PASS`,
//! PowerShell's `ConvertTo-SecureString "PASS" -AsPlainText`)
//! and a password given to a call (.NET's `NetworkCredential("user",
//! "PASS")` and `DirectoryEntry(path, "user", "PASS")`, Java's
//! `PasswordAuthentication("user", "PASS".toCharArray())`, Python's
//! `HTTPBasicAuth("user", "PASS")`).
//!
//! Docker's registry credentials travel the same way: `"auth": "<base64
//! of user:password>"` in a config.json `auths` object; and PostgreSQL's
//! password file, `~/.pgpass`: `host:port:database:user:password` lines.
//!
//! Each is keyed on a literal of the anchor automata ([`crate::anchors`]):
//! `Basic `, `Bearer `, `curl `, `mysql`, `sshpass`, `"auth`, ` -p` / ` -P`
//! / ` -w` / ` -a` (the command read back from its line),
//! `NetworkCredential(`, `cAuth(`, `yEntry(`, `ConvertTo-SecureString`;
//! `PasswordAuthentication(` from the key word `password`.
//! The value is checked where it lies: a Basic value must decode to
//! `user:password`, a bearer token must look random, a command-line
//! password must be a literal (not `$PASS`, not a placeholder).

use crate::anchors::{b64, entropy, weak_password};
use crate::builtin::D;
use crate::kit::{Sink, at, before, is_word, run};
use crate::model::Confidence::{self, High, Low, Medium};
use crate::placeholder;
use crate::validate::base64_decode;

/// Which literal was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum A {
    Basic,
    Bearer,
    Curl,
    Mysql,
    Sshpass,
    DockerAuth,
    NpmAuth,
    /// ` -p` / ` -P`: a password option of a command of [`TOOLS`].
    PasswordOption,
    /// `NetworkCredential(user, password[, domain])` (.NET).
    NetworkCredential,
    /// `ConvertTo-SecureString "…" -AsPlainText` (PowerShell).
    SecureString,
    /// `HTTPBasicAuth(user, password)` (Python's requests) and aiohttp's
    /// `BasicAuth(user, password)`.
    BasicAuthCall,
    /// `DirectoryEntry(path, user, password[, type])` (.NET).
    DirectoryEntry,
}

pub(crate) fn anchor(sk: &mut Sink<'_>, a: A, s: usize, e: usize) {
    match a {
        A::Basic => basic(sk, s, e),
        A::Bearer => bearer(sk, s, e),
        A::Curl | A::Mysql | A::Sshpass => command(sk, a, s, e),
        A::DockerAuth => docker_auth(sk, s, e),
        A::NpmAuth => npm_auth(sk, s, e),
        A::PasswordOption => option(sk, s, e),
        A::NetworkCredential | A::BasicAuthCall => call(sk, e, 1, 2),
        A::DirectoryEntry => call(sk, e, 2, 3),
        A::SecureString => secure_string(sk, s, e),
    }
}

/// `_auth=<base64 of user:password>` in an `.npmrc` (or a Yarn or pnpm
/// configuration), for the default registry or after a registry's path
/// (`//registry.example.com/:_auth=…`): `s..e` is `_auth`, starting its
/// line or following `:`. The HTTP Basic credential npm sends.
fn npm_auth(sk: &mut Sink<'_>, s: usize, e: usize) {
    let t = sk.t;
    if !sk.on(D::HttpBasicAuth) || !matches!(before(t, s), 0 | b'\n' | b'\r' | b':' | b' ' | b'\t')
    {
        return;
    }
    let mut i = e + run(t, e, 8, |c| c == b' ' || c == b'\t');
    if at(t, i) != b'=' {
        return;
    }
    i += 1;
    i += run(t, i, 8, |c| c == b' ' || c == b'\t');
    let quote = at(t, i);
    if matches!(quote, b'"' | b'\'') {
        i += 1;
    }
    let vs = i;
    let (body, pad) = value_at(t, vs, b64);
    let ve = vs + body + pad;
    if !(8..=MAX_VALUE).contains(&body) || at(t, ve).is_ascii_alphanumeric() {
        return;
    }
    let Some((user, pass)) = t.get(vs..ve).and_then(decoded_user_pass) else {
        return;
    };
    if user.is_empty() || pass.is_empty() {
        return;
    }
    let conf = if template_pair(&user, &pass) {
        Low
    } else {
        High
    };
    sk.emit_fixed(D::HttpBasicAuth, vs, ve, conf);
}

/// Longest Basic or Bearer value looked at.
const MAX_VALUE: usize = 1024;
/// How far a command line is read (continuation lines included).
const MAX_LINE: usize = 1024;

/// `None` if the word `Basic` / `Bearer` at `s` is the end of a longer
/// word; else whether `Authorization` comes earlier on its line (within
/// 48 bytes), which makes the value a header's.
fn scheme_placed(t: &[u8], s: usize) -> Option<bool> {
    if before(t, s).is_ascii_alphanumeric() || before(t, s) == b'_' {
        return None;
    }
    let line = crate::kit::line_before(t, s, 48);
    let lower = line.to_ascii_lowercase();
    let header = lower.windows(13).any(|w| w == b"authorization");
    Some(header)
}

/// The value of an authorization scheme at `vs`: the length of its run of
/// `class` bytes (up to one past [`MAX_VALUE`]) and of the `=` padding
/// after it (at most two).
fn value_at(t: &[u8], vs: usize, class: fn(u8) -> bool) -> (usize, usize) {
    let body = run(t, vs, MAX_VALUE, class);
    let pad = run(t, vs + body, 1, |c| c == b'=');
    (body, pad)
}

/// `Basic <base64 of user:password>`.
fn basic(sk: &mut Sink<'_>, s: usize, e: usize) {
    if !sk.on(D::HttpBasicAuth) {
        return;
    }
    let t = sk.t;
    let Some(header) = scheme_placed(t, s) else {
        return;
    };
    let vs = e;
    let (body, pad) = value_at(t, vs, b64);
    let ve = vs + body + pad;
    if !(8..=MAX_VALUE).contains(&body) || at(t, ve).is_ascii_alphanumeric() || at(t, ve) == b'=' {
        return;
    }
    let Some((user, pass)) = t.get(vs..ve).and_then(decoded_user_pass) else {
        // After `Authorization:` the value is a credential even when it
        // does not decode to printable `user:password` (a binary secret,
        // a byte mangled in a copy): reported `medium` if it looks random.
        if header && body >= 16 && t.get(vs..vs + body).is_some_and(opaque_token) {
            sk.emit_fixed(D::HttpBasicAuth, vs, ve, Medium);
        }
        return;
    };
    // An API key sent as the user name with no password (`sk_live_…:`).
    let secret = if pass.is_empty() { &user } else { &pass };
    if secret.is_empty() || (secret.len() < 4 && !header) {
        return;
    }
    let placeholder = if pass.is_empty() {
        placeholder::value(&user) || weak_password(&user) || user.len() < 16
    } else {
        template_pair(&user, &pass)
    };
    let conf = if placeholder {
        Low
    } else if header {
        High
    } else {
        Medium
    };
    sk.emit_fixed(D::HttpBasicAuth, vs, ve, conf);
}

/// The user and password a base64 value decodes to, if it is printable
/// UTF-8 `user:password` (either part may be empty).
fn decoded_user_pass(raw: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut plain = base64_decode(raw, MAX_VALUE)?;
    if plain.iter().any(|&c| c < 0x20 || c == 0x7f) || std::str::from_utf8(&plain).is_err() {
        return None;
    }
    let colon = plain.iter().position(|&c| c == b':')?;
    let pass = plain.split_off(colon + 1);
    plain.truncate(colon);
    Some((plain, pass))
}

/// A user and password that stand for themselves: a placeholder or weak
/// password, the user's name again, or a password that says it is one
/// (`my_username:my_password`).
fn template_pair(user: &[u8], pass: &[u8]) -> bool {
    let says = |w: &[u8], word: &[u8]| w.windows(word.len()).any(|x| x.eq_ignore_ascii_case(word));
    placeholder::value(pass)
        || weak_password(pass)
        || pass == user
        || says(pass, b"password")
        || says(pass, b"passwd")
}

/// `"auth": "<base64 of user:password>"` as `docker login` writes it into
/// config.json (and CI variables hold it, JSON-escaped): `s..e` is
/// `"auth`, whose key must end right there.
fn docker_auth(sk: &mut Sink<'_>, s: usize, e: usize) {
    if !sk.on(D::DockerRegistryAuth) {
        return;
    }
    let t = sk.t;
    let mut i = e;
    // The key's closing quote, escaped or not; then `:` and the value's
    // opening quote.
    // JSON inside a string inside a string escapes its quotes twice
    // (`\\\"`): up to three backslashes.
    let quote = |i: usize| -> Option<usize> {
        let slashes = run(t, i, 3, |c| c == b'\\');
        (at(t, i + slashes) == b'"').then_some(i + slashes + 1)
    };
    let Some(j) = quote(i) else { return };
    i = j + run(t, j, 8, |c| c == b' ' || c == b'\t');
    if at(t, i) != b':' {
        return;
    }
    i += 1;
    i += run(t, i, 8, |c| c == b' ' || c == b'\t');
    let Some(vs) = quote(i) else { return };
    let (body, pad) = value_at(t, vs, b64);
    let ve = vs + body + pad;
    if !(8..=MAX_VALUE).contains(&body) || !matches!(at(t, ve), b'"' | b'\\') {
        return;
    }
    let Some((user, pass)) = t.get(vs..ve).and_then(decoded_user_pass) else {
        return;
    };
    if user.is_empty() || pass.is_empty() {
        return;
    }
    let lo = s.saturating_sub(512);
    let in_auths = t
        .get(lo..s)
        .is_some_and(|w| w.windows(5).any(|x| x == b"auths"));
    let conf = if template_pair(&user, &pass) {
        Low
    } else if in_auths {
        High
    } else {
        Medium
    };
    sk.emit_fixed(D::DockerRegistryAuth, vs, ve, conf);
}

fn token68(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// `Bearer <token>`: an opaque token of 20 or more characters that looks
/// random. JWTs and tokens with a provider's prefix are left to their own
/// detectors, which check them better.
fn bearer(sk: &mut Sink<'_>, s: usize, e: usize) {
    if !sk.on(D::BearerToken) {
        return;
    }
    let t = sk.t;
    let Some(header) = scheme_placed(t, s) else {
        return;
    };
    opaque_token_at(sk, e, if header { High } else { Medium });
}

/// Reports the token68 value at `vs` as a bearer token at `conf` if it is
/// an [`opaque_token`] standing alone.
fn opaque_token_at(sk: &mut Sink<'_>, vs: usize, conf: Confidence) {
    let t = sk.t;
    let (body, pad) = value_at(t, vs, token68);
    let ve = vs + body + pad;
    // A trailing full stop ends a sentence, not the token.
    let ve = if ve > vs && at(t, ve - 1) == b'.' && pad == 0 {
        ve - 1
    } else {
        ve
    };
    if let Some(val) = t.get(vs..ve)
        && !at(t, ve).is_ascii_alphanumeric()
        && opaque_token(val)
    {
        sk.emit_fixed(D::BearerToken, vs, ve, conf);
    }
}

/// An opaque token as credentials carry them: 20 or more characters with
/// letters and digits that look random, not a JWT or a provider's own
/// format (left to their detectors, which check them better), not a
/// placeholder.
fn opaque_token(val: &[u8]) -> bool {
    if !(20..=MAX_VALUE).contains(&val.len())
        || val.starts_with(b"eyJ")
        || crate::creds::provider_prefix(val)
        || placeholder::value(val)
    {
        return false;
    }
    let letters = val.iter().filter(|c| c.is_ascii_alphabetic()).count();
    let digits = val.iter().filter(|c| c.is_ascii_digit()).count();
    // Words and identifiers (`Bearer access_token_from_login_step`) are
    // not secrets: the value must look random.
    letters > 0 && digits > 0 && entropy(val) >= 3.5
}

/// Schemes of an `Authorization` header, besides `Basic` and `Bearer`,
/// whose credentials are a token or key: GitHub's and Django REST
/// framework's `token`, `ApiKey` (Elasticsearch and others), `Api-Token`, Azure
/// Storage's `SharedKey` / `SharedKeyLite` (`account:signature`).
const SCHEMES: &[&[u8]] = &[
    b"token",
    b"apikey",
    b"api-key",
    // Dynatrace's `Api-Token dt0c01…` and others' opaque tokens.
    b"api-token",
    b"sharedkey",
    b"sharedkeylite",
];

/// `Authorization: <scheme> <credentials>` where the word at `ks..ke` (a
/// key word's anchor: `token`, `…Key`) is one of [`SCHEMES`] right after
/// the header's name and its colon, quoted or not (`-H "Authorization:
/// token …"`, `"Authorization": "Token …"`). Reports the credentials as
/// a bearer token's, judged the same way, and returns true if the word is
/// such a scheme followed by its credentials (so it is not also read as a
/// `key: value` name); any other layout is left to the key handler.
pub(crate) fn header_scheme(sk: &mut Sink<'_>, ks: usize, ke: usize) -> bool {
    let t = sk.t;
    let word = t.get(ks..ke).unwrap_or_default();
    if at(t, ke) != b' '
        || !SCHEMES.iter().any(|w| word.eq_ignore_ascii_case(w))
        || !after_authorization(t, ks)
    {
        return false;
    }
    if sk.on(D::BearerToken) {
        let mut vs = ke + run(t, ke, 8, |c| c == b' ');
        // Azure's `SharedKey account:signature`: the signature is the
        // secret.
        let (account, _) = value_at(t, vs, token68);
        if at(t, vs + account) == b':' {
            vs += account + 1;
        }
        opaque_token_at(sk, vs, High);
    }
    true
}

/// `Authorization: <token>` with no scheme (APIs that take the key itself
/// as the header's value: `-H "Authorization: 9f3b…"`), from the value's
/// first word `ws` (one with a digit): reported as a bearer token's
/// credentials, judged the same way.
pub(crate) fn schemeless(sk: &mut Sink<'_>, ws: usize) {
    if sk.on(D::BearerToken) && after_authorization(sk.t, ws) {
        opaque_token_at(sk, ws, High);
    }
}

/// True if `s` follows `Authorization:` on its line: the header's name (any
/// case, `Proxy-` or `X-` before it allowed),
/// an optional closing quote, the colon, blanks and an optional opening
/// quote.
fn after_authorization(t: &[u8], s: usize) -> bool {
    let mut i = s;
    let blanks = |i: &mut usize| {
        while *i > 0 && matches!(at(t, *i - 1), b' ' | b'\t') {
            *i -= 1;
        }
    };
    let quote = |i: &mut usize| {
        if *i > 0 && matches!(at(t, *i - 1), b'"' | b'\'') {
            *i -= 1;
        }
    };
    quote(&mut i);
    blanks(&mut i);
    if i == 0 || at(t, i - 1) != b':' {
        return false;
    }
    i -= 1;
    quote(&mut i);
    const NAME: &[u8] = b"authorization";
    // `Proxy-Authorization` and `X-Authorization` carry credentials too.
    i >= NAME.len()
        && t.get(i - NAME.len()..i)
            .is_some_and(|w| w.eq_ignore_ascii_case(NAME))
        && !matches!(before(t, i - NAME.len()), b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z')
}

/// One argument of a command line: its span, quotes included.
#[derive(Debug, Clone, Copy)]
struct Arg {
    s: usize,
    e: usize,
}

/// The arguments of the command line that continues at `i`: words split
/// on blanks, with `'…'` and `"…"` quoting and `\` + newline continuing
/// the line. Stops at the end of the line, at `;`, `|`, `&` outside
/// quotes, or after [`MAX_LINE`] bytes.
fn args(t: &[u8], mut i: usize) -> impl Iterator<Item = Arg> + Clone + '_ {
    let end = (i + MAX_LINE).min(t.len());
    std::iter::from_fn(move || {
        loop {
            match at(t, i) {
                b' ' | b'\t' => i += 1,
                b'\\' if matches!(at(t, i + 1), b'\n' | b'\r') => {
                    i += 2;
                    if at(t, i) == b'\n' {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        if i >= end || matches!(at(t, i), b'\n' | b'\r' | b';' | b'|' | b'&' | 0) {
            return None;
        }
        let s = i;
        let mut quote = 0u8;
        while i < end {
            let c = at(t, i);
            if quote != 0 {
                if c == quote {
                    quote = 0;
                } else if c == b'\n' {
                    return None;
                }
            } else if matches!(c, b'"' | b'\'') {
                quote = c;
            } else if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b';' | b'|' | b'&' | 0) {
                break;
            }
            i += 1;
        }
        if quote != 0 {
            return None;
        }
        Some(Arg { s, e: i })
    })
}

/// The part of an argument after an option's name (`-u`, `--user=`),
/// with one pair of quotes around the value taken off.
fn unquote(t: &[u8], s: usize, e: usize) -> (usize, usize) {
    let q = at(t, s);
    if matches!(q, b'"' | b'\'') && e > s + 1 && at(t, e - 1) == q {
        (s + 1, e - 1)
    } else {
        (s, e)
    }
}

/// A command whose name starts at `s` (the literal ends at `e`): the
/// password among its arguments, if one is given as a literal.
fn command(sk: &mut Sink<'_>, a: A, s: usize, e: usize) {
    if !sk.on(D::CliPassword) {
        return;
    }
    let t = sk.t;
    // The command word itself: `curl`, `mysql`, `mysqldump`, `sshpass`,
    // possibly a path (`/usr/bin/mysql`), never part of a longer word.
    let p = before(t, s);
    if p.is_ascii_alphanumeric() || matches!(p, b'_' | b'-' | b'.') {
        return;
    }
    let we = s + run(t, s, 16, |c| c.is_ascii_lowercase());
    if (a == A::Curl && we + 1 != e) || !matches!(at(t, we), b' ' | b'\t') {
        return;
    }
    // The same command's name again, unquoted, where an option or a value
    // that gives no password stands (`curl curl …`, `curl -u curl …`):
    // its own hit reads the rest of the line and finds what this one
    // would, so this one stops there. A line of nothing but the name is
    // then linear (a megabyte of `curl ` or `curl -u ` read 1 KB a hit:
    // 0.3-0.6 s).
    let name = t.get(s..we).unwrap_or_default();
    let again = |x: &Arg| t.get(x.s..x.e) == Some(name) && matches!(at(t, x.e), b' ' | b'\t');
    let mut it = args(t, we);
    let mut found = None;
    while let Some(x) = it.next() {
        if again(&x) {
            break;
        }
        let w = t.get(x.s..x.e).unwrap_or_default();
        match a {
            A::Curl => {
                // `-U`/`--proxy-user` give the proxy's user and password;
                // `--pass`, `--tlspassword` and their proxy forms a key's
                // passphrase or a TLS-SRP password alone.
                if matches!(w, b"-u" | b"--user" | b"-U" | b"--proxy-user") {
                    match it.next() {
                        Some(v) if again(&v) => break,
                        Some(v) => found = user_pass(t, v.s, v.e),
                        None => {}
                    }
                } else if matches!(
                    w,
                    b"--pass" | b"--proxy-pass" | b"--tlspassword" | b"--proxy-tlspassword"
                ) {
                    found = it.next().map(|v| unquote(t, v.s, v.e)).filter(|&(s, e)| {
                        // The next argument is an option or the URL: no
                        // password was given.
                        let v = t.get(s..e).unwrap_or_default();
                        v.first() != Some(&b'-') && !v.windows(3).any(|w| w == b"://")
                    });
                } else if let Some(rest) = w
                    .strip_prefix(b"--user=")
                    .or_else(|| w.strip_prefix(b"--proxy-user="))
                {
                    found = user_pass(t, x.e - rest.len(), x.e);
                } else if w.starts_with(b"-u") && w.len() > 2 {
                    found = user_pass(t, x.s + 2, x.e);
                }
            }
            A::Mysql => {
                // `-pSECRET` only: `-p` alone prompts, `-P` is the port.
                if w.starts_with(b"-p") && w.len() > 2 {
                    found = Some(unquote(t, x.s + 2, x.e));
                }
            }
            A::Sshpass => {
                if w == b"-p" {
                    found = it.next().map(|v| unquote(t, v.s, v.e));
                } else if w.starts_with(b"-p") && w.len() > 2 {
                    found = Some(unquote(t, x.s + 2, x.e));
                } else if !w.starts_with(b"-") {
                    // The command sshpass runs: its options are not ours.
                    break;
                }
            }
            _ => return,
        }
        if found.is_some() {
            break;
        }
    }
    let Some((ps, pe)) = found else { return };
    cli_value(sk, ps, pe);
}

/// Commands that take a password with an option of their own: the
/// command's name and that option. `psexec`'s options end at the command
/// it runs, whose own `-p` is not its password; the others' `-P` / `-p`
/// means nothing else anywhere on their line.
const TOOLS: &[(&[u8], &[u8])] = &[
    (b"psexec", b"-p"),
    (b"psexec64", b"-p"),
    (b"sqlcmd", b"-P"),
    (b"osql", b"-P"),
    (b"isql", b"-P"),
    (b"bcp", b"-P"),
    (b"mongo", b"-p"),
    (b"mongosh", b"-p"),
    (b"rdesktop", b"-p"),
    (b"ldapsearch", b"-w"),
    (b"ldapmodify", b"-w"),
    (b"ldapadd", b"-w"),
    (b"ldapdelete", b"-w"),
    (b"ldapmodrdn", b"-w"),
    (b"ldapcompare", b"-w"),
    (b"ldapwhoami", b"-w"),
    (b"ldapexop", b"-w"),
    (b"ldappasswd", b"-w"),
    (b"redis-cli", b"-a"),
    (b"zip", b"-P"),
    (b"unzip", b"-P"),
];

/// `psexec`'s options that take a value of their own.
const PSEXEC_VALUED: [&[u8]; 5] = [b"-u", b"-w", b"-n", b"-r", b"-a"];

/// Most words read back from an option to its command: a command line
/// of more arguments than this before its password option is not read,
/// and a line of nothing but options costs this much a hit, not its
/// length (a megabyte of ` -a` took 12 s when the whole line was
/// searched for every command's name).
const MAX_WORDS_BACK: usize = 48;

/// The name of a command of [`TOOLS`] on the line before `s` (the last
/// one, any case, as a word of its own, a path, `$(`, a quote or `.exe`
/// around it allowed): where the name ends, the name and its option.
/// Read back word by word, at most [`MAX_WORDS_BACK`] words and
/// [`MAX_LINE`] bytes.
fn tool_before(t: &[u8], s: usize) -> Option<(usize, &'static [u8], &'static [u8])> {
    let lo = s.saturating_sub(MAX_LINE);
    let blank = |c: u8| c == b' ' || c == b'\t';
    let part = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.');
    let mut i = s;
    for _ in 0..MAX_WORDS_BACK {
        while i > lo && blank(before(t, i)) {
            i -= 1;
        }
        if i <= lo || matches!(before(t, i), b'\n' | b'\r') {
            return None;
        }
        // The word ending at `i`; its last run of name characters is the
        // command's name (`/usr/bin/ldapsearch`, `system("psexec`).
        let we = i;
        while i > lo && !blank(before(t, i)) && !matches!(before(t, i), b'\n' | b'\r') {
            i -= 1;
        }
        let word = t.get(i..we).unwrap_or_default();
        let name_len = word.iter().rev().take_while(|&&c| part(c)).count();
        let name = word.get(word.len() - name_len..).unwrap_or_default();
        let bare = match name.len().checked_sub(4) {
            Some(k)
                if name
                    .get(k..)
                    .is_some_and(|x| x.eq_ignore_ascii_case(b".exe")) =>
            {
                name.get(..k).unwrap_or_default()
            }
            _ => name,
        };
        if let Some(&(tool, opt)) = TOOLS
            .iter()
            .find(|(tool, _)| bare.eq_ignore_ascii_case(tool))
        {
            return Some((we, tool, opt));
        }
    }
    None
}

/// A password option (` -p` / ` -P`, the blank at `s`, the option ending
/// at `e`) of a command of [`TOOLS`] earlier on its line: the password
/// after it, if it is a literal.
fn option(sk: &mut Sink<'_>, s: usize, e: usize) {
    let t = sk.t;
    if !sk.on(D::CliPassword) || !matches!(at(t, e), b' ' | b'\t') {
        return;
    }
    let Some((we, name, option)) = tool_before(t, s) else {
        return;
    };
    let psexec = name.starts_with(b"psexec");
    let mut it = args(t, we);
    while let Some(x) = it.next() {
        let w = t.get(x.s..x.e).unwrap_or_default();
        if w == option {
            // This option, not an earlier one's: the value follows it.
            if x.s != s + 1 {
                return;
            }
            let Some(v) = it.next() else { return };
            let (ps, pe) = unquote(t, v.s, v.e);
            if t.get(ps..pe).is_some_and(|v| v.first() != Some(&b'-')) {
                cli_value(sk, ps, pe);
            }
            return;
        }
        if psexec {
            if !matches!(w.first(), Some(b'-' | b'/' | b'\\' | b'@')) {
                return;
            }
            // Options that take a value: the user, the working directory,
            // the timeout, the remote service's name, the CPUs; `-i`'s
            // session number is optional.
            if PSEXEC_VALUED.iter().any(|o| w.eq_ignore_ascii_case(o)) {
                it.next();
            } else if w.eq_ignore_ascii_case(b"-i") {
                let mut peek = it.clone();
                if peek
                    .next()
                    .and_then(|v| t.get(v.s..v.e))
                    .is_some_and(|v| v.iter().all(u8::is_ascii_digit))
                {
                    it = peek;
                }
            }
        }
    }
}

/// Most arguments of a call read.
const CALL_ARGS: usize = 4;

/// The arguments of a call whose `(` ends at `i`: each one's span and
/// whether it is a string literal (quotes taken off; C#'s `@"…"`, and a
/// method called on it, `"…".toCharArray()`, allowed). Blanks and line
/// breaks between arguments are skipped; the call is read for at most
/// [`MAX_LINE`] bytes.
fn call_args(t: &[u8], mut i: usize) -> ([(usize, usize, bool); CALL_ARGS], usize) {
    let end = (i + MAX_LINE).min(t.len());
    let mut out = [(0, 0, false); CALL_ARGS];
    let mut n = 0;
    while n < CALL_ARGS && i < end {
        i += run(t, i, MAX_LINE, |c| c.is_ascii_whitespace());
        if at(t, i) == b'@' && at(t, i + 1) == b'"' {
            i += 1;
        }
        let q = at(t, i);
        let mut arg = (i, i, false);
        if matches!(q, b'"' | b'\'') {
            let len = run(t, i + 1, MAX_LINE, |c| c != q && c != b'\n' && c != b'\\');
            if at(t, i + 1 + len) == q {
                let vs = i + 1;
                i = vs + len + 1;
                // A string alone, or with a method called on it.
                let j = i + run(t, i, MAX_LINE, |c| c.is_ascii_whitespace());
                arg = (vs, vs + len, matches!(at(t, j), b',' | b')' | b'.'));
            }
        }
        if let Some(slot) = out.get_mut(n) {
            *slot = arg;
        }
        // The rest of the argument: to its `,` or the call's `)`, nested
        // brackets and quotes skipped.
        let mut depth = 0usize;
        let mut quote = 0u8;
        while i < end {
            let c = at(t, i);
            if quote != 0 {
                if c == quote {
                    quote = 0;
                }
            } else if matches!(c, b'"' | b'\'') {
                quote = c;
            } else if matches!(c, b'(' | b'[' | b'{') {
                depth += 1;
            } else if matches!(c, b')' | b']' | b'}') {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            } else if c == b',' && depth == 0 {
                break;
            }
            i += 1;
        }
        n += 1;
        if at(t, i) != b',' {
            break;
        }
        i += 1;
    }
    (out, n)
}

/// A call whose `(` ends at `open`, taking a user and a password: the
/// argument at `index` when the call has at least `min` arguments and it
/// is a string literal, judged as an assigned password is.
fn call(sk: &mut Sink<'_>, open: usize, index: usize, min: usize) {
    if !sk.on(D::PasswordAssignment) {
        return;
    }
    let t = sk.t;
    let (args, n) = call_args(t, open);
    let Some(&(vs, ve, literal)) = args.get(index) else {
        return;
    };
    if n < min || !literal {
        return;
    }
    let val = t.get(vs..ve).unwrap_or_default();
    crate::anchors::password_value(sk, vs, ve, val, true);
}

/// A password written into a command line's argument, reached from the
/// digit word at `ws` that starts it (no literal keys these; a password
/// whose first word holds no digit is not read): OpenSSL's `pass:` form
/// (`-passin pass:…`, `-passout pass:…`, `-password pass:…`), `ws`
/// right after `pass:`, and Samba's `user%password` (`smbclient -U
/// svc%…`, `rpcclient -U`), `ws` right after the `%`.
pub(crate) fn argument_password(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    if !sk.on(D::CliPassword) {
        return;
    }
    let blank = |c: u8| c == b' ' || c == b'\t';
    match before(t, ws) {
        b':' => {
            // `-pass…` `pass:` (`pass:` starting its argument).
            let Some(p) = ws.checked_sub(5) else { return };
            let os = p - usize::from(matches!(before(t, p), b'\'' | b'"'));
            if t.get(p..ws) != Some(&b"pass:"[..]) || !blank(before(t, os)) {
                return;
            }
            let line = crate::kit::line_before(t, os, 64).trim_ascii_end();
            let opt = line.rsplit(|&c| blank(c)).next().unwrap_or_default();
            if !opt.starts_with(b"-pass") {
                return;
            }
        }
        b'%' => {
            // `-U user%…` or `--user=user%…`, the user a word of its own.
            let lo = ws.saturating_sub(66);
            let back = t.get(lo..ws - 1).unwrap_or_default();
            let user = back
                .iter()
                .rev()
                .take_while(|&&c| {
                    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'\\' | b'/')
                })
                .count();
            let us = ws - 1 - user;
            let opt = t.get(us.saturating_sub(8)..us).unwrap_or_default();
            let short =
                opt.ends_with(b"-U ") && matches!(before(t, us - 3), 0 | b' ' | b'\t' | b'\n');
            if user == 0 || !(short || opt.ends_with(b"--user=")) {
                return;
            }
        }
        _ => return,
    }
    let ve = ws
        + run(t, ws, 129, |c| {
            !c.is_ascii_whitespace() && !matches!(c, b'\'' | b'"')
        });
    cli_value(sk, ws, ve);
}

/// Java's `PasswordAuthentication(user, password)`, whose `(` ends at
/// `open`.
pub(crate) fn password_call(sk: &mut Sink<'_>, open: usize) {
    call(sk, open, 1, 2);
}

/// PowerShell's `ConvertTo-SecureString "…" -AsPlainText [-Force]` (or
/// `-String "…"`), whose name starts at `s` (`To-SecureString` ends at
/// `e`): the plain text given, a password written into the script.
fn secure_string(sk: &mut Sink<'_>, s: usize, e: usize) {
    if !sk.on(D::CliPassword) || is_word(before(sk.t, s)) || !matches!(at(sk.t, e), b' ' | b'\t') {
        return;
    }
    let t = sk.t;
    let mut value = None;
    let mut plain = false;
    let mut it = args(t, e);
    while let Some(x) = it.next() {
        let w = t.get(x.s..x.e).unwrap_or_default();
        let w = w.strip_suffix(b")").unwrap_or(w);
        if w.eq_ignore_ascii_case(b"-asplaintext") {
            plain = true;
        } else if w.eq_ignore_ascii_case(b"-string") {
            value = it.next().map(|v| unquote(t, v.s, v.e));
        } else if value.is_none() && matches!(w.first(), Some(b'"' | b'\'')) {
            value = Some(unquote(t, x.s, x.e));
        }
    }
    let Some((ps, pe)) = value else { return };
    if plain && matches!(before(t, ps), b'"' | b'\'') {
        cli_value(sk, ps, pe);
    }
}

/// The password of a `user:password` argument (quotes taken off), if it
/// has one.
fn user_pass(t: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    let (s, e) = unquote(t, s, e);
    let arg = t.get(s..e)?;
    // A usage line's template: `curl -u <user:password>`, `[user:pass]`
    // (braces are left to the placeholder check: `{user}:{password}` is
    // one, `"{acd3…}":"{ZqL5…}"` holds real values).
    if matches!(
        (arg.first(), arg.last()),
        (Some(b'<'), Some(b'>')) | (Some(b'['), Some(b']'))
    ) {
        return None;
    }
    let c = arg.iter().position(|&c| c == b':')?;
    (s + c + 1 < e).then_some((s + c + 1, e))
}

fn cli_value(sk: &mut Sink<'_>, ps: usize, pe: usize) {
    let t = sk.t;
    let Some(val) = t.get(ps..pe) else { return };
    if val.is_empty() || val.len() > 128 {
        return;
    }
    // Shell expansions and templates are not literals.
    if val.contains(&b'$')
        && (val.first() == Some(&b'$') || val.windows(2).any(|w| w == b"${" || w == b"$("))
    {
        return;
    }
    if val.contains(&b'`') || placeholder::value(val) {
        return;
    }
    let conf: Confidence = if weak_password(val) || val.len() < 4 {
        Low
    } else if val.len() >= 8 {
        High
    } else {
        Medium
    };
    sk.emit_fixed(D::CliPassword, ps, pe, conf);
}

/// Longest `.pgpass` line read.
const PGPASS_LINE: usize = 512;

/// A line of PostgreSQL's password file (`~/.pgpass`,
/// `host:port:database:user:password`), keyed on the colon before its
/// port: the digits at `ws..we`, or `*` (any port), between the first
/// two colons of their line. The host,
/// database and user are names (`*` for any), the host and the two
/// names not all digits (`1:2:3:4:5` is no such line); the password is
/// the rest of the line (`\:` and `\\` escaped), judged as any
/// assigned password. Out of line: most numbers between colons are
/// times and addresses.
#[cold]
#[inline(never)]
pub(crate) fn pgpass_line(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    if !sk.on(D::PasswordAssignment) || we - ws > 5 || ws == 0 {
        return;
    }
    let port = t.get(ws..we).unwrap_or_default();
    let value = port
        .iter()
        .fold(0u32, |v, &c| v * 10 + u32::from(c.wrapping_sub(b'0')));
    if port != b"*" && (value == 0 || value > 65_535) {
        return;
    }
    // A name field: letters, digits and `._-*` (a host, a database, a
    // user), one with something other than digits.
    let name = |f: &[u8]| {
        !f.is_empty()
            && f.len() <= 253
            && f.iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'*'))
            && !f.iter().all(u8::is_ascii_digit)
    };
    // The host, within the reach every detector has before its key.
    let lo = (ws - 1).saturating_sub(crate::kit::LOOKBACK - 8);
    let host = t.get(lo..ws - 1).unwrap_or_default();
    let hs = match host.iter().rposition(|&c| c == b'\n') {
        Some(k) => lo + k + 1,
        None if lo == 0 => 0,
        None => return,
    };
    if !name(t.get(hs..ws - 1).unwrap_or_default()) {
        return;
    }
    // The database, the user, then the password to the line's end.
    let rest = t.get(we + 1..).unwrap_or_default();
    let rest = rest.get(..PGPASS_LINE).unwrap_or(rest);
    let line = rest
        .get(..memchr::memchr(b'\n', rest).unwrap_or(rest.len()))
        .unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut fields = line.splitn(3, |&c| c == b':');
    let (Some(db), Some(user), Some(pw)) = (fields.next(), fields.next(), fields.next()) else {
        return;
    };
    if !name(db) || !name(user) {
        return;
    }
    // Unescaped colons end a field: a password holding one is a line of
    // something else.
    let mut escaped = false;
    for &c in pw {
        if c == b':' && !escaped {
            return;
        }
        escaped = c == b'\\' && !escaped;
    }
    let vs = we + 1 + db.len() + 1 + user.len() + 1;
    crate::anchors::password_value(sk, vs, vs + pw.len(), pw, true);
}
