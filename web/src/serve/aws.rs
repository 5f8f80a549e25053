//! The AWS JSON 1.0 protocol: one `POST /` whose `X-Amz-Target` names the operation; shapes and error names
//! from the botocore model. Errors are HTTP 400 `{"__type": ..., "message": ...}`.

use super::hex::{hex, unhex};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use stepd_runtime::{Error, ExecutionRecord, Runtime};

mod aliases;
mod arns;
mod jobs;
mod schedules;
pub(super) mod shapes;
mod sync;
mod tags;
mod test_state;
mod versions;

/// The role a state machine created without one reports (stepd assumes no IAM role).
const ROLE: &str = "arn:aws:iam::123456789012:role/stepd";

/// The role given at creation, else `ROLE`.
fn role(m: &stepd_runtime::StateMachineRecord) -> &str {
    if m.role_arn.is_empty() {
        ROLE
    } else {
        &m.role_arn
    }
}

/// Largest request accepted (a definition may be 1 MiB, and JSON escaping grows it).
const MAX_BODY: usize = 4 * 1024 * 1024;

pub(crate) fn router(rt: Runtime) -> Router {
    Router::new()
        .route("/", post(dispatch))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(rt)
}

/// An API error: AWS's name and message.
pub(super) struct ApiError(pub(super) &'static str, pub(super) String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self.0 {
            "InternalFailure" => StatusCode::INTERNAL_SERVER_ERROR,
            "ConflictException" => StatusCode::CONFLICT,
            "ServiceUnavailable" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = json!({"__type": self.0, "message": self.1}).to_string();
        (
            status,
            [("content-type", "application/x-amz-json-1.0")],
            body,
        )
            .into_response()
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let name = match &e {
            Error::StateMachineDoesNotExist(_) => "StateMachineDoesNotExist",
            Error::ExecutionDoesNotExist(_) => "ExecutionDoesNotExist",
            Error::ExecutionAlreadyExists(_) => "ExecutionAlreadyExists",
            Error::StateMachineAlreadyExists(_) => "StateMachineAlreadyExists",
            Error::StateMachineDeleting(_) => "StateMachineDeleting",
            Error::ResourceNotFound(_) => "ResourceNotFound",
            Error::TooManyTags(_) => "TooManyTags",
            Error::TaskDoesNotExist(_) => "TaskDoesNotExist",
            Error::TaskTimedOut(_) => "TaskTimedOut",
            Error::InvalidDefinition(_) => "InvalidDefinition",
            Error::InvalidExecutionInput(_) => "InvalidExecutionInput",
            Error::InvalidOutput(_) => "InvalidOutput",
            Error::InvalidCursor => "InvalidToken",
            Error::Conflict(_) => "ConflictException",
            Error::JobAlreadyExists(_) => "JobAlreadyExists",
            Error::JobDoesNotExist(_) => "ResourceNotFound",
            Error::Validation(_) => "ValidationException",
            Error::ExecutionNotRedrivable(_) => "ExecutionNotRedrivable",
            Error::InvalidName(_) => "InvalidName",
            Error::StateMachineTypeNotSupported(_) => "StateMachineTypeNotSupported",
            Error::InvalidArn(_) => "InvalidArn",
            // AWS's common error for a server that cannot serve now (503): the request was fine and a
            // restart serves it again; the botocore model has no Step Functions shape for it.
            Error::Unavailable(_) => "ServiceUnavailable",
            // Retryable in every AWS SDK (botocore lists it among its throttling errors).
            Error::Throttled(_) => "ThrottlingException",
            Error::Store(_) | Error::Corrupt(_) | Error::Closed => "InternalFailure",
        };
        ApiError(name, e.to_string())
    }
}

fn ok(v: Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/x-amz-json-1.0")],
        v.to_string(),
    )
        .into_response()
}

pub(super) fn seconds(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

async fn dispatch(State(rt): State<Runtime>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(op) = target.strip_prefix("AWSStepFunctions.") else {
        return ApiError(
            "UnknownOperationException",
            format!("Unknown operation '{target}'"),
        )
        .into_response();
    };
    let input: Value = match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => Value::Object(m),
        Ok(_) | Err(_) => {
            return ApiError(
                "SerializationException",
                "The request body must be a JSON object".into(),
            )
            .into_response();
        }
    };
    // As AWS's front end: the shapes first (types, enums, ranges), then the ARNs, then the operation.
    if let Err(e) = shapes::check(op, &input).and_then(|()| arns::check(&input, rt.arn_prefix())) {
        return e.into_response();
    }
    match handle(&rt, op, &input).await {
        Ok(v) => ok(v),
        Err(e) => e.into_response(),
    }
}

fn field<'a>(input: &'a Value, name: &str) -> Result<&'a str, ApiError> {
    match input.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ApiError(
            "ValidationException",
            format!("'{name}' must be a string"),
        )),
        None => Err(ApiError(
            "ValidationException",
            format!(
                "1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null"
            ),
        )),
    }
}

fn optional<'a>(input: &'a Value, name: &str) -> Result<Option<&'a str>, ApiError> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError(
            "ValidationException",
            format!("'{name}' must be a string"),
        )),
    }
}

/// `taskToken`: 1 to 1,024 characters (botocore's constraint), else `InvalidToken`.
fn token(input: &Value) -> Result<&str, ApiError> {
    let t = field(input, "taskToken")?;
    if t.is_empty() || t.chars().count() > 1024 {
        return Err(ApiError(
            "InvalidToken",
            "Invalid Token: must be 1 to 1024 characters".into(),
        ));
    }
    Ok(t)
}

/// The size limit of every input and output an entry point accepts (JSON API fields and REST bodies alike):
/// `stepd_asl::limits::MAX_PAYLOAD_BYTES` bytes of UTF-8, as AWS counts them (not characters).
pub(super) fn payload_size(name: &str, text: &[u8]) -> Result<(), ApiError> {
    if text.len() > stepd_asl::limits::MAX_PAYLOAD_BYTES {
        return Err(ApiError(
            "ValidationException",
            format!(
                "1 validation error detected: Value at '{name}' failed to satisfy constraint: Member must have length less than or equal to {} (bytes of UTF-8)",
                stepd_asl::limits::MAX_PAYLOAD_BYTES
            ),
        ));
    }
    Ok(())
}

/// JSON text fields (`input`, `output`) carry JSON inside a string, within `payload_size`.
fn json_text(input: &Value, name: &str, invalid: &'static str) -> Result<Value, ApiError> {
    let text = optional(input, name)?.unwrap_or("{}");
    payload_size(name, text.as_bytes())?;
    serde_json::from_str(text).map_err(|e| ApiError(invalid, format!("Invalid {name}: {e}")))
}

async fn handle(rt: &Runtime, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "CreateStateMachine" => {
            let (name, definition) = (field(input, "name")?, field(input, "definition")?);
            let express = match optional(input, "type")? {
                None | Some("STANDARD") => false,
                Some("EXPRESS") => true,
                Some(other) => {
                    return Err(ApiError(
                        "ValidationException",
                        format!(
                            "1 validation error detected: Value '{other}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
                        ),
                    ));
                }
            };
            let (arn, version) = rt
                .create_state_machine(stepd_runtime::MachineSpec {
                    role_arn: optional(input, "roleArn")?.unwrap_or("").to_string(),
                    tags: tags::parse(input)?,
                    express,
                    publish: versions::publishing(input)?.map(str::to_string),
                    ..stepd_runtime::MachineSpec::new(name, definition)
                })
                .await?;
            // The original creation date when this answered an existing machine (a concurrent delete may
            // already have removed it: the creation still happened, so answer now rather than fail).
            let created = rt.state_machine(&arn).map_or_else(|_| now(), |m| m.created);
            let mut out = json!({"stateMachineArn": arn, "creationDate": seconds(created)});
            if let Some(v) = version {
                out["stateMachineVersionArn"] = json!(v);
            }
            Ok(out)
        }
        "ValidateStateMachineDefinition" => {
            let (text, express) = (
                field(input, "definition")?.to_string(),
                optional(input, "type")? == Some("EXPRESS"),
            );
            let mut report = rt
                .read(move |_| Ok(stepd_asl::validate(&text, stepd_asl::Options { express })))
                .await?;
            if let Some(def) = &report.definition {
                let warnings = rt.resource_warnings(def);
                report.diagnostics.extend(warnings);
            }
            Ok(
                json!({"result": if report.is_valid() { "OK" } else { "FAIL" }, "diagnostics": report.diagnostics, "truncated": false}),
            )
        }
        "StartExecution" => {
            let sm = field(input, "stateMachineArn")?;
            let name = optional(input, "name")?.map_or_else(generated_name, str::to_string);
            let exec_input = json_text(input, "input", "InvalidExecutionInput")?;
            let arn = rt.start_execution(sm, &name, exec_input).await?;
            // An EXPRESS execution is not stored: its start is now.
            let start = rt
                .describe_execution(&arn)
                .map_or_else(|_| now(), |r| r.start);
            Ok(json!({"executionArn": arn, "startDate": seconds(start)}))
        }
        "StartSyncExecution" => sync::start_sync(rt, input).await,
        "RedriveExecution" => {
            let (arn, token) = (
                field(input, "executionArn")?,
                optional(input, "clientToken")?,
            );
            let at = rt.redrive_execution(arn, token).await?;
            Ok(json!({"redriveDate": seconds(at)}))
        }
        "TestState" => test_state::test_state(rt, input).await,
        "DescribeExecution" => {
            let mut out = describe(&rt.describe_execution(field(input, "executionArn")?)?);
            if optional(input, "includedData")? == Some("METADATA_ONLY")
                && let Some(o) = out.as_object_mut()
            {
                for k in ["input", "inputDetails", "output", "outputDetails"] {
                    o.remove(k);
                }
            }
            Ok(out)
        }
        "GetExecutionHistory" => {
            let arn = field(input, "executionArn")?.to_string();
            let query = stepd_runtime::HistoryQuery {
                reverse: input.get("reverseOrder") == Some(&Value::Bool(true)),
                include_data: input.get("includeExecutionData") != Some(&Value::Bool(false)),
                after: optional(input, "nextToken")?
                    .map(|t| t.parse::<u64>().map_err(|_| invalid_token()))
                    .transpose()?,
                limit: max_results(input),
            };
            let page = rt.read(move |rt| rt.history_page(&arn, &query)).await?;
            let mut out = json!({ "events": page.events });
            if let Some(n) = page.next {
                out["nextToken"] = json!(n.to_string());
            }
            Ok(out)
        }
        "SendTaskSuccess" => {
            let token = token(input)?;
            let output = json_text(input, "output", "InvalidOutput")?;
            rt.send_task_success(token, output).await?;
            Ok(json!({}))
        }
        "SendTaskFailure" => {
            let token = token(input)?;
            rt.send_task_failure(
                token,
                optional(input, "error")?.unwrap_or(""),
                optional(input, "cause")?.unwrap_or(""),
            )
            .await?;
            Ok(json!({}))
        }
        "SendTaskHeartbeat" => {
            rt.send_task_heartbeat(token(input)?).await?;
            Ok(json!({}))
        }
        "StopExecution" => {
            let arn = field(input, "executionArn")?;
            let (error, cause) = (
                optional(input, "error")?.map(String::from),
                optional(input, "cause")?.map(String::from),
            );
            rt.stop_execution(arn, error, cause).await?;
            let stop = rt.describe_execution(arn)?.stop.unwrap_or_else(now);
            Ok(json!({"stopDate": seconds(stop)}))
        }
        "DescribeStateMachine" => {
            let arn = field(input, "stateMachineArn")?;
            if stepd_runtime::split_version(arn).is_some() {
                return versions::describe(rt, arn);
            }
            let arn = arn.to_string();
            Ok(rt
                .read(move |rt| {
                    let m = rt.state_machine(&arn)?;
                    describe_machine(rt, &m, &m.definition_id)
                })
                .await?)
        }
        op if versions::OPS.contains(&op) => versions::handle(rt, op, input).await,
        op if aliases::OPS.contains(&op) => aliases::handle(rt, op, input).await,
        "DescribeStateMachineForExecution" => {
            // The definition the execution runs with, which an update may since have replaced.
            let arn = field(input, "executionArn")?.to_string();
            Ok(rt
                .read(move |rt| {
                    let record = rt.describe_execution(&arn)?;
                    let m = rt.state_machine(&record.state_machine_arn)?;
                    describe_machine(rt, &m, &record.definition_id)
                })
                .await?)
        }
        "ListStateMachines" => {
            let all: Vec<Value> = rt
                .read(|rt| rt.state_machines())
                .await?
                .into_iter()
                .map(|m| json!({"stateMachineArn": m.arn, "name": m.name, "type": if m.express { "EXPRESS" } else { "STANDARD" }, "creationDate": seconds(m.created)}))
                .collect();
            page(input, all, "stateMachines")
        }
        "ListExecutions" => {
            let sm = field(input, "stateMachineArn")?;
            if let Some((base, _)) = stepd_runtime::split_alias(sm) {
                rt.alias(sm)
                    .map_err(|_| Error::StateMachineDoesNotExist(sm.into()))?;
                rt.state_machine(base)?;
            } else if stepd_runtime::split_version(sm).is_some() {
                rt.version(sm)?;
            } else {
                rt.state_machine(sm)?;
            }
            let redriven = match optional(input, "redriveFilter")? {
                None => None,
                Some("REDRIVEN") => Some(true),
                Some("NOT_REDRIVEN") => Some(false),
                Some(other) => {
                    return Err(ApiError(
                        "ValidationException",
                        format!("redriveFilter must be REDRIVEN or NOT_REDRIVEN, not '{other}'"),
                    ));
                }
            };
            let status = optional(input, "statusFilter")?.map(str::to_string);
            let after = match optional(input, "nextToken")? {
                Some(t) => Some(unhex(t).ok_or(Error::InvalidCursor)?),
                None => None,
            };
            let (sm, limit) = (sm.to_string(), max_results(input));
            let (records, next) = rt
                .read(move |rt| {
                    let filter = stepd_runtime::ExecutionFilter {
                        status: status.as_deref(),
                        redriven,
                    };
                    rt.list_executions(&sm, &filter, after.as_deref(), limit)
                })
                .await?;
            let items: Vec<Value> = records
                .iter()
                .map(|r| {
                    let mut item = json!({"executionArn": r.arn, "stateMachineArn": r.state_machine_arn, "name": r.name,
                        "status": r.status(), "startDate": seconds(r.start), "redriveCount": r.redrive_count});
                    if let Some(stop) = r.stop {
                        item["stopDate"] = seconds(stop);
                    }
                    if let Some(at) = r.redrive_date {
                        item["redriveDate"] = seconds(at);
                    }
                    if let Some(v) = r.version {
                        item["stateMachineVersionArn"] = json!(format!("{}:{v}", r.state_machine_arn));
                    }
                    if let Some(a) = &r.alias {
                        item["stateMachineAliasArn"] = json!(format!("{}:{a}", r.state_machine_arn));
                    }
                    item
                })
                .collect();
            let mut out = json!({ "executions": items });
            if let Some(next) = next {
                out["nextToken"] = json!(hex(&next));
            }
            Ok(out)
        }
        "CreateActivity" => {
            let arn = rt
                .create_activity_tagged(field(input, "name")?, tags::parse(input)?)
                .await?;
            Ok(json!({"activityArn": arn, "creationDate": seconds(now())}))
        }
        "DescribeActivity" => {
            let a = activity(rt, field(input, "activityArn")?)?;
            Ok(json!({"activityArn": a.arn, "name": a.name, "creationDate": seconds(a.created)}))
        }
        "TagResource" => {
            let arn = field(input, "resourceArn")?;
            rt.retag(arn, tags::parse(input)?, Vec::new()).await?;
            Ok(json!({}))
        }
        "UntagResource" => {
            let arn = field(input, "resourceArn")?;
            rt.retag(arn, stepd_runtime::Tags::new(), tags::keys(input)?)
                .await?;
            Ok(json!({}))
        }
        "ListTagsForResource" => Ok(tags::render(&rt.tags(field(input, "resourceArn")?)?)),
        "DeleteStateMachine" => {
            rt.delete_state_machine(field(input, "stateMachineArn")?)
                .await?;
            Ok(json!({}))
        }
        "DeleteActivity" => {
            rt.delete_activity(field(input, "activityArn")?).await?;
            Ok(json!({}))
        }
        "ListActivities" => {
            let all: Vec<Value> = rt
                .read(|rt| rt.activities())
                .await?
                .into_iter()
                .map(|a| json!({"activityArn": a.arn, "name": a.name, "creationDate": seconds(a.created)}))
                .collect();
            page(input, all, "activities")
        }
        "GetActivityTask" => {
            // The long poll AWS documents: up to 60 seconds, then an empty answer.
            let arn = field(input, "activityArn")?;
            activity(rt, arn)?;
            match rt
                .get_activity_task(arn, std::time::Duration::from_secs(60))
                .await?
            {
                Some((token, task_input)) => {
                    Ok(json!({"taskToken": token, "input": task_input.to_string()}))
                }
                None => Ok(json!({})),
            }
        }
        "CreateSchedule" | "UpdateSchedule" | "GetSchedule" | "DeleteSchedule"
        | "ListSchedules" => schedules::handle(rt, op, input).await,
        "SubmitJob" | "DescribeJob" | "ListJobs" | "CancelJob" => jobs::handle(rt, op, input).await,
        other => Err(ApiError(
            "UnknownOperationException",
            format!("Unknown operation '{other}'"),
        )),
    }
}

/// A name for an execution started without one: UUID-shaped and unique within this process (time, pid and
/// a counter, mixed).
pub(super) fn generated_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let (a, b) = (
        mix(now() as u64 ^ u64::from(std::process::id()) << 40),
        mix(n),
    );
    let (hi, lo) = ((a & !0xF000) | 0x4000, (b & !(0b11 << 62)) | (0b10 << 62));
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

fn activity(rt: &Runtime, arn: &str) -> Result<stepd_runtime::ActivityRecord, ApiError> {
    rt.activity(arn)?.ok_or_else(|| {
        ApiError(
            "ActivityDoesNotExist",
            format!("Activity Does Not Exist: '{arn}'"),
        )
    })
}

/// DescribeStateMachine's answer, with the definition whose id is `definition_id` (the machine's current
/// one, or the one an execution ran with).
pub(super) fn describe_machine(
    rt: &Runtime,
    m: &stepd_runtime::StateMachineRecord,
    definition_id: &str,
) -> Result<Value, Error> {
    let definition = rt.definition_text(definition_id)?;
    Ok(
        json!({"stateMachineArn": m.arn, "name": m.name, "status": if m.deleting { "DELETING" } else { "ACTIVE" }, "definition": definition,
        "roleArn": role(m), "type": if m.express { "EXPRESS" } else { "STANDARD" }, "creationDate": seconds(m.created), "revisionId": definition_id}),
    )
}

/// `maxResults`: 0 or absent means 100; AWS allows at most 1000.
fn max_results(input: &Value) -> usize {
    input
        .get("maxResults")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
        .unwrap_or(100)
        .min(1000) as usize
}

fn invalid_token() -> ApiError {
    ApiError("InvalidToken", "Invalid pagination token".into())
}

/// One page of a list (`maxResults` up to 1,000, default 100; `nextToken` is the offset).
fn page(input: &Value, all: Vec<Value>, key: &str) -> Result<Value, ApiError> {
    let max = max_results(input);
    let start = match optional(input, "nextToken")? {
        Some(t) => t.parse::<usize>().map_err(|_| invalid_token())?,
        None => 0,
    };
    let mut out = json!({ key: all.iter().skip(start).take(max).cloned().collect::<Vec<_>>() });
    if start + max < all.len() {
        out["nextToken"] = json!((start + max).to_string());
    }
    Ok(out)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub(super) fn describe(r: &ExecutionRecord) -> Value {
    let mut out = json!({
        "executionArn": r.arn,
        "stateMachineArn": r.state_machine_arn,
        "name": r.name,
        "status": r.status(),
        "startDate": seconds(r.start),
        "input": r.input.to_string(),
        "inputDetails": {"included": true},
    });
    if let Some(v) = r.version {
        out["stateMachineVersionArn"] = json!(format!("{}:{v}", r.state_machine_arn));
    }
    if let Some(a) = &r.alias {
        out["stateMachineAliasArn"] = json!(format!("{}:{a}", r.state_machine_arn));
    }
    out["redriveCount"] = json!(r.redrive_count);
    if let Some(at) = r.redrive_date {
        out["redriveDate"] = seconds(at);
    }
    let redrivable = r
        .stop
        .is_some_and(|stop| now() - stop <= 14 * 24 * 3600 * 1000)
        && !matches!(r.outcome, Some(stepd_core::Outcome::Succeeded { .. }));
    if r.stop.is_some() {
        out["redriveStatus"] = json!(if redrivable {
            "REDRIVABLE"
        } else {
            "NOT_REDRIVABLE"
        });
    }
    if let Some(stop) = r.stop {
        out["stopDate"] = seconds(stop);
    }
    match &r.outcome {
        Some(stepd_core::Outcome::Succeeded { output }) => {
            out["output"] = json!(output.to_string());
            out["outputDetails"] = json!({"included": true});
        }
        Some(
            stepd_core::Outcome::Failed { error, cause }
            | stepd_core::Outcome::TimedOut { error, cause },
        ) => {
            if !error.is_empty() {
                out["error"] = json!(error);
            }
            if !cause.is_empty() {
                out["cause"] = json!(cause);
            }
        }
        Some(stepd_core::Outcome::Aborted { error, cause }) => {
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
