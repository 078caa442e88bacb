//! Shared helpers.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use cordon_policy::geoip::{GeoIp, write_country_db};
use cordon_policy::model::Event;
use cordon_policy::{Engine, Loader, PolicySet};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn load(text: &str) -> PolicySet {
    let (set, diags) = Loader::new().load(text);
    match set {
        Some(s) => s,
        None => panic!("policy does not check: {diags:#?}"),
    }
}

pub fn engine(text: &str) -> Engine {
    Engine::new(load(text)).with_geoip(test_geoip())
}

pub fn event(json: &str) -> Event {
    serde_json::from_str(json).unwrap()
}

/// A small country database: the test fixture for GeoIP, built here.
pub fn test_geoip() -> GeoIp {
    GeoIp::from_bytes(write_country_db(&[
        (Ipv4Addr::new(8, 8, 8, 0), 24, "US"),
        (Ipv4Addr::new(13, 112, 0, 0), 16, "JP"),
        (Ipv4Addr::new(81, 2, 69, 0), 24, "GB"),
        (Ipv4Addr::new(90, 0, 0, 0), 8, "FR"),
        (Ipv4Addr::new(3, 0, 0, 0), 8, "US"),
    ]))
    .unwrap()
}

pub fn ids(rs: &[cordon_policy::model::RuleRef]) -> Vec<&str> {
    rs.iter().map(|r| r.id.as_str()).collect()
}

/// The error diagnostics as `line:column message`.
pub fn errors(diags: &[cordon_policy::diag::Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            format!(
                "{}:{} {}",
                d.line.unwrap_or(0),
                d.column.unwrap_or(0),
                d.message
            )
        })
        .collect()
}
