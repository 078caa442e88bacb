//! Hostile policies: every recursive structure of the expression language
//! and of the document is bounded, so a policy gives a diagnostic, never a
//! stack overflow (which aborts the whole process, server included).
//!
//! Each case runs on a thread with a 256 KiB stack: a stage that recursed
//! once per term or per level of input would overflow it.

use cordon_policy::Loader;

use crate::support::errors;

const SMALL_STACK: usize = 256 * 1024;

/// Runs `f` on a thread with a small stack; an overflow aborts the test
/// binary, which fails the test run.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

fn doc(expression: &str) -> String {
    format!(
        "id: hostile\nrules:\n  - id: r\n    userActions: [login]\n    effect: deny\n    expression: {expression}\n"
    )
}

/// Loads `text` on a small stack: whether it loaded, and its error
/// diagnostics as `line:column message`.
fn load_small(text: String) -> (bool, Vec<String>) {
    on_small_stack(move || {
        let (set, diags) = Loader::new().load(&text);
        (set.is_some(), errors(&diags))
    })
}

fn chain(term: &str, op: &str, n: usize) -> String {
    vec![term; n].join(op)
}

#[test]
fn hostile_expressions_give_one_diagnostic_with_a_place() {
    let deep = |open: &str, close: &str, n: usize| {
        open.repeat(n) + "_user.userType == 'x'" + &close.repeat(n)
    };
    // (name, expression, expected message start)
    let table: Vec<(&str, String, &str)> = vec![
        // 94 KB, the report's flat chain: 3,600 terms
        (
            "flat and chain",
            chain("_user.userType == 'x'", " and ", 3_600),
            "expression is too large",
        ),
        (
            "flat or chain",
            chain("_user.inGroup('g')", " or ", 10_000),
            "expression is too large",
        ),
        (
            "parentheses",
            deep("(", ")", 100_000),
            "expression nests too deeply",
        ),
        (
            "not",
            deep("not ", "", 100_000),
            "expression nests too deeply",
        ),
        (
            "not and parentheses",
            deep("not (", ")", 50_000),
            "expression nests too deeply",
        ),
        (
            "call arguments",
            deep("_user.inGroup(", ")", 50_000),
            "expression nests too deeply",
        ),
        (
            "alternating chains",
            deep(
                "_user.inGroup('a') and (_user.inGroup('b') or (",
                "))",
                20_000,
            ),
            "expression nests too deeply",
        ),
    ];
    for (name, expr, want) in table {
        let size = expr.len();
        let (loaded, errs) = load_small(doc(&expr));
        assert!(!loaded, "{name}: loaded");
        assert_eq!(errs.len(), 1, "{name} ({size} bytes): {errs:?}");
        let (place, msg) = errs[0].split_once(' ').unwrap();
        assert!(msg.starts_with(want), "{name}: {msg}");
        // the caret is on the expression's line (6), inside it
        let (line, col) = place.split_once(':').unwrap();
        assert_eq!(line, "6", "{name}: {place}");
        assert!(col.parse::<usize>().unwrap() >= 17, "{name}: {place}");
    }
}

#[test]
fn the_flat_chain_of_the_report_is_94_kb() {
    let e = chain("_user.userType == 'x'", " and ", 3_600);
    assert!((90_000..100_000).contains(&e.len()), "{}", e.len());
}

#[test]
fn long_chains_within_the_limits_load_and_decide_on_a_small_stack() {
    use cordon_policy::model::{Action, Event, User, Verdict};
    // 600 terms of 3 nodes each: under the size limit, and flat
    let text = doc(&chain("_user.userType == 'x'", " or ", 600));
    let (verdicts, trace) = on_small_stack(move || {
        let (set, diags) = Loader::new().load(&text);
        let set = set.unwrap_or_else(|| panic!("{diags:?}"));
        let engine = cordon_policy::Engine::new(set);
        let mut ev = Event::new(Action::Login);
        ev.user = Some(User {
            user_type: Some("x".into()),
            ..User::default()
        });
        let hit = engine.decide(&ev);
        ev.user = Some(User {
            user_type: Some("y".into()),
            ..User::default()
        });
        let miss = engine.decide(&ev);
        let trace = hit.trace.first().map(|t| t.reason.len()).unwrap_or(0);
        ((hit.decision, miss.decision), trace)
    });
    assert_eq!(verdicts, (Verdict::Deny, Verdict::Allow));
    assert!(trace > 600 * 20, "the trace prints the whole expression");
}

#[test]
fn nesting_up_to_the_limit_loads_on_a_small_stack() {
    use cordon_policy::expr::MAX_DEPTH;
    // the whole expression is one level, each `not` and `(` one more
    let levels = MAX_DEPTH - 1;
    let table = [
        "(".repeat(levels) + "_user.userType == 'x'" + &")".repeat(levels),
        "not (".repeat(levels / 2) + "_user.userType == 'x'" + &")".repeat(levels / 2),
        "_user.inGroup(".repeat(levels) + "'x'" + &")".repeat(levels),
    ];
    for e in table {
        let (loaded, errs) = load_small(doc(&e));
        // the innermost calls are not literals: that is the only error
        assert!(
            loaded || errs.iter().all(|e| e.contains("must be a string literal")),
            "{errs:?}"
        );
    }
    let over = "(".repeat(levels + 1) + "_user.userType == 'x'" + &")".repeat(levels + 1);
    let (loaded, errs) = load_small(doc(&over));
    assert!(!loaded && errs[0].contains("nests too deeply"), "{errs:?}");
}

#[test]
fn deep_documents_are_refused_fast_with_the_line() {
    let flow = |n: usize| "id: x\nrules: ".to_string() + &"[".repeat(n) + &"]".repeat(n) + "\n";
    let block: String = (0..1_000).map(|i| " ".repeat(i) + "k:\n").collect();
    let json = |n: usize| {
        "{\"id\": \"x\", \"rules\": ".to_string() + &"[".repeat(n) + &"]".repeat(n) + "}"
    };
    // (name, text, expected line of the error)
    let table = [
        // 195 KB, the report's document: 58 s to parse before
        ("flow", flow(100_000), 2),
        ("block", block, 65),
        ("json", json(100_000), 1),
        (
            "dashes",
            "id: x\nrules:\n".to_string() + &"- ".repeat(100_000) + "x\n",
            3,
        ),
    ];
    for (name, text, line) in table {
        let size = text.len();
        let t = std::time::Instant::now();
        let (loaded, errs) = load_small(text);
        let took = t.elapsed();
        assert!(!loaded, "{name}");
        assert_eq!(errs.len(), 1, "{name}: {errs:?}");
        assert!(
            errs[0].starts_with(&format!("{line}:"))
                && errs[0].contains("nests more than 64 levels"),
            "{name}: {errs:?}"
        );
        // a hang guard, not a speed claim (58 s before; a few milliseconds
        // in release): generous so a loaded machine cannot fail it
        assert!(
            took < std::time::Duration::from_secs(10),
            "{name} ({size} bytes): {took:?}"
        );
    }
}

#[test]
fn oversized_documents_are_refused_before_parsing() {
    let text =
        "id: x\ndescription: ".to_string() + &"a".repeat(cordon_policy::document::MAX_DOC_BYTES);
    let (loaded, errs) = load_small(text);
    assert!(!loaded);
    assert!(errs[0].contains("more than the 4 MiB"), "{errs:?}");
}

#[test]
fn an_expression_reports_a_bounded_number_of_diagnostics() {
    // found by fuzzing: 8,871 "unexpected character" errors, each rendered
    // against the whole document, took 25 s
    let e = "_user.userType == 'x' or ".to_string() + &"[".repeat(9_000);
    let text = doc(&serde_json::to_string(&e).unwrap());
    let t = std::time::Instant::now();
    let (set, diags) = Loader::new().load(&text);
    let rendered: usize = diags.iter().map(|d| d.render("p.yaml", &text).len()).sum();
    assert!(set.is_none());
    assert_eq!(diags.len(), 21, "{:?}", errors(&diags));
    assert!(
        diags
            .iter()
            .any(|d| d.message == "8981 more problems in this expression are not shown"),
        "{:?}",
        errors(&diags)
    );
    assert!(rendered > 0);
    assert!(
        t.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        t.elapsed()
    );
}
