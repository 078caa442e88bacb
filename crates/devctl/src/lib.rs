//! cordon-devctl: device-control policies in the JSON format of seed 004 —
//! reading and validating them ([`read`]), writing them back ([`write`]),
//! and deciding device access ([`DeviceControl::decide`]) as one more rule
//! source of `cordon-policy`'s engine ([`DeviceControlSource`]).
//!
//! ```
//! let text = r#"{
//!   // all users may read and write every device
//!   "policies": [{ "id": "1200", "name": "RW_ALL", "who": {"sids": ["S-1-1-0"]},
//!     "devices": {"types": [{"class": "Default Settings"}]},
//!     "how": {"priority": "Low"}, "what": {"access": {"granted": ["Read", "Write"]}},
//!     "when": {"permanent": "always"} }]
//! }"#;
//! let loaded = cordon_devctl::read_str(text).unwrap();
//! let dc = cordon_devctl::DeviceControl::new(loaded.document);
//! let access = cordon_policy::model::DeviceAccess::default();
//! let out = dc.decide(&access, None, chrono::Utc::now(), false);
//! assert!(out.allowed);
//! ```
//!
//! Architecture invariant: decisions are pure functions of the document,
//! the access and the time (quota usage comes in with the access); no IO,
//! no clock, no panics. A document with any validation error is rejected
//! whole.

// Declared rules (ARCHITECTURE.md): library code never indexes or slices in
// a way that can panic, and every `allow` says why.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::allow_attributes_without_reason
    )
)]

// The API (ARCHITECTURE.md): reading, writing and importing documents, the
// document model, the decider, and the rule source for cordon-policy.
mod decide;
pub mod doc;
pub mod import;
pub mod lenient;
mod read;
/// Public for `cordon serve`, which names the loader by this path.
mod source;
pub mod syslog;
pub mod tables;
pub mod write;

pub use decide::{DeviceControl, DeviceOutcome};
pub use doc::Document;
pub use read::{
    Diagnostic, Loaded, ReadError, Severity, looks_like_device_control, read_str, read_value,
};
pub use source::{DeviceControlLoader, DeviceControlSource, SECTION_KEY};
pub use syslog::{
    FACILITY_NAMES, SyslogFacility, SyslogFormat, SyslogServer, SyslogServerError, SyslogTransport,
    parse_syslog_server,
};
