//! Placeholders and published example values: text shaped like a
//! credential that is certainly not one.
//!
//! Documentation, SDK samples and configuration templates are full of
//! values that have a token's prefix and length but no secret in them:
//! `ghp_xxxxxxxx…`, `xoxb-xoxb-…`, `YOUR_API_KEY_HERE`, `${NPM_TOKEN}`,
//! AWS's `AKIAIOSFODNN7EXAMPLE`, Stripe's documentation keys, the Azure
//! storage emulator's account key, a PEM block whose body is a word. Every
//! credential detector asks this one module, and a value it calls a
//! placeholder is not reported at all (the default reporting level is
//! `low`, so "lower" would still be an alarm).
//!
//! The tests are chosen so that a random token almost never trips them:
//! a word must be long (six letters or more) or stand alone between
//! separators, a run of one character must be seven long (a sixth of a
//! longer body), a sequence eight long; the chance that a 32-character random body trips any of
//! them is below one in a million. Weak but real passwords (`admin`,
//! `letmein`) are not placeholders: the password detectors lower those
//! themselves.

/// Values published in providers' documentation and SDK samples, compared
/// exactly (whole value, or the part after a token's prefix).
const DOCUMENTED: &[&[u8]] = &[
    // AWS documentation (IAM user guide, CLI configuration).
    b"AKIAIOSFODNN7EXAMPLE",
    b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    b"AKIAI44QH8DHBEXAMPLE",
    b"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    // HTTP Basic examples: RFC 6749's client secret (`s6BhdRkqt3:…`)
    // and RFC 7617's password for Aladdin.
    b"gX1fBat3bV",
    b"open sesame",
    // RFC 6749's example access and refresh tokens, RFC 5849's (OAuth 1)
    // consumer key and token.
    b"2YotnFZFEjr1zCsicMWpAA",
    b"tGzv3JOkF0XG5Qx2TlKWIA",
    b"0685bd9184jfhq22",
    b"ad180jjd733klru7",
    // Stripe's documentation keys (the part after sk_test_ / pk_test_).
    b"4eC39HqLyjWDarjtT1zdp7dc",
    b"BQokikJOvBiI2HlWgH4olfQ2",
    b"TYooMQauvdEDq54NiTphI7jx",
    // GitHub's documentation token body (ghp_ / gho_ examples).
    b"16C7e42F292c6912E7710c838347Ae178B4a",
    // Google Maps JavaScript API samples.
    b"AIzaSyB41DRUbKWJHPxaFjMAwdrzWzbVKartNGg",
    // Slack API documentation bot token.
    b"xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
    // The jwt.io example token's signature.
    b"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    // jwt.io's current example token's signature (HS256 with the secret
    // `a-string-secret-at-least-256-bits-long`, `"admin": true`).
    b"KMUFsIDTnFmyG3nMiGM6H9FNFUROf3wh7SmqJp-QV30",
    // Azure storage emulator (Azurite, devstoreaccount1) account key.
    b"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
];

/// Words that mark a placeholder wherever they appear (lower case).
pub(crate) const WORDS: &[&[u8]] = &[
    b"example",
    b"sample",
    b"placeholder",
    b"redacted",
    b"changeme",
    b"change_me",
    b"change-me",
    b"replace",
    b"dummy",
    b"insert",
    b"notreal",
    b"not_real",
    b"not-real",
    b"invalid",
    b"xxxxxx",
    b"mytoken",
    b"yourtoken",
    b"yourkey",
    b"yoursecret",
    b"yourpassword",
    // FTP's anonymous login's password (`anonymous@`, an e-mail by
    // convention).
    b"anonymous",
];

/// Short words that mark a placeholder only when they stand alone between
/// separators (`YOUR_TOKEN_HERE`, `xoxb-your-token`), lower case.
const SHORT_WORDS: &[&[u8]] = &[
    b"your", b"here", b"fake", b"todo", b"xxx", b"xxxx", b"xxxxx",
];

/// True if `v`, a whole value or a token's body, is a published example.
pub(crate) fn documented(v: &[u8]) -> bool {
    DOCUMENTED.contains(&v)
}

/// True if `body`, the random part of a token after its fixed `prefix`,
/// is a placeholder. The body must not include fixed parts of the format
/// (Dropbox's `AAAAAAAAAA`, Anthropic's closing `AA`).
pub(crate) fn token(prefix: &[u8], body: &[u8]) -> bool {
    if documented(body) || documented_whole(prefix, body) {
        return true;
    }
    // `xoxb-xoxb-…`, `glpat-glpat-…`: the prefix written twice — the whole
    // prefix, separator included. Its letters alone are not enough: a
    // random `npm_` body starts with `npM` once in ~30,000 tokens.
    if prefix.len() >= 4
        && body
            .get(..prefix.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(prefix))
    {
        return true;
    }
    common(body) || camel_words(body)
}

/// A token body spelled in capitalised words with no digit
/// (`SlackAppConfigurationAccessTokenHere`): a random body of 16 letters
/// or more nearly always has a digit, and seldom has every capital
/// followed by two small letters. Not asked of passwords, which may be
/// made of words.
fn camel_words(body: &[u8]) -> bool {
    let caps = body.iter().filter(|c| c.is_ascii_uppercase()).count();
    body.len() >= 16
        && caps >= 3
        && body.first().is_some_and(u8::is_ascii_uppercase)
        && body.iter().all(u8::is_ascii_alphabetic)
        && body.iter().enumerate().all(|(i, c)| {
            !c.is_ascii_uppercase()
                || body
                    .get(i + 1..i + 3)
                    .is_some_and(|n| n.iter().all(u8::is_ascii_lowercase))
        })
}

/// True if `prefix` + `body` is a documented value (without allocating).
fn documented_whole(prefix: &[u8], body: &[u8]) -> bool {
    DOCUMENTED
        .iter()
        .any(|d| d.len() == prefix.len() + body.len() && d.starts_with(prefix) && d.ends_with(body))
}

/// True if `v`, a free-form secret value (a password, an assigned key, an
/// `.npmrc` token), is a template or a placeholder.
pub(crate) fn value(v: &[u8]) -> bool {
    if v.is_empty() || documented(v) {
        return true;
    }
    // Template and variable syntax: ${X}, {{x}}, <x>, %X%, $X, @X@, [x],
    // #{x}, #X#. A `#` alone does not make one: passwords start with it
    // (`Password=#gets0m3;`).
    if matches!(v.first(), Some(b'$' | b'%' | b'{' | b'<' | b'[' | b'@')) {
        return true;
    }
    if v.first() == Some(&b'#') {
        let rest = v.get(1..).unwrap_or_default();
        let var = !rest.is_empty()
            && rest
                .iter()
                .all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_');
        if rest.is_empty() || rest.first() == Some(&b'{') || rest.ends_with(b"#") || var {
            return true;
        }
    }
    let has = |s: &[u8]| v.windows(s.len()).any(|w| w == s);
    if has(b"${") || has(b"{{") || has(b"}}") || has(b"<%") || has(b"$(") || has(b"%s") {
        return true;
    }
    if v.contains(&b'<') && v.contains(&b'>') {
        return true;
    }
    // The same escaped for HTML or XML (`&lt;YOUR_PASSWORD&gt;`).
    if has(b"&lt;") || has(b"&gt;") {
        return true;
    }
    // An environment variable's name where its value belongs
    // (`NPM_TOKEN`, `API_KEY_HERE`).
    let var_name = v.contains(&b'_')
        && v.iter().filter(|c| c.is_ascii_uppercase()).count() >= 3
        && v.iter()
            .all(|&c| c.is_ascii_uppercase() || c == b'_' || c.is_ascii_digit());
    if var_name {
        return true;
    }
    // `somefakekey`, `fake_password`: a value saying it is not real. (Only
    // free-form values: in a random token's body four letters spell it
    // too often.)
    if v.windows(4).any(|w| w.eq_ignore_ascii_case(b"fake")) {
        return true;
    }
    if base64_of_words(v) {
        return true;
    }
    // Masked already: `****`, `••••`, `....`.
    if v.iter()
        .all(|&c| matches!(c, b'*' | b'.' | b'#' | b'x' | b'X'))
    {
        return true;
    }
    common(v)
}

/// True if `v` is standard base64 of plain words with a placeholder among
/// them (`ZHVtbXkgdGV4dCBkYXRh…`, "dummy text data"): a value written to
/// look like a key, not random bytes.
fn base64_of_words(v: &[u8]) -> bool {
    if v.len() < 16 || v.len() > 256 || !v.len().is_multiple_of(4) {
        return false;
    }
    let Some(d) = crate::validate::base64_decode(v, 256) else {
        return false;
    };
    let text = d.iter().all(|&c| c == b' ' || c.is_ascii_graphic());
    if !text || !d.contains(&b' ') {
        return false;
    }
    let lower = d.to_ascii_lowercase();
    WORDS
        .iter()
        .chain(SHORT_WORDS)
        .chain([&b"test"[..], b"secret", b"password"].iter())
        .any(|w| lower.windows(w.len()).any(|x| x == *w))
}

/// True if `body`, the text between a PEM block's BEGIN and END lines,
/// is a documentation stub rather than key material: an ellipsis, a
/// template, a placeholder word, or too few distinct characters to be
/// base64 of random bytes. Not [`value`]'s tests: real key encodings
/// carry long runs of one character (an OpenSSH key's length fields and
/// padding read `AAAAAAAAAAAB…` in base64).
pub(crate) fn pem_body(body: &[u8]) -> bool {
    let has = |s: &[u8]| body.windows(s.len()).any(|w| w == s);
    if has(b"...") || has("\u{2026}".as_bytes()) || has(b"${") || has(b"{{") {
        return true;
    }
    if body.contains(&b'<') && body.contains(&b'>') {
        return true;
    }
    let mut seen = [false; 256];
    let mut distinct = 0;
    let mut low = Vec::with_capacity(body.len().min(4096));
    for &c in body.iter().take(4096) {
        if c.is_ascii_whitespace() {
            continue;
        }
        low.push(c.to_ascii_lowercase());
        if let Some(s) = seen.get_mut(c as usize)
            && !*s
        {
            *s = true;
            distinct += 1;
        }
    }
    // Base64 of 48 random bytes or more shows well over 20 of its 64
    // characters. A placeholder word counts in a short body only: in a
    // key's thousands of random characters one appears by chance.
    distinct < 20
        || (low.len() < 200 && WORDS.iter().any(|w| low.windows(w.len()).any(|x| x == *w)))
}

/// The tests shared by token bodies and free-form values.
fn common(v: &[u8]) -> bool {
    let mut low = [0u8; 256];
    let n = v.len().min(low.len());
    let Some(l) = low.get_mut(..n) else {
        return false;
    };
    l.copy_from_slice(v.get(..n).unwrap_or_default());
    l.make_ascii_lowercase();
    let l: &[u8] = l;
    if WORDS.iter().any(|w| l.windows(w.len()).any(|x| x == *w)) {
        return true;
    }
    // A short word standing alone is only a sign in a value made of
    // several words ("your-token-here"): a random base64url body has a
    // separator or two, rarely around exactly such a word.
    // Written in one case (`your`, `XXX`): a random body's `_xXx_` is not
    // a word (proptest found one in a GitLab token's body).
    let one_case = |w: &[u8]| {
        w.iter().all(|c| !c.is_ascii_uppercase()) || w.iter().all(|c| !c.is_ascii_lowercase())
    };
    if v.iter().filter(|c| !c.is_ascii_alphanumeric()).count() >= 2
        && v.split(|c| !c.is_ascii_alphanumeric())
            .any(|w| one_case(w) && SHORT_WORDS.iter().any(|s| w.eq_ignore_ascii_case(s)))
    {
        return true;
    }
    low_variety(v)
}

/// Position of a character in the sequences `0123456789` and `a…z`
/// (case-insensitive), for ascending and descending runs.
fn seq_pos(c: u8) -> Option<i16> {
    match c {
        b'0'..=b'9' => Some(i16::from(c - b'0')),
        b'a'..=b'z' => Some(100 + i16::from(c - b'a')),
        b'A'..=b'Z' => Some(100 + i16::from(c - b'A')),
        _ => None,
    }
}

/// A value with too little variety to be random: one character repeated,
/// three or fewer distinct characters, a short unit repeated, a long
/// ascending or descending run (`12345678`, `abcdefgh`), or mostly
/// ascending steps (`AbC123dEf456GhI789`, the shape of documentation
/// keys).
fn low_variety(v: &[u8]) -> bool {
    let n = v.len();
    if n == 0 {
        return true;
    }
    // A run of one character.
    let mut run = 1;
    let mut longest = 1;
    for w in v.windows(2) {
        if let [a, b] = w {
            run = if a == b { run + 1 } else { 1 };
            longest = longest.max(run);
        }
    }
    // Seven in a row, or a sixth of a long body: a random 64-character
    // hex body has a run of seven about once in 300,000 (proptest found
    // an Airtable token's `beeeeeeed`), a run of ten once in a billion.
    if longest >= 7.max(n / 6) || (n >= 4 && longest == n) {
        return true;
    }
    // Few distinct characters.
    let mut seen = [false; 256];
    let mut distinct = 0;
    for &c in v {
        if let Some(s) = seen.get_mut(c as usize)
            && !*s
        {
            *s = true;
            distinct += 1;
        }
    }
    if n >= 12 && distinct <= 3 {
        return true;
    }
    // A short unit repeated (`abc123abc123abc123`).
    if n >= 12
        && (2..=8).any(|u| {
            n >= 3 * u
                && v.iter()
                    .zip(v.iter().skip(u))
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
        })
    {
        return true;
    }
    // Ascending or descending runs and steps.
    let mut up = 0;
    let mut down = 0;
    let mut steps = 0;
    let mut longest_seq = 1;
    let mut cur_up = 1;
    let mut cur_down = 1;
    for w in v.windows(2) {
        let (Some(&a), Some(&b)) = (w.first(), w.get(1)) else {
            continue;
        };
        match (seq_pos(a), seq_pos(b)) {
            (Some(x), Some(y)) if y == x + 1 => {
                up += 1;
                cur_up += 1;
                cur_down = 1;
            }
            (Some(x), Some(y)) if y + 1 == x => {
                down += 1;
                cur_down += 1;
                cur_up = 1;
            }
            _ => {
                cur_up = 1;
                cur_down = 1;
            }
        }
        steps += 1;
        longest_seq = longest_seq.max(cur_up).max(cur_down);
    }
    if longest_seq >= 8 {
        return true;
    }
    n >= 16 && (up * 10 >= steps * 4 || down * 10 >= steps * 4 || interleaved(v))
}

/// Two ascending sequences written alternately, `a1b2c3d4e5f6g7h8…` or
/// `1a2b3c…` (`9` goes on to `0`): every character but a few is the one
/// after the character two places before it. A random body has such a
/// pair once in 36 places or more.
fn interleaved(v: &[u8]) -> bool {
    let next = |a: u8, b: u8| match (seq_pos(a), seq_pos(b)) {
        (Some(x), Some(y)) => y == x + 1 || (a == b'9' && b == b'0'),
        _ => false,
    };
    let pairs = v.len().saturating_sub(2);
    let hits = v
        .iter()
        .zip(v.iter().skip(2))
        .filter(|&(&a, &b)| next(a, b))
        .count();
    hits * 10 >= pairs * 7
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(prefix, body, placeholder?)` for token bodies.
    const TOKENS: &[(&str, &str, bool)] = &[
        ("ghp_", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", true),
        ("ghp_", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", true),
        ("ghp_", "16C7e42F292c6912E7710c838347Ae178B4a", true),
        ("xoxb-", "xoxb-xoxb-xoxb-xoxb", true),
        ("xoxb-", "your-bot-token-here", true),
        ("glpat-", "glpat-000000000000000000", true),
        ("glpat-", "REPLACE_ME_WITH_TOKEN", true),
        ("sk_test_", "4eC39HqLyjWDarjtT1zdp7dc", true),
        ("AIza", "SyDOCAbC123dEf456GhI789jKl01-MnO", true),
        ("AIza", "Syabcdefghijklmnopqrstuvwxyz1234567", true),
        ("dop_v1_", "0123456789abcdef0123456789abcdef", true),
        ("npm_", "abcdabcdabcdabcdabcdabcdabcdabcdabcd", true),
        ("hf_", "ExampleExampleExampleExampleExample", true),
        ("sk-ant-api03-", "dummy-key-for-tests", true),
        ("AKIA", "IOSFODNN7EXAMPLE", true),
        ("SG.", "aaaaaaaaaaaaaaaaaaaaaa", true),
        // Random bodies of the same shapes are not.
        ("ghp_", "EYZPWapO5VAyUS6GzM4wwyzXNWqcQz3TVFXd", false),
        (
            "xoxb-",
            "1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            true,
        ),
        (
            "xoxb-",
            "2718281828-4598715309281-Qm7VzK2pLx9RtW4nBc8YhJ3d",
            false,
        ),
        ("glpat-", "xK9mB2vQ7nR4tL8wZ3cF", false),
        (
            "dop_v1_",
            "3f1c9e0a7b2d4c6e8f10a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2",
            false,
        ),
        ("hf_", "kQzVbNmWxTrPsLdFgHjYcUeIoAaBnMvCxZ", false),
        ("AKIA", "Z5GMHYJ3KDLWQX4T", false),
        ("sk_live_", "51HqLyjWDarjtT1zdp7dcXbq", false),
        ("shpat_", "c5e1f2a93b7d4e0f8a6c2b9d1e3f5a7c", false),
    ];

    /// `(value, placeholder?)` for free-form values.
    const VALUES: &[(&str, bool)] = &[
        ("${NPM_TOKEN}", true),
        ("{{ secrets.API_KEY }}", true),
        ("<your-api-key>", true),
        ("YOUR_API_KEY_HERE", true),
        ("REPLACE_ME", true),
        ("changeme", true),
        ("CHANGEME", true),
        ("example-password", true),
        ("dummy", true),
        ("%API_KEY%", true),
        ("$SECRET", true),
        ("@TOKEN@", true),
        ("********", true),
        ("xxxxxxxxxxxx", true),
        ("aaaaaaaa", true),
        ("12345678", true),
        ("abcdefghijkl", true),
        ("NPM_TOKEN", true),
        ("your-token-here", true),
        ("&lt;YOURPASSWROD&gt;", true),
        ("#{DB_PASSWORD}", true),
        ("#DB_PASSWORD#", true),
        ("#DB_PASSWORD", true),
        ("#gets0m3", false),
        ("a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6", true),
        ("1a2b3c4d5e6f7g8h9i0j", true),
        ("Tr0ub4dor&3", false),
        ("9fT2kQ7xLm4Rv8Zp1Wc6Yb3Nd5Hs0Jg", false),
        ("S3cr3t-Pa55", false),
        ("letmein", false),
        ("hunter2", false),
        ("a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d", false),
    ];

    #[test]
    fn token_bodies() {
        for (prefix, body, want) in TOKENS {
            assert_eq!(
                token(prefix.as_bytes(), body.as_bytes()),
                *want,
                "{prefix}{body}"
            );
        }
    }

    #[test]
    fn free_form_values() {
        for (v, want) in VALUES {
            assert_eq!(value(v.as_bytes()), *want, "{v}");
        }
    }

    #[test]
    fn documented_values_are_exact() {
        assert!(documented(b"AKIAIOSFODNN7EXAMPLE"));
        assert!(!documented(b"AKIAIOSFODNN7EXAMPLF"));
        assert!(token(b"sk_live_", b"4eC39HqLyjWDarjtT1zdp7dc"));
    }

    proptest::proptest! {
        /// Random bodies of the common token alphabets and lengths are
        /// almost never placeholders (the tests above are chosen so).
        #[test]
        fn random_bodies_are_not_placeholders(
            body in "[A-Za-z0-9]{20,64}",
        ) {
            // A body that happens to spell a marker word (`…DUMmy…`, once
            // in a few thousand runs) is a placeholder by design.
            let lower = body.to_ascii_lowercase();
            proptest::prop_assume!(
                !WORDS.iter().any(|w| lower.as_bytes().windows(w.len()).any(|x| x == *w))
            );
            proptest::prop_assert!(!token(b"tok_", body.as_bytes()), "{}", body);
        }

        #[test]
        fn random_hex_is_not_a_placeholder(body in "[a-f0-9]{32,64}") {
            proptest::prop_assert!(!token(b"tok_", body.as_bytes()), "{}", body);
        }
    }
}
