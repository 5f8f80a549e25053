//! The AWS JSON 1.0 protocol: one `POST /` whose `X-Amz-Target` names the operation; shapes and error names
//! from the botocore model. A request is checked against the model (`shapes`) and its ARNs (`arns`), read
//! into its typed `Operation` once, and handed to that operation's function; errors are
//! `{"__type": ..., "message": ...}` (see `error`).

use super::error::{ApiError, Code};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use operation::Operation;
use serde_json::Value;
use stepd_runtime::Runtime;

mod activities;
mod aliases;
mod arns;
mod common;
mod executions;
mod history;
mod jobs;
mod machines;
mod operation;
mod schedules;
pub(super) mod shapes;
mod sync;
mod tags;
mod tasks;
mod test_state;
mod versions;

pub(super) use common::{generated_name, payload_size, seconds};
pub(super) use executions::describe;
pub(super) use machines::describe_machine;

/// Largest request accepted (a definition may be 1 MiB, and JSON escaping grows it).
const MAX_BODY: usize = 4 * 1024 * 1024;

pub(crate) fn router(rt: Runtime) -> Router {
    Router::new()
        .route("/", post(dispatch))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(rt)
}

fn ok(v: Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/x-amz-json-1.0")],
        v.to_string(),
    )
        .into_response()
}

async fn dispatch(State(rt): State<Runtime>, headers: HeaderMap, body: Bytes) -> Response {
    match answer(&rt, &headers, &body).await {
        Ok(v) => ok(v),
        Err(e) => e.into_response(),
    }
}

async fn answer(rt: &Runtime, headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(op) = target.strip_prefix("AWSStepFunctions.") else {
        return Err(ApiError::new(
            Code::UnknownOperationException,
            format!("Unknown operation '{target}'"),
        ));
    };
    let input = match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => Value::Object(m),
        Ok(_) | Err(_) => {
            return Err(ApiError::serialization(
                "The request body must be a JSON object",
            ));
        }
    };
    // As AWS's front end: the shapes first (types, enums, ranges), then the ARNs, then the operation.
    shapes::check(op, &input)?;
    arns::check(&input, rt.arn_prefix())?;
    handle(rt, Operation::parse(op, input)?).await
}

async fn handle(rt: &Runtime, op: Operation) -> Result<Value, ApiError> {
    use Operation as Op;
    match op {
        Op::CreateStateMachine(i) => machines::create(rt, i).await,
        Op::ValidateStateMachineDefinition(i) => machines::validate(rt, i).await,
        Op::DescribeStateMachine(i) => machines::describe(rt, i).await,
        Op::DescribeStateMachineForExecution(i) => machines::describe_for_execution(rt, i).await,
        Op::ListStateMachines(i) => machines::list(rt, i).await,
        Op::DeleteStateMachine(i) => machines::delete(rt, i).await,
        Op::UpdateStateMachine(i) => versions::update(rt, i).await,
        Op::PublishStateMachineVersion(i) => versions::publish(rt, i).await,
        Op::ListStateMachineVersions(i) => versions::list(rt, i),
        Op::DeleteStateMachineVersion(i) => versions::delete(rt, i).await,
        Op::CreateStateMachineAlias(i) => aliases::create(rt, i).await,
        Op::DescribeStateMachineAlias(i) => aliases::describe(rt, i),
        Op::ListStateMachineAliases(i) => aliases::list(rt, i),
        Op::UpdateStateMachineAlias(i) => aliases::update(rt, i).await,
        Op::DeleteStateMachineAlias(i) => aliases::delete(rt, i).await,
        Op::StartExecution(i) => executions::start(rt, i).await,
        Op::StartSyncExecution(i) => sync::start_sync(rt, i).await,
        Op::RedriveExecution(i) => executions::redrive(rt, i).await,
        Op::DescribeExecution(i) => executions::describe_one(rt, i),
        Op::StopExecution(i) => executions::stop(rt, i).await,
        Op::ListExecutions(i) => executions::list(rt, i).await,
        Op::GetExecutionHistory(i) => history::get(rt, i).await,
        Op::TestState(i) => test_state::test_state(rt, i).await,
        Op::SendTaskSuccess(i) => tasks::success(rt, i).await,
        Op::SendTaskFailure(i) => tasks::failure(rt, i).await,
        Op::SendTaskHeartbeat(i) => tasks::heartbeat(rt, i).await,
        Op::CreateActivity(i) => activities::create(rt, i).await,
        Op::DescribeActivity(i) => activities::describe(rt, i),
        Op::DeleteActivity(i) => activities::delete(rt, i).await,
        Op::ListActivities(i) => activities::list(rt, i).await,
        Op::GetActivityTask(i) => activities::get_task(rt, i).await,
        Op::TagResource(i) => tags::tag(rt, i).await,
        Op::UntagResource(i) => tags::untag(rt, i).await,
        Op::ListTagsForResource(i) => tags::list(rt, i),
        Op::CreateSchedule(i) => schedules::put(rt, i, false).await,
        Op::UpdateSchedule(i) => schedules::put(rt, i, true).await,
        Op::GetSchedule(i) => schedules::get(rt, i),
        Op::DeleteSchedule(i) => schedules::delete(rt, i).await,
        Op::ListSchedules(i) => schedules::list(rt, i),
        Op::SubmitJob(i) => jobs::submit(rt, i).await,
        Op::DescribeJob(i) => jobs::describe(rt, i),
        Op::CancelJob(i) => jobs::cancel(rt, i).await,
        Op::ListJobs(i) => jobs::list(rt, i).await,
    }
}
