//! `cordon`: CLI definition and glue. Each subcommand lives in its own
//! module with an `Args` type and a `run` function returning the process
//! exit code; errors become exit code 2 here, at the edge, and nowhere else.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod admin;
mod agent;
mod agent_token;
mod demo;
mod output;
mod plugin;
mod policy;
mod scan;
mod serve;
mod unseal;

/// mimalloc for the whole binary: the server's request path allocates many
/// small short-lived objects, and glibc malloc took about a quarter of its
/// CPU under `scripts/bench-server` (perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "cordon", version, about = "Open-source data loss prevention", long_about = None)]
struct Cli {
    /// Log verbosity for diagnostics on stderr (error, warn, info, debug, trace).
    #[arg(long, global = true, env = "CORDON_LOG", default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find sensitive data in files, directories or stdin.
    Scan(scan::Args),
    /// Check, evaluate, test and build policies.
    #[command(subcommand)]
    Policy(policy::Command),
    /// Run the DLP server: decisions, inspection, policies and incidents over HTTP.
    Serve(serve::Args),
    /// Administer a server's database (API keys, …).
    #[command(subcommand)]
    Admin(admin::Command),
    /// The Linux endpoint agent: enrol, run, status.
    #[command(subcommand)]
    Agent(agent::Command),
    /// Enrolment tokens of agent groups (through the server's API): create, list, revoke.
    #[command(subcommand)]
    AgentToken(agent_token::Command),
    /// Response plug-ins: pack, install, list, uninstall.
    #[command(subcommand)]
    Plugin(plugin::Command),
    /// Decrypt files sealed (age v1) on removable media, in place or into a directory.
    Unseal(unseal::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log);
    let result = match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Policy(cmd) => policy::run(cmd),
        Command::Serve(args) => serve::run(args),
        Command::Admin(cmd) => admin::run(cmd),
        Command::Agent(cmd) => agent::run(cmd),
        Command::AgentToken(cmd) => agent_token::run(cmd),
        Command::Plugin(cmd) => plugin::run(cmd),
        Command::Unseal(args) => unseal::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("cordon: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // On a failed write (stderr on a full disk) the subscriber would
        // report it with `eprintln!`, which panics: the thread that
        // logged (the incident journal's writer) died with it.
        .log_internal_errors(false)
        .try_init();
}
