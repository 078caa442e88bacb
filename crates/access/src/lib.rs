//! Who may do what: the permission model of Cordon's administrators.
//!
//! Pure data and functions, no IO: the server builds a [`Subject`] from
//! the account (or key) behind a request and asks [`authorize`] about an
//! [`Action`] on an [`Object`]; the answer says allow or deny and why.
//! Every route of the server goes through it (the route table names the
//! module and action; handlers ask again with the concrete object), and
//! `tests/` checks it as tables, including the seed's users A–D.
//!
//! The model follows ManageEngine Endpoint DLP Plus (seed `001`):
//!
//! - a [`Role`] gives each [`Module`] a [`Level`]: no access, read,
//!   write or full control. Four roles are predefined
//!   ([`Role::predefined`]); others are defined by administrators;
//! - a [`Scope`] is the set of computers a person manages: all of them,
//!   some unique custom groups, or some remote offices (never a mix);
//! - an object (a policy, an incident, a group) has [`Targets`]: the
//!   groups and offices it applies to. It is visible to a person whose
//!   scope meets its targets and modifiable by one whose scope covers
//!   them all.
//!
//! `docs/access.md` says what each level allows per module.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::allow_attributes_without_reason)
)]

mod decide;
mod model;

pub use decide::{
    Action, Decision, Object, Owner, Reason, Subject, TargetChoices, authorize, can_assign,
    can_grant_role, can_grant_scope, target_choices,
};
pub use model::{Level, Levels, Module, Role, RoleError, Scope, Targets};
