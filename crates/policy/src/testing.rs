//! Running a policy's own test cases (`cordon policy test`, the console).

use serde::Serialize;

use crate::document::{Expect, Loader, PolicyDocument, PolicySet, TestCase};
use crate::engine::Engine;
use crate::explain::explain;
use crate::model::{Decision, Verdict};

/// The result of one test case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub name: String,
    pub passed: bool,
    /// What differed, one line each.
    pub failures: Vec<String>,
    pub decision: Decision,
}

fn same_set(got: &[String], want: &[String]) -> bool {
    let mut a = got.to_vec();
    let mut b = want.to_vec();
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b
}

/// Compares a decision with an expectation; empty when they agree.
pub fn compare(d: &Decision, e: &Expect) -> Vec<String> {
    let mut f = Vec::new();
    if d.decision != e.decision {
        f.push(format!(
            "decision: expected {}, got {}",
            e.decision, d.decision
        ));
    }
    if let Some(want) = &e.determined_by {
        let got: Vec<String> = d.determined_by.iter().map(|r| r.id.clone()).collect();
        if !same_set(&got, want) {
            f.push(format!("determinedBy: expected {want:?}, got {got:?}"));
        }
    }
    if let Some(want) = &e.violations {
        let got: Vec<String> = d.violations.iter().map(|v| v.rule.clone()).collect();
        if !same_set(&got, want) {
            f.push(format!("violations: expected {want:?}, got {got:?}"));
        }
    }
    if let Some(want) = &e.enforced {
        let got: Vec<String> = d
            .violations
            .iter()
            .filter(|v| v.enforced)
            .map(|v| v.rule.clone())
            .collect();
        if !same_set(&got, want) {
            f.push(format!("enforced: expected {want:?}, got {got:?}"));
        }
    }
    if let Some(want) = &e.actions {
        let got: Vec<String> = d
            .actions
            .iter()
            .map(|a| format!("{}:{}", a.action.as_str(), a.rule))
            .collect();
        if !same_set(&got, want) {
            f.push(format!("actions: expected {want:?}, got {got:?}"));
        }
    }
    if let Some(want) = &e.message
        && d.message.as_deref() != Some(want.as_str())
    {
        f.push(format!("message: expected {want:?}, got {:?}", d.message));
    }
    if let Some(want) = &e.explain {
        let text = explain(d);
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for w in want {
            if !lines.contains(&w.trim()) {
                f.push(format!("explain: no line {w:?} in:\n{text}"));
            }
        }
    }
    f
}

/// Runs one case on `engine`.
pub fn run_case(engine: &Engine, case: &TestCase) -> CaseResult {
    let d = engine.decide_with(&case.event, case.justification.as_deref());
    let failures = compare(&d, &case.expect);
    CaseResult {
        name: case.name.clone(),
        passed: failures.is_empty(),
        failures,
        decision: d,
    }
}

/// Runs every test case of `doc`, each on a fresh engine that `engine`
/// builds from the checked policy (exception windows and the baseline of
/// one case must not leak into the next; `engine` adds the GeoIP database
/// or a clock). A document that does not check fails every case.
pub fn run_cases<E>(
    loader: &Loader,
    doc: &PolicyDocument,
    mut engine: impl FnMut(PolicySet) -> Result<Engine, E>,
) -> Result<Vec<CaseResult>, E> {
    let mut out = Vec::with_capacity(doc.tests.len());
    for case in &doc.tests {
        let (set, diags) = loader.check(doc.clone(), "");
        let Some(set) = set else {
            let first = diags
                .iter()
                .find(|d| d.is_error())
                .map_or_else(String::new, |d| format!(": {}", d.message));
            out.push(CaseResult {
                name: case.name.clone(),
                passed: false,
                failures: vec![format!("the policy does not check{first}")],
                decision: Decision::new(Verdict::Deny),
            });
            continue;
        };
        out.push(run_case(&engine(set)?, case));
    }
    Ok(out)
}
