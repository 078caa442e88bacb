//! The identifier families of issue #16, property-tested: values built
//! from random serial numbers (the structural prefix of each published
//! example kept, the rest random, the check digit found by trying all
//! ten) are found in every documented layout next to their word, exactly
//! one check digit is accepted, and with another check digit (or, for
//! algorithms that catch every single substitution, any one digit
//! changed) nothing is reported.

use cordon_detect::Detectors;
use cordon_detect::validate as v;
use proptest::prelude::*;

struct Fam {
    id: &'static str,
    check: fn(&[u8]) -> bool,
    /// A valid value (digits only).
    example: &'static str,
    /// Leading digits kept from the example (dates, prefixes, codes).
    keep: usize,
    ctx: &'static str,
    /// Printed layouts: group lengths and separator (empty: contiguous).
    layouts: &'static [(&'static [usize], &'static str)],
    /// The algorithm catches every single-digit substitution.
    all_singles: bool,
}

const CONTIGUOUS: (&[usize], &str) = (&[], "");

fn fams() -> Vec<Fam> {
    vec![
        Fam {
            id: "imei",
            check: v::imei,
            example: "352099001761481",
            keep: 2,
            ctx: "IMEI",
            layouts: &[CONTIGUOUS, (&[2, 6, 6, 1], "-"), (&[2, 6, 6, 1], " ")],
            all_singles: true,
        },
        Fam {
            id: "cz_birth_number",
            check: v::cz_birth_number,
            example: "5908248588",
            keep: 6,
            ctx: "rodné číslo",
            layouts: &[CONTIGUOUS, (&[6, 4], "/")],
            all_singles: false,
        },
        Fam {
            id: "bg_egn",
            check: v::bg_egn,
            example: "6102235647",
            keep: 6,
            ctx: "EGN",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "ro_cnp",
            check: v::ro_cnp,
            example: "1900208303008",
            keep: 9,
            ctx: "CNP",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "hr_oib",
            check: v::hr_oib,
            example: "45699304061",
            keep: 1,
            ctx: "OIB",
            layouts: &[CONTIGUOUS],
            all_singles: true,
        },
        Fam {
            id: "si_emso",
            check: v::si_emso,
            example: "2811004508489",
            keep: 9,
            ctx: "EMŠO",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "jmbg",
            check: v::jmbg,
            example: "0101990710008",
            keep: 9,
            ctx: "JMBG",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "mx_nss",
            check: v::mx_nss,
            example: "18977210345",
            keep: 2,
            ctx: "NSS",
            layouts: &[CONTIGUOUS],
            all_singles: true,
        },
        Fam {
            id: "ru_ogrn",
            check: v::ru_ogrn,
            example: "1022200525819",
            keep: 1,
            ctx: "ОГРН",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "ru_ogrn",
            check: v::ru_ogrn,
            example: "385768585948949",
            keep: 1,
            ctx: "ОГРНИП",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "ee_isikukood",
            check: v::ee_lt_personal_code,
            example: "34310207974",
            keep: 7,
            ctx: "isikukood",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "lt_asmens_kodas",
            check: v::ee_lt_personal_code,
            example: "48403232139",
            keep: 7,
            ctx: "asmens kodas",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "gr_amka",
            check: v::gr_amka,
            example: "12024241205",
            keep: 6,
            ctx: "AMKA",
            layouts: &[CONTIGUOUS],
            all_singles: true,
        },
        Fam {
            id: "tr_tckn",
            check: v::tr_tckn,
            example: "22171092240",
            keep: 1,
            ctx: "TC Kimlik No",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "il_id",
            check: v::il_id,
            example: "236051660",
            keep: 0,
            ctx: "teudat zehut",
            layouts: &[CONTIGUOUS],
            all_singles: true,
        },
        Fam {
            id: "ar_cuit",
            check: v::ar_cuit,
            example: "20366093681",
            keep: 2,
            ctx: "CUIT",
            layouts: &[CONTIGUOUS, (&[2, 8, 1], "-")],
            all_singles: false,
        },
        Fam {
            id: "fr_siren",
            check: v::luhn,
            example: "902599190",
            keep: 0,
            ctx: "SIREN",
            layouts: &[CONTIGUOUS, (&[3, 3, 3], " ")],
            all_singles: true,
        },
        Fam {
            id: "fr_siret",
            check: v::luhn,
            example: "94729649796811",
            keep: 0,
            ctx: "SIRET",
            layouts: &[CONTIGUOUS, (&[3, 3, 3, 5], " ")],
            all_singles: true,
        },
        Fam {
            id: "au_abn",
            check: v::au_abn,
            example: "51824753556",
            keep: 1,
            ctx: "ABN",
            layouts: &[CONTIGUOUS, (&[2, 3, 3, 3], " ")],
            all_singles: false,
        },
        Fam {
            id: "au_acn",
            check: v::au_acn,
            example: "004085616",
            keep: 0,
            ctx: "ACN",
            layouts: &[CONTIGUOUS, (&[3, 3, 3], " ")],
            all_singles: false,
        },
        Fam {
            id: "au_ihi",
            check: v::au_health_identifier,
            example: "8003606188523868",
            keep: 6,
            ctx: "IHI",
            layouts: &[CONTIGUOUS, (&[4, 4, 4, 4], " ")],
            all_singles: true,
        },
        Fam {
            id: "ca_ohip",
            check: v::luhn,
            example: "9301344595",
            keep: 1,
            ctx: "OHIP",
            layouts: &[CONTIGUOUS, (&[4, 3, 3], "-")],
            all_singles: true,
        },
        Fam {
            id: "no_bank_account",
            check: v::no_bank_account,
            example: "61527146134",
            keep: 0,
            ctx: "kontonummer",
            layouts: &[CONTIGUOUS, (&[4, 2, 5], ".")],
            all_singles: true,
        },
        Fam {
            id: "be_bank_account",
            check: v::be_bank_account,
            example: "510684192082",
            keep: 0,
            ctx: "rekeningnummer",
            layouts: &[(&[3, 7, 2], "-")],
            all_singles: false,
        },
        Fam {
            id: "mx_clabe",
            check: v::mx_clabe,
            example: "368276623762570129",
            keep: 0,
            ctx: "CLABE",
            layouts: &[CONTIGUOUS],
            all_singles: true,
        },
        Fam {
            id: "fi_ytunnus",
            check: v::fi_ytunnus,
            example: "19792589",
            keep: 0,
            ctx: "Y-tunnus",
            layouts: &[(&[7, 1], "-")],
            all_singles: true,
        },
        Fam {
            id: "no_orgnr",
            check: v::no_orgnr,
            example: "855002795",
            keep: 1,
            ctx: "organisasjonsnummer",
            layouts: &[CONTIGUOUS, (&[3, 3, 3], " ")],
            all_singles: true,
        },
        Fam {
            id: "dk_cvr",
            check: v::dk_cvr,
            example: "41935952",
            keep: 1,
            ctx: "CVR",
            layouts: &[CONTIGUOUS],
            all_singles: true,
        },
        Fam {
            id: "se_orgnr",
            check: v::se_orgnr,
            example: "5594312711",
            keep: 3,
            ctx: "organisationsnummer",
            layouts: &[CONTIGUOUS, (&[6, 4], "-")],
            all_singles: true,
        },
        Fam {
            id: "pt_nif",
            check: v::pt_nif,
            example: "288502159",
            keep: 1,
            ctx: "NIF",
            layouts: &[CONTIGUOUS, (&[3, 3, 3], " ")],
            all_singles: false,
        },
        Fam {
            id: "it_partita_iva",
            check: v::it_partita_iva,
            example: "39301890016",
            keep: 0,
            ctx: "partita IVA",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "th_national_id",
            check: v::th_national_id,
            example: "5300712083659",
            keep: 1,
            ctx: "Thai national ID",
            layouts: &[CONTIGUOUS, (&[1, 4, 5, 2, 1], "-")],
            all_singles: false,
        },
        Fam {
            id: "kr_brn",
            check: v::kr_brn,
            example: "3457315526",
            keep: 0,
            ctx: "사업자등록번호",
            layouts: &[(&[3, 2, 5], "-")],
            all_singles: false,
        },
        Fam {
            id: "es_nss",
            check: v::es_nss,
            example: "285983324088",
            keep: 2,
            ctx: "NSS",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "ca_sin",
            check: v::luhn,
            example: "046454286",
            keep: 1,
            ctx: "SIN",
            layouts: &[CONTIGUOUS, (&[3, 3, 3], " "), (&[3, 3, 3], "-")],
            all_singles: true,
        },
        Fam {
            id: "nl_bsn",
            check: v::nl_bsn,
            example: "111222333",
            keep: 0,
            ctx: "BSN",
            layouts: &[CONTIGUOUS, (&[4, 2, 3], "."), (&[3, 3, 3], " ")],
            all_singles: true,
        },
        Fam {
            id: "de_tax_id",
            check: v::de_tax_id,
            example: "86095742719",
            keep: 10,
            ctx: "Steuer-ID",
            layouts: &[CONTIGUOUS, (&[2, 3, 3, 3], " ")],
            all_singles: false,
        },
        Fam {
            id: "uk_nhs",
            check: v::uk_nhs,
            example: "9434765919",
            keep: 1,
            ctx: "NHS",
            layouts: &[CONTIGUOUS, (&[3, 3, 4], " "), (&[3, 3, 4], "-")],
            all_singles: true,
        },
        Fam {
            id: "cz_ico",
            check: v::cz_ico,
            example: "25596641",
            keep: 1,
            ctx: "IČO",
            layouts: &[CONTIGUOUS, (&[3, 2, 3], " ")],
            all_singles: false,
        },
        Fam {
            id: "ee_registrikood",
            check: v::ee_registrikood,
            example: "10137319",
            keep: 1,
            ctx: "registrikood",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "ir_national_id",
            check: v::ir_national_id,
            example: "0499370899",
            keep: 3,
            ctx: "کد ملی",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "ua_rnokpp",
            check: v::ua_rnokpp,
            example: "3006321856",
            keep: 1,
            ctx: "РНОКПП",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "ru_inn",
            check: v::ru_inn,
            example: "500100732259",
            keep: 2,
            ctx: "ИНН",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "ru_snils",
            check: v::ru_snils,
            example: "11223344595",
            keep: 3,
            ctx: "СНИЛС",
            layouts: &[CONTIGUOUS, (&[3, 3, 3, 2], "-")],
            all_singles: false,
        },
        Fam {
            id: "lv_personas_kods",
            check: v::lv_personas_kods,
            example: "01011012344",
            keep: 7,
            ctx: "personas kods",
            layouts: &[CONTIGUOUS, (&[6, 5], "-")],
            all_singles: false,
        },
        Fam {
            id: "fr_numero_fiscal",
            check: v::fr_numero_fiscal,
            example: "3023217600053",
            keep: 1,
            ctx: "numéro fiscal",
            layouts: &[CONTIGUOUS, (&[2, 2, 3, 3, 3], " ")],
            all_singles: false,
        },
        Fam {
            id: "hu_tax_id",
            check: v::hu_tax_id,
            example: "8071592153",
            keep: 1,
            ctx: "adóazonosító jel",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "ua_edrpou",
            check: v::ua_edrpou,
            example: "32855961",
            keep: 1,
            ctx: "ЄДРПОУ",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "ro_cui",
            check: v::ro_cui,
            example: "18547290",
            keep: 1,
            ctx: "CUI",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "pl_regon",
            check: v::pl_regon,
            example: "123456785",
            keep: 1,
            ctx: "REGON",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "pl_regon",
            check: v::pl_regon,
            example: "12345678512347",
            keep: 9,
            ctx: "REGON",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "tr_vkn",
            check: v::tr_vkn,
            example: "4540536920",
            keep: 1,
            ctx: "Vergi Kimlik No",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "cn_uscc",
            check: v::cn_uscc,
            example: "121200004013590816",
            keep: 8,
            ctx: "统一社会信用代码",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "ph_tin",
            check: v::ph_tin,
            example: "079244026",
            // Starting 9 with "TIN" beside it, a number in a US ITIN's
            // ranges is one (one number, one type).
            keep: 1,
            ctx: "TIN",
            layouts: &[CONTIGUOUS, (&[3, 3, 3], "-"), (&[3, 3, 3], " ")],
            all_singles: true,
        },
        Fam {
            id: "ng_nin",
            check: v::ng_nin,
            example: "21547280385",
            keep: 0,
            ctx: "NIN",
            layouts: &[CONTIGUOUS],
            all_singles: true,
        },
        Fam {
            id: "vn_mst",
            check: v::vn_mst,
            example: "0100233488",
            keep: 2,
            ctx: "Mã số thuế",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "pe_ruc",
            check: v::pe_ruc,
            example: "20512333797",
            keep: 2,
            ctx: "RUC",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "ec_ci",
            check: v::ec_ci,
            example: "1714307103",
            keep: 3,
            ctx: "cédula",
            layouts: &[CONTIGUOUS, (&[9, 1], "-")],
            all_singles: true,
        },
        Fam {
            id: "co_nit",
            check: v::co_nit,
            example: "8000031226",
            keep: 0,
            ctx: "NIT",
            layouts: &[CONTIGUOUS, (&[9, 1], "-")],
            all_singles: false,
        },
        Fam {
            id: "ae_emirates_id",
            check: v::ae_emirates_id,
            example: "784199012345676",
            keep: 7,
            ctx: "Emirates ID",
            layouts: &[CONTIGUOUS, (&[3, 4, 7, 1], "-")],
            all_singles: true,
        },
        Fam {
            id: "si_tax_number",
            check: v::si_tax_number,
            example: "15012557",
            keep: 1,
            ctx: "davčna številka",
            layouts: &[CONTIGUOUS],
            all_singles: false,
        },
        Fam {
            id: "at_tin",
            check: v::luhn,
            example: "931736581",
            keep: 2,
            ctx: "Abgabenkontonummer",
            layouts: &[CONTIGUOUS],
            all_singles: true,
        },
        Fam {
            id: "hu_personal_id",
            check: v::hu_personal_id,
            example: "18503121232",
            // The sex and century digit and the birth date: the date
            // decides the weights, so a changed date digit may pass.
            keep: 7,
            ctx: "személyi azonosító",
            layouts: &[CONTIGUOUS, (&[1, 6, 4], " "), (&[1, 6, 4], "-")],
            all_singles: false,
        },
        Fam {
            id: "br_rg",
            check: v::br_rg_digits,
            example: "312031312",
            keep: 0,
            ctx: "RG",
            layouts: &[CONTIGUOUS, (&[8, 1], "-")],
            all_singles: true,
        },
        Fam {
            id: "br_cnh",
            check: v::br_cnh,
            example: "02650306461",
            keep: 0,
            ctx: "CNH",
            layouts: &[CONTIGUOUS],
            // A first check of 10 is written 0, as is one of 0.
            all_singles: false,
        },
        Fam {
            id: "do_cedula",
            check: v::do_cedula,
            example: "00113918205",
            keep: 3,
            ctx: "Cédula",
            layouts: &[CONTIGUOUS, (&[3, 7, 1], "-")],
            all_singles: true,
        },
        Fam {
            id: "sv_nit",
            check: v::sv_nit,
            example: "06140507071048",
            keep: 10,
            ctx: "NIT",
            layouts: &[CONTIGUOUS, (&[4, 6, 3, 1], "-")],
            // A weight of 11 (the older numbers') hides a change there.
            all_singles: false,
        },
        Fam {
            id: "br_pis",
            check: v::br_pis,
            example: "12044546835",
            keep: 0,
            ctx: "PIS/PASEP",
            layouts: &[CONTIGUOUS, (&[3, 5, 2, 1], " "), (&[3, 5, 2, 1], ".")],
            all_singles: false,
        },
    ]
}

fn print(d: &str, layout: &[usize], sep: &str) -> String {
    if layout.is_empty() {
        return d.to_string();
    }
    let mut out = Vec::new();
    let mut i = 0;
    for &k in layout {
        out.push(&d[i..i + k]);
        i += k;
    }
    out.join(sep)
}

fn found(det: &Detectors, id: &str, ctx: &str, printed: &str) -> (bool, bool) {
    let text = format!("{ctx}: {printed}.");
    let (s, e) = (ctx.len() + 2, ctx.len() + 2 + printed.len());
    let fs = det.scan(text.as_bytes());
    let exact = fs
        .iter()
        .any(|f| f.detector == id && f.start == s && f.end == e);
    let any = fs
        .iter()
        .any(|f| f.detector == id && f.start < e && s < f.end);
    (exact, any)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    #[test]
    fn ids_found_in_every_layout_and_single_changes_rejected(
        which in 0usize..63,
        serial in proptest::collection::vec(0u8..10, 32),
        pos in 0usize..32,
        delta in 1u8..10,
    ) {
        let fams = fams();
        let f = &fams[which % fams.len()];
        let n = f.example.len();
        let mut body: Vec<u8> = f.example.as_bytes()[..f.keep].to_vec();
        body.extend(serial.iter().take(n - 1 - f.keep).map(|d| b'0' + d));
        let ok: Vec<u8> = (b'0'..=b'9')
            .filter(|&c| {
                let mut x = body.clone();
                x.push(c);
                (f.check)(&x)
            })
            .collect();
        prop_assume!(!ok.is_empty());
        prop_assert_eq!(ok.len(), 1, "{}: more than one check digit accepted for {:?}", f.id, String::from_utf8_lossy(&body));
        let mut value = body.clone();
        value.push(ok[0]);
        let value = String::from_utf8(value).unwrap();
        let det = Detectors::new();
        for (layout, sep) in f.layouts {
            let printed = print(&value, layout, sep);
            prop_assert!(found(&det, f.id, f.ctx, &printed).0, "{} not found in {:?}", f.id, printed);
            // Another check digit: nothing.
            let mut bad = value.clone().into_bytes();
            let last = bad.len() - 1;
            bad[last] = b'0' + (bad[last] - b'0' + delta) % 10;
            let bad = String::from_utf8(bad).unwrap();
            prop_assert!(!found(&det, f.id, f.ctx, &print(&bad, layout, sep)).1, "{} reported with a wrong check digit: {:?}", f.id, bad);
        }
        if f.all_singles {
            let i = pos % n;
            let mut bad = value.clone().into_bytes();
            bad[i] = b'0' + (bad[i] - b'0' + delta) % 10;
            prop_assert!(!(f.check)(&bad), "{}: one digit changed still valid: {:?}", f.id, String::from_utf8_lossy(&bad));
        }
    }
}

/// The one check character of `alphabet` that completes `body` (at its
/// end, or at its start with `first`), if exactly one does.
fn complete(body: &str, alphabet: &str, first: bool, ok: impl Fn(&str) -> bool) -> Option<String> {
    let all: Vec<String> = alphabet
        .chars()
        .map(|c| {
            if first {
                format!("{c}{body}")
            } else {
                format!("{body}{c}")
            }
        })
        .filter(|v| ok(v))
        .collect();
    (all.len() == 1).then(|| all[0].clone())
}

/// Another character of `alphabet` in place `i`.
fn change(v: &str, i: usize, alphabet: &str, k: usize) -> String {
    let cs: Vec<char> = v.chars().collect();
    let alts: Vec<char> = alphabet.chars().filter(|&c| c != cs[i]).collect();
    let mut out = cs.clone();
    out[i] = alts[k % alts.len()];
    out.into_iter().collect()
}

fn scan_finds(det: &Detectors, id: &str, text: &str, value: &str) -> (bool, bool) {
    let s = text.find(value).unwrap();
    let e = s + value.len();
    let fs = det.scan(text.as_bytes());
    (
        fs.iter()
            .any(|f| f.detector == id && f.start == s && f.end == e),
        fs.iter()
            .any(|f| f.detector == id && f.start < e && s < f.end),
    )
}

const HEX: &str = "0123456789ABCDEF";

/// (id, word, value, printed layouts, reported alone, a bad value).
type Case2 = (
    &'static str,
    &'static str,
    String,
    Vec<String>,
    bool,
    String,
);
const DIGITS: &str = "0123456789";

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    /// The identifiers of #16's second round: a value built from random
    /// parts is found in each layout next to its word (and alone where
    /// the type is reported alone), and its check character changed it is
    /// not reported.
    #[test]
    fn second_round_ids_found_and_bad_checks_rejected(
        which in 0usize..7,
        hexes in "[0-9A-F]{13}",
        nums in "[0-9]{17}",
        letters in "[A-Z]{4}",
        home in "[1-9A-V][1-9A-Z]",
        k in 0usize..40,
        yymmdd in (0u32..100, 1u32..13, 1u32..29),
    ) {
        let det = Detectors::new();
        let (yy, mm, dd) = yymmdd;
        let date = format!("{yy:02}{mm:02}{dd:02}");
        // (id, word, value, printed layouts, reported alone, bad value)
        let cases: Vec<Case2> = match which {
            0 => {
                let body = &nums[..9];
                let Some(v) = complete(body, DIGITS, true, |x| cordon_detect::validate::uk_utr(x.as_bytes())) else { return Ok(()) };
                let bad = change(&v, 0, DIGITS, k);
                vec![("uk_utr", "UTR", v.clone(), vec![v.clone(), format!("{} {}", &v[..5], &v[5..])], false, bad)]
            }
            1 => {
                let body = format!("{}{}", ["A", "B", "C", "D", "E", "F"][k % 6], &hexes[..13]);
                // A word of letters only (`AAAAAAAAAAAAAA`) is read as a word,
                // never as a number: such an MEID (one in ~100,000) is not
                // reported, by design.
                if !body.bytes().any(|b| b.is_ascii_digit()) {
                    return Ok(());
                }
                let Some(v) = complete(&body, HEX, false, |x| v::meid_hex(x.as_bytes())) else { return Ok(()) };
                let bad = change(&v, 14, HEX, k);
                vec![
                    ("meid", "MEID", body.clone(), vec![body.clone(), body.to_ascii_lowercase()], false, body[..13].to_string()),
                    ("meid", "MEID", v.clone(), vec![v.clone()], false, bad),
                ]
            }
            2 => {
                // A manufacturer code in the MEID range and a 24-bit serial.
                let m = 2_684_354_560u64 + nums[..9].parse::<u64>().unwrap() % 1_610_612_736;
                let serial = nums[9..17].parse::<u64>().unwrap() % (1 << 24);
                let body = format!("{m:010}{serial:08}");
                let v = complete(&body, DIGITS, false, |x| v::meid_dec(x.as_bytes())).unwrap();
                let bad = change(&v, 18, DIGITS, k);
                let grouped = format!("{} {} {} {} {}", &v[..5], &v[5..10], &v[10..14], &v[14..18], &v[18..]);
                vec![("meid", "MEID DEC", v.clone(), vec![v.clone(), grouped], false, bad)]
            }
            3 => {
                let person = format!("{letters}{date}{home}");
                let Some(v) = complete(&person, "0123456789A", false, |x| v::mx_rfc(x.as_bytes())) else { return Ok(()) };
                let bad = change(&v, 12, "0123456789A", k);
                let company = format!("{}{date}{home}", &letters[..3]);
                let mut out = vec![("mx_rfc", "RFC", v.clone(), vec![
                    v.clone(),
                    format!("{} {} {}", &v[..4], &v[4..10], &v[10..]),
                    format!("{}-{}-{}", &v[..4], &v[4..10], &v[10..]),
                ], true, bad)];
                if let Some(c) = complete(&company, "0123456789A", false, |x| v::mx_rfc(x.as_bytes())) {
                    let bad = change(&c, 11, "0123456789A", k);
                    out.push(("mx_rfc", "RFC", c.clone(), vec![c.clone(), format!("{}-{}-{}", &c[..3], &c[3..9], &c[9..])], false, bad));
                }
                out
            }
            4 => {
                let lv = complete(&format!("4{}", &nums[..9]), DIGITS, false, |x| v::eu_vat(format!("LV{x}").as_bytes()))
                    .or_else(|| complete(&format!("5{}", &nums[1..10]), DIGITS, false, |x| v::eu_vat(format!("LV{x}").as_bytes())));
                let mut out = Vec::new();
                if let Some(lv) = lv {
                    let bad = format!("LV{}", change(&lv, 10, DIGITS, k));
                    let v = format!("LV{lv}");
                    out.push(("eu_vat", "VAT number", v.clone(), vec![v.clone(), format!("LV {} {} {}", &lv[..4], &lv[4..8], &lv[8..])], true, bad));
                }
                let body = if nums.starts_with("12") { format!("3{}", &nums[1..8]) } else { nums[..8].to_string() };
                let cy = complete(&body, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", false, |x| v::eu_vat(format!("CY{x}").as_bytes())).unwrap();
                let bad = format!("CY{}", change(&cy, 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", k));
                out.push(("eu_vat", "VAT number", format!("CY{cy}"), vec![format!("CY{cy}"), format!("CY-{cy}")], true, bad));
                out
            }
            5 => {
                // TD1 from random fields, with every check digit computed.
                let doc = format!("{}{}", &letters[..1], &nums[..8]);
                let l1 = format!("I<UTO{doc}{}", mrz_cd(&doc));
                let l1 = format!("{l1:<<30}");
                let dob = date.clone();
                let exp = format!("{:02}{mm:02}{dd:02}", (yy + 10) % 100);
                let head = format!("{dob}{}F{exp}{}UTO", mrz_cd(&dob), mrz_cd(&exp));
                let head = format!("{head:<<29}");
                let comp = mrz_cd(&format!("{}{}{}{}", &l1[5..30], &head[0..7], &head[8..15], &head[18..29]));
                let l2 = format!("{head}{comp}");
                let good = format!("{l1}\n{l2}");
                let bad = format!("{l1}\n{}", change(&l2, 29, DIGITS, k));
                vec![("passport_mrz", "ID card", good.clone(), vec![good], true, bad)]
            }
            _ => {
                let doc = format!("{}{}", &letters[..1], &nums[..8]);
                let dob = date.clone();
                let exp = format!("{:02}{mm:02}{dd:02}", (yy + 10) % 100);
                let head = format!("{doc}{}UTO{dob}{}M{exp}{}{}", mrz_cd(&doc), mrz_cd(&dob), mrz_cd(&exp), &hexes[..7]);
                let comp = mrz_cd(&format!("{}{}{}", &head[..10], &head[13..20], &head[21..35]));
                let l2 = format!("{head}{comp}");
                let bad = change(&l2, 35, DIGITS, k);
                vec![("passport_mrz", "passport", l2.clone(), vec![l2], true, bad)]
            }
        };
        for (id, word, _, layouts, alone, bad) in &cases {
            for printed in layouts {
                let text = format!("{word}: {printed} on file.");
                prop_assert!(scan_finds(&det, id, &text, printed).0, "{} not found in {:?}", id, text);
                let text = format!("Reference {printed} on file.");
                let found = scan_finds(&det, id, &text, printed).0;
                if *alone && printed.chars().all(|c| !c.is_ascii_lowercase()) {
                    prop_assert!(found, "{} not found alone in {:?}", id, text);
                } else if !*alone {
                    prop_assert!(!found, "{} reported without its word in {:?}", id, text);
                }
            }
            // An RFC with a wrong check character is taken next to its
            // word (python-stdnum: about 1.5% of those in use), never
            // alone.
            let text = if *id == "mx_rfc" {
                format!("Reference {bad} on file.")
            } else {
                format!("{word}: {bad} on file.")
            };
            prop_assert!(!scan_finds(&det, id, &text, bad).1, "{} reported with a bad check: {:?}", id, text);
        }
    }

    /// A first-generation Chinese id (no check digit) is found next to its
    /// word when its province and date are valid, never alone.
    #[test]
    fn cn_resident_id_15_needs_its_word(
        province in prop_oneof![Just("11"), Just("31"), Just("44"), Just("65"), Just("00"), Just("99")],
        rest in "[0-9]{4}",
        yymmdd in (0u32..100, 0u32..14, 0u32..33),
        seq in "[0-9]{3}",
    ) {
        let (yy, mm, dd) = yymmdd;
        let v = format!("{province}{rest}{yy:02}{mm:02}{dd:02}{seq}");
        let det = Detectors::new();
        let valid = cordon_detect::validate::cn_resident_id_15(v.as_bytes());
        let text = format!("身份证号码: {v} on file.");
        prop_assert_eq!(scan_finds(&det, "cn_resident_id", &text, &v).0, valid, "{}", text);
        let text = format!("Reference {v} on file.");
        prop_assert!(!scan_finds(&det, "cn_resident_id", &text, &v).1, "{}", text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A Hong Kong Identity Card number from random letters and digits:
    /// with its check in parentheses it is found alone and next to its
    /// word; as one word or in lower case only next to its word; with
    /// another check character, nothing at all is reported over it (no
    /// weaker type takes the value the check refused).
    #[test]
    fn hk_hkid_layouts_context_and_bad_checks(
        prefix in "[A-Z]{1,2}",
        d in "[0-9]{6}",
        k in 0usize..10,
        word in prop_oneof![Just("HKID:"), Just("HK ID"), Just("Hong Kong identity card"), Just("香港身份證號碼：")],
    ) {
        let det = Detectors::new();
        let body = format!("{prefix}{d}");
        // Letters and digits that are also a valid EU VAT number
        // (`RO331969`, one body in a few thousand) are one, whatever
        // follows: "nothing at all" below does not hold for them.
        prop_assume!(!v::eu_vat(body.as_bytes()));
        let v = complete(&body, "0123456789A", false, |x| v::hk_hkid(x.as_bytes())).unwrap();
        let c = &v[v.len() - 1..];
        let paren = [format!("{body}({c})"), format!("{body} ({c})")];
        for p in &paren {
            prop_assert!(scan_finds(&det, "hk_hkid", &format!("{word} {p} on file."), p).0, "{}", p);
            prop_assert!(scan_finds(&det, "hk_hkid", &format!("Holder {p} on file."), p).0, "{}", p);
            let low = p.to_ascii_lowercase();
            prop_assert!(scan_finds(&det, "hk_hkid", &format!("{word} {low} on file."), &low).0, "{}", low);
            prop_assert!(!scan_finds(&det, "hk_hkid", &format!("Holder {low} on file."), &low).1, "{}", low);
        }
        prop_assert!(scan_finds(&det, "hk_hkid", &format!("{word} {v} on file."), &v).0, "{}", v);
        prop_assert!(!scan_finds(&det, "hk_hkid", &format!("Reference {v} on file."), &v).1, "{}", v);
        let bad = change(&v, v.len() - 1, "0123456789A", k);
        let bc = &bad[bad.len() - 1..];
        for p in [format!("{body}({bc})"), format!("{body} ({bc})")] {
            for text in [format!("{word} {p} on file."), format!("Holder {p} on file.")] {
                let s = text.find(&p).unwrap();
                let e = s + p.len();
                let fs = det.scan(text.as_bytes());
                prop_assert!(!fs.iter().any(|f| f.start < e && s < f.end), "{:?}: {:?}", text, fs);
            }
        }
        prop_assert!(!scan_finds(&det, "hk_hkid", &format!("{word} {bad} on file."), &bad).1, "{}", bad);
    }
}

fn mrz_cd(f: &str) -> char {
    let s: u32 = f
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(36).unwrap_or(0) * [7, 3, 1][i % 3])
        .sum();
    char::from_digit(s % 10, 10).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Polish NIP and the Austrian social insurance number (its check
    /// digit in the fourth place, the birth date after it): found next to
    /// their words in every printed layout, never without one, and not
    /// with another check digit.
    #[test]
    fn pl_nip_and_at_svnr_found_by_their_words_and_checked(
        office in 100u32..1000,
        rest in "[0-9]{6}",
        serial in 100u32..1000,
        yymmdd in (0u32..100, 1u32..13, 1u32..29),
        k in 0usize..9,
    ) {
        let det = Detectors::new();
        if let Some(nip) = complete(&format!("{office}{rest}"), DIGITS, false, |x| v::pl_nip(x.as_bytes())) {
            let bad = change(&nip, 9, DIGITS, k);
            let dashed = |v: &str, at: &[usize]| {
                let mut out = String::new();
                for (i, c) in v.chars().enumerate() {
                    if at.contains(&i) {
                        out.push('-');
                    }
                    out.push(c);
                }
                out
            };
            for (p, b) in [
                (nip.clone(), bad.clone()),
                (dashed(&nip, &[3, 6, 8]), dashed(&bad, &[3, 6, 8])),
                (dashed(&nip, &[3, 5, 7]), dashed(&bad, &[3, 5, 7])),
            ] {
                prop_assert!(scan_finds(&det, "pl_nip", &format!("NIP: {p} on file."), &p).0, "{}", p);
                prop_assert!(!scan_finds(&det, "pl_nip", &format!("Ref {p} on file."), &p).1, "{}", p);
                prop_assert!(!scan_finds(&det, "pl_nip", &format!("NIP: {b} on file."), &b).1, "{}", b);
            }
        }
        let (yy, mm, dd) = yymmdd;
        let date = format!("{dd:02}{mm:02}{yy:02}");
        let checks: Vec<String> = (0..10)
            .map(|c| format!("{serial}{c}{date}"))
            .filter(|x| v::at_svnr(x.as_bytes()))
            .collect();
        prop_assume!(checks.len() <= 1);
        if let Some(sv) = checks.first() {
            let bad = change(sv, 3, DIGITS, k);
            for (p, b) in [
                (sv.clone(), bad.clone()),
                (format!("{} {}", &sv[..4], &sv[4..]), format!("{} {}", &bad[..4], &bad[4..])),
            ] {
                prop_assert!(scan_finds(&det, "at_svnr", &format!("SVNR {p} on file."), &p).0, "{}", p);
                prop_assert!(scan_finds(&det, "at_svnr", &format!("Sozialversicherungsnummer: {p}"), &p).0, "{}", p);
                prop_assert!(!scan_finds(&det, "at_svnr", &format!("Ref {p} on file."), &p).1, "{}", p);
                prop_assert!(!scan_finds(&det, "at_svnr", &format!("SVNR {b} on file."), &b).1, "{}", b);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The German pension insurance number: its printed groups found
    /// alone and with its words, the compact form and a lower-case letter
    /// with its words only, and no other check digit accepted.
    #[test]
    fn de_rvnr_found_in_its_layouts_and_checked(
        area in 2u32..83,
        ddmmyy in (1u32..29, 1u32..13, 0u32..100),
        letter in proptest::char::range('A', 'Z'),
        serial in 0u32..100,
        k in 0usize..9,
    ) {
        let det = Detectors::new();
        let (dd, mm, yy) = ddmmyy;
        let body = format!("{area:02}{dd:02}{mm:02}{yy:02}");
        let Some(rv) = (0..10)
            .map(|c| format!("{body}{letter}{serial:02}{c}"))
            .find(|x| v::de_rvnr(x.as_bytes()))
        else {
            return Err(TestCaseError::fail("no check digit completes it"));
        };
        let bad = change(&rv, 11, DIGITS, k);
        let spaced = |x: &str| format!("{} {} {} {}", &x[..2], &x[2..8], &x[8..9], &x[9..]);
        let (p, b) = (spaced(&rv), spaced(&bad));
        prop_assert!(scan_finds(&det, "de_rvnr", &format!("Versicherter {p} seit 2001."), &p).0, "{}", p);
        prop_assert!(scan_finds(&det, "de_rvnr", &format!("Rentenversicherungsnummer: {p}"), &p).0, "{}", p);
        prop_assert!(!scan_finds(&det, "de_rvnr", &format!("Rentenversicherungsnummer: {b}"), &b).1, "{}", b);
        prop_assert!(scan_finds(&det, "de_rvnr", &format!("RVNR {rv} liegt vor."), &rv).0, "{}", rv);
        let lower = rv.to_ascii_lowercase();
        prop_assert!(scan_finds(&det, "de_rvnr", &format!("Sozialversicherungsnummer {lower}"), &lower).0, "{}", lower);
        prop_assert!(!scan_finds(&det, "de_rvnr", &format!("Ref {lower} on file."), &lower).1, "{}", lower);
        prop_assert!(!scan_finds(&det, "de_rvnr", &format!("RVNR {bad} liegt vor."), &bad).1, "{}", bad);
    }
}

/// VIN characters: digits and capitals without I, O and Q.
const VIN: &str = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

proptest! {
    #[test]
    fn vin_with_its_check_digit_alone_without_it_by_its_word(
        head in proptest::collection::vec(0usize..33, 8),
        year in 1usize..33,
        tail in proptest::collection::vec(0usize..33, 7),
        k in 0usize..40,
    ) {
        let det = Detectors::new();
        let pick = |i: usize| VIN.as_bytes()[i] as char;
        // The model year's code is never U, Z or 0.
        let year = pick(year);
        prop_assume!(!matches!(year, 'U' | 'Z'));
        let head: String = head.into_iter().map(pick).collect();
        let tail: String = tail.into_iter().map(pick).collect();
        let ok = |x: &str| v::vin(x.as_bytes()) == Some(true);
        let Some(with_check) = (0..11)
            .map(|d| format!("{head}{}{year}{tail}", if d == 10 { 'X' } else { (b'0' + d as u8) as char }))
            .find(|x| ok(x))
        else {
            // Only X completes it, and it has no other digit: not a VIN.
            return Err(TestCaseError::reject("no check digit completes it"));
        };
        prop_assume!(with_check.bytes().any(|c| c.is_ascii_digit()));
        prop_assume!(!with_check.bytes().all(|c| c == with_check.as_bytes()[0]));
        prop_assert!(scan_finds(&det, "vin", &format!("Lot 7: {with_check} sold."), &with_check).0, "{}", with_check);
        prop_assert!(scan_finds(&det, "vin", &format!("VIN: {with_check}"), &with_check).0, "{}", with_check);
        // Any other character in the check digit's place: only by its word.
        let bad = change(&with_check, 8, "0123456789X", k);
        prop_assert_ne!(v::vin(bad.as_bytes()), Some(true), "{}", bad);
        prop_assert!(!scan_finds(&det, "vin", &format!("Lot 7: {bad} sold."), &bad).1, "{}", bad);
        if v::vin(bad.as_bytes()).is_some() {
            prop_assert!(scan_finds(&det, "vin", &format!("Fahrgestellnummer {bad}"), &bad).0, "{}", bad);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The identifiers of the mimesis probe's round: a Venezuelan RIF in
    /// its four layouts (alone with both dashes), a Brazilian RG as São
    /// Paulo prints it (dotted, check `X`), a Russian passport's series
    /// and number and the Philippines' unchecked numbers in their printed
    /// layouts, next to their words; none alone but the dashed RIF, and a
    /// changed check character is not reported.
    #[test]
    fn mimesis_round_ids_found_in_their_layouts(
        kind in 0usize..5,
        nums in "[0-9]{12}",
        k in 0usize..40,
    ) {
        let det = Detectors::new();
        let letter = ["V", "E", "J", "P", "G"][kind];
        let body = format!("{letter}{}", &nums[..8]);
        let rif = complete(&body, DIGITS, false, |x| v::ve_rif(x.as_bytes())).unwrap();
        let bad = change(&rif, 9, DIGITS, k);
        let lay = |x: &str, a: &str, b: &str| format!("{}{a}{}{b}{}", &x[..1], &x[1..9], &x[9..]);
        for (printed, alone) in [
            (lay(&rif, "-", "-"), true),
            (lay(&rif, "", "-"), false),
            (lay(&rif, "-", ""), false),
            (rif.clone(), false),
            (lay(&rif, "-", "-").to_ascii_lowercase(), false),
        ] {
            let text = format!("RIF: {printed} on file.");
            prop_assert!(scan_finds(&det, "ve_rif", &text, &printed).0, "{}", text);
            let text = format!("Reference {printed} on file.");
            prop_assert_eq!(scan_finds(&det, "ve_rif", &text, &printed).0, alone, "{}", text);
            let b = if printed == rif { bad.clone() } else { lay(&bad, "-", "-") };
            let text = format!("RIF: {b} on file.");
            prop_assert!(!scan_finds(&det, "ve_rif", &text, &b).1, "{}", text);
        }

        // The RG: eight digits and the one check character of 0-9 and X.
        let body = &nums[..8];
        let rg = complete(body, "0123456789X", false, |x| {
            v::br_rg(&x.as_bytes()[..8], x.as_bytes()[8])
        });
        prop_assume!(rg.is_some());
        let rg = rg.unwrap();
        let bad = change(&rg, 8, "0123456789X", k);
        let dotted = |x: &str| format!("{}.{}.{}-{}", &x[..2], &x[2..5], &x[5..8], &x[8..]);
        let mut layouts = vec![dotted(&rg), format!("{}-{}", &rg[..8], &rg[8..])];
        if rg.ends_with('X') {
            layouts.push(dotted(&rg).to_ascii_lowercase());
        } else {
            layouts.push(rg.clone());
        }
        for printed in &layouts {
            let text = format!("RG: {printed} on file.");
            prop_assert!(scan_finds(&det, "br_rg", &text, printed).0, "{}", text);
            let text = format!("Reference {printed} on file.");
            prop_assert!(!scan_finds(&det, "br_rg", &text, printed).1, "{}", text);
        }
        let text = format!("RG: {} on file.", dotted(&bad));
        prop_assert!(!scan_finds(&det, "br_rg", &text, &dotted(&bad)).1, "{}", text);

        // A Russian passport: a region, a year of printing, a number.
        let region = 1 + nums[..2].parse::<u32>().unwrap() % 99;
        let year = [97, 98, 99, 0, 5, 12, 19, 24][k % 8];
        let number = &nums[4..10];
        prop_assume!(number != "000000");
        let series = format!("{region:02}{year:02}");
        for printed in [format!("{} {} {number}", &series[..2], &series[2..]), format!("{series} {number}")] {
            let text = format!("паспорт {printed} выдан");
            prop_assert!(scan_finds(&det, "passport_number", &text, &printed).0, "{}", text);
            let text = format!("Reference {printed} on file.");
            prop_assert!(!scan_finds(&det, "passport_number", &text, &printed).1, "{}", text);
        }

        // The Philippines' numbers without a published check.
        let sss = &nums[..10];
        let pin = &nums[..12];
        prop_assume!(v::ph_unchecked(sss.as_bytes()) && v::ph_unchecked(pin.as_bytes()));
        for (id, word, printed) in [
            ("ph_sss", "SSS No.", format!("{}-{}-{}", &sss[..2], &sss[2..9], &sss[9..])),
            ("ph_sss", "SSS", sss.to_string()),
            ("ph_philhealth", "PhilHealth No.", format!("{}-{}-{}", &pin[..2], &pin[2..11], &pin[11..])),
            ("ph_philhealth", "PhilHealth", pin.to_string()),
            ("ph_umid", "UMID CRN", format!("{}-{}-{}", &pin[..4], &pin[4..11], &pin[11..])),
            ("ph_umid", "CRN", pin.to_string()),
        ] {
            let text = format!("{word} {printed} on file.");
            prop_assert!(scan_finds(&det, id, &text, &printed).0, "{}", text);
            let text = format!("Reference {printed} on file.");
            prop_assert!(!scan_finds(&det, id, &text, &printed).1, "{}", text);
        }
    }
}

proptest! {
    /// A UK licence number pieced together with spaces anywhere: the scan
    /// never fails, and a licence it reports is sixteen characters, or
    /// eighteen with the issue number, once its spaces are out.
    #[test]
    fn uk_licence_spaced_pieces(
        parts in proptest::collection::vec(prop_oneof![
            Just("MORGA"), Just("753116"), Just("753"), Just("116"), Just("SM91J"), Just("SM91J01"),
            Just("01"), Just(" "), Just("  "), Just("9"), Just("DVLA "), Just("licence "), Just("753116SM91J"),
            Just("-"), Just("\n")], 0..24),
    ) {
        let text = parts.concat();
        let det = Detectors::new();
        for f in det.scan(text.as_bytes()) {
            if f.detector == "uk_driving_licence" {
                let n = text[f.start..f.end].bytes().filter(|&c| c != b' ').count();
                prop_assert!(n == 16 || n == 18, "{:?} in {:?}", &text[f.start..f.end], text);
            }
        }
    }
}

proptest! {
    /// A Medicare HICN — a valid SSN and a beneficiary code — is found
    /// whole next to its word in each layout claims systems print; the
    /// same digits with a code CMS never assigns, or an SSN area that is
    /// never issued, are not.
    #[test]
    fn hicns_are_found_in_their_layouts(
        area in 1u32..900,
        group in 1u32..100,
        serial in 1u32..10_000,
        code in prop::sample::select(vec!["A", "B", "B1", "C2", "D", "E", "F3", "J1", "K", "M", "T", "W"]),
        layout in 0usize..4,
    ) {
        prop_assume!(area != 666);
        let ssn = (format!("{area:03}"), format!("{group:02}"), format!("{serial:04}"));
        prop_assume!(v::us_ssn(area, group, serial));
        let hicn = |code: &str, area: &str| match layout {
            0 => format!("{area}{}{}{code}", ssn.1, ssn.2),
            1 => format!("{area}-{}-{}{code}", ssn.1, ssn.2),
            2 => format!("{area}-{}-{} {code}", ssn.1, ssn.2),
            _ => format!("{area} {} {} {code}", ssn.1, ssn.2),
        };
        let det = Detectors::new();
        let found = |value: &str| {
            let text = format!("Health insurance claim number (HICN): {value}\n");
            let s = text.find(value).unwrap();
            det.scan(text.as_bytes())
                .iter()
                .any(|f| f.detector == "us_hicn" && f.start == s && f.end == s + value.len())
        };
        let good = hicn(code, &ssn.0);
        prop_assert!(found(&good), "{:?}", good);
        prop_assert!(!found(&hicn("Z", &ssn.0)), "code Z");
        prop_assert!(!found(&hicn(code, "666")), "area 666");
    }
}

/// A Hong Kong identity card number with its check in square brackets
/// (validator.js's tests), next to its word: reported whole (a case row
/// cannot mark a value that ends in `]`).
#[test]
fn hkid_check_in_square_brackets() {
    let det = Detectors::new();
    let text = "HKID: A494866[4]";
    let f = det.scan(text.as_bytes());
    assert!(
        f.iter()
            .any(|f| f.detector == "hk_hkid" && &text[f.start..f.end] == "A494866[4]"),
        "{f:?}"
    );
}
