//! ASL errors as data: the `Failure` a state raises and the rules Retry and Catch use to match it.

use serde_json::{Value, json};

/// An error raised inside a workflow (`States.TaskFailed`, `States.Timeout`, a custom name...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: String,
    pub cause: String,
}

/// The `States.*` error names, spelled once for the engine, the runtime and the adapters.
pub mod names {
    pub const ALL: &str = "States.ALL";
    pub const TASK_FAILED: &str = "States.TaskFailed";
    pub const TIMEOUT: &str = "States.Timeout";
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    pub const RUNTIME: &str = "States.Runtime";
    pub const DATA_LIMIT: &str = "States.DataLimitExceeded";
    pub const QUERY: &str = "States.QueryEvaluationError";
    pub const NO_CHOICE: &str = "States.NoChoiceMatched";
    pub const TOLERATED: &str = "States.ExceedToleratedFailureThreshold";
}
pub(crate) use names::*;

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Failure {
            error: error.into(),
            cause: cause.into(),
        }
    }

    /// True when a Retrier or Catcher with `error_equals` handles this failure. `States.ALL` matches every
    /// error but `States.Runtime` and `States.DataLimitExceeded`, which always end the execution;
    /// `States.TaskFailed` matches any error but `States.Timeout`, as AWS documents.
    pub(crate) fn matches(&self, error_equals: &[String]) -> bool {
        if matches!(self.error.as_str(), RUNTIME | DATA_LIMIT) {
            return error_equals.contains(&self.error);
        }
        error_equals
            .iter()
            .any(|e| e == &self.error || e == ALL || (e == TASK_FAILED && self.error != TIMEOUT))
    }

    /// The error output a Catcher passes on: `{"Error": ..., "Cause": ...}`.
    pub(crate) fn output(&self) -> Value {
        json!({"Error": self.error, "Cause": self.cause})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matching_follows_aws_rules() {
        let custom = Failure::new("MyError", "");
        assert!(custom.matches(&eq(&["MyError"])));
        assert!(custom.matches(&eq(&["States.ALL"])));
        assert!(custom.matches(&eq(&["States.TaskFailed"])));
        assert!(!custom.matches(&eq(&["Other"])));
        let timeout = Failure::new(TIMEOUT, "");
        assert!(!timeout.matches(&eq(&["States.TaskFailed"])));
        assert!(timeout.matches(&eq(&["States.ALL"])));
        let runtime = Failure::new(RUNTIME, "");
        assert!(!runtime.matches(&eq(&["States.ALL"])));
        assert!(runtime.matches(&eq(&["States.Runtime"])));
        assert!(!Failure::new(DATA_LIMIT, "").matches(&eq(&["States.ALL"])));
        assert!(Failure::new(HEARTBEAT_TIMEOUT, "").matches(&eq(&["States.TaskFailed"])));
    }
}
