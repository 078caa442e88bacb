//! `cordon serve`: the DLP server (crate `cordon-server`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use cordon_server::config::{Overrides, Settings};

#[derive(clap::Args)]
pub struct Args {
    /// Configuration file (TOML). Default: `$CORDON_CONFIG`, else none.
    #[arg(long, env = "CORDON_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Directory of the embedded SQLite database [default: ~/.local/share/cordon].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Use PostgreSQL instead of SQLite: `postgres://user@host/db`.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Policy file to create and activate on first start (empty database).
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Session cookies without `Secure`, for plain HTTP on loopback only
    /// (development); browsers drop `Secure` cookies over plain HTTP.
    #[arg(long)]
    pub insecure_cookies: bool,
    /// Start on a fresh database with example data (the bundled policies
    /// active, an agent group, incidents from example events and files)
    /// and print the console's address and a one-time sign-in. Listens on
    /// loopback only; with no `--data-dir`, a new temporary directory.
    #[arg(long, conflicts_with_all = ["database_url", "policy"])]
    pub demo: bool,
}

/// Loads settings: defaults → file → `CORDON_*` environment → flags.
pub fn settings(config: Option<&std::path::Path>, o: Overrides) -> anyhow::Result<Settings> {
    Ok(Settings::load(config, std::env::vars())?.merge_overrides(o)?)
}

pub fn run(mut args: Args) -> anyhow::Result<ExitCode> {
    if args.demo {
        let listen = *args
            .listen
            .get_or_insert_with(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        if !listen.ip().is_loopback() {
            anyhow::bail!("--demo listens on loopback only, not {listen}");
        }
        if args.data_dir.is_none() {
            let dir = std::env::temp_dir().join(format!(
                "cordon-demo-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            ));
            eprintln!("cordon: demo data in {}", dir.display());
            args.data_dir = Some(dir);
        }
        // Plain HTTP on loopback: the session cookies cannot be `Secure`.
        args.insecure_cookies = true;
    }
    let demo = args.demo;
    let settings = settings(
        args.config.as_deref(),
        Overrides {
            listen: args.listen,
            data_dir: args.data_dir,
            database_url: args.database_url,
            bootstrap_policy: args.policy,
            insecure_cookies: args.insecure_cookies.then_some(true),
        },
    )?;
    tracing::debug!(?settings, "starting");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(serve(settings, demo))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    let mut engines = cordon_server::engines::PolicyEngines::new(policy_loader());
    if let Some(g) = &settings.geoip_db {
        engines = engines.with_geoip(g)?;
    }
    let ocr = settings.ocr.then(|| cordon_inspect::Ocr {
        languages: settings.ocr_languages.clone(),
        ..cordon_inspect::Ocr::default()
    });
    let inspector =
        cordon_server::engines::Inspection::configured(cordon_detect::Detectors::new(), ocr);
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
    let backend = if settings.database_url.is_some() {
        format!("PostgreSQL {}", settings.store_url_display())
    } else {
        format!("SQLite in {}", settings.data_dir.display())
    };
    let state = cordon_server::AppState::new(settings, Arc::new(engines), Arc::new(inspector));
    let (tx, rx) = tokio::sync::oneshot::channel();
    // The web console wraps the API: its pages at `/`, the API under it.
    let server = tokio::spawn(cordon_server::serve_app(
        state,
        listener,
        shutdown_signal(),
        tx,
        |st| cordon_console::app(cordon_server::router(st)),
    ));
    if let Ok(s) = rx.await {
        let scheme = if s.tls { "https" } else { "http" };
        eprintln!("cordon: serving on {scheme}://{} ({backend})", s.addr);
        if demo {
            // `localhost`, not the address: a browser keeps the session
            // cookie for the name it was given.
            eprintln!(
                "cordon: the console is at http://localhost:{}/",
                s.addr.port()
            );
        } else {
            eprintln!("cordon: the console is at {scheme}://{}/", s.addr);
        }
        if let Some(key) = &s.first_key {
            // Printed once, on stdout, so it can be captured; only its hash is stored.
            println!("admin API key (shown once, store it now): {key}");
            if demo {
                let api = cordon_server::router(s.state.clone());
                let root = std::env::current_dir()?;
                match crate::demo::seed(api, key, &root).await {
                    Ok(n) => eprintln!("cordon: demo: example policies active, {n} events decided"),
                    Err(e) => eprintln!("cordon: demo: the example data is incomplete: {e:#}"),
                }
            }
        } else if demo {
            eprintln!("cordon: demo: the database already has data; nothing added");
        }
        if let Some(password) = &s.first_admin_password {
            // Once, on standard error: only its argon2id hash is stored,
            // and it must be changed at the first sign-in.
            eprintln!(
                "cordon: created the super admin `admin`; its one-time password \
                 (shown once; change it at the first sign-in): {password}"
            );
        }
        if !s.state.not_ready_reason().is_empty() {
            eprintln!(
                "cordon: not ready, retrying: {}",
                s.state.not_ready_reason()
            );
        }
    }
    server.await??;
    eprintln!("cordon: stopped");
    Ok(())
}

/// The policy loader with every extension the binary knows: device
/// control (`deviceControl` sections and whole seed-004 documents).
pub fn policy_loader() -> cordon_policy::Loader {
    cordon_policy::Loader::new().with_extension(Box::new(cordon_devctl::DeviceControlLoader))
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
