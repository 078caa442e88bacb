//! Response plug-ins: the package, the manifest, installing, and one call.
//!
//! A response rule may end in "run plug-in `quarantine` with these
//! parameters" — Cordon's equivalent of Symantec's FlexResponse. A
//! plug-in is a program in any language, shipped as a *package*: a
//! gzip'd tar holding `cordon-plugin.toml` (the [`Manifest`]) and the
//! files it needs. The server keeps packages in its database; after a
//! violation it runs the plug-ins the matching rules name and appends
//! each answer ("File moved to quarantine") to the incident's history.
//! This crate is everything about plug-ins that is neither database nor
//! HTTP:
//!
//! - [`read_package`] validates untrusted bytes (size, gzip, tar, entry
//!   count, unpacked size, paths, entry types, the manifest and its
//!   executable) without touching the disk; [`pack`] makes a package
//!   from a directory, deterministically;
//! - [`install`] unpacks a package to `root/<name>/<sha256>/` atomically,
//!   and [`Installed::open`] finds it again;
//! - [`run`] makes one call: the [`Request`] as one JSON document on
//!   stdin, one [`Response`] back on stdout, or a [`RunError`] that says
//!   in one line what went wrong.
//!
//! Plug-ins are child processes, not WebAssembly: the actions they exist
//! for (call a vendor's encryption tool, move a file, open a ticket over
//! HTTPS) need the host, which a WASI sandbox would have to grant back
//! piece by piece; and `wasmtime` would pull a Rust version newer than
//! the workspace's and a heavy build. A process is also what Cordon
//! already runs for OCR. The protocol is versioned ([`PROTOCOL`]) so that
//! another runner could sit behind the same manifest later.
//!
//! A process is not a sandbox, so the bounds are the runner's: an
//! absolute path and no shell, a cleared environment, a fresh working
//! directory per call, an optional unprivileged uid, capped output, and a
//! process group killed whole at the timeout, so that what a plug-in
//! started dies with it. What it is given is masked already: the
//! incident as the record keeps it, never a matched value in full.
//!
//! ```no_run
//! # async fn demo(bytes: &[u8], incident: &serde_json::Value) -> Result<(), Box<dyn std::error::Error>> {
//! use cordon_plugin::{Request, RunLimits, install, read_package, run};
//! use std::{path::Path, time::Duration};
//!
//! let package = read_package(bytes)?;
//! let installed = install(&package, bytes, Path::new("/var/lib/cordon/plugins"))?;
//! let params = serde_json::json!({ "quarantine_dir": "/srv/quarantine", "share_root": "/srv/share" });
//! installed.manifest.check_params(&params)?;
//! let limits = RunLimits::for_manifest(&installed.manifest, Duration::from_secs(60));
//! let request = Request::new(&installed.manifest, incident, &params, &limits);
//! match run(&installed, &request, &limits).await {
//!     Ok(answer) => println!("{:?}: {}", answer.status, answer.message),
//!     Err(e) => println!("{e}"), // one line for the incident's history
//! }
//! # Ok(()) }
//! ```

mod manifest;
mod package;
mod run;
mod task;

pub use manifest::{
    MANIFEST_FILE, MAX_DESCRIPTION_LEN, MAX_EVENTS, MAX_NAME_LEN, MAX_PARAMS, MAX_TIMEOUT_MS,
    Manifest, ManifestError, ParamError, ParamSpec, ParamType, RunsOn, valid_name,
};
pub use package::{
    Installed, MAX_ENTRIES, MAX_MANIFEST_BYTES, MAX_PACKAGE_BYTES, MAX_UNPACKED_BYTES, Package,
    PackageError, PackageFile, install, pack, read_package, sha256_hex,
};
pub use run::{
    ENVIRONMENT, Exit, MAX_MESSAGE_BYTES, Request, Response, RunError, RunLimits, Status, run,
};
pub use task::{AgentTask, AgentTasks, MAX_TASKS, TaskResult};

/// The plug-in protocol this crate speaks: the shape of [`Request`] and
/// [`Response`], and the manifest's `protocol`.
pub const PROTOCOL: u32 = 1;
