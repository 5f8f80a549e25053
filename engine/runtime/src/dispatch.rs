//! Handing committed task invocations to adapters, and their answers back to the writer.

use crate::records::OutboxEntry;
use crate::writer::Request;
use std::sync::Arc;
use stepd_adapter::{Adapter, Task};
use tokio::sync::mpsc;

/// Starts one invocation on the adapter that claims its resource (called only after the outbox entry is
/// durable); its result comes back to the writer as `TaskDone`. A resource no adapter claims fails the
/// task with `States.TaskFailed`, through the same path, so Retry and Catch apply.
pub(crate) fn dispatch(
    adapters: &[Arc<dyn Adapter>],
    requests: &mpsc::UnboundedSender<Request>,
    execution: String,
    task: u64,
    entry: OutboxEntry,
) {
    let job = Task {
        execution: execution.clone(),
        state: entry.state,
        resource: entry.resource,
        input: entry.input,
        idempotency_key: entry.idempotency_key,
        timeout_seconds: entry.timeout_seconds,
    };
    let resource = job.resource.clone();
    let running = stepd_adapter::start(adapters, job);
    let requests = requests.clone();
    tokio::spawn(async move {
        let result = running.await.and_then(|output| {
            // An adapter's answer is journaled as it is: one that no payload may be ends the task with
            // AWS's error instead of entering the execution.
            match stepd_asl::limits::measure(&output).problem() {
                None => Ok(output),
                Some(why) => Err(crate::TaskError {
                    error: stepd_core::names::DATA_LIMIT.into(),
                    cause: format!("The task returned a result that cannot be passed on: {why}."),
                }),
            }
        });
        let _ = requests.send(Request::TaskDone(crate::requests::TaskDone {
            execution,
            task,
            resource,
            result,
        }));
    });
}

/// Cancels a job's run on its cluster through the cluster adapter (after the commit that ended its
/// execution); a failure is logged, as nobody waits for the answer.
pub(crate) fn cancel_run(adapters: &[Arc<dyn Adapter>], job: String, cluster: String, run: String) {
    let task = Task {
        execution: String::new(),
        state: String::new(),
        resource: crate::jobs::CANCEL_RESOURCE.to_string(),
        input: serde_json::json!({ "cluster": cluster, "jobId": run }),
        idempotency_key: format!("cancel-{job}"),
        timeout_seconds: Some(60),
    };
    let running = stepd_adapter::start(adapters, task);
    tokio::spawn(async move {
        match running.await {
            Ok(_) => tracing::info!(job = %job, cluster = %cluster, "job's run cancelled"),
            Err(e) => {
                tracing::warn!(job = %job, cluster = %cluster, error = %e.error, cause = %e.cause, "job's run could not be cancelled")
            }
        }
    });
}
