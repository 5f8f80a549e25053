//! History events with the names and detail shapes of AWS `GetExecutionHistory`, so the API, the CLI and the
//! viewer show what Step Functions users already know.

use crate::clock::Millis;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// One event of an execution's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    pub id: u64,
    pub previous_event_id: u64,
    pub timestamp: Millis,
    pub kind: Kind,
    /// The event's details (AWS's `<kind>EventDetails`), if it has one.
    pub details: Option<Details>,
    /// About how many bytes of payload the details add: their JSON's size, or 0 for a state input that
    /// is the previous event's output (shared, not copied). Readers use it to bound what they hold.
    pub payload_bytes: usize,
}

/// Event details. State inputs and outputs are shared with the execution (no copy per event) and turned
/// into AWS's JSON-in-a-string form only when the event is shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Details {
    Json(Value),
    Entered {
        name: String,
        input: Arc<Value>,
    },
    Exited {
        name: String,
        output: Arc<Value>,
        assigned: Option<Map<String, Value>>,
    },
}

impl Details {
    /// The details object as AWS shows it.
    pub fn to_json(&self) -> Value {
        match self {
            Details::Json(v) => v.clone(),
            Details::Entered { name, input } => {
                json!({"name": name, "input": input.to_string(), "inputDetails": {"truncated": false}})
            }
            Details::Exited {
                name,
                output,
                assigned,
            } => {
                let mut d = json!({"name": name, "output": output.to_string(), "outputDetails": {"truncated": false}});
                if let (Some(vars), Some(obj)) = (assigned, d.as_object_mut()) {
                    let vars: Map<String, Value> = vars
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::String(v.to_string())))
                        .collect();
                    obj.insert("assignedVariables".into(), Value::Object(vars));
                    obj.insert(
                        "assignedVariablesDetails".into(),
                        json!({"truncated": false}),
                    );
                }
                d
            }
        }
    }
}

macro_rules! kinds {
    ($($variant:ident => $details:expr),* $(,)?) => {
        /// The event type, named as AWS names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind { $($variant),* }

        impl Kind {
            pub fn as_str(self) -> &'static str {
                match self { $(Kind::$variant => stringify!($variant)),* }
            }

            /// The field AWS puts this event's details under, e.g. `stateEnteredEventDetails`.
            pub fn details_key(self) -> Option<&'static str> {
                match self { $(Kind::$variant => $details),* }
            }
        }
    };
}

kinds! {
    ExecutionStarted => Some("executionStartedEventDetails"),
    ExecutionSucceeded => Some("executionSucceededEventDetails"),
    ExecutionFailed => Some("executionFailedEventDetails"),
    ExecutionAborted => Some("executionAbortedEventDetails"),
    ExecutionTimedOut => Some("executionTimedOutEventDetails"),
    ExecutionRedriven => Some("executionRedrivenEventDetails"),
    PassStateEntered => Some("stateEnteredEventDetails"),
    PassStateExited => Some("stateExitedEventDetails"),
    TaskStateEntered => Some("stateEnteredEventDetails"),
    TaskStateExited => Some("stateExitedEventDetails"),
    TaskStateAborted => None,
    TaskScheduled => Some("taskScheduledEventDetails"),
    TaskStarted => Some("taskStartedEventDetails"),
    TaskSucceeded => Some("taskSucceededEventDetails"),
    TaskFailed => Some("taskFailedEventDetails"),
    TaskTimedOut => Some("taskTimedOutEventDetails"),
    ChoiceStateEntered => Some("stateEnteredEventDetails"),
    ChoiceStateExited => Some("stateExitedEventDetails"),
    WaitStateEntered => Some("stateEnteredEventDetails"),
    WaitStateExited => Some("stateExitedEventDetails"),
    WaitStateAborted => None,
    SucceedStateEntered => Some("stateEnteredEventDetails"),
    SucceedStateExited => Some("stateExitedEventDetails"),
    FailStateEntered => Some("stateEnteredEventDetails"),
    ParallelStateEntered => Some("stateEnteredEventDetails"),
    ParallelStateExited => Some("stateExitedEventDetails"),
    ParallelStateStarted => None,
    ParallelStateSucceeded => None,
    ParallelStateFailed => None,
    ParallelStateAborted => None,
    MapStateEntered => Some("stateEnteredEventDetails"),
    MapStateExited => Some("stateExitedEventDetails"),
    MapStateStarted => Some("mapStateStartedEventDetails"),
    MapStateSucceeded => None,
    MapStateFailed => None,
    MapStateAborted => None,
    MapIterationStarted => Some("mapIterationStartedEventDetails"),
    MapIterationSucceeded => Some("mapIterationSucceededEventDetails"),
    MapIterationFailed => Some("mapIterationFailedEventDetails"),
    MapIterationAborted => Some("mapIterationAbortedEventDetails"),
}

impl Kind {
    /// The `<Type>StateEntered` kind for a state type.
    pub(crate) fn entered(state_type: &str) -> Kind {
        match state_type {
            "Pass" => Kind::PassStateEntered,
            "Task" => Kind::TaskStateEntered,
            "Choice" => Kind::ChoiceStateEntered,
            "Wait" => Kind::WaitStateEntered,
            "Succeed" => Kind::SucceedStateEntered,
            "Fail" => Kind::FailStateEntered,
            "Parallel" => Kind::ParallelStateEntered,
            _ => Kind::MapStateEntered,
        }
    }

    /// The `<Type>StateExited` kind for a state type (Fail has none; it ends the execution).
    pub(crate) fn exited(state_type: &str) -> Kind {
        match state_type {
            "Pass" => Kind::PassStateExited,
            "Task" => Kind::TaskStateExited,
            "Choice" => Kind::ChoiceStateExited,
            "Wait" => Kind::WaitStateExited,
            "Succeed" => Kind::SucceedStateExited,
            "Parallel" => Kind::ParallelStateExited,
            _ => Kind::MapStateExited,
        }
    }
}

impl HistoryEvent {
    /// The event as AWS's `GetExecutionHistory` returns it (timestamps in epoch seconds).
    pub fn to_aws_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("timestamp".into(), json!(self.timestamp as f64 / 1000.0));
        m.insert("type".into(), json!(self.kind.as_str()));
        m.insert("id".into(), json!(self.id));
        m.insert("previousEventId".into(), json!(self.previous_event_id));
        if let (Some(key), Some(details)) = (self.kind.details_key(), &self.details) {
            m.insert(key.into(), details.to_json());
        }
        Value::Object(m)
    }
}

/// Details carrying an error and a cause.
pub(crate) fn error(error: &str, cause: &str) -> Value {
    json!({"error": error, "cause": cause})
}
