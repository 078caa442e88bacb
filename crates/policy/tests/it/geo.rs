//! GeoIP from a MaxMind DB file on disk.

use std::net::Ipv4Addr;

use cordon_policy::Engine;
use cordon_policy::geoip::{GeoIp, write_country_db};
use cordon_policy::model::Verdict;

use crate::support::{event, load};

#[test]
fn country_rule_with_a_database_file() {
    let dir = std::env::temp_dir().join(format!("cordon-geo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("country.mmdb");
    std::fs::write(
        &path,
        write_country_db(&[
            (Ipv4Addr::new(3, 0, 0, 0), 8, "US"),
            (Ipv4Addr::new(5, 0, 0, 0), 8, "DE"),
        ]),
    )
    .unwrap();
    let g = GeoIp::open(&path).unwrap();
    let e = Engine::new(load(
        "id: g\nrules:\n  - {id: us, userActions: [login], effect: deny, expression: \"_request.remoteCountryCode != 'US'\"}\n",
    ))
    .with_geoip(g);
    let ev = |ip: &str| {
        event(&format!(
            r#"{{"action":"login","request":{{"remoteIp":"{ip}"}}}}"#
        ))
    };
    assert_eq!(e.decide(&ev("3.3.3.3")).decision, Verdict::Allow);
    let d = e.decide(&ev("5.5.5.5"));
    assert_eq!(d.decision, Verdict::Deny);
    assert!(d.trace[0].reason.contains("'DE'"), "{:?}", d.trace);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn without_a_database_the_country_is_unknown_and_fails_closed() {
    let e = Engine::new(load(
        "id: g\nrules:\n  - {id: us, userActions: [login], effect: allow, expression: \"_request.remoteCountryCode == 'US'\"}\n",
    ));
    let d = e.decide(&event(
        r#"{"action":"login","request":{"remoteIp":"3.3.3.3"}}"#,
    ));
    assert_eq!(d.decision, Verdict::Deny);
    assert!(d.errors[0].contains("no GeoIP database"), "{:?}", d.errors);
}

#[test]
fn a_missing_database_file_is_an_error() {
    let err = GeoIp::open(std::path::Path::new("/nonexistent/x.mmdb")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot open GeoIP database `/nonexistent/x.mmdb`")
    );
}
