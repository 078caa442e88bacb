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
        which in 0usize..36,
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
