//! Applying one event to an execution: the interpreter's transition, its writes (worked out by the pure
//! `persist`) added to the group's batch with what must happen after the commit (adapter dispatch,
//! activity offers), the job layer's bookkeeping, and an execution's end (its final record).

use crate::records::{self, OutboxEntry};
use crate::writer::{After, Writer};
use stepd_core::{Event, Millis, Outcome};
use stepd_store::{Batch, Table};

impl Writer {
    /// Applies one event to an execution in memory (`load` it first), journals it, and turns the
    /// transition into writes and after-commit actions.
    pub(crate) fn apply(
        &mut self,
        arn: &str,
        event: Event,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) {
        let Some(live) = self.live.get_mut(arn) else {
            return;
        };
        let journal = records::JournalEntry {
            at: now,
            // The start's input is in the record already.
            event: (!matches!(event, Event::Start { .. })).then(|| event.clone()),
        };
        // A panic in the interpreter is a bug, but it must cost one execution, not the server: that
        // execution is quarantined (failed, logged) and everything else goes on.
        let applied =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| live.exec.apply(event, now)));
        let t = match applied {
            Ok(Ok(t)) => t,
            // A late answer for a task or timer given up meanwhile: nothing to do.
            Ok(Err(
                e @ (stepd_core::Error::UnknownTask(_) | stepd_core::Error::UnknownTimer(_)),
            )) => {
                tracing::debug!(execution = arn, error = %e, "a stale event is ignored");
                return;
            }
            Ok(Err(e)) => {
                tracing::warn!(execution = arn, error = %e, "the interpreter refused an event; it is ignored");
                return;
            }
            Err(panic) => {
                let why = crate::quarantine::panic_message(&*panic);
                self.poison(arn, format!("the interpreter failed: {why}"));
                return;
            }
        };
        // The history is not stored: it is derived from the journal when read (see `Runtime::history`).
        let machine = live.record.state_machine_arn.clone();
        let p = match crate::persist::persist(arn, &machine, &mut live.parked, &journal, t.effects)
        {
            Ok(p) => p,
            Err(e) => {
                self.poison(arn, format!("its writes could not be made: {e}"));
                return;
            }
        };
        if self.changes.receiver_count() > 0 {
            self.changed.push(arn.to_string());
        }
        for task in &p.abandoned {
            // The adapter is told its work is no longer wanted (a cluster job would go on otherwise).
            let key = records::seq_key(arn, *task);
            if let Some(entry) = outbox_entry(&*self.store, batch, &key) {
                after.push(After::Cancel {
                    resource: entry.resource,
                    idempotency_key: entry.idempotency_key,
                });
            }
        }
        batch.extend(p.batch);
        after.extend(p.after);
        if let Some(due) = p.earliest {
            self.earliest = Some(self.earliest.map_or(due, |e| e.min(due)));
        }
        if p.started_runs > 0 {
            self.job_run_attempted(arn, p.started_runs, batch);
        }
        for queued in p.queued_jobs {
            self.enqueue_job(arn, queued, now, batch, after);
        }
        if let Some(outcome) = p.finished {
            self.finish(arn, outcome, now, batch, after);
        }
    }

    fn finish(
        &mut self,
        arn: &str,
        outcome: Outcome,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) {
        let Some(live) = self.live.remove(arn) else {
            return;
        };
        self.job_closed(arn, &outcome, now, batch, after);
        self.close(arn, live.record, &live.parked, outcome, now, batch, after);
    }

    /// Writes an execution's end: its final record, and the removal of everything kept while it ran.
    // The batch and the after-commit actions travel together here; the writer's split into parts gives
    // them one type.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn close(
        &mut self,
        arn: &str,
        mut record: records::ExecutionRecord,
        parked: &records::Parked,
        outcome: Outcome,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) {
        self.ended.insert(arn.to_string());
        record.stop = Some(now);
        record.outcome = Some(outcome);
        let machine = record.state_machine_arn.clone();
        records::put(batch, Table::Executions, records::exec_key(arn), &record);
        batch.delete(Table::Running, records::running_key(&machine, arn));
        batch.put(Table::Finished, records::timer_key(now, arn, 0), Vec::new());
        for token in parked.tokens.values().chain(&parked.expired) {
            batch.delete(Table::Tokens, records::str_key(token));
            batch.delete(Table::ActivityTasks, records::str_key(token));
        }
        for (timer, due) in &parked.timers {
            batch.delete(Table::Timers, records::timer_key(*due, arn, *timer));
        }
        for task in &parked.tasks {
            // The adapter is told its work is no longer wanted (a cluster job would go on otherwise).
            let key = records::seq_key(arn, *task);
            if let Some(entry) = outbox_entry(&*self.store, batch, &key) {
                after.push(After::Cancel {
                    resource: entry.resource,
                    idempotency_key: entry.idempotency_key,
                });
            }
            batch.delete(Table::Outbox, key);
        }
        self.forget_machine_if_idle(&machine, batch);
    }
}

/// An outbox entry as stored, or as written earlier in this group (the batch is read only then: it can be
/// long); an unreadable one is logged and skipped, as the task is given up either way.
fn outbox_entry(store: &dyn stepd_store::Store, batch: &Batch, key: &[u8]) -> Option<OutboxEntry> {
    let bytes = match store.get(Table::Outbox, key) {
        Ok(Some(stored)) => stored,
        Ok(None) => batch.latest(Table::Outbox, key)??.to_vec(),
        Err(e) => {
            tracing::warn!(error = %e, "an abandoned task's outbox entry could not be read; its adapter is not told");
            return None;
        }
    };
    records::from_bytes(&bytes).ok()
}
