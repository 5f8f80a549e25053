//! The single writer: it applies requests to executions and commits the resulting writes of many requests in
//! one batch (group commit: one fsync for all), answering callers only after that commit. Adapter tasks,
//! activity offers and timer wake-ups start after the commit too.
//!
//! Executions it touched recently stay in memory (`live`, a bounded cache); any other running execution is
//! parked on disk and rebuilt from its journal when a request names it (see `executions`).

use crate::Error;
use crate::records::{
    self, ActivityRecord, ExecutionRecord, OutboxEntry, Parked, StateMachineRecord,
};
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use stepd_adapter::{Adapter, TaskError};
use stepd_core::{Event, Execution, Millis};
use stepd_store::{Batch, Store, Table};
use tokio::sync::{mpsc, oneshot};

/// Most requests one commit groups.
pub(crate) const MAX_GROUP: usize = 1024;

pub(crate) use crate::requests::{AliasOp, Answer, Request};

/// An execution held in memory, with what is stored beside it.
pub(crate) struct Live {
    pub exec: Execution,
    pub record: ExecutionRecord,
    pub parked: Parked,
    /// When a request last used it (the cache forgets the least recently used first).
    pub touched: u64,
}

/// Activity tasks waiting for workers, and workers waiting for tasks.
#[derive(Default)]
pub(crate) struct Queue {
    pub pending: VecDeque<(String, Value)>,
    pub waiters: VecDeque<oneshot::Sender<(String, Value)>>,
}

impl Queue {
    /// Hands a task to the first worker still waiting, else keeps it.
    fn offer(&mut self, mut task: (String, Value)) {
        while let Some(w) = self.waiters.pop_front() {
            match w.send(task) {
                Ok(()) => return,
                Err(back) => task = back,
            }
        }
        self.pending.push_back(task);
    }
}

pub(crate) struct Writer {
    pub store: Arc<dyn Store>,
    pub clock: fn() -> Millis,
    pub machines: HashMap<String, StateMachineRecord>,
    /// The EXPRESS machines' ARNs, shared with the `Runtime` handle (their executions never reach the
    /// writer, and StartExecution should not read the store to find that out).
    pub express: Arc<std::sync::RwLock<HashSet<String>>>,
    /// Parsed definitions by id, a bounded cache shared with the `Runtime` handle.
    pub definitions: crate::definitions::Definitions,
    /// Executions in memory (a cache: every running execution can be rebuilt from the store).
    pub live: HashMap<String, Live>,
    /// How many executions `live` keeps after a commit.
    pub cache: usize,
    /// The use counter behind `Live::touched`.
    pub uses: u64,
    /// Executions that finished in the group being built (their final record is not committed yet).
    pub ended: HashSet<String>,
    pub activities: HashMap<String, Queue>,
    pub adapters: Arc<[Arc<dyn Adapter>]>,
    /// Milliseconds finished executions are kept.
    pub retention: Millis,
    pub requests: mpsc::UnboundedSender<Request>,
    /// Tells the timer sleeper the earliest timer a commit armed.
    pub timers: mpsc::UnboundedSender<Millis>,
    /// The earliest timer armed by the group being built.
    pub earliest: Option<Millis>,
    /// Executions that cannot go on, to be failed in the group being built (see `quarantine.rs`).
    pub poisoned: Vec<crate::quarantine::Poisoned>,
    /// Executions the group being built changed (announced on `changes` after the commit).
    pub changed: Vec<String>,
    /// Announces each committed change's execution ARN (SSE streams listen).
    pub changes: tokio::sync::broadcast::Sender<String>,
    pub arns: records::Arns,
    pub seeds: u64,
    /// Set to the cause when a commit fails (the `Runtime` handle answers with it from then on).
    pub halted: Arc<std::sync::OnceLock<String>>,
    /// The jobs not yet ended, and the ticks of the Job Scheduler.
    pub jobs: crate::jobs::Index,
    pub jobs_config: crate::jobs::JobsConfig,
    /// Schedules by name, and where the schedule sleeper learns the earliest due time.
    pub schedules: std::collections::BTreeMap<String, crate::schedules::Kept>,
    pub schedule_wake: tokio::sync::watch::Sender<Option<Millis>>,
}

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
    /// Runs until every sender is gone or a commit fails (see `halt`). The runtime's own requests (task
    /// answers, timers, sweeps) go first: they finish work already accepted, and are bounded by it.
    pub(crate) async fn run(
        mut self,
        mut own: mpsc::UnboundedReceiver<Request>,
        mut clients: mpsc::Receiver<Request>,
    ) {
        loop {
            let first = tokio::select! {
                biased;
                Some(r) = own.recv() => r,
                Some(r) = clients.recv() => r,
                else => return,
            };
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match own.try_recv() {
                    Ok(r) => group.push(r),
                    Err(_) => break,
                }
            }
            while group.len() < MAX_GROUP {
                match clients.try_recv() {
                    Ok(r) => group.push(r),
                    Err(_) => break,
                }
            }
            let now = (self.clock)();
            let mut batch = Batch::new();
            let mut after = Vec::new();
            for request in group {
                self.handle(request, now, &mut batch, &mut after);
            }
            self.maybe_tick(now, &mut batch, &mut after);
            self.quarantine(now, &mut batch, &mut after);
            let store = Arc::clone(&self.store);
            let committed = if batch.is_empty() {
                Ok(())
            } else {
                tokio::task::spawn_blocking(move || store.commit(&batch))
                    .await
                    .unwrap_or_else(|e| Err(stepd_store::Error::Io(e.to_string())))
            };
            if let Err(e) = committed {
                // The in-memory state ran ahead of the store: stop, so a restart recovers from what is
                // durable. The cause is set before the group's replies (in `after`) and the queued
                // requests are dropped, so every caller, now and later, is answered `Unavailable` with it.
                // Stopping is not exiting: reads, which do not pass through the writer, go on.
                self.halt(&e);
                return;
            }
            self.ended.clear();
            let next = self.next_schedule();
            self.schedule_wake.send_if_modified(|due| {
                let changed = *due != next;
                *due = next;
                changed
            });
            for arn in self.changed.drain(..) {
                // Nobody listening is fine.
                let _ = self.changes.send(arn);
            }
            if let Some(due) = self.earliest.take() {
                let _ = self.timers.send(due);
            }
            for a in after {
                match a {
                    After::Reply(f) => f(),
                    After::Dispatch {
                        execution,
                        task,
                        entry,
                    } => crate::dispatch::dispatch(
                        &self.adapters,
                        &self.requests,
                        execution,
                        task,
                        entry,
                    ),
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
            self.evict();
        }
    }

    /// Records why the writer stops and says so once on stderr (an operator must learn of it without a
    /// client having to report it; resuming without a restart is the operations issue's).
    fn halt(&self, e: &stepd_store::Error) {
        let _ = self.halted.set(e.to_string());
        eprintln!(
            "stepd: a commit failed, so writes are refused from now on until a restart (reads go on): {e}"
        );
    }

    fn handle(&mut self, request: Request, now: Millis, batch: &mut Batch, after: &mut Vec<After>) {
        match request {
            Request::Register {
                mut spec,
                def,
                id,
                reply,
            } => {
                let publish = spec.publish.take();
                let result = self.register(spec, def, id, now, batch).and_then(|arn| {
                    let version = match publish {
                        Some(d) => Some(self.publish(&arn, None, d, now, batch)?.arn),
                        None => None,
                    };
                    Ok((arn, version))
                });
                reply_after(after, reply, result);
            }
            Request::Update {
                arn,
                definition,
                role_arn,
                publish,
                reply,
            } => {
                let result = self.update(&arn, definition, role_arn, publish, now, batch);
                reply_after(after, reply, result);
            }
            Request::Publish {
                arn,
                revision,
                description,
                reply,
            } => {
                let result = self.publish(&arn, revision.as_deref(), description, now, batch);
                reply_after(after, reply, result);
            }
            Request::Alias(op) => self.alias(op, now, batch, after),
            Request::DeleteVersion { arn, reply } => {
                let result = self.delete_version(&arn, batch);
                reply_after(after, reply, result);
            }
            Request::Start {
                state_machine,
                name,
                input,
                reply,
            } => {
                let result = self.start(&state_machine, &name, input, now, batch, after);
                reply_after(after, reply, result);
            }
            Request::Callback {
                token,
                answer,
                reply,
            } => {
                let result = self.callback(&token, answer, now, batch, after);
                reply_after(after, reply, result);
            }
            Request::Stop {
                execution,
                error,
                cause,
                reply,
            } => {
                let result = self.stop(&execution, error, cause, now, batch, after);
                reply_after(after, reply, result);
            }
            Request::Redrive {
                execution,
                client_token,
                reply,
            } => {
                let token = client_token.as_deref();
                let result = self.redrive(&execution, token, now, batch, after);
                reply_after(after, reply, result);
            }
            Request::Timer { execution, timer } => {
                // A store failure here leaves the timer in its table: the next start fires it.
                if self.loaded(&execution, "a timer")
                    && let Some(live) = self.live.get_mut(&execution)
                    && let Some(due) = live.parked.timers.remove(&timer)
                {
                    batch.delete(Table::Timers, records::timer_key(due, &execution, timer));
                    self.apply(&execution, Event::TimerFired { timer }, now, batch, after);
                }
            }
            Request::TaskDone {
                execution,
                task,
                resource,
                result,
            } => {
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
            Request::Sweep => self.sweep(now, batch),
            Request::Place { input, reply } => {
                let result = self.place_jobs(&input, now, batch, after);
                reply_after(after, reply, result);
            }
            Request::PutSchedule {
                spec,
                parsed,
                replace,
                reply,
            } => {
                let result = self.put_schedule(spec, parsed, replace, now, batch);
                reply_after(after, reply, result);
            }
            Request::DeleteSchedule { name, reply } => {
                let result = self.delete_schedule(&name, batch);
                reply_after(after, reply, result);
            }
            Request::FireSchedules => self.fire_schedules(now, batch, after),
            Request::Retag {
                arn,
                add,
                remove,
                reply,
            } => {
                let result = self.retag(&arn, add, &remove, batch);
                reply_after(after, reply, result);
            }
            Request::CreateActivity { name, tags, reply } => {
                let result = self.create_activity(name, tags, now, batch);
                reply_after(after, reply, result);
            }
            Request::DeleteMachine { arn, reply } => {
                let result = self.delete_machine(&arn, batch);
                reply_after(after, reply, result);
            }
            Request::DeleteActivity { arn, reply } => {
                batch.delete(Table::Activities, records::name_key(&arn));
                reply_after(after, reply, Ok(()));
            }
            Request::GetActivityTask { activity, reply } => {
                let queue = self.activities.entry(activity).or_default();
                // Delivery is not journaled: after a crash, tasks handed out but not answered are offered
                // again (at least once), as their tokens are still outstanding.
                match queue.pending.pop_front() {
                    Some(task) => {
                        if let Err(task) = reply.send(task) {
                            queue.pending.push_front(task);
                        }
                    }
                    None => queue.waiters.push_back(reply),
                }
            }
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

    fn alias(&mut self, op: AliasOp, now: Millis, batch: &mut Batch, after: &mut Vec<After>) {
        match op {
            AliasOp::Create {
                machine,
                name,
                description,
                routing,
                reply,
            } => {
                let r = self.create_alias(&machine, &name, description, &routing, now, batch);
                reply_after(after, reply, r);
            }
            AliasOp::Update {
                arn,
                description,
                routing,
                reply,
            } => {
                let r = self.update_alias(&arn, description, routing.as_deref(), now, batch);
                reply_after(after, reply, r);
            }
            AliasOp::Delete { arn, reply } => {
                let r = self.delete_alias(&arn, batch);
                reply_after(after, reply, r);
            }
        }
    }

    fn create_activity(
        &mut self,
        name: String,
        tags: crate::Tags,
        now: Millis,
        batch: &mut Batch,
    ) -> Result<String, Error> {
        if !records::valid_name(&name) {
            return Err(Error::InvalidName(name));
        }
        let arn = self.arns.activity(&name);
        // Creating an existing activity again answers it unchanged (AWS is idempotent here).
        let key = records::name_key(&arn);
        let exists = match batch.latest(Table::Activities, &key) {
            Some(pending) => pending.is_some(),
            None => self.store.get(Table::Activities, &key)?.is_some(),
        };
        if !exists {
            let record = ActivityRecord {
                arn: arn.clone(),
                name,
                created: now,
                tags,
            };
            batch.put(Table::Activities, key, records::to_bytes(&record)?);
            self.activities.entry(arn.clone()).or_default();
        }
        Ok(arn)
    }

    fn register(
        &mut self,
        spec: crate::MachineSpec,
        def: stepd_asl::model::Definition,
        definition_id: String,
        now: Millis,
        batch: &mut Batch,
    ) -> Result<String, Error> {
        let crate::MachineSpec {
            name,
            definition,
            role_arn,
            tags,
            express,
            ..
        } = spec;
        let arn = self.arns.state_machine(&name);
        // As in AWS, creating again with the same definition answers the existing machine; a different one
        // under the same name is refused (running executions replay against the stored definition).
        if let Some(existing) = self.machines.get(&arn) {
            return if existing.deleting {
                Err(Error::StateMachineDeleting(arn))
            } else if existing.definition_id == definition_id && existing.express == express {
                Ok(arn)
            } else {
                Err(Error::StateMachineAlreadyExists(arn))
            };
        }
        self.keep_definition(&definition, &definition_id, def, batch);
        let record = StateMachineRecord {
            arn: arn.clone(),
            name,
            definition_id,
            created: now,
            deleting: false,
            express,
            role_arn,
            updated: None,
            last_version: 0,
            aliases: Default::default(),
            tags,
        };
        batch.put(
            Table::StateMachines,
            records::name_key(&arn),
            records::to_bytes(&record)?,
        );
        if express && let Ok(mut set) = self.express.write() {
            set.insert(arn.clone());
        }
        self.machines.insert(arn.clone(), record);
        Ok(arn)
    }
}
