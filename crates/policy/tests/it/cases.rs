//! Tests as data: every file in `tests/cases/` is a policy document whose
//! embedded tests (event + expected decision, rules, violations, actions)
//! must all pass; files named `*.invalid.yaml` must fail to load with the
//! diagnostics listed in their first comment lines (`# error: …`).

use cordon_policy::Loader;
use cordon_policy::testing::run_case;

use crate::support::{errors, repo, test_geoip};

#[test]
fn case_files() {
    let dir = repo().join("crates/policy/tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 8,
        "expected the case files in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let (set, diags) = Loader::new().load(&text);
        if name.contains(".invalid.") {
            let want: Vec<&str> = text
                .lines()
                .filter_map(|l| l.strip_prefix("# error: "))
                .collect();
            assert!(!want.is_empty(), "{name}: no `# error:` lines");
            assert!(set.is_none(), "{name}: loaded but should not");
            let got = errors(&diags);
            assert_eq!(got, want, "{name}");
            ran += 1;
            continue;
        }
        let set = set.unwrap_or_else(|| panic!("{name}: {diags:#?}"));
        assert!(!set.doc.tests.is_empty(), "{name}: no tests");
        for case in set.doc.tests.clone() {
            // a fresh engine per case, as `cordon policy test` does
            let e = cordon_policy::Engine::new(Loader::new().check(set.doc.clone(), "").0.unwrap())
                .with_geoip(test_geoip());
            let r = run_case(&e, &case);
            ran += 1;
            if !r.passed {
                failures.push(format!("{name}: {}: {:?}", r.name, r.failures));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(ran >= 30, "only {ran} cases ran");
}

#[test]
fn example_policies_pass_their_tests() {
    let dir = repo().join("examples/policies");
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        let (set, diags) = Loader::new().load(&text);
        let set = set.unwrap_or_else(|| panic!("{}: {diags:#?}", p.display()));
        for case in set.doc.tests.clone() {
            let e = cordon_policy::Engine::new(Loader::new().check(set.doc.clone(), "").0.unwrap())
                .with_geoip(test_geoip());
            let r = run_case(&e, &case);
            assert!(r.passed, "{}: {}: {:?}", p.display(), r.name, r.failures);
        }
    }
}
