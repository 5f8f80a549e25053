//! The REST surface for people, scripts and the viewer (the AWS JSON protocol at `POST /` is for the AWS
//! clients): upload an ASL file as the raw body, start executions with the input as the body, read
//! executions and histories, follow an execution's new events as server-sent events, and answer task
//! tokens from a job wrapper with plain `curl`. Errors are AWS's (`{"__type", "message"}`). The routes are
//! described by `/openapi.json`.

use super::aws::{describe, describe_machine, generated_name, seconds};
use super::error::{ApiError, Code};
use super::hex::{hex, unhex};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use params::{Names, enum_param, invalid_next, json_body};
use serde_json::{Value, json};
use stepd_runtime::Runtime;

mod events;
mod params;

pub(super) use params::{limit, param};

/// The OpenAPI 3 description of these routes.
const OPENAPI: &str = include_str!("openapi.json");

pub(crate) fn router(rt: Runtime) -> Router {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/state-machines", get(list_machines))
        .route(
            "/state-machines/{machine}",
            get(describe_one).post(upload).delete(delete_machine),
        )
        .route(
            "/state-machines/{machine}/executions",
            get(list_executions).post(start),
        )
        .route(
            "/state-machines/{machine}/executions/{execution}",
            get(describe_execution),
        )
        .route(
            "/state-machines/{machine}/executions/{execution}/history",
            get(history),
        )
        .route(
            "/state-machines/{machine}/executions/{execution}/events",
            get(events::events),
        )
        .route(
            "/state-machines/{machine}/executions/{execution}/stop",
            post(stop),
        )
        .route("/tasks/{token}/success", post(task_success))
        .route("/tasks/{token}/failure", post(task_failure))
        .route("/tasks/{token}/heartbeat", post(task_heartbeat))
        .with_state(rt)
}

pub(super) type Answer = Result<Response, ApiError>;

/// A JSON answer with `status` (the REST routes' one shape of success).
pub(super) fn ok(status: StatusCode, v: Value) -> Answer {
    Ok((
        status,
        [("content-type", "application/json")],
        v.to_string(),
    )
        .into_response())
}

async fn openapi() -> Response {
    ([("content-type", "application/json")], OPENAPI).into_response()
}

async fn list_machines(State(rt): State<Runtime>) -> Answer {
    let machines: Vec<Value> = rt
        .read(|rt| rt.state_machines())
        .await?
        .into_iter()
        .map(|m| json!({"name": m.name, "stateMachineArn": m.arn, "creationDate": seconds(m.created)}))
        .collect();
    ok(StatusCode::OK, json!({ "stateMachines": machines }))
}

async fn describe_one(State(rt): State<Runtime>, Names(machine): Names<String>) -> Answer {
    let arn = rt.state_machine_arn(&machine);
    let described = rt
        .read(move |rt| {
            let m = rt.state_machine(&arn)?;
            describe_machine(rt, &m, &m.definition_id)
        })
        .await?;
    ok(StatusCode::OK, described)
}

/// Creates the machine from the raw ASL body, or gives an existing one this definition (running
/// executions keep theirs). `?type=EXPRESS` creates an EXPRESS machine.
async fn upload(
    State(rt): State<Runtime>,
    Names(machine): Names<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Answer {
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::new(Code::InvalidDefinition, "The definition is not UTF-8"))?;
    let express = enum_param(&query, "type", "StateMachineType")?.as_deref() == Some("EXPRESS");
    let report = stepd_asl::validate(&text, stepd_asl::Options { express });
    if !report.is_valid() {
        // People want every diagnostic with its location, not only AWS's one-line message.
        let message = stepd_asl::invalid_definition_message(&report.diagnostics);
        let body = json!({"__type": Code::InvalidDefinition.name(), "message": message, "diagnostics": report.diagnostics});
        return ok(StatusCode::BAD_REQUEST, body);
    }
    // Warnings do not refuse the upload; they come back beside its answer (a mistyped resource, say).
    let mut warnings: Vec<stepd_asl::Diagnostic> = report.diagnostics.clone();
    if let Some(def) = &report.definition {
        warnings.extend(rt.resource_warnings(def));
    }
    let arn = rt.state_machine_arn(&machine);
    if rt.state_machine(&arn).is_ok() {
        let updated = rt
            .update_state_machine(&arn, Some(&text), None, None)
            .await?;
        let body = json!({"stateMachineArn": arn, "revisionId": updated.revision_id, "updateDate": seconds(updated.updated), "warnings": warnings});
        return ok(StatusCode::OK, body);
    }
    let spec = stepd_runtime::MachineSpec {
        express,
        ..stepd_runtime::MachineSpec::new(&machine, &text)
    };
    let (arn, _) = rt.create_state_machine(spec).await?;
    let created = rt.state_machine(&arn).map_or(0, |m| m.created);
    ok(
        StatusCode::CREATED,
        json!({"stateMachineArn": arn, "creationDate": seconds(created), "warnings": warnings}),
    )
}

async fn delete_machine(State(rt): State<Runtime>, Names(machine): Names<String>) -> Answer {
    rt.delete_state_machine(&rt.state_machine_arn(&machine))
        .await?;
    ok(StatusCode::OK, json!({}))
}

/// Starts an execution with the body as its input; `?name=` names it.
async fn start(
    State(rt): State<Runtime>,
    Names(machine): Names<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Answer {
    let input = json_body(&body, "input", Code::InvalidExecutionInput)?;
    let name = param(&query, "name")?.unwrap_or_else(generated_name);
    let arn = rt
        .start_execution(&rt.state_machine_arn(&machine), &name, input)
        .await?;
    let start = rt.describe_execution(&arn).map_or(0, |r| r.start);
    ok(
        StatusCode::CREATED,
        json!({"executionArn": arn, "name": name, "startDate": seconds(start)}),
    )
}

/// Newest first; `?status=RUNNING`, `?limit=N` (default 100, at most 1000), `?next=` from the last page.
async fn list_executions(
    State(rt): State<Runtime>,
    Names(machine): Names<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let arn = rt.state_machine_arn(&machine);
    rt.state_machine(&arn)?;
    // The same rules as ListExecutions' `maxResults` and `statusFilter` (0 means the default).
    let limit = limit(&query)?;
    let after = match param(&query, "next")? {
        Some(t) => Some(unhex(&t).ok_or_else(invalid_next)?),
        None => None,
    };
    let status = enum_param(&query, "status", "ExecutionStatus")?;
    let (records, next) = rt
        .read(move |rt| {
            let filter = stepd_runtime::ExecutionFilter {
                status: status.as_deref(),
                redriven: None,
            };
            rt.list_executions(&arn, &filter, after.as_deref(), limit)
        })
        .await?;
    let now = rt.now();
    let items: Vec<Value> = records.iter().map(|r| describe(r, now)).collect();
    let mut body = json!({ "executions": items });
    if let Some(n) = next {
        body["next"] = json!(hex(&n));
    }
    ok(StatusCode::OK, body)
}

async fn describe_execution(
    State(rt): State<Runtime>,
    Names((machine, execution)): Names<(String, String)>,
) -> Answer {
    let r = rt.describe_execution(&rt.execution_arn(&machine, &execution))?;
    ok(StatusCode::OK, describe(&r, rt.now()))
}

/// One page of the history, oldest first: `?limit=N` (as for executions), `?reverse=true` for newest
/// first, `?data=false` without inputs and outputs, `?next=` from the last page.
async fn history(
    State(rt): State<Runtime>,
    Names((machine, execution)): Names<(String, String)>,
    RawQuery(query): RawQuery,
) -> Answer {
    let arn = rt.execution_arn(&machine, &execution);
    let flag = |name: &str| -> Result<Option<bool>, ApiError> {
        match param(&query, name)?.as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(ApiError::validation(format!(
                "'{name}' must be true or false, not '{other}'"
            ))),
        }
    };
    let q = stepd_runtime::HistoryQuery {
        reverse: flag("reverse")?.unwrap_or(false),
        include_data: flag("data")?.unwrap_or(true),
        after: match param(&query, "next")? {
            None => None,
            Some(t) => Some(t.parse::<u64>().map_err(|_| invalid_next())?),
        },
        limit: limit(&query)?,
    };
    let page = rt.read(move |rt| rt.history_page(&arn, &q)).await?;
    let mut body = json!({ "events": page.events });
    if let Some(n) = page.next {
        body["next"] = json!(n.to_string());
    }
    ok(StatusCode::OK, body)
}

async fn stop(
    State(rt): State<Runtime>,
    Names((machine, execution)): Names<(String, String)>,
    body: Bytes,
) -> Answer {
    let why = json_body(&body, "body", Code::ValidationException)?;
    let text = |k: &str| why.get(k).and_then(Value::as_str).map(String::from);
    let arn = rt.execution_arn(&machine, &execution);
    rt.stop_execution(&arn, text("error"), text("cause"))
        .await?;
    ok(
        StatusCode::OK,
        describe(&rt.describe_execution(&arn)?, rt.now()),
    )
}

/// The body is the task's output (JSON; empty means `{}`).
async fn task_success(
    State(rt): State<Runtime>,
    Names(token): Names<String>,
    body: Bytes,
) -> Answer {
    let output = json_body(&body, "output", Code::InvalidOutput)?;
    rt.send_task_success(&token, output).await?;
    ok(StatusCode::OK, json!({}))
}

/// The body is `{"error": …, "cause": …}` (both optional).
async fn task_failure(
    State(rt): State<Runtime>,
    Names(token): Names<String>,
    body: Bytes,
) -> Answer {
    let failure = json_body(&body, "body", Code::ValidationException)?;
    let text = |k: &str| {
        failure
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    rt.send_task_failure(&token, &text("error"), &text("cause"))
        .await?;
    ok(StatusCode::OK, json!({}))
}

async fn task_heartbeat(State(rt): State<Runtime>, Names(token): Names<String>) -> Answer {
    rt.send_task_heartbeat(&token).await?;
    ok(StatusCode::OK, json!({}))
}
