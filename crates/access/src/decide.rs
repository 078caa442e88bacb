//! The verbs: one pure check, `authorize(subject, action, object)`, and
//! the rules for handing out roles and scopes.

use std::fmt;

use serde::Serialize;

use crate::model::{Level, Module, Role, Scope, Targets};

/// Who is asking: a person's account, or an API key acting with a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The account id (or `key:<id>` for a key without an owner).
    pub id: String,
    pub role: Role,
    pub scope: Scope,
    /// The one super admin.
    pub super_admin: bool,
}

/// Who created an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Owner {
    /// Made by Cordon itself (incidents, justifications) or by an API key
    /// without an owner: nobody's own.
    System,
    /// Made by this account.
    Account(String),
}

/// What is being asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    View,
    Create,
    Modify,
    Delete,
    /// Copy as a new object without targets.
    Clone,
    /// Anything on the Admin tab: users, roles, scopes, remote offices,
    /// API keys, login and 2FA settings.
    Administer,
    /// Hand the super admin over to another administrator.
    TransferSuperAdmin,
}

impl Action {
    /// The least level of a module the action needs.
    fn needs(self) -> Level {
        match self {
            Action::View => Level::Read,
            _ => Level::Write,
        }
    }
}

/// What the action is on.
#[derive(Debug, Clone, Copy)]
pub enum Object<'a> {
    /// A module as a whole: may the subject do this kind of thing at all
    /// (the route table's check; handlers ask again about the item).
    Module(Module),
    /// One object of a module.
    Item {
        module: Module,
        owner: &'a Owner,
        targets: &'a Targets,
    },
    /// The Admin tab.
    Admin,
}

/// Allow or deny, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    pub reason: Reason,
}

impl Decision {
    fn allow(reason: Reason) -> Decision {
        Decision {
            allowed: true,
            reason,
        }
    }
    fn deny(reason: Reason) -> Decision {
        Decision {
            allowed: false,
            reason,
        }
    }

    /// `Ok` when allowed, the reason when not.
    pub fn into_result(self) -> Result<(), Reason> {
        if self.allowed {
            Ok(())
        } else {
            Err(self.reason)
        }
    }
}

/// Why a decision went the way it did; `Display` is a sentence for the
/// person who asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// The role's level on the module allows it, and the object is in scope.
    Granted { module: Module, level: Level },
    /// An administrator on the Admin tab.
    AdminTab,
    /// The super admin.
    SuperAdmin,
    /// The role's level on the module is too low.
    Level {
        module: Module,
        has: Level,
        needs: Level,
    },
    /// Write lets one modify or delete only what one made.
    NotOwner { module: Module },
    /// The object's targets are all outside the subject's scope.
    OutOfScope,
    /// Some of the object's targets are outside the subject's scope.
    NotCovered,
    /// Only administrators use the Admin tab.
    NotAdmin,
    /// Only the super admin hands the super admin over.
    NotSuperAdmin,
    /// The role granted gives more than the granter holds.
    RoleExceeds {
        module: Module,
        grants: Level,
        holds: Level,
    },
    /// The scope granted covers computers outside the granter's scope.
    ScopeExceeds,
    /// Nobody changes their own role or scope.
    OwnAccess,
    /// The super admin's role is administrator until it is handed over.
    SuperAdminRole,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Granted { module, level } => {
                write!(f, "allowed: {level} on {module}, object in scope")
            }
            Reason::AdminTab => f.write_str("allowed: administrator"),
            Reason::SuperAdmin => f.write_str("allowed: super admin"),
            Reason::Level { module, has, needs } => write!(
                f,
                "your role has {has} on {module}; this needs {needs} or more"
            ),
            Reason::NotOwner { module } => write!(
                f,
                "your role has write on {module}: you may modify or delete only what you created"
            ),
            Reason::OutOfScope => f.write_str("this is outside your scope"),
            Reason::NotCovered => f.write_str(
                "this applies to computers outside your scope: only someone whose scope covers all of its targets may change it",
            ),
            Reason::NotAdmin => f.write_str("only administrators may do this (Admin tab)"),
            Reason::NotSuperAdmin => f.write_str("only the super admin may do this"),
            Reason::RoleExceeds {
                module,
                grants,
                holds,
            } => write!(
                f,
                "the role grants {grants} on {module} but you hold only {holds}: you cannot grant more than you hold"
            ),
            Reason::ScopeExceeds => {
                f.write_str("the scope covers computers outside your own scope")
            }
            Reason::OwnAccess => f.write_str("you cannot change your own role or scope"),
            Reason::SuperAdminRole => f.write_str(
                "the super admin is an administrator; hand the super admin over first",
            ),
        }
    }
}

/// Whether `subject` may do `action` on `object`. Pure and total.
///
/// - The Admin tab needs the administrator role; handing over the super
///   admin needs the super admin.
/// - On a module: viewing needs read, anything else write. With write,
///   one modifies or deletes only what one created (or what Cordon
///   created: incidents, justifications); full control, anything.
/// - Scope: an object is visible when the scope meets its targets, when
///   it has none (nothing deployed) or when the subject created it;
///   creating, modifying or deleting needs the scope to cover every
///   target. A cloned object has no targets.
pub fn authorize(subject: &Subject, action: Action, object: Object<'_>) -> Decision {
    if action == Action::TransferSuperAdmin {
        return if subject.super_admin {
            Decision::allow(Reason::SuperAdmin)
        } else {
            Decision::deny(Reason::NotSuperAdmin)
        };
    }
    let (module, item) = match object {
        Object::Admin => return admin_tab(subject),
        _ if action == Action::Administer => return admin_tab(subject),
        Object::Module(m) => (m, None),
        Object::Item {
            module,
            owner,
            targets,
        } => (module, Some((owner, targets))),
    };
    let has = subject.role.level(module);
    let needs = action.needs();
    if has < needs {
        return Decision::deny(Reason::Level { module, has, needs });
    }
    let granted = Decision::allow(Reason::Granted { module, level: has });
    let Some((owner, targets)) = item else {
        return granted;
    };
    let own = matches!(owner, Owner::Account(id) if *id == subject.id);
    let visible = own || targets.is_empty() || targets.meets(&subject.scope);
    match action {
        Action::View | Action::Clone if visible => granted,
        Action::View | Action::Clone => Decision::deny(Reason::OutOfScope),
        Action::Create => {
            if targets.within(&subject.scope) {
                granted
            } else {
                Decision::deny(Reason::NotCovered)
            }
        }
        Action::Modify | Action::Delete => {
            if !visible {
                Decision::deny(Reason::OutOfScope)
            } else if !targets.within(&subject.scope) {
                Decision::deny(Reason::NotCovered)
            } else if has < Level::FullControl && matches!(owner, Owner::Account(_)) && !own {
                Decision::deny(Reason::NotOwner { module })
            } else {
                granted
            }
        }
        // Handled above; kept total without a panic.
        Action::Administer | Action::TransferSuperAdmin => admin_tab(subject),
    }
}

fn admin_tab(subject: &Subject) -> Decision {
    if subject.role.admin {
        Decision::allow(Reason::AdminTab)
    } else {
        Decision::deny(Reason::NotAdmin)
    }
}

/// Whether `granter` may create, change or assign `role`: an
/// administrator, and never more than they hold on any module.
pub fn can_grant_role(granter: &Subject, role: &Role) -> Decision {
    if !granter.role.admin {
        return Decision::deny(Reason::NotAdmin);
    }
    if let Some((module, grants, holds)) = role.levels.exceeds(&granter.role.levels) {
        return Decision::deny(Reason::RoleExceeds {
            module,
            grants,
            holds,
        });
    }
    Decision::allow(Reason::AdminTab)
}

/// Whether `granter` may give `scope` to someone: only administrators
/// change scopes, and only within their own.
pub fn can_grant_scope(granter: &Subject, scope: &Scope) -> Decision {
    if !granter.role.admin {
        return Decision::deny(Reason::NotAdmin);
    }
    if !granter.scope.covers_scope(scope) {
        return Decision::deny(Reason::ScopeExceeds);
    }
    Decision::allow(Reason::AdminTab)
}

/// What a person editing a configuration sees and may pick as targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetChoices {
    /// The object's targets inside the editor's scope: what they see and
    /// edit.
    pub shown: Targets,
    /// What they may pick from: the scope the editor shares with the
    /// object's creator (all of the editor's when Cordon made it), so
    /// nobody extends someone's configuration to computers its creator
    /// does not manage.
    pub offered: Scope,
}

/// The seed's "when user D modifies this configuration, the target of this
/// configuration will list only the scope that is being shared by user A
/// and user D".
pub fn target_choices(editor: &Scope, creator: Option<&Scope>, current: &Targets) -> TargetChoices {
    TargetChoices {
        shown: editor.clip(current),
        offered: creator.map_or_else(|| editor.clone(), |c| editor.intersect(c)),
    }
}

/// Whether `granter` may give account `account` this role and scope (on
/// creation, or as a change): the Admin tab, never one's own account,
/// nothing more than the granter holds, and the super admin stays an
/// administrator until handed over.
pub fn can_assign(
    granter: &Subject,
    account: &str,
    account_is_super_admin: bool,
    role: &Role,
    scope: &Scope,
) -> Decision {
    if !granter.role.admin {
        return Decision::deny(Reason::NotAdmin);
    }
    if account == granter.id {
        return Decision::deny(Reason::OwnAccess);
    }
    if account_is_super_admin && role.id != Role::ADMINISTRATOR {
        return Decision::deny(Reason::SuperAdminRole);
    }
    let d = can_grant_role(granter, role);
    if !d.allowed {
        return d;
    }
    can_grant_scope(granter, scope)
}
