//! What the runtime stores about state machines and executions, and the keys it stores them under.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use stepd_core::{Event, Millis, Outcome};
use stepd_store::Key;

/// A registered state machine.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StateMachineRecord {
    pub arn: String,
    pub name: String,
    pub definition: String,
    pub created: Millis,
    /// DeleteStateMachine was asked while executions ran; the record goes when the last one finishes.
    #[serde(default)]
    pub deleting: bool,
    #[serde(default)]
    pub tags: crate::Tags,
}

/// An execution: identity (enough to rebuild it by replay), status and outcome.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExecutionRecord {
    pub arn: String,
    pub name: String,
    pub state_machine_arn: String,
    pub input: serde_json::Value,
    pub start: Millis,
    pub seed: u64,
    pub stop: Option<Millis>,
    pub outcome: Option<Outcome>,
}

impl ExecutionRecord {
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `ABORTED`, as DescribeExecution says.
    pub fn status(&self) -> &'static str {
        match &self.outcome {
            None => "RUNNING",
            Some(Outcome::Succeeded { .. }) => "SUCCEEDED",
            Some(Outcome::Failed { .. }) => "FAILED",
            Some(Outcome::TimedOut { .. }) => "TIMED_OUT",
            Some(Outcome::Aborted { .. }) => "ABORTED",
        }
    }
}

/// One journal entry: an input event and the time it was applied at.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JournalEntry {
    pub at: Millis,
    pub event: Event,
}

/// Where a task token points. Activity tasks also carry their activity and input until a worker takes them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenTarget {
    pub execution: String,
    pub task: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<serde_json::Value>,
    /// The task timed out or was cancelled; callbacks get TaskTimedOut.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
}

/// What the writer keeps beside a running execution (table `running`), rewritten with each transition: with
/// the journal it rebuilds the execution, so a parked execution need not stay in memory.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Parked {
    /// Journal entries written so far (the next one's sequence number).
    pub journal_seq: u64,
    /// Task key → token, for tokens still outstanding.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tokens: BTreeMap<u64, String>,
    /// Timer key → due time, for timers still armed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub timers: BTreeMap<u64, Millis>,
    /// Task keys of invocations handed to adapters and not yet answered (each has an outbox entry).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub tasks: BTreeSet<u64>,
    /// Tokens of tasks that timed out or were cancelled (they answer TaskTimedOut until the end).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expired: Vec<String>,
}

/// A task invocation committed for an adapter and not yet answered (table `outbox`, key (execution, task)):
/// redelivered with the same idempotency key after a restart.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutboxEntry {
    pub resource: String,
    pub state: String,
    pub input: serde_json::Value,
    pub idempotency_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

/// A registered activity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActivityRecord {
    pub arn: String,
    pub name: String,
    pub created: Millis,
    #[serde(default)]
    pub tags: crate::Tags,
}

pub(crate) fn name_key(name: &str) -> Vec<u8> {
    Key::new().str(name).into_bytes()
}

pub(crate) fn seq_key(name: &str, n: u64) -> Vec<u8> {
    Key::new().str(name).u64(n).into_bytes()
}

/// Key of `running`: (state machine, execution), so a machine's running executions are one prefix.
pub(crate) fn running_key(machine: &str, execution: &str) -> Vec<u8> {
    Key::new().str(machine).str(execution).into_bytes()
}

/// Key of `machine_executions`: (state machine, start, execution).
pub(crate) fn listing_key(machine: &str, start: Millis, execution: &str) -> Vec<u8> {
    Key::new()
        .str(machine)
        .i64(start)
        .str(execution)
        .into_bytes()
}

pub(crate) fn timer_key(due: Millis, execution: &str, timer: u64) -> Vec<u8> {
    Key::new().i64(due).str(execution).u64(timer).into_bytes()
}

pub(crate) fn to_bytes<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

pub(crate) fn from_bytes<T: for<'de> Deserialize<'de>>(b: &[u8]) -> Result<T, crate::Error> {
    serde_json::from_slice(b).map_err(|e| crate::Error::Corrupt(e.to_string()))
}
