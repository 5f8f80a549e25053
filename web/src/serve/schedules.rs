//! The REST surface of schedules: list, create (`POST /schedules`), read, replace (`PUT
//! /schedules/{name}`) and delete. A schedule names its state machine by name or ARN and carries the input
//! each execution starts with.

use super::error::ApiError;
use super::rest::{Answer, ok};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};
use stepd_runtime::{Runtime, ScheduleSpec};

pub(crate) fn router(rt: Runtime) -> Router {
    Router::new()
        .route("/schedules", get(list).post(create))
        .route("/schedules/{name}", get(show).put(replace).delete(remove))
        .with_state(rt)
}

/// The body of a create or replace: `{name, expression, timezone?, stateMachine, input?, enabled?}`.
pub(crate) fn spec(
    rt: &Runtime,
    body: &Value,
    name: Option<&str>,
) -> Result<ScheduleSpec, ApiError> {
    let text = |k: &str| -> Result<Option<String>, ApiError> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::validation(format!("'{k}' must be a string"))),
        }
    };
    let need = |k: &str| -> Result<String, ApiError> {
        text(k)?.ok_or_else(|| ApiError::validation(format!("'{k}' is required")))
    };
    let machine = need("stateMachine")?;
    let state_machine_arn = if machine.starts_with("arn:") {
        machine
    } else {
        rt.state_machine_arn(&machine)
    };
    let enabled = match body.get("enabled") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ApiError::validation("'enabled' must be true or false"));
        }
    };
    Ok(ScheduleSpec {
        name: match name {
            Some(n) => n.to_string(),
            None => need("name")?,
        },
        expression: need("expression")?,
        timezone: text("timezone")?,
        state_machine_arn,
        input: body.get("input").cloned().unwrap_or_else(|| json!({})),
        enabled,
    })
}

fn body_json(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::serialization(format!("The body must be a JSON object: {e}")))
}

async fn list(State(rt): State<Runtime>) -> Answer {
    ok(StatusCode::OK, json!({ "schedules": rt.schedules()? }))
}

async fn create(State(rt): State<Runtime>, body: Bytes) -> Answer {
    let spec = spec(&rt, &body_json(&body)?, None)?;
    ok(
        StatusCode::CREATED,
        json!(rt.put_schedule(spec, false).await?),
    )
}

async fn replace(State(rt): State<Runtime>, Path(name): Path<String>, body: Bytes) -> Answer {
    let spec = spec(&rt, &body_json(&body)?, Some(&name))?;
    ok(StatusCode::OK, json!(rt.put_schedule(spec, true).await?))
}

async fn show(State(rt): State<Runtime>, Path(name): Path<String>) -> Answer {
    ok(StatusCode::OK, json!(rt.schedule(&name)?))
}

async fn remove(State(rt): State<Runtime>, Path(name): Path<String>) -> Answer {
    rt.delete_schedule(&name).await?;
    ok(StatusCode::OK, json!({}))
}
