//! stepd-core: the Amazon States Language interpreter as a pure, deterministic state machine.
//!
//! `Execution::apply(event, now)` takes one input (start, task result, timer, stop) and returns the history
//! events it produced and the effects for the runtime to carry out (invoke a task, arm a timer, finish). No
//! I/O, no clock (`now` is an argument), no ambient randomness (the seed is an argument): replaying the same
//! events rebuilds the same execution.

pub mod arn;
mod choice;
mod clock;
mod context;
mod dataflow;
pub mod drive;
mod driver;
mod event;
mod execution;
mod exprs;
mod failure;
mod fanout;
mod history;
mod intrinsics;
mod jsonata;
mod jsonpath;
mod random;
mod step;
mod task;
mod token;
mod wait;

pub use clock::{Millis, iso8601, parse_timestamp};
pub use context::Identity;
pub use driver::Driver;
pub use event::{Effect, Event, Invocation, Outcome, Transition};
pub use execution::{Error, Execution, MAX_HISTORY_EVENTS, MAX_TRANSITION_BYTES};
pub use exprs::Exprs;
pub use failure::{Failure, names};
pub use fanout::MAX_FANOUT_BYTES;
pub use history::{Details, HistoryEvent, Kind as HistoryKind};
pub use task::is_activity;
pub use token::TokenKey;
