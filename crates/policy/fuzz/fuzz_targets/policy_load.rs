//! Policy loading (YAML and JSON) on arbitrary text: never panic, never
//! overflow the stack; a loaded policy runs its own test cases and
//! explains their decisions without panicking.
//!
//! An input starting with `E` is an expression: the rest is put in a rule
//! of a template document, so that mutations reach the expression
//! language's parser, checker and evaluator directly. Everything runs on a
//! thread with a small stack, so that recursion proportional to the input
//! (a long `and` chain, deep nesting) crashes here rather than in a server.
#![no_main]

use cordon_policy::testing::run_cases;
use cordon_policy::{Engine, Loader};
use libfuzzer_sys::fuzz_target;

const STACK: usize = 256 * 1024;

fn template(expression: &str) -> String {
    let quoted = serde_json::to_string(expression).unwrap_or_default();
    format!(
        "id: fuzz\nrules:\n  - id: r\n    userActions: [login, download, email, copy_to_device]\n    effect: deny\n    expression: {quoted}\ntests:\n  - name: t\n    event: {{ action: download, user: {{ username: a, groups: [g] }}, request: {{ remoteIp: 10.0.0.1 }}, file: {{ path: /a, size: 3, incomplete: [{{ location: a.zip/b, reason: encrypted }}] }} }}\n    expect: {{ decision: deny }}\n"
    )
}

fn run(text: String) {
    let (set, diags) = Loader::new().load(&text);
    for d in &diags {
        let _ = d.render("fuzz.yaml", &text);
    }
    if let Some(set) = set {
        let doc = set.doc.clone();
        let e = Engine::new(set);
        for t in &doc.tests {
            let d = e.decide_with(&t.event, t.justification.as_deref());
            let _ = cordon_policy::explain(&d);
        }
        let loader = Loader::new();
        let _ = run_cases(&loader, &doc, |s| Ok::<_, ()>(Engine::new(s)));
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = match text.strip_prefix('E') {
        Some(expr) => template(expr),
        None => text.to_string(),
    };
    let worker = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || run(text));
    if let Ok(w) = worker {
        // a panic in the worker is a crash of the target
        if w.join().is_err() {
            std::process::abort();
        }
    }
});
