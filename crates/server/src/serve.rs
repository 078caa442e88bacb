//! Start and graceful stop: open the database (retrying while it is
//! unavailable), start the background tasks, accept connections until
//! shutdown, then drain in-flight requests and the incident queue.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use cordon_store::Store;

use crate::config::Settings;
use crate::state::AppState;

async fn activity_flusher(state: AppState) {
    let every = Duration::from_millis(state.settings.activity_flush_ms.max(100));
    loop {
        tokio::time::sleep(every).await;
        if let Ok(ready) = state.ready() {
            ready.activity.flush(ready.store.as_ref()).await;
        }
    }
}

/// A running server.
pub struct Server {
    pub state: AppState,
    pub addr: std::net::SocketAddr,
    /// Whether `addr` speaks HTTPS (`tls_cert_file`, `tls_key_file`).
    pub tls: bool,
    /// The admin key created on first start, to print once.
    pub first_key: Option<String>,
    /// The one-time password of the super admin `admin` this server
    /// created on first start, to print once (none when another server
    /// created it, or it came from `admin_password`).
    pub first_admin_password: Option<String>,
}

/// Opens the database named by the settings, retrying every `retry` while
/// it cannot be opened (the server stays up, not ready, and says why).
async fn open_loop(
    state: AppState,
    retry: Duration,
    first: tokio::sync::oneshot::Sender<Option<String>>,
) {
    let mut first = Some(first);
    loop {
        let url = state.settings.store_url();
        let opened = open_store(&state.settings, &url).await;
        let attached = match opened {
            Ok(store) => state.attach(store).await,
            Err(e) => Err(anyhow::anyhow!("{e}")),
        };
        match attached {
            Ok(key) => {
                state.set_not_ready(String::new());
                if let Some(tx) = first.take() {
                    let _ = tx.send(key);
                }
                return;
            }
            Err(e) => {
                let msg = format!("{e:#}");
                tracing::error!("database unavailable, retrying in {retry:?}: {msg}");
                state.set_not_ready(msg);
                if let Some(tx) = first.take() {
                    let _ = tx.send(None);
                }
            }
        }
        tokio::time::sleep(retry).await;
    }
}

async fn open_store(s: &Settings, url: &str) -> cordon_store::Result<Arc<dyn Store>> {
    cordon_store::open(url, &s.store_options()).await
}

/// Starts serving the API on `listener` until `shutdown` resolves, then
/// finishes in-flight requests, drains the incident queue and flushes
/// activity. `started` receives the server (address, first admin key) once
/// the database was tried for the first time.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    started: tokio::sync::oneshot::Sender<Server>,
) -> anyhow::Result<()> {
    serve_app(state, listener, shutdown, started, crate::routes::router).await
}

/// [`serve`] with the application `app` builds from the state: the API
/// router, or the API wrapped by another front end (the web console,
/// `cordon-console`, which calls the API in-process).
pub async fn serve_app(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    started: tokio::sync::oneshot::Sender<Server>,
    app: impl FnOnce(AppState) -> Router,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    // A TLS listener that cannot start stops the server: it never falls
    // back to plain HTTP.
    let tls = match (&state.settings.tls_cert_file, &state.settings.tls_key_file) {
        (Some(cert), Some(key)) => Some(crate::tls::acceptor(cert, key)?),
        _ => None,
    };
    let (first_tx, first_rx) = tokio::sync::oneshot::channel();
    let opener = tokio::spawn(open_loop(state.clone(), Duration::from_secs(5), first_tx));
    let first_key = first_rx.await.unwrap_or(None);
    let first_admin_password = state.login.take_first_admin_password();
    let _ = started.send(Server {
        state: state.clone(),
        addr,
        tls: tls.is_some(),
        first_key,
        first_admin_password,
    });
    let poller = tokio::spawn(crate::lifecycle::policy_poller(state.clone()));
    let flusher = tokio::spawn(activity_flusher(state.clone()));
    let purger = tokio::spawn(crate::login::purger(state.clone()));
    let app = app(state.clone());
    accept_loop(&state, listener, tls, app, shutdown).await;
    opener.abort();
    poller.abort();
    flusher.abort();
    purger.abort();
    if let Ok(ready) = state.ready() {
        ready.incidents.drain(Duration::from_secs(10)).await;
        ready.activity.flush(ready.store.as_ref()).await;
    }
    state.metrics.ready.set(0);
    Ok(())
}

/// Accepts connections until `shutdown`, then lets every connection finish
/// the request it is serving (idle keep-alive connections close at once).
///
/// The same as `axum::serve`, plus what it does not set: a timer, so that
/// a client must send its request headers within `header_read_timeout_ms`
/// (slow-header clients cannot pin connections), and `TCP_NODELAY`. With
/// `tls`, every connection's handshake must also finish within that time,
/// in the connection's own task.
async fn accept_loop(
    state: &AppState,
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let header_timeout = Duration::from_millis(state.settings.header_read_timeout_ms);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off, go on.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // Handlers and the authentication throttle see the peer's address.
        let service = hyper_util::service::TowerToHyperService::new(
            app.clone()
                .layer(axum::Extension(crate::auth::Peer(peer.ip()))),
        );
        let builder = {
            let mut b = hyper::server::conn::http1::Builder::new();
            b.timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            b
        };
        let Some(tls) = &tls else {
            let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
            tokio::spawn(async move {
                if let Err(e) = conn.await {
                    tracing::debug!(%peer, "connection ended: {e}");
                }
            });
            continue;
        };
        let (tls, watcher) = (tls.clone(), graceful.watcher());
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(header_timeout, tls.accept(stream)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, "TLS handshake failed: {e}");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let conn = watcher.watch(builder.serve_connection(TokioIo::new(stream), service));
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
    drop(listener);
    state.shutting_down.store(true, Ordering::SeqCst);
    tracing::info!("shutting down: finishing in-flight requests");
    let limit = Duration::from_millis(state.settings.request_timeout_ms.saturating_mul(2));
    if tokio::time::timeout(limit, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {limit:?}: closing them");
    }
}
