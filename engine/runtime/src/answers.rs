//! What comes back to the writer from the runtime's own tasks: a due timer (from the timer sleeper) and an
//! adapter's answer (from `dispatch`). Either is ignored when no longer waited for, and a store failure
//! while loading its execution leaves its row in place (the next start delivers it again), logged.

use crate::records;
use crate::requests::TaskDone;
use crate::writer::{After, Writer};
use stepd_core::{Event, Millis};
use stepd_store::{Batch, Table};

impl Writer {
    /// A timer is due: fire it if the execution still has it armed.
    pub(crate) fn timer_fired(
        &mut self,
        execution: &str,
        timer: u64,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) {
        // A store failure here leaves the timer in its table: the next start fires it.
        if self.loaded(execution, "a timer")
            && let Some(live) = self.live.get_mut(execution)
            && let Some(due) = live.parked.timers.remove(&timer)
        {
            batch.delete(Table::Timers, records::timer_key(due, execution, timer));
            self.apply(execution, Event::TimerFired { timer }, now, batch, after);
        }
    }

    /// An adapter answered a task: apply it if the task is still waited for.
    pub(crate) fn task_done(
        &mut self,
        done: TaskDone,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) {
        let TaskDone {
            execution,
            task,
            resource,
            result,
        } = done;
        // A store failure here leaves the outbox entry: the next start delivers the task again.
        if self.loaded(&execution, "a task's answer")
            && let Some(live) = self.live.get_mut(&execution)
            && live.parked.tasks.remove(&task)
        {
            batch.delete(Table::Outbox, records::seq_key(&execution, task));
            self.job_task_done(&execution, &resource, &result, now, batch);
            let event = match result {
                Ok(output) => Event::TaskSucceeded { task, output },
                Err(e) => Event::TaskFailed {
                    task,
                    error: e.error,
                    cause: e.cause,
                },
            };
            self.apply(&execution, event, now, batch, after);
        }
    }

    /// Loads an execution for an internal request; a store failure is logged (`what` says what waits).
    fn loaded(&mut self, execution: &str, what: &str) -> bool {
        match self.load(execution) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(execution, error = %e, "{what} waits: the execution could not be loaded");
                false
            }
        }
    }
}
