//! The single writer: it owns every live execution, applies requests to them, and commits the resulting
//! writes of many requests in one batch (group commit: one fsync for all), answering callers only after
//! that commit. Timers and follow-ups are started after the commit too.

use crate::Error;
use crate::records::{
    self, ActivityRecord, ExecutionRecord, JournalEntry, StateMachineRecord, TokenTarget,
};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use stepd_asl::model::Definition;
use stepd_core::{Effect, Event, Execution, Exprs, Identity, Millis, Outcome};
use stepd_store::{Batch, Store, Table};
use tokio::sync::{mpsc, oneshot};

/// Most requests one commit groups.
const MAX_GROUP: usize = 1024;

/// Something asked of the writer.
pub(crate) enum Request {
    Register {
        name: String,
        definition: String,
        tags: crate::Tags,
        reply: oneshot::Sender<Result<String, Error>>,
    },
    Start {
        state_machine: String,
        name: String,
        input: Value,
        reply: oneshot::Sender<Result<String, Error>>,
    },
    Callback {
        token: String,
        answer: Answer,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// TagResource / UntagResource (see `tags`).
    Retag {
        arn: String,
        add: crate::Tags,
        remove: Vec<String>,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// DeleteStateMachine (see `deletion`).
    DeleteMachine {
        arn: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// Registers an activity; answers its ARN.
    CreateActivity {
        name: String,
        tags: crate::Tags,
        reply: oneshot::Sender<Result<String, Error>>,
    },
    /// Deletes an activity's record (tasks already waiting for it stay until they time out, as in AWS).
    DeleteActivity {
        arn: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// A worker asks for an activity task; the reply waits until one is there (the caller bounds the wait).
    GetActivityTask {
        activity: String,
        reply: oneshot::Sender<(String, Value)>,
    },
    Stop {
        execution: String,
        error: Option<String>,
        cause: Option<String>,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// A timer is due (sent by the sleeper the writer started).
    Timer { execution: String, timer: u64 },
    /// Remove finished executions past retention (sent periodically).
    Sweep,
    /// A task with no adapter fails (sent after the commit that scheduled it).
    NoAdapter {
        execution: String,
        task: u64,
        resource: String,
    },
}

/// How a callback answers a task.
pub(crate) enum Answer {
    Success(Value),
    Failure { error: String, cause: String },
    Heartbeat,
}

/// A live execution and what the writer keeps beside it.
pub(crate) struct Live {
    pub exec: Execution,
    pub record: ExecutionRecord,
    pub journal_seq: u64,
    /// Task key → token, for tokens still outstanding.
    pub tokens: HashMap<u64, String>,
    /// Timer key → due time, for timers still armed.
    pub timers: HashMap<u64, Millis>,
    /// Tokens of tasks that timed out or were cancelled (they answer TaskTimedOut until the end).
    pub expired: Vec<String>,
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
    pub machines: HashMap<String, (StateMachineRecord, Arc<Definition>, Arc<Exprs>)>,
    pub live: HashMap<String, Live>,
    pub tokens: HashMap<String, TokenTarget>,
    pub activities: HashMap<String, Queue>,
    /// Milliseconds finished executions are kept.
    pub retention: Millis,
    pub requests: mpsc::UnboundedSender<Request>,
    pub account: String,
    pub region: String,
    pub seeds: u64,
}

/// What to do once a batch is durable.
enum After {
    Activity {
        activity: String,
        token: String,
        input: Value,
    },
    Reply(Box<dyn FnOnce() + Send>),
    Sleep {
        execution: String,
        timer: u64,
        due: Millis,
    },
    Send(Request),
}

impl Writer {
    /// Runs until every sender is gone or a commit fails.
    pub(crate) async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Request>) {
        while let Some(first) = rx.recv().await {
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match rx.try_recv() {
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
            let store = Arc::clone(&self.store);
            let committed = if batch.is_empty() {
                Ok(())
            } else {
                tokio::task::spawn_blocking(move || store.commit(&batch))
                    .await
                    .unwrap_or_else(|e| Err(stepd_store::Error::Io(e.to_string())))
            };
            if committed.is_err() {
                // The in-memory state ran ahead of the store: stop, so callers see failures and a restart
                // recovers from what is durable. Replies dropped here reach callers as `Closed`.
                return;
            }
            for a in after {
                match a {
                    After::Reply(f) => f(),
                    After::Sleep {
                        execution,
                        timer,
                        due,
                    } => {
                        let tx = self.requests.clone();
                        let wait = u64::try_from(due - (self.clock)()).unwrap_or(0);
                        tokio::spawn(async move {
                            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                            let _ = tx.send(Request::Timer { execution, timer });
                        });
                    }
                    After::Send(r) => {
                        let _ = self.requests.send(r);
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
    }

    fn handle(&mut self, request: Request, now: Millis, batch: &mut Batch, after: &mut Vec<After>) {
        match request {
            Request::Register {
                name,
                definition,
                tags,
                reply,
            } => {
                let result = self.register(name, definition, tags, now, batch);
                after.push(After::Reply(Box::new(move || drop(reply.send(result)))));
            }
            Request::Start {
                state_machine,
                name,
                input,
                reply,
            } => {
                let result = self.start(&state_machine, &name, input, now, batch, after);
                after.push(After::Reply(Box::new(move || drop(reply.send(result)))));
            }
            Request::Callback {
                token,
                answer,
                reply,
            } => {
                let result = self.callback(&token, answer, now, batch, after);
                after.push(After::Reply(Box::new(move || drop(reply.send(result)))));
            }
            Request::Stop {
                execution,
                error,
                cause,
                reply,
            } => {
                let result = if self.live.contains_key(&execution) {
                    self.apply(&execution, Event::Stop { error, cause }, now, batch, after);
                    Ok(())
                } else {
                    // Stopping an execution that already ended changes nothing.
                    match self
                        .store
                        .get(Table::Executions, &records::name_key(&execution))
                    {
                        Ok(Some(_)) => Ok(()),
                        Ok(None) => Err(Error::ExecutionDoesNotExist(execution)),
                        Err(e) => Err(Error::Store(e)),
                    }
                };
                after.push(After::Reply(Box::new(move || drop(reply.send(result)))));
            }
            Request::Timer { execution, timer } => {
                let due = self
                    .live
                    .get_mut(&execution)
                    .and_then(|l| l.timers.remove(&timer));
                if let Some(due) = due {
                    batch.delete(Table::Timers, records::timer_key(due, &execution, timer));
                    self.apply(&execution, Event::TimerFired { timer }, now, batch, after);
                }
            }
            Request::Sweep => self.sweep(now, batch),
            Request::Retag {
                arn,
                add,
                remove,
                reply,
            } => {
                let result = self.retag(&arn, add, &remove, batch);
                after.push(After::Reply(Box::new(move || drop(reply.send(result)))));
            }
            Request::CreateActivity { name, tags, reply } => {
                let arn = format!(
                    "arn:aws:states:{}:{}:activity:{name}",
                    self.region, self.account
                );
                // Creating an existing activity again answers it unchanged (AWS is idempotent here).
                let key = records::name_key(&arn);
                let exists = match batch.latest(Table::Activities, &key) {
                    Some(pending) => pending.is_some(),
                    None => matches!(self.store.get(Table::Activities, &key), Ok(Some(_))),
                };
                if exists {
                    after.push(After::Reply(Box::new(move || drop(reply.send(Ok(arn))))));
                    return;
                }
                let record = ActivityRecord {
                    arn: arn.clone(),
                    name,
                    created: now,
                    tags,
                };
                batch.put(
                    Table::Activities,
                    records::name_key(&arn),
                    records::to_bytes(&record),
                );
                self.activities.entry(arn.clone()).or_default();
                after.push(After::Reply(Box::new(move || drop(reply.send(Ok(arn))))));
            }
            Request::DeleteMachine { arn, reply } => {
                let result = self.delete_machine(&arn, batch);
                after.push(After::Reply(Box::new(move || drop(reply.send(result)))));
            }
            Request::DeleteActivity { arn, reply } => {
                batch.delete(Table::Activities, records::name_key(&arn));
                after.push(After::Reply(Box::new(move || drop(reply.send(Ok(()))))));
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
            Request::NoAdapter {
                execution,
                task,
                resource,
            } => {
                let cause = format!("No adapter runs the resource '{resource}' on this server");
                let event = Event::TaskFailed {
                    task,
                    error: "States.TaskFailed".into(),
                    cause,
                };
                self.apply(&execution, event, now, batch, after);
            }
        }
    }

    fn register(
        &mut self,
        name: String,
        definition: String,
        tags: crate::Tags,
        now: Millis,
        batch: &mut Batch,
    ) -> Result<String, Error> {
        let report = stepd_asl::validate(&definition, stepd_asl::Options::default());
        let Some(def) = report.definition else {
            return Err(Error::InvalidDefinition(
                stepd_asl::invalid_definition_message(&report.diagnostics),
            ));
        };
        let arn = format!(
            "arn:aws:states:{}:{}:stateMachine:{name}",
            self.region, self.account
        );
        // As in AWS, creating again with the same definition answers the existing machine; a different one
        // under the same name is refused (running executions replay against the stored definition).
        if let Some((existing, _, _)) = self.machines.get(&arn) {
            return if existing.deleting {
                Err(Error::StateMachineDeleting(arn))
            } else if existing.definition == definition {
                Ok(arn)
            } else {
                Err(Error::StateMachineAlreadyExists(arn))
            };
        }
        let record = StateMachineRecord {
            arn: arn.clone(),
            name,
            definition,
            created: now,
            deleting: false,
            tags,
        };
        batch.put(
            Table::StateMachines,
            records::name_key(&arn),
            records::to_bytes(&record),
        );
        self.machines.insert(
            arn.clone(),
            (record, Arc::new(def), Arc::new(Exprs::default())),
        );
        Ok(arn)
    }

    fn start(
        &mut self,
        machine: &str,
        name: &str,
        input: Value,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) -> Result<String, Error> {
        let Some((sm, def, exprs)) = self.machines.get(machine) else {
            return Err(Error::StateMachineDoesNotExist(machine.to_string()));
        };
        if sm.deleting {
            return Err(Error::StateMachineDeleting(machine.to_string()));
        }
        let arn = format!(
            "arn:aws:states:{}:{}:execution:{}:{name}",
            self.region, self.account, sm.name
        );
        // StartExecution is idempotent for a running execution with the same name and input.
        if let Some(live) = self.live.get(&arn) {
            return if live.record.input == input {
                Ok(arn)
            } else {
                Err(Error::ExecutionAlreadyExists(arn))
            };
        }
        if self
            .store
            .get(Table::Executions, &records::name_key(&arn))?
            .is_some()
        {
            return Err(Error::ExecutionAlreadyExists(arn));
        }
        // The seed makes task tokens unguessable: it comes from the OS's randomness (std seeds its hasher
        // keys from it) mixed with a counter.
        self.seeds = self.seeds.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let seed = {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(self.seeds);
            h.finish()
        };
        let record = ExecutionRecord {
            arn: arn.clone(),
            name: name.to_string(),
            state_machine_arn: machine.to_string(),
            input: input.clone(),
            start: now,
            seed,
            stop: None,
            outcome: None,
        };
        let exec = execution(&record, sm, def, exprs);
        batch.put(
            Table::Executions,
            records::name_key(&arn),
            records::to_bytes(&record),
        );
        batch.put(Table::Running, records::name_key(&arn), Vec::new());
        self.live.insert(
            arn.clone(),
            Live {
                exec,
                record,
                journal_seq: 0,
                tokens: HashMap::new(),
                timers: HashMap::new(),
                expired: Vec::new(),
            },
        );
        self.apply(&arn, Event::Start { input }, now, batch, after);
        Ok(arn)
    }

    fn callback(
        &mut self,
        token: &str,
        answer: Answer,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) -> Result<(), Error> {
        let Some(target) = self.tokens.get(token).cloned() else {
            return Err(Error::TaskDoesNotExist(token.to_string()));
        };
        if target.timed_out {
            return Err(Error::TaskTimedOut(token.to_string()));
        }
        let event = match answer {
            Answer::Success(output) => Event::TaskSucceeded {
                task: target.task,
                output,
            },
            Answer::Failure { error, cause } => Event::TaskFailed {
                task: target.task,
                error,
                cause,
            },
            Answer::Heartbeat => Event::TaskHeartbeat { task: target.task },
        };
        if !matches!(event, Event::TaskHeartbeat { .. }) {
            self.forget_token(&target.execution, target.task, batch);
        }
        self.apply(&target.execution, event, now, batch, after);
        Ok(())
    }

    fn forget_token(&mut self, execution: &str, task: u64, batch: &mut Batch) {
        if let Some(token) = self
            .live
            .get_mut(execution)
            .and_then(|l| l.tokens.remove(&task))
        {
            self.tokens.remove(&token);
            batch.delete(Table::Tokens, records::name_key(&token));
        }
    }

    /// Applies one event, journals it, and turns the transition into writes and after-commit actions.
    fn apply(
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
        let journal = JournalEntry {
            at: now,
            event: event.clone(),
        };
        let Ok(t) = live.exec.apply(event, now) else {
            return;
        };
        batch.put(
            Table::Journal,
            records::seq_key(arn, live.journal_seq),
            records::to_bytes(&journal),
        );
        live.journal_seq += 1;
        for e in &t.events {
            batch.put(
                Table::History,
                records::seq_key(arn, e.id),
                records::to_bytes(&e.to_aws_json()),
            );
        }
        let mut finished = None;
        for effect in t.effects {
            match effect {
                Effect::InvokeTask(inv) => match inv.token {
                    Some(token) => {
                        let activity =
                            stepd_core::is_activity(&inv.resource).then(|| inv.resource.clone());
                        if let Some(a) = &activity {
                            after.push(After::Activity {
                                activity: a.clone(),
                                token: token.clone(),
                                input: inv.input.clone(),
                            });
                        }
                        let target = TokenTarget {
                            execution: arn.to_string(),
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
                        live.tokens.insert(inv.task, token.clone());
                        self.tokens.insert(token, target);
                    }
                    None => after.push(After::Send(Request::NoAdapter {
                        execution: arn.to_string(),
                        task: inv.task,
                        resource: inv.resource,
                    })),
                },
                Effect::ArmTimer { timer, due } => {
                    batch.put(
                        Table::Timers,
                        records::timer_key(due, arn, timer),
                        Vec::new(),
                    );
                    live.timers.insert(timer, due);
                    after.push(After::Sleep {
                        execution: arn.to_string(),
                        timer,
                        due,
                    });
                }
                Effect::CancelTimer { timer } => {
                    if let Some(due) = live.timers.remove(&timer) {
                        batch.delete(Table::Timers, records::timer_key(due, arn, timer));
                    }
                }
                Effect::CancelTask { task } => {
                    // The task timed out (or its branch was cancelled): its token now answers
                    // TaskTimedOut until the execution ends.
                    if let Some(token) = live.tokens.remove(&task)
                        && let Some(target) = self.tokens.get_mut(&token)
                    {
                        target.timed_out = true;
                        target.activity = None;
                        target.input = None;
                        batch.put(
                            Table::Tokens,
                            records::name_key(&token),
                            records::to_bytes(&*target),
                        );
                        live.expired.push(token);
                    }
                }
                Effect::Finish(outcome) => finished = Some(outcome),
            }
        }
        if let Some(outcome) = finished {
            self.finish(arn, outcome, now, batch);
        }
    }

    fn finish(&mut self, arn: &str, outcome: Outcome, now: Millis, batch: &mut Batch) {
        let Some(mut live) = self.live.remove(arn) else {
            return;
        };
        live.record.stop = Some(now);
        live.record.outcome = Some(outcome);
        batch.put(
            Table::Executions,
            records::name_key(arn),
            records::to_bytes(&live.record),
        );
        batch.delete(Table::Running, records::name_key(arn));
        batch.put(Table::Finished, records::timer_key(now, arn, 0), Vec::new());
        for token in live.tokens.values().chain(&live.expired) {
            self.tokens.remove(token);
            batch.delete(Table::Tokens, records::name_key(token));
        }
        for (timer, due) in live.timers {
            batch.delete(Table::Timers, records::timer_key(due, arn, timer));
        }
        self.forget_machine_if_idle(&live.record.state_machine_arn, batch);
    }
}

impl Writer {
    /// Removes up to a thousand finished executions older than the retention period: record, history,
    /// journal and index entry, in the same batch.
    fn sweep(&mut self, now: Millis, batch: &mut Batch) {
        let before = stepd_store::Key::new()
            .i64(now.saturating_sub(self.retention))
            .into_bytes();
        let range = stepd_store::Range {
            start: std::ops::Bound::Unbounded,
            end: std::ops::Bound::Excluded(before),
        };
        let Ok(old) = self.store.scan(Table::Finished, &range, 1_000, false) else {
            return;
        };
        for (key, _) in old {
            let mut r = stepd_store::KeyReader::new(&key);
            let (Some(_), Some(arn)) = (r.i64(), r.str()) else {
                continue;
            };
            let prefix = records::name_key(&arn);
            for table in [Table::History, Table::Journal] {
                let Ok(rows) = self.store.scan(
                    table,
                    &stepd_store::Range::prefix(&prefix),
                    usize::MAX,
                    false,
                ) else {
                    continue;
                };
                for (k, _) in rows {
                    batch.delete(table, k);
                }
            }
            batch.delete(Table::Executions, prefix);
            batch.delete(Table::Finished, key);
        }
    }
}

/// A fresh execution object for a record (the same identity and seed rebuild the same execution).
pub(crate) fn execution(
    record: &ExecutionRecord,
    sm: &StateMachineRecord,
    def: &Arc<Definition>,
    exprs: &Arc<Exprs>,
) -> Execution {
    let mut identity = Identity::local(&sm.name, &record.name, record.start);
    identity.execution_arn = record.arn.clone();
    identity.state_machine_arn = sm.arn.clone();
    Execution::new(Arc::clone(def), Arc::clone(exprs), identity, record.seed)
}
