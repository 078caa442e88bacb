//! The rule expression language of the FileCloud Smart DLP seed, with
//! Cordon's DLP additions: parse ([`parse::parse`]) → check and compile
//! ([`compile::compile`]) → evaluate ([`eval::eval_bool`]).

pub(crate) mod ast;
pub(crate) mod compile;
pub(crate) mod eval;
pub(crate) mod parse;

pub use ast::{CmpOp, Expr, Lit};
pub use compile::{Effect, Node, compile};
pub use eval::{Env, EvalError, eval_bool};
pub use parse::{MAX_DEPTH, MAX_NODES, parse};
