//! One plug-in call: a child process in its own process group, one JSON
//! document in on stdin, one out on stdout, bounded in time and size.

use std::fmt;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use crate::PROTOCOL;
use crate::manifest::{Manifest, ParamError};
use crate::package::Installed;

/// The environment a plug-in sees, besides `CORDON_PLUGIN_NAME`. Nothing
/// of the caller's environment (credentials, proxies, database URLs)
/// is passed on.
pub const ENVIRONMENT: [(&str, &str); 3] = [
    ("PATH", "/usr/local/bin:/usr/bin:/bin"),
    ("LANG", "C.UTF-8"),
    ("CORDON_PLUGIN_PROTOCOL", "1"),
];
/// The longest `message` a response may carry, in bytes: it becomes a
/// line of the incident's history.
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// How much of a bad output or of stderr an error message quotes.
const QUOTE_BYTES: usize = 200;

/// What a plug-in receives on stdin (protocol 1).
#[derive(Debug, Clone, Serialize)]
pub struct Request<'a> {
    /// Always [`PROTOCOL`].
    pub protocol: u32,
    /// `run`: the only command of protocol 1.
    pub command: &'a str,
    /// The plug-in's name, as the response rule gave it.
    pub plugin: &'a str,
    /// The incident as the record stores it: masked values only.
    pub incident: &'a Value,
    /// The response rule's parameters, checked against the manifest.
    pub params: &'a Value,
    /// Milliseconds the plug-in has, from its start, before it is killed
    /// ([`Request::new`] sets the timeout [`run`] will apply).
    pub deadline_ms: u64,
}

impl<'a> Request<'a> {
    /// A `run` request for `manifest`'s plug-in within `limits`.
    pub fn new(
        manifest: &'a Manifest,
        incident: &'a Value,
        params: &'a Value,
        limits: &RunLimits,
    ) -> Request<'a> {
        Request {
            protocol: PROTOCOL,
            command: "run",
            plugin: &manifest.name,
            incident,
            params,
            deadline_ms: u64::try_from(effective_timeout(manifest, limits).as_millis())
                .unwrap_or(u64::MAX),
        }
    }
}

/// The smaller of the caller's timeout and the manifest's.
fn effective_timeout(manifest: &Manifest, limits: &RunLimits) -> Duration {
    limits
        .timeout
        .min(Duration::from_millis(manifest.timeout_ms))
}

/// What a plug-in answers on stdout (protocol 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub status: Status,
    /// One line for the incident's history ("File is encrypted").
    pub message: String,
    /// Anything else the plug-in wants kept (a ticket id, a path).
    #[serde(default)]
    pub details: Value,
}

/// How the plug-in's action went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It did what it does.
    Ok,
    /// It tried and could not; `message` says why.
    Failed,
    /// Nothing to do for this incident (no file, not its kind of event).
    Skipped,
}

impl Status {
    /// As the protocol spells it: `ok`, `failed`, `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }
}

/// The bounds of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLimits {
    /// Most bytes read from stdout; more and the plug-in is killed.
    pub max_stdout: usize,
    /// Most bytes of stderr kept (the last ones); the rest is drained.
    pub max_stderr: usize,
    /// The call's time; [`run`] uses the smaller of it and the manifest's
    /// `timeout_ms`.
    pub timeout: Duration,
    /// Run as this uid and gid instead of the caller's. Only root may; a
    /// server running as root should set it to a dedicated unprivileged
    /// account. Supplementary groups are dropped with it (the standard
    /// library calls `setgroups(0)` when root sets a uid), and the call's
    /// working directory is given to that account.
    pub user: Option<(u32, u32)>,
    /// Where each call's working directory is made (default: the system
    /// temporary directory).
    pub scratch: Option<PathBuf>,
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits {
            max_stdout: 64 << 10,
            max_stderr: 16 << 10,
            timeout: Duration::from_secs(30),
            user: None,
            scratch: None,
        }
    }
}

impl RunLimits {
    /// The default limits with the timeout `min(manifest.timeout_ms, cap)`.
    pub fn for_manifest(manifest: &Manifest, cap: Duration) -> RunLimits {
        RunLimits {
            timeout: Duration::from_millis(manifest.timeout_ms).min(cap),
            ..RunLimits::default()
        }
    }
}

/// How a plug-in's process ended when it did not end well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exited with code {c}"),
            Exit::Signal(s) => write!(f, "was killed by signal {s}"),
        }
    }
}

/// Why a call gave no [`Response`]. The server writes the `Display` into
/// the incident's history: each message is one short line naming the
/// plug-in, and quotes at most 200 bytes of what it printed, escaped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("plug-in `{plugin}`: invalid request: {reason}")]
    InvalidRequest { plugin: String, reason: String },
    #[error(transparent)]
    Params(#[from] ParamError),
    #[error("plug-in `{plugin}` could not start: {source}")]
    Start { plugin: String, source: io::Error },
    #[error("plug-in `{plugin}` timed out after {after_ms} ms and was killed")]
    Timeout { plugin: String, after_ms: u128 },
    #[error("plug-in `{plugin}` {exit}{}", stderr_suffix(stderr_tail))]
    Exited {
        plugin: String,
        exit: Exit,
        /// The last bytes of stderr (at most 200), escaped.
        stderr_tail: String,
    },
    #[error("plug-in `{plugin}` gave an invalid response ({reason}): `{head}`")]
    InvalidOutput {
        plugin: String,
        reason: String,
        /// The first bytes of stdout (at most 200), escaped.
        head: String,
    },
    #[error("plug-in `{plugin}` wrote more than {limit} bytes to stdout and was killed")]
    OutputTooLarge { plugin: String, limit: usize },
    #[error("plug-in `{plugin}` speaks protocol {found}, this Cordon speaks {expected}")]
    ProtocolMismatch {
        plugin: String,
        expected: u32,
        found: u32,
    },
    #[error("plug-in `{plugin}`: {source}")]
    Io { plugin: String, source: io::Error },
}

fn stderr_suffix(tail: &str) -> String {
    if tail.is_empty() {
        String::new()
    } else {
        format!("; stderr ends `{tail}`")
    }
}

/// At most `QUOTE_BYTES` of `bytes`, printable: non-ASCII and control
/// bytes as `\xNN`/`\n`, and backticks escaped so the quote stays one.
fn quote(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string().replace('`', "\\x60")
}

fn head(bytes: &[u8]) -> String {
    quote(bytes.get(..QUOTE_BYTES).unwrap_or(bytes))
}

fn tail(bytes: &[u8]) -> String {
    let trimmed = bytes.trim_ascii_end();
    let start = trimmed.len().saturating_sub(QUOTE_BYTES);
    quote(trimmed.get(start..).unwrap_or(trimmed))
}

/// The plug-in's process group; dropping it SIGKILLs the group, so no
/// process the plug-in started outlives its call, whichever way the
/// call ends (answer, error, timeout, or the caller dropping the future).
/// The group's id is the plug-in's pid, which the kernel does not give
/// to another process while any member of the group is alive.
struct Group(Option<Pid>);

impl Group {
    fn kill(&self) {
        if let Some(pid) = self.0 {
            match rustix::process::kill_process_group(pid, Signal::KILL) {
                Ok(()) | Err(rustix::io::Errno::SRCH) => {}
                Err(e) => tracing::warn!(
                    pgid = pid.as_raw_nonzero().get(),
                    "killing a plug-in's process group failed: {e}"
                ),
            }
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

enum Stop {
    TooLarge,
    Io(io::Error),
}

async fn read_capped<R: AsyncRead + Unpin>(r: Option<R>, max: usize) -> Result<Vec<u8>, Stop> {
    let mut buf = Vec::new();
    if let Some(r) = r {
        let cap = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
        r.take(cap).read_to_end(&mut buf).await.map_err(Stop::Io)?;
    }
    if buf.len() > max {
        return Err(Stop::TooLarge);
    }
    Ok(buf)
}

/// Reads `r` to its end, keeping the last `max` bytes: a chatty plug-in
/// is never blocked on a full stderr pipe.
async fn read_tail<R: AsyncRead + Unpin>(r: Option<R>, max: usize) -> Vec<u8> {
    let mut kept = Vec::new();
    let Some(mut r) = r else { return kept };
    let mut chunk = [0u8; 8192];
    loop {
        match r.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(chunk.get(..n).unwrap_or_default());
                if kept.len() > max {
                    kept.drain(..kept.len() - max);
                }
            }
        }
    }
    kept
}

/// Runs one call of an installed plug-in and returns its answer.
///
/// The executable is started by absolute path, without a shell, with the
/// fixed [`ENVIRONMENT`] plus `CORDON_PLUGIN_NAME`, in a fresh working
/// directory removed afterwards, in a process group of its own, as
/// `limits.user` when set. It gets the request on stdin, which is then
/// closed; stdout (capped) and stderr (its tail kept and logged) are read
/// while it runs. When its main process exits, or at the timeout, or when
/// stdout overflows, the whole group is killed. A plug-in that exits 0
/// must have printed exactly one protocol-1 response (trailing whitespace
/// allowed); any other exit is an error whatever it printed.
pub async fn run(
    installed: &Installed,
    request: &Request<'_>,
    limits: &RunLimits,
) -> Result<Response, RunError> {
    let manifest = &installed.manifest;
    let plugin = manifest.name.clone();
    if manifest.protocol != PROTOCOL {
        return Err(RunError::ProtocolMismatch {
            plugin,
            expected: PROTOCOL,
            found: manifest.protocol,
        });
    }
    let invalid = |reason: String| RunError::InvalidRequest {
        plugin: plugin.clone(),
        reason,
    };
    if request.protocol != PROTOCOL {
        return Err(invalid(format!(
            "protocol {} is not {PROTOCOL}",
            request.protocol
        )));
    }
    if request.command != "run" {
        return Err(invalid(format!(
            "command `{}` is not `run`",
            request.command.escape_debug()
        )));
    }
    if request.plugin != manifest.name {
        return Err(invalid(format!(
            "it names plug-in `{}`",
            request.plugin.escape_debug()
        )));
    }
    manifest.check_params(request.params)?;
    let input = serde_json::to_vec(request).map_err(|e| invalid(e.to_string()))?;
    let timeout = effective_timeout(manifest, limits);

    let start_error = |source: io::Error| RunError::Start {
        plugin: plugin.clone(),
        source,
    };
    let exe = std::path::absolute(installed.executable()).map_err(start_error)?;
    let scratch = limits.scratch.clone().unwrap_or_else(std::env::temp_dir);
    let workdir = tempfile::Builder::new()
        .prefix("cordon-plugin-")
        .tempdir_in(&scratch)
        .map_err(start_error)?;
    let mut cmd = tokio::process::Command::new(&exe);
    cmd.env_clear()
        .envs(ENVIRONMENT)
        .env("CORDON_PLUGIN_NAME", &plugin)
        .current_dir(workdir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some((uid, gid)) = limits.user {
        rustix::fs::chown(
            workdir.path(),
            Some(rustix::fs::Uid::from_raw(uid)),
            Some(rustix::fs::Gid::from_raw(gid)),
        )
        .map_err(|e| start_error(e.into()))?;
        cmd.uid(uid).gid(gid);
    }

    let started = Instant::now();
    let mut child = spawn(&mut cmd).await.map_err(start_error)?;
    let group = Group(
        child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(Pid::from_raw),
    );
    tracing::debug!(plugin = %plugin, pid = child.id(), timeout_ms = timeout.as_millis(), "plug-in started");
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();

    let exchange = async {
        let feed = async {
            if let Some(mut stdin) = stdin {
                // A plug-in need not read its input: a closed pipe is fine.
                if let Err(e) = stdin.write_all(&input).await {
                    tracing::debug!(plugin = %plugin, "plug-in did not read its request: {e}");
                }
                drop(stdin);
            }
            Ok::<(), Stop>(())
        };
        let out = read_capped(stdout, limits.max_stdout);
        let err = async { Ok::<_, Stop>(read_tail(stderr, limits.max_stderr).await) };
        let exited = async {
            let status = child.wait().await.map_err(Stop::Io);
            // What the plug-in left running would hold the pipes open.
            group.kill();
            status
        };
        tokio::try_join!(feed, out, err, exited)
    };
    let outcome = tokio::time::timeout(timeout, exchange).await;
    let elapsed = started.elapsed();
    let (stdout, stderr, status): (Vec<u8>, Vec<u8>, ExitStatus) = match outcome {
        Ok(Ok(((), out, err, status))) => (out, err, status),
        Ok(Err(stop)) => {
            group.kill();
            // The group kill should have done it; if it could not, the
            // main process at least must go, or the wait never ends.
            let _ = child.start_kill();
            let _ = child.wait().await;
            return Err(match stop {
                Stop::TooLarge => RunError::OutputTooLarge {
                    plugin,
                    limit: limits.max_stdout,
                },
                Stop::Io(source) => RunError::Io { plugin, source },
            });
        }
        Err(_) => {
            group.kill();
            // The group kill should have done it; if it could not, the
            // main process at least must go, or the wait never ends.
            let _ = child.start_kill();
            let _ = child.wait().await;
            tracing::warn!(plugin = %plugin, timeout_ms = timeout.as_millis(), "plug-in timed out and was killed");
            return Err(RunError::Timeout {
                plugin,
                after_ms: timeout.as_millis(),
            });
        }
    };
    drop(group);
    drop(workdir);

    let stderr_tail = tail(&stderr);
    if !status.success() {
        let exit = match (status.code(), status.signal()) {
            (Some(c), _) => Exit::Code(c),
            (None, Some(s)) => Exit::Signal(s),
            (None, None) => Exit::Code(-1),
        };
        tracing::warn!(plugin = %plugin, %exit, stderr = %stderr_tail, elapsed_ms = elapsed.as_millis(), "plug-in failed");
        return Err(RunError::Exited {
            plugin,
            exit,
            stderr_tail,
        });
    }
    if !stderr.is_empty() {
        tracing::debug!(plugin = %plugin, stderr = %stderr_tail, "plug-in stderr");
    }
    let response = parse_response(&plugin, &stdout)?;
    tracing::info!(plugin = %plugin, status = ?response.status, elapsed_ms = elapsed.as_millis(), "plug-in answered");
    Ok(response)
}

/// Protocol 1's answer: one JSON object with `status` and `message`,
/// optionally `details` and `protocol` (which must then be 1).
#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    protocol: Option<u32>,
    status: Status,
    message: String,
    #[serde(default)]
    details: Value,
}

fn parse_response(plugin: &str, stdout: &[u8]) -> Result<Response, RunError> {
    let bad = |reason: String| RunError::InvalidOutput {
        plugin: plugin.to_owned(),
        reason,
        head: head(stdout),
    };
    if stdout.trim_ascii().is_empty() {
        return Err(bad("no output".to_owned()));
    }
    let value: Value = serde_json::from_slice(stdout).map_err(|e| bad(format!("not JSON: {e}")))?;
    if !value.is_object() {
        return Err(bad("not a JSON object".to_owned()));
    }
    let answer: Answer = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
    if let Some(found) = answer.protocol.filter(|p| *p != PROTOCOL) {
        return Err(RunError::ProtocolMismatch {
            plugin: plugin.to_owned(),
            expected: PROTOCOL,
            found,
        });
    }
    if answer.message.len() > MAX_MESSAGE_BYTES {
        return Err(bad(format!(
            "`message` is longer than {MAX_MESSAGE_BYTES} bytes"
        )));
    }
    Ok(Response {
        status: answer.status,
        message: answer.message,
        details: answer.details,
    })
}

/// Starts `cmd`, retrying while the executable is busy (`ETXTBSY`): a
/// file just written (a plug-in just installed) can still be open for
/// writing in a child another thread forked, until that child execs.
/// Linux reports it for at most a few milliseconds; the retries last about
/// a second in all.
async fn spawn(cmd: &mut tokio::process::Command) -> io::Result<tokio::process::Child> {
    let mut wait = Duration::from_millis(5);
    for _ in 0..8 {
        match cmd.spawn() {
            Err(e) if e.kind() == io::ErrorKind::ExecutableFileBusy => {
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
            }
            other => return other,
        }
    }
    cmd.spawn()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_short_and_escaped() {
        let long = vec![b'a'; 1000];
        assert_eq!(head(&long).len(), 200);
        assert_eq!(head(b"a\nb`\xff"), "a\\nb\\x60\\xff");
        assert_eq!(tail(b"one\ntwo\n\n"), "one\\ntwo");
    }

    #[test]
    fn responses() {
        let ok = parse_response("p", b"{\"status\":\"ok\",\"message\":\"done\"}\n\n").unwrap();
        assert_eq!(ok.status, Status::Ok);
        assert_eq!(ok.details, Value::Null);
        for (out, want) in [
            (&b""[..], "no output"),
            (b"[]", "not a JSON object"),
            (b"{\"status\":\"ok\"}", "missing field `message`"),
            (
                b"{\"status\":\"fine\",\"message\":\"\"}",
                "unknown variant `fine`",
            ),
            (
                b"{\"status\":\"ok\",\"message\":\"\"} {}",
                "trailing characters",
            ),
        ] {
            let e = parse_response("p", out).unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
        let e = parse_response("p", b"{\"protocol\":2,\"status\":\"ok\",\"message\":\"\"}")
            .unwrap_err();
        assert!(
            matches!(e, RunError::ProtocolMismatch { found: 2, .. }),
            "{e}"
        );
    }
}
