//! Type checking and compilation of expressions.
//!
//! Checking and compiling are one pass: every variable and function is
//! resolved to an enum variant, every literal argument is parsed once
//! (CIDR ranges, IP addresses, domain lists, categories, confidences,
//! wildcard patterns), so evaluation never looks a name up or parses text.
//! Which namespaces an action supplies is checked here, at load time.

use std::net::Ipv4Addr;

use super::ast::{CmpOp, Expr, Lit};
use crate::diag::{Diagnostic, Span};
use crate::model::{Action, Category, Confidence, DeviceKind};
use crate::wildcard::Pattern;

/// Expression types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Bool,
    Num,
    Str,
    /// A list of strings (`_user.groups`, `_share.allowedUsers`); `==`
    /// against a string tests membership.
    List,
    /// A metadata value: any literal.
    Any,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Bool => "boolean",
            Ty::Num => "number",
            Ty::Str => "string",
            Ty::List => "list",
            Ty::Any => "value",
        }
    }
}

/// The namespaces of variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ns {
    Request,
    User,
    File,
    Metadata,
    Share,
    Destination,
    Device,
}

impl Ns {
    pub fn parse(s: &str) -> Option<Ns> {
        Some(match s {
            "request" => Ns::Request,
            "user" => Ns::User,
            "file" => Ns::File,
            "metadata" => Ns::Metadata,
            "share" => Ns::Share,
            "destination" => Ns::Destination,
            "device" => Ns::Device,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Ns::Request => "_request",
            Ns::User => "_user",
            Ns::File => "_file",
            Ns::Metadata => "_metadata",
            Ns::Share => "_share",
            Ns::Destination => "_destination",
            Ns::Device => "_device",
        }
    }
}

/// Which namespaces each action supplies. The seed's three (login:
/// request+user; download: request, user, file, metadata; share: user,
/// metadata, share) verbatim; the others by what the event carries.
pub fn namespaces(action: Action) -> &'static [Ns] {
    use Ns::*;
    match action {
        Action::Login => &[Request, User],
        Action::Download | Action::Upload => &[Request, User, File, Metadata],
        Action::Share => &[User, Metadata, Share],
        Action::CopyToDevice => &[User, File, Metadata, Destination, Device],
        Action::Print | Action::Email => &[User, File, Metadata, Destination],
        Action::Clipboard => &[User, File, Destination],
        Action::NetworkUpload => &[Request, User, File, Metadata, Destination],
        Action::DeviceAccess => &[User, File, Device],
    }
}

/// Variables, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    RemoteIp,
    Agent,
    RemoteCountryCode,
    Username,
    Email,
    UserType,
    UserGroups,
    FilePath,
    FileSize,
    FileType,
    FileName,
    /// Whether any part of the file was not fully inspected.
    FileIncomplete,
    SharePath,
    SharePublic,
    ShareAllowedUsers,
    ShareAllowedGroups,
    RecipientCount,
    DeviceClass,
    DeviceBus,
    DeviceDisk,
    DeviceModel,
    DeviceEncrypted,
    DeviceOperation,
}

impl Var {
    pub fn ty(self) -> Ty {
        use Var::*;
        match self {
            FileSize | RecipientCount => Ty::Num,
            SharePublic | DeviceEncrypted | FileIncomplete => Ty::Bool,
            UserGroups | ShareAllowedUsers | ShareAllowedGroups => Ty::List,
            _ => Ty::Str,
        }
    }

    pub fn name(self) -> &'static str {
        use Var::*;
        match self {
            RemoteIp => "_request.remoteIp",
            Agent => "_request.agent",
            RemoteCountryCode => "_request.remoteCountryCode",
            Username => "_user.username",
            Email => "_user.email",
            UserType => "_user.userType",
            UserGroups => "_user.groups",
            FilePath => "_file.path",
            FileSize => "_file.size",
            FileType => "_file.type",
            FileName => "_file.name",
            FileIncomplete => "_file.incomplete",
            SharePath => "_share.path",
            SharePublic => "_share.public",
            ShareAllowedUsers => "_share.allowedUsers",
            ShareAllowedGroups => "_share.allowedGroups",
            RecipientCount => "_destination.count",
            DeviceClass => "_device.class",
            DeviceBus => "_device.bus",
            DeviceDisk => "_device.disk",
            DeviceModel => "_device.model",
            DeviceEncrypted => "_device.encrypted",
            DeviceOperation => "_device.operation",
        }
    }
}

fn lookup_var(ns: Ns, name: &str) -> Option<Var> {
    use Var::*;
    Some(match (ns, name) {
        (Ns::Request, "remoteIp") => RemoteIp,
        (Ns::Request, "agent") => Agent,
        (Ns::Request, "remoteCountryCode") => RemoteCountryCode,
        (Ns::User, "username") => Username,
        (Ns::User, "email") => Email,
        (Ns::User, "userType") => UserType,
        (Ns::User, "groups") => UserGroups,
        (Ns::File, "path") => FilePath,
        (Ns::File, "size") => FileSize,
        (Ns::File, "type") => FileType,
        (Ns::File, "name") => FileName,
        (Ns::File, "incomplete") => FileIncomplete,
        (Ns::Share, "path") => SharePath,
        (Ns::Share, "public") => SharePublic,
        (Ns::Share, "allowedUsers") => ShareAllowedUsers,
        (Ns::Share, "allowedGroups") => ShareAllowedGroups,
        (Ns::Destination, "count") => RecipientCount,
        (Ns::Device, "class") => DeviceClass,
        (Ns::Device, "bus") => DeviceBus,
        (Ns::Device, "disk") => DeviceDisk,
        (Ns::Device, "model") => DeviceModel,
        (Ns::Device, "encrypted") => DeviceEncrypted,
        (Ns::Device, "operation") => DeviceOperation,
        _ => return None,
    })
}

/// A literal constant, pre-parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    Bool(bool),
    Num(f64),
    Str(Box<str>),
}

/// Functions, resolved, with their literal arguments pre-parsed.
#[derive(Debug, Clone)]
pub enum Func {
    InIpv4Range(u32, u32),
    InCidr(u32, u32),
    InGroup(Box<str>),
    EmailInDomain(Domains),
    FilePathStartsWith(Box<str>),
    FilePathContains(Box<str>),
    FilePathMatches(Pattern),
    FileHasCategory(Vec<Category>),
    FileIsSensitive,
    FileCount(Box<str>, Confidence),
    FileCategoryCount(Category, Confidence),
    FileIsType(Vec<Box<str>>),
    MetaExists(Box<str>),
    MetaWithValue(Box<str>, Const),
    MetaWithCondition(Box<str>, CmpOp, Const),
    ShareHasUsersFromDomain(Domains),
    ShareOnlyUsersFromDomain(Domains),
    SharePathStartsWith(Box<str>),
    SharePathContains(Box<str>),
    SharePathMatches(Pattern),
    DestHasKind(Vec<RecipientKind>),
    DestHasDeviceKind(DeviceKind),
    DestAnyExternal,
    DestAllInternal,
    DestHasDomain(Domains),
    DeviceIsRemovable,
}

/// A comma-separated domain list, lower-cased, without leading `@`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Domains(pub Vec<Box<str>>);

impl Domains {
    pub fn parse(s: &str) -> Domains {
        Domains(
            s.split(',')
                .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .map(String::into_boxed_str)
                .collect(),
        )
    }

    /// Whether `email`'s domain is one of the list (or a subdomain).
    pub fn contains_email(&self, email: &str) -> bool {
        let Some((_, dom)) = email.rsplit_once('@') else {
            return false;
        };
        self.contains_domain(dom)
    }

    pub fn contains_domain(&self, dom: &str) -> bool {
        let dom = dom.trim_end_matches('.');
        self.0.iter().any(|d| {
            dom.len() >= d.len()
                && dom
                    .get(dom.len() - d.len()..)
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(d))
                && (dom.len() == d.len()
                    || dom.as_bytes().get(dom.len() - d.len() - 1) == Some(&b'.'))
        })
    }
}

/// Recipient kinds for `_destination.hasKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientKind {
    Contact,
    Host,
    Device,
    Printer,
    FileSharing,
    SocialNetwork,
}

impl RecipientKind {
    pub fn parse(s: &str) -> Option<RecipientKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "contact" => RecipientKind::Contact,
            "host" => RecipientKind::Host,
            "device" => RecipientKind::Device,
            "printer" => RecipientKind::Printer,
            "file_sharing" => RecipientKind::FileSharing,
            "social_network" => RecipientKind::SocialNetwork,
            _ => return None,
        })
    }
}

/// A compiled expression.
#[derive(Debug, Clone)]
pub enum Node {
    Const(Const),
    Var(Var),
    Call(Func),
    Not(Box<Node>),
    /// Two or more conditions, all of which must hold.
    And(Box<[Node]>),
    /// Two or more conditions, one of which must hold.
    Or(Box<[Node]>),
    Cmp(CmpOp, Box<Node>, Box<Node>),
}

/// The rule's DLP action, which some functions care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

struct Checker<'a> {
    actions: &'a [Action],
    effect: Effect,
    diags: Vec<Diagnostic>,
    /// Levels of the tree above the node being checked.
    depth: usize,
}

/// Tree levels the checker follows. The parser's nesting limit
/// ([`super::parse::MAX_DEPTH`]) keeps parsed expressions far below it
/// (an expression level is at most an `or`, an `and`, a comparison and a
/// value); this guards trees built some other way.
const MAX_TREE_DEPTH: usize = 4 * super::parse::MAX_DEPTH + 4;

/// Type-checks `expr` for rules on `actions` and compiles it. `None` when
/// there are errors (all in the diagnostics).
pub fn compile(expr: &Expr, actions: &[Action], effect: Effect) -> (Option<Node>, Vec<Diagnostic>) {
    let mut c = Checker {
        actions,
        effect,
        diags: Vec::new(),
        depth: 0,
    };
    let node = c.node(expr);
    if let Some((_, ty)) = &node
        && *ty != Ty::Bool
    {
        c.err(
            format!(
                "a rule expression must be a condition (boolean), this is a {}",
                ty.name()
            ),
            expr.span(),
        );
    }
    let ok = !c.diags.iter().any(Diagnostic::is_error);
    (node.filter(|_| ok).map(|(n, _)| n), c.diags)
}

impl Checker<'_> {
    fn err(&mut self, msg: String, span: Span) {
        self.diags.push(Diagnostic::error(msg, Some(span)));
    }

    fn available(&mut self, ns: Ns, span: Span) {
        for a in self.actions {
            if !namespaces(*a).contains(&ns) {
                let have: Vec<&str> = namespaces(*a).iter().map(|n| n.as_str()).collect();
                self.err(
                    format!(
                        "`{}` is not available for `{}` rules (`{}` supplies {})",
                        ns.as_str(),
                        a,
                        a,
                        have.join(", ")
                    ),
                    span,
                );
                return;
            }
        }
    }

    fn node(&mut self, e: &Expr) -> Option<(Node, Ty)> {
        if self.depth >= MAX_TREE_DEPTH {
            self.err(
                format!("expression nests too deeply (more than {MAX_TREE_DEPTH} levels)"),
                e.span(),
            );
            return None;
        }
        self.depth += 1;
        let r = self.node_inner(e);
        self.depth -= 1;
        r
    }

    fn node_inner(&mut self, e: &Expr) -> Option<(Node, Ty)> {
        match e {
            Expr::Lit(l, _) => Some(match l {
                Lit::Bool(b) => (Node::Const(Const::Bool(*b)), Ty::Bool),
                Lit::Num(n) => (Node::Const(Const::Num(*n)), Ty::Num),
                Lit::Str(s) => (Node::Const(Const::Str(s.clone().into())), Ty::Str),
            }),
            Expr::Error(_) => None,
            Expr::Var { ns, name, span } => {
                let n = self.ns(ns, *span)?;
                match lookup_var(n, name) {
                    Some(v) => {
                        self.available(n, *span);
                        Some((Node::Var(v), v.ty()))
                    }
                    None => {
                        if func_arity(n, name).is_some() {
                            self.err(
                                format!(
                                    "`{}.{name}` is a function: call it with `(…)`",
                                    n.as_str()
                                ),
                                *span,
                            );
                        } else {
                            self.err(format!("unknown variable `{}.{name}`", n.as_str()), *span);
                        }
                        None
                    }
                }
            }
            Expr::Call {
                ns,
                name,
                args,
                span,
            } => {
                let n = self.ns(ns, *span)?;
                self.call(n, name, args, *span)
            }
            Expr::Not(inner, _) => {
                let (n, t) = self.node(inner)?;
                self.expect(t, Ty::Bool, inner.span(), "`not`");
                Some((Node::Not(Box::new(n)), Ty::Bool))
            }
            Expr::And(terms, _) | Expr::Or(terms, _) => {
                let is_and = matches!(e, Expr::And(..));
                let kw = if is_and { "`and`" } else { "`or`" };
                let mut nodes = Vec::with_capacity(terms.len());
                let mut ok = true;
                // every term is checked, so that one pass reports them all
                for t in terms {
                    match self.node(t) {
                        Some((n, ty)) => {
                            self.expect(ty, Ty::Bool, t.span(), kw);
                            nodes.push(n);
                        }
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                let nodes = nodes.into_boxed_slice();
                Some(if is_and {
                    (Node::And(nodes), Ty::Bool)
                } else {
                    (Node::Or(nodes), Ty::Bool)
                })
            }
            Expr::Cmp(op, a, b, span) => {
                let x = self.node(a);
                let y = self.node(b);
                let (x, tx) = x?;
                let (y, ty) = y?;
                let ordered = !matches!(op, CmpOp::Eq | CmpOp::Ne);
                let ok = match (tx, ty) {
                    (Ty::Num, Ty::Num) => true,
                    (Ty::Str, Ty::Str) | (Ty::Bool, Ty::Bool) => !ordered,
                    (Ty::List, Ty::Str) => !ordered,
                    _ => false,
                };
                if !ok {
                    let msg = if ordered && tx == ty {
                        format!("`{}` compares numbers, not {}s", op.as_str(), tx.name())
                    } else {
                        format!(
                            "cannot compare a {} with a {} using `{}`",
                            tx.name(),
                            ty.name(),
                            op.as_str()
                        )
                    };
                    self.err(msg, *span);
                    return None;
                }
                Some((Node::Cmp(*op, Box::new(x), Box::new(y)), Ty::Bool))
            }
        }
    }

    fn expect(&mut self, got: Ty, want: Ty, span: Span, what: &str) {
        if got != want {
            self.err(
                format!("{what} needs a {}, this is a {}", want.name(), got.name()),
                span,
            );
        }
    }

    fn ns(&mut self, ns: &str, span: Span) -> Option<Ns> {
        match Ns::parse(ns) {
            Some(n) => Some(n),
            None => {
                self.err(
                    format!(
                        "unknown namespace `_{ns}` (expected _request, _user, _file, _metadata, _share, _destination or _device)"
                    ),
                    span,
                );
                None
            }
        }
    }

    fn str_arg(&mut self, args: &[Expr], i: usize, fname: &str) -> Option<(String, Span)> {
        match args.get(i) {
            Some(Expr::Lit(Lit::Str(s), sp)) => Some((s.clone(), *sp)),
            Some(other) => {
                self.err(
                    format!("argument {} of `{fname}` must be a string literal", i + 1),
                    other.span(),
                );
                None
            }
            None => None,
        }
    }

    fn const_arg(&mut self, args: &[Expr], i: usize, fname: &str) -> Option<Const> {
        match args.get(i) {
            Some(Expr::Lit(l, _)) => Some(match l {
                Lit::Bool(b) => Const::Bool(*b),
                Lit::Num(n) => Const::Num(*n),
                Lit::Str(s) => Const::Str(s.clone().into()),
            }),
            Some(other) => {
                self.err(
                    format!("argument {} of `{fname}` must be a literal", i + 1),
                    other.span(),
                );
                None
            }
            None => None,
        }
    }

    fn call(&mut self, ns: Ns, name: &str, args: &[Expr], span: Span) -> Option<(Node, Ty)> {
        let fname = format!("{}.{name}", ns.as_str());
        let Some(arity) = func_arity(ns, name) else {
            if lookup_var(ns, name).is_some() {
                self.err(format!("`{fname}` is a variable, not a function"), span);
            } else {
                self.err(format!("unknown function `{fname}`"), span);
            }
            return None;
        };
        self.available(ns, span);
        if args.len() != arity {
            self.err(
                format!(
                    "`{fname}` takes {arity} argument{}, found {}",
                    if arity == 1 { "" } else { "s" },
                    args.len()
                ),
                span,
            );
            return None;
        }
        let bool_fn = |f: Func| Some((Node::Call(f), Ty::Bool));
        use Func::*;
        match (ns, name) {
            (Ns::Request, "inIpv4Range") => {
                let (lo, lsp) = self.str_arg(args, 0, &fname)?;
                let (hi, hsp) = self.str_arg(args, 1, &fname)?;
                let lo = self.ipv4(&lo, lsp)?;
                let hi = self.ipv4(&hi, hsp)?;
                if lo > hi {
                    self.err(
                        "the range's low address is above its high address".into(),
                        span,
                    );
                    return None;
                }
                bool_fn(InIpv4Range(lo, hi))
            }
            (Ns::Request, "inIpV4CdirRange" | "inIpv4CidrRange") => {
                let (c, sp) = self.str_arg(args, 0, &fname)?;
                let Some((net, mask)) = parse_cidr(&c) else {
                    self.err(
                        format!("`{c}` is not an IPv4 CIDR range like `10.2.1.0/24`"),
                        sp,
                    );
                    return None;
                };
                bool_fn(InCidr(net, mask))
            }
            (Ns::User, "inGroup") => {
                let (g, _) = self.str_arg(args, 0, &fname)?;
                bool_fn(InGroup(g.into()))
            }
            (Ns::User, "isEmailInDomain") => {
                let d = self.domains(args, &fname)?;
                bool_fn(EmailInDomain(d))
            }
            (Ns::File, "pathStartsWith") => {
                let (p, _) = self.str_arg(args, 0, &fname)?;
                bool_fn(FilePathStartsWith(p.into()))
            }
            (Ns::File, "pathContains") => {
                let (p, _) = self.str_arg(args, 0, &fname)?;
                bool_fn(FilePathContains(p.into()))
            }
            (Ns::File, "pathMatches") => {
                let (p, _) = self.str_arg(args, 0, &fname)?;
                bool_fn(FilePathMatches(Pattern::share(&p)))
            }
            (Ns::File, "hasCategory") => {
                let (c, sp) = self.str_arg(args, 0, &fname)?;
                let mut cats = Vec::new();
                for part in c.split(',') {
                    cats.push(self.category(part, sp)?);
                }
                bool_fn(FileHasCategory(cats))
            }
            (Ns::File, "isSensitive") => bool_fn(FileIsSensitive),
            (Ns::File, "count") => {
                let (d, _) = self.str_arg(args, 0, &fname)?;
                let (c, sp) = self.str_arg(args, 1, &fname)?;
                let c = self.confidence(&c, sp)?;
                Some((Node::Call(FileCount(d.into(), c)), Ty::Num))
            }
            (Ns::File, "categoryCount") => {
                let (cat, csp) = self.str_arg(args, 0, &fname)?;
                let (c, sp) = self.str_arg(args, 1, &fname)?;
                let cat = self.category(&cat, csp)?;
                let c = self.confidence(&c, sp)?;
                Some((Node::Call(FileCategoryCount(cat, c)), Ty::Num))
            }
            (Ns::File, "isType") => {
                let (t, _) = self.str_arg(args, 0, &fname)?;
                let types = t
                    .split(',')
                    .map(|s| {
                        s.trim()
                            .trim_start_matches('.')
                            .to_ascii_lowercase()
                            .into_boxed_str()
                    })
                    .filter(|s| !s.is_empty())
                    .collect();
                bool_fn(FileIsType(types))
            }
            (Ns::Metadata, "exists") => {
                let (m, _) = self.str_arg(args, 0, &fname)?;
                bool_fn(MetaExists(m.into()))
            }
            (Ns::Metadata, "existsWithValue") => {
                let (m, _) = self.str_arg(args, 0, &fname)?;
                let v = self.const_arg(args, 1, &fname)?;
                bool_fn(MetaWithValue(m.into(), v))
            }
            (Ns::Metadata, "existsWithCondition") => {
                let (m, _) = self.str_arg(args, 0, &fname)?;
                let (op, osp) = self.str_arg(args, 1, &fname)?;
                let Some(op) = CmpOp::parse(&op) else {
                    self.err(
                        format!("`{op}` is not an operator: use ==, !=, <>, >, <, >= or <="),
                        osp,
                    );
                    return None;
                };
                let v = self.const_arg(args, 2, &fname)?;
                bool_fn(MetaWithCondition(m.into(), op, v))
            }
            (Ns::Share, "hasUsersFromDomain") => {
                if self.effect == Effect::Allow {
                    self.diags.push(Diagnostic::warning(
                        format!("the seed defines `{fname}` for DENY rules; in an ALLOW rule it allows shares with *any* user of these domains"),
                        Some(span),
                    ));
                }
                bool_fn(ShareHasUsersFromDomain(self.domains(args, &fname)?))
            }
            (Ns::Share, "onlyUsersFromDomain") => {
                if self.effect == Effect::Deny {
                    self.diags.push(Diagnostic::warning(
                        format!("the seed defines `{fname}` for ALLOW rules; in a DENY rule it denies shares whose users are *all* from these domains"),
                        Some(span),
                    ));
                }
                bool_fn(ShareOnlyUsersFromDomain(self.domains(args, &fname)?))
            }
            (Ns::Share, "pathStartsWith") => {
                let (p, _) = self.str_arg(args, 0, &fname)?;
                bool_fn(SharePathStartsWith(p.into()))
            }
            (Ns::Share, "pathContains") => {
                let (p, _) = self.str_arg(args, 0, &fname)?;
                bool_fn(SharePathContains(p.into()))
            }
            (Ns::Share, "pathMatches") => {
                let (p, _) = self.str_arg(args, 0, &fname)?;
                bool_fn(SharePathMatches(Pattern::share(&p)))
            }
            (Ns::Destination, "hasKind") => {
                let (k, sp) = self.str_arg(args, 0, &fname)?;
                let mut kinds = Vec::new();
                for part in k.split(',') {
                    match RecipientKind::parse(part) {
                        Some(k) => kinds.push(k),
                        None => {
                            self.err(format!("`{}` is not a recipient kind (contact, host, device, printer, file_sharing, social_network)", part.trim()), sp);
                            return None;
                        }
                    }
                }
                bool_fn(DestHasKind(kinds))
            }
            (Ns::Destination, "hasDeviceKind") => {
                let (k, sp) = self.str_arg(args, 0, &fname)?;
                let kind = match k.trim().to_ascii_lowercase().as_str() {
                    "external_storage" => DeviceKind::ExternalStorage,
                    "encrypted_removable" => DeviceKind::EncryptedRemovable,
                    "redirected_clipboard" => DeviceKind::RedirectedClipboard,
                    "other" => DeviceKind::Other,
                    _ => {
                        self.err(format!("`{k}` is not a device kind (external_storage, encrypted_removable, redirected_clipboard, other)"), sp);
                        return None;
                    }
                };
                bool_fn(DestHasDeviceKind(kind))
            }
            (Ns::Destination, "isExternal") => bool_fn(DestAnyExternal),
            (Ns::Destination, "isInternal") => bool_fn(DestAllInternal),
            (Ns::Destination, "hasDomain") => bool_fn(DestHasDomain(self.domains(args, &fname)?)),
            (Ns::Device, "isRemovable") => bool_fn(DeviceIsRemovable),
            _ => {
                self.err(format!("unknown function `{fname}`"), span);
                None
            }
        }
    }

    fn domains(&mut self, args: &[Expr], fname: &str) -> Option<Domains> {
        let (d, sp) = self.str_arg(args, 0, fname)?;
        let doms = Domains::parse(&d);
        if doms.0.is_empty() {
            self.err("expected one or more comma-separated domains".into(), sp);
            return None;
        }
        Some(doms)
    }

    fn ipv4(&mut self, s: &str, sp: Span) -> Option<u32> {
        match s.trim().parse::<Ipv4Addr>() {
            Ok(ip) => Some(u32::from(ip)),
            Err(_) => {
                self.err(format!("`{s}` is not an IPv4 address"), sp);
                None
            }
        }
    }

    fn category(&mut self, s: &str, sp: Span) -> Option<Category> {
        let c = Category::parse(s);
        if c.is_none() {
            self.err(
                format!(
                    "`{}` is not a category (PII, PHI, PCI, CREDENTIALS, CONFIDENTIAL)",
                    s.trim()
                ),
                sp,
            );
        }
        c
    }

    fn confidence(&mut self, s: &str, sp: Span) -> Option<Confidence> {
        let c = Confidence::parse(s);
        if c.is_none() {
            self.err(format!("`{s}` is not a confidence (low, medium, high)"), sp);
        }
        c
    }
}

/// Arity of each function, `None` for unknown names.
pub fn func_arity(ns: Ns, name: &str) -> Option<usize> {
    Some(match (ns, name) {
        (Ns::Request, "inIpv4Range") => 2,
        (Ns::Request, "inIpV4CdirRange" | "inIpv4CidrRange") => 1,
        (Ns::User, "inGroup" | "isEmailInDomain") => 1,
        (
            Ns::File,
            "pathStartsWith" | "pathContains" | "pathMatches" | "hasCategory" | "isType",
        ) => 1,
        (Ns::File, "isSensitive") => 0,
        (Ns::File, "count" | "categoryCount") => 2,
        (Ns::Metadata, "exists") => 1,
        (Ns::Metadata, "existsWithValue") => 2,
        (Ns::Metadata, "existsWithCondition") => 3,
        (
            Ns::Share,
            "hasUsersFromDomain"
            | "onlyUsersFromDomain"
            | "pathStartsWith"
            | "pathContains"
            | "pathMatches",
        ) => 1,
        (Ns::Destination, "hasKind" | "hasDeviceKind" | "hasDomain") => 1,
        (Ns::Destination, "isExternal" | "isInternal") => 0,
        (Ns::Device, "isRemovable") => 0,
        _ => return None,
    })
}

/// `a.b.c.d/n` → (network, mask).
pub fn parse_cidr(s: &str) -> Option<(u32, u32)> {
    let (ip, bits) = s.trim().split_once('/')?;
    let ip: Ipv4Addr = ip.trim().parse().ok()?;
    let bits: u32 = bits.trim().parse().ok()?;
    if bits > 32 {
        return None;
    }
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    Some((u32::from(ip) & mask, mask))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse::parse;

    fn check(src: &str, actions: &[Action]) -> Vec<String> {
        let (e, d) = parse(src);
        assert!(d.is_empty(), "{d:?}");
        let (_, d) = compile(&e, actions, Effect::Deny);
        d.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn availability_follows_the_seed() {
        assert!(check("_request.remoteCountryCode != 'US'", &[Action::Login]).is_empty());
        let m = check("_file.pathStartsWith('/x')", &[Action::Login]);
        assert_eq!(
            m,
            ["`_file` is not available for `login` rules (`login` supplies _request, _user)"]
        );
        let m = check("_request.agent == 'x'", &[Action::Share]);
        assert_eq!(m.len(), 1);
        assert!(check("_share.public and _metadata.exists('a')", &[Action::Share]).is_empty());
        assert!(!check("_share.public", &[Action::Download]).is_empty());
    }

    #[test]
    fn type_errors() {
        let m = check("_user.email > 3", &[Action::Login]);
        assert_eq!(m, ["cannot compare a string with a number using `>`"]);
        let m = check("_user.email", &[Action::Login]);
        assert!(m[0].contains("must be a condition"));
        let m = check("_request.inIpV4CdirRange('10.0.0.0/33')", &[Action::Login]);
        assert!(m[0].contains("CIDR"));
        let m = check("_file.count('credit_card', 'hi') > 1", &[Action::Download]);
        assert!(m[0].contains("confidence"));
        let m = check("_user.inGroup('a', 'b')", &[Action::Download]);
        assert!(m[0].contains("takes 1 argument"));
        let m = check("_user.nope == 'a'", &[Action::Download]);
        assert_eq!(m, ["unknown variable `_user.nope`"]);
        let m = check("_bogus.x == 'a'", &[Action::Download]);
        assert!(m[0].starts_with("unknown namespace `_bogus`"));
    }

    #[test]
    fn cidr_and_domains() {
        assert_eq!(parse_cidr("10.2.1.7/24"), Some((0x0A02_0100, 0xFFFF_FF00)));
        assert_eq!(parse_cidr("0.0.0.0/0"), Some((0, 0)));
        let d = Domains::parse("email.com, @Email.net");
        assert!(d.contains_email("johndoe@EMAIL.NET"));
        assert!(d.contains_email("a@sub.email.com"));
        assert!(!d.contains_email("a@notemail.com"));
        assert!(!d.contains_email("email.com"));
    }
}
