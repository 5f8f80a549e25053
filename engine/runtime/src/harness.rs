//! A writer driven by hand, for the runtime's unit tests: the same `Writer::group` → `Store::commit` →
//! `Writer::committed` path as `Writer::run`, but one group at a time on a `MemoryStore`, at a virtual time
//! the test sets (`now`, `advance`), with due timers fired by `fire_due` instead of the sleeper. Nothing
//! sleeps and nothing races: a test reads exactly what a group committed.
//!
//! Canned journals (in the manner of temporal sdk-core's canned histories): `canned` builds the store a
//! previous process would have left — a machine registered, an execution started and parked on a callback,
//! a timer or a heartbeat — and `restart` opens a new writer on it, as a start after a crash does.

use crate::Error;
use crate::records::{self, ExecutionRecord};
use crate::requests::{Answer, CatalogOp, Request};
use crate::writer::{Wiring, Writer};
use serde_json::Value;
use std::sync::Arc;
use stepd_core::Millis;
use stepd_store::{KeyReader, MemoryStore, Range, Store, Table};
use tokio::sync::{mpsc, oneshot};

/// The virtual time a harness starts at (2026-01-01T00:00:00Z).
pub(crate) const START: Millis = 1_767_225_600_000;

/// A writer on a memory store, driven one group at a time.
pub(crate) struct Harness {
    pub writer: Writer,
    pub store: Arc<MemoryStore>,
    /// What the writer sends itself (adapter answers, refused tokens): kept open, not read, as the
    /// harness runs no adapters.
    _own: mpsc::UnboundedReceiver<Request>,
    /// Commits so far (a group with nothing to write commits nothing).
    pub commits: usize,
    pub now: Millis,
}

fn config() -> crate::Config {
    crate::Config {
        // Never read by the harness's groups (they take `now`); the seed counter starts from it.
        clock: || START,
        ..crate::Config::default()
    }
}

impl Harness {
    pub(crate) fn new() -> Harness {
        Harness::on(Arc::new(MemoryStore::new()), START)
    }

    /// A writer started on `store` at `now`: recovery runs as in `Runtime::start`.
    pub(crate) fn on(store: Arc<MemoryStore>, now: Millis) -> Harness {
        let (requests, _own) = mpsc::unbounded_channel();
        let (timers, _) = mpsc::unbounded_channel();
        let (changes, _) = tokio::sync::broadcast::channel(16);
        let (schedule_wake, _) = tokio::sync::watch::channel(None);
        let wiring = Wiring {
            requests,
            timers,
            changes,
            halted: Arc::default(),
            schedule_wake,
        };
        let shared: Arc<dyn Store> = store.clone();
        let mut writer = Writer::new(shared, &config(), wiring);
        let redeliver = crate::recovery::recover(&mut writer).expect("recovery");
        assert!(redeliver.is_empty(), "the harness runs no adapters");
        crate::jobs::recover(&mut writer).expect("the job index");
        writer.recover_schedules(now).expect("the schedules");
        Harness {
            writer,
            store,
            _own,
            commits: 0,
            now,
        }
    }

    /// A new writer on this store, as a start after a crash: whatever was only in memory is gone.
    pub(crate) fn restart(self) -> Harness {
        Harness::on(self.store, self.now)
    }

    pub(crate) fn advance(&mut self, ms: Millis) {
        self.now += ms;
    }

    /// Handles `requests` as one group at `now`, commits its batch and carries out what follows.
    pub(crate) fn group(&mut self, requests: Vec<Request>) {
        let (batch, after) = self.writer.group(requests, self.now);
        if !batch.is_empty() {
            self.store.commit(&batch).expect("commit");
            self.commits += 1;
        }
        self.writer.committed(after);
    }

    /// One request in a group of its own; its answer (given only after the commit).
    pub(crate) fn ask<T>(&mut self, make: impl FnOnce(oneshot::Sender<T>) -> Request) -> T {
        let (reply, mut answer) = oneshot::channel();
        self.group(vec![make(reply)]);
        answer.try_recv().expect("answered after the commit")
    }

    /// Fires every timer due at `now`, in due order, one group for all of them (as the sleeper sends them).
    pub(crate) fn fire_due(&mut self) -> usize {
        let rows = self
            .store
            .scan(Table::Timers, &Range::all(), usize::MAX, false)
            .expect("timers");
        let mut due = Vec::new();
        for (key, _) in rows {
            let mut k = KeyReader::new(&key);
            let (Some(at), Some(short), Some(timer)) = (k.i64(), k.str(), k.u64()) else {
                panic!("a timer key that does not read back");
            };
            if at <= self.now {
                let execution = self.writer.arns.execution_of(&short);
                due.push(Request::Timer { execution, timer });
            }
        }
        let n = due.len();
        self.group(due);
        n
    }

    /// Registers a STANDARD machine; its ARN.
    pub(crate) fn register(&mut self, name: &str, definition: &Value) -> String {
        let text = definition.to_string();
        let def = crate::definitions::validated(&text, false).expect("a valid definition");
        let id = crate::definitions::id_of(&text);
        let spec = crate::MachineSpec::new(name, &text);
        let (arn, _) = self
            .ask(|reply| {
                Request::Catalog(CatalogOp::Register {
                    spec,
                    def,
                    id,
                    reply,
                })
            })
            .expect("registered");
        arn
    }

    pub(crate) fn start(
        &mut self,
        machine: &str,
        name: &str,
        input: Value,
    ) -> Result<String, Error> {
        let (state_machine, name) = (machine.to_string(), name.to_string());
        self.ask(|reply| Request::Start {
            state_machine,
            name,
            input,
            reply,
        })
    }

    pub(crate) fn succeed(&mut self, token: &str, output: Value) -> Result<(), Error> {
        self.callback(token, Answer::Success(output))
    }

    pub(crate) fn callback(&mut self, token: &str, answer: Answer) -> Result<(), Error> {
        let token = token.to_string();
        self.ask(|reply| Request::Callback {
            token,
            answer,
            reply,
        })
    }

    /// The execution's stored record.
    pub(crate) fn record(&self, arn: &str) -> ExecutionRecord {
        let bytes = self
            .store
            .get(Table::Executions, &records::exec_key(arn))
            .expect("read")
            .unwrap_or_else(|| panic!("{arn} is not stored"));
        records::read_execution(arn, &bytes).expect("a record")
    }

    /// The execution's history event types, replayed from its stored journal.
    pub(crate) fn history(&self, arn: &str) -> Vec<String> {
        let record = self.record(arn);
        let compiled = self
            .writer
            .definitions
            .get(&*self.store, &record.definition_id)
            .expect("its definition");
        let exec = crate::executions::execution(&record, &compiled, &self.writer.arns);
        let store: Arc<dyn Store> = self.store.clone();
        crate::Follower::new(store, record, exec)
            .next_events()
            .expect("its history")
            .iter()
            .map(|e| e["type"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// The task tokens waiting for a callback.
    pub(crate) fn tokens(&self) -> Vec<String> {
        let rows = self
            .store
            .scan(Table::Tokens, &Range::all(), usize::MAX, false)
            .expect("tokens");
        rows.iter()
            .filter_map(|(k, _)| KeyReader::new(k).str())
            .collect()
    }

    /// How many rows `table` holds.
    pub(crate) fn rows(&self, table: Table) -> usize {
        self.store
            .scan(table, &Range::all(), usize::MAX, false)
            .expect("scan")
            .len()
    }
}

/// Canned journals: stores as a previous process left them.
pub(crate) mod canned {
    use super::Harness;
    use serde_json::{Value, json};

    /// A callback task (`waitForTaskToken`) then a Pass; `heartbeat` seconds if given.
    pub(crate) fn callback_machine(heartbeat: Option<u64>) -> Value {
        let mut ask = json!({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token"}, "Next": "Done"});
        if let Some(h) = heartbeat {
            ask["HeartbeatSeconds"] = json!(h);
        }
        json!({"StartAt": "Ask", "States": {"Ask": ask, "Done": {"Type": "Pass", "End": true}}})
    }

    /// A Wait of `seconds` then a Pass.
    pub(crate) fn timer_machine(seconds: u64) -> Value {
        json!({"StartAt": "Nap", "States": {
            "Nap": {"Type": "Wait", "Seconds": seconds, "Next": "Done"},
            "Done": {"Type": "Pass", "End": true}}})
    }

    /// An execution `e` of machine `m` parked on the callback task: (harness, execution ARN, its token).
    pub(crate) fn parked_on_callback(heartbeat: Option<u64>) -> (Harness, String, String) {
        let mut h = Harness::new();
        let sm = h.register("m", &callback_machine(heartbeat));
        let arn = h.start(&sm, "e", json!({"n": 1})).expect("started");
        let token = h.tokens().pop().expect("a token");
        (h, arn, token)
    }

    /// An execution `e` of machine `m` parked on a Wait of `seconds`: (harness, execution ARN).
    pub(crate) fn parked_on_timer(seconds: u64) -> (Harness, String) {
        let mut h = Harness::new();
        let sm = h.register("m", &timer_machine(seconds));
        let arn = h.start(&sm, "e", json!({})).expect("started");
        (h, arn)
    }
}
