//! Credential tokens: provider API keys, access tokens, webhooks and key
//! files, about 180 kinds.
//!
//! A regular expression per provider would be the obvious design, and is
//! what secret scanners do; run over every byte it would cost more than
//! the rest of detection together. Instead every kind is reached from a
//! *key* that the engine's existing passes already find, and only then is
//! the provider's published structure checked by hand:
//!
//! - **Anchors** (`anchors.rs`): a distinctive literal of the token's
//!   prefix in one of the Aho-Corasick automata (`ghp_`, `xox`, `AKIA`,
//!   `glpat-`, `hvs.`, `:AA` of a Telegram bot token, `IBAzCC` of a PKCS #12
//!   header…). [`anchor`] gets the literal's kind and position.
//! - **Digit words** (`numeric.rs`): the byte-class prefilter stops at
//!   every digit, and every alphanumeric word with a digit is looked at
//!   once. A token whose prefix has a digit (`dop_v1_`, `A3-`, `ya29.`,
//!   `sha256~`, `dt0c01.`) or whose body is hex (`shpat_` and 32 hex
//!   digits, `key-` and 32) always holds one, so [`word`] finds it with no
//!   literal of its own. A random body with a letters-only prefix
//!   (`nvapi-`, `phx_`, `sm_aat_`) nearly always holds one too: a word
//!   with a digit right after `-` or `_` walks back over its base64url
//!   run to the prefix ([`split_body`]).
//! - **Assignments** (`anchors.rs`'s `secret_key`): providers whose keys
//!   have no format of their own (a Datadog key is 32 hex digits) are
//!   reported only when assigned to a name that says whose they are
//!   (`DD_API_KEY=…`), by [`assigned`].
//! - **URLs**: webhook URLs and DSNs are looked at from the `://` anchor
//!   ([`url`]).
//!
//! Every match then passes the shared placeholder filter
//! ([`crate::placeholder`]) and, where the format has one, its checksum or
//! structure: GitHub's and npm's CRC-32 in base 62, age's Bech32, PyPI's
//! macaroon, the JSON inside 1Password, Grafana, Mapbox and Sentry tokens,
//! the snowflake inside a Discord bot token, PKCS #12's DER header. A value
//! failing a structural check is not reported. GitHub's and npm's CRC is
//! different: tokens issued before it existed, and the tokens other
//! people's test data is made of, have the format but not the checksum, so
//! a failed CRC lowers the finding to `low` (still reported at the default
//! level, never at `high`) instead of dropping it.

use crate::builtin::D;
use crate::kit::{MAX_PEM, PLAIN, Sink, at, before, eq_ci, is_word, run};
use crate::model::Confidence::{self, High, Low, Medium};
use crate::placeholder;
use crate::validate as v;

/// Character classes of token bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum C {
    /// `A-Za-z0-9`
    Alnum,
    /// `0-9a-fA-F`
    Hex,
    /// `0-9a-f`
    LHex,
    /// `A-Z0-9`
    Up,
    /// `a-z0-9`
    Low,
    /// `A-Za-z`
    Letters,
    /// base64url: `A-Za-z0-9_-`
    Url,
    /// base64url and `=`
    UrlEq,
    /// base64: `A-Za-z0-9+/` and `=`
    Std,
    /// `A-Za-z0-9_.=-`
    Dot,
    /// `0-9`
    Digits,
    /// Bech32's data alphabet in upper case.
    Bech32Up,
}

impl C {
    #[inline]
    fn has(self, c: u8) -> bool {
        match self {
            C::Alnum => c.is_ascii_alphanumeric(),
            C::Hex => c.is_ascii_hexdigit(),
            C::LHex => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
            C::Up => c.is_ascii_uppercase() || c.is_ascii_digit(),
            C::Low => c.is_ascii_lowercase() || c.is_ascii_digit(),
            C::Letters => c.is_ascii_alphabetic(),
            C::Url => c.is_ascii_alphanumeric() || c == b'_' || c == b'-',
            C::UrlEq => c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'='),
            C::Std => c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='),
            C::Dot => c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'='),
            C::Digits => c.is_ascii_digit(),
            C::Bech32Up => b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".contains(&c),
        }
    }
}

/// One run of a token's body, and the byte that follows it (0: none).
#[derive(Debug, Clone, Copy)]
struct Seg {
    cls: C,
    min: u16,
    max: u16,
    sep: u8,
}

const fn seg(cls: C, min: u16, max: u16) -> Seg {
    Seg {
        cls,
        min,
        max,
        sep: 0,
    }
}

const fn seg_then(cls: C, min: u16, max: u16, sep: u8) -> Seg {
    Seg { cls, min, max, sep }
}

/// A token format: a fixed prefix, body runs, a fixed suffix, the
/// confidence of a match, and an optional check of the whole token.
struct Spec {
    det: D,
    prefix: &'static [u8],
    segs: &'static [Seg],
    suffix: &'static [u8],
    conf: Confidence,
    check: Option<fn(&[u8]) -> bool>,
    /// When `check` fails: `None` drops the match, `Some(c)` reports it
    /// at `c`.
    failed: Option<Confidence>,
}

const fn spec(det: D, prefix: &'static [u8], segs: &'static [Seg], conf: Confidence) -> Spec {
    Spec {
        det,
        prefix,
        segs,
        suffix: b"",
        conf,
        check: None,
        failed: None,
    }
}

/// Matches `s` with its prefix at `a`; reports it and returns true. A
/// token of the right prefix and lengths whose hex runs hold other
/// letters too (`pul-` and 40 lower-case alphanumerics, as other tools'
/// test keys and hand-made examples are written) is reported one step
/// lower than the format's confidence.
fn try_spec(sk: &mut Sink<'_>, s: &Spec, a: usize) -> bool {
    try_spec_as(sk, s, a, false) || try_spec_as(sk, s, a, true)
}

fn try_spec_as(sk: &mut Sink<'_>, s: &Spec, a: usize, loose: bool) -> bool {
    if loose && (s.conf != High || !s.segs.iter().any(|g| matches!(g.cls, C::Hex | C::LHex))) {
        return false;
    }
    match measure(sk.t, s, a, loose) {
        Some(e) if loose => {
            let lowered = Spec {
                conf: Medium,
                failed: s.failed.map(Confidence::lowered),
                ..*s
            };
            report(sk, &lowered, a, e)
        }
        Some(e) => report(sk, s, a, e),
        None => false,
    }
}

/// End of `s` matched at `a`, or `None`. `loose`: hex runs may hold any
/// alphanumeric (they must then hold a digit, and letters past `f` in an
/// eighth of the run or more).
fn measure(t: &[u8], s: &Spec, a: usize, loose: bool) -> Option<usize> {
    if t.get(a..a + s.prefix.len()) != Some(s.prefix) || is_word(before(t, a)) {
        return None;
    }
    let mut i = a + s.prefix.len();
    let mut last = C::Alnum;
    for g in s.segs {
        let cls = if loose && matches!(g.cls, C::Hex | C::LHex) {
            C::Alnum
        } else {
            g.cls
        };
        let mut n = run(t, i, g.max as usize, |c| cls.has(c));
        if cls != g.cls {
            let r = t.get(i..i + n).unwrap_or_default();
            // Written in another alphabet, not one character off (a
            // random alphanumeric run has ~40% letters past `f`).
            let past_hex = r
                .iter()
                .filter(|c| c.is_ascii_alphabetic() && !c.is_ascii_hexdigit())
                .count();
            if past_hex * 8 < r.len() || !r.iter().any(u8::is_ascii_digit) {
                return None;
            }
        }
        // A sentence's full stop is not part of the token.
        if g.cls == C::Dot && g.sep == 0 && s.suffix.is_empty() {
            while n > 0 && at(t, i + n - 1) == b'.' {
                n -= 1;
            }
        }
        if n < g.min as usize || n > g.max as usize {
            return None;
        }
        i += n;
        last = cls;
        if g.sep != 0 {
            if at(t, i) != g.sep {
                return None;
            }
            i += 1;
        }
    }
    if !s.suffix.is_empty() {
        if t.get(i..i + s.suffix.len()) != Some(s.suffix) {
            return None;
        }
        i += s.suffix.len();
    }
    let nx = at(t, i);
    if is_word(nx) || (s.suffix.is_empty() && last.has(nx) && nx != b'.') {
        return None;
    }
    // A file's name with the prefix inside it (`video_box.ico-<32 hex>.png`
    // is a hashed asset, not an Infracost key): a word and a dot before,
    // a dot and a letter after.
    if a >= 2
        && before(t, a) == b'.'
        && is_word(at(t, a - 2))
        && nx == b'.'
        && at(t, i + 1).is_ascii_alphabetic()
    {
        return None;
    }
    // A run read loosely is a token of its own only where a base64url
    // token could not go on (`live_<35>-NcN5` is one 40-character token).
    if loose && s.suffix.is_empty() && nx == b'-' {
        return None;
    }
    Some(i)
}

/// Reports `s` matched at `a..e` unless its check fails or it is a
/// placeholder.
fn report(sk: &mut Sink<'_>, s: &Spec, a: usize, e: usize) -> bool {
    if !sk.on(s.det) {
        return false;
    }
    let t = sk.t;
    let tok = t.get(a..e).unwrap_or_default();
    let conf = match s.check {
        Some(f) if !f(tok) => match s.failed {
            Some(c) => c,
            None => return false,
        },
        _ => s.conf,
    };
    let body = t
        .get(a + s.prefix.len()..e - s.suffix.len())
        .unwrap_or_default();
    if placeholder::token(s.prefix, body) || marker_after(t, e) {
        return false;
    }
    sk.emit(s.det, a, e, conf, PLAIN);
    true
}

/// Reports a token found by hand at `a..e` whose random part is `body`.
fn emit_token(sk: &mut Sink<'_>, d: D, a: usize, e: usize, body: (usize, usize), conf: Confidence) {
    let t = sk.t;
    let prefix = t.get(a..body.0).unwrap_or_default();
    let b = t.get(body.0..body.1).unwrap_or_default();
    if !sk.on(d) || placeholder::token(prefix, b) || marker_after(t, e) {
        return;
    }
    sk.emit(d, a, e, conf, PLAIN);
}

/// A template or masking character right after a token (`xoxb-1234-####`,
/// `sk_live_abc***`, `ghp_abc…`, `glpat-abc{{suffix}}`): what matched is
/// the start of a placeholder, not a whole secret. (Not `<`: tokens end
/// XML elements.)
pub(crate) fn marker_after(t: &[u8], e: usize) -> bool {
    matches!(at(t, e), b'#' | b'*' | b'{' | b'$')
        || t.get(e..e + 3) == Some(&b"..."[..])
        || t.get(e..e + 3) == Some("…".as_bytes())
}

// ---------------------------------------------------------------- specs --

fn github_crc(tok: &[u8]) -> bool {
    tok.get(4..).is_some_and(v::github_token_checksum)
}
fn pypi_shape(tok: &[u8]) -> bool {
    tok.get(5..).is_some_and(v::pypi_macaroon)
}
fn ends_aa(tok: &[u8]) -> bool {
    tok.ends_with(b"AA")
}
/// Upper- and lower-case letters and a digit: a random base62 body, not
/// an identifier in one case (`s.getAttribute` is code).
fn upper_lower_digit(tok: &[u8]) -> bool {
    tok.iter().any(u8::is_ascii_uppercase)
        && tok.iter().any(u8::is_ascii_lowercase)
        && tok.iter().any(u8::is_ascii_digit)
}
fn notion_digits(tok: &[u8]) -> bool {
    tok.get(4..15)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
}

const ALNUM_36: &[Seg] = &[seg(C::Alnum, 36, 36)];

/// A GitHub token of the 2021 formats: prefix, 36 alphanumerics, CRC.
const fn gh(prefix: &'static [u8]) -> Spec {
    Spec {
        check: Some(github_crc),
        failed: Some(Low),
        ..spec(D::GithubToken, prefix, ALNUM_36, High)
    }
}
const GITHUB: [Spec; 6] = [
    gh(b"ghp_"),
    gh(b"gho_"),
    gh(b"ghu_"),
    gh(b"ghs_"),
    gh(b"ghr_"),
    // A GitHub App's user refresh token: 76 characters, no checksum
    // published.
    Spec {
        check: Some(upper_lower_digit),
        ..spec(D::GithubToken, b"ghr_", &[seg(C::Alnum, 76, 76)], High)
    },
];
const GITHUB_PAT: Spec = spec(
    D::GithubToken,
    b"github_pat_",
    &[seg_then(C::Alnum, 22, 22, b'_'), seg(C::Alnum, 59, 59)],
    High,
);
const NPM: Spec = Spec {
    check: Some(github_crc),
    failed: Some(Low),
    ..spec(D::NpmToken, b"npm_", &[seg(C::Alnum, 36, 36)], High)
};
/// A PyPI token: `pypi-` and a base64 macaroon whose first bytes are its
/// location, `pypi.org` or `test.pypi.org` (so the prefix alone says what
/// it is). A body that is not a whole macaroon (a secret scanner's random
/// sample, a token cut short) is `medium`.
const PYPI_BODY: &[Seg] = &[seg(C::Url, 35, 1000)];
const fn pypi(prefix: &'static [u8]) -> Spec {
    Spec {
        check: Some(pypi_shape),
        failed: Some(Medium),
        ..spec(D::PypiToken, prefix, PYPI_BODY, High)
    }
}
const GOOGLE: Spec = spec(D::GoogleApiKey, b"AIza", &[seg(C::Url, 35, 35)], High);
const HF: Spec = spec(
    D::HuggingfaceToken,
    b"hf_",
    &[seg(C::Letters, 34, 34)],
    High,
);
/// Other scanners' test data writes Hugging Face's 34 letters with
/// digits among them: one step lower.
const HF_DIGITS: Spec = spec(
    D::HuggingfaceToken,
    b"hf_",
    &[seg(C::Alnum, 34, 34)],
    Medium,
);
const HF_ORG: Spec = spec(
    D::HuggingfaceOrgToken,
    b"api_org_",
    &[seg(C::Letters, 34, 34)],
    High,
);
const ANTHROPIC: Spec = Spec {
    check: Some(ends_aa),
    ..spec(
        D::AnthropicApiKey,
        b"sk-ant-api03-",
        &[seg(C::Url, 95, 95)],
        High,
    )
};
const ANTHROPIC_ADMIN: Spec = Spec {
    check: Some(ends_aa),
    ..spec(
        D::AnthropicAdminKey,
        b"sk-ant-admin01-",
        &[seg(C::Url, 95, 95)],
        High,
    )
};
/// `T3BlbkFJ`, the base64 of "OpenAI", sits in the middle of every
/// OpenAI key; a body without it is another tool's sample (secretlint's
/// and detect-secrets' negatives are keys with it changed): `low`.
fn openai_marker(tok: &[u8]) -> bool {
    tok.windows(8).any(|w| w == b"T3BlbkFJ")
}
const fn openai(d: D, prefix: &'static [u8]) -> Spec {
    Spec {
        check: Some(openai_marker),
        failed: Some(Low),
        ..spec(d, prefix, OPENAI_BODY, High)
    }
}
const OPENAI_BODY: &[Seg] = &[seg(C::Url, 40, 250)];
const OPENAI_NEW: [Spec; 4] = [
    openai(D::OpenaiApiKey, b"sk-proj-"),
    openai(D::OpenaiApiKey, b"sk-svcacct-"),
    openai(D::OpenaiApiKey, b"sk-None-"),
    openai(D::OpenaiAdminKey, b"sk-admin-"),
];
const OPENAI_LEGACY: Spec = spec(D::OpenaiApiKey, b"sk-", &[seg(C::Alnum, 48, 48)], High);
const AWS_KEY: Spec = spec(D::AwsAccessKey, b"", &[seg(C::Up, 20, 20)], High);
const AWS_ID: Spec = spec(D::AwsIamUniqueId, b"", &[seg(C::Up, 20, 21)], Low);
const GROQ: Spec = spec(D::GroqApiKey, b"gsk_", &[seg(C::Alnum, 52, 52)], High);
const PPLX: Spec = spec(
    D::PerplexityApiKey,
    b"pplx-",
    &[seg(C::Alnum, 48, 48)],
    High,
);
const XAI: Spec = spec(D::XaiApiKey, b"xai-", &[seg(C::Alnum, 80, 80)], High);
/// Vault service tokens since 1.10: `hvs.` and the long form (90-120
/// base64url characters, the token's id and an HMAC), or 24 base62
/// characters (root tokens, `otp_length` 28).
const VAULT_SVC: [Spec; 2] = [
    spec(D::VaultServiceToken, b"hvs.", &[seg(C::Url, 90, 120)], High),
    spec(
        D::VaultServiceToken,
        b"hvs.",
        &[seg(C::Alnum, 24, 24)],
        High,
    ),
];
const VAULT_BATCH: Spec = spec(D::VaultBatchToken, b"hvb.", &[seg(C::Url, 138, 300)], High);
const AGE: Spec = Spec {
    check: Some(v::age_secret_key),
    ..spec(
        D::AgeSecretKey,
        b"AGE-SECRET-KEY-1",
        &[seg(C::Bech32Up, 58, 58)],
        High,
    )
};
const ALIBABA: Spec = spec(
    D::AlibabaAccessKeyId,
    b"LTAI",
    &[seg(C::Alnum, 12, 20)],
    High,
);
const HEROKU: Spec = spec(D::HerokuApiKey, b"HRKU-AA", &[seg(C::Url, 58, 58)], High);
const NETLIFY: Spec = spec(D::NetlifyToken, b"nfp_", &[seg(C::Alnum, 36, 40)], High);
const RENDER: Spec = spec(D::RenderApiKey, b"rnd_", &[seg(C::Alnum, 32, 32)], High);
const PLANETSCALE: [Spec; 3] = [
    spec(
        D::PlanetscaleToken,
        b"pscale_tkn_",
        &[seg(C::Dot, 32, 64)],
        High,
    ),
    spec(
        D::PlanetscaleToken,
        b"pscale_oauth_",
        &[seg(C::Dot, 32, 64)],
        High,
    ),
    spec(
        D::PlanetscalePassword,
        b"pscale_pw_",
        &[seg(C::Dot, 32, 64)],
        High,
    ),
];
const SCALINGO: Spec = spec(D::ScalingoToken, b"tk-us-", &[seg(C::Url, 48, 48)], High);
const YANDEX: Spec = spec(D::YandexApiKey, b"AQVN", &[seg(C::Url, 35, 38)], High);
const BITBUCKET: Spec = spec(
    D::BitbucketAppPassword,
    b"ATBB",
    &[seg(C::Alnum, 28, 48)],
    High,
);
const LINEAR: Spec = spec(D::LinearApiKey, b"lin_api_", &[seg(C::Alnum, 40, 40)], High);
const DOCKER: [Spec; 2] = [
    spec(
        D::DockerHubToken,
        b"dckr_pat_",
        &[seg(C::Url, 27, 40)],
        High,
    ),
    spec(
        D::DockerHubToken,
        b"dckr_oat_",
        &[seg(C::Url, 27, 40)],
        High,
    ),
];
const PREFECT: Spec = spec(D::PrefectApiKey, b"pnu_", &[seg(C::Alnum, 36, 36)], High);
const FIGMA: Spec = spec(D::FigmaToken, b"figd_", &[seg(C::Url, 38, 48)], High);
const FRAMEIO: Spec = spec(D::FrameioToken, b"fio-u-", &[seg(C::UrlEq, 64, 64)], High);
const TYPEFORM: Spec = spec(D::TypeformToken, b"tfp_", &[seg(C::Dot, 59, 59)], High);
const CONTENTFUL: Spec = spec(D::ContentfulToken, b"CFPAT-", &[seg(C::Url, 43, 43)], High);
const JFROG_KEY: Spec = spec(D::JfrogApiKey, b"AKCp", &[seg(C::Alnum, 69, 69)], High);
const JFROG_REF: Spec = spec(
    D::JfrogIdentityToken,
    b"cmVmd",
    &[seg(C::Alnum, 59, 59)],
    High,
);
const NR_USER: Spec = spec(D::NewRelicUserKey, b"NRAK-", &[seg(C::Up, 27, 27)], High);
const NR_INSERT: Spec = spec(D::NewRelicInsertKey, b"NRII-", &[seg(C::Url, 32, 32)], High);
const EASYPOST: Spec = spec(D::EasypostApiKey, b"EZAK", &[seg(C::Alnum, 54, 54)], High);
const GOCSPX: Spec = spec(
    D::GoogleOauthClientSecret,
    b"GOCSPX-",
    &[seg(C::Url, 28, 28)],
    High,
);
const WHSEC: Spec = spec(
    D::StripeWebhookSecret,
    b"whsec_",
    &[seg(C::Std, 32, 64)],
    High,
);
const GRAFANA_CLOUD: Spec = spec(D::GrafanaCloudToken, b"glc_", &[seg(C::Std, 32, 400)], High);
const GRAFANA_SA: Spec = spec(
    D::GrafanaServiceAccountToken,
    b"glsa_",
    &[seg_then(C::Alnum, 32, 32, b'_'), seg(C::Hex, 8, 8)],
    High,
);
const DUFFEL: Spec = spec(
    D::DuffelApiToken,
    b"duffel_live_",
    &[seg(C::UrlEq, 43, 43)],
    High,
);
const LOB: Spec = spec(D::LobApiKey, b"live_", &[seg(C::LHex, 35, 35)], High);
const LOB_PUB: Spec = spec(D::LobApiKey, b"live_pub_", &[seg(C::LHex, 31, 31)], Low);
const GOCARDLESS: Spec = spec(
    D::GocardlessToken,
    b"live_",
    &[seg(C::UrlEq, 40, 40)],
    Medium,
);

/// GitLab's prefixes: `(prefix, shortest and longest body, routable)`.
const GITLAB: &[(&[u8], usize, usize, bool)] = &[
    (b"glpat-", 20, 300, true),
    (b"gldt-", 20, 40, false),
    (b"glrt-", 20, 300, true),
    (b"gloas-", 64, 64, false),
    (b"glcbt-", 22, 40, false),
    (b"glft-", 20, 40, false),
    (b"glimt-", 25, 64, false),
    (b"glagent-", 50, 64, false),
    (b"glsoat-", 20, 40, false),
    (b"glffct-", 20, 40, false),
    (b"glptt-", 40, 40, false),
    (b"GR1348941", 20, 40, false),
];

// Found from digit words.
const DO_TOKENS: [Spec; 3] = [
    spec(
        D::DigitaloceanPat,
        b"dop_v1_",
        &[seg(C::LHex, 64, 64)],
        High,
    ),
    spec(
        D::DigitaloceanOauthToken,
        b"doo_v1_",
        &[seg(C::LHex, 64, 64)],
        High,
    ),
    spec(
        D::DigitaloceanRefreshToken,
        b"dor_v1_",
        &[seg(C::LHex, 64, 64)],
        High,
    ),
];
const CF_ORIGIN: Spec = spec(
    D::CloudflareOriginCaKey,
    b"v1.0-",
    &[seg_then(C::LHex, 24, 24, b'-'), seg(C::LHex, 146, 146)],
    High,
);
const YA29: Spec = spec(
    D::GoogleOauthAccessToken,
    b"ya29.",
    &[seg(C::Url, 30, 2048)],
    High,
);
const OPENSHIFT: Spec = spec(D::OpenshiftToken, b"sha256~", &[seg(C::Url, 43, 43)], High);
const LANGSMITH: [Spec; 2] = [
    spec(
        D::LangsmithApiKey,
        b"lsv2_pt_",
        &[seg_then(C::LHex, 32, 32, b'_'), seg(C::LHex, 10, 10)],
        High,
    ),
    spec(
        D::LangsmithApiKey,
        b"lsv2_sk_",
        &[seg_then(C::LHex, 32, 32, b'_'), seg(C::LHex, 10, 10)],
        High,
    ),
];
const FLY_ORG: Spec = spec(D::FlyioToken, b"fo1_", &[seg(C::Url, 43, 43)], High);
/// Fly.io macaroon tokens (`fm1r_`, `fm1a_`, `fm2_`), base64 of 100 bytes
/// or more; `FlyV1 ` before them in an environment file.
const FLY_MACAROON: [Spec; 3] = [
    spec(D::FlyioToken, b"fm1r_", &[seg(C::Std, 100, 2000)], High),
    spec(D::FlyioToken, b"fm1a_", &[seg(C::Std, 100, 2000)], High),
    spec(D::FlyioToken, b"fm2_", &[seg(C::Std, 100, 2000)], High),
];
/// 42's intra API client secrets: `s-s4t2ud-` (or `s-s4t2af-`) and 64
/// lower-case hex digits.
const INTRA42: [Spec; 2] = [
    spec(
        D::Intra42ClientSecret,
        b"s-s4t2ud-",
        &[seg(C::LHex, 64, 64)],
        High,
    ),
    spec(
        D::Intra42ClientSecret,
        b"s-s4t2af-",
        &[seg(C::LHex, 64, 64)],
        High,
    ),
];
const REPLICATE: Spec = spec(D::ReplicateApiToken, b"r8_", &[seg(C::Alnum, 37, 37)], High);
/// Adobe OAuth client secret: `p8e-` and 32 characters, letters, digits
/// and `-` (Adobe's own examples hold a dash).
const ADOBE: Spec = spec(D::AdobeClientSecret, b"p8e-", &[seg(C::Url, 32, 32)], High);
const SQUARE_ATP: Spec = spec(
    D::SquareAccessToken,
    b"sq0atp-",
    &[seg(C::Url, 22, 22)],
    High,
);
const SQUARE_CSP: Spec = spec(
    D::SquareOauthSecret,
    b"sq0csp-",
    &[seg(C::Url, 43, 43)],
    High,
);
const NUGET: Spec = spec(D::NugetApiKey, b"oy2", &[seg(C::Low, 43, 43)], High);
const TWILIO: Spec = spec(D::TwilioApiKey, b"SK", &[seg(C::Hex, 32, 32)], Medium);
/// ClickHouse Cloud API secret: `4b1d` and 38 alphanumerics, one word.
const CLICKHOUSE: Spec = spec(
    D::ClickhouseApiSecret,
    b"4b1d",
    &[seg(C::Alnum, 38, 38)],
    High,
);
/// Salesforce access (session) token: the 15-character organisation id
/// (`00D` and twelve), `!`, and 80-128 characters.
const SALESFORCE: Spec = spec(
    D::SalesforceAccessToken,
    b"00D",
    &[seg_then(C::Alnum, 12, 12, b'!'), seg(C::Dot, 80, 128)],
    High,
);
/// Zoho OAuth access and refresh token: `1000.`, 32 hex digits, `.`, 32.
const ZOHO: Spec = spec(
    D::ZohoOauthToken,
    b"1000.",
    &[seg_then(C::LHex, 32, 32, b'.'), seg(C::LHex, 32, 32)],
    High,
);
/// crates.io API token: `cio` and 32 alphanumerics, one word.
const CRATESIO: Spec = spec(D::CratesioApiToken, b"cio", &[seg(C::Alnum, 32, 32)], High);
/// AWS AppSync API key: `da2-` and 26 lower-case alphanumerics.
const APPSYNC: Spec = spec(D::AppsyncApiKey, b"da2-", &[seg(C::Low, 26, 26)], High);
const DATABRICKS: Spec = spec(D::DatabricksToken, b"dapi", &[seg(C::LHex, 32, 32)], High);
const AWS_A3T: Spec = spec(D::AwsAccessKey, b"A3T", &[seg(C::Up, 17, 17)], High);
const NOTION: Spec = Spec {
    check: Some(notion_digits),
    ..spec(D::NotionToken, b"ntn_", &[seg(C::Alnum, 46, 46)], High)
};
const HUBSPOT: [Spec; 2] = [
    spec(
        D::HubspotPrivateAppToken,
        b"pat-na1-",
        &[
            seg_then(C::LHex, 8, 8, b'-'),
            seg_then(C::LHex, 4, 4, b'-'),
            seg_then(C::LHex, 4, 4, b'-'),
            seg_then(C::LHex, 4, 4, b'-'),
            seg(C::LHex, 12, 12),
        ],
        High,
    ),
    spec(
        D::HubspotPrivateAppToken,
        b"pat-eu1-",
        &[
            seg_then(C::LHex, 8, 8, b'-'),
            seg_then(C::LHex, 4, 4, b'-'),
            seg_then(C::LHex, 4, 4, b'-'),
            seg_then(C::LHex, 4, 4, b'-'),
            seg(C::LHex, 12, 12),
        ],
        High,
    ),
];
const DYNATRACE: Spec = spec(
    D::DynatraceToken,
    b"dt0",
    &[
        seg_then(C::Alnum, 3, 3, b'.'),
        seg_then(C::Alnum, 24, 24, b'.'),
        seg(C::Alnum, 64, 64),
    ],
    High,
);

const VERCEL_BODY: &[Seg] = &[seg(C::Alnum, 24, 60)];
const CLOUDFLARE_BODY: &[Seg] = &[seg(C::Alnum, 48, 48)];
fn vercel_crc(tok: &[u8]) -> bool {
    tok.get(4..).is_some_and(v::crc32_base62_tail)
}
/// Vercel's prefixed tokens (`vcp_` personal, `vci_` integration, `vca_`
/// app access, `vcr_` app refresh, `vck_` API key): alphanumerics whose
/// last 6 are the CRC-32 of the rest in base 62, as GitHub's. A failed
/// CRC is reported `low`, as GitHub's (others' samples are random).
const fn vercel(prefix: &'static [u8]) -> Spec {
    Spec {
        check: Some(vercel_crc),
        failed: Some(Low),
        ..spec(D::VercelPrefixedToken, prefix, VERCEL_BODY, High)
    }
}
fn cloudflare_crc(tok: &[u8]) -> bool {
    let body = tok
        .iter()
        .position(|&c| c == b'_')
        .and_then(|i| tok.get(i + 1..));
    body.is_some_and(v::crc32_hex_tail)
}
/// Cloudflare's prefixed API credentials (`cfut_` user token, `cfat_`
/// account token, `cfk_` global key): 40 alphanumerics and the CRC-32 of
/// those 40 in 8 lower-case hex digits.
const fn cloudflare(prefix: &'static [u8]) -> Spec {
    Spec {
        check: Some(cloudflare_crc),
        failed: Some(Low),
        ..spec(D::CloudflarePrefixedToken, prefix, CLOUDFLARE_BODY, High)
    }
}

/// Tokens whose hex (or lower-case) body follows a prefix ending in `_`.
const AFTER_UNDERSCORE: &[Spec] = &[
    vercel(b"vcp_"),
    vercel(b"vci_"),
    vercel(b"vca_"),
    vercel(b"vcr_"),
    vercel(b"vck_"),
    cloudflare(b"cfut_"),
    cloudflare(b"cfat_"),
    cloudflare(b"cfk_"),
    spec(D::BuildkiteToken, b"bkua_", &[seg(C::LHex, 40, 40)], High),
    spec(
        D::ShopifyAccessToken,
        b"shpat_",
        &[seg(C::Hex, 32, 32)],
        High,
    ),
    spec(
        D::ShopifyCustomAppToken,
        b"shpca_",
        &[seg(C::Hex, 32, 32)],
        High,
    ),
    spec(
        D::ShopifyPrivateAppToken,
        b"shppa_",
        &[seg(C::Hex, 32, 32)],
        High,
    ),
    spec(
        D::ShopifySharedSecret,
        b"shpss_",
        &[seg(C::Hex, 32, 32)],
        High,
    ),
    spec(
        D::RubygemsApiKey,
        b"rubygems_",
        &[seg(C::LHex, 48, 48)],
        High,
    ),
    spec(
        D::SentryAuthToken,
        b"sntryu_",
        &[seg(C::LHex, 64, 64)],
        High,
    ),
    spec(D::SonarqubeToken, b"sqp_", &[seg(C::LHex, 40, 40)], High),
    spec(D::SonarqubeToken, b"squ_", &[seg(C::LHex, 40, 40)], High),
    spec(D::SonarqubeToken, b"sqa_", &[seg(C::LHex, 40, 40)], High),
    spec(
        D::ShippoApiToken,
        b"shippo_live_",
        &[seg(C::Hex, 40, 40)],
        High,
    ),
    spec(
        D::ShippoApiToken,
        b"shippo_test_",
        &[seg(C::Hex, 40, 40)],
        Low,
    ),
    spec(
        D::SourcegraphToken,
        b"sgp_",
        &[seg_then(C::Hex, 16, 16, b'_'), seg(C::Hex, 40, 40)],
        High,
    ),
    spec(D::SourcegraphToken, b"sgp_", &[seg(C::Hex, 40, 40)], High),
    // A Sourcegraph license key.
    spec(D::SourcegraphToken, b"slk_", &[seg(C::LHex, 64, 64)], High),
    // Ionic (Appflow) personal access token.
    spec(D::IonicToken, b"ion_", &[seg(C::Alnum, 42, 42)], High),
    // Teamwork (Projects, Desk, CRM, Spaces) API token.
    Spec {
        suffix: b"=",
        ..spec(D::TeamworkToken, b"tkn.v1_", &[seg(C::Alnum, 71, 71)], High)
    },
    spec(
        D::SourcegraphToken,
        b"sgp_local_",
        &[seg(C::Hex, 40, 40)],
        High,
    ),
    spec(D::SupabaseToken, b"sbp_", &[seg(C::LHex, 40, 40)], High),
    spec(
        D::SegmentPublicApiToken,
        b"sgp_",
        &[seg(C::Alnum, 64, 64)],
        High,
    ),
    spec(D::AdafruitIoKey, b"aio_", &[seg(C::Alnum, 28, 28)], High),
    spec(
        D::DependencyTrackApiKey,
        b"odt_",
        &[seg(C::Alnum, 32, 64)],
        High,
    ),
    spec(D::ClojarsToken, b"CLOJARS_", &[seg(C::Alnum, 60, 60)], High),
    spec(D::ReadmeApiKey, b"rdme_", &[seg(C::Low, 70, 70)], High),
    NOTION,
];

/// Tokens whose prefix holds no digit and whose body may be split by
/// `-` or `_` (or is one alphanumeric word): no literal keys them, so
/// they are reached from any word of the body that holds a digit, by
/// walking back to the start of its base64url run ([`split_body`]); a
/// prefix may run on past that word's start (PyPI's). A
/// body with no digit at all is missed: one NVIDIA key in 50,000, one
/// SettleMint token in 17 (16 characters), one short Vault recovery
/// token in 70.
const SPLIT: &[Spec] = &[
    // PyPI's and TestPyPI's: the base64 of the macaroon's fixed start
    // (`pypi.org`, `test.pypi.org`) holds a `5`, so its first word is
    // always a digit word.
    pypi(b"pypi-AgEIcHlwaS5vcmc"),
    pypi(b"pypi-AgENdGVzdC5weXBpLm9yZw"),
    spec(D::NvidiaApiKey, b"nvapi-", &[seg(C::Url, 64, 64)], High),
    spec(D::PosthogApiKey, b"phx_", &[seg(C::Url, 43, 48)], High),
    spec(
        D::MongodbAtlasServiceAccountSecret,
        b"mdb_sa_sk_",
        &[seg(C::Url, 40, 40)],
        High,
    ),
    spec(
        D::SettlemintAccessToken,
        b"sm_aat_",
        &[seg(C::Alnum, 16, 16)],
        High,
    ),
    spec(
        D::SettlemintAccessToken,
        b"sm_pat_",
        &[seg(C::Alnum, 16, 16)],
        High,
    ),
    spec(
        D::SettlemintAccessToken,
        b"sm_sat_",
        &[seg(C::Alnum, 16, 16)],
        High,
    ),
    spec(D::InfracostApiKey, b"ico-", &[seg(C::Alnum, 32, 32)], High),
    spec(D::DenoDeployToken, b"ddp_", &[seg(C::Alnum, 36, 36)], High),
    spec(D::DenoDeployToken, b"ddw_", &[seg(C::Alnum, 36, 36)], High),
    spec(
        D::PineconeApiKey,
        b"pcsk_",
        &[seg_then(C::Alnum, 5, 6, b'_'), seg(C::Alnum, 63, 63)],
        High,
    ),
    spec(
        D::ApifyApiToken,
        b"apify_api_",
        &[seg(C::Alnum, 36, 36)],
        High,
    ),
    spec(D::RootlyApiKey, b"rootly_", &[seg(C::LHex, 64, 64)], High),
    launchdarkly(b"api-"),
    launchdarkly(b"sdk-"),
    launchdarkly(b"mob-"),
    spec(
        D::LangfuseSecretKey,
        b"sk-lf-",
        &[
            seg_then(C::LHex, 8, 8, b'-'),
            seg_then(C::LHex, 4, 4, b'-'),
            seg_then(C::LHex, 4, 4, b'-'),
            seg_then(C::LHex, 4, 4, b'-'),
            seg(C::LHex, 12, 12),
        ],
        High,
    ),
];

/// A UUID in lower-case hex, version 4 and RFC 4122's variant checked by
/// [`uuid_v4_after_prefix`].
const UUID_SEGS: &[Seg] = &[
    seg_then(C::LHex, 8, 8, b'-'),
    seg_then(C::LHex, 4, 4, b'-'),
    seg_then(C::LHex, 4, 4, b'-'),
    seg_then(C::LHex, 4, 4, b'-'),
    seg(C::LHex, 12, 12),
];
/// `[89ab]` after the version `4` of a random UUID behind a 4-byte prefix.
fn uuid_v4_after_prefix(tok: &[u8]) -> bool {
    tok.get(18) == Some(&b'4') && matches!(tok.get(23), Some(b'8' | b'9' | b'a' | b'b'))
}
/// LaunchDarkly keys: `api-` (REST API access token), `sdk-` (server-side
/// SDK key) or `mob-` (mobile key) and a random (version 4) UUID. A
/// prefixed UUID is a shape other text can take: medium, high next to
/// "launchdarkly".
const fn launchdarkly(prefix: &'static [u8]) -> Spec {
    Spec {
        check: Some(uuid_v4_after_prefix),
        ..spec(D::LaunchdarklyKey, prefix, UUID_SEGS, Medium)
    }
}

/// Longest prefix and body before a word of [`SPLIT`]'s bodies can start.
const SPLIT_REACH: usize = 80;

/// Vault recovery tokens (`hvr.`), in the two forms of `hvs.`.
const VAULT_RECOVERY: [Spec; 2] = [
    spec(
        D::VaultRecoveryToken,
        b"hvr.",
        &[seg(C::Url, 90, 120)],
        High,
    ),
    spec(
        D::VaultRecoveryToken,
        b"hvr.",
        &[seg(C::Alnum, 24, 24)],
        High,
    ),
];
/// Vault service tokens before 1.10: `s.` and 24 alphanumerics. `s.`
/// is also a variable's name in code: medium, high next to "vault".
const VAULT_LEGACY: Spec = Spec {
    check: Some(upper_lower_digit),
    ..spec(
        D::VaultServiceToken,
        b"s.",
        &[seg(C::Alnum, 24, 24)],
        Medium,
    )
};
/// Voiceflow API keys: `VF.DM.` (Dialog Manager), `VF.WS.` (workspace)
/// or the legacy `VF.`, a MongoDB object id, `.` and 16 alphanumerics.
const VOICEFLOW: [Spec; 3] = [
    spec(
        D::VoiceflowApiKey,
        b"VF.DM.",
        &[seg_then(C::LHex, 24, 24, b'.'), seg(C::Alnum, 16, 16)],
        High,
    ),
    spec(
        D::VoiceflowApiKey,
        b"VF.WS.",
        &[seg_then(C::LHex, 24, 24, b'.'), seg(C::Alnum, 16, 16)],
        High,
    ),
    spec(
        D::VoiceflowApiKey,
        b"VF.",
        &[seg_then(C::LHex, 24, 24, b'.'), seg(C::Alnum, 16, 16)],
        High,
    ),
];
/// Harness tokens: `pat.` (personal) or `sat.` (service account), the
/// account id (22 base64url), `.`, the token id (24 hex), `.`, 20
/// alphanumerics.
const HARNESS_BODY: &[Seg] = &[
    seg_then(C::Url, 22, 22, b'.'),
    seg_then(C::LHex, 24, 24, b'.'),
    seg(C::Alnum, 20, 20),
];
const HARNESS: [Spec; 2] = [
    spec(D::HarnessToken, b"pat.", HARNESS_BODY, High),
    spec(D::HarnessToken, b"sat.", HARNESS_BODY, High),
];

/// OpenRouter API key: `sk-or-v1-` and 64 hex digits.
const OPENROUTER: Spec = spec(
    D::OpenrouterApiKey,
    b"sk-or-v1-",
    &[seg(C::LHex, 64, 64)],
    High,
);

/// Bitbucket Data Center HTTP access token: `BBDC-` and 44 base64
/// characters that decode, like every Atlassian Data Center token, to the
/// token's numeric id, `:` and 20 random bytes. Found from the word after
/// `BBDC-` when it holds a digit, or from a later word with a digit
/// after `+` or `/` (the base64 of a numeric id holds a digit only where
/// a digit ending a group of three is 4-9: `193142332190` is
/// `MTkzMTQyMzMyMTkw`, so about one id in forty gives a first word
/// without one). A body with no digit at all (about one in 3,000) is not
/// found: no anchor literal is left for it (`anchors::CREDS` is full).
const BBDC: Spec = Spec {
    check: Some(atlassian_dc_body),
    ..spec(
        D::BitbucketDataCenterToken,
        b"BBDC-",
        &[seg(C::Std, 44, 44)],
        High,
    )
};
fn atlassian_dc_body(tok: &[u8]) -> bool {
    let Some(b) = tok.get(5..).and_then(|b| v::base64_decode(b, 44)) else {
        return false;
    };
    let id = b.iter().take_while(|c| c.is_ascii_digit()).count();
    b.len() == 33 && (1..=20).contains(&id) && b.get(id) == Some(&b':')
}

/// Tokens whose hex body follows a prefix ending in `-`.
const AFTER_DASH: &[Spec] = &[
    BBDC,
    // `key-` and a hex digest also names cache entries: medium, high
    // next to "mailgun".
    spec(D::MailgunApiKey, b"key-", &[seg(C::LHex, 32, 32)], Medium),
    spec(D::PulumiToken, b"pul-", &[seg(C::LHex, 40, 40)], High),
    spec(D::NewRelicApiKey, b"NRRA-", &[seg(C::LHex, 42, 42)], High),
    spec(D::NewRelicApiKey, b"NRAA-", &[seg(C::LHex, 27, 27)], High),
    spec(D::TavilyApiKey, b"tvly-", &[seg(C::Alnum, 32, 32)], High),
    spec(
        D::TavilyApiKey,
        b"tvly-dev-",
        &[seg(C::Alnum, 32, 32)],
        High,
    ),
    spec(
        D::TavilyApiKey,
        b"tvly-prod-",
        &[seg(C::Alnum, 32, 32)],
        High,
    ),
    spec(D::OctopusDeployApiKey, b"API-", &[seg(C::Up, 26, 26)], High),
    spec(
        D::PostmanApiKey,
        b"PMAK-",
        &[seg_then(C::Hex, 24, 24, b'-'), seg(C::Hex, 34, 34)],
        High,
    ),
    spec(
        D::NewRelicBrowserKey,
        b"NRJS-",
        &[seg(C::LHex, 19, 19)],
        Medium,
    ),
    spec(
        D::BrevoApiKey,
        b"xkeysib-",
        &[seg_then(C::LHex, 64, 64, b'-'), seg(C::Alnum, 16, 16)],
        High,
    ),
    spec(
        D::BrevoApiKey,
        b"xsmtpsib-",
        &[seg_then(C::LHex, 64, 64, b'-'), seg(C::Alnum, 16, 16)],
        High,
    ),
    Spec {
        suffix: b"-X",
        ..spec(
            D::FlutterwaveSecretKey,
            b"FLWSECK-",
            &[seg(C::Hex, 32, 32)],
            High,
        )
    },
    Spec {
        suffix: b"-X",
        ..spec(
            D::FlutterwaveSecretKey,
            b"FLWSECK_TEST-",
            &[seg(C::Hex, 32, 32)],
            Low,
        )
    },
];

// -------------------------------------------------------------- anchors --

/// Which handler an anchor literal calls (see `anchors.rs`'s tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum K {
    Pem,
    Sendgrid,
    Jwt,
    Slack,
    SlackHook,
    SlackApp,
    Github,
    GithubPat,
    Npm,
    AzureAccountKey,
    AzureShared,
    SkDash,
    Hf,
    HfOrg,
    Eaa,
    Telegram,
    Doppler,
    Dropbox,
    Aws,
    AwsId,
    Google,
    GoogleOauth,
    Stripe,
    StripeWebhook,
    Gitlab,
    GrafanaCloud,
    GrafanaSa,
    Groq,
    Pplx,
    Xai,
    VaultSvc,
    VaultBatch,
    Age,
    Pkcs12,
    Alibaba,
    Heroku,
    Netlify,
    Render,
    Planetscale,
    Scalingo,
    Yandex,
    Tailscale,
    Bitbucket,
    Linear,
    Docker,
    Prefect,
    Figma,
    Frameio,
    Typeform,
    Contentful,
    NrUser,
    NrInsert,
    RunOfA,
    Live,
    Easypost,
    Fcm,
}

/// The first of `specs` that matches at `a`.
fn first_of(sk: &mut Sink<'_>, specs: &[Spec], a: usize) {
    // Every format strictly before any loosely (see `try_spec`).
    for loose in [false, true] {
        for s in specs {
            if try_spec_as(sk, s, a, loose) {
                return;
            }
        }
    }
}

/// Handles the anchor literal of kind `k` whose prefix starts at `a` (the
/// literal itself ends at `ae`).
pub(crate) fn anchor(sk: &mut Sink<'_>, k: K, a: usize, ae: usize) {
    let one = |sk: &mut Sink<'_>, s: &Spec| {
        try_spec(sk, s, a);
    };
    match k {
        K::Pem => pem(sk, a, ae),
        K::Sendgrid => sendgrid(sk, a),
        K::Jwt => eyj(sk, a),
        K::Slack => slack(sk, a),
        K::SlackHook => slack_hook(sk, a),
        K::SlackApp => slack_app(sk, a),
        K::Github => {
            first_of(sk, &GITHUB, a);
            if at(sk.t, a + 4).is_ascii_digit() && sk.t.get(a..a + 4) == Some(&b"ghs_"[..]) {
                github_app_installation(sk, a);
            }
        }
        K::GithubPat => one(sk, &GITHUB_PAT),
        K::Npm => one(sk, &NPM),
        K::AzureAccountKey => azure_key(sk, D::AzureStorageKey, ae, 86, 88),
        K::AzureShared => azure_key(sk, D::AzureSharedAccessKey, ae, 43, 44),
        K::SkDash => sk_dash(sk, a),
        K::Hf => first_of(sk, &[HF, HF_DIGITS], a),
        K::HfOrg => one(sk, &HF_ORG),
        K::Eaa => eaa(sk, a),
        K::Telegram => telegram(sk, a),
        K::Doppler => doppler(sk, a),
        K::Dropbox => dropbox(sk, a),
        K::Aws => aws(sk, a, &AWS_KEY, 16, 16),
        K::AwsId => aws(sk, a, &AWS_ID, 16, 17),
        K::Google => one(sk, &GOOGLE),
        K::GoogleOauth => one(sk, &GOCSPX),
        K::Stripe => stripe(sk, a),
        K::StripeWebhook => one(sk, &WHSEC),
        K::Gitlab => gitlab(sk, a),
        K::GrafanaCloud => one(sk, &GRAFANA_CLOUD),
        K::GrafanaSa => one(sk, &GRAFANA_SA),
        K::Groq => one(sk, &GROQ),
        K::Pplx => one(sk, &PPLX),
        K::Xai => one(sk, &XAI),
        K::VaultSvc => first_of(sk, &VAULT_SVC, a),
        K::VaultBatch => one(sk, &VAULT_BATCH),
        K::Age => one(sk, &AGE),
        K::Pkcs12 => pkcs12_base64(sk, a),
        K::Alibaba => {
            one(sk, &ALIBABA);
            // `MIILTAIBAzCC…`: a PKCS #12 file whose length encodes as
            // `LT` holds Alibaba's `LTAI` over the first letter of its
            // own literal, and the anchor search, leftmost and not
            // overlapping, reported only `LTAI`.
            if sk.t.get(a + 3..a + 9) == Some(&b"IBAzCC"[..]) {
                pkcs12_base64(sk, a + 3);
            }
        }
        K::Heroku => one(sk, &HEROKU),
        K::Netlify => one(sk, &NETLIFY),
        K::Render => one(sk, &RENDER),
        K::Planetscale => first_of(sk, &PLANETSCALE, a),
        K::Scalingo => one(sk, &SCALINGO),
        K::Yandex => one(sk, &YANDEX),
        K::Tailscale => tailscale(sk, a),
        K::Bitbucket => one(sk, &BITBUCKET),
        K::Linear => one(sk, &LINEAR),
        K::Docker => first_of(sk, &DOCKER, a),
        K::Prefect => one(sk, &PREFECT),
        K::Figma => one(sk, &FIGMA),
        K::Frameio => one(sk, &FRAMEIO),
        K::Typeform => one(sk, &TYPEFORM),
        K::Contentful => one(sk, &CONTENTFUL),
        K::NrUser => one(sk, &NR_USER),
        K::NrInsert => one(sk, &NR_INSERT),
        K::RunOfA => run_of_a(sk, a),
        K::Live => live(sk, a),
        K::Easypost => one(sk, &EASYPOST),
        K::Fcm => fcm(sk, a + 1),
    }
}

/// `AKIA…`: the prefix and `lo..=hi` base32 characters (`A-Z2-7`), the
/// alphabet AWS issues ids in. The same shape with `0`, `1`, `8` or `9`
/// is no id AWS issued, but it is what test data and other tools'
/// samples hold (many scanners' rules take `[A-Z0-9]`): reported at low
/// confidence, as a GitHub token failing its checksum is.
fn aws(sk: &mut Sink<'_>, a: usize, s: &Spec, lo: usize, hi: usize) {
    let t = sk.t;
    if !sk.on(s.det) || is_word(before(t, a)) {
        return;
    }
    let n = run(t, a + 4, hi, |c| C::Up.has(c));
    let e = a + 4 + n;
    if n < lo || n > hi || is_word(at(t, e)) {
        return;
    }
    let body = t.get(a + 4..e).unwrap_or_default();
    let base32 = body
        .iter()
        .all(|&c| !matches!(c, b'0' | b'1' | b'8' | b'9'));
    // Outside the alphabet, a body of digits only is a number after the
    // prefix's letters, not a random id.
    if !base32 && body.iter().all(u8::is_ascii_digit) {
        return;
    }
    let found = sk.out.len();
    emit_token(
        sk,
        s.det,
        a,
        e,
        (a + 4, e),
        if base32 { s.conf } else { Low },
    );
    // Only a real key id's neighbour (not a placeholder's) is its secret.
    if base32 && sk.out.len() > found {
        aws_paired_secret(sk, e);
    }
}

/// Most separator bytes between an AWS key id and its unnamed secret.
const AWS_PAIR_GAP: usize = 16;

/// The secret passed right after its key id with no name of its own
/// (`connect("AKIA…", "wJalr…/K7MD…")`, `AKIA…:wJalr…` in a credentials
/// line): 40 base64 characters that mix cases and digits like a random
/// key (not a hex digest, not a word run), after only separators (quotes,
/// blanks, `,`, `:`, `;`, `=`, `|`, one line break). Nothing else may stand
/// between: a candidate that starts this far after its key must leave no
/// room for another (the scan resolves overlaps block by block).
fn aws_paired_secret(sk: &mut Sink<'_>, e: usize) {
    let t = sk.t;
    if !sk.on(D::AwsSecretKey) {
        return;
    }
    let gap = run(t, e, AWS_PAIR_GAP, |c| {
        matches!(
            c,
            b' ' | b'\t' | b'"' | b'\'' | b',' | b':' | b';' | b'=' | b'|' | b'\r' | b'\n'
        )
    });
    let breaks = t
        .get(e..e + gap)
        .map_or(0, |g| g.iter().filter(|&&c| c == b'\n').count());
    if gap == 0 || gap > AWS_PAIR_GAP || breaks > 1 {
        return;
    }
    let i = e + gap;
    let n = run(t, i, 41, crate::anchors::b64);
    let Some(v) = t.get(i..i + n) else { return };
    if n != 40 || is_word(at(t, i + n)) || at(t, i + n) == b'=' {
        return;
    }
    let lower = v.iter().any(u8::is_ascii_lowercase);
    let upper = v.iter().any(u8::is_ascii_uppercase);
    let digit = v.iter().any(u8::is_ascii_digit);
    if lower
        && upper
        && digit
        && crate::anchors::entropy(v) >= 4.0
        && !placeholder::value(v)
        && !marker_after(t, i + n)
    {
        sk.emit_fixed(D::AwsSecretKey, i, i + n, High);
    }
}

fn stripe(sk: &mut Sink<'_>, a0: usize) {
    let t = sk.t;
    let Some(a) = a0.checked_sub(1) else { return };
    if !matches!(at(t, a), b's' | b'r') || !sk.on(D::StripeKey) || is_word(before(t, a)) {
        return;
    }
    let live = at(t, a0 + 2) == b'l';
    let plen = 8; // "sk_live_" and "sk_test_" have the same length
    let n = run(t, a + plen, 247, |c| c.is_ascii_alphanumeric());
    if !(10..=247).contains(&n) || is_word(at(t, a + plen + n)) {
        return;
    }
    emit_token(
        sk,
        D::StripeKey,
        a,
        a + plen + n,
        (a + plen, a + plen + n),
        if live { High } else { Low },
    );
}

fn gitlab(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if !sk.on(D::GitlabToken) || is_word(before(t, a)) {
        return;
    }
    let Some(&(prefix, lo, hi, routable)) =
        GITLAB.iter().find(|g| t.get(a..a + g.0.len()) == Some(g.0))
    else {
        return;
    };
    let bs = a + prefix.len();
    let n = run(t, bs, hi, |c| C::Url.has(c));
    if n < lo || n > hi {
        return;
    }
    let mut e = bs + n;
    // Routable tokens end in `.<2 version chars><7 chars>`.
    if routable
        && at(t, e) == b'.'
        && t.get(e + 1..e + 10)
            .is_some_and(|r| r.iter().all(|c| C::Low.has(*c)))
        && !C::Url.has(at(t, e + 10))
    {
        e += 10;
    }
    if is_word(at(t, e)) {
        return;
    }
    emit_token(sk, D::GitlabToken, a, e, (bs, bs + n), High);
}

fn sendgrid(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if !sk.on(D::SendgridApiKey) || is_word(before(t, a)) {
        return;
    }
    let n1 = run(t, a + 3, 22, |c| C::Url.has(c));
    if n1 != 22 || at(t, a + 25) != b'.' {
        return;
    }
    let n2 = run(t, a + 26, 43, |c| C::Url.has(c));
    if n2 != 43 || is_word(at(t, a + 69)) {
        return;
    }
    if placeholder::token(b"SG.", t.get(a + 3..a + 25).unwrap_or_default()) {
        return;
    }
    emit_token(sk, D::SendgridApiKey, a, a + 69, (a + 26, a + 69), High);
}

/// `AccountKey=` (88 base64 characters) and `SharedAccessKey=` (44): the
/// value after the literal, which ends at `ae`.
fn azure_key(sk: &mut Sink<'_>, d: D, ae: usize, lo: usize, hi: usize) {
    let t = sk.t;
    let n = run(t, ae, hi, crate::anchors::b64);
    let mut e = ae + n;
    while at(t, e) == b'=' && e < ae + n + 2 {
        e += 1;
    }
    let len = e - ae;
    let ok = if d == D::AzureSharedAccessKey {
        len == 44 && n >= 43
    } else {
        (lo..=hi).contains(&len)
    };
    if !ok || is_word(at(t, e)) {
        return;
    }
    if !sk.on(d) || placeholder::token(b"", t.get(ae..e).unwrap_or_default()) {
        return;
    }
    sk.emit_fixed(d, ae, e, High);
}

/// `sk-`: OpenAI's and Anthropic's keys.
fn sk_dash(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if is_word(before(t, a)) {
        return;
    }
    let rest = t.get(a + 3..).unwrap_or_default();
    if rest.starts_with(b"ant-api03-") {
        try_spec(sk, &ANTHROPIC, a);
    } else if rest.starts_with(b"ant-admin01-") {
        try_spec(sk, &ANTHROPIC_ADMIN, a);
    } else if rest.starts_with(b"or-v1-") {
        try_spec(sk, &OPENROUTER, a);
    } else if let Some(s) = OPENAI_NEW
        .iter()
        .find(|s| rest.starts_with(s.prefix.get(3..).unwrap_or_default()))
    {
        try_spec(sk, s, a);
    } else if t.get(a + 23..a + 31) == Some(&b"T3BlbkFJ"[..]) {
        // Legacy user keys: sk-, 20 characters, T3BlbkFJ, 20 characters.
        try_spec(sk, &OPENAI_LEGACY, a);
    }
}

/// `EAA`: Square access tokens (EAAA and 60 characters) and Facebook
/// Graph tokens (EAA and 100+ alphanumerics).
fn eaa(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    // Not inside a base64 blob (`…AAB/EAAAoBUAAC…` in an embedded
    // WebAssembly module): a token is alphanumeric, so a `+` before it
    // or a `+` or `/` right after its run means a longer string.
    if is_word(before(t, a)) || before(t, a) == b'+' {
        return;
    }
    if at(t, a + 3) == b'A' {
        let n = run(t, a + 4, 60, |c| C::Url.has(c));
        if n == 60 && !is_word(at(t, a + 64)) {
            emit_token(sk, D::SquareAccessToken, a, a + 64, (a + 4, a + 64), High);
            return;
        }
    }
    let n = run(t, a + 3, 1000, |c| c.is_ascii_alphanumeric());
    let e = a + 3 + n;
    if (100..=1000).contains(&n) && !is_word(at(t, e)) && !matches!(at(t, e), b'+' | b'/') {
        emit_token(sk, D::FacebookAccessToken, a, e, (a + 3, e), High);
    }
}

/// `:AA` of a Telegram bot token: `<5-16 digit bot id>:AA<33>`.
fn telegram(sk: &mut Sink<'_>, m: usize) {
    let t = sk.t;
    let lo = m.saturating_sub(16);
    let digits = t.get(lo..m).map_or(0, |s| {
        s.iter().rev().take_while(|c| c.is_ascii_digit()).count()
    });
    let a = m - digits;
    if !(5..=16).contains(&digits) || is_word(before(t, a)) || at(t, a) == b'0' {
        return;
    }
    let n = run(t, m + 3, 33, |c| C::Url.has(c));
    let e = m + 3 + n;
    if n != 33 || is_word(at(t, e)) {
        return;
    }
    emit_token(sk, D::TelegramBotToken, a, e, (m + 3, e), High);
}

/// `TT3` of `ATATT3…` / `ATCTT3…`: the token's first word, which holds
/// the `3`, is a digit word ([`word`], or [`long_run`] past
/// [`MAX_WORD`](crate::kit::MAX_WORD) characters).
fn atlassian(sk: &mut Sink<'_>, m: usize) {
    let t = sk.t;
    let Some(a) = m.checked_sub(3) else { return };
    if !matches!(t.get(a..m), Some(b"ATA" | b"ATC")) || is_word(before(t, a)) {
        return;
    }
    let n = run(t, m + 3, 250, |c| C::UrlEq.has(c));
    let e = m + 3 + n;
    if !(150..=250).contains(&n) || is_word(at(t, e)) {
        return;
    }
    emit_token(sk, D::AtlassianApiToken, a, e, (m + 3, e), High);
}

/// `dp.` of Doppler's tokens: `dp.<type>.[config name.]<40-44>`.
fn doppler(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if is_word(before(t, a)) {
        return;
    }
    let Some(ty) = [&b"pt."[..], b"st.", b"ct.", b"sa.", b"scim.", b"audit."]
        .into_iter()
        .find(|ty| t.get(a + 3..a + 3 + ty.len()) == Some(*ty))
    else {
        return;
    };
    let mut bs = a + 3 + ty.len();
    let mut n = run(t, bs, 44, |c| c.is_ascii_alphanumeric());
    if ty == b"st." && !(40..=44).contains(&n) {
        // A service token may carry its config's name first.
        let name = run(t, bs, 35, |c| C::Low.has(c) || c == b'_' || c == b'-');
        if (2..=35).contains(&name) && at(t, bs + name) == b'.' {
            bs += name + 1;
            n = run(t, bs, 44, |c| c.is_ascii_alphanumeric());
        }
    }
    let e = bs + n;
    if !(40..=44).contains(&n) || is_word(at(t, e)) {
        return;
    }
    emit_token(sk, D::DopplerToken, a, e, (bs, e), High);
}

/// `sl.` of a Dropbox short-lived token (`sl.u.` in the newer form).
fn dropbox(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if is_word(before(t, a)) {
        return;
    }
    let mut bs = a + 3;
    if t.get(bs..bs + 2) == Some(&b"u."[..]) {
        bs += 2;
    }
    let n = run(t, bs, 2000, |c| C::UrlEq.has(c));
    let e = bs + n;
    if !(120..=2000).contains(&n) || is_word(at(t, e)) {
        return;
    }
    emit_token(sk, D::DropboxToken, a, e, (bs, e), High);
}

/// `AAAAAAAAAA`: X bearer tokens (22 `A`s and 80-100 characters) and
/// Dropbox long-lived tokens (11 characters, ten `A`s, 43 characters).
fn run_of_a(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if at(t, a.wrapping_sub(1)) == b'A' && a > 0 {
        return; // not the run's start: seen there
    }
    let n_a = run(t, a, 40, |c| c == b'A');
    if n_a >= 22 && !is_word(before(t, a)) {
        let bs = a + 22;
        let n = run(t, bs, 100, |c| c.is_ascii_alphanumeric() || c == b'%');
        let e = bs + n;
        if (80..=100).contains(&n) && !is_word(at(t, e)) {
            // The fixed run of A is not part of the random body.
            emit_token(sk, D::TwitterBearerToken, a, e, (a + n_a, e), High);
        }
        return;
    }
    // Dropbox long-lived: the ten A follow 11 lower-case characters.
    let Some(s) = a.checked_sub(11) else { return };
    if !t
        .get(s..a)
        .is_some_and(|p| p.iter().all(|&c| C::Low.has(c)))
        || is_word(before(t, s))
    {
        return;
    }
    let n = run(t, a + 10, 43, |c| C::UrlEq.has(c));
    let e = a + 10 + n;
    if n != 43 || is_word(at(t, e)) || !sk.on(D::DropboxLongLivedToken) {
        return;
    }
    let (p, b) = (
        t.get(s..a).unwrap_or_default(),
        t.get(a + 10..e).unwrap_or_default(),
    );
    if placeholder::token(b"", p) || placeholder::token(b"", b) {
        return;
    }
    sk.emit(D::DropboxLongLivedToken, s, e, Medium, PLAIN);
}

/// `live_`: Lob, GoCardless and Duffel live keys (Stripe's and Shippo's
/// are found by their own keys).
fn live(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if a >= 2 && t.get(a - 2..a) == Some(&b"k_"[..]) {
        return;
    }
    if a >= 7 {
        match t.get(a - 7..a) {
            Some(b"duffel_") => {
                try_spec(sk, &DUFFEL, a - 7);
                return;
            }
            Some(b"shippo_") => return,
            _ => {}
        }
    }
    for s in [&LOB_PUB, &LOB, &GOCARDLESS] {
        if try_spec(sk, s, a) {
            return;
        }
    }
}

fn tailscale(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if is_word(before(t, a)) {
        return;
    }
    let Some(ty) = [&b"auth-"[..], b"api-", b"client-", b"scim-", b"webhook-"]
        .into_iter()
        .find(|ty| t.get(a + 6..a + 6 + ty.len()) == Some(*ty))
    else {
        return;
    };
    let is = a + 6 + ty.len();
    let id = run(t, is, 32, |c| c.is_ascii_alphanumeric());
    if !(4..=32).contains(&id) || at(t, is + id) != b'-' {
        return;
    }
    let bs = is + id + 1;
    let n = run(t, bs, 64, |c| c.is_ascii_alphanumeric());
    let e = bs + n;
    if !(20..=64).contains(&n) || is_word(at(t, e)) {
        return;
    }
    emit_token(sk, D::TailscaleKey, a, e, (bs, e), High);
}

/// `xapp-<digit>-<app id>-<number>-<secret>`.
fn slack_app(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if is_word(before(t, a)) {
        return;
    }
    let mut i = a + 5;
    for (cls, lo, hi) in [(C::Digits, 1, 2), (C::Up, 6, 20), (C::Digits, 6, 20)] {
        let n = run(t, i, hi, |c| cls.has(c));
        if n < lo || n > hi || at(t, i + n) != b'-' {
            return;
        }
        i += n + 1;
    }
    let n = run(t, i, 128, |c| C::Low.has(c));
    let e = i + n;
    if !(32..=128).contains(&n) || is_word(at(t, e)) {
        return;
    }
    emit_token(sk, D::SlackAppToken, a, e, (i, e), High);
}

/// `xox`: Slack's bot, user, workspace and configuration tokens.
fn slack(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if is_word(before(t, a)) {
        return;
    }
    let kind = at(t, a + 3);
    if kind == b'e' {
        // xoxe.xoxp-1-<163-166> (configuration access), xoxe-1-<146> (refresh).
        let (bs, lo, hi) = if t.get(a + 4..a + 9) == Some(&b".xoxp"[..])
            || t.get(a + 4..a + 9) == Some(&b".xoxb"[..])
        {
            (a + 10, 150, 180)
        } else {
            (a + 5, 130, 160)
        };
        if at(t, bs - 1) == b'-' && at(t, bs).is_ascii_digit() && at(t, bs + 1) == b'-' {
            let n = run(t, bs + 2, hi, |c| c.is_ascii_alphanumeric());
            let e = bs + 2 + n;
            if (lo..=hi).contains(&n) && !is_word(at(t, e)) {
                emit_token(sk, D::SlackConfigToken, a, e, (bs + 2, e), High);
                return;
            }
        }
        // Otherwise an `xoxe-` token of numeric ids and a secret, as
        // Slack puts in its private file URLs (`?t=xoxe-4726…-e0b1…`).
    }
    if !matches!(kind, b'b' | b'p' | b'a' | b'r' | b's' | b'o' | b'e') || at(t, a + 4) != b'-' {
        return;
    }
    let bs = a + 5;
    let n = run(t, bs, 250, |c| c.is_ascii_alphanumeric() || c == b'-');
    let e = bs + n;
    if n > 250 || is_word(at(t, e)) {
        return;
    }
    let body = t.get(bs..e).unwrap_or_default();
    let groups = body.split(|&c| c == b'-').collect::<Vec<_>>();
    let Some((last, lead)) = groups.split_last() else {
        return;
    };
    // Ids first (digits), the secret part last; no empty group; ids that
    // are one number written again and again (`xoxp-1234-1234-1234-…`)
    // are a template's.
    if groups.iter().any(|g| g.is_empty())
        || (lead.len() >= 2 && lead.iter().all(|g| Some(g) == lead.first()))
        || !lead.iter().all(|g| g.iter().all(u8::is_ascii_digit))
        || !last.iter().any(u8::is_ascii_alphabetic)
    {
        return;
    }
    let ok = match kind {
        b'a' | b'r' => last.len() >= 8,
        // Legacy user and workspace tokens: three ids and a short hex
        // secret (`xoxs-4168…-1320…-5609…-e708ba56e1`).
        b's' | b'o' if lead.len() >= 3 && last.iter().all(u8::is_ascii_hexdigit) => last.len() >= 8,
        _ => !lead.is_empty() && last.len() >= 18,
    };
    // The secret part alone asked too: `…-1-SlackAppConfigurationTokenHere`.
    if ok && !placeholder::token(b"", last) {
        emit_token(sk, D::SlackToken, a, e, (bs, e), High);
    }
}

/// A Facebook app access token, `<app id>|<app secret or signature>`
/// (`911602140448729|AY-lRJZq9BoDLobvAiP25L7RcMg`): the app id's 15-16
/// digits end at `e`, on the `|`.
pub(crate) fn facebook_app_token(sk: &mut Sink<'_>, s: usize, e: usize) {
    let t = sk.t;
    if at(t, e) != b'|' || !sk.on(D::FacebookAccessToken) || is_word(before(t, s)) {
        return;
    }
    let n = run(t, e + 1, 41, |c| C::Url.has(c));
    let end = e + 1 + n;
    if !(27..=40).contains(&n) || is_word(at(t, end)) {
        return;
    }
    let body = t.get(e + 1..end).unwrap_or_default();
    // A secret, not a word or a pipe-separated field of a table.
    if !body.iter().any(u8::is_ascii_digit) || !body.iter().any(u8::is_ascii_alphabetic) {
        return;
    }
    emit_token(sk, D::FacebookAccessToken, s, end, (e + 1, end), Medium);
}

/// An Amazon Bedrock API key whose first word starts at or after `a`: `key-` of a
/// short-lived `bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t…` (the base64
/// of a presigned URL), or `ABSK` of a long-lived `ABSKQmVkcm9ja0FQSUtleS…`
/// (base64 of `BedrockAPIKey-…`).
fn bedrock(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    let (s, bs, fixed) = if at(t, a) == b'k' {
        let s = a.saturating_sub(12);
        if a < 12 || t.get(s..a) != Some(&b"bedrock-api-"[..]) {
            return;
        }
        (s, a + 4, &b"YmVkcm9jay5hbWF6b25hd3MuY29t"[..])
    } else {
        (a, a + 4, &b"QmVkcm9ja0FQSUtleS"[..])
    };
    if is_word(before(t, s)) || t.get(bs..bs + fixed.len()) != Some(fixed) {
        return;
    }
    let n = run(t, bs, 4096, |c| C::Std.has(c));
    let e = bs + n;
    if n > 4096 || is_word(at(t, e)) {
        return;
    }
    // A long-lived key is about 130 characters; a short-lived one a whole
    // presigned URL (its fixed start alone, as secret scanners' examples
    // write it, is still the start of one).
    if at(t, a) != b'k' && !(100..=200).contains(&n) {
        return;
    }
    if sk.on(D::AwsBedrockApiKey) && !marker_after(t, e) {
        sk.emit(D::AwsBedrockApiKey, s, e, High, PLAIN);
    }
}

/// `hooks.slack.com/services|workflows|triggers/…` (the literal starts
/// at `a`, `https://` before it).
fn slack_hook(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    // `http://` too: Slack redirects it, and people paste it so; or the
    // host alone, as a setting or a line of prose gives it.
    let s = if t.get(a.saturating_sub(8)..a) == Some(&b"https://"[..]) {
        a - 8
    } else if t.get(a.saturating_sub(7)..a) == Some(&b"http://"[..]) {
        a - 7
    } else if !is_word(before(t, a)) && !matches!(before(t, a), b'.' | b'/' | b'-') {
        a
    } else {
        return;
    };
    let p = a + 15;
    let (d, i) = if t.get(p..p + 10) == Some(&b"/services/"[..]) {
        (D::SlackWebhook, p + 10)
    } else if t.get(p..p + 11) == Some(&b"/workflows/"[..]) {
        (D::SlackWorkflowWebhook, p + 11)
    } else if t.get(p..p + 10) == Some(&b"/triggers/"[..]) {
        (D::SlackWorkflowWebhook, p + 10)
    } else {
        return;
    };
    let n = run(t, i, 120, |c| c.is_ascii_alphanumeric() || c == b'/');
    let slashes = t
        .get(i..i + n)
        .map_or(0, |r| r.iter().filter(|&&c| c == b'/').count());
    let ok = if d == D::SlackWebhook {
        slashes == 2
    } else {
        (2..=3).contains(&slashes)
    };
    // A path of one random run (43 to 56 characters), as other scanners'
    // rules take it, is a webhook's path written another way: `medium`.
    let conf = if ok {
        High
    } else if slashes == 0 && (43..=56).contains(&n) {
        Medium
    } else {
        return;
    };
    if !(20..=120).contains(&n) || !sk.on(d) {
        return;
    }
    let last = t
        .get(i..i + n)
        .and_then(|r| r.rsplit(|&c| c == b'/').next())
        .unwrap_or_default();
    if last.len() < 16 || placeholder::token(b"", last) || marker_after(t, i + n) {
        return;
    }
    sk.emit(d, s, i + n, conf, PLAIN);
}

/// `-----BEGIN <label>-----` … `-----END <label>-----`: private keys and
/// PKCS #12 blocks.
fn pem(sk: &mut Sink<'_>, a: usize, ae: usize) {
    let t = sk.t;
    // "-----BEGIN <LABEL>-----"
    if at(t, ae) != b' ' {
        return;
    }
    let ls = ae + 1;
    let Some(dash) = t
        .get(ls..(ls + 48).min(t.len()))
        .and_then(|s| memchr::memmem::find(s, b"-----"))
    else {
        return;
    };
    let label = t.get(ls..ls + dash).unwrap_or_default();
    let d = if label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK") {
        D::PrivateKey
    } else if label == b"PKCS12" || label == b"PKCS #12" || label == b"PFX" {
        D::Pkcs12File
    } else {
        return;
    };
    if !sk.on(d) {
        return;
    }
    let he = ls + dash + 5;
    // Look for the matching END line within the bound.
    let mut end_marker = b"-----END ".to_vec();
    end_marker.extend_from_slice(label);
    end_marker.extend_from_slice(b"-----");
    let hi = (he + MAX_PEM).min(t.len());
    let body_and_end = t.get(he..hi).unwrap_or_default();
    match memchr::memmem::find(body_and_end, &end_marker) {
        Some(p) => {
            let body = body_and_end.get(..p).unwrap_or_default();
            let b64 = body
                .iter()
                .filter(|c| c.is_ascii_alphanumeric() || **c == b'+' || **c == b'/')
                .count();
            // A documentation stub ("...", "<your key here>", a word)
            // rather than key material: the smallest real private key
            // (Ed25519) has a few hundred base64 characters.
            if b64 < 64 || placeholder::pem_body(body) {
                return;
            }
            sk.emit(d, a, he + p + end_marker.len(), High, PLAIN);
        }
        None => {
            // Truncated block or beyond the bound: the header alone, medium.
            let next = t.get(he..(he + 80).min(t.len())).unwrap_or_default();
            let has_body = next.iter().filter(|c| c.is_ascii_alphanumeric()).count() > 40;
            let conf = if has_body { Medium } else { Low };
            sk.emit_fixed(d, a, he, conf);
        }
    }
}

/// Base64 of a PKCS #12 file: a DER SEQUENCE with a two-byte length and
/// version 3 reads `MI[IJKL]??IBAzCC`; the literal is `IBAzCC`, six
/// characters in.
fn pkcs12_base64(sk: &mut Sink<'_>, m: usize) {
    let t = sk.t;
    let Some(a) = m.checked_sub(6) else { return };
    if t.get(a..a + 2) != Some(&b"MI"[..])
        || !matches!(at(t, a + 2), b'I'..=b'L')
        || !matches!(at(t, a + 5), b'A' | b'Q' | b'g' | b'w')
        || matches!(before(t, a), b'+' | b'/')
        || is_word(before(t, a))
    {
        return;
    }
    // The base64 text, possibly wrapped in lines.
    let hi = (a + MAX_PEM).min(t.len());
    let mut e = a;
    let mut n = 0;
    while e < hi {
        let c = at(t, e);
        if C::Std.has(c) {
            n += 1;
        } else if !(c == b'\n' || c == b'\r') || !C::Std.has(at(t, e + 1)) {
            break;
        }
        e += 1;
    }
    if n < 100 || is_word(at(t, e)) || !sk.on(D::Pkcs12File) {
        return;
    }
    sk.emit(D::Pkcs12File, a, e, High, PLAIN);
}

/// The JSON object a base64 run decodes to, if it is one (its first
/// `max` characters).
fn b64_json(s: &[u8], max: usize) -> Option<Vec<u8>> {
    let d = v::base64_decode(s, max)?;
    (d.first() == Some(&b'{')).then_some(d)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// `eyJ` (`{"` in base64): JSON Web Tokens, and the tokens that carry a
/// base64 JSON payload behind a prefix of their own.
fn eyj(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if a >= 4 && t.get(a - 4..a) == Some(&b"ops_"[..]) {
        onepassword_sa(sk, a - 4);
        return;
    }
    if a >= 7 && t.get(a - 7..a) == Some(&b"sntrys_"[..]) {
        sentry_org(sk, a - 7);
        return;
    }
    if a >= 3 && matches!(t.get(a - 3..a), Some(b"sk." | b"pk." | b"tk.")) {
        mapbox(sk, a - 3);
        return;
    }
    if t.get(a..a + 8) == Some(&b"eyJrIjoi"[..]) && grafana(sk, a) {
        return;
    }
    jwt(sk, a);
}

fn onepassword_sa(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if is_word(before(t, a)) {
        return;
    }
    let bs = a + 4;
    let n = run(t, bs, 8000, |c| C::Std.has(c));
    let e = bs + n;
    if !(250..=8000).contains(&n) || is_word(at(t, e)) {
        return;
    }
    let ok = t
        .get(bs..e)
        .and_then(|b| b64_json(b, 400))
        .is_some_and(|j| j.get(1) == Some(&b'"'));
    if ok {
        emit_token(sk, D::OnepasswordServiceAccountToken, a, e, (bs, e), High);
    }
}

/// `sntrys_<base64 JSON with iat>_<43>`.
fn sentry_org(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if is_word(before(t, a)) {
        return;
    }
    let bs = a + 7;
    let n = run(t, bs, 600, |c| C::Std.has(c));
    if !(20..=600).contains(&n) || at(t, bs + n) != b'_' {
        return;
    }
    let ss = bs + n + 1;
    let m = run(t, ss, 43, |c| C::Std.has(c) && c != b'=');
    let e = ss + m;
    if m != 43 || is_word(at(t, e)) {
        return;
    }
    let ok = t
        .get(bs..bs + n)
        .and_then(|b| b64_json(b, 600))
        .is_some_and(|j| contains(&j, b"\"iat\""));
    if ok {
        emit_token(sk, D::SentryAuthToken, a, e, (ss, e), High);
    }
}

/// `sk.`/`pk.`/`tk.` and a base64url JSON payload with `u` (the user),
/// `.` and a signature.
fn mapbox(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if is_word(before(t, a)) {
        return;
    }
    let ps = a + 3;
    let n = run(t, ps, 400, |c| C::Url.has(c));
    if !(12..=400).contains(&n) || at(t, ps + n) != b'.' {
        return;
    }
    let ss = ps + n + 1;
    let m = run(t, ss, 100, |c| C::Url.has(c));
    let e = ss + m;
    if !(20..=100).contains(&m) || is_word(at(t, e)) {
        return;
    }
    let ok = t
        .get(ps..ps + n)
        .and_then(|b| b64_json(b, 400))
        .is_some_and(|j| contains(&j, b"\"u\""));
    if !ok {
        return;
    }
    let conf = match at(t, a) {
        b's' => High,
        b't' => Medium,
        _ => Low,
    };
    emit_token(sk, D::MapboxToken, a, e, (ss, e), conf);
}

/// `eyJrIjoi` (`{"k":"`): a legacy Grafana API key. False if it is not one.
fn grafana(sk: &mut Sink<'_>, a: usize) -> bool {
    let t = sk.t;
    if is_word(before(t, a)) {
        return false;
    }
    let n = run(t, a, 408, |c| c.is_ascii_alphanumeric());
    let mut e = a + n;
    while at(t, e) == b'=' && e < a + n + 3 {
        e += 1;
    }
    if !(78..=408).contains(&n) || is_word(at(t, e)) || C::Url.has(at(t, e)) {
        return false;
    }
    let ok = t
        .get(a..a + n)
        .and_then(|b| b64_json(b, 420))
        .is_some_and(|j| contains(&j, b"\"n\":") && contains(&j, b"\"id\":"));
    if ok {
        emit_token(sk, D::GrafanaApiKey, a, e, (a + 8, e), High);
    }
    ok
}

/// `dG9rO` (`tok:` in base64): an Intercom access token.
fn intercom(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if is_word(before(t, a)) {
        return;
    }
    let n = run(t, a, 120, |c| C::Std.has(c));
    let e = a + n;
    if !(40..=120).contains(&n) || is_word(at(t, e)) {
        return;
    }
    let ok = t
        .get(a..e)
        .and_then(|b| v::base64_decode(b, 120))
        .is_some_and(|d| d.starts_with(b"tok:") && d.iter().skip(4).any(|&c| c == b':'));
    if ok {
        emit_token(sk, D::IntercomAccessToken, a, e, (a + 5, e), High);
    }
}

/// GitHub's App installation token of the 2026 format: `ghs_`, the app's
/// numeric id, `_` and a JWT (about 520 characters in all).
fn github_app_installation(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    let id = run(t, a + 4, 20, |c| c.is_ascii_digit());
    let js = a + 4 + id + 1;
    if !(1..=20).contains(&id) || at(t, js - 1) != b'_' || !sk.on(D::GithubToken) {
        return;
    }
    if let Some((e, _)) = jwt_end(t, js) {
        sk.emit_fixed(D::GithubToken, a, e, High);
    }
}

/// A JSON Web Token: three base64url segments whose header decodes to
/// JSON with an `alg`.
fn jwt(sk: &mut Sink<'_>, a: usize) {
    if !sk.on(D::Jwt) || is_word(before(sk.t, a)) {
        return;
    }
    let Some((e, sig)) = jwt_end(sk.t, a) else {
        return;
    };
    let conf = if sig >= 16 { High } else { Medium };
    sk.emit_fixed(D::Jwt, a, e, conf);
}

/// The end of a JWT whose header starts at `a` and its signature's
/// length: a header that decodes to JSON with an `alg`, a payload that
/// decodes to a JSON object (or a JWE's encrypted key), a signature that
/// is not a published example's.
fn jwt_end(t: &[u8], a: usize) -> Option<(usize, usize)> {
    let h = run(t, a, 2000, |c| C::Url.has(c));
    if !(10..=2000).contains(&h) || at(t, a + h) != b'.' {
        return None;
    }
    let ps = a + h + 1;
    let p = run(t, ps, 8000, |c| C::Url.has(c));
    if p < 4 || at(t, ps + p) != b'.' {
        return None;
    }
    let ss = ps + p + 1;
    let sig = run(t, ss, 2000, |c| C::Url.has(c));
    let e = ss + sig;
    if is_word(at(t, e)) {
        return None;
    }
    let header = t.get(a..a + h).and_then(|x| v::base64_decode(x, 2000))?;
    if header.first() != Some(&b'{')
        || header.trim_ascii_end().last() != Some(&b'}')
        || !contains(&header, b"\"alg\"")
    {
        return None;
    }
    // A JWT's payload is its claims set, a JSON object; a JWE's second
    // part is an encrypted key (`"enc"` in its header says which).
    let json = |x: &[u8]| x.first() == Some(&b'{') && x.trim_ascii_end().last() == Some(&b'}');
    let payload = t.get(ps..ps + p).and_then(|x| v::base64_decode(x, 8000));
    if !payload.as_deref().is_some_and(json) && !contains(&header, b"\"enc\"") {
        return None;
    }
    if placeholder::documented(t.get(ss..e).unwrap_or_default()) {
        return None;
    }
    Some((e, sig))
}

// ---------------------------------------------------------- digit words --

/// A word of letters and digits with at least one digit, `t[ws..we]`
/// (called by `numeric.rs` for every such word, once): tokens whose prefix
/// holds a digit, or whose body is hex, are found here.
pub(crate) fn word(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    let Some(w) = t.get(ws..we) else { return };
    let n = w.len();
    let nx = at(t, we);
    let pv = before(t, ws);
    if pv == b'$' {
        dollar_word(sk, ws, n, nx);
    }
    if matches!(pv, b'.' | b'-') && matches!(n, 4 | 8 | 12) {
        mws_group(sk, ws, we, pv);
    }
    if matches!(pv, b'-' | b'_') {
        split_body(sk, ws);
    } else if pv == b'.' && ws >= 4 && t.get(ws - 4..ws) == Some(&b"hvr."[..]) {
        first_of(sk, &VAULT_RECOVERY, ws - 4);
    } else if pv == b'.'
        && w.first() == Some(&b'A')
        && matches!(at(t, ws.wrapping_sub(2)), b'0' | b'1')
    {
        entra_refresh(sk, ws - 2);
    } else if pv == b'+' && n == 9 && w.starts_with(b"ACR") {
        acr_password(sk, ws - 1);
    }
    if matches!(pv, b'+' | b'/') {
        bbdc_back(sk, ws);
        jenkins_back(sk, ws);
    } else if pv == b'>' {
        pass_element(sk, ws);
    } else if matches!(pv, b' ' | b'\t' | b'"' | b'\'') {
        if n <= 44 {
            unseal_command(sk, ws);
        }
        after_name(sk, ws, pv);
    } else if matches!(pv, b':' | b'%') {
        crate::authn::argument_password(sk, ws);
    }
    if nx == b'+' && t.get(we..we + 4) == Some(&b"+ACR"[..]) {
        acr_password(sk, we);
    }
    if n <= 9 {
        short_word(sk, w, ws, nx, pv);
    }
    if n == 15 && nx == b'!' && w.starts_with(b"00D") {
        try_spec(sk, &SALESFORCE, ws);
        return;
    }
    if w.starts_with(b"GR1348941") {
        gitlab(sk, ws);
        return;
    }
    if matches!(w.first(), Some(b'A' | b'd' | b'c' | b's')) && first_word_formats(sk, w, ws) {
        return;
    }
    if n >= 16 {
        if matches!(w.first(), Some(b'A' | b'Y')) {
            bedrock_word(sk, w, ws);
        }
        long_word(sk, w, ws, we, nx, pv);
    }
}

/// Four formats whose first word holds a digit (Atlassian's `3` and
/// Intercom's base64 of `tok:` always; JFrog's 69 and 59 random
/// alphanumerics all but once in 30,000), found from the word `w` at `ws`
/// rather than by a literal of the anchor automata (`w` may be only the
/// first bytes of a longer word, as [`long_run`] passes it); and a Sumo
/// Logic access ID (`su` and 12, whose digit makes it such a word). True
/// if `w` starts one of them. Out of line: most words start with another
/// byte.
#[inline(never)]
fn first_word_formats(sk: &mut Sink<'_>, w: &[u8], ws: usize) -> bool {
    let n = w.len();
    if atlassian_start(w) {
        atlassian(sk, ws + 3);
    } else if n == 73 && w.starts_with(b"AKCp") {
        try_spec(sk, &JFROG_KEY, ws);
    } else if w.starts_with(b"dG9rO") {
        intercom(sk, ws);
    } else if n == 64 && w.starts_with(b"cmVmd") {
        try_spec(sk, &JFROG_REF, ws);
    } else if n == 14 && w.starts_with(b"su") {
        sumo_access_id(sk, ws, ws + n);
    } else if w.starts_with(b"AQAAABAAAA") {
        jenkins_secret(sk, ws);
    } else {
        return false;
    }
    true
}

/// An Amazon Bedrock API key's first word (its base64 holds a digit
/// early): `ABSK` and the base64 of `BedrockAPIKey-` (long-lived), or
/// after `bedrock-api-key-` the base64 of `bedrock.amazonaws.com`
/// (short-lived).
#[cold]
#[inline(never)]
fn bedrock_word(sk: &mut Sink<'_>, w: &[u8], ws: usize) {
    if w.starts_with(b"ABSKQmVkcm9ja0FQ") {
        bedrock(sk, ws);
    } else if w.starts_with(b"YmVkcm9jay5h")
        && ws >= 4
        && sk.t.get(ws - 4..ws) == Some(&b"key-"[..])
    {
        bedrock(sk, ws - 4);
    }
}

/// A word after a `$`: a password hash's scheme between two `$` (`$2y$`,
/// `$apr1$`, `$argon2id$`, yescrypt's parameters after `$y$`), or the
/// secret that ends a Braintree access token
/// (`access_token$production$<merchant>$<32 hex>`).
#[cold]
#[inline(never)]
fn dollar_word(sk: &mut Sink<'_>, ws: usize, n: usize, nx: u8) {
    if nx == b'$' {
        crate::hashes::at_dollar_word(sk, ws);
        return;
    }
    let t = sk.t;
    if ws >= 3 && at(t, ws - 3) == b'$' && matches!(at(t, ws - 2), b'P' | b'H' | b'S') {
        crate::hashes::phpass(sk, ws);
        return;
    }
    let hex = |r: &[u8]| r.iter().all(|c| C::LHex.has(*c));
    if n != 32 || !t.get(ws..ws + 32).is_some_and(hex) || ws < 18 {
        return;
    }
    // `$`, 16 of `a-z0-9` (the merchant), `$`, then the environment.
    let m = ws - 17;
    if at(t, m - 1) != b'$'
        || !t
            .get(m..ws - 1)
            .is_some_and(|r| r.iter().all(|c| C::Low.has(*c)))
    {
        return;
    }
    let head = t.get(..m - 1).unwrap_or_default();
    let Some(env) = [&b"production"[..], b"sandbox"]
        .into_iter()
        .find(|e| head.ends_with(e))
    else {
        return;
    };
    let Some(a) = (m - 1 - env.len()).checked_sub(13) else {
        return;
    };
    if t.get(a..a + 13) != Some(&b"access_token$"[..]) || is_word(before(t, a)) {
        return;
    }
    let e = ws + 32;
    if !is_word(at(t, e)) {
        emit_token(sk, D::BraintreeAccessToken, a, e, (m, e), High);
    }
}

/// A group of hex digits `t[ws..we]` after `.` or `-` that may be one of
/// an Amazon MWS auth token's (`amzn.mws.` and a UUID in lower case): the
/// token is looked for from where its prefix would start for the group's
/// place in the UUID. A group of digits only is a number, never handed
/// here, and the number walk takes the digits a later group starts with
/// into that number: a UUID whose first group is all digits and whose
/// other groups all start with a digit (about one in 300) is missed.
#[cold]
#[inline(never)]
fn mws_group(sk: &mut Sink<'_>, ws: usize, we: usize, pv: u8) {
    let t = sk.t;
    let hex = t
        .get(ws..we)
        .is_some_and(|w| w.iter().all(|c| C::LHex.has(*c)));
    let places: &[usize] = match (we - ws, pv) {
        _ if !hex => &[],
        (8, b'.') => &[0],
        (4, b'-') => &[9, 14, 19],
        (12, b'-') => &[24],
        _ => &[],
    };
    for u in places.iter().filter_map(|&off| ws.checked_sub(off)) {
        let Some(a) = u.checked_sub(9) else { continue };
        if t.get(a..u) != Some(&b"amzn.mws."[..]) || is_word(before(t, a)) || before(t, a) == b'.' {
            continue;
        }
        let uuid = t.get(u..u + 36).unwrap_or_default();
        let shape = uuid.len() == 36
            && uuid.iter().enumerate().all(|(i, &c)| {
                if matches!(i, 8 | 13 | 18 | 23) {
                    c == b'-'
                } else {
                    C::LHex.has(c)
                }
            });
        if shape && !is_word(at(t, u + 36)) && at(t, u + 36) != b'-' {
            emit_token(sk, D::AmazonMwsAuthToken, a, u + 36, (u, u + 36), High);
        }
        return;
    }
}

fn short_word(sk: &mut Sink<'_>, w: &[u8], ws: usize, nx: u8, pv: u8) {
    match (w, nx) {
        (b"v1", b'_') if ws >= 4 => first_of(sk, &DO_TOKENS, ws - 4),
        (b"v1", b'.') => {
            try_spec(sk, &CF_ORIGIN, ws);
        }
        (b"A3", b'-') => onepassword_secret_key(sk, ws),
        (b"ya29", b'.') => {
            try_spec(sk, &YA29, ws);
        }
        (b"sha256", b'~') => {
            try_spec(sk, &OPENSHIFT, ws);
        }
        (b"lsv2", b'_') => first_of(sk, &LANGSMITH, ws),
        (b"da2", b'-') => {
            try_spec(sk, &APPSYNC, ws);
        }
        (b"r8", b'_') => {
            try_spec(sk, &REPLICATE, ws);
        }
        (b"fo1", b'_') => {
            try_spec(sk, &FLY_ORG, ws);
        }
        (b"fm1r" | b"fm1a" | b"fm2", b'_') => first_of(sk, &FLY_MACAROON, ws),
        (b"s4t2ud" | b"s4t2af", b'-') if pv == b'-' && ws >= 2 => {
            first_of(sk, &INTRA42, ws - 2);
        }
        (b"p8e", b'-') => {
            try_spec(sk, &ADOBE, ws);
        }
        (b"atlasv1", b'.') if pv == b'.' => terraform(sk, ws),
        (b"na1" | b"eu1", b'-') if ws >= 4 => first_of(sk, &HUBSPOT, ws - 4),
        (b"sq0atp", b'-') => {
            try_spec(sk, &SQUARE_ATP, ws);
        }
        (b"sq0csp", b'-') => {
            try_spec(sk, &SQUARE_CSP, ws);
        }
        (_, b'.') if w.len() == 6 && w.starts_with(b"dt0") => {
            try_spec(sk, &DYNATRACE, ws);
        }
        (_, b'~') if w.last() == Some(&b'Q') => azure_ad_secret(sk, ws + w.len() - 1),
        _ => {}
    }
}

fn long_word(sk: &mut Sink<'_>, w: &[u8], ws: usize, we: usize, nx: u8, pv: u8) {
    let t = sk.t;
    let n = w.len();
    if n == 46 && w.starts_with(b"oy2") {
        try_spec(sk, &NUGET, ws);
        return;
    }
    if n == 42 && w.starts_with(b"4b1d") {
        try_spec(sk, &CLICKHOUSE, ws);
        return;
    }
    if n == 34 && w.starts_with(b"SK") {
        try_spec(sk, &TWILIO, ws);
        return;
    }
    if n == 36 && w.starts_with(b"dapi") {
        databricks(sk, ws);
        return;
    }
    if n == 20 && w.starts_with(b"A3T") {
        try_spec(sk, &AWS_A3T, ws);
        return;
    }
    if n == 35 && w.starts_with(b"cio") && try_spec(sk, &CRATESIO, ws) {
        return;
    }
    if n == 40 && w.ends_with(b"NRAL") && new_relic_license(sk, ws, we) {
        return;
    }
    if n == 40 && matches!(pv, b'=' | b'"' | b'\'' | b' ' | b':') && sonar_login(sk, ws, we) {
        return;
    }
    if n == 84 && w.get(52..56) == Some(b"JQQJ") && w.get(76..80) == Some(b"AZDO") {
        azure_devops_pat(sk, ws, we);
        return;
    }
    if n == 52 && w.iter().all(|&c| matches!(c, b'a'..=b'z' | b'2'..=b'7')) {
        azure_devops_legacy(sk, ws, we);
    }
    if n == 29 && pv == b'_' && t.get(we..we + 4) == Some(&b"_mmk"[..]) {
        maxmind(sk, ws, we);
        return;
    }
    if w.starts_with(b"LS0tLS1CRUdJTi") {
        pem_base64(sk, ws);
        return;
    }
    // Not the end of the word's tries: a word of that shape after a
    // prefix (`API-O…26…`) may be another provider's body.
    if (23..=27).contains(&n) && matches!(w.first(), Some(b'M' | b'N' | b'O')) && nx == b'.' {
        discord_bot(sk, ws, we);
    }
    match pv {
        b'_' => {
            // Each format is tried with its prefix just before this word
            // (sgp_<16 hex>_<40 hex> is seen from its first run).
            for s in AFTER_UNDERSCORE {
                if let Some(a) = ws.checked_sub(s.prefix.len())
                    && try_spec(sk, s, a)
                {
                    return;
                }
            }
            // A token whose first run is all digits (`sgp_9166…_587a…`,
            // one in 2,000 Sourcegraph tokens): that run is a number,
            // never a word here, so it is found from the run after it.
            for s in AFTER_UNDERSCORE {
                if let [first, _, ..] = s.segs
                    && first.sep == b'_'
                    && first.min == first.max
                    && let Some(a) = ws.checked_sub(s.prefix.len() + first.max as usize + 1)
                    && t.get(a + s.prefix.len()..ws - 1)
                        .is_some_and(|r| r.iter().all(u8::is_ascii_digit))
                    && try_spec(sk, s, a)
                {
                    return;
                }
            }
            circleci(sk, ws, n);
        }
        b'-' => {
            if n == 40 && ws >= 6 && t.get(ws - 6..ws) == Some(&b"glptt-"[..]) {
                gitlab(sk, ws - 6);
                return;
            }
            for s in AFTER_DASH {
                if let Some(a) = ws.checked_sub(s.prefix.len())
                    && try_spec(sk, s, a)
                {
                    return;
                }
            }
        }
        b'.' if n == 64 => airtable(sk, ws),
        b'.' if n == 24 => dotted_24(sk, ws),
        b'.' if n == 32 => {
            if let Some(a) = ws.checked_sub(5) {
                zoho(sk, a);
            }
        }
        b':' if n == 32 => asana(sk, ws),
        _ => {}
    }
    // Mailchimp: 32 hex digits, -us and the data center.
    if n == 32 && nx == b'-' && t.get(we..we + 3) == Some(&b"-us"[..]) {
        mailchimp(sk, ws, we);
    }
}

/// A word with a digit right after `-` or `_` at `ws`: a piece of a
/// [`SPLIT`] token's body, or its first word. The base64url run it is
/// in is walked back (at most [`SPLIT_REACH`] bytes) to its start, where
/// the prefix must be. A token whose body holds several such words is
/// tried from each; the duplicates are one candidate after overlap
/// resolution.
fn split_body(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    let lo = ws.saturating_sub(SPLIT_REACH);
    let Some(back) = t.get(lo..ws) else { return };
    let rs = match back.iter().rposition(|&c| !C::Url.has(c)) {
        Some(q) => lo + q + 1,
        // A run longer than any prefix and body before this word.
        None if lo > 0 => return,
        None => 0,
    };
    if at(t, rs.wrapping_sub(1)) == b'.' && rs >= 4 && t.get(rs - 4..rs) == Some(&b"hvr."[..]) {
        first_of(sk, &VAULT_RECOVERY, rs - 4);
        return;
    }
    // Every prefix starts with one of these: most runs stop here.
    if !matches!(
        at(t, rs),
        b'n' | b'p' | b'm' | b's' | b'i' | b'd' | b'a' | b'r'
    ) {
        return;
    }
    let Some(run) = t.get(rs..) else { return };
    for s in SPLIT {
        if run.starts_with(s.prefix) && try_spec(sk, s, rs) {
            return;
        }
    }
}

/// A later word of a Bitbucket Data Center token's body or of a Vault
/// key share, after `+` or `/` at `ws`: its base64 run is walked back (at
/// most the body's or share's 44 bytes) to `BBDC-` or `unseal `.
#[inline(never)]
fn bbdc_back(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    let lo = ws.saturating_sub(44);
    let Some(back) = t.get(lo..ws) else { return };
    let Some(q) = back.iter().rposition(|&c| !C::Std.has(c)) else {
        return;
    };
    let rs = lo + q + 1;
    if rs >= 5 && t.get(rs - 5..rs) == Some(&b"BBDC-"[..]) {
        try_spec(sk, &BBDC, rs - 5);
    } else {
        unseal_command(sk, rs);
    }
}

/// A value's first word (one with a digit) after a blank or a quote: the
/// names no anchor literal reads, found from the value back to them (an
/// `Authorization:` header with no scheme, a `.ppk` file's MAC line,
/// FileZilla's `Pass:`, a `pass` or `passphrase` key). Out of line: most
/// such words follow no name.
#[inline(never)]
fn after_name(sk: &mut Sink<'_>, ws: usize, pv: u8) {
    crate::authn::schemeless(sk, ws);
    if pv == b' ' && at(sk.t, ws.wrapping_sub(2)) == b':' {
        putty_mac(sk, ws);
        pass_line(sk, ws);
    }
    short_password_key(sk, ws, pv);
}

/// Password keys with no anchor literal of their own (`pass` without a
/// `_` before it, `passphrase`, `passcode`: the automata hold `_pass`,
/// `…ssw…` and `pwd`): `"pass": "hunter22"`, `passphrase = 'b4ttery…'`,
/// `pass: s3cret`, read back from the value at `vs` (after `pv`, a blank
/// or a quote) over the separator to the key.
fn short_password_key(sk: &mut Sink<'_>, vs: usize, pv: u8) {
    let t = sk.t;
    let quoted = matches!(pv, b'"' | b'\'');
    let mut i = vs - usize::from(quoted);
    let blanks = |i: &mut usize| {
        for _ in 0..4 {
            if *i > 0 && matches!(at(t, *i - 1), b' ' | b'\t') {
                *i -= 1;
            }
        }
    };
    blanks(&mut i);
    if !matches!(before(t, i), b':' | b'=') {
        return;
    }
    i -= 1;
    blanks(&mut i);
    let key_quote = matches!(before(t, i), b'"' | b'\'');
    i -= usize::from(key_quote);
    const KEYS: [&[u8]; 3] = [b"pass", b"passphrase", b"passcode"];
    let Some((key, ks)) = KEYS.iter().find_map(|k| {
        let ks = i.checked_sub(k.len())?;
        eq_ci(t, ks, k).then_some((*k, ks))
    }) else {
        return;
    };
    // The whole key: not `bypass`, `compass`, `my-pass`; `pass` alone
    // names the value only when quoted or a key of its own (a test's
    // verdict `PASS: test_x` is not).
    if is_word(before(t, ks)) || matches!(before(t, ks), b'-' | b'.') {
        return;
    }
    if key == b"pass" && !quoted && !key_quote {
        return;
    }
    let ve = if quoted {
        let q = at(t, vs - 1);
        let hi = t.len().min(vs + 128);
        match t.get(vs..hi).and_then(|r| memchr::memchr2(q, b'\n', r)) {
            Some(k) if at(t, vs + k) == q => vs + k,
            _ => return,
        }
    } else {
        vs + run(t, vs, 128, |c| {
            c.is_ascii_graphic() && !matches!(c, b',' | b';')
        })
    };
    if let Some(val) = t.get(vs..ve) {
        crate::anchors::password_value(sk, vs, ve, val, quoted);
    }
}

/// A PuTTY private key file (`.ppk`, versions 2 and 3): its
/// `Private-MAC:` line (40 or 64 hex digits) right after a line of the
/// key's base64. The MAC line closes the private lines, which lie further
/// back than a candidate may start ([`crate::kit::LOOKBACK`]): the finding
/// is that line, and says the key is in the file.
#[inline(never)]
fn putty_mac(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    const NAME: &[u8] = b"Private-MAC: ";
    let Some(s) = ws.checked_sub(NAME.len()) else {
        return;
    };
    if t.get(s..ws) != Some(NAME) || !sk.on(D::PrivateKey) {
        return;
    }
    let n = run(t, ws, 64, |c| c.is_ascii_hexdigit());
    if !(n == 40 || n == 64) || !matches!(at(t, ws + n), b'\r' | b'\n' | 0) {
        return;
    }
    // The line before: base64 only, ending at this line's start.
    let lo = s.saturating_sub(crate::kit::LOOKBACK - NAME.len());
    let prev = t.get(lo..s).unwrap_or_default();
    let prev = prev.strip_suffix(b"\n").unwrap_or_default();
    let prev = prev.strip_suffix(b"\r").unwrap_or(prev);
    let line = prev.rsplit(|&c| c == b'\n').next().unwrap_or_default();
    if line.len() >= 4 && line.len() < prev.len() && line.iter().all(|&c| C::Std.has(c)) {
        sk.emit_fixed(D::PrivateKey, s, ws + n, High);
    }
}

/// Longest `<Pass>` element's content read.
const PASS_ELEMENT_MAX: usize = 256;

/// FileZilla's saved password (`sitemanager.xml`, `recentservers.xml`):
/// `<Pass>…</Pass>`, or `<Pass encoding="base64">…</Pass>` as it writes
/// them since 3.26, from the content's first word `ws` (one with a
/// digit). The element's name is its own (`<Password>` is the key
/// handlers'); the content up to `</Pass>` on the line is judged as any
/// password, and base64 content must decode to printable text.
#[inline(never)]
fn pass_element(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    const PLAIN_TAG: &[u8] = b"<pass>";
    const BASE64_TAG: &[u8] = b"<pass encoding=\"base64\">";
    let opened = |tag: &[u8]| ws >= tag.len() && eq_ci(t, ws - tag.len(), tag);
    let b64 = if opened(PLAIN_TAG) {
        false
    } else if opened(BASE64_TAG) {
        true
    } else {
        return;
    };
    let hi = t.len().min(ws + PASS_ELEMENT_MAX);
    let Some(ve) = t
        .get(ws..hi)
        .and_then(|r| {
            memchr::memmem::find(r, b"</Pass>").or_else(|| memchr::memmem::find(r, b"</pass>"))
        })
        .map(|k| ws + k)
    else {
        return;
    };
    let Some(val) = t.get(ws..ve) else { return };
    if !val.contains(&b'\n') {
        pass_value(sk, ws, ve, b64);
    }
}

/// [`pass_element`] as the XML extractor writes it: `Pass: <content>` on
/// a line of its own, after a line `base64` (the `encoding` attribute's
/// value) when it is encoded. The content is one word.
#[inline(never)]
fn pass_line(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    let Some(s) = ws.checked_sub(6) else { return };
    if t.get(s..ws) != Some(&b"Pass: "[..]) || !matches!(before(t, s), b'\n' | 0) {
        return;
    }
    let n = run(t, ws, PASS_ELEMENT_MAX, |c| c.is_ascii_graphic());
    if n > PASS_ELEMENT_MAX || !matches!(at(t, ws + n), b'\r' | b'\n' | 0) {
        return;
    }
    let b64 = s >= 8 && t.get(s - 8..s) == Some(&b"\nbase64\n"[..]);
    pass_value(sk, ws, ws + n, b64);
}

/// A FileZilla password at `vs..ve`, base64 (decoding to printable text)
/// or as written.
fn pass_value(sk: &mut Sink<'_>, vs: usize, ve: usize, b64: bool) {
    let Some(val) = sk.t.get(vs..ve) else { return };
    if b64 {
        let printable = v::base64_decode(val, val.len()).is_some_and(|d| {
            d.len() >= 4
                && d.iter()
                    .all(|c| c.is_ascii_graphic() || c.is_ascii_whitespace() || *c >= 0x80)
        });
        if !printable || placeholder::value(val) || !sk.on(D::PasswordAssignment) {
            return;
        }
        sk.emit_fixed(D::PasswordAssignment, vs, ve, High);
    } else {
        crate::anchors::password_value(sk, vs, ve, val, true);
    }
}

/// A later word of a Jenkins secret, after `+` or `/` at `ws`: its first
/// word need hold no digit (`{AQAAABAAAAAgBwgJ/…`: one in six do not), so
/// the `{` it starts after is looked for back to [`LOOKBACK`].
#[inline(never)]
fn jenkins_back(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    let lo = ws.saturating_sub(crate::kit::LOOKBACK);
    let Some(back) = t.get(lo..ws) else { return };
    let Some(q) = memchr::memrchr(b'{', back) else {
        return;
    };
    let s = lo + q + 1;
    if t.get(s..s + 10) == Some(&b"AQAAABAAAA"[..])
        && t.get(s..ws)
            .is_some_and(|r| r.iter().all(|&c| C::Std.has(c)))
    {
        jenkins_secret(sk, s);
    }
}

/// An Azure Container Registry password (an admin or token password):
/// 42 base64 characters, `+ACR` and 6 alphanumerics, `+ACR` at `p`. Found
/// from the digit word just before `+ACR` or the one it starts (one of
/// them holds a digit in all but about one password in a thousand).
fn acr_password(sk: &mut Sink<'_>, p: usize) {
    let t = sk.t;
    let Some(a) = p.checked_sub(42) else { return };
    let std = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let b = before(t, a);
    if t.get(p..p + 4) != Some(&b"+ACR"[..])
        || !t.get(a..p).is_some_and(|r| r.iter().all(|&c| std(c)))
        || std(b)
        || is_word(b)
    {
        return;
    }
    let e = p + 4 + 6;
    if !t
        .get(p + 4..e)
        .is_some_and(|r| r.iter().all(u8::is_ascii_alphanumeric))
        || std(at(t, e))
        || is_word(at(t, e))
    {
        return;
    }
    emit_token(sk, D::AzureContainerRegistryPassword, a, e, (a, e), High);
}

/// A Microsoft Entra ID (Azure AD) refresh token whose `0.` or `1.` is at
/// `a`: `A` and 50 or more base64url characters (the client and tenant),
/// optionally `.` and a digit, `.Ag` and 250 or more (the encrypted
/// grant), optionally `.A` and 200 or more. Found from the first word
/// after the dot, which holds a digit in all but a few tokens in a
/// thousand.
fn entra_refresh(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    let b = before(t, a);
    if is_word(b) || b == b'.' || at(t, a + 1) != b'.' || at(t, a + 2) != b'A' {
        return;
    }
    let url = |c: u8| C::Url.has(c);
    let n1 = run(t, a + 3, 1000, url);
    if !(50..=1000).contains(&n1) {
        return;
    }
    let mut i = a + 3 + n1;
    if at(t, i) == b'.' && at(t, i + 1).is_ascii_digit() && at(t, i + 2) == b'.' {
        i += 2;
    }
    if t.get(i..i + 3) != Some(&b".Ag"[..]) {
        return;
    }
    let n2 = run(t, i + 3, 4000, url);
    if !(250..=4000).contains(&n2) {
        return;
    }
    let mut e = i + 3 + n2;
    if t.get(e..e + 2) == Some(&b".A"[..]) {
        let n3 = run(t, e + 2, 4000, url);
        if (200..=4000).contains(&n3) {
            e += 2 + n3;
        }
    }
    // A dot followed by more of the alphabet: a longer dotted value.
    if is_word(at(t, e)) || (at(t, e) == b'.' && C::Url.has(at(t, e + 1))) {
        return;
    }
    emit_token(sk, D::EntraRefreshToken, a, e, (a + 3, e), High);
}

/// An eight-digit number right after `-` at `ws`: the first group of a
/// prefixed UUID (`sdk-47809323-…`), which is read as a number and not
/// handed to [`word`] (one LaunchDarkly key in 40 starts so).
#[inline(never)]
pub(crate) fn digits_after_dash(sk: &mut Sink<'_>, ws: usize) {
    split_body(sk, ws);
}

/// A 24-character word after `.`: the object id of a Voiceflow key or the
/// token id of a Harness token, or a legacy Vault token's body.
fn dotted_24(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    // Harness first: its account id may end in `VF` (`pat.…4xVF.<hex>`),
    // which is no Voiceflow key's prefix there.
    if ws >= 27
        && matches!(t.get(ws - 27..ws - 23), Some(b"pat." | b"sat."))
        && at(t, ws - 1) == b'.'
    {
        first_of(sk, &HARNESS, ws - 27);
        return;
    }
    if ws >= 6 && matches!(t.get(ws - 6..ws), Some(b"VF.DM." | b"VF.WS.")) {
        first_of(sk, &VOICEFLOW, ws - 6);
        return;
    }
    if ws >= 3 && t.get(ws - 3..ws) == Some(&b"VF."[..]) {
        first_of(sk, &VOICEFLOW[2..], ws - 3);
        return;
    }
    if ws >= 2 && at(t, ws - 2) == b's' {
        try_spec(sk, &VAULT_LEGACY, ws - 2);
    }
}

/// A Vault unseal key share (or a recovery key's, with auto-unseal): 33
/// bytes in base64, 44 characters with no padding.
fn unseal_share(t: &[u8], vs: usize) -> Option<usize> {
    let n = run(t, vs, 45, crate::anchors::b64);
    (n == 44 && !is_word(at(t, vs + n)) && at(t, vs + n) != b'=').then_some(vs + n)
}

/// `Unseal Key 3: <share>` (or `Recovery Key 3:`, with auto-unseal) as
/// `vault operator init` prints it: the label's first word starts at `s`,
/// `Key` ends at `ke` (reached from the `Key` literal).
pub(crate) fn vault_unseal(sk: &mut Sink<'_>, s: usize, ke: usize) {
    let t = sk.t;
    if !sk.on(D::VaultUnsealKey) || is_word(before(t, s)) {
        return;
    }
    // The share's number and the colon.
    let mut i = ke;
    if at(t, i) == b' ' {
        i += 1 + run(t, i + 1, 2, |c| c.is_ascii_digit());
    }
    if at(t, i) != b':' {
        return;
    }
    let vs = i + 1 + run(t, i + 1, 8, |c| c == b' ' || c == b'\t');
    let Some(ve) = unseal_share(t, vs) else {
        return;
    };
    let body = t.get(vs..ve).unwrap_or_default();
    if !mixed(body) || placeholder::token(b"", body) {
        return;
    }
    sk.emit(D::VaultUnsealKey, vs, ve, High, PLAIN);
}

/// `vault operator unseal <share>` (or the older `vault unseal <share>`)
/// on a command line, reached from a word of the share: the base64 run
/// at `rs` (quoted or not) right after `unseal`, whose words before are
/// `operator` and `vault` (a path to it allowed).
fn unseal_command(sk: &mut Sink<'_>, rs: usize) {
    let t = sk.t;
    let quote = before(t, rs);
    let q = usize::from(matches!(quote, b'"' | b'\''));
    let Some(i) = rs.checked_sub(q) else { return };
    let blanks = t.get(..i).map_or(0, |b| {
        b.iter()
            .rev()
            .take(16)
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count()
    });
    // The word before must be `unseal` (its last byte checked first: most
    // words after a blank stop here).
    let Some(s) = i.checked_sub(blanks + 6) else {
        return;
    };
    let ue = s + 6;
    if blanks == 0
        || at(t, ue - 1) != b'l'
        || t.get(s..ue) != Some(&b"unseal"[..])
        || is_word(before(t, s))
        || !sk.on(D::VaultUnsealKey)
    {
        return;
    }
    let line = crate::kit::line_before(t, s, 256);
    let mut words = line
        .rsplit(|&c| c == b' ' || c == b'\t')
        .filter(|w| !w.is_empty());
    let mut prev = words.next();
    if prev == Some(&b"operator"[..]) {
        prev = words.next();
    }
    let vault = |w: &[u8]| {
        let name = w.rsplit(|&c| c == b'/' || c == b'\\').next().unwrap_or(w);
        name == b"vault" || name.eq_ignore_ascii_case(b"vault.exe")
    };
    if !prev.is_some_and(vault) {
        return;
    }
    let Some(ve) = unseal_share(t, rs) else {
        return;
    };
    let body = t.get(rs..ve).unwrap_or_default();
    if (q == 1 && at(t, ve) != quote) || !mixed(body) || placeholder::token(b"", body) {
        return;
    }
    sk.emit(D::VaultUnsealKey, rs, ve, High, PLAIN);
}

/// A Zoho OAuth token whose `1000.` prefix is at `a`.
pub(crate) fn zoho(sk: &mut Sink<'_>, a: usize) {
    try_spec(sk, &ZOHO, a);
}

fn onepassword_secret_key(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    if is_word(before(t, a)) {
        return;
    }
    // A3-XXXXXX-(XXXXXXXXXXX | XXXXXX-XXXXX)-XXXXX-XXXXX-XXXXX
    let mut i = a + 3;
    let mut groups = [0usize; 6];
    let mut k = 0;
    loop {
        let n = run(t, i, 11, |c| C::Up.has(c));
        if let Some(g) = groups.get_mut(k) {
            *g = n;
        } else {
            return;
        }
        k += 1;
        i += n;
        if at(t, i) == b'-' && C::Up.has(at(t, i + 1)) && k < 6 {
            i += 1;
        } else {
            break;
        }
    }
    let ok = match k {
        5 => groups == [6, 11, 5, 5, 5, 0],
        6 => groups == [6, 6, 5, 5, 5, 5],
        _ => false,
    };
    if ok && !is_word(at(t, i)) {
        emit_token(sk, D::OnepasswordSecretKey, a, i, (a + 3, i), High);
    }
}

/// `<14>.atlasv1.<60-70>`: the word `atlasv1` starts at `ws`.
fn terraform(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    let Some(a) = ws.checked_sub(15) else { return };
    if !t
        .get(a..ws - 1)
        .is_some_and(|p| p.iter().all(|&c| C::Low.has(c)))
        || is_word(before(t, a))
        || at(t, ws + 7) != b'.'
    {
        return;
    }
    let bs = ws + 8;
    let n = run(t, bs, 70, |c| C::UrlEq.has(c));
    let e = bs + n;
    if (60..=70).contains(&n) && !is_word(at(t, e)) {
        emit_token(sk, D::TerraformCloudToken, a, e, (bs, e), High);
    }
}

/// `[\w~.]{3}<digit>Q~[\w~.-]{31,34}`: `q` is the `Q`.
fn azure_ad_secret(sk: &mut Sink<'_>, q: usize) {
    let t = sk.t;
    let Some(a) = q.checked_sub(4) else { return };
    let c = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'~' | b'.');
    if !at(t, q - 1).is_ascii_digit()
        || !t.get(a..q - 1).is_some_and(|p| p.iter().all(|&b| c(b)))
        || c(before(t, a))
        || b'-' == before(t, a)
    {
        return;
    }
    let bs = q + 2;
    let n = run(t, bs, 40, |b| c(b) || b == b'-');
    // A sentence's full stop after the secret is not part of it.
    let mut m = n;
    while m > 0 && at(t, bs + m - 1) == b'.' {
        m -= 1;
    }
    let n = if (31..=34).contains(&n) { n } else { m };
    if !(31..=34).contains(&n) || n > 40 {
        return;
    }
    let e = bs + n;
    emit_token(sk, D::AzureAdClientSecret, a, e, (bs, e), High);
}

fn databricks(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    let Some(mut e) = measure(t, &DATABRICKS, a, false) else {
        return;
    };
    // An optional `-<digit>` suffix.
    if at(t, e) == b'-' && at(t, e + 1).is_ascii_digit() && !is_word(at(t, e + 2)) {
        e += 2;
    }
    emit_token(sk, D::DatabricksToken, a, e, (a + 4, a + 36), High);
}

/// A SonarQube token of 40 hex digits given to the scanner without a
/// word the key-word automaton reads: `-Dsonar.login=…`, the Python
/// pair `'sonar.login', '…'`, PowerShell's `$sonarLogin = "…"`. The
/// name right before the value (after `=`, `:`, quotes, a comma and
/// blanks) must hold `sonar` and `login`, or `sonar` and `token`.
#[cold]
#[inline(never)]
fn sonar_login(sk: &mut Sink<'_>, ws: usize, we: usize) -> bool {
    let t = sk.t;
    let Some(w) = t.get(ws..we) else { return false };
    if !w.iter().all(u8::is_ascii_hexdigit) || !is_boundary(t, ws, we) {
        return false;
    }
    let (buf, n) = name_before(t, ws);
    let key = buf.get(..n).unwrap_or_default();
    let ok = contains(key, b"sonar") && (contains(key, b"login") || contains(key, b"token"));
    if ok && sk.on(D::SonarqubeToken) && !placeholder::value(w) {
        sk.emit_fixed(D::SonarqubeToken, ws, we, High);
    }
    ok
}

/// A Sumo Logic access ID (`su` and 12 alphanumerics, the word `ws..we`
/// with a digit) assigned to a name that holds `sumo` and `access_id`
/// (`SUMO_ACCESS_ID=`, `sumologic.accessId = "…"`). The ID is half of
/// the credential (the access key, found by its own name, is the other).
#[cold]
#[inline(never)]
fn sumo_access_id(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    if !sk.on(D::SumologicAccessId) || !is_boundary(t, ws, we) {
        return;
    }
    let (buf, n) = name_before(t, ws);
    let key = buf.get(..n).unwrap_or_default();
    let named = contains(key, b"sumo")
        && [&b"accessid"[..], b"access_id", b"access-id"]
            .iter()
            .any(|w| contains(key, w));
    let w = t.get(ws..we).unwrap_or_default();
    if named && w.iter().any(u8::is_ascii_alphabetic) && !placeholder::value(w) {
        sk.emit_fixed(D::SumologicAccessId, ws, we, High);
    }
}

/// The name a value at `ws` is assigned to (`NAME=`, `"name": "`, `name
/// = '`, `-Dname=`), in lower case: its first 32 bytes and its length
/// (at most 32).
fn name_before(t: &[u8], ws: usize) -> ([u8; 32], usize) {
    let mut i = ws;
    let lo = ws.saturating_sub(8);
    while i > lo
        && matches!(
            before(t, i),
            b'=' | b':' | b'"' | b'\'' | b',' | b' ' | b'\t'
        )
    {
        i -= 1;
    }
    let ke = i;
    let klo = ke.saturating_sub(32);
    while i > klo
        && (before(t, i).is_ascii_alphanumeric() || matches!(before(t, i), b'.' | b'_' | b'-'))
    {
        i -= 1;
    }
    let mut buf = [0u8; 32];
    let name = t.get(i..ke).unwrap_or_default();
    for (b, c) in buf.iter_mut().zip(name) {
        *b = c.to_ascii_lowercase();
    }
    (buf, name.len().min(32))
}

/// An Azure DevOps personal access token of the format before 2024: 52
/// characters of lower-case base32 (the word `ws..we`, checked by the
/// caller), assigned to a name that says so (`AZURE_DEVOPS_EXT_PAT=`,
/// `ado_pat = "…"`, `VSTS_TOKEN`, `adoPat`). Alone, such a word is any
/// base32 digest.
fn azure_devops_legacy(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    if !sk.on(D::AzureDevopsPat) || !is_boundary(t, ws, we) {
        return;
    }
    let (buf, n) = name_before(t, ws);
    let key = buf.get(..n).unwrap_or_default();
    let mut parts = key.split(|&c| matches!(c, b'_' | b'.' | b'-'));
    let named = contains(key, b"devops")
        || key.ends_with(b"pat")
        || parts.any(|p| matches!(p, b"pat" | b"ado" | b"azdo" | b"vsts"));
    let body = t.get(ws..we).unwrap_or_default();
    if named && mixed(body) && !placeholder::value(body) {
        sk.emit_fixed(D::AzureDevopsPat, ws, we, High);
    }
}

/// New Relic license key, one word `ws..we` of 40: a six-character
/// region part (`eu01xx`, or hex), 30 hex digits and `NRAL`.
fn new_relic_license(sk: &mut Sink<'_>, ws: usize, we: usize) -> bool {
    let t = sk.t;
    let ok = is_boundary(t, ws, we)
        && t.get(ws..ws + 6)
            .is_some_and(|r| r.iter().all(|&c| C::Low.has(c)))
        && t.get(ws + 6..ws + 36)
            .is_some_and(|r| r.iter().all(|&c| C::LHex.has(c)));
    if ok {
        emit_token(sk, D::NewRelicLicenseKey, ws, we, (ws, ws + 36), High);
    }
    ok
}

/// A word `ws..we` that is a token of its own: no word character or
/// token character (`-`, `.`) glued to either end.
fn is_boundary(t: &[u8], ws: usize, we: usize) -> bool {
    !is_word(before(t, ws)) && before(t, ws) != b'-' && !is_word(at(t, we)) && at(t, we) != b'-'
}

/// Azure DevOps personal access token of the 2024 format, one word of 84
/// (`ws..we`): Microsoft's common annotated key, 52 random characters,
/// the `JQQJ` signature, and the provider's `AZDO` at 76.
fn azure_devops_pat(sk: &mut Sink<'_>, ws: usize, we: usize) {
    if is_boundary(sk.t, ws, we) {
        emit_token(sk, D::AzureDevopsPat, ws, we, (ws, ws + 52), High);
    }
}

/// MaxMind license key: six alphanumerics, `_`, 29 (the word `ws..we`)
/// and `_mmk`.
fn maxmind(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    let Some(a) = ws.checked_sub(7) else { return };
    let e = we + 4;
    if !t
        .get(a..ws - 1)
        .is_some_and(|r| r.iter().all(u8::is_ascii_alphanumeric))
        || !is_boundary(t, a, e)
    {
        return;
    }
    emit_token(sk, D::MaxmindLicenseKey, a, e, (ws, we), High);
}

/// A word of more than `MAX_WORD` characters starting at `ws` (the digit
/// pass looks at no such word otherwise): a PEM private key in base64, or
/// an Amazon Bedrock key.
pub(crate) fn long_run(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    if t.get(ws..ws + 14) == Some(&b"LS0tLS1CRUdJTi"[..]) {
        pem_base64(sk, ws);
    } else if let Some(w) = t.get(ws..ws + 16)
        && !first_word_formats(sk, w, ws)
    {
        // (Only the formats read by their start apply: the word is
        // longer than JFrog's.)
        bedrock_word(sk, w, ws);
    }
    // A PyPI token's first word may be this long.
    if matches!(before(t, ws), b'-' | b'_') {
        split_body(sk, ws);
    } else if matches!(before(t, ws), b'+' | b'/') {
        jenkins_back(sk, ws);
    }
}

/// Longest Jenkins secret read (a private key's passphrase or a whole
/// secret file is longer than any password; 8 KB of base64 holds them).
const JENKINS_MAX: usize = 8 * 1024;

/// A secret Jenkins encrypted with its controller's key
/// (`hudson.util.Secret`): `{`, the base64 of version byte 1, the IV's
/// length (16) and the ciphertext's as big-endian 32-bit integers, the IV
/// and the ciphertext (AES-CBC: whole 16-byte blocks), `}`. The lengths
/// must account for every decoded byte, so a look-alike fails.
fn jenkins_secret(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    if before(t, ws) != b'{' || is_word(before(t, ws - 1)) || !sk.on(D::JenkinsSecret) {
        return;
    }
    let n = run(t, ws, JENKINS_MAX, |c| C::Std.has(c));
    if n > JENKINS_MAX || at(t, ws + n) != b'}' {
        return;
    }
    let Some(d) = t.get(ws..ws + n).and_then(|b| v::base64_decode(b, n)) else {
        return;
    };
    let be32 = |i: usize| {
        d.get(i..i + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(|b| u32::from_be_bytes(b) as usize)
    };
    let (Some(iv), Some(len)) = (be32(1), be32(5)) else {
        return;
    };
    if d.first() == Some(&1) && iv == 16 && len > 0 && len % 16 == 0 && d.len() == 9 + iv + len {
        sk.emit(D::JenkinsSecret, ws - 1, ws + n + 1, High, PLAIN);
    }
}

/// `ATATT3` or `ATCTT3`: an Atlassian API or access token's start.
fn atlassian_start(w: &[u8]) -> bool {
    w.starts_with(b"ATATT3") || w.starts_with(b"ATCTT3")
}

/// A PEM private key in base64 (a Kubernetes secret's `tls.key`, an
/// environment variable, `base64` output wrapped at 76): the word
/// starting at `ws` begins with the base64 of `-----BEGIN `, and the run
/// must decode to a private key's BEGIN line. The whole run is reported;
/// a run without the END line inside the bound (cut short) is `medium`.
fn pem_base64(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    if !sk.on(D::PrivateKey) || is_word(before(t, ws)) || matches!(before(t, ws), b'+' | b'/') {
        return;
    }
    // The run, and the lines that go on with it: whole lines of base64,
    // indented alike or not (a YAML block scalar), until one ends in `=`.
    let hi = (ws + MAX_PEM).min(t.len());
    let first = run(t, ws, hi - ws, |c| C::Std.has(c)).min(hi - ws);
    let mut b64 = t.get(ws..ws + first).unwrap_or_default().to_vec();
    let mut e = ws + first;
    while !b64.ends_with(b"=") {
        let mut j = e + usize::from(at(t, e) == b'\r');
        if at(t, j) != b'\n' {
            break;
        }
        j += 1;
        while matches!(at(t, j), b' ' | b'\t') {
            j += 1;
        }
        let l = run(t, j, hi.saturating_sub(j), |c| C::Std.has(c));
        let le = j + l;
        if l == 0 || le > hi || !matches!(at(t, le), b'\n' | b'\r' | 0) {
            break;
        }
        b64.extend_from_slice(t.get(j..le).unwrap_or_default());
        e = le;
    }
    // The smallest real key (Ed25519, OpenSSH) is some 400 base64
    // characters of PEM, 550 in base64 again.
    if b64.len() < 200 {
        return;
    }
    let Some(head) = v::base64_decode(&b64, 96) else {
        return;
    };
    let Some(line) = head
        .strip_prefix(b"-----BEGIN ")
        .and_then(|r| r.split(|&c| c == b'\n').next())
    else {
        return;
    };
    let label = line.strip_suffix(b"-----").unwrap_or_default();
    if !(label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK")) {
        return;
    }
    let whole = v::base64_decode(&b64, MAX_PEM).unwrap_or_default();
    let body = whole.get(11 + line.len()..).unwrap_or_default();
    let ended = memchr::memmem::find(body, b"-----END ").is_some();
    let b = memchr::memmem::find(body, b"-----END ")
        .map_or(body, |p| body.get(..p).unwrap_or_default());
    if placeholder::pem_body(b) {
        return;
    }
    sk.emit_fixed(D::PrivateKey, ws, e, if ended { High } else { Medium });
}

/// `AAAA<7>:APA91b<134>`: `ws` is the `A` of `APA91b` (the body is one
/// long word, so the literal `:APA91b` is its key).
fn fcm(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    let Some(a) = ws.checked_sub(12) else { return };
    if t.get(a..a + 4) != Some(&b"AAAA"[..])
        || !t
            .get(a + 4..a + 11)
            .is_some_and(|p| p.iter().all(|&c| C::Url.has(c)))
        || is_word(before(t, a))
    {
        return;
    }
    let bs = ws + 6;
    let n = run(t, bs, 140, |c| C::Url.has(c));
    let e = bs + n;
    if (130..=140).contains(&n) && !is_word(at(t, e)) {
        emit_token(sk, D::FirebaseCloudMessagingKey, a, e, (bs, e), High);
    }
}

/// The shape of a whole Discord bot token (for an assigned value).
fn discord_shape(v: &[u8]) -> bool {
    let mut parts = v.split(|&c| c == b'.');
    let (Some(id), Some(ts), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let digits = v::base64_decode(id, 27).unwrap_or_default();
    (17..=20).contains(&digits.len())
        && digits.iter().all(u8::is_ascii_digit)
        && class_n(ts, C::Url, 6, 6)
        && class_n(sig, C::Url, 27, 38)
}

/// `[MNO]<23-26>.<6>.<27-38>` whose first part is the base64 of the bot's
/// numeric id.
fn discord_bot(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    if is_word(before(t, ws)) {
        return;
    }
    let id = t
        .get(ws..we)
        .and_then(|b| v::base64_decode(b, 27))
        .unwrap_or_default();
    if !(17..=20).contains(&id.len()) || !id.iter().all(u8::is_ascii_digit) {
        return;
    }
    let ms = we + 1;
    let m = run(t, ms, 6, |c| C::Url.has(c));
    if m != 6 || at(t, ms + 6) != b'.' {
        return;
    }
    let ss = ms + 7;
    let n = run(t, ss, 38, |c| C::Url.has(c));
    let e = ss + n;
    if (27..=38).contains(&n) && !is_word(at(t, e)) {
        emit_token(sk, D::DiscordBotToken, ws, e, (ss, e), High);
    }
}

/// `CCIPAT_<22>_<40 hex>` / `CCIPRJ_…`, seen from the hex run at `ws`.
fn circleci(sk: &mut Sink<'_>, ws: usize, n: usize) {
    let t = sk.t;
    if n != 40 {
        return;
    }
    let Some(a) = ws.checked_sub(30) else { return };
    if !matches!(t.get(a..a + 7), Some(b"CCIPAT_" | b"CCIPRJ_"))
        || !t
            .get(a + 7..a + 29)
            .is_some_and(|p| p.iter().all(u8::is_ascii_alphanumeric))
        || !C::Hex.has(at(t, ws))
        || !t
            .get(ws..ws + 40)
            .is_some_and(|p| p.iter().all(u8::is_ascii_hexdigit))
        || is_word(before(t, a))
        || is_word(at(t, ws + 40))
    {
        return;
    }
    emit_token(sk, D::CircleciToken, a, ws + 40, (a + 7, ws + 40), High);
}

/// `pat<14>.<64 hex>`, seen from the hex run at `ws`.
fn airtable(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    let Some(a) = ws.checked_sub(18) else { return };
    if t.get(a..a + 3) != Some(&b"pat"[..])
        || !t
            .get(a + 3..a + 17)
            .is_some_and(|p| p.iter().all(u8::is_ascii_alphanumeric))
        || !t
            .get(ws..ws + 64)
            .is_some_and(|p| p.iter().all(|&c| C::LHex.has(c)))
        || is_word(before(t, a))
        || is_word(at(t, ws + 64))
    {
        return;
    }
    emit_token(sk, D::AirtableToken, a, ws + 64, (ws, ws + 64), High);
}

/// `1/<16 digits>:<32 hex>` or `2/<16>/<16>:<32 hex>`, seen from the hex.
fn asana(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    if !t
        .get(ws..ws + 32)
        .is_some_and(|p| p.iter().all(|&c| C::LHex.has(c)))
        || is_word(at(t, ws + 32))
    {
        return;
    }
    // Back over digits and slashes to the version digit.
    let lo = ws.saturating_sub(40);
    let ids = t.get(lo..ws - 1).map_or(0, |s| {
        s.iter()
            .rev()
            .take_while(|c| c.is_ascii_digit() || **c == b'/')
            .count()
    });
    let a = ws - 1 - ids;
    let head = t.get(a..ws - 1).unwrap_or_default();
    let parts: Vec<&[u8]> = head.split(|&c| c == b'/').collect();
    let ok = match parts.as_slice() {
        [b"1", id] => id.len() == 16,
        [b"2", x, y] => x.len() == 16 && y.len() == 16,
        _ => false,
    };
    if ok && !is_word(before(t, a)) {
        emit_token(sk, D::AsanaToken, a, ws + 32, (ws, ws + 32), High);
    }
}

fn mailchimp(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    if is_word(before(t, ws))
        || !t
            .get(ws..we)
            .is_some_and(|p| p.iter().all(|&c| C::LHex.has(c)))
    {
        return;
    }
    let dc = run(t, we + 3, 2, |c| c.is_ascii_digit());
    let e = we + 3 + dc;
    if dc == 0 || is_word(at(t, e)) {
        return;
    }
    emit_token(sk, D::MailchimpApiKey, ws, e, (ws, we), High);
}

// --------------------------------------------------------- assignments --

/// Prefixes of the token formats above.
const PREFIXES: &[&[u8]] = &[
    b"AKIA",
    b"ASIA",
    b"ABIA",
    b"ACCA",
    b"A3T",
    b"AGPA",
    b"AIDA",
    b"AIPA",
    b"ANPA",
    b"ANVA",
    b"APKA",
    b"AROA",
    b"ASCA",
    b"ghp_",
    b"gho_",
    b"ghu_",
    b"ghs_",
    b"ghr_",
    b"github_pat_",
    b"npm_",
    b"pypi-",
    b"AIza",
    b"hf_",
    b"api_org_",
    b"sk-ant-",
    b"sk-proj-",
    b"sk-svcacct-",
    b"sk-None-",
    b"sk-admin-",
    b"sk-lf-",
    b"sk_live_",
    b"rk_live_",
    b"sk_test_",
    b"rk_test_",
    b"glpat-",
    b"gldt-",
    b"glrt-",
    b"gloas-",
    b"glcbt-",
    b"glptt-",
    b"glft-",
    b"glimt-",
    b"glagent-",
    b"glsoat-",
    b"glffct-",
    b"GR1348941",
    b"glc_",
    b"glsa_",
    b"GOCSPX-",
    b"whsec_",
    b"gsk_",
    b"pplx-",
    b"xai-",
    b"hvs.",
    b"hvb.",
    b"AGE-SECRET-KEY-1",
    b"LTAI",
    b"HRKU-",
    b"nfp_",
    b"rnd_",
    b"4b1d",
    b"da2-",
    b"1000.",
    b"pscale_",
    b"tk-us-",
    b"AQVN",
    b"tskey-",
    b"ATBB",
    b"ATATT3",
    b"ATCTT3",
    b"lin_api_",
    b"dckr_",
    b"pnu_",
    b"figd_",
    b"fio-u-",
    b"tfp_",
    b"CFPAT-",
    b"AKCp",
    b"cmVmd",
    b"NRAK-",
    b"NRII-",
    b"NRJS-",
    b"dG9rO",
    b"xapp-",
    b"xox",
    b"EZAK",
    b"dop_v1_",
    b"doo_v1_",
    b"dor_v1_",
    b"v1.0-",
    b"ya29.",
    b"sha256~",
    b"lsv2_",
    b"r8_",
    b"p8e-",
    b"sq0atp-",
    b"sq0csp-",
    b"oy2",
    b"ntn_",
    b"shpat_",
    b"shpca_",
    b"shppa_",
    b"shpss_",
    b"rubygems_",
    b"sntryu_",
    b"sntrys_",
    b"sqp_",
    b"squ_",
    b"sqa_",
    b"shippo_",
    b"sgp_",
    b"sbp_",
    b"CLOJARS_",
    b"rdme_",
    b"key-",
    b"pul-",
    b"bkua_",
    b"sk-or-v1-",
    b"PMAK-",
    b"xkeysib-",
    b"xsmtpsib-",
    b"FLWSECK",
    b"CCIPAT_",
    b"CCIPRJ_",
    b"dapi",
    b"SG.",
    b"ops_",
    b"eyJrIjoi",
    b"EAA",
    b"dp.",
    b"sl.",
    b"live_",
    b"duffel_",
    b"pat-na1-",
    b"pat-eu1-",
    b"dt0",
    b"sk.eyJ",
    b"pk.eyJ",
    b"tk.eyJ",
    // The formats found from a word of their body (`SPLIT`, `AFTER_DASH`).
    b"nvapi-",
    b"phx_",
    b"mdb_sa_sk_",
    b"sm_aat_",
    b"sm_pat_",
    b"sm_sat_",
    b"ico-",
    b"ddp_",
    b"ddw_",
    b"pcsk_",
    b"apify_api_",
    b"rootly_",
    b"hvr.",
    b"VF.",
    b"tvly-",
    b"NRRA-",
    b"NRAA-",
    b"BBDC-",
    b"odt_",
    b"vcp_",
    b"vci_",
    b"vca_",
    b"vcr_",
    b"vck_",
    b"cfut_",
    b"cfat_",
    b"cfk_",
];

/// True if `v` starts like one of the token formats above. Assigned to
/// `token = …`, such a value is that format's detector's to report (or to
/// reject, when its checksum fails), not a generic secret or a password.
pub(crate) fn provider_prefix(v: &[u8]) -> bool {
    PREFIXES.iter().any(|p| v.starts_with(p))
        || (v.len() == 40
            && matches!(v.get(..4), Some(b"api-" | b"sdk-" | b"mob-"))
            && uuid_v4_after_prefix(v))
        || (v.len() == 34 && v.starts_with(b"SK") && v.iter().skip(2).all(u8::is_ascii_hexdigit))
        || v.get(11..21) == Some(&b"AAAAAAAAAA"[..])
        // OpenAI's legacy keys; other `sk-` keys (Braintrust's, DeepSeek's,
        // Moonshot's) have no format of their own and are generic secrets.
        || (v.starts_with(b"sk-") && v.get(23..31) == Some(&b"T3BlbkFJ"[..]))
        // Vault's legacy service token, and a PEM block in base64 (its
        // `-----BEGIN`), which `private_key` decodes.
        || (v.len() == 26 && v.starts_with(b"s.") && v.iter().skip(2).all(u8::is_ascii_alphanumeric))
        || v.starts_with(b"LS0tLS1")
}

/// Shapes of assigned values.
fn hex_n(v: &[u8], n: usize) -> bool {
    v.len() == n && v.iter().all(u8::is_ascii_hexdigit)
}
fn alnum_n(v: &[u8], lo: usize, hi: usize) -> bool {
    (lo..=hi).contains(&v.len()) && v.iter().all(u8::is_ascii_alphanumeric)
}
fn class_n(v: &[u8], c: C, lo: usize, hi: usize) -> bool {
    (lo..=hi).contains(&v.len()) && v.iter().all(|&b| c.has(b))
}
/// A Teams incoming webhook's path: `/webhookb2/` (or `/webhook/`), the
/// group's and the tenant's GUIDs joined by `@`, `/IncomingWebhook/` and
/// 32 hex digits.
fn teams_path(path: &[u8]) -> bool {
    let Some(rest) = path
        .strip_prefix(b"/webhookb2/")
        .or_else(|| path.strip_prefix(b"/webhook/"))
    else {
        return false;
    };
    let mut parts = rest.split(|&c| c == b'/');
    let ids = parts.next().unwrap_or_default();
    let mut guids = ids.split(|&c| c == b'@');
    guids.next().is_some_and(uuid)
        && guids.next().is_some_and(uuid)
        && guids.next().is_none()
        && parts.next() == Some(&b"IncomingWebhook"[..])
        && parts.next().is_some_and(|h| hex_n(h, 32))
}

fn uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}
fn mixed(v: &[u8]) -> bool {
    v.iter().any(u8::is_ascii_digit) && v.iter().any(u8::is_ascii_alphabetic)
}

/// A provider's secret assigned to a name that says whose it is
/// (`DD_API_KEY=…`): `key` is the lower-case name, `val` the value at
/// `vs..ve`. Returns true if the value was claimed (reported or known to
/// be this provider's).
pub(crate) fn assigned(sk: &mut Sink<'_>, key: &[u8], vs: usize, ve: usize, val: &[u8]) -> bool {
    let has = |n: &[u8]| contains(key, n);
    let any = |ns: &[&[u8]]| ns.iter().any(|n| has(n));
    let found: Option<D> = if key == b"_authtoken" || key == b"npmauthtoken" {
        // .npmrc `//registry/:_authToken=`, .yarnrc.yml `npmAuthToken:`;
        // npm_, ghp_ … tokens are reported (or rejected) by their own
        // detectors.
        (val.len() >= 16
            && !provider_prefix(val)
            && val.iter().any(u8::is_ascii_digit)
            && val
                .iter()
                .all(|&c| C::Dot.has(c) || matches!(c, b'+' | b'/' | b':')))
        .then_some(D::NpmrcAuthToken)
    } else if any(&[
        b"accountkey",
        b"account_key",
        b"storagekey",
        b"storage_key",
        b"storageaccesskey",
        b"storage_access_key",
    ]) && azure_account_key(val)
    {
        // A storage account's key outside a connection string: C#'s
        // `storageAccountKey = "…"`, `<account_key>…</account_key>`,
        // `AZURE_STORAGE_KEY=…`.
        Some(D::AzureStorageKey)
    } else if any(&[
        b"dd_app",
        b"datadog_app",
        b"dd_application",
        b"datadog_application",
    ]) {
        hex_n(val, 40).then_some(D::DatadogAppKey)
    } else if any(&[b"datadog", b"dd_api"]) {
        hex_n(val, 32).then_some(D::DatadogApiKey)
    } else if has(b"heroku") {
        uuid(val).then_some(D::HerokuApiKey)
    } else if has(b"okta") {
        (val.starts_with(b"00") && class_n(val, C::UrlEq, 42, 42)).then_some(D::OktaApiToken)
    } else if has(b"twilio") {
        hex_n(val, 32).then_some(D::TwilioAuthToken)
    } else if has(b"algolia") {
        (hex_n(val, 32) || (alnum_n(val, 32, 32) && mixed(val))).then_some(D::AlgoliaAdminKey)
    } else if has(b"confluent") {
        class_n(val, C::Std, 64, 64).then_some(D::ConfluentApiSecret)
    } else if any(&[b"cloudflare", b"cf_api", b"cf_token"]) {
        if hex_n(val, 37) {
            Some(D::CloudflareGlobalApiKey)
        } else {
            (class_n(val, C::Url, 40, 40) && mixed(val)).then_some(D::CloudflareApiToken)
        }
    } else if has(b"vercel") {
        (alnum_n(val, 24, 24) && mixed(val)).then_some(D::VercelToken)
    } else if has(b"netlify") {
        (class_n(val, C::Url, 40, 46) && mixed(val)).then_some(D::NetlifyToken)
    } else if has(b"travis") {
        (class_n(val, C::Url, 22, 22) && mixed(val)).then_some(D::TravisCiToken)
    } else if has(b"codecov") {
        (uuid(val) || (alnum_n(val, 32, 32) && mixed(val))).then_some(D::CodecovToken)
    } else if has(b"snyk") {
        uuid(val).then_some(D::SnykToken)
    } else if has(b"sumo") {
        (alnum_n(val, 64, 64) && mixed(val)).then_some(D::SumologicAccessKey)
    } else if has(b"kraken") {
        (class_n(val, C::Std, 56, 56) || class_n(val, C::Std, 88, 88)).then_some(D::KrakenApiKey)
    } else if has(b"zendesk") {
        (alnum_n(val, 40, 40) && mixed(val)).then_some(D::ZendeskApiToken)
    } else if has(b"fastly") {
        (class_n(val, C::Url, 32, 32) && mixed(val)).then_some(D::FastlyApiToken)
    } else if has(b"mattermost") {
        (class_n(val, C::Low, 26, 26) && mixed(val)).then_some(D::MattermostToken)
    } else if any(&[b"messagebird", b"message_bird", b"message-bird"]) {
        (alnum_n(val, 25, 25) && mixed(val)).then_some(D::MessagebirdApiKey)
    } else if has(b"coinbase") {
        (class_n(val, C::Url, 32, 64) && mixed(val)).then_some(D::CoinbaseApiSecret)
    } else if any(&[b"facebook", b"fb_app", b"fb_secret"]) {
        hex_n(val, 32).then_some(D::FacebookAppSecret)
    } else if any(&[
        b"alibaba",
        b"aliyun",
        b"accesskeysecret",
        b"access_key_secret",
    ]) {
        (alnum_n(val, 30, 30) && mixed(val)).then_some(D::AlibabaSecretKey)
    } else if any(&[
        b"azure_devops",
        b"azuredevops",
        b"ado_pat",
        b"ado_token",
        b"devops_pat",
    ]) {
        // Base32: no 0, 1, 8 or 9.
        (class_n(val, C::Low, 52, 52)
            && val.iter().all(|&c| !matches!(c, b'0' | b'1' | b'8' | b'9')))
        .then_some(D::AzureDevopsPat)
    } else if any(&[
        b"aws_session_token",
        b"aws_security_token",
        b"awssessiontoken",
    ]) || (any(&[b"session_token", b"security_token"])
        && (val.starts_with(b"IQoJb3JpZ2lu") || val.starts_with(b"FwoGZXIvYXdz")))
    {
        class_n(val, C::Std, 100, 4000).then_some(D::AwsSessionToken)
    } else if has(b"discord") {
        // Found without the name too, when the id's base64 holds a digit.
        discord_shape(val).then_some(D::DiscordBotToken)
    } else if has(b"mailgun") {
        let p: Vec<&[u8]> = val.split(|&c| c == b'-').collect();
        matches!(p.as_slice(), [a, b, c] if hex_n(a, 32) && hex_n(b, 8) && hex_n(c, 8))
            .then_some(D::MailgunApiKey)
    } else if has(b"sonar") {
        // A SonarQube token before version 9.5 (`sonar.login`,
        // `SONAR_TOKEN`): 40 hex digits; the prefixed forms (`squ_…`)
        // are found by their prefix.
        hex_n(val, 40).then_some(D::SonarqubeToken)
    } else if has(b"sas") && contains(val, b"sig=") && contains(val, b"sv=") {
        Some(D::AzureSasToken)
    } else {
        None
    };
    let Some(d) = found else { return false };
    if !sk.on(d) || placeholder::value(val) {
        return true;
    }
    sk.emit_fixed(d, vs, ve, High);
    true
}

/// An Azure storage account key: 64 random bytes in base64, 86
/// characters and `==`.
fn azure_account_key(val: &[u8]) -> bool {
    val.len() == 88
        && val.ends_with(b"==")
        && val
            .get(..86)
            .is_some_and(|b| b.iter().all(|&c| crate::anchors::b64(c)))
        && mixed(val)
}

/// `secret_<43 alphanumerics>`, a legacy Notion integration token, as the
/// identifier `t[ks..ke]`.
pub(crate) fn notion_legacy(sk: &mut Sink<'_>, ks: usize, ke: usize) {
    let t = sk.t;
    let Some(w) = t.get(ks..ke) else { return };
    if w.len() != 50
        || !w.starts_with(b"secret_")
        || !w
            .get(7..)
            .is_some_and(|b| b.iter().all(u8::is_ascii_alphanumeric) && mixed(b))
        || is_word(before(t, ks))
    {
        return;
    }
    emit_token(sk, D::NotionToken, ks, ke, (ks + 7, ke), Medium);
}

/// Most bytes of a Kubernetes manifest looked at around its `kind: Secret`.
const K8S_DOC: usize = 16 * 1024;

/// A Kubernetes `Secret` manifest: `kind: Secret` (the word at `ks..ke`,
/// `kind:` before it on its line) makes the values under the document's
/// `data:` (base64) and `stringData:` (plain) maps secrets (`high`). The
/// document runs between `---` lines, at most [`K8S_DOC`] bytes either
/// side.
pub(crate) fn kubernetes_secret(sk: &mut Sink<'_>, ks: usize, ke: usize) {
    let t = sk.t;
    if !sk.on(D::KubernetesSecret) {
        return;
    }
    // `kind:` then blanks and an optional quote before the word; the word
    // alone (with its quote) up to the line's end.
    let mut i = ks;
    if matches!(before(t, i), b'"' | b'\'') {
        i -= 1;
    }
    while i > 0 && matches!(at(t, i - 1), b' ' | b'\t') {
        i -= 1;
    }
    if i < 5
        || !t
            .get(i - 5..i)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"kind:"))
    {
        return;
    }
    let mut e = ke;
    if matches!(at(t, e), b'"' | b'\'') {
        e += 1;
    }
    while matches!(at(t, e), b' ' | b'\t' | b'\r') {
        e += 1;
    }
    if !matches!(at(t, e), b'\n' | 0) {
        return;
    }
    let lo = ks.saturating_sub(K8S_DOC);
    let start = t
        .get(lo..ks)
        .and_then(|w| memchr::memmem::rfind(w, b"\n---"))
        .map_or(lo, |p| lo + p + 4);
    let hi = (ke + K8S_DOC).min(t.len());
    let end = t
        .get(ke..hi)
        .and_then(|w| memchr::memmem::find(w, b"\n---"))
        .map_or(hi, |p| ke + p);
    let doc = t.get(start..end).unwrap_or_default();
    // Lines of the document: a `data:`/`stringData:` line opens a map,
    // the lines indented deeper are its entries.
    let mut map: Option<(usize, bool)> = None;
    let mut at_line = start;
    for line in doc.split(|&c| c == b'\n') {
        let ls = at_line;
        at_line += line.len() + 1;
        let indent = line
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
        let body = line.get(indent..).unwrap_or_default();
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if body.is_empty() || body.starts_with(b"#") {
            continue;
        }
        if let Some((depth, _)) = map
            && indent <= depth
        {
            map = None;
        }
        if map.is_none() {
            if body == b"data:" {
                map = Some((indent, true));
            } else if body == b"stringData:" {
                map = Some((indent, false));
            }
            continue;
        }
        let Some((_, base64)) = map else { continue };
        let Some(colon) = memchr::memchr(b':', body) else {
            continue;
        };
        let mut vs = ls + indent + colon + 1;
        while matches!(at(t, vs), b' ' | b'\t') {
            vs += 1;
        }
        let mut ve = ls + indent + body.len();
        if matches!(at(t, vs), b'"' | b'\'') && ve > vs + 1 && at(t, ve - 1) == at(t, vs) {
            vs += 1;
            ve -= 1;
        }
        let v = t.get(vs..ve).unwrap_or_default();
        // At least nine bytes of base64 (`YmFyCg==`, "bar", is a test
        // manifest's), six characters of plain text.
        let ok = if base64 {
            v.len() >= 12
                && v.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
        } else {
            v.len() >= 6 && !matches!(v.first(), Some(b'|' | b'>'))
        };
        if ok && !placeholder::value(v) {
            sk.emit(D::KubernetesSecret, vs, ve, High, PLAIN);
        }
    }
}

// ----------------------------------------------------------------- URLs --

fn url_char(c: u8) -> bool {
    c > b' '
        && c < 0x7f
        && !matches!(
            c,
            b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\' | b'{' | b'}' | b'|' | b'^'
        )
}

/// End of the URL whose text continues at `i`, without trailing
/// punctuation.
fn url_end(t: &[u8], i: usize) -> usize {
    let mut e = i + run(t, i, 2048, url_char);
    while e > i && matches!(at(t, e - 1), b'.' | b',' | b')' | b';' | b':' | b'!' | b'?') {
        e -= 1;
    }
    e
}

fn host_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.' || c == b'-'
}

/// Webhook URLs, DSNs and signed URLs after `://` (at `a`).
pub(crate) fn url(sk: &mut Sink<'_>, a: usize) {
    let t = sk.t;
    let s = if a >= 5 && eq_ci(t, a - 5, b"https") {
        a - 5
    } else if a >= 4 && eq_ci(t, a - 4, b"http") {
        a - 4
    } else {
        return;
    };
    if is_word(before(t, s)) {
        return;
    }
    let hs = a + 3;
    // https://<32 hex>[:<32 hex>]@<host>/<project>: a Sentry DSN.
    if run(t, hs, 32, |c| C::LHex.has(c)) == 32 {
        sentry_dsn(sk, s, hs);
        return;
    }
    let hn = run(t, hs, 253, host_char);
    let host = t.get(hs..hs + hn).unwrap_or_default().to_ascii_lowercase();
    let he = hs + hn;
    let path = t.get(he..).unwrap_or_default();
    let e = url_end(t, he);
    let whole = t.get(s..e).unwrap_or_default();
    if host == b"discord.com"
        || host == b"discordapp.com"
        || host.ends_with(b".discord.com")
        || host.ends_with(b".discordapp.com")
    {
        if path.starts_with(b"/api/webhooks/") {
            discord_webhook(sk, s, he + 14);
        }
    } else if host.ends_with(b".webhook.office.com")
        || host == b"outlook.office.com"
        || host == b"outlook.office365.com"
    {
        let last = whole.rsplit(|&c| c == b'/').next().unwrap_or_default();
        if teams_path(whole.get(he - s..).unwrap_or_default()) {
            url_secret(sk, D::TeamsWebhook, s, e, last);
        }
    } else if (host.ends_with(b".logic.azure.com") || host.ends_with(b".api.powerplatform.com"))
        && contains(whole, b"/workflows/")
        && let Some((vs, ve)) = query_value(t, he, e, b"sig=")
    {
        let sig = t.get(vs..ve).unwrap_or_default();
        url_secret(sk, D::TeamsWebhook, s, e, sig);
    } else if contains(whole, b"sv=")
        && (contains(whole, b"se=") || contains(whole, b"sp="))
        && let Some((vs, ve)) = query_value(t, he, e, b"sig=")
    {
        let sig = t.get(vs..ve).unwrap_or_default();
        if sig.len() >= 20 && sig.iter().all(|&c| C::Std.has(c) || c == b'%') {
            url_secret(sk, D::AzureSasToken, vs, ve, sig);
        }
    }
}

/// The value of query parameter `name` (`sig=`) in `t[from..to]`.
fn query_value(t: &[u8], from: usize, to: usize, name: &[u8]) -> Option<(usize, usize)> {
    let q = t.get(from..to)?;
    let mut i = 0;
    while let Some(p) = memchr::memmem::find(q.get(i..)?, name) {
        let at_ = i + p;
        if at_ > 0 && matches!(q.get(at_ - 1), Some(b'?' | b'&' | b';')) {
            let vs = from + at_ + name.len();
            let n = run(t, vs, 512, |c| url_char(c) && c != b'&' && c != b'#');
            return Some((vs, vs + n));
        }
        i = at_ + 1;
    }
    None
}

/// Reports a URL-shaped secret at `s..e` whose random part is `secret`.
fn url_secret(sk: &mut Sink<'_>, d: D, s: usize, e: usize, secret: &[u8]) {
    if !sk.on(d) || secret.len() < 16 || placeholder::token(b"", secret) {
        return;
    }
    sk.emit(d, s, e, High, PLAIN);
}

/// `discord.com/api/webhooks/<id>/<token>`; `i` is where the id starts.
fn discord_webhook(sk: &mut Sink<'_>, s: usize, i: usize) {
    let t = sk.t;
    let n = run(t, i, 20, |c| c.is_ascii_digit());
    if !(17..=20).contains(&n) || at(t, i + n) != b'/' {
        return;
    }
    let ts = i + n + 1;
    let m = run(t, ts, 68, |c| C::Url.has(c));
    let e = ts + m;
    if !(60..=68).contains(&m) || C::Url.has(at(t, e)) {
        return;
    }
    let tok = t.get(ts..e).unwrap_or_default();
    url_secret(sk, D::DiscordWebhook, s, e, tok);
}

/// `https://<key>[:<secret>]@<host>/<project id>` with a Sentry host.
fn sentry_dsn(sk: &mut Sink<'_>, s: usize, ks: usize) {
    let t = sk.t;
    let mut i = ks + 32;
    if at(t, i) == b':' && run(t, i + 1, 32, |c| C::LHex.has(c)) == 32 {
        i += 33;
    }
    if at(t, i) != b'@' {
        return;
    }
    let hs = i + 1;
    let hn = run(t, hs, 253, host_char);
    let host = t.get(hs..hs + hn).unwrap_or_default().to_ascii_lowercase();
    if !(contains(&host, b"sentry") || contains(&host, b"ingest")) || at(t, hs + hn) != b'/' {
        return;
    }
    let ps = hs + hn + 1;
    let p = run(t, ps, 12, |c| c.is_ascii_digit());
    let e = ps + p;
    if p == 0 || is_word(at(t, e)) || !sk.on(D::SentryDsn) {
        return;
    }
    if placeholder::token(b"", t.get(ks..ks + 32).unwrap_or_default()) {
        return;
    }
    sk.emit(D::SentryDsn, s, e, Medium, PLAIN);
}
