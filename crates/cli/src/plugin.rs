//! `cordon plugin`: make, install, list and uninstall response plug-ins
//! (the Symantec seed's `flrinst -op=install|list|uninstall`). Installing
//! and uninstalling go through the server's API with an administrator's
//! key, so the role check and the audit trail are the server's.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args as ClapArgs, Subcommand};

#[derive(Subcommand)]
pub enum Command {
    /// Make a package from a directory holding `cordon-plugin.toml`.
    Pack {
        /// The plug-in's directory.
        dir: PathBuf,
        /// Where to write the package (default: `<name>-<version>.cordon-plugin`).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Install (or upgrade) a package on the server.
    Install {
        package: PathBuf,
        #[command(flatten)]
        server: Server,
    },
    /// List installed plug-ins: name, version, size, install time.
    List {
        #[command(flatten)]
        server: Server,
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Uninstall a plug-in by its exact (case-sensitive) name.
    Uninstall {
        name: String,
        #[command(flatten)]
        server: Server,
    },
}

/// The server and the administrator's key of commands that go through
/// the API (`cordon plugin`, `cordon agent-token`).
#[derive(ClapArgs)]
pub struct Server {
    /// The server's address.
    #[arg(long, env = "CORDON_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// An administrator's API key.
    #[arg(long, env = "CORDON_KEY", hide_env_values = true)]
    pub(crate) key: String,
    /// CA certificates (PEM) to trust for an `https://` server besides the
    /// built-in roots (a private CA).
    #[arg(long, env = "CORDON_CA_FILE")]
    ca_file: Option<PathBuf>,
}

impl Server {
    pub(crate) fn client(&self) -> anyhow::Result<(reqwest::blocking::Client, String)> {
        let mut builder =
            reqwest::blocking::Client::builder().timeout(std::time::Duration::from_secs(60));
        if let Some(path) = &self.ca_file {
            let pem =
                std::fs::read(path).with_context(|| format!("reading `{}`", path.display()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .with_context(|| format!("`{}`: not PEM certificates", path.display()))?;
            if certs.is_empty() {
                bail!("`{}` holds no PEM certificate", path.display());
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        let client = builder.build().context("making an HTTP client")?;
        Ok((client, self.server.trim_end_matches('/').to_owned()))
    }
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Pack { dir, output } => {
            let bytes = cordon_plugin::pack(&dir)
                .with_context(|| format!("packing `{}`", dir.display()))?;
            let package = cordon_plugin::read_package(&bytes)
                .with_context(|| format!("the package made of `{}`", dir.display()))?;
            let out = output.unwrap_or_else(|| {
                PathBuf::from(format!(
                    "{}-{}.cordon-plugin",
                    package.manifest.name, package.manifest.version
                ))
            });
            std::fs::write(&out, &bytes).with_context(|| format!("writing `{}`", out.display()))?;
            println!(
                "{} {} ({} bytes, sha256 {})",
                out.display(),
                package.manifest.name,
                bytes.len(),
                package.sha256
            );
        }
        Command::Install { package, server } => {
            let bytes = std::fs::read(&package)
                .with_context(|| format!("reading `{}`", package.display()))?;
            // Refused here with the same message the server would give.
            let p = cordon_plugin::read_package(&bytes)
                .with_context(|| format!("`{}`", package.display()))?;
            let (client, base) = server.client()?;
            let answer = client
                .post(format!("{base}/v1/plugins"))
                .bearer_auth(&server.key)
                .header("content-type", "application/gzip")
                .body(bytes)
                .send()
                .with_context(|| format!("sending to `{base}`"))?;
            let v = answer_json(answer)?;
            println!(
                "installed {} {} ({} bytes)",
                p.manifest.name,
                p.manifest.version,
                v.get("size")
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or(0)
            );
        }
        Command::List { server, json } => {
            let (client, base) = server.client()?;
            let answer = client
                .get(format!("{base}/v1/plugins"))
                .bearer_auth(&server.key)
                .send()
                .with_context(|| format!("asking `{base}`"))?;
            let v = answer_json(answer)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(ExitCode::SUCCESS);
            }
            let empty = Vec::new();
            let plugins = v
                .get("plugins")
                .and_then(serde_json::Value::as_array)
                .unwrap_or(&empty);
            println!(
                "{:<24} {:<10} {:>10}  {:<20} RUNS ON",
                "NAME", "VERSION", "SIZE", "INSTALLED (UTC)"
            );
            for p in plugins {
                let s = |k: &str| p.get(k).and_then(serde_json::Value::as_str).unwrap_or("");
                let at = p
                    .get("installedAt")
                    .and_then(serde_json::Value::as_i64)
                    .and_then(chrono::DateTime::from_timestamp_millis)
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default();
                println!(
                    "{:<24} {:<10} {:>10}  {:<20} {}",
                    s("name"),
                    s("version"),
                    p.get("size")
                        .and_then(serde_json::Value::as_i64)
                        .unwrap_or(0),
                    at,
                    s("runsOn")
                );
            }
        }
        Command::Uninstall { name, server } => {
            let (client, base) = server.client()?;
            let answer = client
                .delete(format!("{base}/v1/plugins/{name}"))
                .bearer_auth(&server.key)
                .send()
                .with_context(|| format!("sending to `{base}`"))?;
            if !answer.status().is_success() {
                answer_json(answer)?;
            }
            println!("uninstalled {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The answer's JSON, or an error with the server's message.
pub(crate) fn answer_json(
    answer: reqwest::blocking::Response,
) -> anyhow::Result<serde_json::Value> {
    let status = answer.status();
    let text = answer.text().context("reading the server's answer")?;
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    if !status.is_success() {
        let message = v
            .get("message")
            .and_then(serde_json::Value::as_str)
            .unwrap_or(text.as_str());
        bail!("the server answered {status}: {message}");
    }
    Ok(v)
}
