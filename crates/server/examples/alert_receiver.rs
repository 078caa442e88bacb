//! A receiver for `scripts/bench-alerts`: takes webhook POSTs (HTTP) or
//! octet-counted syslog (TCP) on a loopback port, optionally slowly, and
//! prints how many it got each second and in all.
//!
//!   cargo run --release -p cordon-server --example alert_receiver -- http 127.0.0.1:19001 [DELAY_MS]
//!   cargo run --release -p cordon-server --example alert_receiver -- syslog 127.0.0.1:19002
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("http");
    let addr = args.get(2).map(String::as_str).unwrap_or("127.0.0.1:19001");
    let delay = Duration::from_millis(args.get(3).and_then(|d| d.parse().ok()).unwrap_or(0));
    let count = Arc::new(AtomicU64::new(0));
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let c = count.clone();
    tokio::spawn(async move {
        let mut last = 0;
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let n = c.load(Ordering::Relaxed);
            if n != last {
                println!("received {n} (+{}/s)", n - last);
                last = n;
            }
        }
    });
    match mode {
        "http" => {
            let c = count.clone();
            let app = axum::Router::new().fallback(move |_body: axum::body::Bytes| {
                let c = c.clone();
                async move {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    c.fetch_add(1, Ordering::Relaxed);
                    axum::http::StatusCode::NO_CONTENT
                }
            });
            axum::serve(listener, app).await.unwrap();
        }
        "syslog" => loop {
            let (stream, _) = listener.accept().await.unwrap();
            let c = count.clone();
            tokio::spawn(async move {
                let mut r = BufReader::new(stream);
                let mut len = Vec::new();
                loop {
                    len.clear();
                    if r.read_until(b' ', &mut len).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let n: usize = std::str::from_utf8(&len[..len.len() - 1])
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .expect("octet-counted framing");
                    let mut msg = vec![0; n];
                    if r.read_exact(&mut msg).await.is_err() {
                        return;
                    }
                    c.fetch_add(1, Ordering::Relaxed);
                }
            });
        },
        other => panic!("mode `{other}`: use `http` or `syslog`"),
    }
}
