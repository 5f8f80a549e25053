//! Versions in the API: UpdateStateMachine (with `publish`), PublishStateMachineVersion,
//! ListStateMachineVersions, DeleteStateMachineVersion, and DescribeStateMachine on a version ARN.

use super::{ApiError, field, optional, page, seconds};
use serde_json::{Value, json};
use stepd_runtime::Runtime;

/// The operations this module answers.
pub(super) const OPS: [&str; 4] = [
    "UpdateStateMachine",
    "PublishStateMachineVersion",
    "ListStateMachineVersions",
    "DeleteStateMachineVersion",
];

/// `publish`/`versionDescription` of Create and Update: the description to publish with, if publishing.
pub(super) fn publishing(input: &Value) -> Result<Option<&str>, ApiError> {
    let description = optional(input, "versionDescription")?;
    match input.get("publish") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {
            if description.is_some() {
                return Err(ApiError(
                    "ValidationException",
                    "versionDescription can only be set when publish is true".into(),
                ));
            }
            Ok(None)
        }
        Some(Value::Bool(true)) => Ok(Some(description.unwrap_or(""))),
        Some(_) => Err(ApiError(
            "ValidationException",
            "'publish' must be a boolean".into(),
        )),
    }
}

pub(super) async fn handle(rt: &Runtime, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "UpdateStateMachine" => {
            let arn = field(input, "stateMachineArn")?;
            let definition = optional(input, "definition")?;
            let changes = [
                "definition",
                "roleArn",
                "loggingConfiguration",
                "tracingConfiguration",
            ]
            .iter()
            .any(|k| input.get(*k).is_some_and(|v| !v.is_null()));
            if !changes {
                return Err(ApiError(
                    "MissingRequiredParameter",
                    "Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified".into(),
                ));
            }
            let updated = rt
                .update_state_machine(
                    arn,
                    definition,
                    optional(input, "roleArn")?,
                    publishing(input)?,
                )
                .await?;
            let mut out =
                json!({"updateDate": seconds(updated.updated), "revisionId": updated.revision_id});
            if let Some(v) = updated.version_arn {
                out["stateMachineVersionArn"] = json!(v);
            }
            Ok(out)
        }
        "PublishStateMachineVersion" => {
            let v = rt
                .publish_version(
                    field(input, "stateMachineArn")?,
                    optional(input, "revisionId")?,
                    optional(input, "description")?.unwrap_or(""),
                )
                .await?;
            Ok(json!({"stateMachineVersionArn": v.arn, "creationDate": seconds(v.created)}))
        }
        "ListStateMachineVersions" => {
            let items: Vec<Value> = rt
                .versions(field(input, "stateMachineArn")?)?
                .into_iter()
                .map(|v| json!({"stateMachineVersionArn": v.arn, "creationDate": seconds(v.created)}))
                .collect();
            page(input, items, "stateMachineVersions")
        }
        "DeleteStateMachineVersion" => {
            rt.delete_version(field(input, "stateMachineVersionArn")?)
                .await?;
            Ok(json!({}))
        }
        other => Err(ApiError(
            "UnknownOperationException",
            format!("Unknown operation '{other}'"),
        )),
    }
}

/// DescribeStateMachine of a version: the version's ARN, definition and description.
pub(super) fn describe(rt: &Runtime, arn: &str) -> Result<Value, ApiError> {
    let (version, definition) = rt.version(arn)?;
    let machine = rt.state_machine(&version.state_machine_arn)?;
    Ok(
        json!({"stateMachineArn": version.arn, "name": machine.name, "status": "ACTIVE",
        "definition": definition, "roleArn": super::role(&machine), "type": if machine.express { "EXPRESS" } else { "STANDARD" },
        "creationDate": seconds(version.created), "revisionId": version.definition_id,
        "description": version.description}),
    )
}
