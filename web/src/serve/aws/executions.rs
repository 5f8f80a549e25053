//! Executions in the API: StartExecution, RedriveExecution, DescribeExecution (and the description the
//! REST routes show too), StopExecution and ListExecutions.

use super::common::{generated_name, json_text, max_results, seconds};
use crate::serve::error::{ApiError, Code};
use crate::serve::hex::{hex, unhex};
use serde::Deserialize;
use serde_json::{Value, json};
use stepd_core::{Millis, Outcome, arn};
use stepd_runtime::{Error, ExecutionRecord, Runtime};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StartExecutionInput {
    state_machine_arn: String,
    name: Option<String>,
    input: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RedriveExecutionInput {
    execution_arn: String,
    client_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DescribeExecutionInput {
    execution_arn: String,
    included_data: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StopExecutionInput {
    execution_arn: String,
    error: Option<String>,
    cause: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListExecutionsInput {
    state_machine_arn: String,
    status_filter: Option<String>,
    redrive_filter: Option<String>,
    next_token: Option<String>,
    max_results: Option<u64>,
}

pub(super) async fn start(rt: &Runtime, i: StartExecutionInput) -> Result<Value, ApiError> {
    let name = i.name.unwrap_or_else(generated_name);
    let input = json_text("input", i.input.as_deref(), Code::InvalidExecutionInput)?;
    let arn = rt
        .start_execution(&i.state_machine_arn, &name, input)
        .await?;
    // An EXPRESS execution is not stored: its start is now.
    let start = rt
        .describe_execution(&arn)
        .map_or_else(|_| rt.now(), |r| r.start);
    Ok(json!({"executionArn": arn, "startDate": seconds(start)}))
}

pub(super) async fn redrive(rt: &Runtime, i: RedriveExecutionInput) -> Result<Value, ApiError> {
    let at = rt
        .redrive_execution(&i.execution_arn, i.client_token.as_deref())
        .await?;
    Ok(json!({"redriveDate": seconds(at)}))
}

pub(super) fn describe_one(rt: &Runtime, i: DescribeExecutionInput) -> Result<Value, ApiError> {
    let mut out = describe(&rt.describe_execution(&i.execution_arn)?, rt.now());
    if i.included_data.as_deref() == Some("METADATA_ONLY")
        && let Some(o) = out.as_object_mut()
    {
        for k in ["input", "inputDetails", "output", "outputDetails"] {
            o.remove(k);
        }
    }
    Ok(out)
}

pub(super) async fn stop(rt: &Runtime, i: StopExecutionInput) -> Result<Value, ApiError> {
    let arn = i.execution_arn;
    rt.stop_execution(&arn, i.error, i.cause).await?;
    let stop = rt
        .describe_execution(&arn)?
        .stop
        .unwrap_or_else(|| rt.now());
    Ok(json!({"stopDate": seconds(stop)}))
}

pub(super) async fn list(rt: &Runtime, i: ListExecutionsInput) -> Result<Value, ApiError> {
    let sm = i.state_machine_arn;
    if let Some((base, _)) = stepd_runtime::split_alias(&sm) {
        rt.alias(&sm)
            .map_err(|_| Error::StateMachineDoesNotExist(sm.clone()))?;
        rt.state_machine(base)?;
    } else if stepd_runtime::split_version(&sm).is_some() {
        rt.version(&sm)?;
    } else {
        rt.state_machine(&sm)?;
    }
    let redriven = match i.redrive_filter.as_deref() {
        None => None,
        Some("REDRIVEN") => Some(true),
        Some("NOT_REDRIVEN") => Some(false),
        Some(other) => {
            return Err(ApiError::validation(format!(
                "redriveFilter must be REDRIVEN or NOT_REDRIVEN, not '{other}'"
            )));
        }
    };
    let status = i.status_filter;
    let after = match i.next_token.as_deref() {
        Some(t) => Some(unhex(t).ok_or(Error::InvalidCursor)?),
        None => None,
    };
    let limit = max_results(i.max_results);
    let (records, next) = rt
        .read(move |rt| {
            let filter = stepd_runtime::ExecutionFilter {
                status: status.as_deref(),
                redriven,
            };
            rt.list_executions(&sm, &filter, after.as_deref(), limit)
        })
        .await?;
    let items: Vec<Value> = records.iter().map(listed).collect();
    let mut out = json!({ "executions": items });
    if let Some(next) = next {
        out["nextToken"] = json!(hex(&next));
    }
    Ok(out)
}

/// An execution as ListExecutions shows it.
fn listed(r: &ExecutionRecord) -> Value {
    let mut item = json!({"executionArn": r.arn, "stateMachineArn": r.state_machine_arn, "name": r.name,
        "status": r.status(), "startDate": seconds(r.start), "redriveCount": r.redrive_count});
    if let Some(stop) = r.stop {
        item["stopDate"] = seconds(stop);
    }
    if let Some(at) = r.redrive_date {
        item["redriveDate"] = seconds(at);
    }
    qualifiers(r, &mut item);
    item
}

/// The version and alias ARNs an execution was started with, if it was.
fn qualifiers(r: &ExecutionRecord, out: &mut Value) {
    if let Some(v) = r.version {
        out["stateMachineVersionArn"] = json!(arn::version(&r.state_machine_arn, v));
    }
    if let Some(a) = &r.alias {
        out["stateMachineAliasArn"] = json!(arn::alias(&r.state_machine_arn, a));
    }
}

/// DescribeExecution's answer at `now` (which says whether it may still be redriven).
pub(crate) fn describe(r: &ExecutionRecord, now: Millis) -> Value {
    let mut out = json!({
        "executionArn": r.arn,
        "stateMachineArn": r.state_machine_arn,
        "name": r.name,
        "status": r.status(),
        "startDate": seconds(r.start),
        "input": r.input.to_string(),
        "inputDetails": {"included": true},
    });
    qualifiers(r, &mut out);
    out["redriveCount"] = json!(r.redrive_count);
    if let Some(at) = r.redrive_date {
        out["redriveDate"] = seconds(at);
    }
    if let Some(stop) = r.stop {
        let status = if r.redrivable(now) {
            "REDRIVABLE"
        } else {
            "NOT_REDRIVABLE"
        };
        out["redriveStatus"] = json!(status);
        out["stopDate"] = seconds(stop);
    }
    match &r.outcome {
        Some(Outcome::Succeeded { output }) => {
            out["output"] = json!(output.to_string());
            out["outputDetails"] = json!({"included": true});
        }
        Some(Outcome::Failed { error, cause } | Outcome::TimedOut { error, cause }) => {
            if !error.is_empty() {
                out["error"] = json!(error);
            }
            if !cause.is_empty() {
                out["cause"] = json!(cause);
            }
        }
        Some(Outcome::Aborted { error, cause }) => {
            if let Some(e) = error {
                out["error"] = json!(e);
            }
            if let Some(c) = cause {
                out["cause"] = json!(c);
            }
        }
        None => {}
    }
    out
}
