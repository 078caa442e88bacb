//! Detectors keyed on literal anchors found with three Aho-Corasick passes
//! (Teddy SIMD prefilter): token prefixes (`AKIA`, `ghp_`, `eyJ`,
//! `-----BEGIN`, `hvs.`, …) and `://`, handled in [`crate::creds`]; key
//! words for secrets; confidentiality markings.
//!
//! The automata are case-sensitive so that the packed SIMD searcher can be
//! used (aho-corasick disables it for case-insensitive automata); key words
//! are listed in their lower, Title and UPPER forms and verified
//! case-insensitively afterwards. Each automaton is kept within Teddy's
//! limits (32 literals for Slim Teddy, 64 for Fat), and a new literal
//! should have four bytes or more that are rare in text: a literal that
//! matches ordinary words costs every scan a verification per match.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::authn;
use crate::builtin::D;
use crate::creds::{self, K};
use crate::kit::{Adj, PLAIN, Sink, at, before, eq_ci, is_word, run};
use crate::model::Confidence::{High, Low, Medium};
use crate::placeholder;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum H {
    /// A credential token's literal: handled in [`crate::creds`].
    Cred(K),
    Url,
    Confidential,
    InternalUse,
    DoNot,
    Banner,
    Tlp,
    Attorney,
    SecretKey,
    SecretUpper,
    /// `key` / `Key` / `KEY`: a key name that says it holds a secret
    /// (`key`, `api_key`, `adobeKey`, see [`secret_key_name`]) takes any
    /// secret-looking value; other names holding `key` (`sort_key`,
    /// `DD_APP_KEY`) only the providers' formats.
    Key,
    Swift,
    /// `_pass` / `_PASS`: a key name ending in `pass` (`DB_PASS`,
    /// `$db_pass`), or the start of `_password` / `_passphrase`.
    Pass,
    /// An `Authorization` scheme or a command that takes a password:
    /// handled in [`crate::authn`].
    Authn(authn::A),
}

/// `(prefix, literal, handler, length)`: the automaton searches `literal`,
/// chosen so its first three bytes are rare in prose (Teddy fingerprints
/// on them); `prefix` (compared case-insensitively) must precede it, and
/// the handler sees `length` bytes from the start of `prefix`.
type Anchor = (&'static str, &'static str, H, usize);

/// Tokens, URLs, SWIFT/TLP and two password options (` -w` of the LDAP
/// tools, ` -a` of `redis-cli`; WORDS has no room left): one automaton
/// of at most 32 literals, three bytes or more (Slim Teddy with
/// three-byte fingerprints). PyPI's and Atlassian's tokens are found
/// from a word of their body instead ([`crate::creds::word`]): each
/// holds a digit at a fixed place (`pypi-AgEIcHlwaS5vcmc…`, `ATATT3…`).
const TOKENS: &[Anchor] = &[
    // The order is chosen for Teddy, which puts pattern i in bucket
    // 7 - i % 8 (patterns sharing low nibbles share one): with this order
    // the buckets' nibble sets seldom match text (candidates per MB, true
    // matches included: about 95 on the generated prose, 790 on docs/*.md,
    // 890 on Rust sources; about 5,000 / 13,000 / 13,000 in the order the
    // literals were first written), found by a search over orders with a
    // model of Teddy's nibble test (`cargo run --release -p cordon-detect
    // --example teddy -- TOKENS`). Order cannot change results: no literal
    // is a prefix of another (`anchor_set_fits_teddy`), so at most one
    // matches at any position.
    ("", "dp.", H::Cred(K::Doppler), 3),
    ("", "ASIA", H::Cred(K::Aws), 4),
    ("", "glpat-", H::Cred(K::Gitlab), 6),
    ("", "sk-", H::Cred(K::SkDash), 3),
    ("gith", "ub_pat_", H::Cred(K::GithubPat), 11),
    ("", "EAA", H::Cred(K::Eaa), 3),
    ("", "k_live_", H::Cred(K::Stripe), 7),
    ("g", "hu_", H::Cred(K::Github), 4),
    ("", "TLP:", H::Tlp, 4),
    ("", "AIza", H::Cred(K::Google), 4),
    ("g", "hs_", H::Cred(K::Github), 4),
    ("", "SG.", H::Cred(K::Sendgrid), 3),
    ("", "xox", H::Cred(K::Slack), 3),
    ("", "eyJ", H::Cred(K::Jwt), 3),
    ("", "k_test_", H::Cred(K::Stripe), 7),
    ("", " -w", H::Authn(authn::A::PasswordOption), 3),
    ("g", "hp_", H::Cred(K::Github), 4),
    ("hooks", ".slack.com", H::Cred(K::SlackHook), 15),
    ("", "hf_", H::Cred(K::Hf), 3),
    ("", "sl.", H::Cred(K::Dropbox), 3),
    ("n", "pm_", H::Cred(K::Npm), 4),
    ("accou", "ntKey=", H::Cred(K::AzureAccountKey), 11),
    ("", "Swift", H::Swift, 5),
    ("", " -a", H::Authn(authn::A::PasswordOption), 3),
    ("", ":AA", H::Cred(K::Telegram), 3),
    ("", "AKIA", H::Cred(K::Aws), 4),
    ("g", "hr_", H::Cred(K::Github), 4),
    ("----", "-BEGIN", H::Cred(K::Pem), 10),
    ("g", "ho_", H::Cred(K::Github), 4),
    ("", "BIC", H::Swift, 3),
    ("", "://", H::Url, 3),
    ("", "SWIFT", H::Swift, 5),
];

/// Credential prefixes: one automaton of at most 64 literals, all four
/// bytes or more (Fat Teddy with four-byte fingerprints, which keep false
/// candidates rare even with this many literals: with this order, found
/// like TOKENS', none per MB on the generated prose and 292 on
/// docs/*.md, where the order the literals had come to by 2026-12-06
/// gave 3,996 and 1,798). Fat Teddy runs at about half the speed of
/// Slim, so this pass is the one cost the credential detectors add to
/// prose; tokens whose prefix holds a digit or whose body is hex need no
/// literal (they are found from their digit words, `creds::word`), and
/// the pass is skipped in blocks without letters. Literals with a letter
/// in their first four bytes only: `live_` became `ive_`, whose `l` is
/// the prefix, because `live` is an English word.
const CREDS: &[Anchor] = &[
    ("", "AIDA", H::Cred(K::AwsId), 4),
    ("", "IBAzCC", H::Cred(K::Pkcs12), 6),
    ("", "glc_", H::Cred(K::GrafanaCloud), 4),
    ("", "ANPA", H::Cred(K::AwsId), 4),
    ("", "gldt-", H::Cred(K::Gitlab), 5),
    ("l", "ive_", H::Cred(K::Live), 5),
    ("", "dckr_", H::Cred(K::Docker), 5),
    ("", "NRII-", H::Cred(K::NrInsert), 5),
    ("", "glcbt-", H::Cred(K::Gitlab), 6),
    ("", "gloas-", H::Cred(K::Gitlab), 6),
    ("", "ABIA", H::Cred(K::Aws), 4),
    ("", "glsoat-", H::Cred(K::Gitlab), 7),
    ("", "ASCA", H::Cred(K::AwsId), 4),
    ("", "xai-", H::Cred(K::Xai), 4),
    ("", "xapp-", H::Cred(K::SlackApp), 5),
    ("", "Bearer ", H::Authn(authn::A::Bearer), 7),
    ("", "pwd\"", H::SecretKey, 3),
    ("", "glagent-", H::Cred(K::Gitlab), 8),
    ("", "GOCSPX-", H::Cred(K::GoogleOauth), 7),
    ("", "AGPA", H::Cred(K::AwsId), 4),
    ("", "hvb.", H::Cred(K::VaultBatch), 4),
    ("", "nfp_", H::Cred(K::Netlify), 4),
    ("", "CFPAT-", H::Cred(K::Contentful), 6),
    ("", "rnd_", H::Cred(K::Render), 4),
    ("", "whsec_", H::Cred(K::StripeWebhook), 6),
    ("", "glft-", H::Cred(K::Gitlab), 5),
    ("", "AAAAAAAAAA", H::Cred(K::RunOfA), 10),
    ("", "curl ", H::Authn(authn::A::Curl), 5),
    ("", "sshpass", H::Authn(authn::A::Sshpass), 7),
    ("", "AROA", H::Cred(K::AwsId), 4),
    ("", "NRAK-", H::Cred(K::NrUser), 5),
    ("", "EZAK", H::Cred(K::Easypost), 4),
    ("", "AIPA", H::Cred(K::AwsId), 4),
    ("", "glsa_", H::Cred(K::GrafanaSa), 5),
    ("", "glffct-", H::Cred(K::Gitlab), 7),
    ("api", "_org_", H::Cred(K::HfOrg), 8),
    ("", "pplx-", H::Cred(K::Pplx), 5),
    ("", "fio-u-", H::Cred(K::Frameio), 6),
    ("", "figd_", H::Cred(K::Figma), 5),
    ("", "pnu_", H::Cred(K::Prefect), 4),
    ("", "tskey-", H::Cred(K::Tailscale), 6),
    ("", "glrt-", H::Cred(K::Gitlab), 5),
    ("", "AGE-SECRET", H::Cred(K::Age), 10),
    ("", "mysql", H::Authn(authn::A::Mysql), 5),
    (
        "director",
        "yEntry(",
        H::Authn(authn::A::DirectoryEntry),
        15,
    ),
    ("", "HRKU-", H::Cred(K::Heroku), 5),
    ("", "ATBB", H::Cred(K::Bitbucket), 4),
    ("", "ACCA", H::Cred(K::Aws), 4),
    ("", "pscale_", H::Cred(K::Planetscale), 7),
    ("", "tk-us-", H::Cred(K::Scalingo), 6),
    ("", "gsk_", H::Cred(K::Groq), 4),
    ("", "ANVA", H::Cred(K::AwsId), 4),
    ("", "pwd'", H::SecretKey, 3),
    ("", "lin_api_", H::Cred(K::Linear), 8),
    ("", ":APA91b", H::Cred(K::Fcm), 7),
    ("", "tfp_", H::Cred(K::Typeform), 4),
    ("sharedacce", "ssKey=", H::Cred(K::AzureShared), 16),
    ("", "glimt-", H::Cred(K::Gitlab), 6),
    ("", "Basic ", H::Authn(authn::A::Basic), 6),
    ("", "hvs.", H::Cred(K::VaultSvc), 4),
    ("", "APKA", H::Cred(K::AwsId), 4),
    ("", "AQVN", H::Cred(K::Yandex), 4),
    ("", "LTAI", H::Cred(K::Alibaba), 4),
    ("", "\"auth", H::Authn(authn::A::DockerAuth), 5),
];

/// Words: confidentiality markings and secret-bearing key names.
///
/// Ordered for Teddy's buckets like TOKENS (`cargo run --release -p
/// cordon-detect --example teddy -- WORDS 20000`): false candidates per MB
/// 216 / 0 / about 3,400 (prose corpus / CSV / docs/*.md) instead of
/// 14,272 / 0 / 18,533 in the order the literals were written. Two
/// literals overlap only where both handlers read the same key (`_pass`
/// and `ssw` in `_password`), so a stream cut between them finds what
/// one pass does.
///
/// - `pwd` only in lower and Title case before its `=` (`wd=` after `p`:
///   `Pwd=…;` in a connection string, `db_pwd=…`, ` -pwd=…`), and `PWD`
///   anywhere (`MYSQL_PWD=…`).
/// - `_pass` / `_PASS`: key names ending in `pass` (`DB_PASS`,
///   `$db_pass`); each also starts `_password` / `_PASSWORD`, where it
///   hands the key to the handler the `ssw` literals use (the two
///   overlap only in a key both read alike).
/// - `o not `, `O NOT `, `o Not ` (after `d`) and `rnal `, `RNAL ` (after
///   `inte`): the words after them are checked by the handlers, as the
///   ten literals they replaced spelled them (`DO NOT DISTRIB…`, `do not
///   copy`, `Do Not Distrib…`, `INTERNAL USE`, `internal use`); the
///   mixed cases `do NOT`, `DO not` are no longer read.
/// - ` -p` / ` -P`: a password option of a command line (`psexec … -p
///   …`, `sqlcmd … -P …`), the command read back from the line (` -w`
///   and ` -a`, for `ldapsearch` and `redis-cli`, are in TOKENS).
/// - `cAuth(` after `basi`: Python's `HTTPBasicAuth(user, password)` and
///   aiohttp's `BasicAuth(…)`.
/// - An `.npmrc`'s `_auth=…`; .NET's `NetworkCredential(`, PowerShell's
///   `ConvertTo-SecureString`.
const WORDS: &[Anchor] = &[
    ("t", "oken", H::SecretKey, 5),
    ("con", "FIDENTIAL", H::Confidential, 12),
    ("con", "fidential", H::Confidential, 12),
    ("inte", "RNAL ", H::InternalUse, 12),
    ("", "Key", H::Key, 3),
    ("p", "wd=", H::SecretKey, 3),
    (
        "convert",
        "To-SecureString",
        H::Authn(authn::A::SecureString),
        22,
    ),
    ("basi", "cAuth(", H::Authn(authn::A::BasicAuthCall), 10),
    ("d", "o not ", H::DoNot, 7),
    ("", "PWD", H::SecretKey, 3),
    ("", "RESTRICTED", H::Banner, 10),
    ("t", "OKEN", H::SecretKey, 5),
    ("pa", "ssw", H::SecretKey, 5),
    ("a", "ttorney", H::Attorney, 8),
    ("s", "ECRET", H::SecretUpper, 6),
    ("", "OFFICIAL", H::Banner, 8),
    ("a", "TTORNEY", H::Attorney, 8),
    ("", "KEY", H::Key, 3),
    ("", " -p", H::Authn(authn::A::PasswordOption), 3),
    ("", "_auth", H::Authn(authn::A::NpmAuth), 5),
    ("", " -P", H::Authn(authn::A::PasswordOption), 3),
    ("pa", "SSW", H::SecretKey, 5),
    (
        "networ",
        "kCredential(",
        H::Authn(authn::A::NetworkCredential),
        18,
    ),
    ("", "CUI", H::Banner, 3),
    ("d", "o Not ", H::DoNot, 7),
    ("d", "O NOT ", H::DoNot, 7),
    ("s", "ecret", H::SecretKey, 6),
    ("", "_PASS", H::Pass, 5),
    ("inte", "rnal ", H::InternalUse, 12),
    ("", "_pass", H::Pass, 5),
    ("", "key", H::Key, 3),
    ("", "CLASSIFIED", H::Banner, 10),
];

fn build(anchors: &[Anchor]) -> Option<AhoCorasick> {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostFirst)
        .build(anchors.iter().map(|a| a.1))
        .ok()
}

static AC_TOKENS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| build(TOKENS));
static AC_CREDS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| build(CREDS));
static AC_WORDS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| build(WORDS));

/// Longest literal plus prefix, so a scan of `from..to` reads far enough to
/// see anchors whose prefix starts before `to`.
const MAX_ANCHOR: usize = 24;

/// Text is scanned in blocks of this size, so that number-dense stretches
/// skip the passes that cannot match there (see [`scan`]) even inside one
/// large buffer.
const BLOCK: usize = 64 * 1024;

pub(crate) fn scan(sk: &mut Sink<'_>, from: usize, to: usize) {
    // Every CREDS and WORDS literal holds a letter, so none can match in
    // text whose bytes are all below 0x40 (digits, punctuation, spaces: a
    // number-dense export): those two passes are skipped in such blocks.
    // The test stops at the first 64 bytes with a letter, so prose pays
    // nothing for it. Keys are evaluated where they lie whatever the
    // block, so the findings are those of one pass over `from..to`.
    let mut b = from;
    while b < to {
        let e = b.saturating_add(BLOCK).min(to);
        let hi = e.saturating_add(MAX_ANCHOR).min(sk.t.len());
        let lettered = sk.t.get(b..hi).is_some_and(|w| !below_0x40(w));
        for (ac, table, letters) in [
            (&*AC_TOKENS, TOKENS, false),
            (&*AC_CREDS, CREDS, true),
            (&*AC_WORDS, WORDS, true),
        ] {
            let Some(ac) = ac.as_ref() else { continue };
            if letters && !lettered {
                continue;
            }
            scan_one(sk, ac, table, b, e);
        }
        b = e;
    }
}

/// True if every byte of `w` is below 0x40: no letter, no `_`, nothing
/// outside ASCII. Sixty-four bytes at a time with a fold the compiler
/// turns into vector ORs.
fn below_0x40(w: &[u8]) -> bool {
    let mut blocks = w.chunks_exact(64);
    for b in &mut blocks {
        let Ok(b) = <&[u8; 64]>::try_from(b) else {
            return false;
        };
        if b.iter().fold(0u8, |a, &x| a | x) & 0xC0 != 0 {
            return false;
        }
    }
    blocks.remainder().iter().fold(0u8, |a, &x| a | x) & 0xC0 == 0
}

fn scan_one(sk: &mut Sink<'_>, ac: &AhoCorasick, table: &[Anchor], from: usize, to: usize) {
    let t = sk.t;
    let hi = to.saturating_add(MAX_ANCHOR).min(t.len());
    let Some(hay) = t.get(from..hi) else { return };
    // Leftmost-first, non-overlapping: the literals are chosen so that no
    // two can overlap in real text, so this reports every literal start
    // and is independent of where the scan began (streaming stays exact).
    // The one literal that overlaps itself, a run of ten `A`, acts only at
    // the start of its run, which every scan reports.
    for m in ac.find_iter(hay) {
        let ms = from + m.start();
        let Some(&(pre, _, h, len)) = table.get(m.pattern().as_usize()) else {
            continue;
        };
        let Some(a) = ms.checked_sub(pre.len()) else {
            continue;
        };
        if a >= to {
            break;
        }
        if a < from || !eq_ci(t, a, pre.as_bytes()) {
            continue;
        }
        dispatch(sk, h, a, a + len);
    }
}

fn dispatch(sk: &mut Sink<'_>, h: H, a: usize, ae: usize) {
    match h {
        H::Cred(k) => creds::anchor(sk, k, a, ae),
        H::Url => {
            url_password(sk, a);
            creds::url(sk, a);
        }
        H::Confidential => confidential(sk, a, ae),
        H::InternalUse => internal_use(sk, a, ae),
        H::DoNot => do_not(sk, a, ae),
        H::Banner => banner(sk, a, ae),
        H::Tlp => tlp(sk, a, ae),
        H::Attorney => attorney(sk, a, ae),
        H::SecretKey => secret_key(sk, a, ae, Generic::Yes),
        H::Key => secret_key(sk, a, ae, Generic::IfNamed),
        H::SecretUpper => {
            banner(sk, a, ae);
            secret_key(sk, a, ae, Generic::Yes);
        }
        H::Swift => swift(sk, a, ae),
        H::Pass => pass_key(sk, a, ae),
        H::Authn(x) => authn::anchor(sk, x, a, ae),
    }
}

pub(crate) fn b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}

const WEAK_PASSWORDS: &[&[u8]] = &[
    b"password",
    b"passwd",
    b"pass",
    b"secret",
    b"test",
    b"mypassword",
    b"admin",
    b"root",
    b"user",
    b"pwd",
    b"p@ssw0rd",
    b"letmein",
    b"qwerty",
    b"foobar",
    b"foo",
    b"bar",
    b"none",
    b"null",
    b"hidden",
    b"token",
    b"guest",
];

/// A weak or default password (`admin`, `letmein`, `abc`, `1234`): real
/// often enough to report, common enough to report low.
pub(crate) fn weak_password(v: &[u8]) -> bool {
    let l = v.to_ascii_lowercase();
    WEAK_PASSWORDS.contains(&l.as_slice()) || ascending(&l)
}

/// Three to eight letters or digits, each the one after the one before
/// (`abc`, `123`, `abcdef`): the alphabet's or the digits' first few,
/// typed where a password belongs in examples. (Longer runs are placeholders anywhere,
/// see [`placeholder::value`].)
fn ascending(l: &[u8]) -> bool {
    (3..=8).contains(&l.len())
        && l.windows(2).all(|w| match w {
            [a, b] => {
                (a.is_ascii_lowercase() || a.is_ascii_digit())
                    && b.checked_sub(1) == Some(*a)
                    && b.is_ascii_alphanumeric()
            }
            _ => false,
        })
}

fn url_password(sk: &mut Sink<'_>, a: usize) {
    if !sk.on(D::UrlPassword) {
        return;
    }
    let t = sk.t;
    // scheme
    let mut s = a;
    while s > 0 && a - s < 20 && {
        let c = at(t, s - 1);
        c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-')
    } {
        s -= 1;
    }
    if a - s < 2 || !at(t, s).is_ascii_alphabetic() {
        return;
    }
    let us = a + 3;
    let user_ok = |c: u8| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'.' | b'_'
                    | b'~'
                    | b'%'
                    | b'-'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
            )
    };
    let un = run(t, us, 128, user_ok);
    if un > 128 || at(t, us + un) != b':' {
        return;
    }
    let ps = us + un + 1;
    let pass_ok = |c: u8| {
        c > b' '
            && c < 0x7f
            && !matches!(
                c,
                b'@' | b'/' | b'"' | b'\'' | b'<' | b'>' | b'[' | b']' | b'`' | b':'
            )
    };
    let pn = run(t, ps, 256, pass_ok);
    if pn == 0 || pn > 256 || at(t, ps + pn) != b'@' {
        return;
    }
    let host = at(t, ps + pn + 1);
    if !(host.is_ascii_alphanumeric() || host == b'[') {
        return;
    }
    let pass = t.get(ps..ps + pn).unwrap_or_default();
    // `user:****@host` is a URL someone already redacted: there is no
    // secret left to report, and its mask would be the text itself.
    if pass.iter().all(|&c| c == b'*') {
        return;
    }
    // Placeholders ("password", "${PASS}") and documentation hosts
    // (example.com) drop straight to low.
    let hs = ps + pn + 1;
    let hn = run(t, hs, 255, |c| {
        c.is_ascii_alphanumeric() || c == b'.' || c == b'-'
    });
    let doc_host = crate::net::example_domain(t.get(hs..hs + hn).unwrap_or_default());
    if placeholder::value(pass) {
        return;
    }
    let placeholder =
        weak_password(pass) || doc_host || pass == t.get(us..us + un).unwrap_or_default();
    sk.emit_fixed(
        D::UrlPassword,
        ps,
        ps + pn,
        if placeholder { Low } else { High },
    );
}

fn word_bounded(t: &[u8], a: usize, e: usize) -> bool {
    !before(t, a).is_ascii_alphanumeric() && !at(t, e).is_ascii_alphanumeric()
}

fn line_bounds(t: &[u8], a: usize, e: usize) -> (usize, usize) {
    let lo = a.saturating_sub(120);
    let ls = t
        .get(lo..a)
        .and_then(|s| s.iter().rposition(|&c| c == b'\n'))
        .map_or(if lo == 0 { 0 } else { usize::MAX }, |p| lo + p + 1);
    let hi = (e + 120).min(t.len());
    let le = t
        .get(e..hi)
        .and_then(|s| s.iter().position(|&c| c == b'\n' || c == b'\r'))
        .map_or(if hi == t.len() { hi } else { usize::MAX }, |p| e + p);
    (ls, le)
}

/// The marking stands alone on its line (a header/footer banner), possibly
/// followed by `//` control markings: returns the trimmed line.
fn alone_on_line(t: &[u8], a: usize, e: usize) -> Option<(usize, usize)> {
    let (ls, le) = line_bounds(t, a, e);
    if ls == usize::MAX || le == usize::MAX {
        return None;
    }
    let line = t.get(ls..le)?;
    let pad = |c: &u8| {
        matches!(
            c,
            b' ' | b'\t' | b'*' | b'=' | b'#' | b'-' | b'(' | b')' | b'[' | b']'
        )
    };
    let s = ls + line.iter().position(|c| !pad(c))?;
    let e2 = ls + line.iter().rposition(|c| !pad(c))? + 1;
    // The term (with "TOP " before it) is all the line holds, or it is
    // followed directly by "//" control markings.
    let before_ok = t
        .get(s..a)
        .is_some_and(|p| p.is_empty() || p == b"TOP " || p == b"UN");
    let after = t.get(e..e2)?;
    let after_ok = after.is_empty()
        || (after.starts_with(b"//")
            && after.iter().all(|&c| {
                c.is_ascii_uppercase()
                    || c.is_ascii_digit()
                    || matches!(c, b'/' | b' ' | b'-' | b',')
            }));
    (before_ok && after_ok && e2 - s <= 80).then_some((s, e2))
}

/// "confidential" as a technical adjective, not a marking.
const CONFIDENTIAL_TERMS: &[&[u8]] = &[
    b" comput",
    b"-comput",
    b" vm",
    b" instance",
    b" node",
    b" client",
    b" transaction",
    b" space",
    b" container",
    b" gke",
    b" mode",
    b" ledger",
];

fn confidential(sk: &mut Sink<'_>, a: usize, ae: usize) {
    let t = sk.t;
    if !word_bounded(t, a, ae) {
        return;
    }
    if CONFIDENTIAL_TERMS.iter().any(|w| eq_ci(t, ae, w)) {
        return;
    }
    let upper = at(t, a + 1) == b'O';
    if upper {
        if let Some((s, e)) = alone_on_line(t, a, ae)
            && sk.on(D::ClassificationBanner)
        {
            sk.emit_fixed(D::ClassificationBanner, s, e, High);
        }
        if at(t, ae) == b'/' && at(t, ae + 1) == b'/' {
            let n = run(t, ae, 60, |c| {
                c.is_ascii_uppercase() || matches!(c, b'/' | b' ' | b'-' | b',')
            });
            sk.emit_fixed(D::ClassificationBanner, a, ae + n, High);
        }
    }
    let lo = a.saturating_sub(24);
    let pre = t.get(lo..a).unwrap_or_default().to_ascii_lowercase();
    let strong_pre = [
        &b"strictly "[..],
        b"company ",
        b"highly ",
        b"private and ",
        b"privileged and ",
        b"privileged & ",
        b"business ",
        b"proprietary and ",
        b"proprietary & ",
    ]
    .iter()
    .any(|p| pre.ends_with(p));
    let line_start = {
        let (ls, _) = line_bounds(t, a, ae);
        ls != usize::MAX
            && t.get(ls..a).is_some_and(|p| {
                p.iter().all(|c| {
                    c.is_ascii_whitespace() || matches!(c, b'*' | b'#' | b'/' | b'-' | b'[' | b'(')
                })
            })
    };
    let conf = if upper || strong_pre || line_start {
        High
    } else {
        Medium
    };
    let s = if strong_pre {
        let p = pre
            .iter()
            .rposition(|c| c.is_ascii_whitespace())
            .unwrap_or(0);
        let w = pre
            .get(..p)
            .and_then(|x| x.iter().rposition(|c| c.is_ascii_whitespace()))
            .map_or(0, |q| q + 1);
        lo + w
    } else {
        a
    };
    let s = if s > a { a } else { s };
    sk.emit_fixed(D::ConfidentialMarker, s, ae, conf);
}

/// `internal use` as its literals were first spelled, before one literal
/// per case of `rnal ` replaced them (after `inte`).
const INTERNAL_USE: [&[u8]; 3] = [b"RNAL USE", b"rnal Use", b"rnal use"];

fn internal_use(sk: &mut Sink<'_>, a: usize, ae: usize) {
    let t = sk.t;
    if !INTERNAL_USE.iter().any(|w| t.get(a + 4..a + 12) == Some(w)) {
        return;
    }
    if !word_bounded(t, a, ae) && !eq_ci(t, ae, b" only") {
        return;
    }
    let only = eq_ci(t, ae, b" only");
    let for_pre = a >= 4 && eq_ci(t, a - 4, b"for ");
    if !only && !for_pre {
        return;
    }
    let s = if for_pre { a - 4 } else { a };
    let e = if only { ae + 5 } else { ae };
    if at(t, e).is_ascii_alphanumeric() {
        return;
    }
    let upper = at(t, a + 1) == b'N';
    let conf = if upper || (for_pre && only) {
        High
    } else {
        Medium
    };
    sk.emit_fixed(D::InternalUseMarker, s, e, conf);
}

/// `do not …` as its literals were first spelled, before one literal per
/// case of `o not ` replaced them (after `do `).
const DO_NOT: [&[u8]; 7] = [
    b"not copy",
    b"NOT DISTRIB",
    b"NOT COPY",
    b"NOT FORWARD",
    b"not forward",
    b"Not Distrib",
    b"not distrib",
];

fn do_not(sk: &mut Sink<'_>, a: usize, ae: usize) {
    let t = sk.t;
    if !DO_NOT
        .iter()
        .any(|w| t.get(a + 3..a + 3 + w.len()) == Some(w))
    {
        return;
    }
    if before(t, a).is_ascii_alphanumeric() {
        return;
    }
    let verbs: [&[u8]; 6] = [
        b"distribute",
        b"forward",
        b"copy",
        b"disclose",
        b"share",
        b"circulate",
    ];
    let Some(v) = verbs.iter().find(|v| eq_ci(t, ae, v)) else {
        return;
    };
    let e = ae + v.len();
    if at(t, e).is_ascii_alphanumeric() {
        return;
    }
    // "do not copy" in prose ("do not copy the file into …") is weaker
    // than the marking "DO NOT DISTRIBUTE".
    let upper = at(t, a + 1) == b'O';
    let conf = if upper || *v == b"distribute" || *v == b"circulate" {
        High
    } else {
        Low
    };
    sk.emit_fixed(D::DoNotDistributeMarker, a, e, conf);
}

fn banner(sk: &mut Sink<'_>, a: usize, ae: usize) {
    if !sk.on(D::ClassificationBanner) {
        return;
    }
    let t = sk.t;
    let lit = t.get(a..ae).unwrap_or_default();
    let mut s = a;
    if lit == b"SECRET" {
        if a >= 4 && t.get(a - 4..a) == Some(&b"TOP "[..]) {
            s = a - 4;
        }
        if a >= 4 && t.get(a - 4..a) == Some(&b"TOP-"[..]) {
            s = a - 4;
        }
    }
    let mut a2 = a;
    if lit == b"CLASSIFIED" && a >= 2 && t.get(a - 2..a) == Some(&b"UN"[..]) {
        a2 = a - 2;
        s = a2;
    }
    if !(word_bounded(t, a2, ae) || at(t, ae) == b'/' || at(t, ae) == b'-') {
        return;
    }
    if before(t, a2).is_ascii_alphanumeric() || at(t, ae).is_ascii_alphanumeric() {
        return;
    }
    let markings = at(t, ae) == b'/' && at(t, ae + 1) == b'/';
    let unclassified = a2 != a;
    match lit {
        b"OFFICIAL"
            if (!(eq_ci(t, ae, b"-sensitive") || eq_ci(t, ae, b" sensitive"))
                || at(t, ae + 1) != b'S') =>
        {
            return;
        }
        // "CUI" is also an Italian word: only with its markings.
        b"CUI" if !markings => return,
        _ => {}
    }
    if unclassified && !markings {
        return; // plain UNCLASSIFIED is not sensitive
    }
    if markings {
        let n = run(t, ae, 80, |c| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, b'/' | b' ' | b'-' | b',')
        });
        let mut e = ae + n;
        while e > ae && at(t, e - 1) == b' ' {
            e -= 1;
        }
        sk.emit_fixed(D::ClassificationBanner, s, e, High);
        return;
    }
    let e = if lit == b"OFFICIAL" { ae + 10 } else { ae };
    if let Some((ls, le)) = alone_on_line(t, s, e) {
        sk.emit_fixed(D::ClassificationBanner, ls, le, High);
    } else if lit == b"OFFICIAL" {
        sk.emit_fixed(D::ClassificationBanner, s, e, Medium);
    } else if lit == b"SECRET" && s != a {
        // "TOP SECRET" inside a line: a marking, but not a banner.
        sk.emit_fixed(D::ClassificationBanner, s, e, Medium);
    }
}

fn tlp(sk: &mut Sink<'_>, a: usize, ae: usize) {
    let t = sk.t;
    if before(t, a).is_ascii_alphanumeric() {
        return;
    }
    let mut i = ae;
    if at(t, i) == b' ' {
        i += 1;
    }
    for (w, len) in [(&b"AMBER+STRICT"[..], 12), (b"AMBER", 5), (b"RED", 3)] {
        if t.get(i..i + len) == Some(w) && !at(t, i + len).is_ascii_alphanumeric() {
            sk.emit_fixed(D::TlpMarker, a, i + len, High);
            return;
        }
    }
}

fn attorney(sk: &mut Sink<'_>, a: usize, ae: usize) {
    let t = sk.t;
    if before(t, a).is_ascii_alphanumeric() {
        return;
    }
    let (e, conf) =
        if eq_ci(t, ae, b"-client") || eq_ci(t, ae, b" client") || eq_ci(t, ae, b"/client") {
            let mut e = ae + 7;
            let mut conf = Medium;
            for suffix in [&b" privileged"[..], b" privilege", b" communication"] {
                if eq_ci(t, e, suffix) {
                    e += suffix.len();
                    conf = High;
                    break;
                }
            }
            (e, conf)
        } else if eq_ci(t, ae, b" work product") {
            (ae + 13, High)
        } else {
            return;
        };
    if at(t, e).is_ascii_alphanumeric() || eq_ci(t, e, b" relationship") {
        // "does not create an attorney-client relationship" (licences).
        return;
    }
    sk.emit_fixed(D::AttorneyClientMarker, a, e, conf);
}

/// Shannon entropy in bits per byte.
pub(crate) fn entropy(v: &[u8]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &c in v {
        if let Some(x) = counts.get_mut(c as usize) {
            *x += 1;
        }
    }
    let n = v.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Longest assigned value looked at.
const MAX_VALUE: usize = 4096;

/// Most bytes between a password's name and the `is` that gives it
/// (`password for the user "pyne-user" is …`).
const FOR_WORDS: usize = 48;

fn key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// Whether a key name's value may be reported as a generic secret.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Generic {
    Yes,
    /// Only when [`secret_key_name`] says so; otherwise only providers'
    /// named secrets.
    IfNamed,
}

/// Words before `key` in a key name that make it something other than a
/// secret: database and cache keys, public keys, key identifiers kept
/// apart (`gpg_key` holds an id), UI and map keys.
const NOT_SECRET_KEYS: &[&[u8]] = &[
    b"public",
    b"pub",
    b"publishable",
    b"primary",
    b"foreign",
    b"sort",
    b"partition",
    b"range",
    b"hash",
    b"cache",
    b"idempotency",
    b"dedup",
    b"dedupe",
    b"unique",
    b"composite",
    b"natural",
    b"surrogate",
    b"shard",
    b"routing",
    b"lookup",
    b"map",
    b"dict",
    b"index",
    b"row",
    b"object",
    b"cursor",
    b"message",
    b"translation",
    b"i18n",
    b"locale",
    b"label",
    b"field",
    b"column",
    b"group",
    b"event",
    b"sequence",
    b"ssh",
    b"gpg",
    b"pgp",
    b"hotkey",
    b"short",
    b"react",
    b"next",
    b"prev",
    b"parent",
    b"child",
    b"node",
    b"item",
    b"list",
    b"menu",
    b"monkey",
    b"turkey",
    b"whiskey",
    b"jockey",
    b"hockey",
];

/// True if key name `key` (lower case) names a secret by ending in `key`
/// (`key`, `api_key`, `apiKey`, `ADOBE_KEY`, `Using Key=`) after no word of
/// [`NOT_SECRET_KEYS`]. This is how other scanners' generic rules read a
/// key name too (gitleaks' `generic-api-key`); the value must still look
/// random ([`generic_value`]).
fn secret_key_name(key: &[u8]) -> bool {
    let n: Vec<u8> = key
        .iter()
        .copied()
        .filter(|c| !matches!(c, b'_' | b'-' | b'.'))
        .collect();
    let Some(head) = n.strip_suffix(b"key") else {
        return false;
    };
    !NOT_SECRET_KEYS
        .iter()
        .any(|w| head.ends_with(w) || n.ends_with(w))
}

/// A `pass` literal at `a..ae` (`_pass`, `_PASS`): the start of
/// `_password` / `_passwd` / `_passphrase`, read as the `ssw` literals
/// read it, or the end of a key name (`DB_PASS`, `$smtp_pass`), not the
/// start of another word (`_passenger`).
fn pass_key(sk: &mut Sink<'_>, a: usize, ae: usize) {
    let t = sk.t;
    let next = at(t, ae);
    if next.is_ascii_alphabetic() && !matches!(next, b'w' | b'W') && !eq_ci(t, ae, b"phrase") {
        return;
    }
    secret_key(sk, a, ae, Generic::Yes);
}

/// True if key name `key` (lower case) names a password: it holds
/// `password`, `passwd`, `pwd` or `passphrase`, or ends in `pass`
/// (`db_pass`, `smtppass`) other than as a word of its own (`bypass`,
/// `compass`).
fn password_key(key: &[u8]) -> bool {
    let has = |s: &[u8]| key.windows(s.len()).any(|w| w == s);
    has(b"password")
        || has(b"passwd")
        || has(b"pwd")
        || has(b"passphrase")
        || (key.ends_with(b"pass")
            && ![
                &b"bypass"[..],
                b"compass",
                b"surpass",
                b"trespass",
                b"overpass",
                b"underpass",
            ]
            .iter()
            .any(|w| key.ends_with(w)))
}

/// The key names WordPress's secret-key service writes into
/// `wp-config.php` (lower case), before its four salts.
const WP_KEYS: [&[u8]; 4] = [
    b"auth_key",
    b"secure_auth_key",
    b"logged_in_key",
    b"nonce_key",
];

/// Longest line of a `wp-config.php` define read for a salt.
const WP_LINE: usize = 256;

/// True if the name at `ks` starts its line (blanks before it) and the
/// quoted value opening at `q` ends it (blanks or a `;` after it).
fn quoted_line(t: &[u8], ks: usize, q: usize) -> bool {
    let head = t.get(..ks).unwrap_or_default();
    let indent = head
        .iter()
        .rev()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    if !matches!(
        head.len().checked_sub(indent + 1).map(|k| at(t, k)),
        None | Some(b'\n')
    ) {
        return false;
    }
    let quote = at(t, q);
    let Some(rest) = t.get(q + 1..) else {
        return false;
    };
    let line = rest
        .get(..memchr::memchr(b'\n', rest).unwrap_or(rest.len()))
        .unwrap_or_default();
    memchr::memchr(quote, line).is_some_and(|k| {
        k > 0
            && line
                .get(k + 1..)
                .unwrap_or_default()
                .iter()
                .all(|&c| matches!(c, b' ' | b'\t' | b';' | b'\r'))
    })
}

/// True if a PHP `define(` and a quote stand right before the name at
/// `ks` (`define('AUTH_KEY'`, `define( "NONCE_KEY"`).
fn after_define(t: &[u8], ks: usize) -> bool {
    let mut i = ks;
    if !matches!(before(t, i), b'\'' | b'"') {
        return false;
    }
    i -= 1;
    while i > 0 && matches!(at(t, i - 1), b' ' | b'\t') {
        i -= 1;
    }
    i >= 7 && at(t, i - 1) == b'(' && eq_ci(t, i - 7, b"define")
}

/// One `define('NAME', 'value');` line of `line` (blanks anywhere
/// between its parts): the name's and the value's ranges, relative to
/// the line.
fn php_define(line: &[u8]) -> Option<((usize, usize), (usize, usize))> {
    // Blanks, then `w` (any case): moves past it.
    let expect = |i: &mut usize, w: &[u8]| -> Option<()> {
        while matches!(line.get(*i), Some(b' ' | b'\t')) {
            *i += 1;
        }
        line.get(*i..*i + w.len())
            .filter(|x| x.eq_ignore_ascii_case(w))?;
        *i += w.len();
        Some(())
    };
    // Blanks, then an opening quote: moves past it, and gives it.
    let quote = |i: &mut usize| -> Option<u8> {
        expect(i, b"")?;
        let q = *line.get(*i).filter(|&&c| c == b'\'' || c == b'"')?;
        *i += 1;
        Some(q)
    };
    let mut i = 0;
    expect(&mut i, b"define")?;
    expect(&mut i, b"(")?;
    let q = quote(&mut i)?;
    let ns = i;
    i += line
        .get(ns..)?
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_')
        .count();
    let ne = i;
    (ne > ns && line.get(i) == Some(&q)).then_some(())?;
    i += 1;
    expect(&mut i, b",")?;
    let q = quote(&mut i)?;
    let vs = i;
    let ve = vs + memchr::memchr(q, line.get(vs..)?)?;
    i = ve + 1;
    expect(&mut i, b")")?;
    Some(((ns, ne), (vs, ve)))
}

/// WordPress's salts (`define('AUTH_SALT', '…');`), read from the key
/// define that ends at `ke`: the defines on the lines after it, up to the
/// next key's define (which reads its own), a line that is neither a
/// define nor a comment or a blank, or twelve lines. Each salt is judged
/// as the keys are (a value drawn from every printable character);
/// WordPress's placeholder, `put your unique phrase here`, is not one.
fn wordpress_salts(sk: &mut Sink<'_>, ke: usize) {
    let t = sk.t;
    let Some(nl) = t
        .get(ke..)
        .and_then(|r| memchr::memchr(b'\n', r.get(..WP_LINE).unwrap_or(r)))
    else {
        return;
    };
    let mut ls = ke + nl + 1;
    for _ in 0..12 {
        let Some(rest) = t.get(ls..).filter(|r| !r.is_empty()) else {
            return;
        };
        let window = rest.get(..WP_LINE).unwrap_or(rest);
        let Some(len) =
            memchr::memchr(b'\n', window).or((rest.len() <= WP_LINE).then_some(rest.len()))
        else {
            return;
        };
        let line = window.get(..len).unwrap_or_default();
        let body = line.trim_ascii();
        let next = ls + len + 1;
        if body.is_empty() || body.starts_with(b"#") || body.starts_with(b"//") {
            ls = next;
            continue;
        }
        let Some(((ns, ne), (vs, ve))) = php_define(line) else {
            return;
        };
        let name = line.get(ns..ne).unwrap_or_default();
        if name.len() >= 4
            && name
                .get(name.len() - 4..)
                .is_some_and(|e| e.eq_ignore_ascii_case(b"_key"))
        {
            return;
        }
        if name.len() >= 5
            && name
                .get(name.len() - 5..)
                .is_some_and(|e| e.eq_ignore_ascii_case(b"_salt"))
        {
            let val = line.get(vs..ve).unwrap_or_default();
            generic_value(sk, ls + vs, ls + ve, val, true);
        }
        ls = next;
    }
}

/// `<key> [:=] <value>` (or `<key>value</key>`) where the key contains
/// the anchor word. Under [`Generic::IfNamed`] (the `key` anchors) only
/// providers' named secrets are looked for unless the name says the
/// value is a secret ([`secret_key_name`]).
fn secret_key(sk: &mut Sink<'_>, a: usize, ae: usize, generic: Generic) {
    let t = sk.t;
    // The whole key identifier around the anchor.
    let mut ks = a;
    while ks > 0 && a - ks < 40 && key_char(at(t, ks - 1)) {
        ks -= 1;
    }
    let mut ke = ae;
    while ke - ae < 60 && key_char(at(t, ke)) {
        ke += 1;
    }
    // An `Authorization` header's scheme: `token …`, `ApiKey …`.
    if authn::header_scheme(sk, ks, ke) {
        return;
    }
    // A Maven coordinate (`io.jsonwebtoken:jjwt-jackson:0.11.2`): the
    // anchor inside a package's name, the artifact glued to its colon.
    if maven_coordinate(t, ks, ke) || file_name_key(t, ae, ke) {
        return;
    }
    // A legacy Notion token is an identifier of its own: `secret_<43>`.
    if generic == Generic::Yes && t.get(ks..ks + 7) == Some(&b"secret_"[..]) {
        creds::notion_legacy(sk, ks, ke);
    }
    // Only the last anchor inside one key acts ("db_password_token").
    let key = t.get(ks..ke).unwrap_or_default().to_ascii_lowercase();
    // `Unseal Key 1: …` as `vault operator init` prints it.
    if key == b"key" && ks >= 7 {
        for w in [&b"unseal "[..], b"recovery "] {
            if ks >= w.len() && eq_ci(t, ks - w.len(), w) {
                creds::vault_unseal(sk, ks - w.len(), ke);
                return;
            }
        }
    }
    // WordPress's keys and salts (`define('AUTH_KEY', '…');`): the salts
    // after a key, which no anchor literal reads.
    if WP_KEYS.contains(&key.as_slice()) && after_define(t, ks) {
        wordpress_salts(sk, ke);
    }
    // Java's `new PasswordAuthentication("user", "…".toCharArray())`.
    if key == b"passwordauthentication" && at(t, ke) == b'(' {
        authn::password_call(sk, ke + 1);
        return;
    }
    if key == b"secret" && at(t, ks.saturating_sub(1)) != b'_' {
        creds::kubernetes_secret(sk, ks, ke);
    }
    // An XML attribute named `key` holds a setting's name (`<add
    // key="ConnectionString" value="…"/>`): the value is the next
    // attribute's, read from the name's own anchor if it has one.
    if key == b"key" && at(t, ke) == b'=' && matches!(at(t, ke + 1), b'"' | b'\'') && in_tag(t, ks)
    {
        return;
    }
    let generic = generic == Generic::Yes || secret_key_name(&key);
    // A setting's name written as the value of a `key`/`name` field, its
    // value in the `value` field after it: `- name: DB_PASSWORD` and
    // `value: …` (a Kubernetes container's env, Ansible), `<key>password`
    // `</key><value>…</value>`, `{"key": "password", "value": "…"}`.
    if let Some((vs, ve, quoted)) = named_pair(t, ks, ke) {
        let val = t.get(vs..ve).unwrap_or_default();
        assigned_value(sk, &key, vs, ve, val, quoted, generic);
        return;
    }
    // An XML element: `<password>…</password>` (Maven's settings.xml,
    // Jenkins' credentials, .NET configuration).
    if before(t, ks) == b'<' && at(t, ke) == b'>' {
        // The value may stand on a line of its own, indented.
        let (vs, _) = skip_blank(t, ke + 1);
        let n = run(t, vs, MAX_VALUE, |c| c != b'<' && c != b'\n' && c != b'\r');
        let ve = vs + n;
        let (close_at, _) = skip_blank(t, ve);
        let close = t.get(close_at..close_at + 2) == Some(&b"</"[..])
            && t.get(close_at + 2..close_at + 2 + (ke - ks)) == t.get(ks..ke);
        let n = t.get(vs..ve).map_or(0, |v| {
            v.len()
                - v.iter()
                    .rev()
                    .take_while(|&&c| c == b' ' || c == b'\t')
                    .count()
        });
        let ve = vs + n;
        if n > 0 && n <= MAX_VALUE && close {
            let val = t.get(vs..ve).unwrap_or_default();
            assigned_value(sk, &key, vs, ve, val, true, generic);
        }
        return;
    }
    // An Android string resource: `<string name="api_secret">…</string>`
    // (`res/values/strings.xml`, where apps keep their keys).
    if let Some((vs, ve)) = string_resource(t, ks, ke) {
        let val = t.get(vs..ve).unwrap_or_default();
        assigned_value(sk, &key, vs, ve, val, true, generic);
        return;
    }
    let mut i = ke;
    // A JSON document inside a string, its quotes escaped once
    // (`"{\"awsSecretKey\":\"…\"}"` in a log line, a template, a
    // test): the name's closing `\"`, and the value's quotes below.
    let escaped = at(t, i) == b'\\'
        && at(t, i + 1) == b'"'
        && before(t, ks) == b'"'
        && at(t, ks.saturating_sub(2)) == b'\\';
    if escaped {
        i += 1;
    }
    // A quoted name: `"AccountKey": …`, or the first of a pair
    // (`{ "AccountKey", "…" }`, `Add("AccountKey", "…")`).
    let name_quote = at(t, i);
    let name_quoted = matches!(name_quote, b'"' | b'\'') && before(t, ks) == name_quote;
    if matches!(name_quote, b'"' | b'\'') {
        i += 1;
    }
    // A subscript's quoted name: `os.environ["API_KEY"] = …`,
    // `$_ENV['API_KEY'] = …`, `config["token"] = …`; an `=` must follow.
    if name_quoted && at(t, i) == b']' && before(t, ks.saturating_sub(1)) == b'[' {
        i += 1;
    }
    // The `=` or the value may start the next line (Java's
    // `DEFAULT_ACCOUNT_KEY\n        = "…"`); a value there must be quoted.
    let i0 = i;
    let (j, mut wrapped) = skip_blank(t, i);
    // A command-line flag and its value: `-storagekey …`, `--api-key …`.
    let flag = !wrapped
        && j > i
        && t.get(ks) == Some(&b'-')
        && matches!(before(t, ks), 0 | b' ' | b'\t' | b'\n');
    i = j;
    // A declared type between the name and the `=`: Go's `var token
    // string = "…"`, Kotlin's and TypeScript's `val token: String = "…"`.
    if let Some(after) = typed_declaration(t, i) {
        i = after;
    }
    // Make's `::=`, `:::=` and `?=`.
    if t.get(i..i + 3) == Some(&b"::="[..]) {
        i += 1;
    } else if t.get(i..i + 4) == Some(&b":::="[..]) {
        i += 2;
    }
    // `the password for user 'postgres' is 'Xk9…'`: the words between
    // the name and its `is`, on one line.
    if j > i0
        && !wrapped
        && !flag
        && eq_ci(t, i, b"for ")
        && password_key(&key)
        && let Some(k) = t
            .get(i + 4..(i + 4 + FOR_WORDS).min(t.len()))
            .and_then(|w| {
                w.windows(4)
                    .take_while(|w| !w.contains(&b'\n'))
                    .position(|w| w == b" is ")
            })
    {
        i += 4 + k + 1;
    }
    let mut netrc = false;
    let mut prose = false;
    let mut bare = false;
    let mut compare = false;
    let pair = match (at(t, i), at(t, i + 1)) {
        (b':', b'=') | (b'=', b'>') | (b'.', b'=') | (b'?', b'=') => {
            i += 2;
            false
        }
        // A comparison with a literal: a password checked in code
        // (`password == "team10"`, `creds.Secret != "open-sesame1"`);
        // the value must be quoted and more than a word.
        (b'=' | b'!', b'=') if !wrapped && !flag => {
            i += 2 + usize::from(at(t, i + 2) == b'=');
            compare = true;
            true
        }
        (b'=', b'=') => return,
        (b':', _) | (b'=', _) => {
            i += 1;
            false
        }
        (b',', _)
            if name_quoted
                && !wrapped
                && opens_pair(t, ks.saturating_sub(1))
                && closes_pair(t, i + 1) =>
        {
            i += 1;
            true
        }
        // A default after an environment variable's name: `process.env.
        // API_KEY || "…"`, `env.TOKEN ?? "…"`; the default must be quoted.
        (b'|', b'|') | (b'?', b'?') => {
            i += 2;
            true
        }
        // A sentence that gives it: `my password is Xk9mP2vLq77`, `the
        // hasura admin secret is 05tU…`; the value must be quoted or hold
        // a letter and a digit.
        (b'i' | b'I', b's' | b'S') if j > i0 && !wrapped && !flag && !is_word(at(t, i + 2)) => {
            i += 2 + usize::from(at(t, i + 2) == b':');
            if !matches!(at(t, i), b' ' | b'\t') {
                return;
            }
            prose = true;
            false
        }
        // A dash between spaces, as people write in notes and chats
        // (`webex token - '…'`); the value must be quoted.
        (b'-', b' ' | b'\t') if j > i0 && !wrapped && !flag => {
            i += 1;
            true
        }
        (c, _) if flag && c != b'-' && c != b'\n' => false,
        // A `.netrc` entry: `machine host login user password secret`.
        (c, _) if j > ke && !wrapped && c > b' ' && key == b"password" && netrc_entry(t, ks) => {
            netrc = true;
            false
        }
        (b'v' | b'V', _) if name_quoted && !wrapped && attribute_pair(t, ks, i) => {
            i += 6;
            true
        }
        // A name and its value with only blanks between, as notes, chats
        // and other scanners' examples write them (`clockify SECRET
        // y7sb…`, `scrapfly TOKEN 03b9…`): the value must be one strong
        // token ([`bare_value`]).
        (c, _)
            if j > i0
                && !wrapped
                && !flag
                && !name_quoted
                && generic
                && c.is_ascii_alphanumeric()
                && !password_key(&key) =>
        {
            bare = true;
            false
        }
        // A config file's `name "value"` line (esmtp's and fetchmail's
        // `password "…"`, `secret "…"`): the name starts the line, the
        // quoted value ends it.
        (b'"' | b'\'', _)
            if j > i0 && !wrapped && !flag && !name_quoted && quoted_line(t, ks, i) =>
        {
            true
        }
        _ => return,
    };
    let (j, w) = skip_blank(t, i);
    i = j;
    wrapped |= w;
    // C#'s verbatim string: `@"…"`; an escaped JSON's `\"…\"`.
    if (at(t, i) == b'@' || (escaped && at(t, i) == b'\\')) && at(t, i + 1) == b'"' {
        i += 1;
    }
    let quote = at(t, i);
    let quoted = matches!(quote, b'"' | b'\'' | b'`');
    if (wrapped || pair) && !quoted {
        return;
    }
    if quoted {
        i += 1;
    }
    let vs = i;
    // Long enough for an AWS session token (a few hundred characters).
    let n = if quoted {
        run(t, vs, MAX_VALUE, |c| {
            c != quote && c != b'\n' && c != b'\r' && c != b'\\'
        })
    } else {
        // A URL's query parameter (`?token=…&pin=v1`) ends at `&` or `#`.
        let query = matches!(before(t, ks), b'?' | b'&');
        unquoted_value_len(sk, vs, query)
    };
    // A sentence's last mark is not the value's.
    let n = if (prose || bare) && !quoted {
        n - t.get(vs..vs + n).map_or(0, |v| {
            v.iter()
                .rev()
                .take_while(|&&c| matches!(c, b'.' | b'!' | b'?'))
                .count()
        })
    } else {
        n
    };
    if n == 0 || n > MAX_VALUE {
        return;
    }
    if quoted && at(t, vs + n) != quote {
        // The escaped value's closing `\"`.
        if !(escaped && at(t, vs + n) == b'\\' && at(t, vs + n + 1) == quote) {
            return;
        }
    }
    if prose
        && !quoted
        && t.get(vs..vs + n).is_none_or(|v| {
            !v.iter().any(u8::is_ascii_digit) || !v.iter().any(u8::is_ascii_alphabetic)
        })
    {
        return;
    }
    let (vs, ve) = if quoted {
        quoted_token(t, vs, vs + n)
    } else {
        (vs, vs + n)
    };
    if ve == vs {
        return;
    }
    let val = t.get(vs..ve).unwrap_or_default();
    // A bare `key` before hex is a key's id or fingerprint (`Add Simon
    // Josefsson's key B1D2BD13…`, `signing key 1988…`), or a digest.
    // (A provider's token is found from its own prefix: `key AKIA…`.)
    if bare
        && (!bare_value(t, ve, val)
            || creds::provider_prefix(val)
            || (key == b"key" && val.iter().all(u8::is_ascii_hexdigit))
            || after_not_secret_word(t, ks))
    {
        return;
    }
    if compare
        && val
            .iter()
            .all(|&c| c.is_ascii_alphabetic() || matches!(c, b'_' | b'-' | b'.' | b' '))
    {
        return;
    }
    // A sentence's quoted value that names a password (`the keystore
    // password is "Alias.password"`, a test's fixture) is not one.
    if prose && quoted && val.windows(6).any(|w| w.eq_ignore_ascii_case(b"passwo")) {
        return;
    }
    // A `.netrc` value is a literal, never code, and so is a sentence's.
    assigned_value(sk, &key, vs, ve, val, quoted || netrc || prose, generic);
}

/// True if `val`, ending at `ve`, can be a secret written after its name
/// with only blanks between: one whole token (a blank, a sentence's full
/// stop, a line's end or the text's end after it), 20 characters or
/// more of the base64url and base64 alphabets (`=` only as padding),
/// letters and digits both, not a `0x` number, not ending in a key word.
/// Such a pair has no operator to say the word names the value, so
/// prose (`the token expires`, `key 0x4AEE…`) must fall out on the value
/// alone; [`generic_value`] then asks for randomness.
fn bare_value(t: &[u8], ve: usize, val: &[u8]) -> bool {
    let body = val
        .strip_suffix(b"==")
        .or_else(|| val.strip_suffix(b"="))
        .unwrap_or(val);
    val.len() >= 20
        && matches!(at(t, ve), 0 | b' ' | b'\t' | b'\n' | b'\r' | b'.')
        && body
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'+' | b'/'))
        && val.iter().any(u8::is_ascii_alphabetic)
        && val.iter().any(u8::is_ascii_digit)
        && !val.starts_with(b"0x")
        // Another name in a list of names (`… NSThumbnailKey
        // NSThumbnail1024x1024SizeKey`).
        && ![&b"key"[..], b"token", b"secret"].iter().any(|w| {
            val.len()
                .checked_sub(w.len())
                .and_then(|k| val.get(k..))
                .is_some_and(|end| end.eq_ignore_ascii_case(w))
        })
}

/// True if the word before the key name at `ks` (blanks between) makes
/// the name something other than a secret's (`public key …`, `SSH key
/// …`, `cache key …`), as [`NOT_SECRET_KEYS`] does inside one name.
fn after_not_secret_word(t: &[u8], ks: usize) -> bool {
    let mut e = ks;
    while e > 0 && matches!(at(t, e - 1), b' ' | b'\t') {
        e -= 1;
    }
    let mut s = e;
    while s > 0 && e - s < 24 && at(t, s - 1).is_ascii_alphanumeric() {
        s -= 1;
    }
    let word = t.get(s..e).unwrap_or_default().to_ascii_lowercase();
    !word.is_empty() && NOT_SECRET_KEYS.contains(&word.as_slice())
}

/// The token inside a quoted value at `vs..ve`: without blanks padding it
/// inside the quotes (`' iahNbq… '`) and without an `Authorization`
/// scheme written before it (`"Bearer yvxp…"`, `"Token …"`).
fn quoted_token(t: &[u8], mut vs: usize, mut ve: usize) -> (usize, usize) {
    while vs < ve && matches!(at(t, vs), b' ' | b'\t') {
        vs += 1;
    }
    while ve > vs && matches!(at(t, ve - 1), b' ' | b'\t') {
        ve -= 1;
    }
    for scheme in [&b"bearer "[..], b"token "] {
        if eq_ci(t, vs, scheme) && ve > vs + scheme.len() && at(t, vs + scheme.len()) != b' ' {
            vs += scheme.len();
            break;
        }
    }
    (vs, ve)
}

/// The text of the Android string resource whose `name` attribute is the
/// key at `ks..ke`: `<string name="KEY" …>VALUE</string>` on one line,
/// other attributes (`translatable="false"`) allowed after the name.
fn string_resource(t: &[u8], ks: usize, ke: usize) -> Option<(usize, usize)> {
    if before(t, ks) != b'"' || at(t, ke) != b'"' || ks < 14 {
        return None;
    }
    let head = t.get(ks.saturating_sub(64)..ks - 1)?;
    let lt = head.iter().rposition(|&c| c == b'<')?;
    let tag = head.get(lt..)?;
    if !tag.starts_with(b"<string ") || !tag.ends_with(b"name=") || tag.contains(&b'>') {
        return None;
    }
    // The rest of the opening tag, then the text up to `</string>`.
    let rest = t.get(ke + 1..(ke + 1 + 128).min(t.len()))?;
    let gt = rest.iter().position(|&c| c == b'>' || c == b'\n')?;
    if rest.get(gt) != Some(&b'>') {
        return None;
    }
    let vs = ke + 2 + gt;
    let n = run(t, vs, MAX_VALUE, |c| c != b'<' && c != b'\n' && c != b'\r');
    (n > 0 && t.get(vs + n..vs + n + 9) == Some(&b"</string>"[..])).then_some((vs, vs + n))
}

/// True if the `password` at `ks` ends a `.netrc` entry's `machine <host>
/// login <user>` (or `default login <user>`), on its line or the lines
/// before, within 128 bytes, for a user other than `anonymous`.
fn netrc_entry(t: &[u8], ks: usize) -> bool {
    let lo = ks.saturating_sub(128);
    let w = t.get(lo..ks).unwrap_or_default();
    let Some(l) = memchr::memmem::rfind(w, b"login") else {
        return false;
    };
    let blank = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    // `login`, blanks, the user, blanks up to `password`.
    let rest = w.get(l + 5..).unwrap_or_default();
    let mut parts = rest.split(|&c| blank(c)).filter(|p| !p.is_empty());
    // Anonymous FTP's password is by convention an e-mail address.
    let user = parts.next();
    if user.is_none_or(|u| u == b"anonymous" || u == b"ftp")
        || parts.next().is_some()
        || !rest.first().is_some_and(|&c| blank(c))
    {
        return false;
    }
    // Before `login`: `machine <host>` or `default`.
    let head = w.get(..l).unwrap_or_default();
    let mut words = head.rsplit(|&c| blank(c)).filter(|p| !p.is_empty());
    let (Some(a), b) = (words.next(), words.next()) else {
        return false;
    };
    (l == 0 || blank(w.get(l - 1).copied().unwrap_or(b' ')))
        && (a == b"default" || b == Some(&b"machine"[..]))
}

/// The position after the `=` of a type written between a name and its
/// `=` at `i` (`string =`, `: String =`, `: str =`), if there is one.
fn typed_declaration(t: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    if at(t, j) == b':' {
        j += 1;
        while matches!(at(t, j), b' ' | b'\t') {
            j += 1;
        }
    }
    let types: [&[u8]; 5] = [b"string", b"String", b"str", b"&str", b"&'static str"];
    let ty = types
        .iter()
        .filter(|ty| t.get(j..j + ty.len()) == Some(**ty) && !key_char(at(t, j + ty.len())))
        .map(|ty| ty.len())
        .max()?;
    j += ty;
    if j == i + ty && !matches!(before(t, i), b' ' | b'\t') {
        return None;
    }
    while matches!(at(t, j), b' ' | b'\t') {
        j += 1;
    }
    (at(t, j) == b'=' && at(t, j + 1) != b'=').then_some(j)
}

/// Spaces and tabs from `i`, and at most one line break among them:
/// where they end, and whether a line was crossed.
fn skip_blank(t: &[u8], mut i: usize) -> (usize, bool) {
    let mut wrapped = false;
    loop {
        match at(t, i) {
            b' ' | b'\t' => i += 1,
            b'\r' if at(t, i + 1) == b'\n' && !wrapped => {
                i += 2;
                wrapped = true;
            }
            b'\n' if !wrapped => {
                i += 1;
                wrapped = true;
            }
            _ => return (i, wrapped),
        }
    }
}

/// True if `ks` is inside an XML tag: a `<` before it on its line, within
/// 128 bytes, with no `>` after that `<`.
fn in_tag(t: &[u8], ks: usize) -> bool {
    let w = t.get(ks.saturating_sub(128)..ks).unwrap_or_default();
    for &c in w.iter().rev() {
        match c {
            b'<' => return true,
            b'>' | b'\n' => return false,
            _ => {}
        }
    }
    false
}

/// True if the name quoted at `ks` is an XML attribute's (`key=` or
/// `name=` before it) and a `value=` attribute starts at `i`: .NET's
/// `<add key="ApiKey" value="…"/>`, `<setting name="Password" value="…">`.
fn attribute_pair(t: &[u8], ks: usize, i: usize) -> bool {
    let attr = |name: &[u8]| {
        let q = ks.saturating_sub(1);
        q > name.len()
            && t.get(q - 1 - name.len()..q).is_some_and(|w| {
                w.get(..name.len())
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
                    && w.last() == Some(&b'=')
            })
            && matches!(before(t, q - 1 - name.len()), b' ' | b'\t' | b'\n')
    };
    t.get(i..i + 6)
        .is_some_and(|w| w.eq_ignore_ascii_case(b"value="))
        && (attr(b"key") || attr(b"name"))
}

/// The value of a name/value pair whose name field holds the key at
/// `ks..ke`: `key: password` or `name: DB_PASSWORD` (YAML, the
/// `key: …` lines of an extracted XML document, JSON's `"key": "…"`,
/// `<key>…</key>`), then, on its line or one of the next two, a `value`
/// field (`value: …`, `"value": "…"`, `<value>…</value>`). Returns the
/// value's span and whether it was quoted.
fn named_pair(t: &[u8], ks: usize, ke: usize) -> Option<(usize, usize, bool)> {
    // Backwards from the key: an optional quote, blanks, the separator.
    let mut i = ks;
    let q = before(t, i);
    let quote = matches!(q, b'"' | b'\'');
    if quote {
        i -= 1;
    }
    while matches!(before(t, i), b' ' | b'\t') {
        i -= 1;
    }
    let sep = before(t, i);
    if !matches!(sep, b':' | b'=' | b'>') {
        return None;
    }
    i -= 1;
    if sep != b'>' && matches!(before(t, i), b'"' | b'\'') {
        i -= 1;
    }
    let field = [&b"key"[..], b"name"]
        .into_iter()
        .find(|f| i >= f.len() && eq_ci(t, i - f.len(), f))?;
    let fs = i - field.len();
    let open = before(t, fs);
    if sep == b'>' && open != b'<' || is_word(open) || open == b'.' || open == b'-' {
        return None;
    }
    // The key is the whole name: its quote or the line ends after it.
    let mut j = ke;
    if quote {
        if at(t, j) != q {
            return None;
        }
        j += 1;
    }
    if !matches!(at(t, j), b'\n' | b'\r' | b'<' | b',' | b'}' | 0)
        && !at(t, j).is_ascii_whitespace()
    {
        return None;
    }
    // Forwards: a `value` field on this line or one of the next two that
    // hold anything (an extracted XML document puts blank lines between
    // elements), before another pair's name.
    let end = (j + 200).min(t.len());
    let mut lines = 0;
    // Whether the line holds anything, and whether only blanks and a
    // list's `-`, a tag's `<` or a quote came before `j` on it.
    let (mut content, mut lead) = (true, false);
    while j < end {
        let c = at(t, j);
        if c == b'\n' {
            lines += usize::from(content);
            (content, lead) = (false, true);
            if lines > 2 {
                return None;
            }
        } else if !c.is_ascii_whitespace() {
            content = true;
            if eq_ci(t, j, b"value") && !is_word(before(t, j)) {
                return pair_value(t, j + 5);
            }
            let another = eq_ci(t, j, b"key") && !is_word(at(t, j + 3))
                || eq_ci(t, j, b"name") && !is_word(at(t, j + 4));
            if lead && another {
                return None;
            }
            lead &= matches!(c, b'-' | b'<' | b'"' | b'\'');
        }
        j += 1;
    }
    None
}

/// The value after a `value` field name ending at `i`, as [`named_pair`]
/// reads it.
fn pair_value(t: &[u8], mut i: usize) -> Option<(usize, usize, bool)> {
    let closing = matches!(at(t, i), b'"' | b'\'');
    if closing {
        i += 1;
    }
    while matches!(at(t, i), b' ' | b'\t') {
        i += 1;
    }
    let sep = at(t, i);
    if !matches!(sep, b':' | b'=' | b'>') || (sep == b'>' && closing) {
        return None;
    }
    i += 1;
    while matches!(at(t, i), b' ' | b'\t') {
        i += 1;
    }
    let q = at(t, i);
    if matches!(q, b'"' | b'\'') && sep != b'>' {
        let vs = i + 1;
        let n = run(t, vs, MAX_VALUE, |c| c != q && c != b'\n' && c != b'\r');
        return (n > 0 && n <= MAX_VALUE && at(t, vs + n) == q).then_some((vs, vs + n, true));
    }
    let vs = i;
    let n = run(t, vs, MAX_VALUE, |c| c != b'\n' && c != b'\r' && c != b'<');
    let mut ve = vs + n.min(MAX_VALUE);
    while ve > vs && matches!(at(t, ve - 1), b' ' | b'\t' | b',') {
        ve -= 1;
    }
    // An element's text is a literal, a YAML scalar too.
    (ve > vs).then_some((vs, ve, sep == b'>'))
}

/// True if the quoted name opening at `q` is the first of a pair in
/// braces or a call: `{` or `(` before it, spaces aside (a `[` opens a
/// list of names as often as a pair).
fn opens_pair(t: &[u8], q: usize) -> bool {
    let mut i = q;
    while i > 0 && matches!(at(t, i - 1), b' ' | b'\t') {
        i -= 1;
    }
    matches!(before(t, i), b'{' | b'(')
}

/// True if the quoted item after blanks at `i` is a pair's last: `)`,
/// `}` or `]` after its closing quote (`Add("AccountKey", "…")`), not
/// another item (`MovedAttribute("HTTPPasswordMgr", "urllib2",
/// "urllib.request")` names a module, not a password).
fn closes_pair(t: &[u8], mut i: usize) -> bool {
    while matches!(at(t, i), b' ' | b'\t') {
        i += 1;
    }
    let q = at(t, i);
    if !matches!(q, b'"' | b'\'') {
        return false;
    }
    let rest = t.get(i + 1..).unwrap_or_default();
    let rest = rest.get(..MAX_VALUE + 1).unwrap_or(rest);
    let Some(k) = memchr::memchr(q, rest) else {
        return false;
    };
    let mut j = i + 1 + k + 1;
    let blanks = |j: &mut usize| {
        while matches!(at(t, *j), b' ' | b'\t') {
            *j += 1;
        }
    };
    blanks(&mut j);
    // PHP's `define("NAME", "…", true)`: a flag after the value.
    if at(t, j) == b',' {
        j += 1;
        blanks(&mut j);
        for flag in [&b"true"[..], b"false"] {
            if eq_ci(t, j, flag) {
                j += flag.len();
                blanks(&mut j);
                break;
            }
        }
    }
    matches!(at(t, j), b')' | b'}' | b']')
}

/// File name extensions: a key name whose credential word lies before
/// one (`chpasswd.c`, `password.txt`, `api_key.json`) names a file.
const FILE_EXTENSIONS: &[&[u8]] = &[
    b"c", b"h", b"cc", b"cpp", b"py", b"rb", b"go", b"rs", b"js", b"ts", b"java", b"txt", b"md",
    b"rst", b"sh", b"pl", b"pm", b"php", b"conf", b"cfg", b"ini", b"json", b"yaml", b"yml", b"xml",
    b"html", b"in", b"am", b"po", b"gz", b"bak", b"key", b"pem", b"enc", b"gpg", b"asc", b"csv",
    b"log", b"sql", b"db", b"1", b"2", b"3", b"5", b"8",
];

/// True if the key name `ks..ke`, whose anchor ends at `ae`, is a file's
/// name: a dot after the anchor and a file extension after the last dot
/// (`src/chpasswd.c: s/exit (1)/exit (E_USAGE)/` in a changelog).
fn file_name_key(t: &[u8], ae: usize, ke: usize) -> bool {
    let tail = t.get(ae..ke).unwrap_or_default();
    tail.iter().rposition(|&c| c == b'.').is_some_and(|d| {
        let ext = tail.get(d + 1..).unwrap_or_default().to_ascii_lowercase();
        FILE_EXTENSIONS.contains(&ext.as_slice())
    })
}

/// The value `val` at `vs..ve` given to key name `key` (lower case).
fn assigned_value(
    sk: &mut Sink<'_>,
    key: &[u8],
    vs: usize,
    ve: usize,
    val: &[u8],
    quoted: bool,
    generic: bool,
) {
    let has = |s: &[u8]| key.windows(s.len()).any(|w| w == s);
    let is_password = password_key(key);
    // `pass` alone is also a test's verdict (`PASS: test_x`): its value
    // must be quoted.
    if key == b"pass" && !quoted {
        return;
    }
    // Keys that name where a secret lives, not the secret itself.
    let indirect = [
        &b"_uri"[..],
        b"_url",
        b"_file",
        b"_path",
        b"_env",
        b"prompt",
        b"_command",
        b"_cmd",
        b"_len",
        b"_hash",
        b"_policy",
        // A form's text about the secret (`passwordLabel:"Password:"`).
        b"label",
        b"hint",
        b"placeholder",
        // The name a secret is kept under (`LLM_SECRET_NAME =
        // "NEXUS-GPT4-API-KEY"`, `secretName: db-creds`).
        b"name",
        // What is known about a secret, not the secret: when it changed
        // or expires (Firefox's `"timePasswordChanged": 1515902314887`,
        // `password_expires = 2024-05-01`, Active Directory's
        // `pwdLastSet`), the form field it is typed into, the rules it
        // must follow.
        b"changed",
        b"expires",
        b"expiry",
        b"expiration",
        b"lastset",
        b"_at",
        b"_age",
        b"passwordage",
        b"_time",
        b"_date",
        b"field",
        b"strength",
        b"attempts",
        b"_count",
        b"format",
        b"_type",
        b"timeout",
        b"_required",
        b"_enabled",
        b"_rules",
        b"_regex",
        b"_pattern",
        b"length",
        b"_min",
        b"_max",
    ]
    .iter()
    .any(|suf| key.ends_with(suf))
        // Public by design: `publicToken`, `PUBLISHABLE_KEY` (a Stripe
        // `pk_` key is still its own detector's).
        || last_segment(key).starts_with(b"public")
        || last_segment(key).starts_with(b"publishable")
        // An anti-forgery token is bound to one session and form.
        || has(b"csrf")
        || has(b"xsrf");
    if indirect {
        return;
    }
    if creds::assigned(sk, key, vs, ve, val) || !generic {
        return;
    }
    let aws = has(b"aws_secret") || has(b"secret_access_key") || has(b"secretaccesskey");
    if aws && sk.on(D::AwsSecretKey) {
        if val.len() == 40 && val.iter().all(|&c| b64(c)) {
            if !placeholder::value(val) {
                sk.emit_fixed(D::AwsSecretKey, vs, ve, High);
            }
            return;
        }
        // A key cut or mangled in a copy (a few characters off its 40,
        // no padding) is still a secret's, judged as any other; a padded
        // base64 blob of another length is something encoded or
        // encrypted in its place (secretlint's example), not the key.
        if !(30..=48).contains(&val.len()) || val.ends_with(b"=") {
            return;
        }
    }
    if is_password && key.ends_with(b"encryptedpassword") && firefox_login(val) {
        // A browser's saved password (Firefox's `logins.json`), encrypted
        // under the profile's own key (`key4.db` beside it, with no
        // primary password by default): as good as the password to whoever
        // copies the profile. Its run of `A`s is the key's id, not a
        // placeholder's. (Another application's encrypted password is
        // judged as any password below.)
        if sk.on(D::PasswordAssignment) {
            sk.emit_fixed(D::PasswordAssignment, vs, ve, Medium);
        }
        return;
    }
    if is_password {
        // The value names its own field (`this.txtCfmPassword.Name =
        // "txtCfmPassword"`): a control's name, not a password.
        // (Compared without `_`, `-` and `.`: `CHALLENGE_PASSWORD:
        // "challengePassword"`, an attribute's name.)
        let bare = |s: &[u8]| -> Vec<u8> {
            s.iter()
                .filter(|c| !matches!(c, b'_' | b'-' | b'.'))
                .map(u8::to_ascii_lowercase)
                .collect()
        };
        let (k, v) = (bare(key), bare(val));
        let named = v.len() >= 6 && k.windows(v.len()).any(|w| w == v.as_slice());
        if !named {
            password_value(sk, vs, ve, val, quoted);
        }
        return;
    }
    // A Kubernetes bootstrap token: `kubeadm join … --token abcdef.<16>`.
    if key.ends_with(b"token") && bootstrap_token(val) {
        if sk.on(D::KubernetesBootstrapToken) && !placeholder::value(val) {
            sk.emit_fixed(D::KubernetesBootstrapToken, vs, ve, High);
        }
        return;
    }
    if key.ends_with(b"secret_key") && django_secret_key(val) {
        if sk.on(D::GenericSecret) {
            sk.emit_fixed(D::GenericSecret, vs, ve, High);
        }
        return;
    }
    generic_value(sk, vs, ve, val, quoted);
}

/// True if `val` is a value Firefox's password manager encrypted (NSS's
/// SDR: base64 of a DER SEQUENCE opening with the 16-byte id of the
/// profile's default key, `F8 00 … 00 01`, then the cipher's parameters
/// and the ciphertext).
fn firefox_login(val: &[u8]) -> bool {
    const KEY_ID: [u8; 18] = [
        0x04, 0x10, 0xf8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    ];
    if !(40..=512).contains(&val.len()) {
        return false;
    }
    crate::validate::base64_decode(val, 512).is_some_and(|d| {
        // The SEQUENCE's length in DER's short form, or in one byte after
        // `0x81` (a password of about 80 characters or more).
        let (len, at) = match d.get(1) {
            Some(&0x81) => (d.get(2).map(|&n| usize::from(n)), 3),
            Some(&n) if n < 0x80 => (Some(usize::from(n)), 2),
            _ => (None, 0),
        };
        d.first() == Some(&0x30)
            && len.is_some_and(|n| n + at == d.len())
            && d.get(at..at + KEY_ID.len()) == Some(&KEY_ID[..])
    })
}

/// True if `ks..ke` is a Java package's name followed by `:` and an
/// artifact's (`io.jsonwebtoken:jjwt-jackson-0.11.2`,
/// `com.auth0:java-jwt:4.4.0`): lower-case dotted words, a colon with no
/// blank after it, and a lower-case name with `-` whose last part is a
/// version.
fn maven_coordinate(t: &[u8], ks: usize, ke: usize) -> bool {
    let group = t.get(ks..ke).unwrap_or_default();
    if at(t, ke) != b':'
        || !group.contains(&b'.')
        || !group.iter().all(|&c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'_')
        })
    {
        return false;
    }
    let n = run(t, ke + 1, 128, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'_' | b':')
    });
    let art = t.get(ke + 1..ke + 1 + n).unwrap_or_default();
    let version = art
        .rsplit(|&c| c == b'-' || c == b':')
        .next()
        .unwrap_or_default();
    art.first().is_some_and(u8::is_ascii_lowercase)
        && art.len() > version.len()
        && version.first().is_some_and(u8::is_ascii_digit)
        && version.contains(&b'.')
        && version.iter().all(|&c| c.is_ascii_digit() || c == b'.')
}

/// A byte of an unquoted value: printable ASCII but blanks, quotes and
/// the marks that close a list, call or tag (and in a URL's query `&`
/// and `#`).
fn unquoted_value_byte(c: u8, query: bool) -> bool {
    c > b' '
        && c < 0x7f
        && !matches!(
            c,
            b',' | b';' | b')' | b'}' | b']' | b'"' | b'\'' | b'<' | b'>'
        )
        && !(query && matches!(c, b'&' | b'#'))
}

/// Length of the unquoted value at `vs`: its bytes up to the first that
/// is not a value's, at most one past [`MAX_VALUE`] (too long: refused by
/// the caller), cut before an escaped line
/// break or tab (`TOKEN=…\nNEXT=…` inside a JSON string holding a file).
/// Outside a query the stretch read is remembered in the sink, so keys
/// that follow one another inside one long value (`password=password=…`)
/// read on from where the last stopped rather than 4 KB each.
fn unquoted_value_len(sk: &mut Sink<'_>, vs: usize, query: bool) -> usize {
    let t = sk.t;
    // One past the longest value, as `run` reads: a longer one is refused.
    let cap = vs + MAX_VALUE + 1;
    // Bytes of a value that no escape starts: `\n`, `\r` or `\t` (a `\"`
    // ends the value at its quote anyway).
    let ok = |i: usize| {
        let c = at(t, i);
        unquoted_value_byte(c, query) && !(c == b'\\' && matches!(at(t, i + 1), b'n' | b'r' | b't'))
    };
    let (from, to) = sk.value_run;
    let mut i = if !query && from <= vs && vs < to {
        to
    } else {
        vs
    };
    while i < cap && ok(i) {
        i += 1;
    }
    if !query {
        sk.value_run = (vs, i);
    }
    // An escape whose second byte is past the cap is not one.
    if i + 1 == cap && at(t, i) == b'\\' && unquoted_value_byte(b'\\', query) {
        i = cap;
    }
    i.min(cap) - vs
}

/// The last dotted part of a key name (`publictoken` of
/// `config.publictoken`).
fn last_segment(key: &[u8]) -> &[u8] {
    key.rsplit(|&c| c == b'.').next().unwrap_or(key)
}

/// `[a-z0-9]{6}.[a-z0-9]{16}`, with a digit in it: a bootstrap token's
/// id and secret.
fn bootstrap_token(val: &[u8]) -> bool {
    val.len() == 23
        && val.get(6) == Some(&b'.')
        && val
            .iter()
            .enumerate()
            .all(|(i, &c)| i == 6 || c.is_ascii_lowercase() || c.is_ascii_digit())
        && val.iter().any(u8::is_ascii_digit)
}

/// A Django `SECRET_KEY` as `django-admin startproject` and
/// `get_random_secret_key()` write it: 50 characters of
/// `a-z0-9!@#$%^&*(-_=+)`, after `django-insecure-` in generated settings.
/// Its symbols are why [`generic_value`]'s alphabet does not take it.
fn django_secret_key(val: &[u8]) -> bool {
    let body = val.strip_prefix(b"django-insecure-").unwrap_or(val);
    let sym = |c: u8| b"!@#$%^&*(-_=+)".contains(&c);
    body.len() == 50
        && body
            .iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || sym(c))
        && body.iter().any(u8::is_ascii_lowercase)
        && body.iter().any(u8::is_ascii_digit)
        && body.iter().any(|&c| sym(c))
        && !placeholder::token(b"", body)
}

pub(crate) fn password_value(sk: &mut Sink<'_>, vs: usize, ve: usize, val: &[u8], quoted: bool) {
    if !sk.on(D::PasswordAssignment) || val.len() < 6 || val.len() > 128 {
        return;
    }
    // A provider's token, or a Django password hash (`password:
    // pbkdf2_sha256$…` in a fixture), is its own detector's.
    if creds::provider_prefix(val) || val.starts_with(b"pbkdf2_sha") {
        return;
    }
    // Unquoted and followed by a call, generic or index: code.
    if !quoted && matches!(at(sk.t, ve), b'(' | b'<' | b'[' | b'{' | b'.') {
        return;
    }
    // Code, not a literal: variables, calls, attribute paths, templates;
    // a nullable type (`attr_accessor proxy_pass: String?` in Ruby's
    // signatures, Kotlin's and C#'s `String?`).
    let identifier = val
        .strip_suffix(b"?")
        .unwrap_or(val)
        .iter()
        .all(|&c| c.is_ascii_alphabetic() || c == b'_' || c == b'.');
    // A `$` inside a value is a variable only as `${…}`, `$(…)` or at the
    // start: passwords carry `$` (`Password=Xk9#mP2$vL7q;` in a
    // connection string).
    // troff's escapes in a manual page's source (`\\fIpassword\\fR`,
    // `my\\-pvk\\-password`): markup around a placeholder.
    let troff = val
        .windows(2)
        .any(|w| matches!(w, [b'\\', b'f' | b'-' | b'&']));
    let code = troff
        || val
            .iter()
            .any(|&c| matches!(c, b'(' | b'{' | b'%' | b'<' | b'['))
        || val.first() == Some(&b'$')
        || val.starts_with(b"'$")
        || val.starts_with(b"\"$")
        || val.windows(2).any(|w| w == b"${" || w == b"$(")
        || command_substitution(val)
        || val.starts_with(b"os.")
        || val.starts_with(b"process.")
        || val.starts_with(b"env.");
    // reStructuredText's inline literal around a type's name
    // (``password: bytes``), markup and not a value.
    let markup = !quoted && val.windows(2).any(|w| w == b"``");
    if code || markup || (!quoted && identifier && !config_literal(sk.t, vs, ve, val)) {
        return;
    }
    if !quoted
        && (val.contains(&b':')
            || val.windows(2).any(|w| w == b"->")
            || matches!(val.first(), Some(b'*' | b'&' | b'/' | b'~')))
    {
        return;
    }
    // A value opening with a list separator is the text after a closing
    // quote taken for an opening one (`passwordLabel:"Password:",next:"…"`).
    if val.contains(&b' ') || names_a_path(val) || matches!(val.first(), Some(b',' | b';')) {
        return;
    }
    // A label, not a value: `'Password: '` (a prompt's text).
    if val.last() == Some(&b':') && val.iter().rev().skip(1).all(u8::is_ascii_alphabetic) {
        return;
    }
    if placeholder::value(val) {
        return;
    }
    let weak = weak_password(val);
    let classes = [
        val.iter().any(u8::is_ascii_lowercase),
        val.iter().any(u8::is_ascii_uppercase),
        val.iter().any(u8::is_ascii_digit),
        val.iter().any(|c| c.is_ascii_punctuation()),
    ]
    .iter()
    .filter(|&&x| x)
    .count();
    let conf = if classes >= 3 && val.len() >= 8 {
        High
    } else {
        Medium
    };
    sk.emit(
        D::PasswordAssignment,
        vs,
        ve,
        conf,
        Adj {
            need_ctx: false,
            nonvalue: weak,
        },
    );
}

/// True if `val`, quotes aside, is a shell command's output in backticks
/// (`` PWD = "'`pwd`'" `` in a script): code, though a password may hold
/// a backtick.
fn command_substitution(val: &[u8]) -> bool {
    let quote = |c: &u8| matches!(c, b'\'' | b'"');
    let s = val.iter().take_while(|c| quote(c)).count();
    let e = val.len() - val.iter().rev().take_while(|c| quote(c)).count();
    let inner = val.get(s..e.max(s)).unwrap_or_default();
    inner.len() > 2 && inner.first() == Some(&b'`') && inner.last() == Some(&b'`')
}

/// Type names written where a value's type is declared (`password:
/// string`, a TypeScript or Python field), never a password.
const TYPE_NAMES: &[&[u8]] = &[
    b"string",
    b"boolean",
    b"number",
    b"integer",
    b"secretstr",
    b"secretstring",
    b"securestring",
    b"object",
    b"optional",
    b"required",
];

/// True if the unquoted word `val` at `vs..ve` is a literal in a config
/// file's own syntax, not a name in code: the key opens its line (after
/// indentation, a YAML list's `- `, `export ` or Docker's `ENV `) and the
/// value ends it (a comment may follow), written `KEY=value` with no
/// spaces (a `.env` file, a shell or Make variable, a Java property) or
/// `key: value` (YAML, `.pypirc`, a label of an extracted XML document).
/// `key = value` is left out: code assigns variables that way. A
/// camelCase word (`userPassword`) and a type (`password: string`) are
/// names even there.
fn config_literal(t: &[u8], vs: usize, ve: usize, val: &[u8]) -> bool {
    // The value ends its line, or a comment after a blank does (`KEY=value
    // # note`, as `.env` files write one).
    let mut e = ve;
    while matches!(at(t, e), b' ' | b'\t') {
        e += 1;
    }
    let comment = at(t, e) == b'#' && e > ve;
    if !comment && !matches!(at(t, e), b'\n' | b'\r' | 0) {
        return false;
    }
    let camel =
        val.first().is_some_and(u8::is_ascii_lowercase) && val.iter().any(u8::is_ascii_uppercase);
    let ty = TYPE_NAMES.iter().any(|n| val.eq_ignore_ascii_case(n));
    if camel || ty || !val.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    // The separator: `=` right after the key, or `:` and blanks.
    let mut k = vs;
    if before(t, k) == b'=' {
        k -= 1;
        if !key_char(before(t, k)) {
            return false;
        }
    } else {
        let mut b = k;
        while matches!(before(t, b), b' ' | b'\t') {
            b -= 1;
        }
        if b == k || before(t, b) != b':' {
            return false;
        }
        k = b - 1;
    }
    // The key, then only what may open a config line.
    while k > 0 && key_char(at(t, k - 1)) {
        k -= 1;
    }
    let ls = t
        .get(..k)
        .and_then(|h| h.iter().rposition(|&c| c == b'\n'))
        .map_or(0, |p| p + 1);
    let head = t.get(ls..k).unwrap_or_default();
    let head = head.trim_ascii_start();
    head.is_empty() || head == b"- " || head == b"export " || head == b"ENV "
}

/// True if a password-shaped value is a path, a route or a resource name
/// (`/en/enterprise-server@3.0/auth`, `cms/sites/passwords#update`,
/// `arn:aws:iam::aws:policy/IAMUserChangePassword`): a value that names
/// passwords, not one.
fn names_a_path(val: &[u8]) -> bool {
    let mentions = |w: &[u8]| val.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w));
    val.starts_with(b"arn:")
        || (val.first() == Some(&b'/') && val.iter().skip(1).any(|&c| c == b'/'))
        || ((mentions(b"password") || mentions(b"passwd"))
            && val.iter().any(|&c| matches!(c, b'/' | b'#')))
}

/// True if `val` reads as code: an attribute path (`self._lib.NID_x`,
/// `win32api.RegOpenKeyEx`: every dotted part an identifier), an
/// expression with `_` and `.` or `/` (`100000.0/first_set_max_id`), or
/// another assignment (`uuid=7f46…`; `=` only ends base64).
fn code_like(val: &[u8]) -> bool {
    let ident = |p: &[u8]| {
        p.first()
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            && p.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
    };
    let path = val.contains(&b'.') && val.split(|&c| c == b'.').all(ident);
    let expr = val.contains(&b'_') && (val.contains(&b'.') || val.contains(&b'/'));
    let inner_eq = val
        .windows(2)
        .any(|w| w.first() == Some(&b'=') && w.get(1) != Some(&b'='));
    path || expr || inner_eq
}

/// The base64 of a public key's DER encoding (SubjectPublicKeyInfo), as
/// a registry's signing keys are published (`"key": "MFkwEwYH…"` in
/// npm's keys), or of an OpenSSH public key: not a secret. The
/// algorithm identifiers and the bit string's header of RSA, the NIST
/// curves, secp256k1, Ed25519 and X25519 (a private key's PKCS#8 has an
/// octet string there instead), and OpenSSH's key type names.
fn public_key(val: &[u8]) -> bool {
    const SPKI: [&[u8]; 10] = [
        // OpenSSH's wire form (`ssh-rsa AAAAB3NzaC1yc2E…`, Ed25519,
        // ECDSA), as `authorized_keys` and `known_hosts` hold it.
        b"AAAAB3NzaC1",
        b"AAAAC3NzaC1",
        b"AAAAE2VjZHNh",
        b"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
        b"MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE",
        b"MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQ",
        b"MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAE",
        b"MCowBQYDK2VwAyEA",
        b"MCowBQYDK2VuAyEA",
        b"BgkqhkiG9w0BAQEFAAO",
    ];
    SPKI.iter().any(|p| {
        if p.starts_with(b"Bgkq") {
            // RSA's: after the SEQUENCE's length, `MIIBIjANBgkq…`.
            val.get(..32)
                .is_some_and(|h| h.windows(p.len()).any(|w| w == *p))
        } else {
            val.starts_with(p)
        }
    })
}

fn generic_value(sk: &mut Sink<'_>, vs: usize, ve: usize, val: &[u8], quoted: bool) {
    if !sk.on(D::GenericSecret) || val.len() < 16 || val.len() > 2048 {
        return;
    }
    // A key written with its encoding (`APP_KEY=base64:4StV…`, Laravel's
    // and others' generated keys): the key is what follows.
    if let Some(body) = val.strip_prefix(b"base64:")
        && body.len() >= 16
        && body.iter().all(|&c| b64(c) || c == b'=')
        && opaque_password(body)
    {
        if !placeholder::value(body) {
            sk.emit_fixed(D::GenericSecret, vs, ve, High);
        }
        return;
    }
    // Longer than a key: only an opaque token of long random pieces.
    let opaque = opaque_token(val);
    if val.len() > 256 && !opaque {
        return;
    }
    // (An opaque token's pieces are too long and mixed for names:
    // `lQ0i3CZN….Rwmzd4NJ…` is not a dotted path.)
    if !quoted && !opaque && code_like(val) {
        return;
    }
    if sanctum_token(val) {
        if !placeholder::value(val) {
            sk.emit_fixed(D::GenericSecret, vs, ve, High);
        }
        return;
    }
    // A key or salt drawn from every printable character (WordPress's
    // `AUTH_KEY` … `NONCE_KEY`, a Django `SECRET_KEY` of an older
    // generator, a random password kept as a key): quoted, as random as
    // such a generator makes it.
    if quoted && printable_secret(val) {
        // Its marks are the generator's, not a template's: only real
        // template syntax (`${…}`, `{{…}}`, `<%…`, `$(…)`, a `<name>`
        // marker) makes it a placeholder.
        if !printable_template(val) && !placeholder::documented(val) {
            let conf = if val.len() >= 40 { High } else { Medium };
            sk.emit_fixed(D::GenericSecret, vs, ve, conf);
        }
        return;
    }
    if !val.iter().all(|&c| {
        c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'_' | b'-' | b'.' | b'~')
    }) {
        return;
    }
    let letters = val.iter().any(u8::is_ascii_alphabetic);
    let digits = val.iter().any(u8::is_ascii_digit);
    if !letters
        || !digits
        || placeholder::value(val)
        || creds::provider_prefix(val)
        || public_key(val)
    {
        return;
    }
    // Dotted identifiers, snake_case names and paths are code, not
    // secrets; random base64 has a `/` every 64 characters on average, so
    // a long blob of it is not a path.
    if val.iter().filter(|&&c| c == b'.' || c == b'/').count() > 2 && !base64_blob(val) && !opaque {
        return;
    }
    let snake = val
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'.'))
        && val.iter().filter(|&&c| c == b'_' || c == b'.').count() >= 2;
    // Words joined by dashes are a slug or a phrase, not random
    // (`a-string-secret-at-least-256-bits-long`, jwt.io's example secret):
    // four pieces or more, each of letters only or digits only. A UUID's
    // or a token's pieces mix them.
    let pieces = val.split(|&c| c == b'-');
    let slug = val.iter().filter(|&&c| c == b'-').count() >= 3
        && pieces.clone().all(|p| {
            !p.is_empty()
                && (p.iter().all(u8::is_ascii_lowercase) || p.iter().all(u8::is_ascii_digit))
        });
    if snake || slug {
        return;
    }
    // A random hex string of 32 characters has about 3.5 bits a
    // character (16 symbols, few repeats seen): against the 3.5 of other
    // alphabets half of the hex keys providers issue were dropped.
    let h = entropy(val);
    let hex = val.len() >= 24 && val.iter().all(u8::is_ascii_hexdigit);
    if h < if hex { 3.0 } else { 3.5 } {
        return;
    }
    let conf = if h >= 4.2 && val.len() >= 24 {
        High
    } else {
        Medium
    };
    sk.emit_fixed(D::GenericSecret, vs, ve, conf);
}

/// A value that reads as a generated secret rather than a name: letters
/// and digits (and base64's `+/=`), both present, as random as a key
/// (the part of `base64:…` after its prefix).
fn opaque_password(val: &[u8]) -> bool {
    val.iter()
        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
        && val.iter().any(u8::is_ascii_alphabetic)
        && val.iter().any(u8::is_ascii_digit)
        && entropy(val) >= 3.5
}

/// True if `val` looks drawn from every printable ASCII character: 32 to
/// 128 of them, lower and upper case, digits and at least three different
/// marks, at most two single spaces, and 4.5 bits a character or more
/// (WordPress's salts have about 5.3; a sentence, a regex or a template
/// repeats too much).
fn printable_secret(val: &[u8]) -> bool {
    if !(32..=128).contains(&val.len()) || !val.iter().all(|&c| (b' '..=b'~').contains(&c)) {
        return false;
    }
    let spaces = val.iter().filter(|&&c| c == b' ').count();
    if spaces > 2 || val.windows(2).any(|w| w == b"  ") || val.first() == Some(&b' ') {
        return false;
    }
    // Structured text, not one drawn value: a URL, a list of settings
    // (`host:6381,password=…,ssl=False`), a host name at the end.
    // (A name of three letters or more, at the start or after a list's
    // separator: a drawn value has a letter before `=` in about one in
    // three draws, `…!F=X…`.)
    let settings = val
        .iter()
        .enumerate()
        .filter(|&(i, &c)| {
            let head = val.get(..i).unwrap_or_default();
            let n = head
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_alphabetic() || **c == b'_')
                .count();
            c == b'='
                && n >= 3
                && (n == i || matches!(head.get(i - n - 1), Some(b',' | b';' | b'&' | b' ' | b'?')))
        })
        .count();
    // (A host: a label of two characters or more before a top-level
    // domain that exists; a drawn value ends in `?.ob` now and then.)
    let host_end = val.iter().rposition(|&c| c == b'.').is_some_and(|d| {
        let tail = val.get(d + 1..).unwrap_or_default();
        let label = val
            .get(..d)
            .unwrap_or_default()
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
            .count();
        (2..=10).contains(&tail.len())
            && tail.iter().all(u8::is_ascii_lowercase)
            && label >= 2
            && crate::net::delegated_tld(tail)
    });
    // A crypt-style hash (`$5$rounds=…`, `$2b$12$…`) is its own
    // detector's; a leading `$` is a variable's.
    if settings >= 2
        || host_end
        || val.first() == Some(&b'$')
        || val.windows(3).any(|w| w == b"://")
    {
        return false;
    }
    let mut marks = [false; 128];
    for &c in val.iter().filter(|c| c.is_ascii_punctuation()) {
        if let Some(m) = marks.get_mut(usize::from(c)) {
            *m = true;
        }
    }
    // A mark the token alphabet has no room for (tokens, JWTs and keys in
    // base64 are the other path's, which checks them better).
    let other_mark = val
        .iter()
        .any(|&c| c.is_ascii_punctuation() && !b"+/=_-.~".contains(&c));
    val.iter().any(u8::is_ascii_lowercase)
        && val.iter().any(u8::is_ascii_uppercase)
        && val.iter().any(u8::is_ascii_digit)
        && other_mark
        && marks.iter().filter(|&&m| m).count() >= 3
        && entropy(val) >= 4.5
}

/// Template syntax inside a value of printable characters, enclosing a
/// name as templates do: `${NAME}` (or `${NAME:-…}`), `$(NAME)`, `{{ … }}`,
/// `<% … %>`, or a `<name>` marker (a letter, then letters in one case,
/// `_` and `-`: three or more). A generator
/// drawing from every printable character writes `${` or `{{` in about
/// one value in seventy (`U${a)%Pn…`): the marks alone are not a template.
fn printable_template(v: &[u8]) -> bool {
    let ident = |r: &[u8]| {
        r.iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count()
    };
    let find = |from: usize, s: &[u8]| {
        v.get(from..)
            .and_then(|r| r.windows(s.len()).position(|w| w == s))
            .map(|k| from + k)
    };
    v.iter().enumerate().any(|(i, &c)| {
        let r = v.get(i + 1..).unwrap_or_default();
        match c {
            b'<' => {
                let n = r
                    .iter()
                    .take_while(|c| c.is_ascii_alphabetic() || matches!(c, b'_' | b'-'))
                    .count();
                let name = r.get(..n).unwrap_or_default();
                let one_case = !name.iter().any(u8::is_ascii_lowercase)
                    || !name.iter().any(u8::is_ascii_uppercase);
                (n >= 3
                    && one_case
                    && name.first().is_some_and(u8::is_ascii_alphabetic)
                    && r.get(n) == Some(&b'>'))
                    || (r.first() == Some(&b'%') && find(i + 2, b"%>").is_some())
            }
            b'$' => {
                let close = match r.first() {
                    Some(b'{') => [b'}', b':'],
                    Some(b'(') => [b')', b' '],
                    _ => return false,
                };
                let body = r.get(1..).unwrap_or_default();
                let n = ident(body);
                n >= 1
                    && !body.first().is_some_and(u8::is_ascii_digit)
                    && body.get(n).is_some_and(|e| close.contains(e))
            }
            b'{' => r.first() == Some(&b'{') && find(i + 2, b"}}").is_some(),
            _ => false,
        }
    })
}

/// True if `val` is an opaque token of random pieces: 64 characters or
/// more of base64url (or base64) joined by dots, every class of
/// character in it, and pieces 16 characters long on average (a JWT-like
/// session token, `eyHrUMIk….tRiP-uQD9…`), where a dotted name or a path
/// has a piece every dozen characters or fewer.
fn opaque_token(val: &[u8]) -> bool {
    let pieces = val.split(|&c| c == b'.').filter(|p| !p.is_empty()).count();
    val.len() >= 64
        && val.iter().all(|&c| {
            c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'+' | b'/' | b'=')
        })
        && val.iter().any(u8::is_ascii_lowercase)
        && val.iter().any(u8::is_ascii_uppercase)
        && val.iter().any(u8::is_ascii_digit)
        && val.len() >= 16 * pieces
        && val.iter().filter(|&&c| c == b'/').count() * 32 <= val.len()
}

/// A Laravel Sanctum personal access token: the token's id in digits,
/// `|`, and 40 random alphanumerics (48 since Laravel 11, which appends
/// their CRC-32 in hex): `49|07KJBwfPzF2ESyNui5yBw9OVB6eWj0iXkssEKC7b`.
fn sanctum_token(val: &[u8]) -> bool {
    let Some(bar) = val.iter().position(|&c| c == b'|') else {
        return false;
    };
    let (id, body) = (
        val.get(..bar).unwrap_or_default(),
        val.get(bar + 1..).unwrap_or_default(),
    );
    (1..=12).contains(&id.len())
        && id.iter().all(u8::is_ascii_digit)
        && matches!(body.len(), 40 | 48)
        && body.iter().all(u8::is_ascii_alphanumeric)
        && body.iter().any(u8::is_ascii_digit)
        && body.iter().any(u8::is_ascii_uppercase)
        && body.iter().any(u8::is_ascii_lowercase)
}

/// True if `val` reads as random bytes in standard base64, not a path:
/// only the base64 alphabet with `=` padding at the end, all three
/// character classes, and pieces between slashes too long for the names
/// of a path (random base64 has a slash in 64 characters on average, a
/// path a name every dozen or so).
fn base64_blob(val: &[u8]) -> bool {
    let body = val
        .strip_suffix(b"==")
        .or_else(|| val.strip_suffix(b"="))
        .unwrap_or(val);
    let alphabet = body.iter().all(|&c| b64(c));
    let classes = body.iter().any(u8::is_ascii_lowercase)
        && body.iter().any(u8::is_ascii_uppercase)
        && body.iter().any(u8::is_ascii_digit);
    let pieces = body.split(|&c| c == b'/').count();
    alphabet && classes && body.len() >= 32 && !body.starts_with(b"/") && body.len() / pieces >= 12
}

/// ISO 3166-1 alpha-2 codes, for SWIFT/BIC country positions.
const ISO_COUNTRIES: &[u8] = b"ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSXKYEYTZAZMZW";

fn iso_country(c: &[u8]) -> bool {
    c.len() == 2 && ISO_COUNTRIES.chunks_exact(2).any(|x| x == c)
}

fn swift(sk: &mut Sink<'_>, a: usize, ae: usize) {
    if !sk.on(D::SwiftBic) || !word_bounded(sk.t, a, ae) {
        return;
    }
    let t = sk.t;
    // The code is the first 8- or 11-character upper-case word within the
    // next 40 bytes ("SWIFT/BIC: DEUTDEFF500", "BIC code DEUTDEFF"): a
    // party prefix of four capitals or digits (ISO 9362:2022 allows
    // digits there: `A1B2US33`), the country's two letters, then
    // capitals or digits.
    let hi = (ae + 40).min(t.len());
    let mut i = ae;
    while i < hi {
        if at(t, i).is_ascii_alphanumeric() && !before(t, i).is_ascii_alphanumeric() {
            let n = run(t, i, 12, |c| c.is_ascii_alphanumeric());
            let w = t.get(i..i + n).unwrap_or_default();
            let shape = (n == 8 || n == 11)
                && w.iter()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && w.get(4..6).is_some_and(iso_country);
            // A code that runs on into symbols (`GENODEM1@#%`,
            // `MARKDEF1$$$`, `GENODEM1..X`) is not one.
            let after = at(t, i + n);
            let runs_on = matches!(after, b'@' | b'#' | b'$' | b'%' | b'*' | b'&' | b'_')
                || (matches!(after, b'.' | b'-')
                    && (at(t, i + n + 1).is_ascii_alphanumeric() || at(t, i + n + 1) == after));
            if shape && !runs_on {
                sk.emit(D::SwiftBic, i, i + n, Medium, PLAIN);
                swift_list(sk, i + n);
                return;
            }
            let lw = w.to_ascii_lowercase();
            if !matches!(
                lw.as_slice(),
                b"code" | b"bic" | b"swift" | b"no" | b"number" | b"is" | b"and" | b"or"
            ) {
                return;
            }
            i += n;
        } else {
            i += 1;
        }
    }
}

/// The codes of a list after the first one a BIC word labels (`BIC:
/// DEUTDEFF, COBADEFFXXX; BNPAFRPP`): each after a comma or semicolon,
/// of the same shape, up to eight.
#[cold]
#[inline(never)]
fn swift_list(sk: &mut Sink<'_>, mut e: usize) {
    let t = sk.t;
    for _ in 0..8 {
        if !matches!(at(t, e), b',' | b';') {
            return;
        }
        let mut i = e + 1;
        while i < e + 3 && at(t, i) == b' ' {
            i += 1;
        }
        let n = run(t, i, 12, |c| c.is_ascii_alphanumeric());
        let w = t.get(i..i + n).unwrap_or_default();
        let after = at(t, i + n);
        let ok = (n == 8 || n == 11)
            && w.iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && w.get(4..6).is_some_and(iso_country)
            && !after.is_ascii_alphanumeric()
            && !matches!(after, b'@' | b'#' | b'$' | b'%' | b'*' | b'&' | b'_')
            && !(matches!(after, b'.' | b'-')
                && (at(t, i + n + 1).is_ascii_alphanumeric() || at(t, i + n + 1) == after));
        if !ok {
            return;
        }
        sk.emit(D::SwiftBic, i, i + n, Medium, PLAIN);
        e = i + n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memo of [`unquoted_value_len`] gives what reading each value
    /// from its own start gives, whatever the order keys come in.
    #[test]
    fn remembered_value_runs_read_as_fresh_ones() {
        // A small generator (no dependency): texts of value bytes, stops,
        // backslashes and escape letters, long enough to reach the cap.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"ab=\\nrt\"& ,x";
        for round in 0..200 {
            let len = if round % 4 == 0 { MAX_VALUE * 3 } else { 64 };
            // Every fourth text has no byte that ends a value, so its runs
            // reach the cap; one of them puts an escape across it.
            let letters: &[u8] = if round % 4 == 0 {
                b"ab=\\nrt"
            } else {
                alphabet
            };
            let mut t: Vec<u8> = (0..len)
                .map(|_| {
                    // Mostly value bytes, so runs get long.
                    let r = next() as usize;
                    if r % 8 < 6 {
                        b'a'
                    } else {
                        letters[r % letters.len()]
                    }
                })
                .collect();
            // An escape just inside the longest run read, and one across
            // its end.
            if round == 192 || round == 196 {
                let at = if round == 192 {
                    MAX_VALUE - 1
                } else {
                    MAX_VALUE
                };
                t.iter_mut().for_each(|c| *c = b'a');
                t[at] = b'\\';
                t[at + 1] = b'n';
            }
            let mut out = Vec::new();
            let mut sk = Sink {
                t: &t,
                bits: crate::kit::Bits::default(),
                out: &mut out,
                ctx: crate::ctx::CtxCache::default(),
                cols: None,
                value_run: (0, 0),
            };
            let mut vs = 0;
            while vs < t.len() {
                let query = next() % 5 == 0;
                let got = unquoted_value_len(&mut sk, vs, query);
                // Fresh: the run, then cut at an escape inside it.
                let n = run(&t, vs, MAX_VALUE, |c| unquoted_value_byte(c, query));
                let want = t[vs..vs + n]
                    .windows(2)
                    .position(|w| matches!(w, [b'\\', b'n' | b'r' | b't' | b'"']))
                    .unwrap_or(n);
                assert_eq!(got, want, "round {round} at {vs}");
                vs += 1 + (next() as usize) % 16;
            }
        }
    }

    #[test]
    fn below_0x40_is_every_byte_below_0x40() {
        let mut v = b"12,2024-05-12,0.5\n".repeat(20);
        assert!(below_0x40(&v));
        for i in [0, 63, 64, 200, v.len() - 1] {
            let keep = v[i];
            for b in [b'@', b'A', b'_', b'a', 0x80, 0xff] {
                v[i] = b;
                assert!(!below_0x40(&v), "{i} {b}");
            }
            v[i] = keep;
        }
        assert!(below_0x40(b""));
    }

    #[test]
    fn every_creds_and_words_literal_holds_a_letter() {
        // `scan` skips these passes on text whose bytes are all below 0x40.
        for (_, lit, _, _) in CREDS.iter().chain(WORDS) {
            assert!(lit.bytes().any(|b| b >= 0x40), "{lit}");
        }
    }

    #[test]
    fn anchor_set_fits_teddy() {
        // aho-corasick's Teddy (the SIMD prefilter) takes at most 64
        // patterns; Slim Teddy (the fastest) up to 32. Its fingerprint is
        // as long as the shortest literal, at most four bytes.
        for (table, max, min_len) in [(TOKENS, 32, 3), (WORDS, 64, 3), (CREDS, 64, 4)] {
            assert!(table.len() <= max, "{} anchors", table.len());
            for (pre, lit, _, len) in table {
                assert!(lit.len() >= min_len, "{lit}");
                assert!(pre.len() + lit.len() <= MAX_ANCHOR && *len >= pre.len());
                assert_eq!(*pre, pre.to_ascii_lowercase());
                // Literals must not share a start (see scan_one).
                assert!(
                    !table.iter().any(|o| o.1 != *lit && o.1.starts_with(lit)),
                    "{lit}"
                );
            }
        }
        assert!(AC_TOKENS.is_some() && AC_WORDS.is_some() && AC_CREDS.is_some());
    }

    #[test]
    fn entropy_of_uniform_and_constant() {
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert_eq!(entropy(b"aaaa"), 0.0);
    }

    /// Template syntax encloses a name; the same marks in a drawn value
    /// (WordPress's salts) do not.
    #[test]
    fn printable_templates_enclose_a_name() {
        for t in [
            "x9${DB_PASSWORD}",
            "${SECRET:-changeme}",
            "{{ vault.secret }}",
            "<%= ENV['KEY'] %>",
            "$(cat /run/secrets/key)",
            "pre<YOUR_API_KEY>post",
            "<api-key>",
        ] {
            assert!(printable_template(t.as_bytes()), "{t}");
        }
        for v in [
            "Ue8J=v2$@oQG)<U${a)%PnSjxC",
            "a<QT>b",
            "<-BQ>Y~",
            "<QtX>",
            "{{ no end",
            "$(9",
            "%>then<%",
        ] {
            assert!(!printable_template(v.as_bytes()), "{v}");
        }
    }

    /// Firefox's SDR blobs by DER's short and one-byte long length form;
    /// another key's id or a wrong length is not one.
    #[test]
    fn firefox_logins_by_their_key_id_and_length() {
        fn b64(d: &[u8]) -> String {
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            d.chunks(3)
                .flat_map(|c| {
                    let n =
                        c.iter().fold(0u32, |n, &b| n << 8 | u32::from(b)) << (8 * (3 - c.len()));
                    (0..=c.len()).map(move |i| char::from(A[(n >> (18 - 6 * i) & 63) as usize]))
                })
                .collect()
        }
        let id = [
            0x04, 0x10, 0xf8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        ];
        let blob = |head: &[u8], body: usize, key: &[u8]| {
            let mut d = head.to_vec();
            d.extend_from_slice(key);
            d.extend((0..body).map(|i| i as u8 ^ 0x5a));
            b64(&d)
        };
        // Short form: 18 + 30 bytes; long form: 18 + 150.
        assert!(firefox_login(blob(&[0x30, 48], 30, &id).as_bytes()));
        assert!(firefox_login(blob(&[0x30, 0x81, 168], 150, &id).as_bytes()));
        assert!(!firefox_login(blob(&[0x30, 49], 30, &id).as_bytes()));
        assert!(!firefox_login(
            blob(&[0x30, 0x81, 169], 150, &id).as_bytes()
        ));
        let mut other = id;
        other[17] = 0x02;
        assert!(!firefox_login(blob(&[0x30, 48], 30, &other).as_bytes()));
    }

    #[test]
    fn php_defines_are_read_with_any_blanks() {
        let line = b"  define( 'AUTH_SALT' ,\t\"v@l ue\" ) ;";
        let ((ns, ne), (vs, ve)) = php_define(line).unwrap();
        assert_eq!(&line[ns..ne], b"AUTH_SALT");
        assert_eq!(&line[vs..ve], b"v@l ue");
        for bad in [
            &b"define('A', 'v'"[..],
            b"define('A' 'v')",
            b"define(A, 'v')",
            b"define('A\", 'v')",
            b"defined('A', 'v')",
            b"define('', 'v')",
        ] {
            assert!(
                php_define(bad).is_none(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
