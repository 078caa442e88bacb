//! IP address → country, from an offline MaxMind DB (`.mmdb`) file.
//!
//! Any country database in MaxMind DB format works: DB-IP's "IP to Country
//! Lite" (CC BY 4.0, `dbip-country-lite-YYYY-MM.mmdb` from db-ip.com) or
//! MaxMind's GeoLite2 Country (free account, GeoLite2 EULA). See
//! `docs/policy.md`.
//!
//! [`write_country_db`] writes a small database; the tests use it to build
//! their fixtures (no crate on crates.io writes MMDB files without pulling
//! in a large dependency tree; the format is simple).

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

/// Errors opening or reading a GeoIP database.
#[derive(Debug, thiserror::Error)]
pub enum GeoIpError {
    #[error("cannot open GeoIP database `{path}`: {source}")]
    Open {
        path: String,
        source: maxminddb::MaxMindDbError,
    },
    #[error("invalid GeoIP database: {0}")]
    Invalid(maxminddb::MaxMindDbError),
    #[error("GeoIP lookup of `{ip}` failed: {source}")]
    Lookup {
        ip: IpAddr,
        source: maxminddb::MaxMindDbError,
    },
}

/// An opened country database.
pub struct GeoIp {
    reader: maxminddb::Reader<Vec<u8>>,
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoIp")
            .field("database_type", &self.reader.metadata.database_type)
            .field("nodes", &self.reader.metadata.node_count)
            .finish()
    }
}

impl GeoIp {
    pub fn open(path: &Path) -> Result<GeoIp, GeoIpError> {
        let reader = maxminddb::Reader::open_readfile(path).map_err(|source| GeoIpError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Ok(GeoIp { reader })
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Result<GeoIp, GeoIpError> {
        let reader = maxminddb::Reader::from_source(bytes).map_err(GeoIpError::Invalid)?;
        Ok(GeoIp { reader })
    }

    /// The upper-case ISO 3166-1 alpha-2 code of `ip`'s country, `None` if
    /// the database does not know it.
    pub fn country(&self, ip: IpAddr) -> Result<Option<&str>, GeoIpError> {
        // IPv4 databases cannot hold IPv6; an IPv4-mapped IPv6 is looked up
        // as IPv4.
        let ip = match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None if self.reader.metadata.ip_version == 4 => return Ok(None),
                None => ip,
            },
            v4 => v4,
        };
        let rec: Option<maxminddb::geoip2::Country<'_>> = self
            .reader
            .lookup(ip)
            .map_err(|source| GeoIpError::Lookup { ip, source })?;
        Ok(rec.and_then(|r| {
            r.country
                .and_then(|c| c.iso_code)
                .or_else(|| r.registered_country.and_then(|c| c.iso_code))
        }))
    }
}

/// Writes an IPv4 country database in MaxMind DB format: each network
/// (`address`, prefix length) maps to `{"country": {"iso_code": code}}`.
/// Later networks win where they overlap earlier ones' leaves.
pub fn write_country_db(networks: &[(Ipv4Addr, u8, &str)]) -> Vec<u8> {
    #[derive(Clone, Copy, PartialEq)]
    enum Rec {
        Empty,
        Node(u32),
        Data(u32),
    }
    let mut data = Vec::new();
    let mut nodes: Vec<[Rec; 2]> = vec![[Rec::Empty, Rec::Empty]];
    for (addr, len, code) in networks {
        let len = (*len).clamp(1, 32);
        let off = u32::try_from(data.len()).unwrap_or(u32::MAX);
        encode_map_header(&mut data, 1);
        encode_str(&mut data, "country");
        encode_map_header(&mut data, 1);
        encode_str(&mut data, "iso_code");
        encode_str(&mut data, code);
        let bits = u32::from(*addr);
        let mut node = 0usize;
        for depth in 0..len {
            let bit = ((bits >> (31 - u32::from(depth))) & 1) as usize;
            let last = depth + 1 == len;
            let Some(cur) = nodes
                .get(node)
                .map(|n| n.get(bit).copied().unwrap_or(Rec::Empty))
            else {
                break;
            };
            if last {
                if let Some(slot) = nodes.get_mut(node).and_then(|n| n.get_mut(bit)) {
                    *slot = Rec::Data(off);
                }
                break;
            }
            node = match cur {
                Rec::Node(n) => n as usize,
                other => {
                    nodes.push([other, other]);
                    let id = nodes.len() - 1;
                    if let Some(slot) = nodes.get_mut(node).and_then(|n| n.get_mut(bit)) {
                        *slot = Rec::Node(u32::try_from(id).unwrap_or(u32::MAX));
                    }
                    id
                }
            };
        }
    }
    let node_count = u32::try_from(nodes.len()).unwrap_or(u32::MAX);
    let mut out = Vec::new();
    for n in &nodes {
        for r in n {
            let v = match *r {
                Rec::Empty => node_count,
                Rec::Node(i) => i,
                Rec::Data(off) => node_count + 16 + off,
            };
            out.extend_from_slice(&v.to_be_bytes()[1..]);
        }
    }
    out.extend_from_slice(&[0u8; 16]);
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
    encode_map_header(&mut out, 9);
    encode_str(&mut out, "binary_format_major_version");
    encode_uint(&mut out, 5, 2);
    encode_str(&mut out, "binary_format_minor_version");
    encode_uint(&mut out, 5, 0);
    encode_str(&mut out, "build_epoch");
    encode_uint(&mut out, 9, 0);
    encode_str(&mut out, "database_type");
    encode_str(&mut out, "Cordon-Test-Country");
    encode_str(&mut out, "description");
    encode_map_header(&mut out, 0);
    encode_str(&mut out, "ip_version");
    encode_uint(&mut out, 5, 4);
    encode_str(&mut out, "languages");
    encode_header(&mut out, 11, 0);
    encode_str(&mut out, "node_count");
    encode_uint(&mut out, 6, u64::from(node_count));
    encode_str(&mut out, "record_size");
    encode_uint(&mut out, 5, 24);
    out
}

fn encode_header(out: &mut Vec<u8>, ty: u8, size: usize) {
    let (type_bits, ext) = if ty <= 7 {
        (ty, None)
    } else {
        (0, Some(ty - 7))
    };
    let (size_bits, extra): (u8, Vec<u8>) = if size < 29 {
        (size as u8, vec![])
    } else if size < 29 + 256 {
        (29, vec![(size - 29) as u8])
    } else {
        let s = (size - 285).min(0xFFFF);
        (30, vec![(s >> 8) as u8, s as u8])
    };
    out.push((type_bits << 5) | size_bits);
    if let Some(e) = ext {
        out.push(e);
    }
    out.extend_from_slice(&extra);
}

fn encode_map_header(out: &mut Vec<u8>, pairs: usize) {
    encode_header(out, 7, pairs);
}

fn encode_str(out: &mut Vec<u8>, s: &str) {
    encode_header(out, 2, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn encode_uint(out: &mut Vec<u8>, ty: u8, v: u64) {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let sig = bytes.get(skip..).unwrap_or(&[]);
    encode_header(out, ty, sig.len());
    out.extend_from_slice(sig);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_database_reads_back() {
        let db = write_country_db(&[
            (Ipv4Addr::new(13, 112, 0, 0), 16, "JP"),
            (Ipv4Addr::new(8, 8, 8, 0), 24, "US"),
            (Ipv4Addr::new(81, 0, 0, 0), 8, "FR"),
        ]);
        let g = GeoIp::from_bytes(db).unwrap();
        let c = |s: &str| g.country(s.parse().unwrap()).unwrap().map(str::to_string);
        assert_eq!(c("8.8.8.8").as_deref(), Some("US"));
        assert_eq!(c("13.112.23.121").as_deref(), Some("JP"));
        assert_eq!(c("81.1.2.3").as_deref(), Some("FR"));
        assert_eq!(c("9.9.9.9"), None);
        assert_eq!(c("::ffff:8.8.8.8").as_deref(), Some("US"));
        assert_eq!(c("2001:db8::1"), None);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(GeoIp::from_bytes(b"not a database".to_vec()).is_err());
    }
}
