//! Evaluation of compiled expressions against an event.
//!
//! Values borrow from the event and the compiled tree: evaluating does not
//! allocate. A variable the event does not carry is an error
//! ([`EvalError`]), never a silent `false`: the caller decides how that
//! fails closed.

use std::cell::Cell;
use std::net::IpAddr;

use super::ast::CmpOp;
use super::compile::{Const, Func, Node, RecipientKind, Var};
use crate::geoip::GeoIp;
use crate::internal::Internal;
use crate::model::{Event, Identity, MetaValue};

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("`{0}` is not known for this event")]
    Missing(&'static str),
    #[error("`_request.remoteCountryCode` is unknown: {0}")]
    Country(String),
}

/// A value during evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val<'a> {
    Bool(bool),
    Num(f64),
    Str(&'a str),
    List(&'a [String]),
    /// `_request.remoteIp`: compared with strings as addresses, so that
    /// `::ffff:1.2.3.4` equals `'1.2.3.4'` and nothing is formatted.
    Ip(IpAddr),
}

/// What an expression is evaluated against.
pub struct Env<'a> {
    pub event: &'a Event,
    pub geoip: Option<&'a GeoIp>,
    pub internal: &'a Internal,
    country: Cell<Option<Result<Option<&'a str>, ()>>>,
}

impl<'a> Env<'a> {
    pub fn new(event: &'a Event, geoip: Option<&'a GeoIp>, internal: &'a Internal) -> Env<'a> {
        Env {
            event,
            geoip,
            internal,
            country: Cell::new(None),
        }
    }

    fn country(&self) -> Result<&'a str, EvalError> {
        let req = self.event.request.as_ref();
        if let Some(c) = req.and_then(|r| r.remote_country_code.as_deref()) {
            return Ok(c);
        }
        let cached = match self.country.get() {
            Some(c) => c,
            None => {
                let r = match (req.and_then(|r| r.remote_ip), self.geoip) {
                    (Some(ip), Some(g)) => g.country(ip).map_err(|_| ()),
                    _ => Err(()),
                };
                self.country.set(Some(r));
                r
            }
        };
        match cached {
            Ok(Some(c)) => Ok(c),
            Ok(None) => Err(EvalError::Country(
                "the address is not in the GeoIP database".into(),
            )),
            Err(()) => Err(EvalError::Country(
                match (req.and_then(|r| r.remote_ip), self.geoip) {
                    (None, _) => "the event has no `request.remoteIp`".into(),
                    (_, None) => "no GeoIP database is configured".into(),
                    _ => "the GeoIP lookup failed".into(),
                },
            )),
        }
    }
}

fn missing<T>(v: Option<T>, var: Var) -> Result<T, EvalError> {
    v.ok_or(EvalError::Missing(var.name()))
}

fn const_val(c: &Const) -> Val<'_> {
    match c {
        Const::Bool(b) => Val::Bool(*b),
        Const::Num(n) => Val::Num(*n),
        Const::Str(s) => Val::Str(s),
    }
}

/// Evaluates a boolean node.
///
/// `and`/`or` use three-valued (Kleene) logic: `false and <error>` is
/// `false`, `true or <error>` is `true`, whatever the order. That makes the
/// result independent of operand order, which the rule index relies on
/// (it may skip a rule because one conjunct is certainly false).
pub fn eval_bool<'a>(node: &'a Node, env: &Env<'a>) -> Result<bool, EvalError> {
    match node {
        Node::And(terms) => chain(terms, env, false),
        Node::Or(terms) => chain(terms, env, true),
        Node::Not(a) => Ok(!eval_bool(a, env)?),
        other => match eval(other, env)? {
            Val::Bool(b) => Ok(b),
            // the checker guarantees booleans here
            _ => Ok(false),
        },
    }
}

/// Kleene `and` (`decisive` false) or `or` (`decisive` true) of `terms`:
/// a term equal to `decisive` decides, else the first error, else
/// `!decisive`.
fn chain<'a>(terms: &'a [Node], env: &Env<'a>, decisive: bool) -> Result<bool, EvalError> {
    let mut err = None;
    for t in terms {
        match eval_bool(t, env) {
            Ok(b) if b == decisive => return Ok(decisive),
            Ok(_) => {}
            Err(e) => {
                err.get_or_insert(e);
            }
        }
    }
    err.map_or(Ok(!decisive), Err)
}

/// Evaluates any node.
pub fn eval<'a>(node: &'a Node, env: &Env<'a>) -> Result<Val<'a>, EvalError> {
    Ok(match node {
        Node::Const(c) => const_val(c),
        Node::Var(v) => eval_var(*v, env)?,
        Node::Call(f) => call(f, env)?,
        Node::Not(_) | Node::And(..) | Node::Or(..) => Val::Bool(eval_bool(node, env)?),
        Node::Cmp(op, a, b) => {
            let x = eval(a, env)?;
            let y = eval(b, env)?;
            Val::Bool(compare(*op, x, y))
        }
    })
}

fn compare(op: CmpOp, x: Val<'_>, y: Val<'_>) -> bool {
    match (x, y) {
        (Val::Num(a), Val::Num(b)) => a.partial_cmp(&b).is_some_and(|o| op.holds(o)),
        (Val::Str(a), Val::Str(b)) => op.holds(a.cmp(b)),
        (Val::Bool(a), Val::Bool(b)) => op.holds(a.cmp(&b)),
        (Val::Ip(ip), Val::Str(s)) | (Val::Str(s), Val::Ip(ip)) => {
            let same = s
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|lit| canonical(lit) == canonical(ip));
            match op {
                CmpOp::Eq => same,
                CmpOp::Ne => !same,
                _ => false,
            }
        }
        (Val::Ip(a), Val::Ip(b)) => op.holds(canonical(a).cmp(&canonical(b))),
        (Val::List(l), Val::Str(s)) => {
            let has = l.iter().any(|e| e.eq_ignore_ascii_case(s));
            match op {
                CmpOp::Eq => has,
                CmpOp::Ne => !has,
                _ => false,
            }
        }
        _ => false,
    }
}

pub fn eval_var<'a>(v: Var, env: &Env<'a>) -> Result<Val<'a>, EvalError> {
    let ev = env.event;
    let req = ev.request.as_ref();
    let user = ev.user.as_ref();
    let file = ev.file.as_ref();
    let share = ev.share.as_ref();
    let dev = ev.device.as_ref();
    Ok(match v {
        Var::RemoteIp => Val::Ip(remote_ip(env)?),
        Var::Agent => Val::Str(missing(req.and_then(|r| r.agent.as_deref()), v)?),
        Var::RemoteCountryCode => Val::Str(env.country()?),
        Var::Username => Val::Str(missing(user.and_then(|u| u.username.as_deref()), v)?),
        Var::Email => Val::Str(missing(user.and_then(|u| u.email.as_deref()), v)?),
        Var::UserType => Val::Str(missing(user.and_then(|u| u.user_type.as_deref()), v)?),
        Var::UserGroups => Val::List(&missing(user, v)?.groups),
        Var::FilePath => Val::Str(missing(file.and_then(|f| f.path.as_deref()), v)?),
        Var::FileSize => Val::Num(missing(file.and_then(|f| f.size), v)? as f64),
        Var::FileType => Val::Str(missing(file.and_then(|f| f.file_type.as_deref()), v)?),
        Var::FileIncomplete => Val::Bool(!missing(file, v)?.incomplete.is_empty()),
        Var::FileName => {
            let p = missing(file.and_then(|f| f.path.as_deref()), v)?;
            Val::Str(p.rsplit(['/', '\\']).next().unwrap_or(p))
        }
        Var::SharePath => Val::Str(missing(share.and_then(|s| s.path.as_deref()), v)?),
        Var::SharePublic => Val::Bool(missing(share, v)?.public),
        Var::ShareAllowedUsers => Val::List(&missing(share, v)?.allowed_users),
        Var::ShareAllowedGroups => Val::List(&missing(share, v)?.allowed_groups),
        Var::RecipientCount => Val::Num(ev.recipients.len() as f64),
        Var::DeviceClass => Val::Str(missing(dev.and_then(|d| d.device.class.as_deref()), v)?),
        Var::DeviceBus => Val::Str(missing(dev.and_then(|d| d.device.bus.as_deref()), v)?),
        Var::DeviceDisk => Val::Str(missing(dev.and_then(|d| d.device.disk.as_deref()), v)?),
        Var::DeviceModel => Val::Str(missing(dev.and_then(|d| d.device.model.as_deref()), v)?),
        Var::DeviceEncrypted => Val::Bool(missing(dev.and_then(|d| d.device.encrypted), v)?),
        Var::DeviceOperation => Val::Str(match missing(dev, v)?.operation {
            crate::model::DeviceOperation::Read => "read",
            crate::model::DeviceOperation::Write => "write",
        }),
    })
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The event's `request.remoteIp`.
pub fn remote_ip(env: &Env<'_>) -> Result<IpAddr, EvalError> {
    env.event
        .request
        .as_ref()
        .and_then(|r| r.remote_ip)
        .ok_or(EvalError::Missing(Var::RemoteIp.name()))
}

fn ipv4(env: &Env<'_>) -> Result<Option<u32>, EvalError> {
    Ok(match remote_ip(env)? {
        IpAddr::V4(v4) => Some(u32::from(v4)),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(u32::from),
    })
}

fn meta_matches(v: &MetaValue, op: CmpOp, c: &Const) -> bool {
    match v {
        MetaValue::List(items) => items.iter().any(|i| meta_matches(i, op, c)),
        MetaValue::Bool(b) => match c {
            Const::Bool(x) => op.holds(b.cmp(x)),
            Const::Str(s) => s
                .parse::<bool>()
                .ok()
                .or_else(|| s.to_ascii_lowercase().parse::<bool>().ok())
                .is_some_and(|x| op.holds(b.cmp(&x))),
            Const::Num(_) => false,
        },
        MetaValue::Number(n) => match c {
            Const::Num(x) => n.partial_cmp(x).is_some_and(|o| op.holds(o)),
            Const::Str(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(|x| n.partial_cmp(&x))
                .is_some_and(|o| op.holds(o)),
            Const::Bool(_) => false,
        },
        MetaValue::String(s) => match c {
            Const::Str(x) => op.holds(s.as_str().cmp(x)),
            Const::Num(x) => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(|n| n.partial_cmp(x))
                .is_some_and(|o| op.holds(o)),
            Const::Bool(x) => s
                .to_ascii_lowercase()
                .parse::<bool>()
                .is_ok_and(|b| op.holds(b.cmp(x))),
        },
    }
}

fn call<'a>(f: &'a Func, env: &Env<'a>) -> Result<Val<'a>, EvalError> {
    let ev = env.event;
    let b = Val::Bool;
    Ok(match f {
        Func::InIpv4Range(lo, hi) => b(ipv4(env)?.is_some_and(|v| (*lo..=*hi).contains(&v))),
        Func::InCidr(net, mask) => b(ipv4(env)?.is_some_and(|v| v & mask == *net)),
        Func::InGroup(g) => {
            let u = ev.user.as_ref().ok_or(EvalError::Missing("_user.groups"))?;
            b(u.groups.iter().any(|x| x.eq_ignore_ascii_case(g)))
        }
        Func::EmailInDomain(d) => {
            let e = ev
                .user
                .as_ref()
                .and_then(|u| u.email.as_deref())
                .ok_or(EvalError::Missing("_user.email"))?;
            b(d.contains_email(e))
        }
        Func::FilePathStartsWith(p) => b(file_path(env)?.starts_with(&**p)),
        Func::FilePathContains(p) => b(file_path(env)?.contains(&**p)),
        Func::FilePathMatches(p) => b(p.matches(file_path(env)?)),
        Func::FileHasCategory(cats) => {
            b(classification(env)?.is_some_and(|c| cats.iter().any(|x| c.has_category(*x))))
        }
        Func::FileIsSensitive => b(classification(env)?.is_some_and(|c| !c.categories.is_empty())),
        Func::FileCount(det, conf) => {
            Val::Num(classification(env)?.map_or(0, |c| c.count(det, *conf)) as f64)
        }
        Func::FileCategoryCount(cat, conf) => {
            Val::Num(classification(env)?.map_or(0, |c| c.category_count(*cat, *conf)) as f64)
        }
        Func::FileIsType(types) => {
            let t = ev
                .file
                .as_ref()
                .and_then(|f| f.file_type.as_deref())
                .ok_or(EvalError::Missing("_file.type"))?;
            b(types.iter().any(|x| x.eq_ignore_ascii_case(t)))
        }
        Func::MetaExists(m) => b(ev.metadata.as_ref().is_some_and(|md| md.contains_key(&**m))),
        Func::MetaWithValue(m, c) => b(ev
            .metadata
            .as_ref()
            .and_then(|md| md.get(&**m))
            .is_some_and(|v| meta_matches(v, CmpOp::Eq, c))),
        Func::MetaWithCondition(m, op, c) => b(ev
            .metadata
            .as_ref()
            .and_then(|md| md.get(&**m))
            .is_some_and(|v| meta_matches(v, *op, c))),
        Func::ShareHasUsersFromDomain(d) => b(share(env)?
            .allowed_users
            .iter()
            .any(|u| d.contains_email(u))),
        Func::ShareOnlyUsersFromDomain(d) => b(share(env)?
            .allowed_users
            .iter()
            .all(|u| d.contains_email(u))),
        Func::SharePathStartsWith(p) => b(share_path(env)?.starts_with(&**p)),
        Func::SharePathContains(p) => b(share_path(env)?.contains(&**p)),
        Func::SharePathMatches(p) => b(p.matches(share_path(env)?)),
        Func::DestHasKind(kinds) => b(ev.recipients.iter().any(|r| {
            let k = match r {
                Identity::Contact { .. } => RecipientKind::Contact,
                Identity::Host { .. } => RecipientKind::Host,
                Identity::Device { .. } => RecipientKind::Device,
                Identity::Printer { .. } => RecipientKind::Printer,
                Identity::FileSharing { .. } => RecipientKind::FileSharing,
                Identity::SocialNetwork { .. } => RecipientKind::SocialNetwork,
            };
            kinds.contains(&k)
        })),
        Func::DestHasDeviceKind(k) => b(ev
            .recipients
            .iter()
            .any(|r| matches!(r, Identity::Device { device, .. } if device == k))),
        Func::DestAnyExternal => b(ev.recipients.iter().any(|r| !env.internal.is_internal(r))),
        Func::DestAllInternal => {
            b(!ev.recipients.is_empty()
                && ev.recipients.iter().all(|r| env.internal.is_internal(r)))
        }
        Func::DestHasDomain(d) => b(ev.recipients.iter().any(|r| match r {
            Identity::Contact { id, .. } => d.contains_email(id),
            Identity::Host { host, .. } => d.contains_domain(host),
            _ => false,
        })),
        Func::DeviceIsRemovable => {
            let dev = ev
                .device
                .as_ref()
                .ok_or(EvalError::Missing("_device.disk"))?;
            b(dev
                .device
                .disk
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case("removable")))
        }
    })
}

fn file_path<'a>(env: &Env<'a>) -> Result<&'a str, EvalError> {
    env.event
        .file
        .as_ref()
        .and_then(|f| f.path.as_deref())
        .ok_or(EvalError::Missing("_file.path"))
}

fn share<'a>(env: &Env<'a>) -> Result<&'a crate::model::Share, EvalError> {
    env.event
        .share
        .as_ref()
        .ok_or(EvalError::Missing("_share.allowedUsers"))
}

fn share_path<'a>(env: &Env<'a>) -> Result<&'a str, EvalError> {
    share(env)?
        .path
        .as_deref()
        .ok_or(EvalError::Missing("_share.path"))
}

/// The file's classification; a file without one has found nothing. An
/// event without a file section at all is an error.
fn classification<'a>(
    env: &Env<'a>,
) -> Result<Option<&'a crate::model::Classification>, EvalError> {
    let f = env
        .event
        .file
        .as_ref()
        .ok_or(EvalError::Missing("_file.classification"))?;
    Ok(f.classification.as_ref())
}
