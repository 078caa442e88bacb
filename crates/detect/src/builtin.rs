//! The table of built-in detectors: ids, categories, validators, context
//! words, descriptions and examples. The ids are a public contract (policies
//! and JSON output use them); never rename one.

use crate::model::Category;

/// Static description of a detector, for listing (`cordon detectors`) and docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectorInfo {
    /// Stable snake_case id, e.g. `credit_card`.
    pub id: &'static str,
    pub category: Category,
    /// Name of the check-digit or structure validator, if the format has one.
    pub validator: Option<&'static str>,
    /// Words that, near a match, raise its confidence.
    pub context: &'static [&'static str],
    /// True if the detector only reports matches that have a context word
    /// nearby (the bare format is too common to mean anything alone).
    pub needs_context: bool,
    pub description: &'static str,
    /// An example value the detector reports (synthetic or a published test value).
    pub example: &'static str,
}

macro_rules! builtins {
    ($( $var:ident { $id:literal, $cat:ident, $val:expr, $nc:expr, $ctx:expr, $desc:literal, $ex:literal } )*) => {
        /// Index of a built-in detector in [`BUILTINS`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u16)]
        pub(crate) enum D { $($var),* }

        /// Number of built-in detectors.
        pub(crate) const COUNT: usize = [$(stringify!($var)),*].len();

        /// Every built-in detector, in priority order (on a tie between two
        /// matches at the same offset with the same confidence, the earlier
        /// entry wins).
        pub(crate) static BUILTINS: &[DetectorInfo] = &[
            $( DetectorInfo {
                id: $id,
                category: Category::$cat,
                validator: $val,
                context: $ctx,
                needs_context: $nc,
                description: $desc,
                example: $ex,
            } ),*
        ];
    };
}

const CARD_CTX: &[&str] = &[
    "card",
    "credit",
    "debit",
    "visa",
    "mastercard",
    "amex",
    "american express",
    "discover",
    "cc",
    "ccn",
    "pan",
    "payment",
    "charge",
    "charged",
    "exp",
    "expiry",
    "cvv",
    "cardholder",
    "card number",
    "jcb",
    "diners",
    "maestro",
    "unionpay",
];
const SSN_CTX: &[&str] = &[
    "ssn",
    "ssns",
    "social security",
    "social security number",
    "soc sec",
    "ss no",
    "social",
    "us_ssn",
    "ssn#",
];
const ITIN_CTX: &[&str] = &[
    "itin",
    "taxpayer identification",
    "tax id",
    "tin",
    "taxpayer",
];
const NHS_CTX: &[&str] = &[
    "nhs",
    "nhs number",
    "nhs no",
    "patient",
    "health service",
    "nhs_number",
    "uk_nhs",
];
const NPI_CTX: &[&str] = &[
    "npi",
    "provider",
    "prescriber",
    "physician",
    "national provider",
    "practitioner",
    "us_npi",
];
const PHONE_CTX: &[&str] = &[
    "phone",
    "tel",
    "telephone",
    "mobile",
    "cell",
    "fax",
    "ph",
    "mob",
    "whatsapp",
    "phone number",
];
const EMAIL_CTX: &[&str] = &[
    "email", "e-mail", "mail", "mailto", "contact", "reply", "send", "emails",
];
const IP_CTX: &[&str] = &[
    "ip",
    "ipv4",
    "ipv6",
    "address",
    "addr",
    "host",
    "server",
    "client",
    "from",
    "peer",
    "gateway",
    "dns",
    "login",
    "connected",
    "connection",
    "source",
    "src",
    "dst",
    "remote",
    "client_ip",
    "inet",
    "inet6",
];
const IBAN_CTX: &[&str] = &[
    "iban",
    "account",
    "bank",
    "wire",
    "transfer",
    "sepa",
    "pay",
    "payment",
    "beneficiary",
    "konto",
    "rekening",
    "cuenta",
    "compte",
];
const MAC_CTX: &[&str] = &[
    "mac",
    "hwaddr",
    "ether",
    "bssid",
    "hardware address",
    "mac address",
    "device",
];
const SIN_CTX: &[&str] = &[
    "sin",
    "social insurance",
    "social insurance number",
    "nas",
    "numéro d'assurance sociale",
];
const BSN_CTX: &[&str] = &[
    "bsn",
    "burgerservicenummer",
    "sofinummer",
    "sofi",
    "citizen service number",
];
const DNI_CTX: &[&str] = &[
    "dni",
    "nif",
    "documento nacional",
    "documento",
    "identidad",
    "nie",
];
const CF_CTX: &[&str] = &["codice fiscale", "cf", "fiscal code", "c.f", "tax code"];
const INSEE_CTX: &[&str] = &[
    "insee",
    "nir",
    "sécurité sociale",
    "securite sociale",
    "numéro de sécurité sociale",
    "sécu",
];
const DETAX_CTX: &[&str] = &[
    "steuer-id",
    "steueridentifikationsnummer",
    "steuerid",
    "idnr",
    "steuernummer",
    "tax id",
    "identifikationsnummer",
    "tin",
];
const AADHAAR_CTX: &[&str] = &["aadhaar", "aadhar", "uidai", "uid", "आधार"];
const TFN_CTX: &[&str] = &["tfn", "tax file number", "tax file"];
const MEDICARE_AU_CTX: &[&str] = &["medicare", "medicare card", "medicare number"];
const NINO_CTX: &[&str] = &[
    "national insurance",
    "nino",
    "ni number",
    "ni no",
    "insurance number",
];
const PASSPORT_CTX: &[&str] = &[
    "passport",
    "passport number",
    "passport no",
    "passport#",
    "travel document",
];
const DL_CTX: &[&str] = &[
    "driver's license",
    "drivers license",
    "driver license",
    "driver's licence",
    "drivers licence",
    "driving licence",
    "driving license",
    "dln",
    "license number",
    "licence number",
    "license no",
    "dl no",
    "dl number",
    "licence no",
];
const DOB_CTX: &[&str] = &[
    "dob",
    "d.o.b",
    "date of birth",
    "birth date",
    "birthdate",
    "born",
    "birthday",
    "geburtsdatum",
    "date de naissance",
    "fecha de nacimiento",
    "birth",
];
const DEA_CTX: &[&str] = &[
    "dea",
    "dea number",
    "dea#",
    "dea registration",
    "prescriber",
    "registration",
];
const ICD_CTX: &[&str] = &[
    "icd",
    "icd-10",
    "icd10",
    "icd-10-cm",
    "diagnosis",
    "diagnosed",
    "dx",
    "diagnostic",
    "diagnoses",
    "diagnosis code",
    "icd code",
];
const ABA_CTX: &[&str] = &[
    "routing",
    "aba",
    "rtn",
    "routing number",
    "transit",
    "routing no",
    "ach",
    "aba#",
];
const SWIFT_CTX: &[&str] = &["swift", "bic", "swift code", "bic code"];
const BTC_CTX: &[&str] = &["bitcoin", "btc", "wallet", "address", "send"];
const ETH_CTX: &[&str] = &["ethereum", "eth", "wallet", "address", "erc20", "send"];
const MBI_CTX: &[&str] = &[
    "medicare",
    "mbi",
    "beneficiary",
    "medicare beneficiary identifier",
];
const NO_CTX: &[&str] = &[];

builtins! {
    CreditCard { "credit_card", Pci, Some("luhn"), false, CARD_CTX,
        "Payment card numbers of all major brands (Visa, Mastercard incl. 2-series, Amex, Discover, JCB, Diners, Maestro, UnionPay, Mir), 12-19 digits, contiguous or grouped with spaces or dashes; brand prefix and length must agree and Luhn must pass.",
        "4111 1111 1111 1111" }
    UsSsn { "us_ssn", Pii, Some("ssn_rules"), false, SSN_CTX,
        "US Social Security number, AAA-GG-SSSS (dashes or spaces; contiguous only next to a context word); area not 000/666/9xx, group not 00, serial not 0000.",
        "536-22-8726" }
    UsItin { "us_itin", Pii, Some("itin_rules"), true, ITIN_CTX,
        "US Individual Taxpayer Identification Number, 9XX-GG-XXXX with group 50-65, 70-88, 90-92 or 94-99.",
        "ITIN 912-70-1234" }
    Iban { "iban", Pci, Some("mod97"), false, IBAN_CTX,
        "International Bank Account Number for every country in the SWIFT registry: country length, check digits, ISO 7064 mod 97; contiguous or in groups of four.",
        "GB82 WEST 1234 5698 7654 32" }
    Email { "email", Pii, None, false, EMAIL_CTX,
        "E-mail address (RFC 5322 dot-atom local part, DNS domain with an alphabetic TLD). Reserved example domains are reported at low confidence.",
        "jane.doe@corp.example.org" }
    Phone { "phone", Pii, Some("numbering_plan"), false, PHONE_CTX,
        "Telephone numbers: international (+CC …, E.164 up to 15 digits), NANP ((NNN) NNN-NNNN, NNN-NNN-NNNN, NNN.NNN.NNNN) and national trunk-prefix formats (0…). Bare digit runs only next to a context word.",
        "+1-415-555-2671" }
    Ipv4 { "ipv4", Pii, Some("octets"), false, IP_CTX,
        "IPv4 address in dotted-quad form, each octet 0-255 without leading zeros; version-like strings and reserved addresses are lowered.",
        "203.0.113.42" }
    Ipv6 { "ipv6", Pii, Some("rfc4291"), false, IP_CTX,
        "IPv6 address, full or :: compressed, optionally with an embedded IPv4 tail.",
        "2001:db8:85a3::8a2e:370:7334" }
    UkNhs { "uk_nhs", Phi, Some("nhs_mod11"), false, NHS_CTX,
        "UK NHS number, 10 digits (3-3-4 or contiguous), modulus 11 check digit. Contiguous only next to a context word.",
        "NHS 943 476 5919" }
    UsNpi { "us_npi", Phi, Some("npi_luhn"), true, NPI_CTX,
        "US National Provider Identifier, 10 digits starting 1 or 2, Luhn with the 80840 prefix; needs a context word.",
        "NPI 1234567893" }
    AwsAccessKey { "aws_access_key", Credentials, Some("prefix"), false, NO_CTX,
        "AWS access key id (AKIA long-term, ASIA temporary) followed by 16 base32 characters.",
        "AKIAZ5GMHYJ3KDLWQX4T" }
    GithubToken { "github_token", Credentials, Some("prefix"), false, NO_CTX,
        "GitHub tokens: ghp_/gho_/ghu_/ghs_/ghr_ with 36 characters, github_pat_ fine-grained tokens.",
        "ghp_4Fq7Lm2Xc9Rt8Vb1Nz6Kd3Hs5Jw0Ya7Ue2Pi" }
    PrivateKey { "private_key", Credentials, Some("pem_block"), false, NO_CTX,
        "PEM and OpenSSH private key blocks (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP), from BEGIN to END line.",
        "-----BEGIN RSA PRIVATE KEY-----" }
    AwsSecretKey { "aws_secret_key", Credentials, None, true, NO_CTX,
        "AWS secret access key: 40 base64 characters assigned to an aws_secret_access_key-like name.",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ3x8LkP2a" }
    Jwt { "jwt", Credentials, Some("jose_header"), false, NO_CTX,
        "JSON Web Token: three base64url segments whose header decodes to JSON with an `alg`.",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVlLWhlcmU" }
    SlackToken { "slack_token", Credentials, Some("prefix"), false, NO_CTX,
        "Slack tokens: xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-.",
        "xoxb-6847695787-6014290483188-AoCaA2QTqpOoast0vQj8VMtb" }
    SlackWebhook { "slack_webhook", Credentials, Some("prefix"), false, NO_CTX,
        "Slack incoming webhook URL (hooks.slack.com/services/T…/B…/…).",
        "https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/abcdefghijklmnopqrstuvwx" }
    StripeKey { "stripe_key", Credentials, Some("prefix"), false, NO_CTX,
        "Stripe secret and restricted keys (sk_live_, rk_live_); test-mode keys at low confidence.",
        "sk_live_Yo9Mqb5jZMQObDDMOTsoYtxq" }
    GoogleApiKey { "google_api_key", Credentials, Some("prefix"), false, NO_CTX,
        "Google API key: AIza followed by 35 characters.",
        "AIzaSyD4bXm2Qp8Lr7Tn3Vk9Wc1Hs6Jf0Ge5Ua2" }
    GitlabToken { "gitlab_token", Credentials, Some("prefix"), false, NO_CTX,
        "GitLab personal access, deploy and runner tokens (glpat-, gldt-, glrt- and 20+ characters).",
        "glpat-xK9mB2vQ7nR4tL8wZ3cF" }
    NpmToken { "npm_token", Credentials, Some("prefix"), false, NO_CTX,
        "npm access token: npm_ followed by 36 alphanumerics.",
        "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8" }
    OpenaiApiKey { "openai_api_key", Credentials, Some("prefix"), false, NO_CTX,
        "OpenAI API keys (sk-proj-…, legacy sk-…T3BlbkFJ…).",
        "sk-proj-zFXT12YtUH1k9lrzZHsgZHHqNs7lDCs1oFUTwuxJi02WatbG" }
    SendgridApiKey { "sendgrid_api_key", Credentials, Some("prefix"), false, NO_CTX,
        "SendGrid API key: SG.<22>.<43>.",
        "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" }
    AzureStorageKey { "azure_storage_key", Credentials, Some("base64_len"), false, NO_CTX,
        "Azure storage account key in a connection string (AccountKey=<88 base64>).",
        "AccountKey=npui6+ghVPYG4/sH8z7oKP8LSXbPvRAWzKP0JHSjMy8+fATJFzoYyU6CelsFen07NUuJxtATz+3u64UTHg9l2g==" }
    PypiToken { "pypi_token", Credentials, Some("prefix"), false, NO_CTX,
        "PyPI upload token (pypi-AgEIcHlwaS5vcmc…).",
        "pypi-AgEIcHlwaS5vcmcCJDU3OTM5MjQ5LWE3NzAtNDQwMS1hMzJhLTM4OWZmNGQ0MmRiMwACKlsz" }
    UrlPassword { "url_password", Credentials, None, false, NO_CTX,
        "Password embedded in a URL (scheme://user:password@host); placeholders such as `password` or `${PASS}` are lowered.",
        "postgres://app:Xk9#mQ2vL7@db.internal:5432/prod" }
    SwiftBic { "swift_bic", Pci, Some("iso3166_country"), true, SWIFT_CTX,
        "SWIFT/BIC code (4-letter bank, ISO country, location, optional branch) next to SWIFT or BIC.",
        "SWIFT: DEUTDEFF500" }
    AbaRouting { "aba_routing", Pci, Some("aba_checksum"), true, ABA_CTX,
        "US ABA routing transit number: 9 digits, Federal Reserve prefix, 3-7-1 checksum; needs a context word.",
        "routing 021000021" }
    BitcoinAddress { "bitcoin_address", Pci, Some("base58check_bech32"), false, BTC_CTX,
        "Bitcoin addresses: legacy P2PKH/P2SH (Base58Check, double SHA-256) and SegWit/Taproot (Bech32/Bech32m).",
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2" }
    EthereumAddress { "ethereum_address", Pci, Some("eip55"), false, ETH_CTX,
        "Ethereum address: 0x + 40 hex digits; mixed-case addresses must pass the EIP-55 checksum (all-lower/upper ones carry none and are reported lower).",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" }
    MacAddress { "mac_address", Pii, None, false, MAC_CTX,
        "MAC (EUI-48) address, six hex pairs separated by colons or dashes; broadcast, zero and sequential documentation values are lowered.",
        "3c:22:fb:9a:1e:07" }
    UkNino { "uk_nino", Pii, Some("nino_prefix"), false, NINO_CTX,
        "UK National Insurance number: two prefix letters (HMRC rules), six digits, suffix A-D; contiguous or spaced.",
        "AB 12 34 56 C" }
    UkDrivingLicence { "uk_driving_licence", Pii, Some("dvla_format"), false, DL_CTX,
        "UK (DVLA) driving licence number: 5 surname characters, date-coded digits, initials, check digit and 2 letters.",
        "MORGA657054SM9IJ" }
    CaSin { "ca_sin", Pii, Some("luhn"), true, SIN_CTX,
        "Canadian Social Insurance Number, 9 digits (3-3-3), Luhn; needs a context word.",
        "SIN 046 454 286" }
    NlBsn { "nl_bsn", Pii, Some("elfproef"), true, BSN_CTX,
        "Dutch citizen service number (BSN), 9 digits, 11-test; needs a context word.",
        "BSN 111222333" }
    EsDni { "es_dni", Pii, Some("mod23_letter"), false, DNI_CTX,
        "Spanish DNI/NIF: 8 digits and the mod-23 control letter.",
        "12345678Z" }
    EsNie { "es_nie", Pii, Some("mod23_letter"), false, DNI_CTX,
        "Spanish foreigner id (NIE): X/Y/Z, 7 digits and the mod-23 control letter.",
        "X1234567L" }
    ItCodiceFiscale { "it_codice_fiscale", Pii, Some("cf_check_char"), false, CF_CTX,
        "Italian codice fiscale: 16 characters (surname, name, birth date and place) with its check character.",
        "RSSMRA85T10A562S" }
    FrInsee { "fr_insee", Pii, Some("mod97_key"), false, INSEE_CTX,
        "French social security number (NIR/INSEE), 13 digits with sex, birth year/month, and a 2-digit mod-97 key.",
        "2 55 08 14 168 025 38" }
    DeTaxId { "de_tax_id", Pii, Some("iso7064_mod11_10"), true, DETAX_CTX,
        "German tax identification number (Steuer-IdNr), 11 digits, repetition rule and ISO 7064 MOD 11,10; needs a context word.",
        "Steuer-ID 86095742719" }
    InAadhaar { "in_aadhaar", Pii, Some("verhoeff"), false, AADHAAR_CTX,
        "Indian Aadhaar number, 12 digits (4-4-4), first digit 2-9, Verhoeff check digit; contiguous only next to a context word.",
        "2345 6789 0124" }
    AuTfn { "au_tfn", Pii, Some("tfn_mod11"), true, TFN_CTX,
        "Australian Tax File Number, 9 digits, weighted mod 11; needs a context word.",
        "TFN 123 456 782" }
    AuMedicare { "au_medicare", Phi, Some("medicare_check"), true, MEDICARE_AU_CTX,
        "Australian Medicare card number, 10 digits with weighted check digit; needs a context word.",
        "Medicare 2123 45670 1" }
    ChAhv { "ch_ahv", Pii, Some("ean13"), false, &["ahv", "avs", "sozialversicherung", "social security", "numéro avs"],
        "Swiss social security number (AHV/AVS), 756.XXXX.XXXX.XX with EAN-13 check digit.",
        "756.9217.0769.85" }
    BrCpf { "br_cpf", Pii, Some("cpf_mod11"), false, &["cpf", "cadastro de pessoas"],
        "Brazilian CPF, NNN.NNN.NNN-NN with two mod-11 check digits; contiguous only next to a context word.",
        "529.982.247-25" }
    BrCnpj { "br_cnpj", Pii, Some("cnpj_mod11"), false, &["cnpj"],
        "Brazilian company registry number (CNPJ), NN.NNN.NNN/NNNN-NN with two check digits.",
        "11.222.333/0001-81" }
    SePersonnummer { "se_personnummer", Pii, Some("luhn"), false, &["personnummer", "personal identity number", "pnr"],
        "Swedish personal identity number, (YY)YYMMDD-NNNN with a valid date and Luhn.",
        "811218-9876" }
    DkCpr { "dk_cpr", Pii, Some("date"), true, &["cpr", "cpr-nummer", "cpr number", "personnummer"],
        "Danish CPR number, DDMMYY-NNNN with a valid date; needs a context word (no checksum since 2007).",
        "CPR 070761-4285" }
    FiHetu { "fi_hetu", Pii, Some("mod31_char"), false, &["hetu", "henkilötunnus", "personal identity code", "henkilotunnus"],
        "Finnish personal identity code, DDMMYY, century sign, 3 digits and the mod-31 check character.",
        "131052-308T" }
    NoFnr { "no_fnr", Pii, Some("mod11_double"), true, &["fødselsnummer", "fodselsnummer", "fnr", "personnummer", "national identity number"],
        "Norwegian national identity number, 11 digits, valid date and two mod-11 check digits; needs a context word.",
        "fødselsnummer 01010110013" }
    PlPesel { "pl_pesel", Pii, Some("pesel_weights"), true, &["pesel"],
        "Polish PESEL, 11 digits with an encoded birth date and weighted check digit; needs a context word.",
        "PESEL 44051401359" }
    BeNrn { "be_nrn", Pii, Some("mod97"), false, &["rijksregisternummer", "national number", "numéro national", "nrn", "insz", "niss", "registre national"],
        "Belgian national register number, YY.MM.DD-NNN.CC with mod-97 check; contiguous only next to a context word.",
        "85.07.30-033.28" }
    KrRrn { "kr_rrn", Pii, Some("rrn_weights"), false, &["rrn", "resident registration", "주민등록번호"],
        "South Korean resident registration number, YYMMDD-GNNNNNC with valid date and check digit.",
        "900101-1234568" }
    CnResidentId { "cn_resident_id", Pii, Some("iso7064_mod11_2"), false, &["身份证", "resident identity", "id card", "identity card", "公民身份号码"],
        "Chinese resident identity card number, 18 characters with a valid birth date and ISO 7064 MOD 11-2 check.",
        "11010519491231002X" }
    ZaId { "za_id", Pii, Some("luhn"), true, &["identity number", "id number", "south african", "rsa id", "sa id"],
        "South African identity number, 13 digits with birth date, citizenship digit and Luhn; needs a context word.",
        "ID number 8001015009087" }
    JpMyNumber { "jp_my_number", Pii, Some("mod11"), true, &["my number", "マイナンバー", "個人番号", "individual number", "mynumber"],
        "Japanese individual number (My Number), 12 digits with weighted mod-11 check; needs a context word.",
        "My Number 1234 5678 9018" }
    SgNric { "sg_nric", Pii, Some("nric_letter"), false, &["nric", "fin", "identity card"],
        "Singapore NRIC/FIN: S/T/F/G/M, 7 digits and the check letter.",
        "S1234567D" }
    IePps { "ie_pps", Pii, Some("mod23_letter"), false, &["pps", "ppsn", "personal public service", "pps number"],
        "Irish Personal Public Service number, 7 digits and 1-2 letters with mod-23 check.",
        "1234567T" }
    UsPassport { "us_passport", Pii, None, true, PASSPORT_CTX,
        "US passport number (9 digits, or a letter and 8 digits) next to the word passport.",
        "passport 912803456" }
    UsDriversLicense { "us_drivers_license", Pii, None, true, DL_CTX,
        "US driver's licence number (state formats: a letter and 4-14 digits, or 7-12 digits) next to a driver's-licence context word.",
        "Driver's License: D1234567" }
    DateOfBirth { "date_of_birth", Pii, Some("calendar_date"), true, DOB_CTX,
        "Date of birth: a valid past calendar date (ISO, US, European or month-name form) next to DOB/born/date-of-birth wording.",
        "DOB: 1985-03-14" }
    UsDea { "us_dea", Phi, Some("dea_checksum"), false, DEA_CTX,
        "US DEA registration number: registrant-type letter, surname letter, 7 digits with check digit.",
        "AB1234563" }
    Icd10Code { "icd10_code", Phi, Some("icd10_shape"), true, ICD_CTX,
        "ICD-10 diagnosis code (letter, two digits, optional .subcode) next to diagnosis/ICD wording.",
        "diagnosis E11.9" }
    UsMedicareMbi { "us_medicare_mbi", Phi, Some("mbi_format"), false, MBI_CTX,
        "US Medicare Beneficiary Identifier (MBI), 11 characters in the CMS position rules, dashes optional.",
        "1EG4-TE5-MK73" }
    ClassificationBanner { "classification_banner", Confidential, None, false, NO_CTX,
        "Classification banners and control markings in capitals: TOP SECRET, SECRET//NOFORN, CONFIDENTIAL//REL TO, RESTRICTED, OFFICIAL-SENSITIVE, CUI//, UNCLASSIFIED//FOUO.",
        "SECRET//NOFORN" }
    TlpMarker { "tlp_marker", Confidential, None, false, NO_CTX,
        "Traffic Light Protocol restrictive markings (TLP:RED, TLP:AMBER, TLP:AMBER+STRICT).",
        "TLP:AMBER" }
    ConfidentialMarker { "confidential_marker", Confidential, None, false, NO_CTX,
        "The word Confidential as a marking (Confidential, Strictly Confidential, Company Confidential); not confidentiality.",
        "Strictly Confidential" }
    InternalUseMarker { "internal_use_marker", Confidential, None, false, NO_CTX,
        "\"Internal use only\" / \"For internal use\" markings.",
        "For internal use only" }
    DoNotDistributeMarker { "do_not_distribute_marker", Confidential, None, false, NO_CTX,
        "\"Do not distribute\" / \"Do not forward\" / \"Do not copy\" markings.",
        "Do not distribute" }
    AttorneyClientMarker { "attorney_client_marker", Confidential, None, false, NO_CTX,
        "Legal privilege markings: attorney-client privileged, attorney work product.",
        "Privileged & Confidential - Attorney-Client Communication" }
    PasswordAssignment { "password_assignment", Credentials, None, false, NO_CTX,
        "A literal password assigned to a password-like key (password=, \"passwd\": …); variables and placeholders are skipped or lowered.",
        "password = \"Tr0ub4dor&3\"" }
    GenericSecret { "generic_secret", Credentials, Some("entropy"), true, NO_CTX,
        "A high-entropy value (16+ characters, mixed classes, Shannon entropy ≥ 3.5 bits/char) assigned to a secret/token/api_key-like key.",
        "api_key: \"9fT2kQ7xLm4Rv8Zp1Wc6Yb3Nd5Hs0Jg\"" }
}

/// All built-in detectors, in their stable order.
pub fn detectors() -> &'static [DetectorInfo] {
    BUILTINS
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_snake_case_and_at_least_fifty() {
        let mut seen = HashSet::new();
        for d in BUILTINS {
            assert!(seen.insert(d.id), "duplicate id {}", d.id);
            assert!(
                d.id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{} is not snake_case",
                d.id
            );
            assert!(
                !d.description.is_empty() && !d.example.is_empty(),
                "{}",
                d.id
            );
        }
        assert!(BUILTINS.len() >= 50, "only {} detectors", BUILTINS.len());
        for id in [
            "credit_card",
            "us_ssn",
            "iban",
            "email",
            "phone",
            "ipv4",
            "ipv6",
            "uk_nhs",
            "us_npi",
            "aws_access_key",
            "github_token",
            "private_key",
        ] {
            assert!(seen.contains(id), "contract id {id} missing");
        }
    }

    #[test]
    fn enum_order_matches_table() {
        assert_eq!(BUILTINS[D::CreditCard as usize].id, "credit_card");
        assert_eq!(BUILTINS[D::GenericSecret as usize].id, "generic_secret");
        assert_eq!(D::GenericSecret as usize, BUILTINS.len() - 1);
    }
}
