//! Task adapters: what carries out a Task state whose resource is neither a callback (`.waitForTaskToken`)
//! nor an activity. The writer commits each invocation to the outbox first and hands it to the adapter only
//! after that commit; after a crash the outbox is delivered again with the same idempotency key, so delivery
//! is at least once and an adapter that honours the key does the work once.

use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

/// One invocation, as an adapter receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// The execution's ARN.
    pub execution: String,
    /// The Task state's name.
    pub state: String,
    /// The resource ARN as written in the definition.
    pub resource: String,
    /// The effective input (after InputPath and Parameters, or Arguments).
    pub input: Value,
    /// (execution, state-entered event id, attempt): the same for every redelivery of this attempt,
    /// different for each retry.
    pub idempotency_key: String,
    /// The state's TimeoutSeconds, if it has one (the runtime enforces it; an adapter may bound its own
    /// work with it).
    pub timeout_seconds: Option<u64>,
}

/// The ASL error a task ended with: it drives the state's Retry and Catch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    pub error: String,
    pub cause: String,
}

/// What an invocation resolves to: the task's result, or its error.
pub type TaskFuture = Pin<Box<dyn Future<Output = Result<Value, TaskError>> + Send>>;

/// Carries out the Task resources it claims.
pub trait Adapter: Send + Sync {
    /// Whether this adapter runs `resource` (as written in the definition).
    fn handles(&self, resource: &str) -> bool;

    /// Starts one invocation. The same idempotency key may arrive again after a restart.
    fn invoke(&self, task: Task) -> TaskFuture;
}

/// Starts `task` on the first adapter that claims its resource; a resource none claims fails the task
/// with `States.TaskFailed`, so Retry and Catch apply as to any other failure.
pub(crate) fn start(adapters: &[std::sync::Arc<dyn Adapter>], task: Task) -> TaskFuture {
    match adapters.iter().find(|a| a.handles(&task.resource)) {
        Some(a) => a.invoke(task),
        None => {
            let cause = format!(
                "No adapter runs the resource '{}' on this server",
                task.resource
            );
            Box::pin(async move {
                Err(TaskError {
                    error: "States.TaskFailed".into(),
                    cause,
                })
            })
        }
    }
}
