//! EXPRESS executions, as StartSyncExecution runs them: in memory, at most once, nothing stored (AWS keeps
//! no history for them either), bounded by Express's five minutes. Task states run on the adapters
//! (Express machines cannot use callbacks or activities; the validator refuses them); timers are the
//! driver's, slept through on tokio.

use crate::definitions::Compiled;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use stepd_adapter::{Adapter, Task, TaskError};
use stepd_core::{Driver, Event, Execution, Identity, Invocation, Millis, Outcome, drive};
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
    let (answers, rx) = mpsc::unbounded_channel();
    let mut host = Express {
        execution: execution_arn.clone(),
        adapters,
        clock,
        deadline: start + LIMIT,
        answers,
        rx,
    };
    let outcome = match drive::drive(&mut driver, &mut host).await {
        drive::End::Finished(outcome) => outcome,
        drive::End::Broken(e) => Outcome::Failed {
            error: stepd_core::names::RUNTIME.into(),
            cause: e.to_string(),
        },
        // Nothing due and nothing running cannot last (every task answers, and the deadline is a timer of
        // the host's own), but if it did the deadline would be what ends it.
        drive::End::Stopped(PastDeadline) | drive::End::Stalled => Outcome::TimedOut {
            error: stepd_core::names::TIMEOUT.into(),
            cause: "The Express execution ran past its five minutes".into(),
        },
    };
    SyncOutcome {
        execution_arn,
        start,
        stop: clock(),
        outcome,
    }
}

/// The Express execution ran past `LIMIT`.
struct PastDeadline;

/// An Express execution's surroundings: tasks run on the adapters concurrently, their answers come back on
/// a channel, timers are slept through on tokio.
struct Express {
    execution: String,
    adapters: Arc<[Arc<dyn Adapter>]>,
    clock: fn() -> Millis,
    deadline: Millis,
    answers: mpsc::UnboundedSender<(u64, Result<Value, TaskError>)>,
    rx: mpsc::UnboundedReceiver<(u64, Result<Value, TaskError>)>,
}

impl drive::Host for Express {
    type Stop = PastDeadline;

    fn now(&mut self) -> Millis {
        (self.clock)()
    }

    async fn invoke(
        &mut self,
        _: &mut Driver,
        inv: Invocation,
        _: Millis,
    ) -> Result<(), PastDeadline> {
        let task = Task {
            execution: self.execution.clone(),
            state: inv.state,
            resource: inv.resource,
            input: inv.input,
            idempotency_key: inv.idempotency_key,
            timeout_seconds: inv.timeout_seconds,
        };
        let running = stepd_adapter::start(&self.adapters, task);
        let (answers, id) = (self.answers.clone(), inv.task);
        tokio::spawn(async move {
            let _ = answers.send((id, running.await));
        });
        Ok(())
    }

    async fn wait(
        &mut self,
        driver: &mut Driver,
        due: Option<Millis>,
    ) -> Result<bool, PastDeadline> {
        let wake = due.map_or(self.deadline, |d| d.min(self.deadline));
        let nap = Duration::from_millis(u64::try_from(wake - (self.clock)()).unwrap_or(0));
        tokio::select! {
            () = tokio::time::sleep(nap) => {}
            Some((task, result)) = self.rx.recv() => driver.push(match result {
                Ok(output) => Event::TaskSucceeded { task, output },
                Err(e) => Event::TaskFailed { task, error: e.error, cause: e.cause },
            }),
        }
        if (self.clock)() >= self.deadline {
            return Err(PastDeadline);
        }
        Ok(true)
    }
}
