//! Credential tokens built from each provider's published format, for the
//! cases table (`%%name:seed%%` in `cases.tsv`) and the property tests in
//! `creds.rs`. The checksums are computed here independently of the crate
//! (bitwise CRC-32, textbook Bech32, a plain base64 encoder), so a test
//! compares two implementations, never the crate with itself. Nothing
//! here is a real secret: every value is random.

/// xorshift64: deterministic values for a seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick(&mut self, set: &[u8]) -> char {
        set[self.below(set.len())] as char
    }
}

const UP: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LO: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const DIG: &[u8] = b"0123456789";

fn class(name: &str) -> Vec<u8> {
    let cat = |parts: &[&[u8]]| parts.concat();
    match name {
        "hex" => cat(&[DIG, b"abcdef"]),
        "HEX" => cat(&[DIG, b"ABCDEF"]),
        "alnum" => cat(&[UP, LO, DIG]),
        "lower36" => cat(&[LO, DIG]),
        "upper36" => cat(&[UP, DIG]),
        "letters" => cat(&[UP, LO]),
        "url" => cat(&[UP, LO, DIG, b"_-"]),
        "std" => cat(&[UP, LO, DIG, b"+/"]),
        "digits" => DIG.to_vec(),
        "b32" => cat(&[UP, b"234567"]),
        "b32l" => cat(&[LO, b"234567"]),
        "c64" => cat(&[UP, LO, DIG, b"./"]),
        _ => panic!("unknown class {name}"),
    }
}

/// CRC-32 (IEEE), bit by bit.
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn base62(mut n: u64) -> String {
    let digits: Vec<u8> = [DIG, UP, LO].concat();
    let mut s = Vec::new();
    while n > 0 {
        s.push(digits[(n % 62) as usize]);
        n /= 62;
    }
    while s.len() < 6 {
        s.push(b'0');
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

pub fn base64(data: &[u8], url: bool, pad: bool) -> String {
    let alpha: Vec<u8> = [UP, LO, DIG, if url { b"-_" } else { b"+/" }].concat();
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(alpha[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
        if pad {
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
    }
    out
}

const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn bech32_polymod(values: &[u8]) -> u32 {
    let generators = [
        0x3b6a57b2u32,
        0x26508e6d,
        0x1ea119fa,
        0x3d4233dd,
        0x2a1462b3,
    ];
    let mut chk = 1u32;
    for &v in values {
        let b = chk >> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ u32::from(v);
        for (i, g) in generators.iter().enumerate() {
            if (b >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

fn age_key(r: &mut Rng) -> String {
    let hrp = b"age-secret-key-";
    let data: Vec<u8> = (0..52).map(|_| r.below(32) as u8).collect();
    let mut values: Vec<u8> = hrp.iter().map(|c| c >> 5).collect();
    values.push(0);
    values.extend(hrp.iter().map(|c| c & 31));
    values.extend(&data);
    values.extend([0; 6]);
    let pm = bech32_polymod(&values) ^ 1;
    let mut all = data;
    all.extend((0..6).map(|i| ((pm >> (5 * (5 - i))) & 31) as u8));
    let body: String = all.iter().map(|&d| BECH32[d as usize] as char).collect();
    format!("AGE-SECRET-KEY-1{}", body.to_uppercase())
}

fn uuid(r: &mut Rng) -> String {
    let h = |r: &mut Rng, n| expand(&format!("{{hex:{n}}}"), r);
    format!(
        "{}-{}-{}-{}-{}",
        h(r, 8),
        h(r, 4),
        h(r, 4),
        h(r, 4),
        h(r, 12)
    )
}

fn pypi(r: &mut Rng, location: &str) -> String {
    let id = uuid(r);
    let mut m = vec![2u8, 1, location.len() as u8];
    m.extend(location.bytes());
    m.extend([2, id.len() as u8]);
    m.extend(id.bytes());
    m.extend([0, 2, 0x2a]);
    m.extend((0..60).map(|_| r.below(256) as u8));
    m.extend([0, 6, 32]);
    m.extend((0..32).map(|_| r.below(256) as u8));
    format!("pypi-{}", base64(&m, true, false))
}

fn json_b64(json: &str, url: bool) -> String {
    base64(json.as_bytes(), url, false)
}

/// Expands a template: `{class:n}` is `n` random characters of a class;
/// the other `{…}` build whole formats with their checksums.
pub fn expand(tpl: &str, r: &mut Rng) -> String {
    let mut out = String::new();
    let mut rest = tpl;
    while let Some(p) = rest.find('{') {
        out.push_str(&rest[..p]);
        let q = rest[p..].find('}').unwrap() + p;
        let spec = &rest[p + 1..q];
        rest = &rest[q + 1..];
        let (name, arg) = spec.split_once(':').unwrap_or((spec, ""));
        match name {
            "ghcrc" => {
                let random = expand("{alnum:30}", r);
                out.push_str(&random);
                out.push_str(&base62(u64::from(crc32(random.as_bytes()))));
            }
            "uuid" => out.push_str(&uuid(r)),
            "crc62" => {
                let random = expand(&format!("{{alnum:{arg}}}"), r);
                out.push_str(&random);
                out.push_str(&base62(u64::from(crc32(random.as_bytes()))));
            }
            "crchex" => {
                let random = expand(&format!("{{alnum:{arg}}}"), r);
                out.push_str(&random);
                out.push_str(&format!("{:08x}", crc32(random.as_bytes())));
            }
            // An Atlassian Data Center token's body: the base64 of a
            // 12-digit id, `:` and 20 random bytes.
            "bbdc" => {
                let mut b = expand("{digits:12}:", r).into_bytes();
                b.extend((0..20).map(|_| r.below(256) as u8));
                out.push_str(&base64(&b, false, false));
            }
            "age" => out.push_str(&age_key(r)),
            "pypi" => out.push_str(&pypi(r, "pypi.org")),
            "testpypi" => out.push_str(&pypi(r, "test.pypi.org")),
            "discord" => {
                let id = format!(
                    "{}",
                    100_000_000_000_000_000 + r.below(1 << 62) as u64 % 900_000_000_000_000_000
                );
                out.push_str(&base64(id.as_bytes(), true, false));
                out.push('.');
                out.push_str(&expand("{url:6}.{url:38}", r));
            }
            "intercom" => {
                let u = uuid(r).replace('-', "_");
                out.push_str(&base64(format!("tok:{u}:1:0").as_bytes(), false, true));
            }
            "ops" => {
                let j = format!(
                    r#"{{"signInAddress":"my.1password.com","userAuth":{{"method":"SRPg-4096","alg":"PBES2g-HS256","iterations":650000,"salt":"{}"}},"email":"{}@1passwordserviceaccounts.com","srpX":"{}","muk":{{"alg":"A256GCM","ext":true,"k":"{}","key_ops":["encrypt","decrypt"],"kty":"oct","kid":"mp"}},"deviceUuid":"{}"}}"#,
                    expand("{url:22}", r),
                    expand("{lower36:12}", r),
                    expand("{hex:64}", r),
                    expand("{url:43}", r),
                    expand("{lower36:26}", r)
                );
                out.push_str(&format!("ops_{}", json_b64(&j, false)));
            }
            "sntrys" => {
                let j = format!(
                    r#"{{"iat":{},"url":"https://sentry.io","region_url":"https://us.sentry.io","org":"{}"}}"#,
                    1_700_000_000 + r.below(10_000_000),
                    expand("{lower36:8}", r)
                );
                out.push_str(&format!(
                    "sntrys_{}_{}",
                    json_b64(&j, false),
                    expand("{std:43}", r)
                ));
            }
            "grafana" => {
                let j = format!(
                    r#"{{"k":"{}","n":"{}","id":{}}}"#,
                    expand("{alnum:32}", r),
                    expand("{lower36:8}", r),
                    1 + r.below(998)
                );
                let b = json_b64(&j, false);
                out.push_str(&b);
            }
            "mapbox" => {
                let j = format!(
                    r#"{{"u":"{}","a":"{}"}}"#,
                    expand("{lower36:8}", r),
                    expand("{url:25}", r)
                );
                out.push_str(&format!(
                    "{arg}.{}.{}",
                    json_b64(&j, true),
                    expand("{url:22}", r)
                ));
            }
            // A Jenkins secret: version 1, the IV's and the ciphertext's
            // lengths, a 16-byte IV and whole AES blocks, in braces.
            "jenkins" => {
                let len = 16 * (1 + r.below(8));
                let mut b = vec![1u8, 0, 0, 0, 16, 0, 0, 0, len as u8];
                b.extend((0..16 + len).map(|_| r.below(256) as u8));
                out.push('{');
                out.push_str(&base64(&b, false, true));
                out.push('}');
            }
            "p12" => {
                let len = 0x0900 + r.below(0x0b00);
                let mut der = vec![
                    0x30u8,
                    0x82,
                    (len >> 8) as u8,
                    len as u8,
                    2,
                    1,
                    3,
                    0x30,
                    0x82,
                ];
                der.extend((0..300).map(|_| r.below(256) as u8));
                out.push_str(&base64(&der, false, true));
            }
            _ => {
                let set = class(name);
                let n: usize = arg.parse().unwrap();
                for _ in 0..n {
                    out.push(r.pick(&set));
                }
            }
        }
    }
    out.push_str(rest);
    out
}

/// Standalone tokens: `(name, detector, template, confidence)`. Every
/// kind is found with no context and in any surroundings.
pub const KINDS: &[(&str, &str, &str, &str)] = &[
    ("akia", "aws_access_key", "AKIA{b32:16}", "high"),
    ("asia", "aws_access_key", "ASIA{b32:16}", "high"),
    ("abia", "aws_access_key", "ABIA{b32:16}", "high"),
    ("acca", "aws_access_key", "ACCA{b32:16}", "high"),
    ("aida", "aws_iam_unique_id", "AIDA{b32:17}", "low"),
    ("aroa", "aws_iam_unique_id", "AROA{b32:17}", "low"),
    ("ghp", "github_token", "ghp_{ghcrc}", "high"),
    ("gho", "github_token", "gho_{ghcrc}", "high"),
    ("ghu", "github_token", "ghu_{ghcrc}", "high"),
    ("ghs", "github_token", "ghs_{ghcrc}", "high"),
    ("ghr", "github_token", "ghr_{ghcrc}", "high"),
    (
        "github_pat",
        "github_token",
        "github_pat_{alnum:22}_{alnum:59}",
        "high",
    ),
    ("npm", "npm_token", "npm_{ghcrc}", "high"),
    ("glpat", "gitlab_token", "glpat-{url:20}", "high"),
    ("gldt", "gitlab_token", "gldt-{url:20}", "high"),
    ("glrt", "gitlab_token", "glrt-{url:20}", "high"),
    ("gloas", "gitlab_token", "gloas-{url:64}", "high"),
    ("glcbt", "gitlab_token", "glcbt-{alnum:3}_{url:20}", "high"),
    ("glptt", "gitlab_token", "glptt-{hex:40}", "high"),
    ("glft", "gitlab_token", "glft-{url:20}", "high"),
    ("glimt", "gitlab_token", "glimt-{url:25}", "high"),
    ("glagent", "gitlab_token", "glagent-{url:50}", "high"),
    ("glsoat", "gitlab_token", "glsoat-{url:20}", "high"),
    ("glffct", "gitlab_token", "glffct-{url:20}", "high"),
    ("gr1348941", "gitlab_token", "GR1348941{url:20}", "high"),
    ("pypi", "pypi_token", "{pypi}", "high"),
    ("testpypi", "pypi_token", "{testpypi}", "high"),
    (
        "anthropic",
        "anthropic_api_key",
        "sk-ant-api03-{url:93}AA",
        "high",
    ),
    (
        "anthropic_admin",
        "anthropic_admin_key",
        "sk-ant-admin01-{url:93}AA",
        "high",
    ),
    (
        "openai_proj",
        "openai_api_key",
        "sk-proj-{url:74}T3BlbkFJ{url:74}",
        "high",
    ),
    (
        "openai_svcacct",
        "openai_api_key",
        "sk-svcacct-{url:74}T3BlbkFJ{url:74}",
        "high",
    ),
    (
        "openai_legacy",
        "openai_api_key",
        "sk-{alnum:20}T3BlbkFJ{alnum:20}",
        "high",
    ),
    (
        "openai_admin",
        "openai_admin_key",
        "sk-admin-{url:74}T3BlbkFJ{url:74}",
        "high",
    ),
    ("hf", "huggingface_token", "hf_{letters:34}", "high"),
    (
        "hf_org",
        "huggingface_org_token",
        "api_org_{letters:34}",
        "high",
    ),
    ("groq", "groq_api_key", "gsk_{alnum:52}", "high"),
    ("pplx", "perplexity_api_key", "pplx-{alnum:48}", "high"),
    ("r8", "replicate_api_token", "r8_{alnum:37}", "high"),
    ("fly_org", "flyio_access_token", "fo1_{url:43}", "high"),
    (
        "bedrock_long",
        "aws_bedrock_api_key",
        "ABSKQmVkcm9ja0FQSUtleS{alnum:110}",
        "high",
    ),
    (
        "fly_macaroon",
        "flyio_access_token",
        "fm2_{std:180}",
        "high",
    ),
    (
        "intra42",
        "intra42_client_secret",
        "s-s4t2ud-{hex:64}",
        "high",
    ),
    ("xai", "xai_api_key", "xai-{alnum:80}", "high"),
    (
        "lsv2",
        "langsmith_api_key",
        "lsv2_pt_{hex:32}_{hex:10}",
        "high",
    ),
    (
        "op_key",
        "onepassword_secret_key",
        "A3-{upper36:6}-{upper36:11}-{upper36:5}-{upper36:5}-{upper36:5}",
        "high",
    ),
    (
        "op_key2",
        "onepassword_secret_key",
        "A3-{upper36:6}-{upper36:6}-{upper36:5}-{upper36:5}-{upper36:5}-{upper36:5}",
        "high",
    ),
    (
        "op_sa",
        "onepassword_service_account_token",
        "{ops}",
        "high",
    ),
    ("doppler_pt", "doppler_token", "dp.pt.{alnum:43}", "high"),
    (
        "doppler_st",
        "doppler_token",
        "dp.st.dev.{alnum:40}",
        "high",
    ),
    ("doppler_sa", "doppler_token", "dp.sa.{alnum:43}", "high"),
    ("hvs", "vault_service_token", "hvs.{url:94}", "high"),
    ("hvs_root", "vault_service_token", "hvs.{alnum:24}", "high"),
    ("hvb", "vault_batch_token", "hvb.{url:150}", "high"),
    (
        "vault_legacy",
        "vault_service_token",
        "s.{letters:10}{digits:1}{alnum:13}",
        "medium",
    ),
    (
        "hvr",
        "vault_recovery_token",
        "hvr.{url:46}{letters:1}{digits:1}{url:46}",
        "high",
    ),
    (
        "hvr_short",
        "vault_recovery_token",
        "hvr.{alnum:11}{digits:1}{alnum:12}",
        "high",
    ),
    // Keyed by a word with a digit in the body (`split_body`): the
    // templates hold one, next to a letter so it is in such a word.
    (
        "nvapi",
        "nvidia_api_key",
        "nvapi-{url:30}{letters:1}{digits:1}{url:32}",
        "high",
    ),
    (
        "phx",
        "posthog_api_key",
        "phx_{alnum:20}{letters:1}{digits:1}{url:21}",
        "high",
    ),
    (
        "mdb_sa_sk",
        "mongodb_atlas_service_account_secret",
        "mdb_sa_sk_{url:20}{letters:1}{digits:1}{url:18}",
        "high",
    ),
    (
        "sm_aat",
        "settlemint_access_token",
        "sm_aat_{alnum:7}{digits:1}{alnum:8}",
        "high",
    ),
    (
        "sm_pat",
        "settlemint_access_token",
        "sm_pat_{alnum:7}{digits:1}{alnum:8}",
        "high",
    ),
    (
        "sm_sat",
        "settlemint_access_token",
        "sm_sat_{alnum:7}{digits:1}{alnum:8}",
        "high",
    ),
    (
        "ico",
        "infracost_api_key",
        "ico-{alnum:15}{digits:1}{alnum:16}",
        "high",
    ),
    (
        "ddp",
        "deno_deploy_token",
        "ddp_{alnum:17}{digits:1}{alnum:18}",
        "high",
    ),
    (
        "ddw",
        "deno_deploy_token",
        "ddw_{alnum:17}{digits:1}{alnum:18}",
        "high",
    ),
    (
        "pcsk",
        "pinecone_api_key",
        "pcsk_{alnum:5}_{alnum:30}{digits:1}{alnum:32}",
        "high",
    ),
    (
        "apify",
        "apify_api_token",
        "apify_api_{alnum:17}{digits:1}{alnum:18}",
        "high",
    ),
    ("rootly", "rootly_api_key", "rootly_{hex:64}", "high"),
    // Thirteenth probe: keyed by a digit word before or in `+ACR…`, the
    // first word after `0.`/`1.`, a UUID's digit word, the first word of
    // a `BBDC-` body with a digit (`bbdc_back` in creds.rs: the base64 of
    // the token's id may hold none).
    (
        "acr",
        "azure_container_registry_password",
        "{std:30}{letters:1}{digits:1}{alnum:10}+ACR{alnum:6}",
        "high",
    ),
    (
        "entra_rt",
        "entra_refresh_token",
        "1.A{alnum:10}{digits:1}{url:50}.AgABAAEAAAD{url:300}",
        "high",
    ),
    (
        "entra_rt0",
        "entra_refresh_token",
        "0.A{alnum:10}{digits:1}{url:60}.1.Ag{url:260}.A{url:220}",
        "high",
    ),
    ("bbdc", "bitbucket_data_center_token", "BBDC-{bbdc}", "high"),
    // GitHub's and Vercel's base-62 CRC-32 and Cloudflare's hex one.
    ("vcp", "vercel_prefixed_token", "vcp_{crc62:50}", "high"),
    ("vca", "vercel_prefixed_token", "vca_{crc62:30}", "high"),
    ("vck", "vercel_prefixed_token", "vck_{crc62:24}", "high"),
    (
        "cfut",
        "cloudflare_prefixed_token",
        "cfut_{crchex:40}",
        "high",
    ),
    (
        "cfat",
        "cloudflare_prefixed_token",
        "cfat_{crchex:40}",
        "high",
    ),
    (
        "cfk",
        "cloudflare_prefixed_token",
        "cfk_{crchex:40}",
        "high",
    ),
    (
        "ld_sdk",
        "launchdarkly_key",
        "sdk-{hex:8}-{hex:4}-4{hex:3}-a{hex:3}-{hex:12}",
        "medium",
    ),
    (
        "ld_api",
        "launchdarkly_key",
        "api-{hex:8}-{hex:4}-4{hex:3}-9{hex:3}-{hex:12}",
        "medium",
    ),
    (
        "ld_mob",
        "launchdarkly_key",
        "mob-{hex:8}-{hex:4}-4{hex:3}-8{hex:3}-{hex:12}",
        "medium",
    ),
    (
        "langfuse",
        "langfuse_secret_key",
        "sk-lf-{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",
        "high",
    ),
    (
        "voiceflow",
        "voiceflow_api_key",
        "VF.DM.{hex:24}.{alnum:16}",
        "high",
    ),
    (
        "voiceflow_ws",
        "voiceflow_api_key",
        "VF.WS.{hex:24}.{alnum:16}",
        "high",
    ),
    (
        "harness_pat",
        "harness_token",
        "pat.{url:22}.{hex:24}.{alnum:20}",
        "high",
    ),
    (
        "harness_sat",
        "harness_token",
        "sat.{url:22}.{hex:24}.{alnum:20}",
        "high",
    ),
    ("age", "age_secret_key", "{age}", "high"),
    (
        "braintree",
        "braintree_access_token",
        "access_token$production${lower36:16}${hex:32}",
        "high",
    ),
    (
        "braintree-sandbox",
        "braintree_access_token",
        "access_token$sandbox${lower36:16}${hex:32}",
        "high",
    ),
    ("mws", "amazon_mws_auth_token", "amzn.mws.{uuid}", "high"),
    (
        "bcrypt",
        "password_hash",
        "$2b$1{digits:1}${c64:53}",
        "medium",
    ),
    ("md5crypt", "password_hash", "$1${c64:8}${c64:22}", "medium"),
    ("apr1", "password_hash", "$apr1${c64:8}${c64:22}", "medium"),
    (
        "sha256crypt",
        "password_hash",
        "$5$rounds=5000${c64:16}${c64:43}",
        "medium",
    ),
    (
        "sha512crypt",
        "password_hash",
        "$6${c64:16}${c64:86}",
        "medium",
    ),
    (
        "yescrypt",
        "password_hash",
        "$y$j9T${c64:22}${c64:43}",
        "medium",
    ),
    (
        "argon2id",
        "password_hash",
        "$argon2id$v=19$m=65536,t=3,p=4${std:22}${std:43}",
        "medium",
    ),
    ("p12", "pkcs12_file", "{p12}", "high"),
    ("jenkins", "jenkins_encrypted_secret", "{jenkins}", "high"),
    ("dop", "digitalocean_pat", "dop_v1_{hex:64}", "high"),
    ("doo", "digitalocean_oauth_token", "doo_v1_{hex:64}", "high"),
    (
        "dor",
        "digitalocean_refresh_token",
        "dor_v1_{hex:64}",
        "high",
    ),
    ("ltai", "alibaba_access_key_id", "LTAI{alnum:20}", "high"),
    (
        "azure_ad",
        "azure_ad_client_secret",
        "{alnum:3}{digits:1}Q~{url:34}",
        "high",
    ),
    (
        "gocspx",
        "google_oauth_client_secret",
        "GOCSPX-{url:28}",
        "high",
    ),
    (
        "ya29",
        "google_oauth_access_token",
        "ya29.{url:150}",
        "high",
    ),
    (
        "fcm",
        "firebase_cloud_messaging_key",
        "AAAA{url:7}:APA91b{url:134}",
        "high",
    ),
    (
        "cf_origin",
        "cloudflare_origin_ca_key",
        "v1.0-{hex:24}-{hex:146}",
        "high",
    ),
    ("hrku", "heroku_api_key", "HRKU-AA{url:58}", "high"),
    ("nfp", "netlify_token", "nfp_{alnum:36}", "high"),
    ("rnd", "render_api_key", "rnd_{alnum:32}", "high"),
    ("sbp", "supabase_token", "sbp_{hex:40}", "high"),
    (
        "pscale_tkn",
        "planetscale_token",
        "pscale_tkn_{url:43}",
        "high",
    ),
    (
        "pscale_oauth",
        "planetscale_token",
        "pscale_oauth_{url:43}",
        "high",
    ),
    (
        "pscale_pw",
        "planetscale_password",
        "pscale_pw_{url:43}",
        "high",
    ),
    ("dapi", "databricks_token", "dapi{hex:32}", "high"),
    ("dapi2", "databricks_token", "dapi{hex:32}-2", "high"),
    (
        "atlasv1",
        "terraform_cloud_token",
        "{lower36:14}.atlasv1.{url:67}",
        "high",
    ),
    ("pul", "pulumi_token", "pul-{hex:40}", "high"),
    ("bkua", "buildkite_token", "bkua_{hex:40}", "high"),
    ("sk-or", "openrouter_api_key", "sk-or-v1-{hex:64}", "high"),
    ("scalingo", "scalingo_token", "tk-us-{url:48}", "high"),
    ("aqvn", "yandex_api_key", "AQVN{url:36}", "high"),
    (
        "tskey",
        "tailscale_key",
        "tskey-auth-{alnum:12}CNTRL-{alnum:33}",
        "high",
    ),
    ("sha256", "openshift_token", "sha256~{url:43}", "high"),
    ("atbb", "bitbucket_app_password", "ATBB{alnum:32}", "high"),
    ("atatt3", "atlassian_api_token", "ATATT3{url:186}", "high"),
    ("atctt3", "atlassian_api_token", "ATCTT3{url:186}", "high"),
    ("sgp", "sourcegraph_token", "sgp_{hex:16}_{hex:40}", "high"),
    ("sgp40", "sourcegraph_token", "sgp_{hex:40}", "high"),
    (
        "sgp_local",
        "sourcegraph_token",
        "sgp_local_{hex:40}",
        "high",
    ),
    ("lin", "linear_api_key", "lin_api_{alnum:40}", "high"),
    ("ntn", "notion_token", "ntn_{digits:11}{alnum:35}", "high"),
    ("rubygems", "rubygems_api_key", "rubygems_{hex:48}", "high"),
    ("clojars", "clojars_token", "CLOJARS_{lower36:60}", "high"),
    ("oy2", "nuget_api_key", "oy2{lower36:43}", "high"),
    ("4b1d", "clickhouse_api_secret", "4b1d{alnum:38}", "high"),
    ("da2", "appsync_api_key", "da2-{lower36:26}", "high"),
    // Keyed by a digit in the body: the one body in 4,500 without one is
    // not found (see docs/detectors.md, *Keys*).
    (
        "octopus",
        "octopus_deploy_api_key",
        "API-{upper36:13}{digits:1}{upper36:12}",
        "high",
    ),
    (
        "00D",
        "salesforce_access_token",
        "00D{alnum:12}!{url:96}",
        "high",
    ),
    ("zoho", "zoho_oauth_token", "1000.{hex:32}.{hex:32}", "high"),
    ("dckr_pat", "docker_hub_token", "dckr_pat_{url:27}", "high"),
    ("dckr_oat", "docker_hub_token", "dckr_oat_{url:32}", "high"),
    ("pmak", "postman_api_key", "PMAK-{hex:24}-{hex:34}", "high"),
    (
        "ccipat",
        "circleci_token",
        "CCIPAT_{alnum:22}_{hex:40}",
        "high",
    ),
    (
        "ccipr",
        "circleci_token",
        "CCIPRJ_{alnum:22}_{hex:40}",
        "high",
    ),
    ("sntryu", "sentry_auth_token", "sntryu_{hex:64}", "high"),
    ("sntrys", "sentry_auth_token", "{sntrys}", "high"),
    ("rdme", "readme_api_key", "rdme_{lower36:70}", "high"),
    ("pnu", "prefect_api_key", "pnu_{alnum:36}", "high"),
    ("figd", "figma_token", "figd_{url:40}", "high"),
    ("fio", "frameio_token", "fio-u-{url:64}", "high"),
    ("tfp", "typeform_token", "tfp_{url:59}", "high"),
    ("cfpat", "contentful_token", "CFPAT-{url:43}", "high"),
    ("akcp", "jfrog_api_key", "AKCp{alnum:69}", "high"),
    ("cmvmd", "jfrog_identity_token", "cmVmd{alnum:59}", "high"),
    ("sqp", "sonarqube_token", "sqp_{hex:40}", "high"),
    ("squ", "sonarqube_token", "squ_{hex:40}", "high"),
    (
        "hubspot",
        "hubspot_private_app_token",
        "pat-na1-{uuid}",
        "high",
    ),
    ("grafana", "grafana_api_key", "{grafana}", "high"),
    ("glc", "grafana_cloud_token", "glc_{std:120}", "high"),
    (
        "glsa",
        "grafana_service_account_token",
        "glsa_{alnum:32}_{hex:8}",
        "high",
    ),
    (
        "dt0c01",
        "dynatrace_token",
        "dt0c01.{upper36:24}.{upper36:64}",
        "high",
    ),
    ("nrak", "new_relic_user_key", "NRAK-{upper36:27}", "high"),
    ("nrii", "new_relic_insert_key", "NRII-{url:32}", "high"),
    ("nrjs", "new_relic_browser_key", "NRJS-{hex:19}", "medium"),
    (
        "nral",
        "new_relic_license_key",
        "eu01xx{hex:30}NRAL",
        "high",
    ),
    ("nral_us", "new_relic_license_key", "{hex:36}NRAL", "high"),
    ("nrra", "new_relic_api_key", "NRRA-{hex:42}", "high"),
    ("nraa", "new_relic_api_key", "NRAA-{hex:27}", "high"),
    // Keyed by a digit in the body: the one body in 280 without one is
    // not found (see docs/detectors.md, *Keys*).
    (
        "tvly",
        "tavily_api_key",
        "tvly-{alnum:20}{digits:1}{alnum:11}",
        "high",
    ),
    (
        "tvly_dev",
        "tavily_api_key",
        "tvly-dev-{alnum:20}{digits:1}{alnum:11}",
        "high",
    ),
    (
        "cio",
        "cratesio_api_token",
        "cio{alnum:16}{digits:1}{alnum:15}",
        "high",
    ),
    (
        "sgp_segment",
        "segment_public_api_token",
        "sgp_{alnum:64}",
        "high",
    ),
    (
        "aio",
        "adafruit_io_key",
        "aio_{alnum:14}{digits:1}{alnum:13}",
        "high",
    ),
    (
        "ion",
        "ionic_token",
        "ion_{alnum:20}{digits:1}{alnum:21}",
        "high",
    ),
    ("slk", "sourcegraph_token", "slk_{hex:64}", "high"),
    (
        "tkn",
        "teamwork_token",
        "tkn.v1_{alnum:35}{digits:1}{alnum:35}=",
        "high",
    ),
    (
        "odt",
        "dependency_track_api_key",
        "odt_{alnum:16}{digits:1}{alnum:15}",
        "high",
    ),
    (
        "mmk",
        "maxmind_license_key",
        "{alnum:6}_{alnum:14}{digits:1}{alnum:14}_mmk",
        "high",
    ),
    (
        "azdo",
        "azure_devops_pat",
        "{alnum:52}JQQJ99BFACAAAAA{alnum:5}AAASAZDO{alnum:4}",
        "high",
    ),
    ("mailgun", "mailgun_api_key", "key-{hex:32}", "medium"),
    (
        "mailchimp",
        "mailchimp_api_key",
        "{hex:32}-us{digits:1}4",
        "high",
    ),
    (
        "xkeysib",
        "brevo_api_key",
        "xkeysib-{hex:64}-{alnum:16}",
        "high",
    ),
    (
        "xsmtpsib",
        "brevo_api_key",
        "xsmtpsib-{hex:64}-{alnum:16}",
        "high",
    ),
    ("twilio", "twilio_api_key", "SK{hex:32}", "medium"),
    (
        "telegram",
        "telegram_bot_token",
        "7{digits:9}:AA{url:33}",
        "high",
    ),
    ("discord", "discord_bot_token", "{discord}", "high"),
    (
        "xapp",
        "slack_app_token",
        "xapp-1-A{upper36:10}-{digits:13}-{hex:64}",
        "high",
    ),
    (
        "xoxe_xoxp",
        "slack_config_token",
        "xoxe.xoxp-1-{upper36:166}",
        "high",
    ),
    ("xoxe", "slack_config_token", "xoxe-1-{upper36:146}", "high"),
    (
        "xoxb",
        "slack_token",
        "xoxb-{digits:10}-{digits:13}-{alnum:24}",
        "high",
    ),
    (
        "xoxp",
        "slack_token",
        "xoxp-{digits:10}-{digits:12}-{digits:13}-{hex:32}",
        "high",
    ),
    ("intercom", "intercom_access_token", "{intercom}", "high"),
    ("shpat", "shopify_access_token", "shpat_{hex:32}", "high"),
    (
        "shpca",
        "shopify_custom_app_token",
        "shpca_{hex:32}",
        "high",
    ),
    (
        "shppa",
        "shopify_private_app_token",
        "shppa_{hex:32}",
        "high",
    ),
    ("shpss", "shopify_shared_secret", "shpss_{hex:32}", "high"),
    ("eaaa", "square_access_token", "EAAA{url:60}", "high"),
    ("sq0atp", "square_access_token", "sq0atp-{url:22}", "high"),
    ("sq0csp", "square_oauth_secret", "sq0csp-{url:43}", "high"),
    ("whsec", "stripe_webhook_secret", "whsec_{alnum:32}", "high"),
    ("stripe_live", "stripe_key", "sk_live_{alnum:24}", "high"),
    ("stripe_rk", "stripe_key", "rk_live_{alnum:24}", "high"),
    ("stripe_test", "stripe_key", "sk_test_{alnum:24}", "low"),
    (
        "facebook",
        "facebook_access_token",
        "EAAG{alnum:150}",
        "high",
    ),
    (
        "twitter",
        "twitter_bearer_token",
        "AAAAAAAAAAAAAAAAAAAAAA{alnum:90}",
        "high",
    ),
    ("mapbox_sk", "mapbox_token", "{mapbox:sk}", "high"),
    ("mapbox_tk", "mapbox_token", "{mapbox:tk}", "medium"),
    ("mapbox_pk", "mapbox_token", "{mapbox:pk}", "low"),
    ("dropbox", "dropbox_token", "sl.{url:135}", "high"),
    (
        "dropbox_ll",
        "dropbox_long_lived_token",
        "{lower36:11}AAAAAAAAAA{url:43}",
        "medium",
    ),
    (
        "airtable",
        "airtable_token",
        "pat{alnum:14}.{hex:64}",
        "high",
    ),
    (
        "asana",
        "asana_token",
        "2/{digits:16}/{digits:16}:{hex:32}",
        "high",
    ),
    ("asana1", "asana_token", "1/{digits:16}:{hex:32}", "high"),
    (
        "flw",
        "flutterwave_secret_key",
        "FLWSECK-{hex:32}-X",
        "high",
    ),
    (
        "flw_test",
        "flutterwave_secret_key",
        "FLWSECK_TEST-{hex:32}-X",
        "low",
    ),
    ("gocardless", "gocardless_token", "live_{url:40}", "medium"),
    ("lob", "lob_api_key", "live_{hex:35}", "high"),
    ("lob_pub", "lob_api_key", "live_pub_{hex:31}", "low"),
    ("shippo", "shippo_api_token", "shippo_live_{hex:40}", "high"),
    (
        "shippo_test",
        "shippo_api_token",
        "shippo_test_{hex:40}",
        "low",
    ),
    ("duffel", "duffel_api_token", "duffel_live_{url:43}", "high"),
    ("ezak", "easypost_api_key", "EZAK{alnum:54}", "high"),
    ("p8e", "adobe_client_secret", "p8e-{alnum:32}", "high"),
    (
        "p8e_dash",
        "adobe_client_secret",
        "p8e-{alnum:25}-{alnum:6}",
        "high",
    ),
    ("aiza", "google_api_key", "AIza{url:35}", "high"),
    (
        "sendgrid",
        "sendgrid_api_key",
        "SG.{url:22}.{url:43}",
        "high",
    ),
];

/// Formats with a checksum or a checked structure, and the part of the
/// token (byte range) a one-character change must be caught in.
pub const CHECKSUMMED: &[(&str, usize, usize)] = &[
    ("ghp", 4, 40),
    ("gho", 4, 40),
    ("ghu", 4, 40),
    ("ghs", 4, 40),
    ("ghr", 4, 40),
    ("npm", 4, 40),
    ("age", 16, 74),
    // The macaroon's header: version, location, identifier field.
    ("pypi", 5, 20),
    // The `O` that encodes the `:` after the 12-digit id.
    ("bbdc", 21, 22),
    ("vcp", 4, 60),
    ("cfut", 5, 53),
];

/// The token of kind `name` for `seed`.
pub fn token(name: &str, seed: u64) -> Option<(String, &'static str, &'static str)> {
    let &(_, det, tpl, conf) = KINDS.iter().find(|k| k.0 == name)?;
    let mut rng = Rng::new(seed);
    // A random body that happens to spell a placeholder word
    // (`glpat-aIK_VDuMMyfnOJXvmxrn`) is dropped by design: draw again.
    // Bounded: a template that always spelled one would be a bug here.
    (0..1000).find_map(|_| {
        let tok = expand(tpl, &mut rng);
        let lower = tok.to_ascii_lowercase();
        let spells = cordon_detect::placeholder_words()
            .iter()
            .any(|w| lower.as_bytes().windows(w.len()).any(|x| x == *w));
        (!spells).then_some((tok, det, conf))
    })
}

/// Changes the character at `i` to another of the same kind (digit for
/// digit, upper for upper, lower for lower), so the token keeps its shape.
pub fn flip(tok: &str, i: usize) -> String {
    let mut b = tok.as_bytes().to_vec();
    let c = b[i];
    b[i] = match c {
        b'0'..=b'8' | b'a'..=b'y' | b'A'..=b'Y' => c + 1,
        b'9' => b'0',
        b'z' => b'a',
        b'Z' => b'A',
        other => other,
    };
    String::from_utf8(b).unwrap()
}

/// Expands `%%name:seed%%` (a generated token), `%%name:seed:flip=i%%`
/// (one character changed) and `%%name:seed:cut%%` (the last character
/// removed) in a line of `cases.tsv`.
pub fn expand_line(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(p) = rest.find("%%") {
        out.push_str(&rest[..p]);
        let q = rest[p + 2..].find("%%").expect("closing %%") + p + 2;
        let spec = &rest[p + 2..q];
        rest = &rest[q + 2..];
        let mut parts = spec.split(':');
        let name = parts.next().unwrap();
        let seed: u64 = parts.next().unwrap_or("1").parse().unwrap();
        let (mut tok, _, _) = token(name, seed).unwrap_or_else(|| panic!("unknown kind {name}"));
        for m in parts {
            if let Some(i) = m.strip_prefix("flip=") {
                tok = flip(&tok, i.parse().unwrap());
            } else if m == "cut" {
                tok.pop();
            } else {
                panic!("unknown change {m}");
            }
        }
        out.push_str(&tok);
    }
    out.push_str(rest);
    out
}
