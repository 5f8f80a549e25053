//! Turning one applied event into writes: the journal entry, the history events, and the effects made
//! durable (tokens, timers, outbox entries, the final record) in the group's batch, with what must happen
//! after the commit (adapter dispatch, activity offers) queued beside it.

use crate::records::{self, OutboxEntry, TokenTarget};
use crate::writer::{After, Writer};
use stepd_core::{Effect, Event, Millis, Outcome};
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
            Ok(Err(_)) => return,
            Err(panic) => {
                let why = crate::quarantine::panic_message(&*panic);
                self.poison(arn, format!("the interpreter failed: {why}"));
                return;
            }
        };
        batch.put(
            Table::Journal,
            records::seq_key(arn, live.parked.journal_seq),
            records::to_bytes(&journal),
        );
        live.parked.journal_seq += 1;
        if self.changes.receiver_count() > 0 {
            self.changed.push(arn.to_string());
        }
        // The history is not stored: it is derived from the journal when read (see `Runtime::history`).
        let mut finished = None;
        let mut earliest = self.earliest;
        // Job-layer tasks are filed once the execution is no longer borrowed.
        let mut queued_jobs = Vec::new();
        let mut started_runs = 0u32;
        for effect in t.effects {
            match effect {
                Effect::InvokeTask(inv) => match inv.token {
                    Some(token) => {
                        let activity =
                            stepd_core::is_activity(&inv.resource).then(|| inv.resource.clone());
                        if let Some(a) = &activity {
                            batch.put(Table::ActivityTasks, records::name_key(&token), Vec::new());
                            after.push(After::Activity {
                                activity: a.clone(),
                                token: token.clone(),
                                input: inv.input.clone(),
                            });
                        }
                        let target = TokenTarget {
                            execution: records::short(arn).to_string(),
                            task: inv.task,
                            input: activity.as_ref().map(|_| inv.input.clone()),
                            activity,
                            timed_out: false,
                        };
                        batch.put(
                            Table::Tokens,
                            records::name_key(&token),
                            records::to_bytes(&target),
                        );
                        if inv.resource == crate::jobs::QUEUE_RESOURCE {
                            queued_jobs.push((inv.task, token.clone(), inv.input));
                        }
                        live.parked.tokens.insert(inv.task, token);
                    }
                    None => {
                        if inv.resource == crate::jobs::START_RESOURCE {
                            started_runs += 1;
                        }
                        let entry = OutboxEntry {
                            resource: inv.resource,
                            state: inv.state,
                            input: inv.input,
                            idempotency_key: inv.idempotency_key,
                            timeout_seconds: inv.timeout_seconds,
                        };
                        batch.put(
                            Table::Outbox,
                            records::seq_key(arn, inv.task),
                            records::to_bytes(&entry),
                        );
                        live.parked.tasks.insert(inv.task);
                        after.push(After::Dispatch {
                            execution: arn.to_string(),
                            task: inv.task,
                            entry,
                        });
                    }
                },
                Effect::ArmTimer { timer, due } => {
                    batch.put(
                        Table::Timers,
                        records::timer_key(due, arn, timer),
                        Vec::new(),
                    );
                    live.parked.timers.insert(timer, due);
                    earliest = Some(earliest.map_or(due, |e: Millis| e.min(due)));
                }
                Effect::CancelTimer { timer } => {
                    if let Some(due) = live.parked.timers.remove(&timer) {
                        batch.delete(Table::Timers, records::timer_key(due, arn, timer));
                    }
                }
                Effect::CancelTask { task } => {
                    // The task timed out (or its branch was cancelled): its token now answers
                    // TaskTimedOut until the execution ends; an adapter's late answer is ignored.
                    if let Some(token) = live.parked.tokens.remove(&task) {
                        let target = TokenTarget {
                            execution: records::short(arn).to_string(),
                            task,
                            activity: None,
                            input: None,
                            timed_out: true,
                        };
                        batch.put(
                            Table::Tokens,
                            records::name_key(&token),
                            records::to_bytes(&target),
                        );
                        batch.delete(Table::ActivityTasks, records::name_key(&token));
                        live.parked.expired.push(token);
                    } else if live.parked.tasks.remove(&task) {
                        let key = records::seq_key(arn, task);
                        if let Some(entry) = outbox_entry(&*self.store, batch, &key) {
                            after.push(After::Cancel {
                                resource: entry.resource,
                                idempotency_key: entry.idempotency_key,
                            });
                        }
                        batch.delete(Table::Outbox, key);
                    }
                }
                Effect::Finish(outcome) => finished = Some(outcome),
            }
        }
        if finished.is_none() {
            batch.put(
                Table::Running,
                records::running_key(&live.record.state_machine_arn, arn),
                records::to_bytes(&live.parked),
            );
        }
        self.earliest = earliest;
        if started_runs > 0 {
            self.job_run_attempted(arn, started_runs, batch);
        }
        for queued in queued_jobs {
            self.enqueue_job(arn, queued, now, batch, after);
        }
        if let Some(outcome) = finished {
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
        batch.put(
            Table::Executions,
            records::exec_key(arn),
            records::to_bytes(&record),
        );
        batch.delete(Table::Running, records::running_key(&machine, arn));
        batch.put(Table::Finished, records::timer_key(now, arn, 0), Vec::new());
        for token in parked.tokens.values().chain(&parked.expired) {
            batch.delete(Table::Tokens, records::name_key(token));
            batch.delete(Table::ActivityTasks, records::name_key(token));
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
