//! Plug-ins that run on endpoints (`runs_on = "agent"`): the calls the
//! server hands an agent and the answers the agent sends back.
//!
//! The server plans an agent plug-in's call like its own, as a delivery
//! in its outbox, for incidents that an agent reported. The agent asks
//! for its due calls ([`AgentTasks`], signed with the key that signs its
//! bundles: the agent runs them as root, so nothing unsigned is run),
//! fetches each package by name, checks it is the one the signed call
//! names by SHA-256, runs it with [`crate::run`] and reports a
//! [`TaskResult`], which ends the delivery and lands in the incident's
//! history.

use serde::{Deserialize, Serialize};

/// Most calls handed out in one answer.
pub const MAX_TASKS: usize = 16;

/// The signed answer to an agent's `GET /v1/agent/tasks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentTasks {
    /// The computer the calls are for: an agent refuses calls for another.
    pub computer: String,
    /// When the server signed it, Unix milliseconds.
    pub issued_at: i64,
    pub tasks: Vec<AgentTask>,
}

/// One plug-in call for an agent to make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentTask {
    /// The delivery this call ends: the id to report to.
    pub delivery: i64,
    /// The plug-in's exact name.
    pub plugin: String,
    /// Hex SHA-256 of the package to run: the agent runs no other.
    pub sha256: String,
    /// The response rule's parameters for it.
    #[serde(default)]
    pub params: serde_json::Value,
    /// The incident as the plug-in receives it (masked, as on the server).
    pub incident: serde_json::Value,
    /// The call's time: the smaller of the manifest's and the server's cap.
    pub timeout_ms: u64,
    /// The server stops waiting for the answer at this time (Unix
    /// milliseconds, the server's clock); later, the call may be handed
    /// out again. An agent does not start a call past it.
    pub answer_by: i64,
}

/// What an agent reports for a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskResult {
    /// `ok`, `failed`, `skipped` (the plug-in's own status) or `error`
    /// (it could not be run, or gave no valid answer).
    pub status: String,
    /// One line for the incident's history.
    pub message: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub details: serde_json::Value,
}

impl TaskResult {
    /// The result for a call that could not be run or gave no answer.
    pub fn error(message: impl Into<String>) -> TaskResult {
        TaskResult {
            status: "error".to_owned(),
            message: message.into(),
            details: serde_json::Value::Null,
        }
    }

    /// The result of a plug-in's answer.
    pub fn of(r: &crate::Response) -> TaskResult {
        TaskResult {
            status: r.status.as_str().to_owned(),
            message: r.message.clone(),
            details: r.details.clone(),
        }
    }

    /// Whether the statuses are the four this protocol knows.
    pub fn valid_status(&self) -> bool {
        matches!(self.status.as_str(), "ok" | "failed" | "skipped" | "error")
    }
}
