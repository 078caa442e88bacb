//! The event and decision model: what someone tries to do, and what Cordon
//! says about it.
//!
//! Both are plain serde types whose JSON is the documented contract (see
//! `docs/policy.md`). The event's JSON keys mirror the expression language's
//! variables (`_request.remoteIp` reads `request.remoteIp`), so that a policy
//! author can read one and write the other.
//!
//! This module is shared with `cordon-devctl`, which decides device access
//! through the same engine: the `device` sections of [`Event`] and
//! [`Decision`] are its input and output. Keep these types stable; add
//! fields only as `Option`/`#[serde(default)]`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use cordon_detect::model::{Category, Classification, Confidence, DetectorCount};

/// The slot of a category in per-category tables (`[_; CATEGORIES]`).
pub(crate) fn category_slot(c: Category) -> usize {
    match c {
        Category::Pii => 0,
        Category::Phi => 1,
        Category::Pci => 2,
        Category::Credentials => 3,
        Category::Confidential => 4,
    }
}

/// The number of categories: the length of per-category tables.
pub(crate) const CATEGORIES: usize = Category::ALL.len();

/// What a user tries to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Login,
    Download,
    Upload,
    Share,
    CopyToDevice,
    Print,
    Email,
    Clipboard,
    NetworkUpload,
    /// A read or write on a device, decided by device-control rules
    /// (`cordon-devctl`); the event carries a `device` section.
    DeviceAccess,
}

impl Action {
    pub const ALL: [Action; 10] = [
        Action::Login,
        Action::Download,
        Action::Upload,
        Action::Share,
        Action::CopyToDevice,
        Action::Print,
        Action::Email,
        Action::Clipboard,
        Action::NetworkUpload,
        Action::DeviceAccess,
    ];

    /// The snake_case name used in JSON and policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::Download => "download",
            Action::Upload => "upload",
            Action::Share => "share",
            Action::CopyToDevice => "copy_to_device",
            Action::Print => "print",
            Action::Email => "email",
            Action::Clipboard => "clipboard",
            Action::NetworkUpload => "network_upload",
            Action::DeviceAccess => "device_access",
        }
    }

    /// Parses an action name case-insensitively (`LOGIN`, `login`,
    /// `copy-to-device`).
    pub fn parse(s: &str) -> Option<Action> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        Action::ALL.into_iter().find(|a| a.as_str() == norm)
    }

    /// Dense index for per-action tables.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event: what someone tries to do. Sections that an action cannot
/// supply are absent (`null` or missing in JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Event {
    /// Caller's id for the event, echoed in the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileInfo>,
    /// Metadata attributes of the file(s) acted on: attribute → value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, MetaValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<Share>,
    /// Who sends the data (data-flow rules). Usually one identity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sender: Vec<Identity>,
    /// Where the data goes (data-flow rules).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<Identity>,
    /// Device access (device-control rules, `cordon-devctl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceAccess>,
    /// When it happens (UTC; any RFC 3339 offset is accepted on input).
    /// Absent: the engine's clock. A time without an offset is refused
    /// with a message that names the field and the form expected (see
    /// [`parse_event_time`]).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "event_time"
    )]
    pub time: Option<DateTime<Utc>>,
}

/// Parses an event's `time`: RFC 3339 with an offset or `Z`. The error
/// names the field and shows the value and the form expected, since a
/// time copied from a log without its zone is the common mistake (it
/// would otherwise read as "premature end of input").
pub fn parse_event_time(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = s.parse::<DateTime<Utc>>() {
        return Ok(t);
    }
    let naive = s.parse::<chrono::NaiveDateTime>().is_ok()
        || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").is_ok()
        || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok();
    if naive {
        let t = s.replacen(' ', "T", 1);
        return Err(format!(
            "`time`: `{s}` has no time zone: write an RFC 3339 time with an offset or Z, e.g. `{t}Z` (UTC) or `{t}+01:00`"
        ));
    }
    if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
        return Err(format!(
            "`time`: `{s}` is a date without a time: write an RFC 3339 time with an offset or Z, e.g. `{s}T00:00:00Z`"
        ));
    }
    Err(format!(
        "`time`: `{s}` is not an RFC 3339 time: expected a date, `T`, a time and an offset or Z, e.g. `2026-01-05T10:00:00Z` or `2026-01-05T10:00:00+01:00`"
    ))
}

fn event_time<'de, D>(d: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => parse_event_time(&s)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

impl Event {
    /// An event with only its action set.
    pub fn new(action: Action) -> Event {
        Event {
            id: None,
            action,
            request: None,
            user: None,
            file: None,
            metadata: None,
            share: None,
            sender: Vec::new(),
            recipients: Vec::new(),
            device: None,
            time: None,
        }
    }

    /// The file's classification, if the event has one.
    pub fn classification(&self) -> Option<&Classification> {
        self.file.as_ref().and_then(|f| f.classification.as_ref())
    }
}

/// The request that carried the action (`_request.*`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    /// IPv4 or IPv6 address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // utoipa has no schema for `std::net` addresses: a string.
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>))]
    pub remote_ip: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// Two-letter upper-case ISO code if the caller already knows it;
    /// otherwise the engine looks `remoteIp` up in its GeoIP database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_country_code: Option<String>,
}

/// The acting user (`_user.*`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `Full Access`, `Limited Access` or `Guest Access` in the seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// The file acted on (`_file.*`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// File type name from content signature, e.g. `pdf`, `docx`, `zip`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// What the inspection engine found in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
    /// The parts of the file that were not fully inspected (an encrypted
    /// archive member, a member over a limit, …): `classification` says
    /// nothing about them. Content with any such part is never decided
    /// as clean (see [`INCOMPLETE_CONTENT_RULE`]); `_file.incomplete`
    /// tests it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<IncompletePart>,
}

/// The id of the built-in rule that denies content that was not fully
/// inspected, unless the policy says `incompleteContent: decide`.
pub const INCOMPLETE_CONTENT_RULE: &str = "cordon:incomplete-content";

/// A part of a file that was not fully inspected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IncompletePart {
    /// Where in the file, e.g. the member path `report.zip/q3/cards.xlsx`
    /// (empty: the file itself).
    #[serde(default)]
    pub location: String,
    /// Why it was not read, e.g. `encrypted`, `over the 100 MiB member
    /// limit`.
    pub reason: String,
}

/// A metadata attribute value. A list holds the values of several files
/// (a folder download) or a multi-valued attribute: tests on a list hold if
/// they hold for any element, as in the seed ("any of the files").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum MetaValue {
    Bool(bool),
    Number(f64),
    String(String),
    // A list of values refers back to this type: the schema stops there
    // (without `no_recursion` collecting its schemas would not end).
    #[cfg_attr(feature = "schema", schema(no_recursion))]
    List(Vec<MetaValue>),
}

/// The share being created (`_share.*`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Share {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default)]
    pub public: bool,
    /// E-mail addresses of the users allowed to access the share.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_users: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_groups: Vec<String>,
}

/// A party of a data flow: a sender or a recipient, with the identity kinds
/// of the Acronis data-flow seed.
///
/// JSON: `{"kind": "contact", "type": "email", "id": "bob@example.com"}`
/// (optionally with `"groups": ["finance"]`),
/// `{"kind": "host", "host": "files.example.com"}`,
/// `{"kind": "device", "device": "external_storage"}`,
/// `{"kind": "printer", "name": "HP-3F"}`,
/// `{"kind": "file_sharing", "service": "dropbox"}`,
/// `{"kind": "social_network", "network": "facebook"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Identity {
    Contact {
        #[serde(rename = "type")]
        scheme: ContactScheme,
        id: String,
        /// The organisation's (Windows) account this contact belongs to,
        /// when known ("Contact / From organization").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<String>,
        /// Set by the caller when it already knows; otherwise derived from
        /// the configured internal domains.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        internal: Option<bool>,
        /// The directory groups this contact belongs to, when the caller
        /// knows them (`group:` patterns of data-flow rules match them; a
        /// sender also counts the acting user's `user.groups`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        groups: Vec<String>,
    },
    Host {
        /// Host name (FQDN) or IPv4/IPv6 address.
        host: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        internal: Option<bool>,
    },
    Device {
        device: DeviceKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    Printer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    FileSharing {
        service: String,
    },
    SocialNetwork {
        network: String,
    },
}

/// Identifier schemes of contacts (seed 003: e-mail, Skype ID, ICQ, IRC,
/// Jabber, Mail.ru Agent, Viber phone number, Zoom e-mail), plus the
/// organisation's own account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactScheme {
    Email,
    Skype,
    Icq,
    Irc,
    Jabber,
    Mailru,
    Viber,
    Zoom,
    /// A Windows account in the organisation, e.g. `CORP\alice`.
    Account,
}

impl ContactScheme {
    pub const ALL: [ContactScheme; 9] = [
        ContactScheme::Email,
        ContactScheme::Skype,
        ContactScheme::Icq,
        ContactScheme::Irc,
        ContactScheme::Jabber,
        ContactScheme::Mailru,
        ContactScheme::Viber,
        ContactScheme::Zoom,
        ContactScheme::Account,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactScheme::Email => "email",
            ContactScheme::Skype => "skype",
            ContactScheme::Icq => "icq",
            ContactScheme::Irc => "irc",
            ContactScheme::Jabber => "jabber",
            ContactScheme::Mailru => "mailru",
            ContactScheme::Viber => "viber",
            ContactScheme::Zoom => "zoom",
            ContactScheme::Account => "account",
        }
    }

    pub fn parse(s: &str) -> Option<ContactScheme> {
        let norm = s.trim().to_ascii_lowercase();
        ContactScheme::ALL.into_iter().find(|c| c.as_str() == norm)
    }

    /// Whether ids of this scheme are e-mail addresses whose domain tells
    /// internal from external.
    pub fn is_email_like(self) -> bool {
        matches!(
            self,
            ContactScheme::Email
                | ContactScheme::Jabber
                | ContactScheme::Mailru
                | ContactScheme::Zoom
        )
    }
}

/// Peripheral device kinds a flow can go to (seed 003 "Device / …").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// Removable storage or a redirected mapped drive.
    ExternalStorage,
    /// Removable storage encrypted with BitLocker To Go.
    EncryptedRemovable,
    RedirectedClipboard,
    /// Any other peripheral.
    Other,
}

impl DeviceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::ExternalStorage => "external_storage",
            DeviceKind::EncryptedRemovable => "encrypted_removable",
            DeviceKind::RedirectedClipboard => "redirected_clipboard",
            DeviceKind::Other => "other",
        }
    }
}

// ---------------------------------------------------------------------------
// Device access (input of device-control rules, `cordon-devctl`)
// ---------------------------------------------------------------------------

/// A device-access event (seed 004): who, on which computer, which device,
/// which operation on which file. The time is the event's `time`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceAccess {
    #[serde(default)]
    pub user: DeviceUser,
    #[serde(default)]
    pub computer: Computer,
    #[serde(default)]
    pub device: DeviceInfo,
    #[serde(default)]
    pub operation: DeviceOperation,
    /// File type id of the file read or written, e.g. `000A0100` (Word
    /// DOCX) or a custom type `000F0100`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    /// Size in bytes of the file read or written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<u64>,
    /// Bytes of the copy quota this user already used on this device
    /// (kept by the caller so that a decision is a pure function).
    #[serde(default)]
    pub quota_used: u64,
}

/// The Windows identity of the user (`who` in seed 004).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceUser {
    /// The user's SID, e.g. `S-1-5-21-…-1001`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The SIDs of the groups the user belongs to (e.g. `S-1-1-0`,
    /// `S-1-5-32-544`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_sids: Vec<String>,
    /// Account name, e.g. `dave` or `CORP\dave`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Names of the groups (accounts) the user belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_accounts: Vec<String>,
}

/// The computer's identity (`where` in seed 004) and connectivity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Computer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netbios: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // utoipa has no schema for `std::net` addresses: a string.
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>, format = Ipv4))]
    pub ipv4: Option<Ipv4Addr>,
    /// Distinguished name of the computer's OU, e.g.
    /// `CN=Computers,DC=engdev,DC=org`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ou: Option<String>,
    /// Connected to the corporate LAN.
    #[serde(default)]
    pub online: bool,
    /// IANA time zone of the computer, e.g. `Europe/Paris`, for schedules
    /// evaluated in local time. Absent: UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// The device accessed (`devices` in seed 004).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceInfo {
    /// Device class, numeric (`"2"`) or text identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// `IDE`, `BT`, `USB`, `SCSI`, `IRDA`, `FM`, `PCMCIA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
    /// `Fixed` or `Removable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<String>,
    /// Hardware id (case sensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Whether the medium is encrypted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
    /// Unique id of an encrypted volume, e.g. `{01234567-…}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_id: Option<String>,
    /// SHA-1 of an optical disc's table of contents, or of the medium.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_hash: Option<String>,
}

/// Read or write on a device.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceOperation {
    #[default]
    Read,
    Write,
}

// ---------------------------------------------------------------------------
// Decision
// ---------------------------------------------------------------------------

/// What Cordon says. Ordered by restrictiveness: `Allow < Exception < Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allow,
    /// Blocked unless the user submits a business justification.
    Exception,
    Deny,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Exception => "exception",
            Verdict::Deny => "deny",
        }
    }

    /// The more restrictive of two verdicts.
    pub fn most_restrictive(self, other: Verdict) -> Verdict {
        self.max(other)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ENFORCE blocks, PERMISSIVE only records the violation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Enforce,
    Permissive,
}

impl Mode {
    /// The name in documents and decisions: `enforce`, `permissive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Permissive => "permissive",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of rules that feed the one engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// FileCloud-style ALLOW/DENY rule with an expression.
    Expression,
    /// Acronis-style category × sender × recipient rule.
    DataFlow,
    /// Device-control policy (seed 004, `cordon-devctl`).
    DeviceControl,
    /// A rule of the engine itself, such as
    /// [`INCOMPLETE_CONTENT_RULE`].
    Builtin,
}

impl RuleKind {
    /// The kind for people: `expression`, `data flow`, `device control`,
    /// `built-in`.
    pub fn describe(self) -> &'static str {
        match self {
            RuleKind::Expression => "expression",
            RuleKind::DataFlow => "data flow",
            RuleKind::DeviceControl => "device control",
            RuleKind::Builtin => "built-in",
        }
    }
}

/// A rule, named in a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RuleRef {
    pub id: String,
    pub kind: RuleKind,
}

/// A rule that matched and objects to the event (a DENY whose expression
/// held, an ALLOW whose expression did not, a data-flow Deny/Exception, a
/// device-control denial), enforced or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    pub rule: String,
    /// The rule's name, when its policy gives one (incidents, alerts and
    /// the console show it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub kind: RuleKind,
    pub mode: Mode,
    /// Whether this violation blocks the event (enforce mode and not
    /// overridden by a higher-precedence rule or an open exception window).
    pub enforced: bool,
    /// What this rule alone says.
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The kinds of non-preventive actions a rule triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Write an event record in the audit log.
    Log,
    /// Generate an alert for administrators.
    Alert,
    /// Notify the end user on screen (with `message`).
    Notify,
    /// Encrypt what is written (device control).
    Encrypt,
    /// Shadow the file name or content (device control; with `shadow`).
    Shadow,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Log => "log",
            ActionKind::Alert => "alert",
            ActionKind::Notify => "notify",
            ActionKind::Encrypt => "encrypt",
            ActionKind::Shadow => "shadow",
        }
    }
}

/// One action to run, and the rule that asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RuleAction {
    pub action: ActionKind,
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<Shadow>,
}

/// What device control captures with an event.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Shadow {
    #[default]
    None,
    Filename,
    Content,
}

/// Device-control rights (seed 004 `granted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum Right {
    None,
    Read,
    Write,
    Encrypt,
    Decrypt,
    Import,
    #[serde(rename = "Export(File)")]
    ExportFile,
    #[serde(rename = "Export(Medium)")]
    ExportMedium,
}

/// The device-control part of a decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeviceDecision {
    /// Rights granted on this device to this user now.
    pub rights: Vec<Right>,
    /// Whether the event's operation (read/write) is allowed.
    pub operation_allowed: bool,
    pub shadow: Shadow,
    /// The copy quota in bytes, if one applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_remaining: Option<u64>,
    /// Whether this write exceeds the quota.
    #[serde(default)]
    pub quota_exceeded: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denied_message: Option<String>,
    /// Whether to show `denied_message` to the user.
    #[serde(default)]
    pub notify: bool,
    /// The device-control policy that decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The file's type is among the deciding policies' `dlptypes` (seed
    /// 004): its content is to be inspected by DLP.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inspect_content: bool,
}

/// Why a rule matched (or did not), for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TraceEntry {
    pub rule: String,
    pub kind: RuleKind,
    /// Whether the rule applied to the event (its expression held, its
    /// senders/recipients/category covered the flow, …).
    pub matched: bool,
    /// What the rule says about the event, when it has a say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    pub reason: String,
}

/// For an `exception` decision: what a justification would open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
// Schema names are global in an OpenAPI document, and the server already
// publishes an incident's own `ExceptionRequest` and `FlowKey`: these are
// `policy.ExceptionRequest` and `policy.FlowKey` there.
#[cfg_attr(feature = "schema", schema(as = policy::ExceptionRequest))]
#[serde(rename_all = "camelCase")]
pub struct ExceptionRequest {
    /// The (sender, recipient, category) keys the justification covers.
    pub keys: Vec<FlowKey>,
    pub rules: Vec<String>,
}

/// One sender → recipient flow of one category: the unit of an exception
/// window.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
// Named `policy.FlowKey` in a schema: see `ExceptionRequest`.
#[cfg_attr(feature = "schema", schema(as = policy::FlowKey))]
#[serde(rename_all = "camelCase")]
pub struct FlowKey {
    pub sender: String,
    pub recipient: String,
    pub category: Category,
}

/// The engine's answer for one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// The event's `id`, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    pub decision: Verdict,
    /// The rules that determined the verdict (empty: the default).
    pub determined_by: Vec<RuleRef>,
    /// Every rule that objected, permissive ones included.
    pub violations: Vec<Violation>,
    /// The actions of all triggered rules, all to be performed.
    pub actions: Vec<RuleAction>,
    /// The message to show the user, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Why each rule matched or not.
    pub trace: Vec<TraceEntry>,
    /// Set when `decision` is `exception`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionRequest>,
    /// Set for device-access events decided by device-control rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceDecision>,
    /// Set in observation mode: what enforcement would have said, and the
    /// baseline rules this event added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observation: Option<Observation>,
    /// Errors met while evaluating (each failed closed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl Decision {
    /// A decision with nothing but a verdict.
    pub fn new(verdict: Verdict) -> Decision {
        Decision {
            event: None,
            decision: verdict,
            determined_by: Vec::new(),
            violations: Vec::new(),
            actions: Vec::new(),
            message: None,
            trace: Vec::new(),
            exception: None,
            device: None,
            observation: None,
            errors: Vec::new(),
        }
    }

    pub fn is_allowed(&self) -> bool {
        self.decision == Verdict::Allow
    }
}

/// Observation-mode details of a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    /// What the policy would have decided in enforcement.
    pub would_be: Verdict,
    /// Whether the user had to justify the flow (Justify all / Mixed).
    pub justification_required: bool,
    /// Ids of baseline rules created for this event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_rules: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(time: &str) -> Result<Event, String> {
        let text = format!("{{\n  \"action\": \"login\",\n  \"time\": {time}\n}}");
        serde_json::from_str::<Event>(&text).map_err(|e| e.to_string())
    }

    #[test]
    fn event_time_takes_rfc3339_with_an_offset() {
        let t = |s: &str| {
            event(&format!("\"{s}\""))
                .unwrap()
                .time
                .unwrap()
                .to_rfc3339()
        };
        assert_eq!(t("2026-01-05T10:00:00Z"), "2026-01-05T10:00:00+00:00");
        assert_eq!(t("2026-01-05T10:00:00+01:00"), "2026-01-05T09:00:00+00:00");
        assert_eq!(
            t("2026-01-05T10:00:00.250-05:00"),
            "2026-01-05T15:00:00.250+00:00"
        );
        assert_eq!(event("null").unwrap().time, None);
        let round = event("\"2026-01-05T10:00:00Z\"").unwrap();
        let again: Event = serde_json::from_str(&serde_json::to_string(&round).unwrap()).unwrap();
        assert_eq!(again, round);
    }

    #[test]
    fn event_time_errors_name_the_field_and_the_form() {
        // (value, what the message must say)
        for (value, want) in [
            (
                "2026-01-05T10:00:00",
                "`time`: `2026-01-05T10:00:00` has no time zone: write an RFC 3339 time with an offset or Z, e.g. `2026-01-05T10:00:00Z` (UTC) or `2026-01-05T10:00:00+01:00` at line ",
            ),
            (
                "2026-01-05 10:00:00",
                "`time`: `2026-01-05 10:00:00` has no time zone: write an RFC 3339 time with an offset or Z, e.g. `2026-01-05T10:00:00Z`",
            ),
            ("2026-01-05T10:00", "has no time zone"),
            (
                "2026-01-05",
                "`time`: `2026-01-05` is a date without a time: write an RFC 3339 time with an offset or Z, e.g. `2026-01-05T00:00:00Z`",
            ),
            (
                "yesterday",
                "`time`: `yesterday` is not an RFC 3339 time: expected a date, `T`, a time and an offset or Z",
            ),
        ] {
            let err = event(&format!("\"{value}\"")).unwrap_err();
            assert!(err.contains(want), "{value}: {err}");
        }
    }
}
