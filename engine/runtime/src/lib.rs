//! stepd-runtime: the durable runtime. One writer owns the live executions, applies requests with the pure
//! interpreter (stepd-core), and commits the resulting history, journal, timers and tokens of many requests
//! in one store batch before it answers anyone. On start it rebuilds every running execution by replaying
//! its journal.
//!
//! Built so far: group commit, durable timers, task tokens and callbacks, StopExecution, recovery. Not yet:
//! task adapters (a Task without a token fails with States.TaskFailed), activities, retention, the HTTP API.

mod error;
mod records;
mod recovery;
mod runtime;
mod writer;

pub use error::Error;
pub use records::{ExecutionRecord, JournalEntry, StateMachineRecord, TokenTarget};
pub use runtime::{Config, Runtime};
