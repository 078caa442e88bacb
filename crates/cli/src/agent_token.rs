//! `cordon agent-token`: an agent group's enrolment tokens, through the
//! server's API with an administrator's key (so the permission check and
//! the audit trail are the server's). A token lets many computers enrol
//! (`cordon agent enroll --server URL --token T`); its secret is printed
//! once, at creation.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use serde_json::{Value, json};

use crate::plugin::{Server, answer_json};

#[derive(Subcommand)]
pub enum Command {
    /// Make a token for a group; prints the secret once.
    Create {
        /// The agent group computers join with it.
        #[arg(long)]
        group: String,
        /// What it is for.
        #[arg(long, default_value = "")]
        label: String,
        /// Hours until it expires (1 to 8760) [server default: 168].
        #[arg(long)]
        valid_hours: Option<i64>,
        /// At most this many computers may enrol with it [default: no limit].
        #[arg(long)]
        max_uses: Option<i64>,
        /// Let a computer enrol under a name bound to another key (that key
        /// is then revoked). Without it such an enrolment is refused.
        #[arg(long)]
        allow_reenrol: bool,
        #[command(flatten)]
        server: Server,
    },
    /// List a group's tokens: prefix, state, uses, expiry (never secrets).
    List {
        #[arg(long)]
        group: String,
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        server: Server,
    },
    /// Revoke a token by its id: no computer enrols with it any more.
    Revoke {
        #[arg(long)]
        group: String,
        /// The token's id (the 8 hex digits after `cordon_enrol_`).
        id: String,
        #[command(flatten)]
        server: Server,
    },
}

fn time(v: &Value) -> String {
    v.as_i64()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Create {
            group,
            label,
            valid_hours,
            max_uses,
            allow_reenrol,
            server,
        } => {
            let (client, base) = server.client()?;
            let mut body = json!({"label": label, "allow_reenrol": allow_reenrol});
            if let Some(h) = valid_hours {
                body["valid_hours"] = h.into();
            }
            if let Some(m) = max_uses {
                body["max_uses"] = m.into();
            }
            let answer = client
                .post(format!("{base}/v1/agent-groups/{group}/enrolment-tokens"))
                .bearer_auth(&server.key)
                .json(&body)
                .send()
                .with_context(|| format!("sending to `{base}`"))?;
            let v = answer_json(answer)?;
            let t = &v["token"];
            eprintln!(
                "enrolment token {} for group {} (expires {} UTC, {} uses); shown once, store it now:",
                t["id"].as_str().unwrap_or(""),
                group,
                time(&t["expires_at"]),
                t["max_uses"]
                    .as_i64()
                    .map_or_else(|| "unlimited".to_owned(), |m| format!("at most {m}")),
            );
            // Alone on stdout, so it can be captured.
            println!("{}", v["secret"].as_str().unwrap_or(""));
        }
        Command::List {
            group,
            json,
            server,
        } => {
            let (client, base) = server.client()?;
            let answer = client
                .get(format!("{base}/v1/agent-groups/{group}/enrolment-tokens"))
                .bearer_auth(&server.key)
                .send()
                .with_context(|| format!("asking `{base}`"))?;
            let v = answer_json(answer)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{:<32} {:<8} {:>9} {:<17} {:<8} LABEL",
                "TOKEN", "STATE", "USES", "EXPIRES (UTC)", "RE-ENROL"
            );
            for t in v["tokens"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                let uses = match t["max_uses"].as_i64() {
                    Some(m) => format!("{}/{m}", t["uses"]),
                    None => t["uses"].to_string(),
                };
                println!(
                    "{:<32} {:<8} {:>9} {:<17} {:<8} {}",
                    t["prefix"].as_str().unwrap_or(""),
                    t["state"].as_str().unwrap_or(""),
                    uses,
                    time(&t["expires_at"]),
                    if t["allow_reenrol"] == true {
                        "yes"
                    } else {
                        "no"
                    },
                    t["label"].as_str().unwrap_or("")
                );
            }
        }
        Command::Revoke { group, id, server } => {
            let (client, base) = server.client()?;
            let answer = client
                .delete(format!(
                    "{base}/v1/agent-groups/{group}/enrolment-tokens/{id}"
                ))
                .bearer_auth(&server.key)
                .send()
                .with_context(|| format!("sending to `{base}`"))?;
            answer_json(answer)?;
            println!("revoked enrolment token {id} of group {group}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
