//! Schedules over the JSON API: stepd's own operations, shaped as EventBridge Scheduler's
//! (`CreateSchedule`, `UpdateSchedule`, `GetSchedule`, `DeleteSchedule`, `ListSchedules`: `Name`,
//! `ScheduleExpression`, `ScheduleExpressionTimezone`, `State`, `Target {Arn, RoleArn, Input}`), sent as
//! `X-Amz-Target: AWSStepFunctions.<Op>` to the same endpoint. `FlexibleTimeWindow` is accepted (only
//! `OFF` is built). A schedule's ARN is `arn:aws:scheduler:<region>:<account>:schedule/default/<name>`.

use super::common::seconds;
use super::operation::read;
use crate::serve::error::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};
use stepd_runtime::{Runtime, ScheduleRecord, ScheduleSpec};

/// CreateSchedule's and UpdateSchedule's input.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ScheduleInput {
    /// Read as a `Target` (a value that is not an object reads as one without members).
    target: Value,
    flexible_time_window: Option<Value>,
    state: Option<String>,
    name: String,
    schedule_expression: String,
    schedule_expression_timezone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Target {
    input: Option<String>,
    arn: String,
}

/// GetSchedule's and DeleteSchedule's input.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct NameInput {
    name: String,
}

/// ListSchedules takes nothing (it lists them all).
#[derive(Deserialize)]
pub(super) struct ListSchedulesInput {}

fn arn(rt: &Runtime, name: &str) -> String {
    // arn:aws:states:<region>:<account>: → arn:aws:scheduler:<region>:<account>:
    let prefix = rt.arn_prefix().replacen(":states:", ":scheduler:", 1);
    format!("{prefix}schedule/default/{name}")
}

fn render(rt: &Runtime, s: &ScheduleRecord) -> Value {
    json!({
        "Name": s.name,
        "Arn": arn(rt, &s.name),
        "GroupName": "default",
        "ScheduleExpression": s.expression,
        "ScheduleExpressionTimezone": s.timezone,
        "State": if s.enabled { "ENABLED" } else { "DISABLED" },
        "Target": { "Arn": s.state_machine_arn, "Input": s.input.to_string() },
        "FlexibleTimeWindow": { "Mode": "OFF" },
        "CreationDate": seconds(s.created_ms),
        "LastFiredDate": s.last_fired_ms.map(seconds),
        "LastExecutionArn": s.last_execution,
        "NextFireDate": s.next_ms.map(seconds),
    })
}

fn spec(i: ScheduleInput) -> Result<ScheduleSpec, ApiError> {
    let target = if i.target.is_object() {
        i.target
    } else {
        json!({})
    };
    let target: Target = read(target)?;
    let text = target.input.as_deref().unwrap_or("{}");
    let target_input: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::validation(format!("Target.Input: not JSON: {e}")))?;
    if let Some(mode) = i.flexible_time_window.as_ref().and_then(|f| f.get("Mode"))
        && mode != "OFF"
    {
        return Err(ApiError::validation(
            "FlexibleTimeWindow.Mode: only OFF is supported by stepd",
        ));
    }
    let enabled = match i.state.as_deref() {
        None | Some("ENABLED") => true,
        Some("DISABLED") => false,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "State: '{other}' must be ENABLED or DISABLED"
            )));
        }
    };
    Ok(ScheduleSpec {
        name: i.name,
        expression: i.schedule_expression,
        timezone: i.schedule_expression_timezone,
        state_machine_arn: target.arn,
        input: target_input,
        enabled,
    })
}

/// CreateSchedule, or UpdateSchedule with `replace`.
pub(super) async fn put(rt: &Runtime, i: ScheduleInput, replace: bool) -> Result<Value, ApiError> {
    let s = rt.put_schedule(spec(i)?, replace).await?;
    Ok(json!({ "ScheduleArn": arn(rt, &s.name) }))
}

pub(super) fn get(rt: &Runtime, i: NameInput) -> Result<Value, ApiError> {
    Ok(render(rt, &rt.schedule(&i.name)?))
}

pub(super) async fn delete(rt: &Runtime, i: NameInput) -> Result<Value, ApiError> {
    rt.delete_schedule(&i.name).await?;
    Ok(json!({}))
}

pub(super) fn list(rt: &Runtime, _: ListSchedulesInput) -> Result<Value, ApiError> {
    let all: Vec<Value> = rt.schedules()?.iter().map(|s| render(rt, s)).collect();
    Ok(json!({ "Schedules": all }))
}
