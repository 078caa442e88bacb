//! `cordon unseal PATH…`: recover files the agent sealed (age v1) on
//! removable media, in place or into another directory.
//!
//! In place, a file is replaced only once its plaintext is complete and
//! authenticated: it is decrypted into a temporary file in the same
//! directory, synced, and renamed over the sealed one; on any failure the
//! temporary file is removed and the sealed file is left as it was.

use std::fs;
use std::io::{self, BufReader, BufWriter, IsTerminal, Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use cordon_seal::{Identities, IoWhat, SealError};

/// The environment variable `--passphrase` reads when standard input is
/// not a terminal (scripts, tests).
pub const PASSPHRASE_ENV: &str = "CORDON_PASSPHRASE";

#[derive(clap::Args)]
pub struct Args {
    /// Sealed files or directories (walked recursively; symbolic links
    /// are never followed, only listed).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// An identity file: `AGE-SECRET-KEY-1…` lines as `age-keygen` writes
    /// them. May be repeated.
    #[arg(
        short = 'i',
        long = "identity",
        value_name = "IDENTITY_FILE",
        required_unless_present = "passphrase"
    )]
    pub identities: Vec<PathBuf>,
    /// Also open files sealed with a passphrase, asked for on the terminal
    /// without echo. When standard input is not a terminal, it is read
    /// from the CORDON_PASSPHRASE environment variable if that is set.
    #[arg(long)]
    pub passphrase: bool,
    /// Write decrypted files under DIR instead of in place: a file named
    /// on the command line goes to DIR/name, a directory's tree to
    /// DIR/dirname/… (as `cp -r` would put it). Existing files are not
    /// overwritten.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// What happened to one path.
enum Outcome {
    Decrypted { to: Option<PathBuf> },
    NotSealed,
    Skipped(&'static str),
    Failed(String),
}

#[derive(Default)]
struct Totals {
    decrypted: u64,
    not_sealed: u64,
    skipped: u64,
    failed: Vec<(String, String)>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let ids = identities(&args)?;
    let output = match &args.output {
        Some(dir) => {
            fs::create_dir_all(dir)
                .with_context(|| format!("creating the output directory `{}`", dir.display()))?;
            let canonical = fs::canonicalize(dir)
                .with_context(|| format!("resolving the output directory `{}`", dir.display()))?;
            Some((dir.clone(), canonical))
        }
        None => None,
    };

    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut totals = Totals::default();
    for root in &args.paths {
        let mut report = |path: &Path, outcome: Outcome| -> io::Result<()> {
            record(&mut out, &mut totals, path, outcome)
        };
        walk(root, output.as_ref(), &ids, &mut report).context("writing output")?;
    }
    out.flush().context("writing output")?;
    summary(&mut io::stderr(), &totals).context("writing the summary")?;
    Ok(ExitCode::from(if totals.failed.is_empty() { 0 } else { 1 }))
}

fn identities(args: &Args) -> anyhow::Result<Identities> {
    let mut ids = Identities::default();
    for path in &args.identities {
        // The error names the file and line; never the key.
        ids.add(Identities::from_file(path)?);
    }
    if args.passphrase {
        ids.add(Identities::passphrase(&read_passphrase()?));
    }
    Ok(ids)
}

fn read_passphrase() -> anyhow::Result<String> {
    read_secret("--passphrase", false)
}

/// A passphrase: from [`PASSPHRASE_ENV`] when standard input is not a
/// terminal and it is set, else asked on the terminal without echo (twice
/// when `confirm`, and the two must match). `asker` names what asks, for
/// the error when there is no terminal. Never empty.
pub(crate) fn read_secret(asker: &str, confirm: bool) -> anyhow::Result<String> {
    if !io::stdin().is_terminal()
        && let Ok(p) = std::env::var(PASSPHRASE_ENV)
    {
        if p.is_empty() {
            bail!("{PASSPHRASE_ENV} is empty");
        }
        return Ok(p);
    }
    let no_terminal = || {
        format!(
            "{asker} asks on the terminal, and there is none; \
             without a terminal on standard input, set {PASSPHRASE_ENV}"
        )
    };
    let p = rpassword::prompt_password("Passphrase: ").with_context(no_terminal)?;
    if p.is_empty() {
        bail!("the passphrase is empty");
    }
    if confirm {
        // Zeroed when dropped, like the one the caller keeps.
        let again = cordon_agent::passphrase::Secret::new(
            rpassword::prompt_password("Passphrase again: ").with_context(no_terminal)?,
        );
        if again.expose() != p {
            bail!("the two passphrases differ; nothing was changed");
        }
    }
    Ok(p)
}

/// Calls `report` for every file under `root`, in name order; symbolic
/// links (`root` included) and special files are listed, never opened.
fn walk(
    root: &Path,
    output: Option<&(PathBuf, PathBuf)>,
    ids: &Identities,
    report: &mut dyn FnMut(&Path, Outcome) -> io::Result<()>,
) -> io::Result<()> {
    let meta = match fs::symlink_metadata(root) {
        Ok(m) => m,
        Err(e) => return report(root, Outcome::Failed(io_reason(&e))),
    };
    let ft = meta.file_type();
    if ft.is_symlink() {
        return report(root, Outcome::Skipped("symbolic link, not followed"));
    }
    if ft.is_file() {
        let dest = output.map(|(dir, _)| dir.join(root.file_name().unwrap_or(root.as_os_str())));
        return report(root, unseal_file(root, &meta, dest.as_deref(), ids));
    }
    if !ft.is_dir() {
        return report(root, Outcome::Skipped("not a regular file"));
    }
    // A directory `.`, `..` or `/` has no name: its tree goes straight
    // under the output directory.
    let base = output.map(|(dir, _)| match root.file_name() {
        Some(name) => dir.join(name),
        None => dir.clone(),
    });
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        // Never walk into the output directory (`cordon unseal . -o out`).
        .filter_entry(|e| match output {
            Some((_, canonical)) if e.file_type().is_dir() => {
                fs::canonicalize(e.path()).map_or(true, |p| &p != canonical)
            }
            _ => true,
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                let why = err.io_error().map_or_else(|| err.to_string(), io_reason);
                report(&path, Outcome::Failed(why))?;
                continue;
            }
        };
        let ft = entry.file_type();
        let path = entry.path();
        if ft.is_dir() {
            continue;
        }
        if ft.is_symlink() {
            report(path, Outcome::Skipped("symbolic link, not followed"))?;
            continue;
        }
        if !ft.is_file() {
            report(path, Outcome::Skipped("not a regular file"))?;
            continue;
        }
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(err) => {
                let why = err.io_error().map_or_else(|| err.to_string(), io_reason);
                report(path, Outcome::Failed(why))?;
                continue;
            }
        };
        let dest = base.as_ref().map(|b| match path.strip_prefix(root) {
            Ok(rel) => b.join(rel),
            Err(_) => b.join(entry.file_name()),
        });
        report(path, unseal_file(path, &meta, dest.as_deref(), ids))?;
    }
    Ok(())
}

/// Unseals `path` into `dest`, or in place when there is none.
fn unseal_file(path: &Path, meta: &fs::Metadata, dest: Option<&Path>, ids: &Identities) -> Outcome {
    let mut file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return Outcome::Failed(format!("cannot open it: {}", io_reason(&e))),
    };
    let mut prefix = Vec::with_capacity(64);
    if let Err(e) = (&mut file).take(64).read_to_end(&mut prefix) {
        return Outcome::Failed(format!("cannot read it: {}", io_reason(&e)));
    }
    if !cordon_seal::is_sealed(&prefix) {
        return Outcome::NotSealed;
    }
    if let Err(e) = file.rewind() {
        return Outcome::Failed(format!("cannot read it: {}", io_reason(&e)));
    }

    let target = dest.unwrap_or(path);
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if dest.is_some() {
        if fs::symlink_metadata(target).is_ok() {
            return Outcome::Failed(format!("`{}` exists, not overwritten", target.display()));
        }
        if let Err(e) = fs::create_dir_all(&dir) {
            return Outcome::Failed(format!(
                "cannot create `{}`: {}",
                dir.display(),
                io_reason(&e)
            ));
        }
    }
    // Created 0600 in the target's directory (a rename never crosses
    // filesystems); removed when dropped, on every path that fails.
    let mut tmp = match tempfile::Builder::new()
        .prefix(".cordon-unseal-")
        .tempfile_in(&dir)
    {
        Ok(t) => t,
        Err(e) => {
            return Outcome::Failed(format!(
                "cannot create a temporary file in `{}`: {}",
                dir.display(),
                io_reason(&e)
            ));
        }
    };
    if let Err(err) =
        cordon_seal::unseal(ids, BufReader::new(file), BufWriter::new(tmp.as_file_mut()))
    {
        return Outcome::Failed(why(&err));
    }
    // The decrypted file keeps the sealed one's mode and, when the
    // process may, its owner. Best effort: a FAT stick has neither, and
    // the temporary file's 0600 is the safe side.
    if let Err(e) = tmp.as_file().set_permissions(meta.permissions()) {
        tracing::debug!(path = %target.display(), error = %e, "mode not kept");
    }
    if dest.is_none()
        && let Err(e) = std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()))
    {
        tracing::debug!(path = %target.display(), error = %e, "owner not kept");
    }
    if let Err(e) = tmp.as_file().sync_all() {
        return Outcome::Failed(format!("writing the decrypted file: {}", io_reason(&e)));
    }
    let persisted = match dest {
        None => tmp.persist(target).map(|_| ()),
        Some(_) => tmp.persist_noclobber(target).map(|_| ()),
    };
    if let Err(e) = persisted {
        // `e.file` (the temporary file) is dropped here, and removed.
        return Outcome::Failed(format!(
            "cannot rename the decrypted file to `{}`: {}",
            target.display(),
            io_reason(&e.error)
        ));
    }
    // The rename is durable once the directory is synced.
    if let Err(e) = fs::File::open(&dir).and_then(|d| d.sync_all()) {
        tracing::debug!(dir = %dir.display(), error = %e, "directory not synced");
    }
    Outcome::Decrypted {
        to: dest.map(Path::to_path_buf),
    }
}

/// Why a file failed, for the listing: the library's message, with IO
/// errors said from the user's side.
fn why(err: &SealError) -> String {
    match err {
        SealError::Io {
            what: IoWhat::ReadInput,
            error,
        } => format!("cannot read it: {}", io_reason(error)),
        SealError::Io {
            what: IoWhat::WriteOutput,
            error,
        } => format!("writing the decrypted file: {}", io_reason(error)),
        other => other.to_string(),
    }
}

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::StorageFull => "no space left on the device".into(),
        io::ErrorKind::ReadOnlyFilesystem => "read-only file system".into(),
        _ => e.to_string(),
    }
}

fn record(
    out: &mut dyn Write,
    totals: &mut Totals,
    path: &Path,
    outcome: Outcome,
) -> io::Result<()> {
    let shown = path.display();
    match outcome {
        Outcome::Decrypted { to: None } => {
            totals.decrypted += 1;
            writeln!(out, "decrypted: {shown}")
        }
        Outcome::Decrypted { to: Some(to) } => {
            totals.decrypted += 1;
            writeln!(out, "decrypted: {shown} -> {}", to.display())
        }
        Outcome::NotSealed => {
            totals.not_sealed += 1;
            writeln!(out, "not sealed, left alone: {shown}")
        }
        Outcome::Skipped(why) => {
            totals.skipped += 1;
            writeln!(out, "skipped: {shown} ({why})")
        }
        Outcome::Failed(why) => {
            writeln!(out, "failed: {shown}: {why}")?;
            totals.failed.push((shown.to_string(), why));
            Ok(())
        }
    }
}

fn summary(out: &mut dyn Write, t: &Totals) -> io::Result<()> {
    let skipped = if t.skipped > 0 {
        format!(
            ", {} skipped (symbolic links and special files are left alone)",
            t.skipped
        )
    } else {
        String::new()
    };
    writeln!(
        out,
        "{} decrypted, {} not sealed, {} failed{skipped}",
        t.decrypted,
        t.not_sealed,
        t.failed.len()
    )?;
    for (path, why) in &t.failed {
        writeln!(out, "  failed: {path}: {why}")?;
    }
    Ok(())
}
