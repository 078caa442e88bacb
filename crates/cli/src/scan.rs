//! `cordon scan PATH…`: find sensitive data in files, directories and stdin.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use cordon_detect::{Category, Confidence, Detectors};
use cordon_inspect::run_ordered;
use cordon_inspect::{InspectOptions, Inspector};
use cordon_inspect::{Target, WalkOptions};

use crate::output::{self, Format, Sarif, Totals};

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Report only findings at or above this confidence.
    #[arg(long, value_parser = parse_confidence, default_value = "low")]
    pub min_confidence: Confidence,
    /// Only run these detectors (comma-separated ids; see docs/detectors.md).
    #[arg(long, value_delimiter = ',')]
    pub detectors: Vec<String>,
    /// Only run detectors of these categories (PII, PHI, PCI, CREDENTIALS, CONFIDENTIAL).
    #[arg(long, value_delimiter = ',', value_parser = parse_category)]
    pub categories: Vec<Category>,
    /// Custom detectors (TOML; see docs/detectors.md).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// Follow symbolic links inside directories (loops are detected).
    #[arg(long)]
    pub follow: bool,
    /// Print full matched values instead of masked ones.
    #[arg(long)]
    pub show_values: bool,
    /// Read the text in images (PNG, JPEG, TIFF, …) with Tesseract
    /// (Debian's tesseract-ocr); about half a second of CPU per page.
    #[arg(long)]
    pub ocr: bool,
    /// Tesseract languages for `--ocr`, joined by `+` (e.g. `eng+deu`).
    #[arg(long, default_value = "eng", requires = "ocr")]
    pub ocr_lang: String,
    /// List clean files too (human format).
    #[arg(short, long)]
    pub verbose: bool,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

fn parse_confidence(s: &str) -> Result<Confidence, String> {
    Confidence::parse(s).ok_or_else(|| format!("`{s}` is not a confidence (low, medium, high)"))
}

fn parse_category(s: &str) -> Result<Category, String> {
    Category::parse(s).ok_or_else(|| {
        format!("`{s}` is not a category (PII, PHI, PCI, CREDENTIALS, CONFIDENTIAL)")
    })
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let detectors = build_detectors(&args)?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let inspector = Inspector::new(
        detectors,
        InspectOptions {
            show_values: args.show_values,
            threads_per_file: threads,
            ocr: args.ocr.then(|| cordon_inspect::Ocr {
                languages: args.ocr_lang.clone(),
                ..cordon_inspect::Ocr::default()
            }),
            ..InspectOptions::default()
        },
    );
    let walk_opts = WalkOptions {
        follow_links: args.follow,
    };

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let progress = progress_bar(&args);
    let mut totals = Totals::default();
    let mut sarif = Sarif::default();
    let mut write_err: Option<io::Error> = None;

    run_ordered(
        &args.paths,
        &walk_opts,
        threads,
        |t: Target| inspector.inspect_target(t),
        |report| {
            totals.add(&report);
            if let Some(p) = &progress {
                p.inc(1);
                p.set_message(report.path.clone());
            }
            let res = match args.format {
                Format::Human => match &progress {
                    // Keep the spinner off the lines being printed.
                    Some(p) => p.suspend(|| output::human(&mut out, &report, args.verbose)),
                    None => output::human(&mut out, &report, args.verbose),
                },
                Format::Json => output::json_line(&mut out, &report),
                Format::Sarif => {
                    sarif.add(&report);
                    Ok(())
                }
            };
            match res {
                Ok(()) => true,
                Err(e) => {
                    // A closed pipe (`cordon scan … | head`) ends the scan quietly.
                    if e.kind() != io::ErrorKind::BrokenPipe {
                        write_err = Some(e);
                    }
                    false
                }
            }
        },
    );
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    if let Some(e) = write_err {
        return Err(e).context("writing output");
    }
    let res = match args.format {
        Format::Human => output::human_summary(&mut io::stderr(), &totals),
        Format::Sarif => sarif.finish(&mut out),
        Format::Json => Ok(()),
    };
    match res.and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e).context("writing output"),
        _ => {}
    }
    Ok(ExitCode::from(totals.exit_code()))
}

fn build_detectors(args: &Args) -> anyhow::Result<Detectors> {
    let mut b = Detectors::builder().min_confidence(args.min_confidence);
    if !args.detectors.is_empty() {
        b = b.only_ids(&args.detectors);
    }
    if !args.categories.is_empty() {
        b = b.categories(args.categories.iter().copied());
    }
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config `{}`", path.display()))?;
        let cfg = cordon_detect::CustomDetectorsConfig::from_toml_str(&text)
            .with_context(|| format!("in config `{}`", path.display()))?;
        b = b.custom(cfg);
    }
    b.build().context("building detectors")
}

fn progress_bar(args: &Args) -> Option<indicatif::ProgressBar> {
    let dirs = args.paths.iter().any(|p| p.is_dir());
    if args.no_progress || !dirs || !io::stderr().is_terminal() {
        return None;
    }
    let p = indicatif::ProgressBar::new_spinner();
    p.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} files scanned  {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    p.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(p)
}
