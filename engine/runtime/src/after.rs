//! What the writer does once a group's batch is durable (`After`): answer callers, dispatch adapter tasks,
//! offer activity tasks, fail refused callback tokens, and tell adapters and clusters what is no longer waited
//! for. Nothing here runs before the commit, so nothing is announced that could still be lost.

use crate::records::OutboxEntry;
use crate::requests::{Answer, Request};
use crate::writer::Writer;
use serde_json::Value;
use stepd_adapter::TaskError;
use tokio::sync::oneshot;

/// Answers a caller once the group's batch is durable (a caller that has gone away is fine).
pub(crate) fn reply_after<T: Send + 'static>(
    after: &mut Vec<After>,
    reply: oneshot::Sender<T>,
    result: T,
) {
    after.push(After::Reply(Box::new(move || drop(reply.send(result)))));
}

/// What to do once a batch is durable.
pub(crate) enum After {
    Activity {
        activity: String,
        token: String,
        input: Value,
    },
    Reply(Box<dyn FnOnce() + Send>),
    Dispatch {
        execution: String,
        task: u64,
        entry: OutboxEntry,
    },
    /// Tell an adapter an invocation is no longer waited for (its execution ended or its task timed out).
    Cancel {
        resource: String,
        idempotency_key: String,
    },
    /// Fail a callback task whose token this batch parked (a job refused when queued).
    FailToken {
        token: String,
        error: TaskError,
    },
    /// Cancel a job's run on its cluster (its execution ended while the run may still go on).
    CancelRun {
        job: String,
        cluster: String,
        run: String,
    },
}

impl Writer {
    /// Carries out one follow-up of a committed batch.
    pub(crate) fn carry_out(&mut self, a: After) {
        match a {
            After::Reply(f) => f(),
            After::Dispatch {
                execution,
                task,
                entry,
            } => crate::dispatch::dispatch(&self.adapters, &self.requests, execution, task, entry),
            After::FailToken { token, error } => {
                let (reply, _) = oneshot::channel();
                let answer = Answer::Failure {
                    error: error.error,
                    cause: error.cause,
                };
                let _ = self.requests.send(Request::Callback {
                    token,
                    answer,
                    reply,
                });
            }
            After::Cancel {
                resource,
                idempotency_key,
            } => {
                if let Some(a) = stepd_adapter::find(&self.adapters, &resource) {
                    a.cancel(&resource, &idempotency_key);
                }
            }
            After::CancelRun { job, cluster, run } => {
                crate::dispatch::cancel_run(&self.adapters, job, cluster, run);
            }
            After::Activity {
                activity,
                token,
                input,
            } => {
                self.activities
                    .entry(activity)
                    .or_default()
                    .offer((token, input));
            }
        }
    }
}
