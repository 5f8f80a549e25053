//! EXPRESS executions, as StartSyncExecution runs them: in memory, at most once, nothing stored (AWS keeps
//! no history for them either), bounded by Express's five minutes. Task states run on the adapters
//! (Express machines cannot use callbacks or activities; the validator refuses them); timers are the
//! driver's, slept through on tokio.

use crate::definitions::Compiled;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use stepd_adapter::{Adapter, Task, TaskError};
use stepd_core::{Driver, Event, Execution, Identity, Millis, Outcome};
use tokio::sync::mpsc;

/// Express executions end after five minutes (`States.Timeout`, status TIMED_OUT).
const LIMIT: Millis = 5 * 60 * 1000;

/// How a synchronous execution ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncOutcome {
    pub execution_arn: String,
    pub start: Millis,
    pub stop: Millis,
    pub outcome: Outcome,
}

/// Runs one execution to its end.
pub(crate) async fn run(
    compiled: &Compiled,
    identity: Identity,
    seed: u64,
    input: Value,
    adapters: Arc<[Arc<dyn Adapter>]>,
    clock: fn() -> Millis,
) -> SyncOutcome {
    let start = identity.start_time;
    let execution_arn = identity.execution_arn.clone();
    let (def, exprs) = compiled;
    let mut driver = Driver::new(
        Execution::new(Arc::clone(def), Arc::clone(exprs), identity, seed)
            .with_token_key(crate::records::TokenSecret::fresh().0),
    );
    driver.push(Event::Start { input });
    let (tx, mut rx) = mpsc::unbounded_channel::<(u64, Result<Value, TaskError>)>();
    loop {
        let now = clock();
        let invocations = match driver.run(now) {
            Ok(i) => i,
            Err(e) => {
                let outcome = Outcome::Failed {
                    error: "States.Runtime".into(),
                    cause: e.to_string(),
                };
                return SyncOutcome {
                    execution_arn,
                    start,
                    stop: now,
                    outcome,
                };
            }
        };
        if let Some(outcome) = driver.outcome() {
            return SyncOutcome {
                execution_arn,
                start,
                stop: now,
                outcome: outcome.clone(),
            };
        }
        for inv in invocations {
            let task = Task {
                execution: execution_arn.clone(),
                state: inv.state,
                resource: inv.resource,
                input: inv.input,
                idempotency_key: inv.idempotency_key,
                timeout_seconds: inv.timeout_seconds,
            };
            let running = stepd_adapter::start(&adapters, task);
            let tx = tx.clone();
            let id = inv.task;
            tokio::spawn(async move {
                let _ = tx.send((id, running.await));
            });
        }
        let deadline = start + LIMIT;
        let wake = driver.next_due().map_or(deadline, |d| d.min(deadline));
        let nap = Duration::from_millis(u64::try_from(wake - clock()).unwrap_or(0));
        tokio::select! {
            () = tokio::time::sleep(nap) => {}
            Some((task, result)) = rx.recv() => driver.push(match result {
                Ok(output) => Event::TaskSucceeded { task, output },
                Err(e) => Event::TaskFailed { task, error: e.error, cause: e.cause },
            }),
        }
        if clock() >= deadline {
            let outcome = Outcome::TimedOut {
                error: "States.Timeout".into(),
                cause: "The Express execution ran past its five minutes".into(),
            };
            return SyncOutcome {
                execution_arn,
                start,
                stop: clock(),
                outcome,
            };
        }
    }
}
