//! `cordon admin …`: manage a server's database directly (same settings
//! as `cordon serve`: `--config`, `--data-dir`, `--database-url`, env).

use std::path::PathBuf;
use std::process::ExitCode;

use cordon_server::config::{Overrides, Settings};
use cordon_server::login::breakglass;
use cordon_store::{Actor, OpenOptions, Role};

#[derive(clap::Args)]
pub struct DbArgs {
    /// Configuration file (TOML).
    #[arg(long, env = "CORDON_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory of the embedded SQLite database.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL instead of SQLite.
    #[arg(long)]
    pub database_url: Option<String>,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Create an API key and print it (once; only its hash is stored).
    CreateKey {
        /// A name saying who or what uses the key.
        #[arg(long, default_value = "cli")]
        name: String,
        /// `client` (decide, inspect, justify, agent poll) or `admin` (everything).
        #[arg(long, default_value = "client", value_parser = ["client", "admin"])]
        role: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke an API key by its id (the 8 hex digits after `cordon_`).
    RevokeKey {
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List API keys (ids, names, roles; never secrets).
    ListKeys {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Check the database deeply: consistent (SQLite reads the whole file)
    /// and writable. Slow on a large database; exits 1 if it is not sound.
    Check {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Give the incidents the database refused (set aside in
    /// `<data-dir>/journal/rejected.jsonl`) to it again, once the cause is
    /// fixed. Run it while the server is stopped; running it twice does
    /// not duplicate incidents. Exits 1 when some remain in the file.
    ImportRejected {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Break-glass: give USER a new one-time password (printed once), to
    /// be changed at the next sign-in; their sessions end.
    ResetPassword {
        user: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Break-glass: forget USER's authenticator app, so their next
    /// sign-in shows a new QR code; their remembered browsers are
    /// forgotten too.
    #[command(name = "reset-2fa")]
    ResetTwoFactor {
        user: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Break-glass: make USER (an enabled administrator) the super admin.
    SetSuperAdmin {
        user: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Lift USER's lockout after failed sign-ins.
    Unlock {
        user: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match cmd {
            Command::CreateKey { name, role, db } => {
                let store = open(db).await?;
                let role = Role::parse(&role).unwrap_or(Role::Client);
                let k = store
                    .create_api_key(
                        &name,
                        role,
                        None,
                        &Actor::System,
                        cordon_store::now_millis(),
                    )
                    .await?;
                eprintln!(
                    "created {} key `{}` ({name}); it is shown only this once:",
                    role.as_str(),
                    k.key.id
                );
                println!("{}", k.secret.expose());
            }
            Command::RevokeKey { id, db } => {
                let store = open(db).await?;
                let id = id
                    .strip_prefix(cordon_store::keys::PREFIX)
                    .map(|r| r.split('_').next().unwrap_or(r))
                    .unwrap_or(&id)
                    .to_owned();
                store
                    .revoke_api_key(&id, &Actor::System, cordon_store::now_millis())
                    .await?;
                eprintln!(
                    "revoked key `{id}` (servers stop accepting it within their key cache time)"
                );
            }
            Command::Check { db } => {
                let (store, settings) = open_with_settings(db).await?;
                let started = std::time::Instant::now();
                let verdict = store.check().await;
                let took = started.elapsed();
                let at = settings.store_url_display();
                if let Err(e) = verdict {
                    eprintln!("{} database at {at} failed its check: {e}", store.backend());
                    return Ok(ExitCode::from(1));
                }
                eprintln!(
                    "{} database at {at} is consistent and writable (checked in {took:.1?})",
                    store.backend()
                );
            }
            Command::ImportRejected { db } => {
                let (store, settings) = open_with_settings(db).await?;
                let dir = settings.journal_dir();
                let r = cordon_server::journal::import_rejected(store.as_ref(), &dir).await?;
                for (line, why) in &r.unreadable {
                    eprintln!("line {line}: not a set-aside incident, kept: {why}");
                }
                eprintln!(
                    "{} imported, {} already in the database, {} refused again, {} unreadable ({})",
                    r.imported,
                    r.already_present,
                    r.still_refused,
                    r.unreadable.len(),
                    dir.join(cordon_server::journal::REJECTED_FILE).display()
                );
                if r.still_refused > 0 || !r.unreadable.is_empty() {
                    return Ok(ExitCode::from(1));
                }
            }
            Command::ResetPassword { user, db } => {
                let store = open(db).await?;
                let password = breakglass::reset_password(store.as_ref(), &user).await?;
                eprintln!(
                    "`{user}` has a new one-time password, shown only this once; \
                     it must be changed at the next sign-in:"
                );
                println!("{password}");
            }
            Command::ResetTwoFactor { user, db } => {
                let store = open(db).await?;
                breakglass::reset_two_factor(store.as_ref(), &user).await?;
                eprintln!("`{user}` enrols a new authenticator at the next sign-in");
            }
            Command::SetSuperAdmin { user, db } => {
                let store = open(db).await?;
                let from = breakglass::set_super_admin(store.as_ref(), &user).await?;
                eprintln!("`{user}` is the super admin (it was `{from}`)");
            }
            Command::Unlock { user, db } => {
                let store = open(db).await?;
                breakglass::unlock(store.as_ref(), &user).await?;
                eprintln!("`{user}` is unlocked");
            }
            Command::ListKeys { db } => {
                let store = open(db).await?;
                for k in store.list_api_keys().await? {
                    let state = if k.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    println!("{}\t{}\t{}\t{}", k.id, k.role.as_str(), state, k.name);
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

async fn open(db: DbArgs) -> anyhow::Result<std::sync::Arc<dyn cordon_store::Store>> {
    Ok(open_with_settings(db).await?.0)
}

async fn open_with_settings(
    db: DbArgs,
) -> anyhow::Result<(std::sync::Arc<dyn cordon_store::Store>, Settings)> {
    let s = crate::serve::settings(
        db.config.as_deref(),
        Overrides {
            data_dir: db.data_dir,
            database_url: db.database_url,
            ..Default::default()
        },
    )?;
    let store = cordon_store::open(&s.store_url(), &open_options(&s)).await?;
    Ok((store, s))
}

/// The store options `cordon serve` uses for the same settings, so that
/// an admin command writes with the durability the server promises.
fn open_options(s: &Settings) -> OpenOptions {
    OpenOptions {
        // One command at a time: no pool of sixteen.
        max_connections: Some(2),
        ..s.store_options()
    }
}
