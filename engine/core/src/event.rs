//! What goes into the interpreter (`Event`) and what comes out (`Transition`: history events and `Effect`s).

use crate::clock::Millis;
use crate::history::HistoryEvent;
use serde_json::Value;

/// An input to `Execution::apply`. Serializable: the runtime journals these, and replaying the journal
/// rebuilds the execution.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Event {
    /// Starts the execution with its input.
    Start { input: Value },
    /// A task the interpreter asked for (`Effect::InvokeTask`) returned a result.
    TaskSucceeded { task: u64, output: Value },
    /// A task failed with an error name and cause.
    TaskFailed {
        task: u64,
        error: String,
        cause: String,
    },
    /// A running task reported it is alive (`SendTaskHeartbeat`).
    TaskHeartbeat { task: u64 },
    /// A timer the interpreter armed is due.
    TimerFired { timer: u64 },
    /// `StopExecution`: the execution ends as ABORTED.
    Stop {
        error: Option<String>,
        cause: Option<String>,
    },
    /// `RedriveExecution`: a FAILED, ABORTED or TIMED_OUT execution runs again from the top-level state
    /// it stopped in, with that state's input and the variables it had.
    Redrive,
}

/// A side effect for the runtime to carry out after it has committed the transition.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run a Task state's resource. Answer with `TaskSucceeded`/`TaskFailed` naming `task`.
    InvokeTask(Invocation),
    /// Fire `TimerFired { timer }` at `due`.
    ArmTimer { timer: u64, due: Millis },
    /// A timer is no longer wanted (its state ended or was cancelled).
    CancelTimer { timer: u64 },
    /// A task is no longer wanted (timed out, or its branch was cancelled).
    CancelTask { task: u64 },
    /// The execution ended.
    Finish(Outcome),
}

/// One task invocation, with everything an adapter needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub task: u64,
    /// The resource ARN as written, e.g. `arn:aws:states:::lambda:invoke.waitForTaskToken`.
    pub resource: String,
    /// The state's name.
    pub state: String,
    /// The task's input (after InputPath and Parameters, or Arguments).
    pub input: Value,
    /// Set for `.waitForTaskToken` resources: the token callbacks name.
    pub token: Option<String>,
    /// Idempotency key: the same for every redelivery of this attempt, different for each retry.
    pub idempotency_key: String,
    pub timeout_seconds: Option<u64>,
    pub heartbeat_seconds: Option<u64>,
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    Succeeded {
        output: Value,
    },
    Failed {
        error: String,
        cause: String,
    },
    TimedOut {
        error: String,
        cause: String,
    },
    Aborted {
        error: Option<String>,
        cause: Option<String>,
    },
}

/// What one `apply` produced: history events to append and effects to carry out, in order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Transition {
    pub events: Vec<HistoryEvent>,
    pub effects: Vec<Effect>,
}
