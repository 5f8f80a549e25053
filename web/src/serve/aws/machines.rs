//! State machines in the API: CreateStateMachine, ValidateStateMachineDefinition, DescribeStateMachine
//! (of a version ARN: see `versions`), DescribeStateMachineForExecution, ListStateMachines and
//! DeleteStateMachine.

use super::common::{page, seconds};
use super::{tags, versions};
use crate::serve::error::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};
use stepd_runtime::{Error, Runtime, StateMachineRecord};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateStateMachineInput {
    name: String,
    definition: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    role_arn: Option<String>,
    tags: tags::TagList,
    publish: Option<bool>,
    version_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ValidateStateMachineDefinitionInput {
    definition: String,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DescribeStateMachineInput {
    state_machine_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DescribeStateMachineForExecutionInput {
    execution_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListStateMachinesInput {
    max_results: Option<u64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DeleteStateMachineInput {
    state_machine_arn: String,
}

/// `STANDARD` (the default) or `EXPRESS`.
fn express(kind: Option<&str>) -> Result<bool, ApiError> {
    match kind {
        None | Some("STANDARD") => Ok(false),
        Some("EXPRESS") => Ok(true),
        Some(other) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{other}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
        ))),
    }
}

pub(super) async fn create(rt: &Runtime, i: CreateStateMachineInput) -> Result<Value, ApiError> {
    let express = express(i.kind.as_deref())?;
    let (arn, version) = rt
        .create_state_machine(stepd_runtime::MachineSpec {
            role_arn: i.role_arn.unwrap_or_default(),
            tags: tags::parse(i.tags)?,
            express,
            publish: versions::publishing(i.publish, i.version_description)?,
            ..stepd_runtime::MachineSpec::new(&i.name, &i.definition)
        })
        .await?;
    // The original creation date when this answered an existing machine (a concurrent delete may
    // already have removed it: the creation still happened, so answer now rather than fail).
    let created = rt
        .state_machine(&arn)
        .map_or_else(|_| rt.now(), |m| m.created);
    let mut out = json!({"stateMachineArn": arn, "creationDate": seconds(created)});
    if let Some(v) = version {
        out["stateMachineVersionArn"] = json!(v);
    }
    Ok(out)
}

pub(super) async fn validate(
    rt: &Runtime,
    i: ValidateStateMachineDefinitionInput,
) -> Result<Value, ApiError> {
    let (text, express) = (i.definition, i.kind.as_deref() == Some("EXPRESS"));
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

pub(super) async fn describe(
    rt: &Runtime,
    i: DescribeStateMachineInput,
) -> Result<Value, ApiError> {
    let arn = i.state_machine_arn;
    if stepd_runtime::split_version(&arn).is_some() {
        return versions::describe(rt, &arn);
    }
    Ok(rt
        .read(move |rt| {
            let m = rt.state_machine(&arn)?;
            describe_machine(rt, &m, &m.definition_id)
        })
        .await?)
}

/// The definition the execution runs with, which an update may since have replaced.
pub(super) async fn describe_for_execution(
    rt: &Runtime,
    i: DescribeStateMachineForExecutionInput,
) -> Result<Value, ApiError> {
    let arn = i.execution_arn;
    Ok(rt
        .read(move |rt| {
            let record = rt.describe_execution(&arn)?;
            let m = rt.state_machine(&record.state_machine_arn)?;
            describe_machine(rt, &m, &record.definition_id)
        })
        .await?)
}

pub(super) async fn list(rt: &Runtime, i: ListStateMachinesInput) -> Result<Value, ApiError> {
    let all: Vec<Value> = rt
        .read(|rt| rt.state_machines())
        .await?
        .into_iter()
        .map(|m| json!({"stateMachineArn": m.arn, "name": m.name, "type": kind(&m), "creationDate": seconds(m.created)}))
        .collect();
    page(all, "stateMachines", i.max_results, i.next_token.as_deref())
}

pub(super) async fn delete(rt: &Runtime, i: DeleteStateMachineInput) -> Result<Value, ApiError> {
    rt.delete_state_machine(&i.state_machine_arn).await?;
    Ok(json!({}))
}

/// `EXPRESS` or `STANDARD`.
pub(super) fn kind(m: &StateMachineRecord) -> &'static str {
    if m.express { "EXPRESS" } else { "STANDARD" }
}

/// The role given at creation, else the server's default role (stepd assumes no IAM role).
pub(super) fn role(rt: &Runtime, m: &StateMachineRecord) -> String {
    if m.role_arn.is_empty() {
        rt.scope().default_role()
    } else {
        m.role_arn.clone()
    }
}

/// DescribeStateMachine's answer, with the definition whose id is `definition_id` (the machine's current
/// one, or the one an execution ran with).
pub(crate) fn describe_machine(
    rt: &Runtime,
    m: &StateMachineRecord,
    definition_id: &str,
) -> Result<Value, Error> {
    let definition = rt.definition_text(definition_id)?;
    Ok(
        json!({"stateMachineArn": m.arn, "name": m.name, "status": if m.deleting { "DELETING" } else { "ACTIVE" }, "definition": definition,
        "roleArn": role(rt, m), "type": kind(m), "creationDate": seconds(m.created), "revisionId": definition_id}),
    )
}
