//! Who and where: the computer's identity (`where` in seed 004) and the
//! users of its sessions (`who`).

use std::net::Ipv4Addr;
use std::path::Path;

/// The computer as the agent reports and decides with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    pub hostname: String,
    pub fqdn: Option<String>,
    pub netbios: Option<String>,
    pub ipv4: Vec<Ipv4Addr>,
    pub ou: Option<String>,
    pub timezone: Option<String>,
}

/// The host name (uname), its FQDN when it has dots (or `/etc/hostname`
/// does), the NetBIOS name (first label, upper case, 15 characters), the
/// IPv4 addresses of local interfaces and the IANA time zone.
pub fn identity(ou: Option<String>, timezone: Option<String>) -> Identity {
    let uname = rustix::system::uname();
    let node = uname.nodename().to_string_lossy().into_owned();
    let etc = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_owned());
    let fqdn = [Some(node.clone()), etc]
        .into_iter()
        .flatten()
        .find(|n| n.contains('.'));
    let first = node.split('.').next().unwrap_or("").to_owned();
    let netbios = Some(
        first
            .to_ascii_uppercase()
            .chars()
            .take(15)
            .collect::<String>(),
    )
    .filter(|s| !s.is_empty());
    Identity {
        hostname: first,
        fqdn,
        netbios,
        ipv4: std::fs::read_to_string("/proc/net/fib_trie")
            .map(|t| local_ipv4(&t))
            .unwrap_or_default(),
        ou,
        timezone: timezone.or_else(system_timezone),
    }
}

/// The addresses `/proc/net/fib_trie` lists as `/32 host LOCAL`, loopback
/// left out.
pub fn local_ipv4(fib_trie: &str) -> Vec<Ipv4Addr> {
    let mut out: Vec<Ipv4Addr> = Vec::new();
    let mut last: Option<Ipv4Addr> = None;
    for line in fib_trie.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("|-- ").or_else(|| t.strip_prefix("+-- ")) {
            last = addr.split('/').next().and_then(|a| a.parse().ok());
        } else if t.contains("/32 host LOCAL")
            && let Some(a) = last
            && !a.is_loopback()
            && !out.contains(&a)
        {
            out.push(a);
        }
    }
    out
}

fn system_timezone() -> Option<String> {
    if let Ok(s) = std::fs::read_to_string("/etc/timezone") {
        let s = s.trim();
        if !s.is_empty() {
            return Some(s.to_owned());
        }
    }
    let target = std::fs::read_link("/etc/localtime").ok()?;
    let t = target.to_string_lossy();
    t.split_once("zoneinfo/").map(|(_, z)| z.to_owned())
}

/// The users of the machine's sessions from logind's runtime files
/// (`/run/systemd/sessions/*`, `USER=` lines); when there are none (no
/// logind, nobody logged in), `root` alone.
pub fn session_users(sessions_dir: &Path) -> Vec<String> {
    let mut users: Vec<String> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(sessions_dir) {
        for e in entries.flatten() {
            let Ok(text) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            for line in text.lines() {
                if let Some(u) = line.strip_prefix("USER=") {
                    let u = crate::sysfs::clean(u.as_bytes());
                    if !u.is_empty() && !users.contains(&u) {
                        users.push(u);
                    }
                }
            }
        }
    }
    if users.is_empty() {
        users.push("root".to_owned());
    }
    users.sort();
    users
}

/// The names of the groups `user` belongs to (its primary group and the
/// supplementary ones, through NSS: local files, LDAP, sssd…); none for
/// an unknown user.
pub fn groups_of(user: &str) -> Vec<String> {
    let Ok(Some(u)) = nix::unistd::User::from_name(user) else {
        return Vec::new();
    };
    let Ok(name) = std::ffi::CString::new(user) else {
        return Vec::new();
    };
    let gids = nix::unistd::getgrouplist(&name, u.gid).unwrap_or_else(|_| vec![u.gid]);
    let mut out: Vec<String> = gids
        .into_iter()
        .filter_map(|g| nix::unistd::Group::from_gid(g).ok().flatten())
        .map(|g| g.name)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The user name of `uid` and its groups; an unknown uid is `uid:<n>`
/// with no groups (the policy decides for a name no rule names).
pub fn user_of(uid: u32) -> (String, Vec<String>) {
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(u)) => {
            let groups = groups_of(&u.name);
            (u.name, groups)
        }
        _ => (format!("uid:{uid}"), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_addresses_from_fib_trie() {
        let t = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 10.0.2.15\n        /32 host LOCAL\n     |-- 127.0.0.1\n        /32 host LOCAL\n     |-- 10.0.2.255\n        /32 link BROADCAST\n";
        assert_eq!(local_ipv4(t), vec![Ipv4Addr::new(10, 0, 2, 15)]);
    }

    #[test]
    fn session_users_or_root() {
        let t = tempfile::tempdir().unwrap();
        assert_eq!(session_users(t.path()), vec!["root"]);
        std::fs::write(t.path().join("3"), "UID=1000\nUSER=dave\nACTIVE=1\n").unwrap();
        std::fs::write(t.path().join("4"), "USER=alice\n").unwrap();
        assert_eq!(session_users(t.path()), vec!["alice", "dave"]);
    }

    #[test]
    fn root_is_known_with_its_group() {
        let (name, groups) = user_of(0);
        assert_eq!(name, "root");
        assert!(groups.contains(&"root".to_owned()), "{groups:?}");
        assert_eq!(user_of(3_999_999_999).0, "uid:3999999999");
        assert!(groups_of("no-such-user-here").is_empty());
    }
}
