//! StartSyncExecution: an EXPRESS machine's execution run to its end while the caller waits.

use super::common::{generated_name, json_text, seconds};
use crate::serve::error::{ApiError, Code};
use serde::Deserialize;
use serde_json::{Value, json};
use stepd_core::Outcome;
use stepd_runtime::Runtime;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StartSyncExecutionInput {
    state_machine_arn: String,
    name: Option<String>,
    input: Option<String>,
}

pub(super) async fn start_sync(
    rt: &Runtime,
    i: StartSyncExecutionInput,
) -> Result<Value, ApiError> {
    let machine = i.state_machine_arn.as_str();
    let name = i.name.unwrap_or_else(generated_name);
    let exec_input = json_text("input", i.input.as_deref(), Code::InvalidExecutionInput)?;
    let base = stepd_runtime::split_version(machine).map_or(machine, |(b, _)| b);
    let done = rt
        .start_sync_execution(machine, &name, exec_input.clone())
        .await?;
    let mut out = json!({
        "executionArn": done.execution_arn,
        "stateMachineArn": base,
        "name": name,
        "startDate": seconds(done.start),
        "stopDate": seconds(done.stop),
        "input": exec_input.to_string(),
        "inputDetails": {"included": true},
        "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": (done.stop - done.start).max(100)},
    });
    let (status, error, cause) = match &done.outcome {
        Outcome::Succeeded { output } => {
            out["output"] = json!(output.to_string());
            out["outputDetails"] = json!({"included": true});
            ("SUCCEEDED", "", "")
        }
        Outcome::Failed { error, cause } => ("FAILED", error.as_str(), cause.as_str()),
        Outcome::TimedOut { error, cause } => ("TIMED_OUT", error.as_str(), cause.as_str()),
        // Nothing can stop an execution nobody else can name.
        Outcome::Aborted { error, cause } => (
            "FAILED",
            error.as_deref().unwrap_or(""),
            cause.as_deref().unwrap_or(""),
        ),
    };
    out["status"] = json!(status);
    if !error.is_empty() {
        out["error"] = json!(error);
    }
    if !cause.is_empty() {
        out["cause"] = json!(cause);
    }
    Ok(out)
}
