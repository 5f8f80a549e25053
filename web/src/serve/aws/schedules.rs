//! Schedules over the JSON API: stepd's own operations, shaped as EventBridge Scheduler's
//! (`CreateSchedule`, `UpdateSchedule`, `GetSchedule`, `DeleteSchedule`, `ListSchedules`: `Name`,
//! `ScheduleExpression`, `ScheduleExpressionTimezone`, `State`, `Target {Arn, RoleArn, Input}`), sent as
//! `X-Amz-Target: AWSStepFunctions.<Op>` to the same endpoint. `FlexibleTimeWindow` is accepted (only
//! `OFF` is built). A schedule's ARN is `arn:aws:scheduler:<region>:<account>:schedule/default/<name>`.

use super::{ApiError, field, optional, seconds};
use serde_json::{Value, json};
use stepd_runtime::{Runtime, ScheduleRecord, ScheduleSpec};

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

fn spec(input: &Value) -> Result<ScheduleSpec, ApiError> {
    let target = input.get("Target").ok_or_else(|| {
        ApiError(
            "ValidationException",
            "1 validation error detected: Value null at 'Target' failed to satisfy constraint: Member must not be null".into(),
        )
    })?;
    let text = optional(target, "Input")?.unwrap_or("{}");
    let target_input: Value = serde_json::from_str(text).map_err(|e| {
        ApiError(
            "ValidationException",
            format!("Target.Input: not JSON: {e}"),
        )
    })?;
    if let Some(mode) = input.get("FlexibleTimeWindow").and_then(|f| f.get("Mode"))
        && mode != "OFF"
    {
        return Err(ApiError(
            "ValidationException",
            "FlexibleTimeWindow.Mode: only OFF is supported by stepd".into(),
        ));
    }
    let enabled = match optional(input, "State")? {
        None | Some("ENABLED") => true,
        Some("DISABLED") => false,
        Some(other) => {
            return Err(ApiError(
                "ValidationException",
                format!("State: '{other}' must be ENABLED or DISABLED"),
            ));
        }
    };
    Ok(ScheduleSpec {
        name: field(input, "Name")?.to_string(),
        expression: field(input, "ScheduleExpression")?.to_string(),
        timezone: optional(input, "ScheduleExpressionTimezone")?.map(str::to_string),
        state_machine_arn: field(target, "Arn")?.to_string(),
        input: target_input,
        enabled,
    })
}

pub(super) async fn handle(rt: &Runtime, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "CreateSchedule" | "UpdateSchedule" => {
            let s = rt
                .put_schedule(spec(input)?, op == "UpdateSchedule")
                .await?;
            Ok(json!({ "ScheduleArn": arn(rt, &s.name) }))
        }
        "GetSchedule" => Ok(render(rt, &rt.schedule(field(input, "Name")?)?)),
        "DeleteSchedule" => {
            rt.delete_schedule(field(input, "Name")?).await?;
            Ok(json!({}))
        }
        _ => {
            let all: Vec<Value> = rt.schedules()?.iter().map(|s| render(rt, s)).collect();
            Ok(json!({ "Schedules": all }))
        }
    }
}
