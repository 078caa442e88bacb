//! What is inside the organisation: configured internal domains and
//! networks ("Automated detection of destination" in the Acronis seed).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::expr::compile::{Domains, parse_cidr};
use crate::model::Identity;

/// The policy document's `internal` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InternalSpec {
    /// E-mail and host domains of the organisation (subdomains included).
    #[serde(default)]
    pub domains: Vec<String>,
    /// IPv4 networks of the organisation in CIDR form, e.g. `10.0.0.0/8`.
    #[serde(default)]
    pub networks: Vec<String>,
}

/// Compiled [`InternalSpec`].
#[derive(Debug, Clone, Default)]
pub struct Internal {
    domains: Domains,
    networks: Vec<(u32, u32)>,
}

impl Internal {
    /// Compiles the spec; returns the invalid networks as errors.
    pub fn compile(spec: &InternalSpec) -> (Internal, Vec<String>) {
        let mut errs = Vec::new();
        let mut networks = Vec::new();
        for n in &spec.networks {
            let parsed = parse_cidr(n).or_else(|| {
                n.trim()
                    .parse::<std::net::Ipv4Addr>()
                    .ok()
                    .map(|ip| (u32::from(ip), u32::MAX))
            });
            match parsed {
                Some(p) => networks.push(p),
                None => errs.push(format!("`{n}` is not an IPv4 network like `10.0.0.0/8`")),
            }
        }
        let domains = Domains::parse(&spec.domains.join(","));
        (Internal { domains, networks }, errs)
    }

    pub fn domain_is_internal(&self, domain: &str) -> bool {
        self.domains.contains_domain(domain)
    }

    pub fn ip_is_internal(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) => {
                let v = u32::from(v4);
                self.networks.iter().any(|(net, mask)| v & mask == *net)
            }
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .is_some_and(|v4| self.ip_is_internal(IpAddr::V4(v4))),
        }
    }

    /// Whether an identity is inside the organisation. Contacts: the
    /// caller's `internal` flag, else an organisation account, else the
    /// domain of e-mail-like ids; other schemes (Skype, ICQ, …) without a
    /// flag are external. Hosts: the flag, else the address in an internal
    /// network, else the name in an internal domain, else a single-label
    /// (NetBIOS) name. Devices and printers are local to the workload, so
    /// internal; file-sharing services and social networks are external.
    pub fn is_internal(&self, id: &Identity) -> bool {
        match id {
            Identity::Contact {
                scheme,
                id,
                account,
                internal,
                ..
            } => {
                if let Some(i) = internal {
                    return *i;
                }
                if account.is_some() || *scheme == crate::model::ContactScheme::Account {
                    return true;
                }
                scheme.is_email_like() && self.domains.contains_email(id)
            }
            Identity::Host { host, internal } => {
                if let Some(i) = internal {
                    return *i;
                }
                let h = host.trim().trim_start_matches('[').trim_end_matches(']');
                if let Ok(ip) = h.parse::<IpAddr>() {
                    return self.ip_is_internal(ip);
                }
                self.domains.contains_domain(h) || !h.contains('.')
            }
            Identity::Device { .. } | Identity::Printer { .. } => true,
            Identity::FileSharing { .. } | Identity::SocialNetwork { .. } => false,
        }
    }
}
