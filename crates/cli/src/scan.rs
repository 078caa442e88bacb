//! `cordon scan PATH…`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(required = true)]
    pub paths: Vec<std::path::PathBuf>,
}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("scan is being built")
}
