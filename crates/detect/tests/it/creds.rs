//! Credential detectors as properties: every kind of token, built from its
//! provider's format (`tokens.rs`), is found whatever surrounds it; one
//! changed character in a checksummed token is rejected (GitHub's and
//! npm's only lowered to `low`); streaming finds
//! what a whole scan finds around tokens of every kind.

use cordon_detect::{Category, Confidence, Detectors, Finding, detectors};
use proptest::prelude::*;

use crate::tokens::{CHECKSUMMED, KINDS, flip, token};

/// Checksummed kinds whose failed checksum lowers the finding to `low`
/// rather than dropping it.
const LOWERED: &[&str] = &["ghp", "gho", "ghu", "ghs", "ghr", "npm", "vcp", "cfut"];

/// Texts around a token: start and end of text, quotes, assignments,
/// JSON, a URL query, markup, a sentence's full stop.
const AROUND: &[(&str, &str)] = &[
    ("", ""),
    (" ", " "),
    ("\"", "\""),
    ("'", "'"),
    ("`", "`"),
    ("x=", ""),
    ("export API_TOKEN=", "\n"),
    ("{\"k\": \"", "\"}"),
    ("{\"credentials\":{\"value\":\"", "\",\"n\":1}}"),
    ("https://api.example.net/v1/items?key=", "&page=2"),
    ("<value>", "</value>"),
    ("(", ")"),
    ("[", "]"),
    ("The key is ", ". Rotate it."),
    ("\n\t", "\r\n"),
    ("key: ", ","),
];

fn found<'a>(fs: &'a [Finding], det: &str, s: usize, e: usize) -> Option<&'a Finding> {
    fs.iter()
        .find(|f| f.detector == det && f.start == s && f.end == e)
}

#[test]
fn there_are_at_least_120_credential_detectors() {
    let n = detectors()
        .iter()
        .filter(|d| d.category == Category::Credentials)
        .count();
    assert!(n >= 120, "{n} credential detectors");
}

#[test]
fn every_kind_is_found_alone_with_its_confidence() {
    let det = Detectors::new();
    for &(name, id, _, conf) in KINDS {
        for seed in 1..=20 {
            let (tok, _, _) = token(name, seed).unwrap();
            let fs = det.scan(tok.as_bytes());
            let f = found(&fs, id, 0, tok.len()).unwrap_or_else(|| {
                panic!("{name} (seed {seed}) {tok:?} not found as {id}: {fs:?}")
            });
            assert_eq!(
                f.confidence,
                Confidence::parse(conf).unwrap(),
                "{name} {tok}"
            );
            assert_ne!(f.masked.as_str(), tok, "{name}: the mask is the value");
        }
    }
}

#[test]
fn every_credential_detector_has_a_generated_kind_or_a_case() {
    // Detectors reached by assignment or URL are covered by cases.tsv; the
    // rest must be in KINDS so the properties below exercise them.
    let by_case = [
        "private_key",
        "aws_secret_key",
        "jwt",
        "slack_webhook",
        "azure_storage_key",
        "url_password",
        "http_basic_auth",
        "docker_registry_auth",
        "bearer_token",
        "cli_password",
        "password_assignment",
        "generic_secret",
        "openai_api_key",
        "alibaba_secret_key",
        "azure_shared_access_key",
        "azure_sas_token",
        "azure_devops_pat",
        "cloudflare_api_token",
        "cloudflare_global_api_key",
        "vercel_token",
        "confluent_api_secret",
        "aws_session_token",
        "npmrc_auth_token",
        "travis_ci_token",
        "codecov_token",
        "snyk_token",
        "sentry_dsn",
        "datadog_api_key",
        "datadog_app_key",
        "sumologic_access_key",
        "sumologic_access_id",
        "jenkins_encrypted_secret",
        "okta_api_token",
        "twilio_auth_token",
        "discord_webhook",
        "slack_workflow_webhook",
        "teams_webhook",
        "messagebird_api_key",
        "mattermost_token",
        "facebook_app_secret",
        "algolia_admin_key",
        "coinbase_api_secret",
        "kraken_api_key",
        "zendesk_api_token",
        "fastly_api_token",
        "kubernetes_secret",
        "kubernetes_bootstrap_token",
        "vault_unseal_key",
    ];
    for d in detectors() {
        if d.category != Category::Credentials || by_case.contains(&d.id) {
            continue;
        }
        assert!(
            KINDS.iter().any(|k| k.1 == d.id),
            "{} has no generated kind",
            d.id
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// A valid token is found, with exactly its span, in any surroundings.
    #[test]
    fn a_valid_token_is_found_whatever_surrounds_it(
        k in 0..KINDS.len(),
        seed in any::<u64>(),
        w in 0..AROUND.len(),
    ) {
        let (name, id, _, _) = KINDS[k];
        let (tok, _, _) = token(name, seed).unwrap();
        // A Discord bot token is keyed by the digits in the base64 of its
        // bot id; about one id in 250 encodes without one, and is found
        // only next to a discord name (`discord_bot_token_is_found_…`).
        prop_assume!(name != "discord" || tok.split('.').next().unwrap().bytes().any(|b| b.is_ascii_digit()));
        // A Bitbucket Data Center token is keyed by a digit in its base64
        // body; about one in 3,000 has none (documented at `BBDC`).
        prop_assume!(name != "bbdc" || tok[5..].bytes().any(|b| b.is_ascii_digit()));
        // An Amazon MWS token is keyed by a group of its UUID that is a
        // word: about one in 300 has a first group of digits and later
        // groups that all start with one (documented at `mws_group`).
        prop_assume!(name != "mws" || {
            let groups: Vec<&str> = tok[9..].split('-').collect();
            groups[0].bytes().any(|b| b.is_ascii_alphabetic())
                || groups[1..].iter().any(|g| g.as_bytes()[0].is_ascii_alphabetic())
        });
        // A body whose separators stand around a placeholder word
        // (`glpat-BKd-XXX-d6rFx…`) is read as a placeholder on purpose
        // (placeholder.rs, `SHORT_WORDS`): a few in a million bodies with
        // `-` or `_` in their alphabet.
        prop_assume!(!tok
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ["your", "here", "fake", "todo", "xxx", "xxxx", "xxxxx"]
                .contains(&w.to_ascii_lowercase().as_str())));
        // Seven of one character in a row is a placeholder's mark on
        // purpose (placeholder.rs, `low_variety`): about one random hex
        // body in 300,000 (`pul-…c92dbbbbbbb`).
        prop_assume!(!tok.as_bytes().windows(7).any(|r| r.iter().all(|&c| c == r[0])));
        let (pre, post) = AROUND[w];
        let text = format!("{pre}{tok}{post}");
        let fs = Detectors::new().scan(text.as_bytes());
        prop_assert!(
            found(&fs, id, pre.len(), pre.len() + tok.len()).is_some(),
            "{} in {:?}: {:?}", name, text, fs
        );
    }

    /// A token glued to a word is not one: `x` + token is not reported.
    #[test]
    fn a_prefix_inside_a_longer_word_is_not_a_token(
        k in 0..KINDS.len(),
        seed in any::<u64>(),
    ) {
        let (name, id, _, _) = KINDS[k];
        let (tok, _, _) = token(name, seed).unwrap();
        let text = format!("x{tok}");
        let fs = Detectors::new().scan(text.as_bytes());
        prop_assert!(!fs.iter().any(|f| f.detector == id && f.start <= 1), "{} {:?}", name, fs);
    }

    /// One changed character in a checksummed token is rejected (or, for
    /// GitHub and npm, never reported above `low`).
    #[test]
    fn a_changed_character_breaks_the_checksum(
        k in 0..CHECKSUMMED.len(),
        seed in any::<u64>(),
        at in any::<usize>(),
    ) {
        let (name, lo, hi) = CHECKSUMMED[k];
        let (tok, id, _) = token(name, seed).unwrap();
        let i = lo + at % (hi - lo);
        let bad = flip(&tok, i);
        prop_assume!(bad != tok);
        let text = format!("value: {bad}\n");
        let fs = Detectors::new().scan(text.as_bytes());
        if LOWERED.contains(&name) {
            // GitHub's and npm's CRC only lowers: older tokens and test
            // data have the format without it.
            prop_assert!(
                fs.iter().filter(|f| f.detector == id).all(|f| f.confidence == Confidence::Low),
                "{} {:?}", bad, fs
            );
        } else {
            prop_assert!(!fs.iter().any(|f| f.detector == id), "{} {:?}", bad, fs);
        }
        // And no other credential detector picks it up instead.
        prop_assert!(
            !fs.iter().any(|f| f.category == Category::Credentials && f.detector != id),
            "{} {:?}", bad, fs
        );
    }
}

#[test]
fn discord_bot_token_is_found_next_to_a_discord_name_even_without_digits() {
    // The base64 of this id has no digit: no digit word keys it.
    let tok = "NzkyMDQzNzIyNzcyNTAzODgw.yXM547.3KPsgIj6pvaXT7Phx1o_ec_sOVGgg5n1en7H_m";
    let det = Detectors::new();
    assert!(
        !det.scan(tok.as_bytes())
            .iter()
            .any(|f| f.detector == "discord_bot_token")
    );
    let text = format!("DISCORD_BOT_TOKEN={tok}\n");
    let fs = det.scan(text.as_bytes());
    assert!(
        found(&fs, "discord_bot_token", 18, 18 + tok.len()).is_some(),
        "{fs:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Streaming in small slices finds what one scan finds, with tokens of
    /// every kind (whose keys lie inside or after them) cut anywhere.
    #[test]
    fn chunked_equals_whole_around_tokens(
        picks in proptest::collection::vec((0..KINDS.len(), any::<u64>(), 0..AROUND.len()), 20..120),
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
        slice in prop_oneof![Just(64usize), Just(300), Just(4096)],
    ) {
        let mut text = String::new();
        for &(k, seed, w) in &picks {
            let (tok, _, _) = token(KINDS[k].0, seed).unwrap();
            let (pre, post) = AROUND[w];
            text.push_str(&format!("{pre}{tok}{post} filler words 12 and 3.5\n"));
        }
        let text = text.as_bytes();
        let det = Detectors::new();
        let mut s = det.stream_with_slice(slice);
        let mut got = Vec::new();
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
        cuts.sort_unstable();
        let mut prev = 0;
        for c in cuts.into_iter().chain([text.len()]) {
            got.extend(s.feed(&text[prev..c]));
            prev = c;
        }
        got.extend(s.finish());
        prop_assert_eq!(got, det.scan(text));
    }
}

/// WordPress's secret-key service's alphabet (`wp_generate_password` with
/// special characters), which has no quote or backslash.
const WP_ALPHABET: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()-_ []{}<>~`+=,.;:/?|";

/// `wp-config.php`'s block of keys and salts as WordPress writes it, with
/// the values' ranges.
fn wp_config(values: &[String; 8], between: &str) -> (String, Vec<(usize, usize)>) {
    const NAMES: [&str; 8] = [
        "AUTH_KEY",
        "SECURE_AUTH_KEY",
        "LOGGED_IN_KEY",
        "NONCE_KEY",
        "AUTH_SALT",
        "SECURE_AUTH_SALT",
        "LOGGED_IN_SALT",
        "NONCE_SALT",
    ];
    let mut text = String::from("<?php\ndefine( 'DB_HOST', 'localhost' );\n\n");
    let mut spans = Vec::new();
    for (name, v) in NAMES.iter().zip(values) {
        text.push_str(between);
        let head = format!("define('{name}',{:w$}'", "", w = 17 - name.len());
        text.push_str(&head);
        spans.push((text.len(), text.len() + v.len()));
        text.push_str(v);
        text.push_str("');\n");
    }
    text.push_str("\nrequire_once ABSPATH . 'wp-settings.php';\n");
    (text, spans)
}

/// Every key and salt of a generated block is a secret (the salts are
/// read from the keys' defines: no anchor reads `SALT`), with comment
/// lines between the defines or none, whole and streamed. The blocks are
/// drawn as WordPress's service draws them, from fixed seeds: 3,200
/// values, of which a few may read as something else by chance (a test
/// that fails on one draw in a thousand must fail every run or none).
#[test]
fn wordpress_keys_and_salts_are_all_found() {
    let det = Detectors::new();
    let mut missed = Vec::new();
    for seed in 0..400u64 {
        // SplitMix64.
        let mut x = seed;
        let mut next = move || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let values: [String; 8] = std::array::from_fn(|_| {
            loop {
                let v: String = (0..64)
                    .map(|_| char::from(WP_ALPHABET[(next() % WP_ALPHABET.len() as u64) as usize]))
                    .collect();
                // Drawn again: a value with template syntax (`${fI}`, about
                // one in ten thousand), without a digit (one in 1,600: the
                // generic rule wants one), with more than two spaces (text)
                // or a leading `$` (a PHP variable's) or blank.
                let marker = v.split('<').skip(1).any(|r| {
                    let n = r.bytes().take_while(u8::is_ascii_alphabetic).count();
                    n >= 3 && r.as_bytes().get(n) == Some(&b'>')
                });
                let odd = ["${", "{{", "$(", "<%", "  "].iter().any(|m| v.contains(m))
                    || marker
                    || !v.bytes().any(|c| c.is_ascii_digit())
                    || v.matches(' ').count() > 2
                    || v.starts_with(['$', ' '])
                    || v.ends_with(' ');
                if !odd {
                    break v;
                }
            }
        });
        let between = ["", "# Risk\n", "\n"][(seed % 3) as usize];
        let (text, spans) = wp_config(&values, between);
        let fs = det.scan(text.as_bytes());
        for (i, &(s, e)) in spans.iter().enumerate() {
            let f = found(&fs, "generic_secret", s, e);
            if f.is_none_or(|f| f.confidence < Confidence::Medium) {
                missed.push((seed, i, values[i].clone()));
            }
        }
        let mut s = det.stream_with_slice([64, 300, 4096][(seed % 3) as usize]);
        let mut got = s.feed(text.as_bytes());
        got.extend(s.finish());
        assert_eq!(got, fs, "seed {seed}");
    }
    // A value drawn at random may still read as a list of settings
    // (`…;Mmg=…;MiX=…`): at most one in five hundred is let go.
    assert!(missed.len() <= 400 * 8 / 500, "{missed:?}");
}

#[test]
fn wordpress_placeholders_and_other_defines_are_not_salts() {
    let det = Detectors::new();
    // The block as WordPress ships it: its placeholder phrase.
    let phrase = "put your unique phrase here".to_string();
    let (text, _) = wp_config(&std::array::from_fn(|_| phrase.clone()), "");
    let fs = det.scan(text.as_bytes());
    assert!(fs.is_empty(), "{fs:?}");
    // A salt after a line that is not a define belongs to no key block;
    // a define whose name is not a salt's is not read as one.
    let salt = "j@cGIZJfObpPU);AZgYH5,ubbSlUp|ZnLZNlq|;tkFe5xc(=_0[LKbF71T.EE~9";
    let key = "MW1pxMctoyA(>M%0Vl2(#o0|2$cB+K|.G$hB~4`Juw@]:(5;oVUl<<W3^e_R-fg";
    for tail in [
        format!("$x = 1;\ndefine('AUTH_SALT', '{salt}');\n"),
        format!("define('WP_CACHE_SALTS', '{salt}');\n"),
    ] {
        let text = format!("define('NONCE_KEY', '{key}');\n{tail}");
        let fs = det.scan(text.as_bytes());
        assert_eq!(fs.len(), 1, "{text}: {fs:?}");
        assert_eq!(fs[0].start, 21, "{fs:?}");
    }
}

/// A `.pgpass` file: every line's password (its port keys it), whole and
/// streamed in slices that cut the lines anywhere.
#[test]
fn pgpass_lines_are_read_whole_and_streamed() {
    let text = "# host:port:database:user:password\n\
                localhost:5432:orders:app:Zq81#vLm2pXe\n\
                db-1.internal.example.com:6432:*:report_ro:k8\\:Vq2pLm7w\n\
                *:*:*:postgres:Xk9mPq2vLw7\n\
                10.0.4.17:5433:billing:svc:Tr0ub4dor&3x\n";
    let det = Detectors::new();
    let fs = det.scan(text.as_bytes());
    let values: Vec<&str> = fs
        .iter()
        .filter(|f| f.detector == "password_assignment" && f.confidence >= Confidence::Medium)
        .map(|f| &text[f.start..f.end])
        .collect();
    // The third line's port is `*` (any port): its colons key it.
    assert_eq!(
        values,
        [
            "Zq81#vLm2pXe",
            "k8\\:Vq2pLm7w",
            "Xk9mPq2vLw7",
            "Tr0ub4dor&3x"
        ],
        "{fs:?}"
    );
    for slice in [1, 7, 64, 300] {
        let mut s = det.stream_with_slice(slice);
        let mut got = Vec::new();
        for piece in text.as_bytes().chunks(13) {
            got.extend(s.feed(piece));
        }
        got.extend(s.finish());
        assert_eq!(got, fs, "slice {slice}");
    }
}
