//! The single writer: it applies requests to executions and commits the resulting writes of many requests in
//! one batch (group commit: one fsync for all), answering callers only after that commit. Adapter tasks,
//! activity offers and timer wake-ups start after the commit too.
//!
//! Executions it touched recently stay in memory (`live`, a bounded cache); any other running execution is
//! parked on disk and rebuilt from its journal when a request names it (see `executions`).

use crate::records::{self, ExecutionRecord, Parked, StateMachineRecord};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use stepd_adapter::Adapter;
use stepd_core::{Execution, Millis};
use stepd_store::{Batch, Store};
use tokio::sync::mpsc;

/// Most requests one commit groups.
pub(crate) const MAX_GROUP: usize = 1024;

pub(crate) use crate::after::{After, reply_after};
pub(crate) use crate::requests::{Answer, Request};

/// An execution held in memory, with what is stored beside it.
pub(crate) struct Live {
    pub exec: Execution,
    pub record: ExecutionRecord,
    pub parked: Parked,
    /// When a request last used it (the cache forgets the least recently used first).
    pub touched: u64,
}

pub(crate) use crate::activities::Queue;

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

/// The channels a writer talks on.
pub(crate) struct Wiring {
    /// Where the writer's own follow-ups (task answers, refused tokens) go back to it.
    pub requests: mpsc::UnboundedSender<Request>,
    pub timers: mpsc::UnboundedSender<Millis>,
    pub changes: tokio::sync::broadcast::Sender<String>,
    pub halted: Arc<std::sync::OnceLock<String>>,
    pub schedule_wake: tokio::sync::watch::Sender<Option<Millis>>,
}

impl Writer {
    /// A writer on `store` with nothing loaded yet (see `recovery`), the runtime's own adapter for the
    /// job layer's place task added to the configured ones.
    pub(crate) fn new(store: Arc<dyn Store>, config: &crate::Config, wiring: Wiring) -> Writer {
        let mut adapters = config.adapters.clone();
        adapters.push(Arc::new(crate::jobs::PlaceTasks {
            requests: wiring.requests.clone(),
        }));
        Writer {
            halted: wiring.halted,
            store,
            clock: config.clock,
            machines: HashMap::new(),
            express: Arc::default(),
            definitions: crate::definitions::Definitions::new(config.definition_cache),
            live: HashMap::new(),
            cache: config.cache.max(1),
            uses: 0,
            ended: HashSet::new(),
            activities: HashMap::new(),
            adapters: adapters.into(),
            retention: config.retention.as_millis() as Millis,
            requests: wiring.requests,
            timers: wiring.timers,
            earliest: None,
            changed: Vec::new(),
            poisoned: Vec::new(),
            changes: wiring.changes,
            arns: records::Arns::new(&config.region, &config.account),
            seeds: (config.clock)() as u64,
            jobs: crate::jobs::Index::default(),
            jobs_config: config.jobs.clone(),
            schedules: Default::default(),
            schedule_wake: wiring.schedule_wake,
        }
    }

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
            let (batch, after) = self.group(group, now);
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
            self.committed(after);
        }
    }

    /// Applies one group of requests at `now`: the batch to commit, and what to do once it is durable.
    pub(crate) fn group(&mut self, requests: Vec<Request>, now: Millis) -> (Batch, Vec<After>) {
        let mut batch = Batch::new();
        let mut after = Vec::new();
        for request in requests {
            self.handle(request, now, &mut batch, &mut after);
        }
        self.maybe_tick(now, &mut batch, &mut after);
        self.quarantine(now, &mut batch, &mut after);
        (batch, after)
    }

    /// What follows a group's commit: wake the sleepers, announce the changes, answer and dispatch.
    pub(crate) fn committed(&mut self, after: Vec<After>) {
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
            self.carry_out(a);
        }
        self.evict();
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
            Request::Catalog(op) => self.catalog(op, now, batch, after),
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
                self.timer_fired(&execution, timer, now, batch, after)
            }
            Request::TaskDone(done) => self.task_done(done, now, batch, after),
            Request::Sweep => self.sweep(now, batch),
            Request::Place { input, reply } => {
                let result = self.place_jobs(&input, now, batch, after);
                reply_after(after, reply, result);
            }
            Request::Schedule(op) => self.schedule(op, now, batch, after),
            Request::GetActivityTask { activity, reply } => self.get_activity_task(activity, reply),
        }
    }
}
