//! stepd-store: where stepd keeps everything durable. One ordered key-value space per table, written only in
//! atomic batches (`Batch`, plain data) and read by key or by ordered range. No redb type crosses the
//! `Store` trait, so a second implementation (PostgreSQL, several nodes) can stand behind it.
//!
//! Implementations: `RedbStore` (an embedded file; a batch is one redb write transaction with immediate
//! durability, so `commit` returning `Ok` means it is on disk) and `MemoryStore` (tests, `stepd run`).

mod batch;
mod error;
mod key;
mod memory;
mod redb_store;

pub use batch::{Batch, Op};
pub use error::Error;
pub use key::{Key, KeyReader};
pub use memory::MemoryStore;
pub use redb_store::RedbStore;

use std::ops::Bound;

/// The tables. Key layouts (built with `Key`) are documented in ARCHITECTURE.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// State machine ARN → record (name, current definition, type, role, timestamps, tags, aliases).
    StateMachines,
    /// (state machine name, version number) → published version record (its definition id).
    Versions,
    /// Execution short id (`machine:name`, its ARN after `:execution:`) → record (status, input, output,
    /// error, times).
    Executions,
    /// (state machine name, execution short id) → what the writer keeps beside a RUNNING execution (its journal
    /// length, outstanding tokens, timers and adapter tasks), so a parked execution can leave memory.
    Running,
    /// (state machine name, start time, execution short id) → nothing: ListExecutions' index, newest last.
    MachineExecutions,
    /// Definition id (a hash of its text) → definition text: what each execution runs with.
    Definitions,
    /// (execution short id, sequence) → an input event the interpreter applied (replay rebuilds from these).
    Journal,
    /// (execution short id, task) → an adapter invocation committed but not yet answered.
    Outbox,
    /// (due time, execution short id, timer key) → nothing: durable timers in due order.
    Timers,
    /// Task token → (execution, task key; activity and input for activity tasks).
    Tokens,
    /// Activity ARN → record.
    Activities,
    /// Task token → nothing: activity tasks not yet answered (offered to workers again after a restart).
    ActivityTasks,
    /// Schedule name → record.
    Schedules,
    /// Job id → record (the job queue: every job, whatever its state).
    Jobs,
    /// Job id → nothing: the jobs not yet ended (loaded at start; the queue the scheduler reads).
    ActiveJobs,
    /// (end time, job id) → nothing: ended jobs in the order retention removes them.
    JobsEnded,
    /// (stop time, execution short id, 0) → nothing: finished executions in the order retention removes
    /// them.
    Finished,
}

impl Table {
    pub const ALL: [Table; 17] = [
        Table::StateMachines,
        Table::Versions,
        Table::Executions,
        Table::Running,
        Table::MachineExecutions,
        Table::Definitions,
        Table::Journal,
        Table::Outbox,
        Table::Timers,
        Table::Tokens,
        Table::Activities,
        Table::ActivityTasks,
        Table::Schedules,
        Table::Jobs,
        Table::ActiveJobs,
        Table::JobsEnded,
        Table::Finished,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::StateMachines => "state_machines",
            Table::Versions => "versions",
            Table::Executions => "executions",
            Table::Running => "running",
            Table::MachineExecutions => "machine_executions",
            Table::Definitions => "definitions",
            Table::Journal => "journal",
            Table::Outbox => "outbox",
            Table::Timers => "timers",
            Table::Tokens => "tokens",
            Table::Activities => "activities",
            Table::ActivityTasks => "activity_tasks",
            Table::Schedules => "schedules",
            Table::Jobs => "jobs",
            Table::ActiveJobs => "active_jobs",
            Table::JobsEnded => "jobs_ended",
            Table::Finished => "finished",
        }
    }
}

/// An ordered range of keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub start: Bound<Vec<u8>>,
    pub end: Bound<Vec<u8>>,
}

impl Range {
    /// Every key.
    pub fn all() -> Range {
        Range {
            start: Bound::Unbounded,
            end: Bound::Unbounded,
        }
    }

    /// Every key that starts with `prefix` (e.g. all history of one execution).
    pub fn prefix(prefix: &[u8]) -> Range {
        let start = Bound::Included(prefix.to_vec());
        // The smallest key greater than every key with this prefix: increment the last byte below 0xFF.
        let mut end = prefix.to_vec();
        while let Some(last) = end.pop() {
            if last < 0xFF {
                end.push(last + 1);
                return Range {
                    start,
                    end: Bound::Excluded(end),
                };
            }
        }
        Range {
            start,
            end: Bound::Unbounded,
        }
    }

    /// Keys from `start` (included) to `end` (excluded).
    pub fn between(start: Vec<u8>, end: Vec<u8>) -> Range {
        Range {
            start: Bound::Included(start),
            end: Bound::Excluded(end),
        }
    }
}

/// A key and its value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// The storage contract. `commit` applies a whole batch or nothing, and returns only once the batch is
/// durable. Reads see every batch committed before they start.
pub trait Store: Send + Sync {
    fn commit(&self, batch: &Batch) -> Result<(), Error>;

    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, Error>;

    /// Up to `limit` entries of `range` in key order (or reverse order).
    fn scan(
        &self,
        table: Table,
        range: &Range,
        limit: usize,
        reverse: bool,
    ) -> Result<Vec<Entry>, Error>;
}
