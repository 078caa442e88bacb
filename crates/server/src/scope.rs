//! From stored rows to the permission check's objects: who owns a
//! policy, a group or an incident, and what it applies to
//! ([`cordon_access::Targets`]), and a scope as a store filter.

use cordon_access::{Owner, Scope, Targets};
use cordon_store::prelude::*;
use cordon_store::{Actor, AgentGroup, Policy, ScopeFilter};

use crate::error::ApiError;

/// The owner of a configuration (policy, group) made by `actor`. A key or
/// Cordon itself is an owner like an account: a person with write on the
/// module changes only what their own account made.
pub fn config_owner(actor: &Actor) -> Owner {
    Owner::Account(match actor {
        Actor::Account { id, .. } => id.clone(),
        // The subject id of a key without an owner.
        Actor::Key { id, .. } => format!("key:{id}"),
        other => other.encode(),
    })
}

/// A policy applies to the groups it is assigned to, and to the server
/// itself while it is active.
pub fn policy_targets(p: &Policy) -> Targets {
    Targets {
        server: p.active_version.is_some(),
        ..Targets::groups(p.groups.iter().cloned())
    }
}

/// A group applies to itself.
pub fn group_targets(g: &AgentGroup) -> Targets {
    Targets::groups([g.name.clone()])
}

/// An incident applies to the computer it came from, as that computer is
/// now (its group and office); one from no known computer (gateways, the
/// API, a computer since removed) applies to the server only.
pub async fn incident_targets(store: &dyn Store, computer: &str) -> Result<Targets, ApiError> {
    if computer.is_empty() {
        return Ok(Targets::server());
    }
    match store.get_computer(computer).await {
        Ok(c) => Ok(Targets::computer(c.group.as_deref(), c.office.as_deref())),
        Err(cordon_store::StoreError::NotFound(_)) => Ok(Targets::server()),
        Err(e) => Err(e.into()),
    }
}

/// The store filter of a scope: `None` for all computers.
pub fn filter(scope: &Scope) -> Option<ScopeFilter> {
    match scope {
        Scope::All => None,
        Scope::Groups(g) => Some(ScopeFilter {
            groups: g.iter().cloned().collect(),
            offices: Vec::new(),
        }),
        Scope::Offices(o) => Some(ScopeFilter {
            groups: Vec::new(),
            offices: o.iter().cloned().collect(),
        }),
    }
}
