//! Versions in the API: UpdateStateMachine (with `publish`), PublishStateMachineVersion,
//! ListStateMachineVersions, DeleteStateMachineVersion, and DescribeStateMachine on a version ARN.

use super::common::{page, seconds};
use super::machines::{kind, role};
use crate::serve::error::{ApiError, Code};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};
use stepd_runtime::Runtime;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UpdateStateMachineInput {
    state_machine_arn: String,
    definition: Option<String>,
    role_arn: Option<String>,
    logging_configuration: Option<IgnoredAny>,
    tracing_configuration: Option<IgnoredAny>,
    publish: Option<bool>,
    version_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PublishStateMachineVersionInput {
    state_machine_arn: String,
    revision_id: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListStateMachineVersionsInput {
    state_machine_arn: String,
    max_results: Option<u64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DeleteStateMachineVersionInput {
    state_machine_version_arn: String,
}

/// `publish`/`versionDescription` of Create and Update: the description to publish with, if publishing.
pub(super) fn publishing(
    publish: Option<bool>,
    description: Option<String>,
) -> Result<Option<String>, ApiError> {
    if publish == Some(true) {
        return Ok(Some(description.unwrap_or_default()));
    }
    if description.is_some() {
        return Err(ApiError::validation(
            "versionDescription can only be set when publish is true",
        ));
    }
    Ok(None)
}

pub(super) async fn update(rt: &Runtime, i: UpdateStateMachineInput) -> Result<Value, ApiError> {
    let changes = i.definition.is_some()
        || i.role_arn.is_some()
        || i.logging_configuration.is_some()
        || i.tracing_configuration.is_some();
    if !changes {
        return Err(ApiError::new(
            Code::MissingRequiredParameter,
            "Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified",
        ));
    }
    let publish = publishing(i.publish, i.version_description)?;
    let updated = rt
        .update_state_machine(
            &i.state_machine_arn,
            i.definition.as_deref(),
            i.role_arn.as_deref(),
            publish.as_deref(),
        )
        .await?;
    let mut out =
        json!({"updateDate": seconds(updated.updated), "revisionId": updated.revision_id});
    if let Some(v) = updated.version_arn {
        out["stateMachineVersionArn"] = json!(v);
    }
    Ok(out)
}

pub(super) async fn publish(
    rt: &Runtime,
    i: PublishStateMachineVersionInput,
) -> Result<Value, ApiError> {
    let v = rt
        .publish_version(
            &i.state_machine_arn,
            i.revision_id.as_deref(),
            i.description.as_deref().unwrap_or(""),
        )
        .await?;
    Ok(json!({"stateMachineVersionArn": v.arn, "creationDate": seconds(v.created)}))
}

pub(super) fn list(rt: &Runtime, i: ListStateMachineVersionsInput) -> Result<Value, ApiError> {
    let items: Vec<Value> = rt
        .versions(&i.state_machine_arn)?
        .into_iter()
        .map(|v| json!({"stateMachineVersionArn": v.arn, "creationDate": seconds(v.created)}))
        .collect();
    page(
        items,
        "stateMachineVersions",
        i.max_results,
        i.next_token.as_deref(),
    )
}

pub(super) async fn delete(
    rt: &Runtime,
    i: DeleteStateMachineVersionInput,
) -> Result<Value, ApiError> {
    rt.delete_version(&i.state_machine_version_arn).await?;
    Ok(json!({}))
}

/// DescribeStateMachine of a version: the version's ARN, definition and description.
pub(super) fn describe(rt: &Runtime, arn: &str) -> Result<Value, ApiError> {
    let (version, definition) = rt.version(arn)?;
    let machine = rt.state_machine(&version.state_machine_arn)?;
    Ok(
        json!({"stateMachineArn": version.arn, "name": machine.name, "status": "ACTIVE",
        "definition": definition, "roleArn": role(rt, &machine), "type": kind(&machine),
        "creationDate": seconds(version.created), "revisionId": version.definition_id,
        "description": version.description}),
    )
}
