//! The rule expression language of the FileCloud Smart DLP seed, with
//! Cordon's DLP additions: parse ([`parse::parse`]) → check and compile
//! ([`compile::compile`]) → evaluate ([`eval::eval_bool`]).

pub mod ast;
pub mod compile;
pub mod eval;
pub mod parse;

pub use ast::{CmpOp, Expr, Lit};
pub use compile::{Effect, Node, compile};
pub use eval::{Env, EvalError, eval_bool};
pub use parse::parse;
