//! Aliases in the API: Create/Describe/List/Update/DeleteStateMachineAlias (StartExecution on an alias ARN
//! goes through the runtime).

use super::{ApiError, field, optional, page, seconds};
use serde_json::{Value, json};
use stepd_runtime::Runtime;

/// The operations this module answers.
pub(super) const OPS: [&str; 5] = [
    "CreateStateMachineAlias",
    "DescribeStateMachineAlias",
    "ListStateMachineAliases",
    "UpdateStateMachineAlias",
    "DeleteStateMachineAlias",
];

/// `routingConfiguration`: `[{"stateMachineVersionArn", "weight"}]`.
fn routing(input: &Value) -> Result<Option<Vec<(String, u8)>>, ApiError> {
    let Some(list) = input.get("routingConfiguration").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let bad = || {
        ApiError(
            "ValidationException",
            "routingConfiguration must be a list of {stateMachineVersionArn, weight (0-100)}"
                .into(),
        )
    };
    let items = list.as_array().ok_or_else(bad)?;
    items
        .iter()
        .map(|item| {
            let arn = item.get("stateMachineVersionArn").and_then(Value::as_str);
            let weight = item
                .get("weight")
                .and_then(Value::as_u64)
                .and_then(|w| u8::try_from(w).ok())
                .filter(|w| *w <= 100);
            match (arn, weight) {
                (Some(a), Some(w)) => Ok((a.to_string(), w)),
                _ => Err(bad()),
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn render(arn: &str, a: &stepd_runtime::AliasRecord) -> Value {
    let machine = arn.rsplit_once(':').map_or(arn, |(m, _)| m);
    let routing: Vec<Value> = a
        .routing
        .iter()
        .map(|(v, w)| json!({"stateMachineVersionArn": format!("{machine}:{v}"), "weight": w}))
        .collect();
    json!({"stateMachineAliasArn": arn, "name": a.name, "description": a.description,
        "routingConfiguration": routing, "creationDate": seconds(a.created), "updateDate": seconds(a.updated)})
}

pub(super) async fn handle(rt: &Runtime, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "CreateStateMachineAlias" => {
            let name = field(input, "name")?;
            let routing = routing(input)?.ok_or_else(|| {
                ApiError(
                    "ValidationException",
                    "routingConfiguration is required".into(),
                )
            })?;
            let versions: Vec<&str> = routing.iter().map(|(a, _)| a.as_str()).collect();
            let machine = versions
                .first()
                .and_then(|v| stepd_runtime::split_version(v))
                .map(|(m, _)| m.to_string())
                .ok_or_else(|| ApiError("InvalidArn", format!("Invalid Arn: '{versions:?}'")))?;
            let description = optional(input, "description")?.unwrap_or("");
            let arn = rt
                .create_alias(&machine, name, description, routing)
                .await?;
            let created = rt.alias(&arn).map_or(0, |a| a.created);
            Ok(json!({"stateMachineAliasArn": arn, "creationDate": seconds(created)}))
        }
        "DescribeStateMachineAlias" => {
            let arn = field(input, "stateMachineAliasArn")?;
            Ok(render(arn, &rt.alias(arn)?))
        }
        "ListStateMachineAliases" => {
            let machine = field(input, "stateMachineArn")?;
            let m = rt.state_machine(machine)?;
            let items: Vec<Value> = m
                .aliases
                .values()
                .map(|a| json!({"stateMachineAliasArn": format!("{machine}:{}", a.name), "creationDate": seconds(a.created)}))
                .collect();
            page(input, items, "stateMachineAliases")
        }
        "UpdateStateMachineAlias" => {
            let arn = field(input, "stateMachineAliasArn")?;
            let at = rt
                .update_alias(arn, optional(input, "description")?, routing(input)?)
                .await?;
            Ok(json!({"updateDate": seconds(at)}))
        }
        "DeleteStateMachineAlias" => {
            rt.delete_alias(field(input, "stateMachineAliasArn")?)
                .await?;
            Ok(json!({}))
        }
        other => Err(ApiError(
            "UnknownOperationException",
            format!("Unknown operation '{other}'"),
        )),
    }
}
