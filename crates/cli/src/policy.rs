//! `cordon policy …`: check, evaluate, test and observe policies.
//!
//! Exit codes: `check` and `test` exit 0 when everything checks/passes and
//! 1 otherwise; `eval` exits 0 when the event is allowed and 1 when it is
//! denied or needs a justification; 2 is an error (unreadable file, …).

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use cordon_policy::diag::Diagnostic;
use cordon_policy::document::{ObservationMode, PolicyMode};
use cordon_policy::geoip::GeoIp;
use cordon_policy::model::{Decision, Event, Verdict};
use cordon_policy::testing::run_case;
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
        Command::Check { files, format } => check(&files, format),
        Command::Eval {
            file,
            event,
            justification,
            geo,
            format,
        } => eval(&file, &event, justification.as_deref(), &geo, format),
        Command::Test { files, geo, format } => test(&files, &geo, format),
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

fn check(files: &[PathBuf], format: Format) -> Result<ExitCode> {
    let mut failed = false;
    let mut json = Vec::new();
    for f in files {
        let text = read(f)?;
        let (set, diags) = loader().load(&text);
        failed |= set.is_none();
        match format {
            Format::Text => {
                print!("{}", render_diags(f, &text, &diags));
                if let Some(s) = &set {
                    println!(
                        "{}: ok ({} expression rules, {} data-flow rules, {} other sources, {} tests)",
                        f.display(),
                        s.expr.len(),
                        s.flows.len(),
                        s.sources.len(),
                        s.doc.tests.len()
                    );
                } else {
                    let n = diags.iter().filter(|d| d.is_error()).count();
                    println!(
                        "{}: {n} error{}",
                        f.display(),
                        if n == 1 { "" } else { "s" }
                    );
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
        println!("{}", serde_json::to_string_pretty(&json)?);
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
        Format::Json => println!("{}", serde_json::to_string_pretty(&d)?),
        Format::Text => print!("{}", explain(&d)),
    }
    Ok(if d.decision == Verdict::Allow {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A decision for people.
pub fn explain(d: &Decision) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "decision: {}", d.decision);
    if !d.determined_by.is_empty() {
        let ids: Vec<String> = d
            .determined_by
            .iter()
            .map(|r| format!("{} ({})", r.id, kind(r.kind)))
            .collect();
        let _ = writeln!(s, "determined by: {}", ids.join(", "));
    }
    if let Some(m) = &d.message {
        let _ = writeln!(s, "message: {m}");
    }
    if let Some(o) = &d.observation {
        let _ = writeln!(
            s,
            "observation: would be {}{}",
            o.would_be,
            if o.justification_required {
                ", justification required"
            } else {
                ""
            }
        );
        if !o.new_rules.is_empty() {
            let _ = writeln!(s, "  new baseline rules: {}", o.new_rules.join(", "));
        }
    }
    if let Some(x) = &d.exception {
        let _ = writeln!(
            s,
            "exception: submit a justification (--justification) to allow; opens a window for {} flow(s)",
            x.keys.len()
        );
    }
    if !d.violations.is_empty() {
        let _ = writeln!(s, "violations:");
        for v in &d.violations {
            let mode = match v.mode {
                cordon_policy::model::Mode::Enforce => "enforce",
                cordon_policy::model::Mode::Permissive => "permissive",
            };
            let _ = writeln!(
                s,
                "  {} ({}, {mode}, {})",
                v.rule,
                kind(v.kind),
                if v.enforced {
                    "enforced"
                } else {
                    "not enforced"
                }
            );
        }
    }
    if !d.actions.is_empty() {
        let _ = writeln!(s, "actions:");
        for a in &d.actions {
            let _ = write!(s, "  {} ({})", a.action.as_str(), a.rule);
            if let Some(m) = &a.message {
                let _ = write!(s, ": {m}");
            }
            let _ = writeln!(s);
        }
    }
    if let Some(dev) = &d.device {
        let _ = writeln!(
            s,
            "device: operation {}, rights {:?}, shadow {:?}",
            if dev.operation_allowed {
                "allowed"
            } else {
                "denied"
            },
            dev.rights,
            dev.shadow
        );
    }
    if !d.trace.is_empty() {
        let _ = writeln!(s, "trace:");
        for t in &d.trace {
            let _ = writeln!(s, "  {}: {}", t.rule, t.reason);
        }
    }
    for e in &d.errors {
        let _ = writeln!(s, "error: {e}");
    }
    s
}

fn kind(k: cordon_policy::model::RuleKind) -> &'static str {
    match k {
        cordon_policy::model::RuleKind::Expression => "expression",
        cordon_policy::model::RuleKind::DataFlow => "data flow",
        cordon_policy::model::RuleKind::DeviceControl => "device control",
    }
}

fn test(files: &[PathBuf], geo: &GeoArgs, format: Format) -> Result<ExitCode> {
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut json = Vec::new();
    for f in files {
        let Some(set) = load_or_report(f)? else {
            println!("{}: does not check", f.display());
            failed += 1;
            continue;
        };
        let cases = set.doc.tests.clone();
        if format == Format::Text {
            println!("running {} tests from {}", cases.len(), f.display());
        }
        for case in &cases {
            // a fresh engine per case: exception windows and baselines
            // from one case must not leak into the next
            let e = engine(
                loader()
                    .check(set.doc.clone(), "")
                    .0
                    .context("policy stopped checking")?,
                geo,
            )?;
            let r = run_case(&e, case);
            if r.passed {
                passed += 1;
            } else {
                failed += 1;
            }
            match format {
                Format::Text => {
                    println!(
                        "test {} ... {}",
                        r.name,
                        if r.passed { "ok" } else { "FAILED" }
                    );
                    for l in &r.failures {
                        println!("    {l}");
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
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        println!();
        println!("{passed} passed, {failed} failed");
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
