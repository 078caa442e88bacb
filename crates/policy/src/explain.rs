//! A decision for people: what `cordon policy eval` prints, what the test
//! cases' `expect.explain` lines are checked against, and what the web
//! console shows.

use std::fmt::Write as _;

use crate::model::Decision;

/// Explains a decision, one fact a line: the decision, the rules that
/// determined it, the message, observation and exception state, the
/// violations, the actions, the device rights, the trace and the errors.
pub fn explain(d: &Decision) -> String {
    let mut s = String::new();
    // writing to a String cannot fail
    let _ = write_explanation(&mut s, d);
    s
}

fn write_explanation(s: &mut String, d: &Decision) -> std::fmt::Result {
    writeln!(s, "decision: {}", d.decision)?;
    if !d.determined_by.is_empty() {
        let ids: Vec<String> = d
            .determined_by
            .iter()
            .map(|r| format!("{} ({})", r.id, r.kind.describe()))
            .collect();
        writeln!(s, "determined by: {}", ids.join(", "))?;
    }
    if let Some(m) = &d.message {
        writeln!(s, "message: {m}")?;
    }
    if let Some(o) = &d.observation {
        writeln!(
            s,
            "observation: would be {}{}",
            o.would_be,
            if o.justification_required {
                ", justification required"
            } else {
                ""
            }
        )?;
        if !o.new_rules.is_empty() {
            writeln!(s, "  new baseline rules: {}", o.new_rules.join(", "))?;
        }
    }
    if let Some(x) = &d.exception {
        writeln!(
            s,
            "exception: submit a justification (--justification) to allow; opens a window for {} flow(s)",
            x.keys.len()
        )?;
    }
    if !d.violations.is_empty() {
        writeln!(s, "violations:")?;
        for v in &d.violations {
            writeln!(
                s,
                "  {} ({}, {}, {})",
                v.rule,
                v.kind.describe(),
                v.mode,
                if v.enforced {
                    "enforced"
                } else {
                    "not enforced"
                }
            )?;
        }
    }
    if !d.actions.is_empty() {
        writeln!(s, "actions:")?;
        for a in &d.actions {
            write!(s, "  {} ({})", a.action.as_str(), a.rule)?;
            if let Some(m) = &a.message {
                write!(s, ": {m}")?;
            }
            writeln!(s)?;
        }
    }
    if let Some(dev) = &d.device {
        writeln!(
            s,
            "device: operation {}, rights {:?}, shadow {:?}",
            if dev.operation_allowed {
                "allowed"
            } else {
                "denied"
            },
            dev.rights,
            dev.shadow
        )?;
    }
    if !d.trace.is_empty() {
        writeln!(s, "trace:")?;
        for t in &d.trace {
            writeln!(s, "  {}: {}", t.rule, t.reason)?;
        }
    }
    for e in &d.errors {
        writeln!(s, "error: {e}")?;
    }
    Ok(())
}
