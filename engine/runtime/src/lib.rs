//! stepd-runtime: the durable runtime. One writer applies requests with the pure interpreter (stepd-core)
//! and commits the resulting journal, timers, tokens and outbox entries of many requests in one store batch
//! before it answers anyone (histories are derived from the journal). Executions it has not touched lately are parked on disk and rebuilt
//! from their journal when needed, so a start serves at once however many are running.
//!
//! Built: group commit, durable timers (one sleeper reading the timers table), task tokens and callbacks,
//! activities, adapters with an outbox (at-least-once, idempotency keys) and the HTTP invoke resource,
//! StopExecution, RedriveExecution, DeleteStateMachine, versions and aliases, EXPRESS executions, TestState,
//! recovery, retention.

mod activities;
mod after;
pub(crate) mod aliases;
mod answers;
mod catalog;
mod commands;
mod definitions;
mod deletion;
mod dispatch;
mod error;
mod executions;
mod express;
mod follow;
#[cfg(test)]
mod harness;
mod history;
mod inspect;
pub mod jobs;
mod persist;
mod quarantine;
mod reads;
mod records;
mod recovery;
mod requests;
mod resources;
mod retention;
mod runs;
mod runtime;
mod schedules;
mod tags;
mod test_state;
mod timers;
mod transition;
mod versions;
mod writer;
#[cfg(test)]
mod writer_tests;

pub use aliases::{AliasRecord, split_alias};
pub use error::Error;
pub use executions::fresh_seed;
pub use express::SyncOutcome;
pub use follow::Follower;
pub use history::{HistoryPage, HistoryQuery, PAGE_BYTES};
pub use reads::ExecutionFilter;
pub use records::{
    ActivityRecord, ExecutionRecord, JournalEntry, OutboxEntry, Parked, StateMachineRecord,
    TokenSecret, TokenTarget,
};
pub use resources::unrun_resources;
pub use runtime::{Config, MachineSpec, Runtime};
pub use schedules::{ScheduleRecord, ScheduleSpec};
pub use stepd_adapter::{Adapter, Task, TaskError, TaskFuture};
pub use tags::{MAX_TAGS, Tags};
pub use test_state::{Mock, TestOutcome};
pub use versions::{Updated, VersionRecord, split_version};
