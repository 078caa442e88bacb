//! The nouns: modules, levels, roles, scopes and targets.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

/// A part of the product a role grants a level on. The seed's table of
/// actions, grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Module {
    /// Data classification: detectors and custom detectors.
    Classification,
    /// Policies, their versions and activation, and their association to
    /// groups.
    Policies,
    /// False-positive events and their fine-tuning (marking incidents as
    /// false positives).
    FalsePositives,
    /// The sensitive e-mail, file and override audit: incidents and their
    /// review.
    Incidents,
    /// Business justifications (exceptions users asked for).
    Justifications,
    /// Managed systems and the system summary: computers, agent groups,
    /// remote offices' members.
    Systems,
    /// Reports: the dashboard and counts.
    Reports,
    /// The audit trail of logins and administrative changes.
    Audit,
}

impl Module {
    pub const ALL: [Module; 8] = [
        Module::Classification,
        Module::Policies,
        Module::FalsePositives,
        Module::Incidents,
        Module::Justifications,
        Module::Systems,
        Module::Reports,
        Module::Audit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Module::Classification => "classification",
            Module::Policies => "policies",
            Module::FalsePositives => "false_positives",
            Module::Incidents => "incidents",
            Module::Justifications => "justifications",
            Module::Systems => "systems",
            Module::Reports => "reports",
            Module::Audit => "audit",
        }
    }

    pub fn parse(s: &str) -> Option<Module> {
        Module::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much of a module a role may use, in increasing order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The module is hidden.
    #[default]
    NoAccess,
    /// View what is in scope.
    Read,
    /// View, create, and modify or delete one's own objects in scope.
    Write,
    /// View, create, and modify or delete any object in scope.
    FullControl,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::NoAccess => "no_access",
            Level::Read => "read",
            Level::Write => "write",
            Level::FullControl => "full_control",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A level per module; a module not listed is [`Level::NoAccess`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Levels(BTreeMap<Module, Level>);

impl Levels {
    /// The same level on every module.
    pub fn all(level: Level) -> Levels {
        Levels(Module::ALL.into_iter().map(|m| (m, level)).collect())
    }

    pub fn get(&self, m: Module) -> Level {
        self.0.get(&m).copied().unwrap_or_default()
    }

    pub fn set(&mut self, m: Module, level: Level) -> &mut Levels {
        if level == Level::NoAccess {
            self.0.remove(&m);
        } else {
            self.0.insert(m, level);
        }
        self
    }

    pub fn with(mut self, m: Module, level: Level) -> Levels {
        self.set(m, level);
        self
    }

    /// Every module with its level, no access included.
    pub fn iter(&self) -> impl Iterator<Item = (Module, Level)> + '_ {
        Module::ALL.into_iter().map(|m| (m, self.get(m)))
    }

    /// The first module where `self` gives more than `other`.
    pub fn exceeds(&self, other: &Levels) -> Option<(Module, Level, Level)> {
        self.iter()
            .find(|&(m, l)| l > other.get(m))
            .map(|(m, l)| (m, l, other.get(m)))
    }
}

/// A named set of levels. The four predefined roles cannot be changed or
/// deleted; only the administrator role opens the Admin tab (users,
/// roles, scopes, remote offices, keys, settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// A stable identifier: `administrator`, `dlp_manager`, `technician`,
    /// `guest`, or the one given to a user-defined role.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// One of the four shipped roles (immutable).
    #[serde(default)]
    pub predefined: bool,
    /// The Admin tab: only the predefined administrator role has it.
    #[serde(default)]
    pub admin: bool,
    pub levels: Levels,
}

/// Why a role definition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error(
        "role id `{0}` is not valid: use 1 to 64 lower-case letters, digits, `-` or `_`, starting with a letter"
    )]
    BadId(String),
    #[error("role name must be 1 to 100 characters without control characters")]
    BadName,
    #[error("role `{0}` is predefined and cannot be changed or deleted")]
    Predefined(String),
    #[error("only the predefined administrator role has the Admin tab")]
    AdminTab,
}

impl Role {
    pub const ADMINISTRATOR: &'static str = "administrator";
    pub const DLP_MANAGER: &'static str = "dlp_manager";
    pub const TECHNICIAN: &'static str = "technician";
    pub const GUEST: &'static str = "guest";

    /// The four predefined roles of the seed:
    ///
    /// - Administrator: full control of every module, and the Admin tab;
    /// - Endpoint DLP Manager: full control of every module, no Admin tab;
    /// - Technician: write on the DLP modules (define and deploy, view
    ///   everyone's, modify their own), read on reports and the audit
    ///   trail, no Admin tab;
    /// - Guest: read everywhere.
    pub fn predefined() -> [Role; 4] {
        let role = |id: &str, name: &str, description: &str, admin: bool, levels: Levels| Role {
            id: id.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            predefined: true,
            admin,
            levels,
        };
        [
            role(
                Role::ADMINISTRATOR,
                "Administrator",
                "Full control of every module, and the Admin tab: users, roles, scopes, keys and settings.",
                true,
                Levels::all(Level::FullControl),
            ),
            role(
                Role::DLP_MANAGER,
                "Endpoint DLP Manager",
                "Full control of every DLP module; no Admin tab.",
                false,
                Levels::all(Level::FullControl),
            ),
            role(
                Role::TECHNICIAN,
                "Technician",
                "Defines and deploys DLP configurations, views everyone's and modifies their own; no Admin tab.",
                false,
                Levels::all(Level::Write)
                    .with(Module::Reports, Level::Read)
                    .with(Module::Audit, Level::Read),
            ),
            role(
                Role::GUEST,
                "Guest",
                "Read-only on every module.",
                false,
                Levels::all(Level::Read),
            ),
        ]
    }

    /// The predefined administrator role.
    pub fn administrator() -> Role {
        let [admin, ..] = Role::predefined();
        admin
    }

    /// A predefined role by id.
    pub fn builtin(id: &str) -> Option<Role> {
        Role::predefined().into_iter().find(|r| r.id == id)
    }

    pub fn level(&self, m: Module) -> Level {
        self.levels.get(m)
    }

    /// Checks a user-defined role's definition.
    pub fn validate_custom(&self) -> Result<(), RoleError> {
        if Role::builtin(&self.id).is_some() || self.predefined {
            return Err(RoleError::Predefined(self.id.clone()));
        }
        let mut chars = self.id.chars();
        let id_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            && self.id.len() <= 64;
        if !id_ok {
            return Err(RoleError::BadId(self.id.clone()));
        }
        let n = self.name.trim().chars().count();
        if n == 0 || n > 100 || self.name.chars().any(char::is_control) {
            return Err(RoleError::BadName);
        }
        if self.admin {
            return Err(RoleError::AdminTab);
        }
        Ok(())
    }
}

/// The computers a person manages. A scope mixing groups and offices
/// cannot be written down: it is one of the three.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "names", rename_all = "snake_case")]
pub enum Scope {
    /// Every computer, and whatever is not tied to a computer (server-wide
    /// policies, incidents from gateways).
    All,
    /// The computers of these unique custom groups (agent groups).
    Groups(BTreeSet<String>),
    /// The computers of these remote offices.
    Offices(BTreeSet<String>),
}

impl Scope {
    pub fn groups<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Scope {
        Scope::Groups(names.into_iter().map(Into::into).collect())
    }

    pub fn offices<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Scope {
        Scope::Offices(names.into_iter().map(Into::into).collect())
    }

    /// Whether every computer `other` covers, `self` covers too.
    pub fn covers_scope(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::All, _) => true,
            (_, Scope::All) => false,
            (Scope::Groups(a), Scope::Groups(b)) | (Scope::Offices(a), Scope::Offices(b)) => {
                b.is_subset(a)
            }
            // Groups and offices are different partitions of the
            // computers: one never provably covers the other. An empty
            // set covers nothing and is covered by anything.
            (Scope::Groups(_), Scope::Offices(b)) | (Scope::Offices(_), Scope::Groups(b)) => {
                b.is_empty()
            }
        }
    }

    /// The part of `targets` inside this scope, as targets.
    pub fn clip(&self, t: &Targets) -> Targets {
        match self {
            Scope::All => t.clone(),
            Scope::Groups(g) => Targets {
                server: false,
                groups: t.groups.intersection(g).cloned().collect(),
                offices: BTreeSet::new(),
                one_computer: false,
            },
            Scope::Offices(o) => Targets {
                server: false,
                groups: BTreeSet::new(),
                offices: t.offices.intersection(o).cloned().collect(),
                one_computer: false,
            },
        }
    }

    /// The scope both cover.
    pub fn intersect(&self, other: &Scope) -> Scope {
        match (self, other) {
            (Scope::All, s) | (s, Scope::All) => s.clone(),
            (Scope::Groups(a), Scope::Groups(b)) => {
                Scope::Groups(a.intersection(b).cloned().collect())
            }
            (Scope::Offices(a), Scope::Offices(b)) => {
                Scope::Offices(a.intersection(b).cloned().collect())
            }
            (Scope::Groups(_), Scope::Offices(_)) | (Scope::Offices(_), Scope::Groups(_)) => {
                Scope::Groups(BTreeSet::new())
            }
        }
    }

    /// The scope as targets (what a configuration covering exactly this
    /// scope targets). `All` is the server itself.
    pub fn as_targets(&self) -> Targets {
        match self {
            Scope::All => Targets::server(),
            Scope::Groups(g) => Targets::groups(g.iter().cloned()),
            Scope::Offices(o) => Targets::offices(o.iter().cloned()),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, what: &str, s: &BTreeSet<String>| {
            write!(f, "{what} ")?;
            let names: Vec<&str> = s.iter().map(String::as_str).collect();
            write!(f, "{}", names.join(", "))
        };
        match self {
            Scope::All => f.write_str("all computers"),
            Scope::Groups(g) => list(f, "groups", g),
            Scope::Offices(o) => list(f, "remote offices", o),
        }
    }
}

/// What an object applies to: the server itself (server-wide policies,
/// incidents not from a managed computer), groups, remote offices. Empty
/// targets mean nothing is deployed (a draft, a clone).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Targets {
    /// Applies server-wide, beyond any one group or office.
    #[serde(default)]
    pub server: bool,
    #[serde(default)]
    pub groups: BTreeSet<String>,
    #[serde(default)]
    pub offices: BTreeSet<String>,
    /// One computer, named by its group and its office: both describe the
    /// same machine, so a scope holding either holds it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub one_computer: bool,
}

impl Targets {
    /// Nothing deployed.
    pub fn none() -> Targets {
        Targets::default()
    }

    /// Server-wide.
    pub fn server() -> Targets {
        Targets {
            server: true,
            ..Targets::default()
        }
    }

    pub fn groups<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Targets {
        Targets {
            groups: names.into_iter().map(Into::into).collect(),
            ..Targets::default()
        }
    }

    pub fn offices<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Targets {
        Targets {
            offices: names.into_iter().map(Into::into).collect(),
            ..Targets::default()
        }
    }

    /// A computer's targets: its group and its office, either may be
    /// absent. A computer in neither is only in scope `All`.
    pub fn computer(group: Option<&str>, office: Option<&str>) -> Targets {
        Targets {
            server: false,
            groups: group.map(str::to_owned).into_iter().collect(),
            offices: office.map(str::to_owned).into_iter().collect(),
            one_computer: true,
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.server && self.groups.is_empty() && self.offices.is_empty()
    }

    /// Whether some target is inside `scope`.
    pub fn meets(&self, scope: &Scope) -> bool {
        match scope {
            Scope::All => true,
            Scope::Groups(g) => !self.groups.is_disjoint(g),
            Scope::Offices(o) => !self.offices.is_disjoint(o),
        }
    }

    /// Whether every target is inside `scope`. Server-wide targets are
    /// inside only `All`; one computer is inside a scope that meets it.
    pub fn within(&self, scope: &Scope) -> bool {
        if self.one_computer {
            return self.meets(scope);
        }
        match scope {
            Scope::All => true,
            Scope::Groups(g) => !self.server && self.offices.is_empty() && self.groups.is_subset(g),
            Scope::Offices(o) => {
                !self.server && self.groups.is_empty() && self.offices.is_subset(o)
            }
        }
    }
}
