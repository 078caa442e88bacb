//! `cordon agent`: the Linux endpoint agent (crate `cordon-agent`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context as _;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Join an agent group: register this computer, pin the server's signing key, write the configuration.
    Enroll(Box<EnrollArgs>),
    /// Run the agent (as root, from the systemd unit).
    Run(RunArgs),
    /// Show what the agent enforces, the devices it sees, the server contact and the spool.
    Status(RunArgs),
    /// Make a new agent-signing key for the server (key rotation): writes it owner-only, prints its public half.
    Keygen(KeygenArgs),
    /// Give the business reason for a copy an exception rule stopped; without arguments, list your stopped copies.
    Justify(JustifyArgs),
    /// Give the passphrase the files you write to removable media are encrypted with, when the policy asks for one (asked twice without echo, or read from CORDON_PASSPHRASE).
    Passphrase(PassphraseArgs),
}

#[derive(clap::Args)]
pub struct PassphraseArgs {
    /// Say whether the agent keeps a passphrase of yours, and until when.
    #[arg(long, conflicts_with = "forget")]
    status: bool,
    /// Make the agent forget your passphrase now.
    #[arg(long)]
    forget: bool,
    /// The agent's control socket (`control_socket` in its configuration).
    #[arg(long, env = "CORDON_AGENT_SOCKET", default_value = cordon_agent::control::DEFAULT_SOCKET)]
    socket: PathBuf,
}

#[derive(clap::Args)]
pub struct JustifyArgs {
    /// The id the agent's message named (`cordon agent justify` lists them).
    #[arg(requires = "reason")]
    id: Option<String>,
    /// Why the copy is needed (kept in the incident's history).
    reason: Option<String>,
    /// The agent's control socket (`control_socket` in its configuration).
    #[arg(long, env = "CORDON_AGENT_SOCKET", default_value = cordon_agent::control::DEFAULT_SOCKET)]
    socket: PathBuf,
}

#[derive(clap::Args)]
pub struct EnrollArgs {
    /// The server's base URL.
    #[arg(long)]
    server: String,
    /// An agent group's enrolment token (`cordon agent-token create`), or a
    /// client API key made for this computer (`POST /v1/keys`, role client).
    #[arg(long, env = "CORDON_AGENT_TOKEN", hide_env_values = true)]
    token: String,
    /// The agent group to join: required with an API key; an enrolment
    /// token names its own (if given, it must be that one).
    #[arg(long)]
    group: Option<String>,
    /// CA certificates (PEM) to trust for an `https://` server besides
    /// the system's (a private CA); kept in the configuration as `ca_file`.
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// This computer's name [default: the host name].
    #[arg(long)]
    name: Option<String>,
    /// The server's signing key (base64), pinned out of band; without it
    /// the key the server answers with is trusted on first use.
    #[arg(long)]
    server_key: Option<String>,
    /// Where to write the configuration.
    #[arg(long, default_value = cordon_agent::config::DEFAULT_PATH)]
    config: PathBuf,
    /// The agent's state directory.
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Sysfs root (tests point it at a fixture tree).
    #[arg(long, hide = true)]
    sysfs_root: Option<PathBuf>,
    /// Seconds between contacts with the server.
    #[arg(long)]
    poll_secs: Option<u64>,
}

#[derive(clap::Args)]
pub struct RunArgs {
    #[arg(long, default_value = cordon_agent::config::DEFAULT_PATH)]
    config: PathBuf,
}

#[derive(clap::Args)]
pub struct KeygenArgs {
    /// The key file to write (e.g. `<data dir>/agent-keys/next.key`); never overwritten.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Enroll(a) => enroll(*a),
        Command::Run(a) => {
            let cfg = cordon_agent::Config::load(&a.config)?;
            let agent = cordon_agent::Agent::open(cfg)?;
            let stop = Arc::new(AtomicBool::new(false));
            for sig in [libc_sigterm(), libc_sigint()] {
                signal_hook_flag(sig, stop.clone())?;
            }
            eprintln!("cordon: agent running");
            agent.run(stop)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status(a) => {
            let cfg = cordon_agent::Config::load(&a.config)?;
            let s = cordon_agent::status::read(&cfg.state_dir).with_context(|| {
                format!(
                    "no status in {} (is the agent running?)",
                    cfg.state_dir.display()
                )
            })?;
            print!("{}", cordon_agent::status::render(&s));
            Ok(ExitCode::SUCCESS)
        }
        Command::Justify(a) => justify(a),
        Command::Passphrase(a) => passphrase(a),
        Command::Keygen(a) => {
            let mut seed = [0u8; 32];
            std::fs::File::open("/dev/urandom")
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut seed))
                .context("reading /dev/urandom")?;
            let key = cordon_bundle::SigningKey::from_seed(&seed);
            use std::io::Write as _;
            use std::os::unix::fs::OpenOptionsExt as _;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&a.out)
                .with_context(|| format!("creating {}", a.out.display()))?;
            writeln!(f, "{}", key.to_hex())?;
            f.sync_all()?;
            println!(
                "key {} written to {}; public key {}",
                key.public().key_id(),
                a.out.display(),
                key.public().to_base64()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn justify(a: JustifyArgs) -> anyhow::Result<ExitCode> {
    use cordon_agent::control::{Request, call};
    let req = match (a.id, a.reason) {
        (Some(id), Some(text)) => Request::Justify { id, text },
        _ => Request::Exceptions,
    };
    let listing = matches!(req, Request::Exceptions);
    let r = call(&a.socket, &req).map_err(anyhow::Error::msg)?;
    if !r.ok {
        eprintln!("cordon: {}", r.message);
        return Ok(ExitCode::from(1));
    }
    if listing {
        if r.waiting.is_empty() {
            println!("no copy waits for a justification");
        }
        for w in &r.waiting {
            println!(
                "{}  {}  to {}  ({}; {} s ago{})",
                w.id,
                w.file,
                w.device,
                w.message,
                w.age_secs,
                if w.user.is_empty() {
                    String::new()
                } else {
                    format!(", by {}", w.user)
                }
            );
        }
    } else {
        println!("{}", r.message);
    }
    Ok(ExitCode::SUCCESS)
}

fn passphrase(a: PassphraseArgs) -> anyhow::Result<ExitCode> {
    use cordon_agent::control::{Request, call};
    use cordon_agent::passphrase::{Secret, check};
    let req = if a.status {
        Request::PassphraseStatus
    } else if a.forget {
        Request::PassphraseForget
    } else {
        let p = Secret::new(crate::unseal::read_secret(
            "`cordon agent passphrase`",
            true,
        )?);
        // Checked here too, so a short one is refused before it travels.
        check(p.expose()).map_err(anyhow::Error::msg)?;
        Request::PassphraseSet { passphrase: p }
    };
    let r = call(&a.socket, &req).map_err(anyhow::Error::msg)?;
    drop(req);
    if !r.ok {
        eprintln!("cordon: {}", r.message);
        return Ok(ExitCode::from(1));
    }
    println!("{}", r.message);
    Ok(ExitCode::SUCCESS)
}

fn enroll(a: EnrollArgs) -> anyhow::Result<ExitCode> {
    let name = match a.name {
        Some(n) => n,
        None => cordon_agent::host::identity(None, None).hostname,
    };
    let mut cfg =
        cordon_agent::Config::new(&a.server, &a.token, a.group.as_deref().unwrap_or(""), &name);
    if let Some(ca) = a.ca_file {
        // Absolute: the daemon does not run from this directory.
        cfg.ca_file = Some(std::path::absolute(&ca).with_context(|| ca.display().to_string())?);
    }
    if let Some(d) = a.state_dir {
        cfg.state_dir = d;
    }
    if let Some(s) = a.sysfs_root {
        cfg.sysfs_root = s;
    }
    if let Some(p) = a.poll_secs {
        cfg.poll_secs = p;
    }
    let e = cordon_agent::enroll(&mut cfg, &a.config, a.server_key.as_deref())?;
    if cfg.server.starts_with("http://") {
        eprintln!(
            "cordon: warning: `{}` is plain HTTP: the agent's API key travels in clear (configure the server's TLS listener)",
            cfg.server
        );
    }
    println!(
        "enrolled {} in group {} (key {}{}); pinned signing key {}{}",
        e.computer,
        e.group,
        e.key_id,
        if e.api_key.is_some() {
            ", made for this computer and kept in the configuration"
        } else {
            ""
        },
        e.signing_key.key_id,
        if a.server_key.is_none() {
            " (trusted on first use: compare it with the server's)"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}

const fn libc_sigterm() -> i32 {
    15
}
const fn libc_sigint() -> i32 {
    2
}

/// Sets `flag` when `sig` arrives (a tokio-free handler: a current-thread
/// runtime watching the signals on a thread of its own).
fn signal_hook_flag(sig: i32, flag: Arc<AtomicBool>) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let kind = tokio::signal::unix::SignalKind::from_raw(sig);
    std::thread::Builder::new()
        .name("cordon-agent-signal".into())
        .spawn(move || {
            rt.block_on(async move {
                if let Ok(mut s) = tokio::signal::unix::signal(kind) {
                    s.recv().await;
                    flag.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            });
        })?;
    Ok(())
}
