//! The device-control policy document of seed 004, as typed data.
//!
//! Everything the seed describes is here. Identifiers that may be numeric or
//! text (device class, option, file types) are stored resolved to numbers;
//! [`crate::read`] parses and validates, [`crate::write`] writes back the
//! seed's form (a document read, written and read again is equal).

use std::net::Ipv4Addr;

use chrono::{DateTime, NaiveTime, Utc, Weekday};
use cordon_filetype::CustomType;
pub use cordon_policy::model::{DeviceOperation, Right, Shadow};

/// A whole device-control document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub configuration: Configuration,
    pub options: Vec<OptionGroup>,
    pub policies: Vec<Policy>,
}

/// `configuration`: description, grouping and shared definitions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Configuration {
    /// GUID of the policy source, e.g. `{0033775C-B50A-436C-B8B7-62211D3A2A9D}`.
    pub source: Option<String>,
    /// Format version (`1`).
    pub version: Option<String>,
    /// Content version.
    pub content: Option<String>,
    /// Time of the last content change.
    pub timestamp: Option<DateTime<Utc>>,
    pub preset: Option<Preset>,
    /// `devices.identities`, kept as given: the seed documents only `default`.
    pub identities: Option<serde_json::Value>,
    /// `devices.groups`.
    pub device_groups: Vec<DeviceGroup>,
    /// `devices.names`: friendly names.
    pub device_names: Vec<DeviceName>,
    /// `files.customtypes`.
    pub custom_types: Vec<CustomType>,
    /// `files.trusted`: trusted applications by SHA-256.
    pub trusted: Vec<TrustedApp>,
    /// `computers.groups`.
    pub computer_groups: Vec<ComputerGroup>,
}

/// A preset overrides the policies (see `docs/device-control.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Nothing is blocked; every access is allowed and logged, and the
    /// decision records what the policies would have said.
    Audit,
}

impl Preset {
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Audit => "audit",
        }
    }
}

/// A device group: devices of one class listed by model or instance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceGroup {
    pub id: String,
    pub name: String,
    pub class: Option<u32>,
    pub types: Vec<DeviceType>,
}

/// A friendly name for devices whose model matches (`*` wildcards).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceName {
    pub name: String,
    pub class: Option<u32>,
    pub models: Vec<String>,
}

/// A trusted application.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedApp {
    /// Upper-case hex SHA-256.
    pub sha256: String,
    /// Attributes the seed says are "not used yet" (scopes, rights), kept.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A computer group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComputerGroup {
    pub id: String,
    pub name: String,
    pub members: Targets,
}

/// Computers, by the means of `computers.groups[].members` and `where`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Targets {
    pub fqn: Vec<String>,
    pub netbios: Vec<String>,
    pub ipv4: Vec<Ipv4Addr>,
    /// Inclusive ranges.
    pub ipv4range: Vec<(Ipv4Addr, Ipv4Addr)>,
    /// Distinguished names; a computer in a nested OU matches too.
    pub ou: Vec<String>,
    /// Computer group ids (only in `where`).
    pub group: Vec<String>,
}

impl Targets {
    /// No filter at all.
    pub fn is_empty(&self) -> bool {
        self.fqn.is_empty()
            && self.netbios.is_empty()
            && self.ipv4.is_empty()
            && self.ipv4range.is_empty()
            && self.ou.is_empty()
            && self.group.is_empty()
    }
}

/// A named collection of machine options, global when `where` is absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OptionGroup {
    pub id: String,
    pub name: String,
    pub where_: Option<Targets>,
    pub what: Vec<OptionSetting>,
}

/// One `{option, value}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionSetting {
    /// Option number; named ones are in [`crate::tables::MACHINE_OPTIONS`].
    pub option: u32,
    pub value: String,
}

/// One device-control policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub who: Who,
    pub where_: Targets,
    pub devices: Devices,
    pub how: How,
    pub what: What,
    pub when: When,
}

/// Users: SIDs (preferred) and account names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Who {
    pub sids: Vec<String>,
    pub accounts: Vec<String>,
}

impl Who {
    pub fn is_empty(&self) -> bool {
        self.sids.is_empty() && self.accounts.is_empty()
    }
}

/// The devices a policy targets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Devices {
    pub types: Vec<DeviceType>,
    /// Device group ids.
    pub groups: Vec<String>,
    pub media: Vec<Media>,
}

impl Devices {
    pub fn is_empty(&self) -> bool {
        self.types.is_empty() && self.groups.is_empty() && self.media.is_empty()
    }
}

/// A device class, model or instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceType {
    pub class: Option<u32>,
    pub name: Option<String>,
    /// Hardware id, case sensitive; `*` is a wildcard.
    pub model: Option<String>,
    pub instance: Option<String>,
    /// Upper-case hex SHA-1 of the model (or instance) hardware id.
    pub sha1: Option<String>,
    /// Upper-case hex SHA-256 of the same.
    pub sha256: Option<String>,
}

/// A medium: an optical disc by the SHA-1 of its TOC, or an encrypted volume.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Media {
    pub class: Option<u32>,
    pub name: Option<String>,
    /// Upper-case hex SHA-1 of the optical disc's table of contents.
    pub sha1: Option<String>,
    /// Media type (`type`), kept as given.
    pub kind: Option<String>,
    /// Unique id of an encrypted volume.
    pub uniqueid: Option<String>,
    pub keys: Vec<MediaKey>,
}

/// A key of an encrypted volume (used by the agent, not by decisions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaKey {
    pub thumbprint: String,
    pub kind: Option<String>,
    pub cipher: Option<String>,
}

/// Priority and matching logic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct How {
    pub priority: Priority,
    pub match_: Match,
}

/// A signed 32-bit priority, higher wins; `label` keeps a text priority
/// (`Low`) as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priority {
    pub value: i32,
    pub label: Option<&'static str>,
}

/// How the machine (`where`) and user (`who`) filters combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Match {
    #[default]
    And,
    Or,
}

/// What a policy grants and how it audits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct What {
    pub access: Access,
    pub shadow_read: Option<Shadow>,
    pub shadow_write: Option<Shadow>,
    pub content: Option<Content>,
    pub messages: Messages,
}

/// Access filters and granted rights.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// Empty: no bus filtering (`All`).
    pub bus: Vec<Bus>,
    /// Empty: no disk filtering.
    pub disk: Vec<Disk>,
    /// Empty: no encryption filtering.
    pub encryption: Vec<Encryption>,
    pub granted: Vec<Right>,
}

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($v:ident = $t:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($v),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $t),* }
            }
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(s))
            }
        }
    };
}

text_enum!(
    /// Device bus (`All` is stored as an empty filter).
    Bus { All = "All", Ide = "IDE", Bt = "BT", Usb = "USB", Scsi = "SCSI", Irda = "IRDA", Fm = "FM", Pcmcia = "PCMCIA" }
);
text_enum!(
    /// Fixed or removable disk.
    Disk { All = "All", Fixed = "Fixed", Removable = "Removable" }
);
text_enum!(
    /// Encryption state of the medium.
    Encryption { All = "All", Encrypted = "Encrypted", Unencrypted = "Unencrypted" }
);

/// File-type filtering, DLP types and the copy quota.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Content {
    /// Copy limit in MB; 0 disables it.
    pub quota_mb: u32,
    /// `filters.settings` (unused by the engine, kept).
    pub filter_settings: Option<String>,
    pub filters: Vec<TypeFilter>,
    /// `dlptypes.settings` (unused, kept).
    pub dlp_settings: Option<String>,
    /// File types whose content DLP inspects.
    pub dlptypes: Vec<u32>,
}

/// A file-type filter: a type or family id, for reads only (`R`), writes
/// only (`W`) or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeFilter {
    pub only: Option<DeviceOperation>,
    pub id: u32,
}

/// Message on denial.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Messages {
    pub notify: Option<bool>,
    pub denied: Option<String>,
}

/// When a policy applies. Each present condition must hold; none: always.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct When {
    pub permanent: Option<Permanent>,
    pub schedule: Option<Schedule>,
    pub temporary: Option<Temporary>,
}

text_enum!(
    /// Connectivity condition.
    Permanent { Always = "Always", Online = "Online", Offline = "Offline" }
);

/// A daily window on some weekdays, in the computer's local time. An end
/// before the start spans midnight (the day is the day the window opens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// `BYDAY`; empty = every day.
    pub days: Vec<Weekday>,
}

/// A UTC window `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Temporary {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}
