//! The JSON protocol's operations as one typed request: `Operation` has a variant per operation, each with
//! its input struct, and serde reads the body into it once (`{"op": <name>, "input": <body>}`, adjacently
//! tagged). Members an input does not name are ignored, as AWS ignores them.
//!
//! The body has passed `shapes::check` by then, so a member of an operation in the botocore model has its
//! modelled type or is null; a null member is absent (as the shape check treated it), except that a
//! required one answers that it must be a string. stepd's own operations (schedules, jobs) are not in the
//! model: there a null is a value like any other.

use super::{
    activities, aliases, executions, history, jobs, machines, schedules, shapes, sync, tags, tasks,
    test_state, versions,
};
use crate::serve::error::{ApiError, Code};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use serde_path_to_error::Segment;

/// One request of the JSON protocol.
#[derive(Deserialize)]
#[serde(tag = "op", content = "input")]
pub(super) enum Operation {
    CreateStateMachine(machines::CreateStateMachineInput),
    ValidateStateMachineDefinition(machines::ValidateStateMachineDefinitionInput),
    DescribeStateMachine(machines::DescribeStateMachineInput),
    DescribeStateMachineForExecution(machines::DescribeStateMachineForExecutionInput),
    ListStateMachines(machines::ListStateMachinesInput),
    DeleteStateMachine(machines::DeleteStateMachineInput),
    UpdateStateMachine(versions::UpdateStateMachineInput),
    PublishStateMachineVersion(versions::PublishStateMachineVersionInput),
    ListStateMachineVersions(versions::ListStateMachineVersionsInput),
    DeleteStateMachineVersion(versions::DeleteStateMachineVersionInput),
    CreateStateMachineAlias(aliases::CreateStateMachineAliasInput),
    DescribeStateMachineAlias(aliases::DescribeStateMachineAliasInput),
    ListStateMachineAliases(aliases::ListStateMachineAliasesInput),
    UpdateStateMachineAlias(aliases::UpdateStateMachineAliasInput),
    DeleteStateMachineAlias(aliases::DeleteStateMachineAliasInput),
    StartExecution(executions::StartExecutionInput),
    StartSyncExecution(sync::StartSyncExecutionInput),
    RedriveExecution(executions::RedriveExecutionInput),
    DescribeExecution(executions::DescribeExecutionInput),
    StopExecution(executions::StopExecutionInput),
    ListExecutions(executions::ListExecutionsInput),
    GetExecutionHistory(history::GetExecutionHistoryInput),
    TestState(test_state::TestStateInput),
    SendTaskSuccess(tasks::SendTaskSuccessInput),
    SendTaskFailure(tasks::SendTaskFailureInput),
    SendTaskHeartbeat(tasks::SendTaskHeartbeatInput),
    CreateActivity(activities::CreateActivityInput),
    DescribeActivity(activities::ActivityInput),
    DeleteActivity(activities::ActivityInput),
    ListActivities(activities::ListActivitiesInput),
    GetActivityTask(activities::ActivityInput),
    TagResource(tags::TagResourceInput),
    UntagResource(tags::UntagResourceInput),
    ListTagsForResource(tags::ListTagsForResourceInput),
    CreateSchedule(schedules::ScheduleInput),
    UpdateSchedule(schedules::ScheduleInput),
    GetSchedule(schedules::NameInput),
    DeleteSchedule(schedules::NameInput),
    ListSchedules(schedules::ListSchedulesInput),
    SubmitJob(jobs::SubmitJobInput),
    DescribeJob(jobs::JobIdInput),
    CancelJob(jobs::JobIdInput),
    ListJobs(jobs::ListJobsInput),
}

impl Operation {
    /// Reads the operation `name` (the target after `AWSStepFunctions.`) from its body, a JSON object.
    pub(super) fn parse(name: &str, mut input: Value) -> Result<Operation, ApiError> {
        let mut nulls = Vec::new();
        if shapes::modelled(name)
            && let Some(members) = input.as_object_mut()
        {
            members.retain(|member, value| {
                if value.is_null() {
                    nulls.push(member.clone());
                }
                !value.is_null()
            });
        }
        serde_path_to_error::deserialize(json!({"op": name, "input": input})).map_err(|e| {
            if matches!(e.path().iter().next(), Some(Segment::Map { key }) if key == "op") {
                return ApiError::new(
                    Code::UnknownOperationException,
                    format!("Unknown operation '{name}'"),
                );
            }
            rejected(&e, &nulls)
        })
    }
}

/// Reads a member's JSON value as `T` (a structure inside an input), with the same answers as `parse`.
pub(super) fn read<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| rejected(&e, &[]))
}

/// What a request that does not fit its input answers: a required member absent is AWS's "must not be
/// null"; one of another type (or null, where `nulls` names it) must be a string, the only members that can
/// fail once the shapes are checked (the others are JSON values to the handlers).
fn rejected(e: &serde_path_to_error::Error<serde_json::Error>, nulls: &[String]) -> ApiError {
    // serde names an absent member in its `missing_field` error, which has no other trace of it.
    let message = e.inner().to_string();
    let segments: Vec<&Segment> = e.path().iter().collect();
    if let Some(member) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        // A top-level member (the path names the input itself) may have been a null taken out.
        if segments.len() <= 1 && nulls.iter().any(|n| n == member) {
            return must_be_string(member);
        }
        return ApiError::missing(member);
    }
    match segments.last() {
        Some(Segment::Map { key }) => must_be_string(key),
        _ => ApiError::serialization(message),
    }
}

fn must_be_string(member: &str) -> ApiError {
    ApiError::validation(format!("'{member}' must be a string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(op: &str, input: Value) -> Option<(Code, String)> {
        Operation::parse(op, input)
            .err()
            .map(|e| (e.code, e.message))
    }

    #[test]
    fn required_members_and_unknown_operations() {
        let missing = |m: &str| {
            Some((
                Code::ValidationException,
                format!(
                    "1 validation error detected: Value null at '{m}' failed to satisfy constraint: Member must not be null"
                ),
            ))
        };
        let string = |m: &str| Some((Code::ValidationException, format!("'{m}' must be a string")));
        assert_eq!(
            error("StartExecution", json!({})),
            missing("stateMachineArn")
        );
        assert_eq!(
            error("StartExecution", json!({"stateMachineArn": null})),
            string("stateMachineArn")
        );
        assert_eq!(
            error(
                "StartExecution",
                json!({"stateMachineArn": "a", "name": null})
            ),
            None
        );
        // In the order the operation reads them, whatever the body's order.
        assert_eq!(
            error("CreateStateMachine", json!({"definition": null})),
            missing("name")
        );
        assert_eq!(
            error(
                "CreateStateMachine",
                json!({"definition": null, "name": null})
            ),
            string("name")
        );
        assert_eq!(
            error("NoSuchThing", json!({"a": 1})),
            Some((
                Code::UnknownOperationException,
                "Unknown operation 'NoSuchThing'".into()
            ))
        );
        // stepd's own operations: null is a value, the wrong type is named.
        assert_eq!(error("GetSchedule", json!({"Name": null})), string("Name"));
        assert_eq!(error("GetSchedule", json!({"Name": 5})), string("Name"));
        assert_eq!(error("SubmitJob", json!({"job": null})), None);
        assert_eq!(error("SubmitJob", json!({})), missing("job"));
        assert_eq!(error("ListSchedules", json!({"x": 1})), None);
        assert_eq!(
            error("DescribeMapRun", json!({})).map(|e| e.0),
            Some(Code::UnknownOperationException)
        );
    }
}
