//! Identifier families added for issue #16: national, tax, business,
//! health, bank and securities ids of many countries, and the passport
//! machine-readable zone.
//!
//! Digit-only ids are data: [`DIGIT_IDS`] gives each one's length, check
//! and the printed layouts it is reported in alone; every other grouping
//! (contiguous, or any one separator) is reported only next to the id's
//! own words. The numeric walk hands each number of 7 or more digits here
//! with its groups already parsed, so the cost per number is one table
//! slice for its length and one (cached) context query.
//!
//! Ids with letters are reached from the alphanumeric word the prefilter
//! stops at (its letters, digits and length pick the candidates) and are
//! checked by hand.

use crate::builtin::D;
use crate::kit::{Adj, NEED_CTX, PLAIN, Sink, at, before, is_word, run};
use crate::model::Confidence::{self, High, Low, Medium};
use crate::numeric::right_ok;
use crate::validate as v;

/// A printed layout reported without a context word: group lengths, the
/// separators it may use, and the confidence.
pub(crate) type Layout = (&'static [usize], &'static [u8], Confidence);

/// A digits-only identifier.
pub(crate) struct DigitId {
    pub d: D,
    pub check: fn(&[u8]) -> bool,
    /// Layouts reported alone (an empty group list is the contiguous form).
    pub alone: &'static [Layout],
    /// The groupings taken next to the id's word.
    pub grouped: Grouped,
}

/// How an id printed in groups with one separator may be grouped to be
/// taken next to its word (the contiguous form always is).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grouped {
    /// Any grouping.
    Any,
    /// Only with its check digit apart as the last group (`900123456-7`,
    /// `79.896.529.6`): a Colombian NIT; never a date or a decimal.
    CheckApart,
    /// Only in groups of three (`000-123-456-000`): a Philippine TIN.
    Threes,
    /// Only contiguous: an Indonesian NPWP, whose own print is read
    /// apart (`01.312.166.0-091.000`); in groups next to its word it is
    /// another number (a New Zealand account's 2-4-7-2). A PIB, whose
    /// word is also GDP's (`PIB 12.345.678` is an amount).
    Contiguous,
    /// Any grouping but a card's, in fours (`1234 5678 9010 3456`): a New
    /// Zealand account, whose word (`account`) labels other banks'
    /// numbers too, printed by its banks in many ways (`030175 0660238
    /// 00`, `01-0819-0120-238-00`).
    NotInFours,
    /// Any grouping but a check digit set apart (`46788632-6`): a
    /// Romanian CUI, never so printed, whose word `CUI` is also Peru's
    /// (whose CUI is printed so).
    NotCheckApart,
    /// Only in these groupings, never contiguous: a Russian passport's
    /// series and number (`45 09 123456`, `4509 123456`), whose ten
    /// digits in a row are as often an ИНН.
    Shapes(&'static [&'static [usize]]),
    /// Contiguous, or in these groupings only: a Costa Rican cédula
    /// (`112340567`, `1-1234-0567`), which has no check digit, so a
    /// number in other groups (a date, an amount) is not one.
    ContiguousOrShapes(&'static [&'static [usize]]),
}

impl Grouped {
    /// Whether the contiguous form is refused (asked first: most numbers
    /// in dense text are one group, and every id of their length is
    /// walked).
    #[inline]
    pub(crate) fn never_contiguous(self) -> bool {
        matches!(self, Grouped::Shapes(_))
    }

    /// Whether `n` groups of lengths `lens` fit (one group: contiguous).
    #[inline]
    pub(crate) fn fits(self, n: usize, mut lens: impl Iterator<Item = usize> + Clone) -> bool {
        match self {
            Grouped::Shapes(shapes) => {
                n > 1 && shapes.iter().any(|s| lens.clone().eq(s.iter().copied()))
            }
            _ if n <= 1 => true,
            Grouped::ContiguousOrShapes(shapes) => {
                shapes.iter().any(|s| lens.clone().eq(s.iter().copied()))
            }
            Grouped::Contiguous => false,
            Grouped::NotInFours => !lens.clone().take(n - 1).all(|x| x == 4),
            Grouped::Any => true,
            Grouped::CheckApart => lens.clone().last() == Some(1),
            Grouped::NotCheckApart => lens.clone().last() != Some(1),
            Grouped::Threes => lens.all(|l| l == 3),
        }
    }
}

const fn id(d: D, check: fn(&[u8]) -> bool, alone: &'static [Layout]) -> DigitId {
    DigitId {
        d,
        check,
        alone,
        grouped: Grouped::Any,
    }
}

/// A context-keyed id taken next to its word only grouped as `grouped`.
const fn id_grouped(d: D, check: fn(&[u8]) -> bool, grouped: Grouped) -> DigitId {
    DigitId {
        d,
        check,
        alone: CTX_ONLY,
        grouped,
    }
}

const CTX_ONLY: &[Layout] = &[];

/// A New Zealand bank account of fifteen or sixteen digits (the suffix
/// two or three), reported alone in `alone`, next to its word in any
/// grouping but a card's fours.
const fn nz_account(alone: &'static [Layout]) -> DigitId {
    DigitId {
        d: D::NzBankAccount,
        check: v::nz_bank_account,
        alone,
        grouped: Grouped::NotInFours,
    }
}

fn cusip_digits(s: &[u8]) -> bool {
    v::cusip(s)
}
fn sedol_digits(s: &[u8]) -> bool {
    v::sedol(s)
}
fn cz_rc(s: &[u8]) -> bool {
    v::cz_birth_number(s)
}
fn se_org(s: &[u8]) -> bool {
    v::se_orgnr(s)
}
/// An id with no check of its own (a bank account number, an Argentine
/// DNI): anything but one digit repeated or a plain run (`12345678`),
/// which are placeholders.
fn unchecked(s: &[u8]) -> bool {
    let same = s.iter().all(|&c| Some(&c) == s.first());
    let run = s.windows(2).all(|w| matches!(w, [a, b] if *b == *a + 1));
    !same && !run
}
/// A Korean driving licence number, `AA-BB-CCCCCC-DD`: its first two
/// digits are the issuing region's code (11-28); the last two are a
/// check the police do not publish.
fn kr_driving_licence(s: &[u8]) -> bool {
    matches!(s, [a, b, ..] if (11..=28).contains(&((a - b'0') * 10 + (b - b'0'))))
}
fn nz(s: &[u8]) -> bool {
    v::nz_ird(s)
}
/// A passport number of eight digits (Lithuania, Sweden, Israel …; no
/// published check digit), next to its word: not one digit repeated or a
/// plain run, and not a date (`YYYYMMDD`, `DDMMYYYY`: a passport's issue
/// or expiry date printed beside the word).
fn passport_digits8(s: &[u8]) -> bool {
    let n = |a: usize, b: usize| {
        s.get(a..b).map_or(0, |x| {
            x.iter()
                .fold(0u32, |v, &c| v * 10 + u32::from(c.wrapping_sub(b'0')))
        })
    };
    let date = |y: u32, m: u32, d: u32| (1900..=2099).contains(&y) && v::valid_date(y, m, d);
    unchecked(s) && !date(n(0, 4), n(4, 6), n(6, 8)) && !date(n(4, 8), n(2, 4), n(0, 2))
}

/// Eight digits as the nine-digit number they are with the leading zero
/// dropped (a spreadsheet's number column, a form that strips zeros):
/// Dutch BSNs and Israeli identity numbers are so written, and both
/// registries' checks read them padded.
fn padded9(s: &[u8], check: fn(&[u8]) -> bool) -> bool {
    let mut b = [b'0'; 9];
    for (x, &c) in b.iter_mut().skip(1).zip(s) {
        *x = c;
    }
    s.len() == 8 && check(&b)
}
fn nl_bsn8(s: &[u8]) -> bool {
    padded9(s, v::nl_bsn)
}
fn il_id8(s: &[u8]) -> bool {
    padded9(s, v::il_id)
}

/// Every digits-only id, by length (the dispatcher takes the slice for a
/// number's length).
static LEN7: &[DigitId] = &[
    id(D::Sedol, sedol_digits, CTX_ONLY),
    id(D::ArDni, unchecked, CTX_ONLY),
    id(D::RoCui, v::ro_cui, CTX_ONLY),
    id_grouped(D::PyRuc, v::py_ruc, Grouped::CheckApart),
    id(D::MedicalRecordNumber, unchecked, CTX_ONLY),
];
static LEN8: &[DigitId] = &[
    id(D::DkCvr, v::dk_cvr, CTX_ONLY),
    id(D::FiYtunnus, v::fi_ytunnus, CTX_ONLY),
    id(D::CzIco, v::cz_ico, CTX_ONLY),
    id(D::EeRegistrikood, v::ee_registrikood, CTX_ONLY),
    id(D::NzIrd, nz, CTX_ONLY),
    id(D::SiTaxNumber, v::si_tax_number, CTX_ONLY),
    id(D::UaEdrpou, v::ua_edrpou, CTX_ONLY),
    id(D::TwUbn, v::tw_ubn, CTX_ONLY),
    id_grouped(D::CoNit, v::co_nit, Grouped::CheckApart),
    id(D::PassportNumber, passport_digits8, CTX_ONLY),
    id(D::NlBsn, nl_bsn8, CTX_ONLY),
    id(D::IlId, il_id8, CTX_ONLY),
    id(D::ArDni, unchecked, CTX_ONLY),
    id(D::RoCui, v::ro_cui, CTX_ONLY),
    // `PIB` is also the Romance languages' GDP: a PIB is taken contiguous
    // only, never an amount in groups (`PIB 12.345.678`).
    id_grouped(D::MePib, v::me_pib, Grouped::Contiguous),
    id_grouped(D::PyRuc, v::py_ruc, Grouped::CheckApart),
    id(D::UyCi, v::uy_ci, CTX_ONLY),
    id(D::BankAccount, unchecked, CTX_ONLY),
    id(D::HealthPlanId, unchecked, CTX_ONLY),
    id(D::MedicalRecordNumber, unchecked, CTX_ONLY),
];
static LEN9: &[DigitId] = &[
    id(D::IlId, v::il_id, CTX_ONLY),
    id(D::GrAfm, v::gr_afm, CTX_ONLY),
    id(D::UsEin, v::us_ein, CTX_ONLY),
    id(D::FrSiren, v::luhn, CTX_ONLY),
    id(D::AuAcn, v::au_acn, CTX_ONLY),
    id(D::NoOrgnr, v::no_orgnr, CTX_ONLY),
    id(D::PtNif, v::pt_nif, CTX_ONLY),
    id(D::CaBn, v::ca_bn, CTX_ONLY),
    id(D::NzIrd, nz, CTX_ONLY),
    id(D::Cusip, cusip_digits, CTX_ONLY),
    id(D::AtTin, v::luhn, CTX_ONLY),
    id(D::ChUid, v::ch_uid, CTX_ONLY),
    id(D::CzBirthNumber, v::cz_birth_number_9, CTX_ONLY),
    id(D::PlRegon, v::pl_regon, CTX_ONLY),
    id(D::DeLanr, v::de_lanr, CTX_ONLY),
    id_grouped(D::PhTin, v::ph_tin, Grouped::Threes),
    id_grouped(D::CoNit, v::co_nit, Grouped::CheckApart),
    id(D::BrRg, v::br_rg_digits, CTX_ONLY),
    // Romania's CUI runs to ten digits (newer companies' have nine).
    id_grouped(D::RoCui, v::ro_cui, Grouped::NotCheckApart),
    id_grouped(D::RsPib, v::rs_pib, Grouped::Contiguous),
    id(D::DoRnc, v::do_rnc, CTX_ONLY),
    id(D::AzVoen, v::az_voen, CTX_ONLY),
    id(D::IlHp, v::il_hp, CTX_ONLY),
    id(D::MzNuit, v::mz_nuit, CTX_ONLY),
    id(D::GnNifp, v::gn_nifp, CTX_ONLY),
    id_grouped(D::PyRuc, v::py_ruc, Grouped::CheckApart),
    id_grouped(D::PeCui, v::pe_cui, Grouped::CheckApart),
    id(D::NlOnderwijsnummer, v::nl_onderwijsnummer, CTX_ONLY),
    // A Costa Rican cédula has no check: contiguous or in its print,
    // 1-4-4 (the leading zero of its ten digits dropped, as usual).
    id_grouped(
        D::CrCpf,
        v::cr_cpf,
        Grouped::ContiguousOrShapes(&[&[1, 4, 4]]),
    ),
    id(D::BankAccount, unchecked, CTX_ONLY),
    id(D::HealthPlanId, unchecked, CTX_ONLY),
    id(D::MedicalRecordNumber, unchecked, CTX_ONLY),
];
static LEN10: &[DigitId] = &[
    id(D::CzBirthNumber, cz_rc, &[(&[6, 4], b"/", Medium)]),
    id(D::DeSteuernummer, v::de_steuernummer, CTX_ONLY),
    id(D::BgEgn, v::bg_egn, CTX_ONLY),
    id(D::CaOhip, v::luhn, CTX_ONLY),
    id(D::KrBrn, v::kr_brn, CTX_ONLY),
    id(D::SeOrgnr, se_org, &[(&[6, 4], b"-", Low)]),
    id(D::UkUtr, v::uk_utr, CTX_ONLY),
    id(D::PlNip, v::pl_nip, CTX_ONLY),
    id(D::AtSvnr, v::at_svnr, CTX_ONLY),
    id(D::IrNationalId, v::ir_national_id, CTX_ONLY),
    id(D::UaRnokpp, v::ua_rnokpp, CTX_ONLY),
    id(D::RuInn, v::ru_inn, CTX_ONLY),
    id(D::HuTaxId, v::hu_tax_id, CTX_ONLY),
    id(D::TrVkn, v::tr_vkn, CTX_ONLY),
    id(D::VnMst, v::vn_mst, CTX_ONLY),
    id(D::EcCi, v::ec_ci, CTX_ONLY),
    id_grouped(
        D::PassportNumber,
        v::ru_passport,
        Grouped::Shapes(&[&[2, 2, 6], &[4, 6]]),
    ),
    id(D::PhSss, v::ph_unchecked, CTX_ONLY),
    id_grouped(D::CoNit, v::co_nit, Grouped::CheckApart),
    id(D::RoCui, v::ro_cui, CTX_ONLY),
    id(D::IsKennitala, v::is_kennitala, CTX_ONLY),
    id(D::AzVoen, v::az_voen, CTX_ONLY),
    id(D::CaBcPhn, v::ca_bc_phn, CTX_ONLY),
    id(D::ZaTin, v::za_tin, CTX_ONLY),
    // Ten digits in a row after `cédula` are Ecuador's (whose check
    // failed), not a Costa Rican one with its leading zero.
    id_grouped(D::CrCpf, v::cr_cpf, Grouped::Shapes(&[&[2, 4, 4]])),
    id(D::BankAccount, unchecked, CTX_ONLY),
    id(D::HealthPlanId, unchecked, CTX_ONLY),
    id(D::MedicalRecordNumber, unchecked, CTX_ONLY),
];
static LEN11: &[DigitId] = &[
    id(D::HrOib, v::hr_oib, CTX_ONLY),
    id(D::EeIsikukood, v::ee_lt_personal_code, CTX_ONLY),
    id(D::LtAsmensKodas, v::ee_lt_personal_code, CTX_ONLY),
    id(D::GrAmka, v::gr_amka, CTX_ONLY),
    id(D::TrTckn, v::tr_tckn, CTX_ONLY),
    id(D::ArCuit, v::ar_cuit, &[(&[2, 8, 1], b"-", Medium)]),
    id(D::AuAbn, v::au_abn, &[(&[2, 3, 3, 3], b" ", Low)]),
    id(
        D::NoBankAccount,
        v::no_bank_account,
        &[(&[4, 2, 5], b". ", Low)],
    ),
    id(D::ItPartitaIva, v::it_partita_iva, CTX_ONLY),
    id(D::MxNss, v::mx_nss, CTX_ONLY),
    id(D::DeSteuernummer, v::de_steuernummer, CTX_ONLY),
    id(D::LvPersonasKods, v::lv_personas_kods, CTX_ONLY),
    id(D::RuSnils, v::ru_snils, CTX_ONLY),
    id(D::NgNin, v::ng_nin, CTX_ONLY),
    id(D::PeRuc, v::pe_ruc, CTX_ONLY),
    id(D::HuPersonalId, v::hu_personal_id, CTX_ONLY),
    id_grouped(D::CoNit, v::co_nit, Grouped::CheckApart),
    id(D::BrCnh, v::br_cnh, CTX_ONLY),
    id(D::BrPis, v::br_pis, CTX_ONLY),
    id(D::DoCedula, v::do_cedula, &[(&[3, 7, 1], b"-", Low)]),
    id(D::BankAccount, unchecked, CTX_ONLY),
    id(D::HealthPlanId, unchecked, CTX_ONLY),
];
static LEN12: &[DigitId] = &[
    id(
        D::BeBankAccount,
        v::be_bank_account,
        &[(&[3, 7, 2], b"-", Medium)],
    ),
    id(D::EsNss, v::es_nss, CTX_ONLY),
    id(D::DrivingLicence, kr_driving_licence, CTX_ONLY),
    id(D::LkNic, v::lk_nic, CTX_ONLY),
    id(D::RuInn, v::ru_inn, CTX_ONLY),
    id_grouped(D::PhTin, v::ph_tin, Grouped::Threes),
    id(D::MyNric, v::my_nric, &[(&[6, 2, 4], b"-", Low)]),
    id(D::PhPhilhealth, v::ph_unchecked, CTX_ONLY),
    id(D::PhUmid, v::ph_unchecked, CTX_ONLY),
    id(D::UyRut, v::uy_rut, &[(&[2, 6, 3, 1], b"- ", Medium)]),
    id(D::BankAccount, unchecked, CTX_ONLY),
    id(D::HealthPlanId, unchecked, CTX_ONLY),
];
static LEN13: &[DigitId] = &[
    id(D::RoCnp, v::ro_cnp, CTX_ONLY),
    id(D::DeSteuernummer, v::de_steuernummer, CTX_ONLY),
    id(D::SiEmso, v::si_emso, CTX_ONLY),
    id(D::Jmbg, v::jmbg, CTX_ONLY),
    id(D::RuOgrn, v::ru_ogrn, CTX_ONLY),
    id(
        D::ThNationalId,
        v::th_national_id,
        &[(&[1, 4, 5, 2, 1], b"- ", Low)],
    ),
    id(D::FrNumeroFiscal, v::fr_numero_fiscal, CTX_ONLY),
    id(D::LuMatricule, v::lu_matricule, CTX_ONLY),
    id(D::PkCnic, v::pk_cnic, &[(&[5, 7, 1], b"-", Low)]),
    id(D::VnMst, v::vn_mst, CTX_ONLY),
    id(D::JpCorporateNumber, v::jp_corporate_number, CTX_ONLY),
    id(D::MkEdb, v::mk_edb, CTX_ONLY),
    id(D::EcRuc, v::ec_ruc, CTX_ONLY),
    id(D::MdIdno, v::md_idno, CTX_ONLY),
    id(D::ThMoa, v::th_moa, CTX_ONLY),
    id(D::BankAccount, unchecked, CTX_ONLY),
];
static LEN14: &[DigitId] = &[
    id(D::FrSiret, v::fr_siren_siret, CTX_ONLY),
    id(D::PlRegon, v::pl_regon, CTX_ONLY),
    id(D::SvNit, v::sv_nit, &[(&[4, 6, 3, 1], b"-", Medium)]),
    id(D::BankAccount, unchecked, CTX_ONLY),
];
static LEN15: &[DigitId] = &[
    id(D::Imei, v::imei, &[(&[2, 6, 6, 1], b"- ", Medium)]),
    id(D::CnResidentId, v::cn_resident_id_15, CTX_ONLY),
    id(D::RuOgrn, v::ru_ogrn, CTX_ONLY),
    id(
        D::AeEmiratesId,
        v::ae_emirates_id,
        &[(&[3, 4, 7, 1], b"-", Medium)],
    ),
    id_grouped(D::IdNpwp, v::id_npwp, Grouped::Contiguous),
    nz_account(&[(&[2, 4, 7, 2], b"-", Medium)]),
    id(D::MaIce, v::ma_ice, CTX_ONLY),
    id(D::BankAccount, unchecked, CTX_ONLY),
];
static LEN16: &[DigitId] = &[
    id(
        D::AuHealthId,
        v::au_health_identifier,
        &[(&[], b"", Medium), (&[4, 4, 4, 4], b" -", Medium)],
    ),
    id(D::IdNik, v::id_nik, CTX_ONLY),
    id(D::InVid, v::in_vid, CTX_ONLY),
    id_grouped(D::IdNpwp, v::id_npwp, Grouped::Contiguous),
    nz_account(&[(&[2, 4, 7, 3], b"-", Medium)]),
    id(D::BankAccount, unchecked, CTX_ONLY),
];
static LEN17: &[DigitId] = &[id(D::BankAccount, unchecked, CTX_ONLY)];
static LEN18: &[DigitId] = &[
    id(D::MxClabe, v::mx_clabe, CTX_ONLY),
    id(D::CnUscc, v::cn_uscc, CTX_ONLY),
    id(D::Meid, v::meid_dec, CTX_ONLY),
];
static LEN19: &[DigitId] = &[id(D::Meid, v::meid_dec, CTX_ONLY)];
static LEN20: &[DigitId] = &[id(D::EsCcc, v::es_ccc, &[(&[4, 4, 2, 10], b" -", Medium)])];
static LEN22: &[DigitId] = &[id(D::ArCbu, v::ar_cbu, CTX_ONLY)];
static LEN26: &[DigitId] = &[id(
    D::PlNrb,
    v::pl_nrb,
    &[(&[2, 4, 4, 4, 4, 4, 4], b" ", Medium), (&[], b"", Low)],
)];

/// The digits-only ids of `len` digits, and the group counts of the
/// layouts they are reported in alone (bit `n` for `n` groups, bit 1 for
/// the contiguous form; checked against the tables by a test).
#[inline]
pub(crate) fn digit_ids_of(len: usize) -> (&'static [DigitId], u32) {
    digit_ids_with_prefix(len).0
}

/// [`digit_ids_of`], with the prefix every number of that length must
/// start with to be printed alone as a card is, contiguous or in groups
/// of four (the Australian health identifiers' `80036`): dense text's
/// 16-digit numbers skip the table on one compare. A number grouped
/// otherwise (a New Zealand account's 2-4-7-3) is not held to it.
#[inline]
pub(crate) fn digit_ids_with_prefix(len: usize) -> ((&'static [DigitId], u32), &'static [u8]) {
    let prefix: &'static [u8] = if len == 16 { b"80036" } else { b"" };
    (digit_ids_by_len(len), prefix)
}

#[inline]
fn digit_ids_by_len(len: usize) -> (&'static [DigitId], u32) {
    match len {
        7 => (LEN7, 0),
        8 => (LEN8, 0),
        9 => (LEN9, 0),
        10 => (LEN10, 1 << 2),
        11 => (LEN11, 1 << 3 | 1 << 4),
        12 => (LEN12, 1 << 3 | 1 << 4),
        13 => (LEN13, 1 << 3 | 1 << 5),
        14 => (LEN14, 1 << 4),
        15 => (LEN15, 1 << 4),
        16 => (LEN16, 1 << 1 | 1 << 4),
        17 => (LEN17, 0),
        18 => (LEN18, 0),
        19 => (LEN19, 0),
        20 => (LEN20, 1 << 4),
        22 => (LEN22, 0),
        26 => (LEN26, 1 << 1 | 1 << 7),
        _ => (&[], 0),
    }
}

/// Every digits-only id, for tests.
#[cfg(test)]
pub(crate) fn all_digit_ids() -> impl Iterator<Item = &'static DigitId> {
    [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 26]
        .into_iter()
        .flat_map(|l| digit_ids_of(l).0)
}

/// Chilean RUT from its first digit at `s`: 7-8 digits, plain or dotted in
/// thousands (`12.345.678`), `-` and the check character (`K` for 10).
pub(crate) fn cl_rut(sk: &mut Sink<'_>, s: usize) {
    if !sk.on(D::ClRut) {
        return;
    }
    let t = sk.t;
    let mut body = [0u8; 8];
    let mut n = 0;
    let mut i = s;
    let mut dotted = false;
    let mut group = 0;
    loop {
        let c = at(t, i);
        if c.is_ascii_digit() {
            if let Some(x) = body.get_mut(n) {
                *x = c;
            }
            n += 1;
            group += 1;
            if n > 8 {
                return;
            }
            i += 1;
        } else if c == b'.'
            && at(t, i + 1).is_ascii_digit()
            && run(t, i + 1, 3, |c| c.is_ascii_digit()) == 3
        {
            if dotted && group != 3 {
                return;
            }
            dotted = true;
            group = 0;
            i += 1;
        } else {
            break;
        }
    }
    if !(7..=8).contains(&n) || (dotted && group != 3) || at(t, i) != b'-' {
        return;
    }
    let k = at(t, i + 1);
    if !(k.is_ascii_digit() || k == b'K' || k == b'k') || !right_ok(t, i + 2, false) {
        return;
    }
    // One number, one type: another id's label before it (`RG:
    // 44.562.297-4`, a São Paulo RG whose check failed) keeps it from a
    // RUT, which is printed the same way.
    if v::cl_rut(body.get(..n).unwrap_or_default(), k)
        && !crate::numeric::labelled_as_other(sk, D::ClRut, s, i + 2)
    {
        let adj = Adj {
            need_ctx: !dotted,
            nonvalue: false,
        };
        sk.emit(D::ClRut, s, i + 2, Medium, adj);
    }
}

/// Venezuelan RIF from its letter at `s`: `J-31234567-5`, `J31234567-5`,
/// `J-312345675`, `J312345675`. With both dashes, in capitals, it is
/// reported alone; every other way only next to its word.
pub(crate) fn ve_rif(sk: &mut Sink<'_>, s: usize) {
    if !sk.on(D::VeRif) || before(sk.t, s).is_ascii_alphanumeric() {
        return;
    }
    let t = sk.t;
    let mut buf = [0u8; 10];
    let letter = at(t, s);
    if let Some(x) = buf.first_mut() {
        *x = letter.to_ascii_uppercase();
    }
    let mut i = s + 1;
    let dash1 = at(t, i) == b'-';
    i += usize::from(dash1);
    // Eight digits and a dash, or nine in a row.
    let nd = run(t, i, 9, |c| c.is_ascii_digit());
    if let (Some(dst), Some(src)) = (buf.get_mut(1..9), t.get(i..i + 8)) {
        dst.copy_from_slice(src);
    }
    i += 8;
    let dash2 = nd == 8 && at(t, i) == b'-' && at(t, i + 1).is_ascii_digit();
    if !(nd == 9 || dash2) {
        return;
    }
    i += usize::from(dash2);
    let c = at(t, i);
    if at(t, i + 1).is_ascii_digit() || !right_ok(t, i + 1, false) {
        return;
    }
    if let Some(x) = buf.get_mut(9) {
        *x = c;
    }
    if v::ve_rif(&buf) {
        let adj = Adj {
            need_ctx: !(dash1 && dash2) || letter.is_ascii_lowercase(),
            nonvalue: false,
        };
        sk.emit(D::VeRif, s, i + 1, Medium, adj);
    }
}

/// Brazilian RG from its first digit at `s`, as São Paulo prints it
/// (`31.203.131-2`, `12.345.671-X`, `12345671-X`, `12345671X`): eight
/// digits, plain or dotted 2.3.3, `-` and the check character (an `X`
/// also joined to the digits). A check digit without dots
/// (`31203131-2`) is the digit table's.
pub(crate) fn br_rg(sk: &mut Sink<'_>, s: usize) {
    if !sk.on(D::BrRg) {
        return;
    }
    let t = sk.t;
    let dotted = at(t, s + 2) == b'.' && at(t, s + 6) == b'.';
    let mut body = [0u8; 8];
    let parts: &[(usize, usize)] = if dotted {
        &[(0, 2), (3, 3), (7, 3)]
    } else {
        &[(0, 8)]
    };
    let mut n = 0;
    for &(off, len) in parts {
        if run(t, s + off, len + 1, |c| c.is_ascii_digit()) != len {
            return;
        }
        for k in 0..len {
            if let Some(x) = body.get_mut(n) {
                *x = at(t, s + off + k);
            }
            n += 1;
        }
    }
    let e = if dotted { s + 10 } else { s + 8 };
    // `12345671X`: the check letter joined to the eight digits.
    if !dotted && matches!(at(t, e), b'X' | b'x') && right_ok(t, e + 1, false) {
        if v::br_rg(&body, at(t, e)) {
            sk.emit(D::BrRg, s, e + 1, Medium, NEED_CTX);
        }
        return;
    }
    let k = at(t, e + 1);
    if at(t, e) != b'-' || !right_ok(t, e + 2, false) || !(dotted || matches!(k, b'X' | b'x')) {
        return;
    }
    if v::br_rg(&body, k) {
        sk.emit(D::BrRg, s, e + 2, Medium, NEED_CTX);
    }
}

/// German pension insurance number from its first digit at `s`: compact
/// (`65170839J003`) or in the groups the SV card prints (`65 170839 J
/// 003`), a single space or none between each part; the letter in either
/// case (lower case only next to its words).
pub(crate) fn de_rvnr(sk: &mut Sink<'_>, s: usize) {
    if !sk.on(D::DeRvnr) || before(sk.t, s).is_ascii_alphanumeric() {
        return;
    }
    let t = sk.t;
    let mut buf = [0u8; 12];
    let mut n = 0;
    let mut i = s;
    let mut spaces = 0;
    for (part, len) in [(0, 2), (1, 6), (2, 1), (3, 3)] {
        if part > 0 && at(t, i) == b' ' {
            i += 1;
            spaces += 1;
        }
        for _ in 0..len {
            let c = at(t, i);
            let ok = if part == 2 {
                c.is_ascii_alphabetic()
            } else {
                c.is_ascii_digit()
            };
            if !ok {
                return;
            }
            if let Some(x) = buf.get_mut(n) {
                *x = c;
            }
            n += 1;
            i += 1;
        }
    }
    if !right_ok(t, i, false) || !v::de_rvnr(&buf) {
        return;
    }
    let lower = buf.get(8).is_some_and(u8::is_ascii_lowercase);
    let base = if spaces == 3 { Medium } else { Low };
    let adj = Adj {
        need_ctx: lower || (spaces != 0 && spaces != 3),
        nonvalue: false,
    };
    sk.emit(D::DeRvnr, s, i, base, adj);
}

/// The Swiss UID's VAT suffixes (German, French, Italian), as glued on
/// (`CHE100416306MWST`): true if `s` is one.
pub(crate) fn ch_vat_suffix(s: &[u8]) -> bool {
    matches!(s, b"MWST" | b"TVA" | b"IVA")
}

/// `CHE-123.456.788` / `CHE 123.456.788`, keyed on its first digits.
pub(crate) fn ch_uid_dotted(sk: &mut Sink<'_>, ws: usize, we: usize, d: &[u8]) {
    if !sk.on(D::ChUid) || ws < 4 || !matches!(before(sk.t, ws), b'-' | b' ') {
        return;
    }
    let t = sk.t;
    if !t
        .get(ws - 4..ws - 1)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"CHE"))
        || before(t, ws - 4).is_ascii_alphanumeric()
    {
        return;
    }
    if v::ch_uid(d) {
        sk.emit(D::ChUid, ws - 4, we, Medium, PLAIN);
    }
}

fn mrz_class(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<'
}

/// A machine-readable zone line starting at `s` (ICAO 9303), told apart
/// by its length: line 2 of a passport (TD3, 44 characters) or of a TD2
/// document (36), which carry every check digit themselves, or line 2 of
/// an ID card (TD1, 30), checked with the line before it (the document
/// number and half the composite) and reported with line 1 and, when it
/// follows, the name line.
pub(crate) fn mrz(sk: &mut Sink<'_>, s: usize) {
    let t = sk.t;
    if !sk.on(D::PassportMrz) || before(t, s) == b'<' {
        return;
    }
    match run(t, s, 44, mrz_class) {
        44 if t.get(s..s + 44).is_some_and(v::mrz_td3_line2) => {
            sk.emit_fixed(D::PassportMrz, s, s + 44, High);
        }
        36 if t.get(s..s + 36).is_some_and(v::mrz_td2_line2) => {
            sk.emit_fixed(D::PassportMrz, s, s + 36, High);
        }
        30 => td1(sk, s),
        _ => {}
    }
}

/// An MRZ line of exactly `len` characters ending at `e` (exclusive), if
/// one does: its start.
fn mrz_line_before(t: &[u8], e: usize, len: usize) -> Option<usize> {
    let s = e.checked_sub(len)?;
    (run(t, s, len, mrz_class) == len && !mrz_class(before(t, s))).then_some(s)
}

/// The end of the line break at `i` (`\n` or `\r\n`), if there is one.
fn line_break(t: &[u8], i: usize) -> Option<usize> {
    match (at(t, i), at(t, i + 1)) {
        (b'\n', _) => Some(i + 1),
        (b'\r', b'\n') => Some(i + 2),
        _ => None,
    }
}

/// A TD1 zone whose line 2 (30 characters) starts at `s`.
fn td1(sk: &mut Sink<'_>, s: usize) {
    let t = sk.t;
    let l1_end = match (before(t, s), before(t, s.saturating_sub(1))) {
        (b'\n', b'\r') => s - 2,
        (b'\n', _) => s - 1,
        _ => return,
    };
    let Some(l1) = mrz_line_before(t, l1_end, 30) else {
        return;
    };
    let (Some(line1), Some(line2)) = (t.get(l1..l1 + 30), t.get(s..s + 30)) else {
        return;
    };
    if !v::mrz_td1(line1, line2) {
        return;
    }
    // The name line, if it follows.
    let end = line_break(t, s + 30)
        .filter(|&l3| run(t, l3, 30, mrz_class) == 30)
        .map_or(s + 30, |l3| l3 + 30);
    sk.emit_fixed(D::PassportMrz, l1, end, High);
}

/// True if the word at `ws` may start an MRZ line: it runs into `<`
/// fillers or is long enough to hold the first fields.
#[inline]
pub(crate) fn mrz_candidate(t: &[u8], ws: usize, we: usize) -> bool {
    at(t, we) == b'<' || (we - ws >= 28 && we - ws <= 44)
}

/// Ids in a word that starts with letters: `w` is the word, `letters` its
/// leading letters, `rok` whether it stands free on the right.
pub(crate) fn alpha_word(
    sk: &mut Sink<'_>,
    ws: usize,
    we: usize,
    w: &[u8],
    letters: usize,
    rok: bool,
) {
    let t = sk.t;
    if mrz_candidate(t, ws, we) {
        mrz(sk, ws);
    }
    if !rok {
        return;
    }
    litecoin(sk, ws, we, w);
    // Every id below is at most 20 characters (an LEI) or starts after a
    // lone letter (`eu_vat_before`): a longer word of two or more letters
    // first (an IBAN, on every row of a customer table) skips the walks.
    if w.len() > 20 && letters != 1 {
        return;
    }
    let upper = w.iter().all(|c| !c.is_ascii_lowercase());
    match w.len() {
        18 if letters == 4 && upper && v::mx_curp(w) => {
            sk.emit(D::MxCurp, ws, we, Medium, PLAIN);
        }
        10 if letters == 5 && upper && v::in_pan(w) => {
            sk.emit(D::InPan, ws, we, Low, PLAIN);
        }
        12 if letters >= 2 => {
            if upper && v::isin(w) {
                // A national number of digits only (US0378331005) alone;
                // with letters inside it is as likely a part number.
                let digits_only = w.get(2..).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
                // An EU country's code and ten digits is also that
                // country's VAT number's shape (`PL8106969511`): its word
                // decides.
                // (A UK VAT number has nine or twelve: `GB` is not one.)
                let vat_shape =
                    digits_only && vat_country(t, ws).is_some_and(|c| &c != b"GB" && &c != b"XI");
                let adj = Adj {
                    need_ctx: !digits_only || vat_shape,
                    nonvalue: false,
                };
                if !crate::numeric::labelled_as_other(sk, D::Isin, ws, we) {
                    sk.emit(D::Isin, ws, we, Low, adj);
                }
            }
            if letters == 3 && w.starts_with(b"CHE") && w.get(3..).is_some_and(v::ch_uid) {
                sk.emit(D::ChUid, ws, we, Medium, PLAIN);
            }
        }
        // The Swiss UID as a VAT number, its suffix glued on
        // (`CHE100416306MWST`, `…TVA`, `…IVA`).
        15 | 16
            if letters == 3
                && w.starts_with(b"CHE")
                && w.get(12..).is_some_and(ch_vat_suffix)
                && w.get(3..12).is_some_and(v::ch_uid) =>
        {
            sk.emit(D::ChUid, ws, we, Medium, PLAIN);
        }
        // Norway's VAT number: `NO`, the organisation number, `MVA`
        // (`NO864234232MVA`, or `NO864234232 MVA`).
        14 if letters == 2
            && w.starts_with(b"NO")
            && w.ends_with(b"MVA")
            && w.get(2..11).is_some_and(v::no_orgnr) =>
        {
            // `MVA` is its word: the organisation number alone needs one.
            sk.emit_fixed(D::NoOrgnr, ws, we, Medium);
        }
        11 if letters == 2
            && w.starts_with(b"NO")
            && t.get(we..we + 4).is_some_and(|x| x == b" MVA")
            && right_ok(t, we + 4, false)
            && w.get(2..).is_some_and(v::no_orgnr) =>
        {
            sk.emit_fixed(D::NoOrgnr, ws, we + 4, Medium);
        }
        // A Mauritian national identity number (`J010180120114E`).
        14 if letters == 1 && upper && v::mu_nid(w) => {
            sk.emit(D::MuNid, ws, we, Low, PLAIN);
        }
        // North Macedonia's ЕДБ with its country's code (`MK4030000375897`),
        // next to its word as the digits alone are.
        15 if letters == 2 && w.starts_with(b"MK") && w.get(2..).is_some_and(v::mk_edb) => {
            sk.emit(D::MkEdb, ws, we, Low, PLAIN);
        }
        // Taxpayer numbers of a letter, digits and a letter, next to
        // their words: Albania's NIPT (`J61827501H`), Kenya's PIN
        // (`A001906275H`), Ghana's TIN with its check (`C0000803561`).
        10 if letters == 1 && upper && v::al_nipt(w) => {
            sk.emit(D::AlNipt, ws, we, Low, NEED_CTX);
        }
        11 if letters == 1 => {
            if v::gh_tin(w) {
                sk.emit(D::GhTin, ws, we, Low, NEED_CTX);
            } else if v::ke_pin(w) {
                sk.emit(D::KePin, ws, we, Low, NEED_CTX);
            }
        }
        // An ABN as Australia's VAT-style number, `AU53004085616`.
        13 if letters == 2 && w.starts_with(b"AU") && w.get(2..).is_some_and(v::au_abn) => {
            sk.emit(D::AuAbn, ws, we, Medium, NEED_CTX);
        }
        _ => {}
    }
    // A MEID in hex, next to its word: without its check digit it is
    // only a shape.
    if matches!(w.len(), 14 | 15)
        && (upper || w.iter().all(|c| !c.is_ascii_uppercase()))
        && v::meid_hex(w)
    {
        let base = if w.len() == 15 { Medium } else { Low };
        sk.emit(D::Meid, ws, we, base, NEED_CTX);
    }
    if (w.len() == 13 && letters == 4) || (w.len() == 12 && letters == 3) {
        mx_rfc_compact(sk, ws, we, w, letters);
    }
    // An Albanian NIPT whose last letter stands apart: `M02129023 S`.
    if w.len() == 9 && letters == 1 && upper && at(t, we) == b' ' {
        al_nipt_apart(sk, ws, ws + 1);
    }
    if w.len() == 9 && letters == 1 && upper && v::es_cif(w) {
        sk.emit(D::EsCif, ws, we, Medium, NEED_CTX);
    }
    // The serial printed on a German identity card (no check digit).
    if w.len() == 9 && upper && v::de_id_serial(w) {
        sk.emit(D::DeIdCard, ws, we, Low, NEED_CTX);
    }
    // A Singapore UEN of another entity: T16RF0037C.
    if w.len() == 10 && letters == 1 && upper && v::sg_uen(w) {
        sk.emit(D::SgUen, ws, we, Medium, PLAIN);
    }
    // A KVNR followed by the insurer's nine-digit IK and a check digit,
    // as the card's longer number writes it (`L774637065` `433044529` `1`).
    if w.len() == 20 && letters == 1 && upper && w.get(..10).is_some_and(v::de_kvnr) {
        sk.emit(D::DeKvnr, ws, we, Medium, NEED_CTX);
    }
    if w.len() == 10 && upper {
        if letters == 1 && v::tw_national_id(w) {
            sk.emit(D::TwNationalId, ws, we, Medium, NEED_CTX);
        }
        if letters == 1 && v::de_kvnr(w) {
            sk.emit(D::DeKvnr, ws, we, Medium, NEED_CTX);
        }
        if v::de_id_card(w) {
            sk.emit(D::DeIdCard, ws, we, Medium, NEED_CTX);
        }
    }
    // A German serial with its check digit as the MRZ writes it, and the
    // nationality `D` after it (`T220001293D`): the identity card's, or
    // the passport's (`C01X00T478`, `CZ6311T472D`: the same alphabet and
    // check) next to a passport word.
    // (Not the start of an MRZ line, `C01X00T478D<<6408125…`: the
    // line is the MRZ's.)
    if matches!(w.len(), 10 | 11)
        && upper
        && at(t, we) != b'<'
        && (w.len() == 10 || w.last() == Some(&b'D'))
        && w.get(..10).is_some_and(v::de_id_card)
    {
        if w.len() == 11 {
            sk.emit(D::DeIdCard, ws, we, Medium, NEED_CTX);
        }
        sk.emit(D::PassportNumber, ws, we, Medium, NEED_CTX);
    }
    // A word longer than any VAT number (an IBAN starting `DE`, `FR`,
    // `ES`: every row of a customer table) is not one, whatever follows.
    // (Four: a French number's key of two letters, `FRBB123543267`, a UK
    // government department's `GBGD100`.)
    if ((2..=3).contains(&letters)
        || (letters == 4 && matches!(w.get(..2), Some(b"FR" | b"GB" | b"XI"))))
        && w.len() <= 16
        && vat_country(t, ws).is_some()
    {
        eu_vat_at(sk, ws);
    }
    // `ES - Q0818001J`: a company letter glued to the digits, the country
    // code apart.
    if letters == 1 && matches!(before(t, ws), b' ' | b':' | b'-' | b'.') {
        eu_vat_before(sk, ws, 0);
    }
    if (1..=2).contains(&letters) && matches!(w.len() - letters, 6 | 7) {
        hk_hkid(sk, ws, we, w, letters);
    }
    if w.len() == 14 {
        br_cnpj_compact(sk, ws, we, w);
    }
    // Austria's `U13585627`, France's `K7399859412`.
    if upper
        && letters == 1
        && ((w.len() == 9 && w.first() == Some(&b'U')) || w.len() == 11)
        && w.iter().skip(1).all(u8::is_ascii_digit)
    {
        eu_vat_national(sk, ws, we, w);
    }
    passport(sk, ws, we, w);
    driving_licence(sk, ws, we, w);
    health_plan(sk, ws, we, w, letters);
    // A UK licence number's last part apart (`MORGA 753116 SM91J01`).
    if matches!(w.len(), 5 | 7)
        && letters == 2
        && ws >= 2
        && before(t, ws) == b' '
        && at(t, ws - 2).is_ascii_digit()
    {
        crate::numeric::uk_dl_spaced(sk, ws, we);
    }
    vin(sk, ws, we, w);
    if upper {
        letters_digits(sk, ws, we, w, letters);
    }
    any_word(sk, ws, we, w, upper);
}

/// Ids of letters then digits (then letters) that need their word:
/// India's voter id, Italy's identity card and driving licence (no check
/// digit), Poland's identity card (a check digit after the series).
fn letters_digits(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8], letters: usize) {
    let digits = w
        .get(letters..)
        .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
    let tail = w.len() - letters - digits;
    let tail_letters = w
        .get(letters + digits..)
        .is_some_and(|r| r.iter().all(u8::is_ascii_uppercase));
    match (letters, digits, tail) {
        (3, 7, 0) => sk.emit(D::InVoterId, ws, we, Low, NEED_CTX),
        (3, 6, 0) if v::pl_id_card(w) => sk.emit(D::PlIdCard, ws, we, Medium, NEED_CTX),
        (2, 7, 0) | (2, 5, 2) if tail_letters => sk.emit(D::ItIdentityCard, ws, we, Low, NEED_CTX),
        (2, 7, 1) if tail_letters => sk.emit(D::ItDriverLicence, ws, we, Low, NEED_CTX),
        _ => {}
    }
    // `U1`, a category letter, six letters or digits, a letter.
    const SERIES: &[u8] = b"BCDEFGHLMNPRSTUWYXZ";
    if w.len() == 10
        && w.starts_with(b"U1")
        && w.get(2).is_some_and(|c| SERIES.contains(c))
        && w.get(9).is_some_and(u8::is_ascii_uppercase)
    {
        sk.emit(D::ItDriverLicence, ws, we, Low, NEED_CTX);
    }
}

/// A Litecoin address: legacy `L…`/`M…` with its version byte, or SegWit
/// `ltc1…` in one case.
fn litecoin(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8]) {
    let legacy = (26..=35).contains(&w.len())
        && matches!(w.first(), Some(b'L' | b'M'))
        && matches!(v::base58check_version(w), Some(0x30 | 0x32));
    let segwit = (w.starts_with(b"ltc1") || w.starts_with(b"LTC1"))
        && (15..=75).contains(&w.len())
        && (w.iter().all(|c| !c.is_ascii_uppercase()) || w.iter().all(|c| !c.is_ascii_lowercase()))
        && v::segwit_address(&w.to_ascii_lowercase());
    if legacy || segwit {
        sk.emit(D::LitecoinAddress, ws, we, High, PLAIN);
    }
}

/// A vehicle identification number: with its North American check digit
/// alone, without it (Europe's) only next to its word.
fn vin(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8]) {
    if w.len() != 17 {
        return;
    }
    match v::vin(w) {
        Some(true) => sk.emit(D::Vin, ws, we, Low, PLAIN),
        Some(false) => sk.emit(D::Vin, ws, we, Low, NEED_CTX),
        None => {}
    }
}

/// A Unicode code point (`<U0001F6C2>`, the PASSPORT CONTROL sign in a
/// locale's collation table), not a document's number.
fn code_point(t: &[u8], ws: usize, we: usize, w: &[u8]) -> bool {
    w.first() == Some(&b'U')
        && w.iter().skip(1).all(u8::is_ascii_hexdigit)
        && (before(t, ws) == b'<' || at(t, we) == b'>')
}

/// A passport number of any issuer, next to a passport word (which it
/// needs anyway, so its letters may be written in any case).
pub(crate) fn passport(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8]) {
    if !(8..=9).contains(&w.len()) {
        return;
    }
    let mut up = [0u8; 9];
    let Some(u) = up.get_mut(..w.len()) else {
        return;
    };
    u.copy_from_slice(w);
    u.make_ascii_uppercase();
    if v::passport_number(u) && !code_point(sk.t, ws, we, w) {
        sk.emit(D::PassportNumber, ws, we, Low, NEED_CTX);
    }
}

/// A health plan's member number written with its letters (`XYZ837201945`,
/// `W839204716`): one to four letters, then 5 to 14 digits, not one
/// digit repeated nor a run; next to health-plan wording (asked first:
/// it is cached), the value of its own label (see
/// [`crate::numeric::health_plan_label`]).
fn health_plan(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8], letters: usize) {
    if !(1..=4).contains(&letters) || !(6..=18).contains(&w.len()) || !sk.on(D::HealthPlanId) {
        return;
    }
    let Some(digits) = w.get(letters..) else {
        return;
    };
    if digits.len() >= 5
        && digits.iter().all(u8::is_ascii_digit)
        && unchecked(digits)
        && sk.ctx_ok(D::HealthPlanId, ws, we)
        && crate::numeric::health_plan_label(sk.t, ws)
    {
        sk.emit(D::HealthPlanId, ws, we, Low, NEED_CTX);
    }
}

/// A driving licence number of any issuer, next to a driving-licence
/// word: 6-16 letters and digits with at least four digits and a letter
/// (a number of digits only is the numeric walk's).
fn driving_licence(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8]) {
    if !(6..=16).contains(&w.len()) {
        return;
    }
    let digits = w.iter().filter(|c| c.is_ascii_digit()).count();
    if digits >= 4 && digits < w.len() && w.iter().all(u8::is_ascii_alphanumeric) {
        licence(sk, D::DrivingLicence, ws, we);
    }
}

/// Reports a driving licence's number `t[s..e]` as detector `d`: next to
/// a licence word, or right after the label `DL` with its `#` or `:`
/// (`DL# D1234567`, `DL: …`, as US forms and Macie's and Purview's
/// keyword lists write it). `DL` alone is no word: git's release notes
/// name branches `dl/…`, stack traces the loader's `_dl_init`.
#[inline(never)]
pub(crate) fn licence(sk: &mut Sink<'_>, d: D, s: usize, e: usize) {
    // (The byte before first: in a table it is the delimiter.)
    if matches!(before(sk.t, s), b'#' | b':' | b' ' | b'\t') && dl_label(sk.t, s) {
        // The label is the word: `medium`, as a licence word makes it.
        sk.emit_fixed(d, s, e, Medium);
    } else {
        sk.emit(d, s, e, Low, NEED_CTX);
    }
}

/// True if `DL#` or `DL:` (any case, spaces around the mark) ends right
/// before `s`, `DL` not the end of a longer word.
#[cold]
#[inline(never)]
fn dl_label(t: &[u8], s: usize) -> bool {
    let left = t.get(s.saturating_sub(10)..s).unwrap_or_default();
    let mut i = left.len();
    let skip = |i: &mut usize, set: &[u8], most: usize| {
        let mut n = 0;
        while n < most && *i > 0 && left.get(*i - 1).is_some_and(|c| set.contains(c)) {
            *i -= 1;
            n += 1;
        }
        n
    };
    skip(&mut i, b" \t", 2);
    if skip(&mut i, b"#:", 2) == 0 {
        return false;
    }
    skip(&mut i, b" ", 1);
    i >= 2
        && left
            .get(i - 2..i)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"dl"))
        && !(i > 2
            && left
                .get(i - 3)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_'))
        && !(i == 2
            && s > left.len()
            && t.get(s - left.len() - 1)
                .is_some_and(|c| c.is_ascii_alphanumeric()))
}

/// A Hong Kong Identity Card number. Printed with its check in
/// parentheses (`A123456(3)`, `AB987654 (3)`) the format is its own and
/// is reported alone; written as one word (`A1234563`), or in lower case,
/// only next to its word, as is one with its check in square brackets
/// (`A494866[4]`). `w` is one or two letters and six or seven
/// characters; the parenthesised check is read past the word. A value
/// whose check fails is not reported.
fn hk_hkid(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8], letters: usize) {
    if !sk.on(D::HkHkid) {
        return;
    }
    let t = sk.t;
    let (Some(head), Some(rest)) = (w.get(..letters + 6), w.get(letters..)) else {
        return;
    };
    if !head
        .get(letters..)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    {
        return;
    }
    let (check, end, paren) = if let Some(&c) = rest.get(6) {
        (c, we, false)
    } else {
        // `(3)` right after the digits or after one space, or in the
        // full-width brackets of Chinese text, `（3）`.
        const OPEN: &[u8] = "（".as_bytes();
        const CLOSE: &[u8] = "）".as_bytes();
        let o = if at(t, we) == b' ' { we + 1 } else { we };
        if at(t, o) == b'(' && at(t, o + 2) == b')' && !is_word(at(t, o + 3)) {
            (at(t, o + 1), o + 3, true)
        } else if at(t, o) == b'[' && at(t, o + 2) == b']' && !is_word(at(t, o + 3)) {
            // In square brackets (`A494866[4]`, validator.js's tests): a
            // footnote's mark too, so only next to its word.
            (at(t, o + 1), o + 3, false)
        } else if t.get(o..o + 3) == Some(OPEN)
            && t.get(o + 4..o + 7) == Some(CLOSE)
            && !is_word(at(t, o + 7))
        {
            (at(t, o + 3), o + 7, true)
        } else {
            return;
        }
    };
    let n = letters + 7;
    let mut up = [0u8; 9];
    let Some(dst) = up.get_mut(..n) else {
        return;
    };
    for (x, &c) in dst.iter_mut().zip(head.iter().chain([check].iter())) {
        *x = c.to_ascii_uppercase();
    }
    if !v::hk_hkid(dst) {
        return;
    }
    let lower = head.iter().any(u8::is_ascii_lowercase) || check == b'a';
    let adj = Adj {
        need_ctx: lower || !paren,
        nonvalue: false,
    };
    sk.emit(D::HkHkid, ws, end, Medium, adj);
}

/// A Mexican RFC written as one word (`GODE561231GR8`, `MAB9307148T4`):
/// a person's alone in capitals, a company's or a lower-case one next to
/// its word.
fn mx_rfc_compact(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8], letters: usize) {
    if !sk.on(D::MxRfc) {
        return;
    }
    let mut up = [0u8; 13];
    let Some(dst) = up.get_mut(..w.len()) else {
        return;
    };
    dst.copy_from_slice(w);
    dst.make_ascii_uppercase();
    if v::mx_rfc(dst) {
        let lower = w.iter().any(u8::is_ascii_lowercase);
        let adj = Adj {
            need_ctx: lower || letters == 3,
            nonvalue: false,
        };
        sk.emit(D::MxRfc, ws, we, Medium, adj);
    } else if v::mx_rfc_shape(dst) {
        // A wrong check character (about 1.5% of the RFCs in use): next
        // to its word only.
        sk.emit(D::MxRfc, ws, we, Low, NEED_CTX);
    }
}

/// A Mexican RFC in three groups (`GODE 561231 GR8`, `MAB-930714-8T4`),
/// keyed on its date: `ws` is the date's first digit, after the
/// separator that follows the name letters.
pub(crate) fn mx_rfc_apart(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    if !sk.on(D::MxRfc) || ws < 4 {
        return;
    }
    let sep = before(t, ws);
    // Back over the 3 or 4 name letters.
    let nl = (1..=5)
        .take_while(|&k| ws > k && at(t, ws - 1 - k).is_ascii_alphabetic())
        .count();
    if !(3..=4).contains(&nl) || before(t, ws - 1 - nl).is_ascii_alphanumeric() {
        return;
    }
    let s = ws - 1 - nl;
    if run(t, ws, 6, |c| c.is_ascii_digit()) != 6 {
        return;
    }
    let full = at(t, ws + 6) == sep
        && run(t, ws + 7, 3, |c| c.is_ascii_alphanumeric()) == 3
        && right_ok(t, ws + 10, false);
    // A person's RFC without its homoclave (`COMG-600703`: the ten
    // characters the SAT derives from the name and birth date, printed
    // before the three it assigns), next to its word.
    // (Not before another group: `GODE-561231 GR8` mixes separators.)
    let more = matches!(at(t, ws + 6), b' ' | b'-') && at(t, ws + 7).is_ascii_alphanumeric();
    if !full && !more && nl == 4 && matches!(sep, b'-' | b' ') && right_ok(t, ws + 6, false) {
        let n = |a: usize| {
            u32::from(at(t, a).wrapping_sub(b'0')) * 10 + u32::from(at(t, a + 1).wrapping_sub(b'0'))
        };
        let upper = run(t, s, 4, |c| c.is_ascii_uppercase()) == 4;
        // The century is not written (2000 is a leap year, as in
        // `v::mx_rfc_shape`).
        if upper && v::valid_date(2000 + n(ws), n(ws + 2), n(ws + 4)) {
            sk.emit(D::MxRfc, s, ws + 6, Low, NEED_CTX);
        }
        return;
    }
    // The date, the same separator and the three check characters.
    if !full {
        return;
    }
    let mut buf = [0u8; 13];
    let parts = [(s, nl), (ws, 6), (ws + 7, 3)];
    let mut n = 0;
    for (a, k) in parts {
        for c in t.get(a..a + k).unwrap_or_default() {
            if let Some(x) = buf.get_mut(n) {
                *x = c.to_ascii_uppercase();
            }
            n += 1;
        }
    }
    let raw_lower = [(s, nl), (ws + 7, 3)].iter().any(|&(a, k)| {
        t.get(a..a + k)
            .is_some_and(|x| x.iter().any(u8::is_ascii_lowercase))
    });
    let rfc = buf.get(..n).unwrap_or_default();
    if v::mx_rfc(rfc) {
        let adj = Adj {
            need_ctx: raw_lower || nl == 3,
            nonvalue: false,
        };
        sk.emit(D::MxRfc, s, ws + 10, Medium, adj);
    } else if v::mx_rfc_shape(rfc) {
        sk.emit(D::MxRfc, s, ws + 10, Low, NEED_CTX);
    }
}

/// The CRA's program identifiers in a BN15.
const CRA_PROGRAMS: &[&[u8; 2]] = &[
    b"RC", b"RT", b"RP", b"RR", b"RM", b"RZ", b"RD", b"RG", b"RN", b"RS",
];

/// Ids in a word that starts with digits and holds letters.
pub(crate) fn digit_word(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8], nd: usize) {
    let t = sk.t;
    if mrz_candidate(t, ws, we) {
        mrz(sk, ws);
    }
    if !right_ok(t, we, false) {
        return;
    }
    let upper = w.iter().all(|c| !c.is_ascii_lowercase());
    // An old Sri Lankan NIC: nine digits and V or X (either case).
    if w.len() == 10
        && nd == 9
        && matches!(w.last(), Some(b'V' | b'X' | b'v' | b'x'))
        && w.get(..9).is_some_and(v::lk_nic)
    {
        sk.emit(D::LkNic, ws, we, Medium, NEED_CTX);
    }
    // A Canadian BN15: the BN9, a CRA program (`RC` corporate tax, `RT`
    // GST/HST, `RP` payroll, `RR` charity, …) and a four-digit account.
    if w.len() == 15
        && nd == 9
        && w.get(..9).is_some_and(v::ca_bn)
        && w.get(9..11)
            .is_some_and(|p| CRA_PROGRAMS.iter().any(|c| c.as_slice() == p))
        && w.get(11..)
            .is_some_and(|r| r.iter().all(u8::is_ascii_digit))
    {
        sk.emit(D::CaBn, ws, we, Medium, NEED_CTX);
    }
    // A Chinese USCC with letters in its organisation code.
    if w.len() == 18 && nd >= 8 && upper && v::cn_uscc(w) {
        sk.emit(D::CnUscc, ws, we, Medium, NEED_CTX);
    }
    if w.len() == 15 && nd == 2 && upper && v::in_gstin(w) {
        sk.emit(D::InGstin, ws, we, Medium, PLAIN);
    }
    // A UK licence number with its surname apart (`MORGA 753116SM91J`).
    if matches!(w.len(), 11 | 13) && nd == 6 && before(t, ws) == b' ' {
        crate::numeric::uk_dl_spaced(sk, ws, we);
    }
    // A NIE with its prefix apart and its letter glued (`x-2482300w`).
    if w.len() == 8 && nd == 7 && ws >= 2 && matches!(before(t, ws), b'-' | b' ') {
        crate::numeric::es_nie(sk, ws - 2);
    }
    if w.len() == 14 {
        br_cnpj_compact(sk, ws, we, w);
    }
    // The Netherlands' `004495445B01`, France's `4Z123456782`.
    let nl = w.len() == 12 && nd == 9 && matches!(w.get(9), Some(b'B' | b'b'));
    let fr = w.len() == 11 && nd == 1 && w.iter().skip(2).all(u8::is_ascii_digit);
    if (nl || fr) && w.iter().skip(10).all(u8::is_ascii_digit) {
        let mut up = [0u8; 12];
        if let Some(u) = up.get_mut(..w.len()) {
            u.copy_from_slice(w);
            u.make_ascii_uppercase();
            eu_vat_national(sk, ws, we, u);
        }
    }
    passport(sk, ws, we, w);
    driving_licence(sk, ws, we, w);
    vin(sk, ws, we, w);
    any_word(sk, ws, we, w, upper);
}

/// Brazil's alphanumeric CNPJ written as one word (`12ABC34501DE35`, in
/// either case), next to its word: twelve letters and digits and two
/// check digits. Printed in its layout it is the numeric walk's.
fn br_cnpj_compact(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8]) {
    let Ok(mut up) = <[u8; 14]>::try_from(w) else {
        return;
    };
    up.make_ascii_uppercase();
    if v::br_cnpj_alnum(&up) {
        sk.emit(D::BrCnpj, ws, we, Medium, NEED_CTX);
    }
}

/// Securities ids, which start with a digit or a letter.
fn any_word(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8], upper: bool) {
    if !upper {
        return;
    }
    match w.len() {
        9 if v::cusip(w) => sk.emit(D::Cusip, ws, we, Medium, NEED_CTX),
        7 if v::sedol(w) => sk.emit(D::Sedol, ws, we, Medium, NEED_CTX),
        20 if v::lei(w) => sk.emit(D::Lei, ws, we, Low, PLAIN),
        _ => {}
    }
}

/// Country codes of the VAT numbers [`v::eu_vat`] checks.
const VAT_COUNTRIES: &[&[u8; 2]] = &[
    b"AT", b"BE", b"BG", b"CY", b"CZ", b"DE", b"DK", b"EE", b"EL", b"GR", b"ES", b"FI", b"FR",
    b"HR", b"HU", b"IE", b"IT", b"LT", b"LU", b"LV", b"MT", b"NL", b"PL", b"PT", b"RO", b"SE",
    b"SI", b"SK", b"XI", b"GB",
];

fn vat_country(t: &[u8], p: usize) -> Option<[u8; 2]> {
    let cc = [
        at(t, p).to_ascii_uppercase(),
        at(t, p + 1).to_ascii_uppercase(),
    ];
    VAT_COUNTRIES.iter().any(|c| **c == cc).then_some(cc)
}

fn vat_sep(c: u8) -> bool {
    matches!(c, b' ' | b'.' | b'-' | b'/')
}

/// An EU VAT number from its country code at `p`, in the layouts seen in
/// invoices: compact or grouped with spaces, dots, dashes or slashes
/// (`DE 181 207 708`, `BE 0202.239.951`, `PL 584-030-44-72`, `ATU 142 43
/// 102`, `ES A-28184661`, `NL 8225.69.759 b01`), the code apart or joined by
/// `:` or ` - `, in either case. The longest run of groups that passes the
/// country's check is the number.
pub(crate) fn eu_vat_at(sk: &mut Sink<'_>, p: usize) {
    if !sk.on(D::EuVat) || before(sk.t, p).is_ascii_alphanumeric() {
        return;
    }
    let t = sk.t;
    let Some(cc) = vat_country(t, p) else { return };
    let mut buf = [0u8; 16];
    if let Some(h) = buf.get_mut(..2) {
        h.copy_from_slice(&cc);
    }
    let mut i = p + 2;
    let mut skipped = 0;
    while skipped < 3 && matches!(at(t, i), b' ' | b':' | b'-' | b'.') {
        i += 1;
        skipped += 1;
    }
    if !at(t, i).is_ascii_alphanumeric() {
        return;
    }
    let mut n = 2;
    let mut ends = [(0usize, 0usize); 12];
    let mut ne = 0;
    loop {
        let c = at(t, i);
        if c.is_ascii_alphanumeric() {
            if n >= buf.len() {
                // Longer than any VAT number: the groups read so far are
                // the candidates.
                break;
            }
            if let Some(x) = buf.get_mut(n) {
                *x = c.to_ascii_uppercase();
            }
            n += 1;
            i += 1;
            continue;
        }
        if let Some(x) = ends.get_mut(ne) {
            *x = (i, n);
            ne += 1;
        }
        if vat_sep(c) && at(t, i + 1).is_ascii_alphanumeric() && ne < ends.len() {
            i += 1;
            continue;
        }
        break;
    }
    let lower = at(t, p).is_ascii_lowercase() || at(t, p + 1).is_ascii_lowercase();
    for &(e, k) in ends.get(..ne).unwrap_or_default().iter().rev() {
        // A group that runs on into a word (`…B01x`) is not a boundary.
        if k > 2 && right_ok(t, e, false) && v::eu_vat(buf.get(..k).unwrap_or_default()) {
            // Glued to a bracket (`RO331969(0)`: a Hong Kong id with its
            // check digit), or labelled as another id: not a VAT number.
            if at(t, e) == b'('
                || crate::numeric::labelled_as_other_than(sk, D::EuVat, vat_body_ids(cc), p, e)
            {
                return;
            }
            let adj = Adj {
                need_ctx: lower,
                nonvalue: false,
            };
            sk.emit(D::EuVat, p, e, Low, adj);
            return;
        }
    }
}

/// True if a VAT label ends right before `ws`: `VAT`, then at most three
/// of the words `reg`, `registration`, `no`, `nr`, `number`, `id`, with
/// spaces, `.`, `:`, `#` or `-` between (`VAT reg no: `, `VAT No. `,
/// `VAT registration number `, `VAT: `), within 40 bytes.
fn vat_label_before(t: &[u8], ws: usize) -> bool {
    let lo = ws.saturating_sub(40);
    let mut i = ws;
    for _ in 0..4 {
        while i > lo && matches!(at(t, i - 1), b' ' | b':' | b'.' | b'#' | b'-') {
            i -= 1;
        }
        let e = i;
        while i > lo && at(t, i - 1).is_ascii_alphabetic() {
            i -= 1;
        }
        let w = t.get(i..e).unwrap_or_default();
        if w.len() > 12 || (i == lo && lo > 0) {
            return false;
        }
        let mut lw = [0u8; 12];
        for (d, c) in lw.iter_mut().zip(w) {
            *d = c.to_ascii_lowercase();
        }
        match lw.get(..w.len()).unwrap_or_default() {
            b"vat" => return !before(t, i).is_ascii_alphanumeric(),
            b"reg" | b"registration" | b"no" | b"nr" | b"number" | b"id" => {}
            _ => return false,
        }
    }
    false
}

/// A UK VAT number printed without its `GB`, as British invoices print it
/// (`VAT reg no: 123 4567 89`, `VAT No. 123456789`, a branch's twelve
/// digits): only right after a VAT label ([`vat_label_before`]), since
/// nine digits after another word are as often another country's number.
/// Out of line: asked of every nine- or twelve-digit number after a word
/// and a space, and few of them follow a VAT label.
#[inline(never)]
fn gb_vat_after_label(sk: &mut Sink<'_>, ws: usize) {
    if !sk.on(D::EuVat) || !vat_label_before(sk.t, ws) {
        return;
    }
    let t = sk.t;
    let mut buf = [b'G', b'B', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut n = 2;
    let mut i = ws;
    let mut ends = [(0usize, 0usize); 6];
    let mut ne = 0;
    loop {
        let c = at(t, i);
        if c.is_ascii_digit() {
            let Some(x) = buf.get_mut(n) else { return };
            *x = c;
            n += 1;
            i += 1;
            continue;
        }
        if let Some(x) = ends.get_mut(ne) {
            *x = (i, n);
            ne += 1;
        }
        if matches!(c, b' ' | b'-' | b'.') && at(t, i + 1).is_ascii_digit() && ne < ends.len() {
            i += 1;
            continue;
        }
        break;
    }
    for &(e, k) in ends.get(..ne).unwrap_or_default().iter().rev() {
        if matches!(k, 11 | 14)
            && right_ok(t, e, false)
            && v::eu_vat(buf.get(..k).unwrap_or_default())
        {
            sk.emit(D::EuVat, ws, e, Low, PLAIN);
            return;
        }
    }
}

/// The national numbers a country's VAT number is made of (`PT` and the
/// NIF, `ES` and the NIF/CIF, `IT` and the partita IVA): their words name
/// the VAT number too (`NIF PT501964843`).
fn vat_body_ids(cc: [u8; 2]) -> &'static [D] {
    match &cc {
        b"PT" => &[D::PtNif],
        b"ES" => &[D::EsCif, D::EsDni, D::EsNie],
        b"IT" => &[D::ItPartitaIva, D::ItCodiceFiscale],
        b"PL" => &[D::PlNip],
        b"DK" => &[D::DkCvr],
        b"FI" => &[D::FiYtunnus],
        b"HR" => &[D::HrOib],
        b"EE" => &[D::EeRegistrikood],
        b"CZ" => &[D::CzIco, D::CzBirthNumber],
        b"FR" => &[D::FrSiren],
        b"BG" => &[D::BgEgn],
        b"RO" => &[D::RoCnp],
        b"LV" => &[D::LvPersonasKods],
        b"SI" => &[D::SiTaxNumber],
        b"EL" | b"GR" => &[D::GrAfm],
        b"SE" => &[D::SeOrgnr],
        // `közösségi adószám`: the community number is the first eight
        // digits of the company's adószám.
        b"HU" => &[D::HuTaxId],
        _ => &[],
    }
}

/// The countries whose VAT numbers are printed without their code under a
/// word of their own (`N° TVA : 40 303 265 045`, `BTW-nummer
/// 004495445B01`, `KMKR 100594102`), with those words: a number that
/// passes one of these countries' checks next to one of its words is that
/// country's VAT number. Words several countries share (`VAT`, `MwSt`,
/// `IVA`) and the national ids' own (`NIP`, `CIF`, `OIB` …) do not count:
/// the body alone is then too weak a sign, or another id's.
const NATIONAL_VAT: &[(&[u8; 2], &[&str])] = &[
    (
        b"FR",
        &["tva", "n° tva", "numéro de tva", "tva intracommunautaire"],
    ),
    (b"BE", &["tva", "btw", "btw-nummer", "n° tva"]),
    (
        b"NL",
        &["btw", "btw-nummer", "btw-id", "btw nummer", "btw-nr"],
    ),
    (b"AT", &["uid", "uid-nummer", "uid-nr"]),
    (b"EE", &["kmkr"]),
    (b"LT", &["pvm", "pvm kodas", "pvm mokėtojo kodas"]),
    (b"LV", &["pvn"]),
    (b"BG", &["ддс", "ДДС"]),
];

/// A VAT number without its country code (`body`: upper case, no
/// separators; `s..e` its span) after its country's own word
/// ([`NATIONAL_VAT`]): low, raised by the word to medium. The shared
/// cached context is asked first; the word lists only once a body of
/// that length may be one.
pub(crate) fn eu_vat_national(sk: &mut Sink<'_>, s: usize, e: usize, body: &[u8]) {
    if !(9..=12).contains(&body.len()) || !sk.ctx_ok(D::EuVat, s, e) {
        return;
    }
    let mut buf = [0u8; 14];
    let Some(b) = buf.get_mut(2..2 + body.len()) else {
        return;
    };
    b.copy_from_slice(body);
    for (cc, words) in NATIONAL_VAT {
        if let Some(h) = buf.get_mut(..2) {
            h.copy_from_slice(cc.as_slice());
        }
        if v::eu_vat(buf.get(..2 + body.len()).unwrap_or_default())
            && crate::kit::has_context(sk.t, s, e, words)
        {
            // One number, one type: another id's or a phone's label right
            // before it (`Tél. 01 40 20 50 50`) keeps it from the VAT word
            // further back.
            if !crate::numeric::labelled_as_other(sk, D::EuVat, s, e)
                && !crate::numeric::phone_labelled(sk, s, e)
            {
                sk.emit(D::EuVat, s, e, Low, NEED_CTX);
            }
            return;
        }
    }
}

/// The digits at `ws` may continue a VAT number whose country code stands
/// a few bytes before (`DE 181…`, `ATU 142…`, `ES A-2818…`, `DK: 2159…`):
/// finds the code and reads the number from it. Without a code, a
/// number of `total` digits (nine or twelve) may be a UK VAT number right
/// after its label ([`gb_vat_after_label`]).
pub(crate) fn eu_vat_before(sk: &mut Sink<'_>, ws: usize, total: usize) {
    let t = sk.t;
    // Back over separators and at most one lone letter (AT's U, a Spanish
    // company's letter) to the two-letter code.
    let mut i = ws;
    let mut k = 0;
    while i > 0 && k < 6 && matches!(at(t, i - 1), b' ' | b':' | b'-' | b'.') {
        i -= 1;
        k += 1;
    }
    if i >= 2 && at(t, i - 1).is_ascii_alphabetic() && !at(t, i - 2).is_ascii_alphabetic() {
        // A lone letter: step over it and the separators before it.
        i -= 1;
        while i > 0 && k < 6 && matches!(at(t, i - 1), b' ' | b'-') {
            i -= 1;
            k += 1;
        }
    }
    let p = if i >= 3
        && at(t, i - 1).is_ascii_alphabetic()
        && at(t, i - 2).is_ascii_alphabetic()
        && !at(t, i - 3).is_ascii_alphabetic()
    {
        i - 2
    } else if i >= 3
        && at(t, i - 1).is_ascii_alphabetic()
        && at(t, i - 2).is_ascii_alphabetic()
        && at(t, i - 3).is_ascii_alphabetic()
        && (i < 4 || !at(t, i - 4).is_ascii_alphabetic())
    {
        // `ATU`
        i - 3
    } else if i == 2 && at(t, 0).is_ascii_alphabetic() && at(t, 1).is_ascii_alphabetic() {
        0
    } else {
        usize::MAX
    };
    if p != usize::MAX && p + 2 < ws && vat_country(t, p).is_some() {
        eu_vat_at(sk, p);
    } else if matches!(total, 9 | 12) {
        // No country code: `VAT: 123…`, `VAT No. 123…` (the letters were
        // a label's).
        gb_vat_after_label(sk, ws);
    }
}
/// A US Medicare Health Insurance Claim Number (HICN, issued until 2019 and
/// still in claims archives): the beneficiary's (or the wage earner's) SSN,
/// then a beneficiary identification code of a letter and at most one
/// more letter or digit (`536228726A`, `536-22-8726 B1`). `t[s..de]` are
/// the SSN's digits `d` (nine, in the SSN's layout); the code is at `de`,
/// joined or after one `-` or space. Only next to its word (`HICN`,
/// `HIC no`, `health insurance claim number`, `Medicare`).
#[cold]
#[inline(never)]
pub(crate) fn us_hicn(sk: &mut Sink<'_>, s: usize, de: usize, d: &[u8]) {
    let t = sk.t;
    if !sk.on(D::UsHicn) || d.len() != 9 || !crate::numeric::ssn_valid(d) {
        return;
    }
    let gap = usize::from(matches!(at(t, de), b'-' | b' ') && at(t, de + 1).is_ascii_alphabetic());
    let c = de + gap;
    // The code's letter: A (the wage earner), B-F, J, K, M, T, W (spouses,
    // children, widows, parents, …: CMS's list of codes).
    let letter = at(t, c);
    if !matches!(
        letter.to_ascii_uppercase(),
        b'A'..=b'F' | b'J' | b'K' | b'M' | b'T' | b'W'
    ) {
        return;
    }
    let second = at(t, c + 1);
    let e = if second.is_ascii_digit() || second.is_ascii_uppercase() {
        c + 2
    } else {
        c + 1
    };
    let after = at(t, e);
    if after.is_ascii_alphanumeric() || after == b'_' || before(t, s).is_ascii_alphanumeric() {
        return;
    }
    sk.emit(D::UsHicn, s, e, Medium, NEED_CTX);
}

/// An Albanian NIPT printed with a letter apart (`J 98624806 P`,
/// `K 01725001F`, `M02129023 S`, `AL J 91402501 L`), as registers and
/// invoices print it: its first letter at `s`, its eight digits at `ds`
/// (right after it or after a space), its last letter glued to them or
/// after a space. Next to its word, as the NIPT in one word is.
#[cold]
#[inline(never)]
pub(crate) fn al_nipt_apart(sk: &mut Sink<'_>, s: usize, ds: usize) {
    let t = sk.t;
    let digits_end = ds + 8;
    let last = if at(t, digits_end) == b' ' {
        digits_end + 1
    } else {
        digits_end
    };
    // In one word it is read as one (`J61827501H`).
    let apart = ds == s + 2 || last == digits_end + 1;
    if !apart
        || (ds == s + 2 && at(t, s + 1) != b' ')
        || is_word(before(t, s))
        || is_word(at(t, last + 1))
        || !sk.on(D::AlNipt)
    {
        return;
    }
    let mut w = [0u8; 10];
    for (x, i) in w
        .iter_mut()
        .zip(std::iter::once(s).chain(ds..digits_end).chain([last]))
    {
        *x = at(t, i);
    }
    if v::al_nipt(&w) {
        sk.emit(D::AlNipt, s, last + 1, Low, NEED_CTX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alone_prefix_holds_for_every_alone_id() {
        // The 16-digit alone layouts are the health identifiers only.
        let ((ids, _), prefix) = digit_ids_with_prefix(16);
        assert_eq!(prefix, b"80036");
        for i in ids.iter().filter(|i| !i.alone.is_empty()) {
            // Printed as a card is (contiguous, or first group of four):
            // only the health identifiers, which start with the prefix.
            let card_like = i
                .alone
                .iter()
                .any(|(g, _, _)| g.first().is_none_or(|&f| f == 4));
            assert!(
                !card_like || matches!(i.d, D::AuHealthId),
                "{:?} would be skipped",
                i.d
            );
        }
        assert!(!v::au_health_identifier(b"4111111111111111"));
    }

    #[test]
    fn every_layout_reported_alone_has_the_length_of_its_table() {
        for len in [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 26] {
            let (ids, groups) = digit_ids_of(len);
            let mut want = 0u32;
            for i in ids {
                for (shape, _, _) in i.alone {
                    want |= 1 << shape.len().max(1);
                }
            }
            assert_eq!(groups, want, "group counts of length {len}");
            for i in ids {
                for (shape, seps, _) in i.alone {
                    assert!(shape.is_empty() == seps.is_empty(), "{:?}", i.d);
                    assert!(
                        shape.is_empty() || shape.iter().sum::<usize>() == len,
                        "{:?}",
                        i.d
                    );
                }
            }
        }
        assert!(all_digit_ids().count() >= 39);
    }
}
