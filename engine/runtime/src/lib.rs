//! stepd-runtime: the durable runtime. One writer owns the live executions, applies requests with the pure
//! interpreter (stepd-core), and commits the resulting history, journal, timers and tokens of many requests
//! in one store batch before it answers anyone. On start it rebuilds every running execution by replaying
//! its journal.
//!
//! Built so far: group commit, durable timers, task tokens and callbacks, activities (tasks workers take with
//! GetActivityTask), StopExecution, DeleteStateMachine, recovery, retention. Not yet: task adapters (a Task
//! that is neither a callback nor an activity fails with States.TaskFailed).

mod deletion;
mod error;
mod records;
mod recovery;
mod runtime;
mod tags;
mod writer;

pub use error::Error;
pub use records::{ActivityRecord, ExecutionRecord, JournalEntry, StateMachineRecord, TokenTarget};
pub use runtime::{Config, Runtime};
pub use tags::{MAX_TAGS, Tags};
