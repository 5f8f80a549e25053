//! stepd-adapter: the seam between the runtime and what carries out Task states. The runtime depends on
//! this crate only, never on a concrete adapter or cluster; the `stepd` binary builds the adapters from its
//! configuration and hands them to the runtime.
//!
//! Two traits live here. [`Adapter`] runs the Task resources it claims (the HTTP invoke resource, the
//! cluster resources). [`Cluster`] is one cluster a job can run on (the local process cluster, Slurm,
//! Spark, Kubernetes); [`ClusterTasks`] is the adapter that puts every configured cluster behind the
//! `arn:aws:states:::stepd:cluster.*` resources the Job Poller and the Job Scheduler name.
//!
//! The contract an adapter keeps: **submit or attach by idempotency key.** The runtime commits each
//! invocation before handing it over and delivers it again after a crash with the same key, so delivery is
//! at least once; an adapter that finds work already started under the key returns that work instead of
//! starting it twice.

mod cluster;
mod tasks;

pub use cluster::{
    Capacity, Cluster, ClusterError, ClusterFuture, JobSpec, JobState, JobStatus, LogChunk,
    LogStream, Resources,
};
pub use tasks::{CLUSTER_PREFIX, ClusterTasks};

use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

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

/// The ASL error a task ended with: it drives the state's Retry and Catch. It is the engine's own
/// `Failure` (error name and cause); `names` spells the `States.*` errors.
pub use stepd_core::{Failure as TaskError, names};

/// What an invocation resolves to: the task's result, or its error.
pub type TaskFuture = Pin<Box<dyn Future<Output = Result<Value, TaskError>> + Send>>;

/// Carries out the Task resources it claims.
pub trait Adapter: Send + Sync {
    /// Whether this adapter runs `resource` (as written in the definition).
    fn handles(&self, resource: &str) -> bool;

    /// Starts one invocation. The same idempotency key may arrive again after a restart: submit or
    /// attach, never start the same work twice.
    fn invoke(&self, task: Task) -> TaskFuture;

    /// The runtime no longer waits for the invocation made under `idempotency_key` (its execution was
    /// stopped, or the task timed out): stop the work if it can be stopped. Called at most once per
    /// invocation, after the commit that gave it up; the invocation's future is dropped too.
    fn cancel(&self, resource: &str, idempotency_key: &str) {
        let _ = (resource, idempotency_key);
    }

    /// A short name for listings and warnings (`stepd validate`, upload diagnostics).
    fn describe(&self) -> String;
}

/// The adapters a runtime was given, in the order they are asked.
pub type Adapters = Arc<[Arc<dyn Adapter>]>;

/// The first adapter that claims `resource`.
pub fn find<'a>(adapters: &'a [Arc<dyn Adapter>], resource: &str) -> Option<&'a Arc<dyn Adapter>> {
    adapters.iter().find(|a| a.handles(resource))
}

/// Starts `task` on the first adapter that claims its resource; a resource none claims fails the task
/// with `States.TaskFailed`, so Retry and Catch apply as to any other failure.
pub fn start(adapters: &[Arc<dyn Adapter>], task: Task) -> TaskFuture {
    match find(adapters, &task.resource) {
        Some(a) => a.invoke(task),
        None => {
            let cause = format!(
                "No adapter runs the resource '{}' on this server",
                task.resource
            );
            Box::pin(async move { Err(TaskError::new(names::TASK_FAILED, cause)) })
        }
    }
}
