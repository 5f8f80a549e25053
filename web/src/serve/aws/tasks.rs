//! Callbacks in the API: SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat answer a task token.

use super::common::json_text;
use crate::serve::error::{ApiError, Code};
use serde::Deserialize;
use serde_json::{Value, json};
use stepd_runtime::Runtime;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SendTaskSuccessInput {
    task_token: String,
    output: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SendTaskFailureInput {
    task_token: String,
    error: Option<String>,
    cause: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SendTaskHeartbeatInput {
    task_token: String,
}

/// `taskToken`: 1 to 1,024 characters (botocore's constraint), else `InvalidToken`.
fn token(t: &str) -> Result<&str, ApiError> {
    if t.is_empty() || t.chars().count() > 1024 {
        return Err(ApiError::new(
            Code::InvalidToken,
            "Invalid Token: must be 1 to 1024 characters",
        ));
    }
    Ok(t)
}

pub(super) async fn success(rt: &Runtime, i: SendTaskSuccessInput) -> Result<Value, ApiError> {
    let token = token(&i.task_token)?;
    let output = json_text("output", i.output.as_deref(), Code::InvalidOutput)?;
    rt.send_task_success(token, output).await?;
    Ok(json!({}))
}

pub(super) async fn failure(rt: &Runtime, i: SendTaskFailureInput) -> Result<Value, ApiError> {
    let token = token(&i.task_token)?;
    rt.send_task_failure(
        token,
        i.error.as_deref().unwrap_or(""),
        i.cause.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(json!({}))
}

pub(super) async fn heartbeat(rt: &Runtime, i: SendTaskHeartbeatInput) -> Result<Value, ApiError> {
    rt.send_task_heartbeat(token(&i.task_token)?).await?;
    Ok(json!({}))
}
