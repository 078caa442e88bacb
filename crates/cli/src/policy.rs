//! `cordon policy …`: check, evaluate, test and observe policies.
//!
//! Exit codes: `check` and `test` exit 0 when everything checks/passes and
//! 1 otherwise; `eval` exits 0 when the event is allowed and 1 when it is
//! denied or needs a justification; 2 is an error (unreadable file, …).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use cordon_policy::diag::Diagnostic;
use cordon_policy::document::{ObservationMode, PolicyMode};
use cordon_policy::geoip::GeoIp;
use cordon_policy::model::{Event, Verdict};
use cordon_policy::testing::run_cases;
use cordon_policy::{Engine, Loader, PolicySet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Validate policy documents: syntax, types, variables per action.
    Check {
        /// Policy files (YAML or JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Decide one event and explain the decision.
    Eval {
        /// Policy file.
        file: PathBuf,
        /// Event JSON file (`-` for stdin).
        #[arg(long)]
        event: PathBuf,
        /// Business justification submitted with the event.
        #[arg(long)]
        justification: Option<String>,
        #[command(flatten)]
        geo: GeoArgs,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Run the test cases embedded in policy documents.
    Test {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        geo: GeoArgs,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Feed events (JSON lines) in observation mode and write the baseline
    /// policy built from the flows no rule covers.
    Observe {
        /// Policy file to start from.
        file: PathBuf,
        /// Events as JSON lines (`-` for stdin). A line is an event, or
        /// `{"event": {…}, "justification": "…"}`.
        #[arg(long)]
        events: PathBuf,
        /// Where to write the baseline policy (`-` for stdout); `.json`
        /// writes JSON, anything else YAML.
        #[arg(long, short = 'o', default_value = "-")]
        out: PathBuf,
        /// Observation option (overrides the policy's).
        #[arg(long, value_enum)]
        mode: Option<ObserveMode>,
        #[command(flatten)]
        geo: GeoArgs,
    },
    /// Convert a policy from another format to a Cordon policy document.
    #[command(subcommand)]
    Import(Import),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ObserveMode {
    AllowAll,
    JustifyAll,
    Mixed,
}

#[derive(clap::Args, Debug)]
pub struct GeoArgs {
    /// MaxMind DB (.mmdb) country database for `_request.remoteCountryCode`.
    #[arg(long, env = "CORDON_GEOIP")]
    geoip: Option<PathBuf>,
}

/// The loader with every extension this binary knows about.
fn loader() -> Loader {
    Loader::new().with_extension(Box::new(cordon_devctl::DeviceControlLoader))
}

pub fn run(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Check { files, format } => check(&files, format, &mut std::io::stdout().lock()),
        Command::Eval {
            file,
            event,
            justification,
            geo,
            format,
        } => eval(
            &file,
            &event,
            justification.as_deref(),
            &geo,
            format,
            &mut std::io::stdout().lock(),
        ),
        Command::Test { files, geo, format } => {
            test(&files, &geo, format, &mut std::io::stdout().lock())
        }
        Command::Observe {
            file,
            events,
            out,
            mode,
            geo,
        } => observe(&file, &events, &out, mode, &geo),
        Command::Import(Import::DeviceControl { file, id, format }) => {
            import_device_control(&file, id, format)
        }
    }
}

/// Policies in other formats, converted to Cordon policy documents.
#[derive(clap::Subcommand)]
pub enum Import {
    /// A Device Control JSON policy (any file name): printed as a Cordon
    /// policy document (YAML, or JSON with `--format json`) whose
    /// `deviceControl` section holds it. See docs/device-control.md.
    DeviceControl {
        /// The Device Control JSON document (`-` for stdin).
        file: PathBuf,
        /// Id of the policy document (default `device-control`).
        #[arg(long)]
        id: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

/// `cordon policy import device-control`: exit 0 with the document on
/// stdout, 1 with diagnostics when the input does not validate.
fn import_device_control(file: &Path, id: Option<String>, format: Format) -> Result<ExitCode> {
    let text = read(file)?;
    let name = file.display().to_string();
    let loaded = match cordon_devctl::read_str(&text) {
        Ok(l) => l,
        Err(cordon_devctl::ReadError::Invalid(diags)) => {
            for d in &diags {
                eprintln!("{name}: {d}");
            }
            return Ok(ExitCode::from(1));
        }
        Err(e) => {
            eprintln!("{name}: error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    for w in &loaded.warnings {
        eprintln!("{name}: {w}");
    }
    let opts = cordon_devctl::import::ImportOptions {
        id,
        origin: file.file_name().map(|n| n.to_string_lossy().into_owned()),
    };
    let out = match format {
        Format::Text => cordon_devctl::import::to_yaml(&loaded.document, &opts)?,
        Format::Json => cordon_devctl::import::to_json_text(&loaded.document, &opts)? + "\n",
    };
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn read(path: &Path) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read stdin")?;
        return Ok(s);
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    // Device-control JSON as the seed writes it (`//` comments) is accepted
    // by content; other text is returned unchanged.
    Ok(cordon_devctl::import::accept_comments(text))
}

fn render_diags(file: &Path, text: &str, diags: &[Diagnostic]) -> String {
    let name = file.display().to_string();
    diags.iter().map(|d| d.render(&name, text)).collect()
}

/// Loads a policy or prints its diagnostics and returns `None`.
fn load_or_report(file: &Path) -> Result<Option<PolicySet>> {
    let text = read(file)?;
    let (set, diags) = loader().load(&text);
    if !diags.is_empty() {
        eprint!("{}", render_diags(file, &text, &diags));
    }
    Ok(set)
}

fn engine(set: PolicySet, geo: &GeoArgs) -> Result<Engine> {
    let mut e = Engine::new(set);
    if let Some(p) = &geo.geoip {
        e = e.with_geoip(GeoIp::open(p)?);
    }
    Ok(e)
}

fn check(files: &[PathBuf], format: Format, out: &mut dyn Write) -> Result<ExitCode> {
    let mut failed = false;
    let mut json = Vec::new();
    for f in files {
        let text = read(f)?;
        let (set, diags) = loader().load(&text);
        failed |= set.is_none();
        match format {
            Format::Text => {
                write!(out, "{}", render_diags(f, &text, &diags))?;
                if let Some(s) = &set {
                    writeln!(
                        out,
                        "{}: ok ({} expression rules, {} data-flow rules, {} other sources, {} tests)",
                        f.display(),
                        s.expr.len(),
                        s.flows.len(),
                        s.sources.len(),
                        s.doc.tests.len()
                    )?;
                } else {
                    let n = diags.iter().filter(|d| d.is_error()).count();
                    writeln!(
                        out,
                        "{}: {n} error{}",
                        f.display(),
                        if n == 1 { "" } else { "s" }
                    )?;
                }
            }
            Format::Json => json.push(serde_json::json!({
                "file": f.display().to_string(),
                "ok": set.is_some(),
                "diagnostics": diags,
            })),
        }
    }
    if format == Format::Json {
        writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn eval(
    file: &Path,
    event: &Path,
    justification: Option<&str>,
    geo: &GeoArgs,
    format: Format,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let Some(set) = load_or_report(file)? else {
        bail!("`{}` does not check; nothing evaluated", file.display());
    };
    let text = read(event)?;
    let ev: Event = serde_json::from_str(&text)
        .with_context(|| format!("invalid event in `{}`", event.display()))?;
    let e = engine(set, geo)?;
    let d = e.decide_with(&ev, justification);
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&d)?)?,
        Format::Text => write!(out, "{}", cordon_policy::explain(&d))?,
    }
    Ok(if d.decision == Verdict::Allow {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn test(files: &[PathBuf], geo: &GeoArgs, format: Format, out: &mut dyn Write) -> Result<ExitCode> {
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut json = Vec::new();
    for f in files {
        let Some(set) = load_or_report(f)? else {
            writeln!(out, "{}: does not check", f.display())?;
            failed += 1;
            continue;
        };
        if format == Format::Text {
            writeln!(
                out,
                "running {} tests from {}",
                set.doc.tests.len(),
                f.display()
            )?;
        }
        let results = run_cases(&loader(), &set.doc, |s| engine(s, geo))?;
        for r in results {
            if r.passed {
                passed += 1;
            } else {
                failed += 1;
            }
            match format {
                Format::Text => {
                    writeln!(
                        out,
                        "test {} ... {}",
                        r.name,
                        if r.passed { "ok" } else { "FAILED" }
                    )?;
                    for l in &r.failures {
                        writeln!(out, "    {l}")?;
                    }
                }
                Format::Json => json.push(serde_json::json!({
                    "file": f.display().to_string(),
                    "name": r.name,
                    "passed": r.passed,
                    "failures": r.failures,
                    "decision": r.decision,
                })),
            }
        }
    }
    if format == Format::Json {
        writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
    } else {
        writeln!(out)?;
        writeln!(out, "{passed} passed, {failed} failed")?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum ObservedLine {
    Justified {
        event: Event,
        justification: Option<String>,
    },
    Plain(Event),
}

fn observe(
    file: &Path,
    events: &Path,
    out: &Path,
    mode: Option<ObserveMode>,
    geo: &GeoArgs,
) -> Result<ExitCode> {
    let text = read(file)?;
    let mut doc = match Loader::parse_document(&text) {
        Ok(d) => d,
        Err(d) => {
            eprint!("{}", d.render(&file.display().to_string(), &text));
            bail!("`{}` does not check", file.display());
        }
    };
    doc.mode = PolicyMode::Observe;
    if let Some(m) = mode {
        doc.observation = Some(match m {
            ObserveMode::AllowAll => ObservationMode::AllowAll,
            ObserveMode::JustifyAll => ObservationMode::JustifyAll,
            ObserveMode::Mixed => ObservationMode::Mixed,
        });
    }
    let (set, diags) = loader().check(doc, &text);
    let Some(set) = set else {
        eprint!("{}", render_diags(file, &text, &diags));
        bail!("`{}` does not check", file.display());
    };
    let e = engine(set, geo)?;
    let input = read(events)?;
    let (mut n, mut new) = (0usize, 0usize);
    for (i, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: ObservedLine = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: invalid event", events.display(), i + 1))?;
        let (ev, j) = match parsed {
            ObservedLine::Justified {
                event,
                justification,
            } => (event, justification),
            ObservedLine::Plain(ev) => (ev, None),
        };
        let d = e.decide_with(&ev, j.as_deref());
        n += 1;
        new += d.observation.map_or(0, |o| o.new_rules.len());
    }
    let base = e.baseline();
    let body = if out.extension().is_some_and(|x| x == "json") {
        serde_json::to_string_pretty(&base)? + "\n"
    } else {
        serde_yaml_ng::to_string(&base)?
    };
    if out.as_os_str() == "-" {
        std::io::stdout().lock().write_all(body.as_bytes())?;
    } else {
        std::fs::write(out, body).with_context(|| format!("cannot write `{}`", out.display()))?;
    }
    eprintln!(
        "observed {n} events, {new} new baseline rules ({} flow rules in the baseline)",
        base.flows.len()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cordon_policy::model::Decision;

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn tmp(name: &str, body: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cordon-cli-policy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    fn no_geo() -> GeoArgs {
        GeoArgs { geoip: None }
    }

    const BAD: &str = "id: bad\nrules:\n  - id: r1\n    userActions: [login]\n    effect: deny\n    expression: _file.pathStartsWith('/x') and _request.remoteIP == 'x'\n";

    /// The `$ cordon …` text blocks of docs/policy.md: the command line and
    /// the output after it.
    fn doc_block(cmd_prefix: &str) -> (String, String) {
        let md = std::fs::read_to_string(repo().join("docs/policy.md")).unwrap();
        let start = md.find(&format!("$ {cmd_prefix}")).unwrap();
        let block = &md[start..];
        let block = &block[..block.find("```").unwrap()];
        let (cmd, out) = block.split_once('\n').unwrap();
        (cmd.to_string(), out.to_string())
    }

    #[test]
    fn check_exit_codes_and_the_documented_diagnostics() {
        let good = repo().join("examples/policies/filecloud-seed.yaml");
        let mut out = Vec::new();
        assert_eq!(
            check(std::slice::from_ref(&good), Format::Text, &mut out).unwrap(),
            ExitCode::SUCCESS
        );
        assert!(
            String::from_utf8(out)
                .unwrap()
                .contains(": ok (4 expression rules")
        );

        let bad = tmp("bad.yaml", BAD);
        let mut out = Vec::new();
        assert_eq!(
            check(&[good, bad.clone()], Format::Text, &mut out).unwrap(),
            ExitCode::from(1)
        );
        let text = String::from_utf8(out)
            .unwrap()
            .replace(&bad.display().to_string(), "bad.yaml");
        let (_, want) = doc_block("cordon policy check bad.yaml");
        assert!(text.ends_with(&want), "got:\n{text}\nwant:\n{want}");

        let mut out = Vec::new();
        assert_eq!(
            check(&[bad], Format::Json, &mut out).unwrap(),
            ExitCode::from(1)
        );
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v[0]["ok"], false);
        assert_eq!(v[0]["diagnostics"][1]["line"], 6);
        assert_eq!(v[0]["diagnostics"][1]["column"], 48);
        assert_eq!(v[0]["diagnostics"][1]["severity"], "error");
    }

    #[test]
    fn check_refuses_hostile_policies_with_a_diagnostic() {
        let chain = vec!["_user.userType == 'x'"; 3_600].join(" and ");
        // (file, body, expected message)
        let table = [
            (
                "chain.yaml",
                format!(
                    "id: c\nrules:\n  - id: r\n    userActions: [login]\n    effect: deny\n    expression: {chain}\n"
                ),
                "expression is too large",
            ),
            (
                "deep.yaml",
                "id: d\nrules: ".to_string() + &"[".repeat(100_000) + &"]".repeat(100_000),
                "nests more than 64 levels",
            ),
        ];
        for (name, body, want) in table {
            let f = tmp(name, &body);
            // on a small stack: checking must not recurse per term or level
            let (code, text) = std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let mut out = Vec::new();
                    let code = check(&[f], Format::Text, &mut out).unwrap();
                    (code, String::from_utf8(out).unwrap())
                })
                .unwrap()
                .join()
                .unwrap();
            assert_eq!(code, ExitCode::from(1), "{name}: {text}");
            assert!(text.contains(want), "{name}: {text}");
            assert!(text.ends_with(": 1 error\n"), "{name}: {text}");
        }
    }

    #[test]
    fn eval_prints_the_documented_explanation() {
        let (cmd, want) = doc_block("cordon policy eval");
        assert!(cmd.contains("login-fr.json"));
        let ev = tmp(
            "login-fr.json",
            r#"{"action":"login","request":{"remoteIp":"81.2.69.160","remoteCountryCode":"FR"},"user":{"username":"jdoe"}}"#,
        );
        let policy = repo().join("examples/policies/filecloud-seed.yaml");
        let mut out = Vec::new();
        let code = eval(&policy, &ev, None, &no_geo(), Format::Text, &mut out).unwrap();
        assert_eq!(code, ExitCode::from(1));
        assert_eq!(String::from_utf8(out).unwrap(), want);

        let ok = tmp(
            "login-us.json",
            r#"{"action":"login","request":{"remoteCountryCode":"US","agent":"app"},"user":{"username":"jdoe","email":"j@x.org"}}"#,
        );
        let mut out = Vec::new();
        assert_eq!(
            eval(&policy, &ok, None, &no_geo(), Format::Json, &mut out).unwrap(),
            ExitCode::SUCCESS
        );
        let d: Decision = serde_json::from_slice(&out).unwrap();
        assert_eq!(d.decision, Verdict::Allow);
    }

    #[test]
    fn eval_with_a_justification_allows_an_exception() {
        let policy = repo().join("examples/policies/acronis-dataflow.yaml");
        let ev = tmp(
            "pii-out.json",
            r#"{"action":"email","sender":[{"kind":"contact","type":"email","id":"ann@corp.com"}],"recipients":[{"kind":"contact","type":"email","id":"bob@partner.example"}],"file":{"classification":{"categories":["PII"]}}}"#,
        );
        let mut out = Vec::new();
        assert_eq!(
            eval(&policy, &ev, None, &no_geo(), Format::Text, &mut out).unwrap(),
            ExitCode::from(1)
        );
        assert!(
            String::from_utf8(out)
                .unwrap()
                .starts_with("decision: exception\n")
        );
        let mut out = Vec::new();
        let code = eval(
            &policy,
            &ev,
            Some("auditor"),
            &no_geo(),
            Format::Text,
            &mut out,
        )
        .unwrap();
        assert_eq!(code, ExitCode::SUCCESS);
    }

    #[test]
    fn test_reports_like_a_test_runner() {
        let mut out = Vec::new();
        let files = [
            repo().join("examples/policies/filecloud-seed.yaml"),
            repo().join("examples/policies/acronis-dataflow.yaml"),
        ];
        assert_eq!(
            test(&files, &no_geo(), Format::Text, &mut out).unwrap(),
            ExitCode::SUCCESS
        );
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("test login from France is denied ... ok\n"),
            "{text}"
        );
        assert!(text.ends_with("\n16 passed, 0 failed\n"), "{text}");

        let failing = tmp(
            "failing.yaml",
            "id: f\nrules:\n  - {id: r, userActions: [login], effect: deny, expression: 'true'}\ntests:\n  - {name: wrong, event: {action: login}, expect: {decision: allow}}\n  - {name: right, event: {action: login}, expect: {decision: deny}}\n",
        );
        let mut out = Vec::new();
        assert_eq!(
            test(&[failing], &no_geo(), Format::Text, &mut out).unwrap(),
            ExitCode::from(1)
        );
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("test wrong ... FAILED\n    decision: expected allow, got deny\n"),
            "{text}"
        );
        assert!(text.ends_with("\n1 passed, 1 failed\n"), "{text}");
    }

    #[test]
    fn observe_writes_a_baseline_that_checks() {
        let policy = tmp(
            "obs.yaml",
            "id: obs\ninternal: {domains: [corp.com]}\nflowDefaults:\n  PII: {permission: deny}\n",
        );
        let events = tmp(
            "events.jsonl",
            concat!(
                r#"{"action":"email","sender":[{"kind":"contact","type":"email","id":"a@corp.com"}],"recipients":[{"kind":"contact","type":"email","id":"b@x.org"}],"file":{"classification":{"categories":["PII"]}}}"#,
                "\n\n",
                r#"{"event":{"action":"email","sender":[{"kind":"contact","type":"email","id":"a@corp.com"}],"recipients":[{"kind":"contact","type":"email","id":"c@y.org"}],"file":{"classification":{"categories":["PII"]}}},"justification":"partner"}"#,
                "\n"
            ),
        );
        let out = policy.with_file_name("baseline.yaml");
        let code = observe(
            &policy,
            &events,
            &out,
            Some(ObserveMode::JustifyAll),
            &no_geo(),
        )
        .unwrap();
        assert_eq!(code, ExitCode::SUCCESS);
        let text = std::fs::read_to_string(&out).unwrap();
        let (set, d) = loader().load(&text);
        let set = set.unwrap_or_else(|| panic!("{d:#?}\n{text}"));
        assert_eq!(set.doc.mode, PolicyMode::Enforce);
        assert_eq!(set.flows.len(), 3, "{text}");
        assert!(text.contains("justified: partner"), "{text}");
    }
}
