//! The context object (`$$` in JSONPath, `$states.context` in JSONata), built from the execution's identity
//! and the state being run.

use crate::clock::{Millis, iso8601};
use serde_json::{Value, json};

/// Who the execution is: fixed when it starts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Identity {
    pub execution_arn: String,
    pub name: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub role_arn: String,
    pub start_time: Millis,
    pub redrive_count: u64,
}

impl Identity {
    /// An identity for local runs (`stepd run`), in AWS's ARN format.
    pub fn local(state_machine_name: &str, execution_name: &str, start_time: Millis) -> Identity {
        let scope = crate::arn::Scope::new("us-east-1", "123456789012");
        Identity::in_scope(&scope, state_machine_name, execution_name, start_time)
    }

    /// Execution `execution_name` of `state_machine_name` in `scope` (its region and account), with the
    /// scope's default role.
    pub fn in_scope(
        scope: &crate::arn::Scope,
        state_machine_name: &str,
        execution_name: &str,
        start_time: Millis,
    ) -> Identity {
        Identity {
            execution_arn: scope.execution(state_machine_name, execution_name),
            name: execution_name.to_string(),
            state_machine_arn: scope.state_machine(state_machine_name),
            state_machine_name: state_machine_name.to_string(),
            role_arn: scope.default_role(),
            start_time,
            redrive_count: 0,
        }
    }
}

/// What the context object says about the current state.
pub(crate) struct StateInfo<'a> {
    pub name: &'a str,
    pub entered_time: Millis,
    /// `Some` for states that can retry (Task, Parallel, Map); AWS shows `RetryCount` only there.
    pub retry_count: Option<u32>,
    pub token: Option<&'a str>,
    /// `$$.Map.Item`: index and value, only while a Map evaluates its ItemSelector.
    pub map_item: Option<(usize, &'a Value)>,
}

pub(crate) fn build(id: &Identity, input: &Value, state: &StateInfo<'_>) -> Value {
    let mut ctx = json!({
        "Execution": {
            "Id": id.execution_arn,
            "Input": input,
            "Name": id.name,
            "RoleArn": id.role_arn,
            "StartTime": iso8601(id.start_time),
            "RedriveCount": id.redrive_count,
        },
        "State": {
            "EnteredTime": iso8601(state.entered_time),
            "Name": state.name,
        },
        "StateMachine": { "Id": id.state_machine_arn, "Name": id.state_machine_name },
    });
    if let Some(obj) = ctx.as_object_mut() {
        if let (Some(n), Some(s)) = (
            state.retry_count,
            obj.get_mut("State").and_then(Value::as_object_mut),
        ) {
            s.insert("RetryCount".into(), json!(n));
        }
        if let Some(token) = state.token {
            obj.insert("Task".into(), json!({ "Token": token }));
        }
        if let Some((index, value)) = state.map_item {
            obj.insert(
                "Map".into(),
                json!({ "Item": { "Index": index, "Value": value } }),
            );
        }
    }
    ctx
}
