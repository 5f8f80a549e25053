//! Aliases in the API: Create/Describe/List/Update/DeleteStateMachineAlias (StartExecution on an alias ARN
//! goes through the runtime).

use super::common::{page, seconds};
use crate::serve::error::{ApiError, Code};
use serde::Deserialize;
use serde_json::{Value, json};
use stepd_core::arn;
use stepd_runtime::Runtime;

/// `routingConfiguration`: `[{"stateMachineVersionArn", "weight"}]` (an entry may be null, and is refused).
type Routing = Option<Vec<Option<Route>>>;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Route {
    state_machine_version_arn: Option<String>,
    weight: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateStateMachineAliasInput {
    name: String,
    routing_configuration: Routing,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DescribeStateMachineAliasInput {
    state_machine_alias_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListStateMachineAliasesInput {
    state_machine_arn: String,
    max_results: Option<u64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UpdateStateMachineAliasInput {
    state_machine_alias_arn: String,
    description: Option<String>,
    routing_configuration: Routing,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DeleteStateMachineAliasInput {
    state_machine_alias_arn: String,
}

/// The routing as the runtime takes it: (version ARN, weight 0–100).
fn routing(list: Routing) -> Result<Option<Vec<(String, u8)>>, ApiError> {
    let Some(items) = list else {
        return Ok(None);
    };
    items
        .into_iter()
        .map(|item| {
            let Route {
                state_machine_version_arn: arn,
                weight,
            } = item.ok_or_else(bad_routing)?;
            let weight = weight
                .and_then(|w| u8::try_from(w).ok())
                .filter(|w| *w <= 100);
            match (arn, weight) {
                (Some(a), Some(w)) => Ok((a, w)),
                _ => Err(bad_routing()),
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn bad_routing() -> ApiError {
    ApiError::validation(
        "routingConfiguration must be a list of {stateMachineVersionArn, weight (0-100)}",
    )
}

fn render(alias_arn: &str, a: &stepd_runtime::AliasRecord) -> Value {
    let machine = alias_arn.rsplit_once(':').map_or(alias_arn, |(m, _)| m);
    let routing: Vec<Value> = a
        .routing
        .iter()
        .map(|(v, w)| json!({"stateMachineVersionArn": arn::version(machine, *v), "weight": w}))
        .collect();
    json!({"stateMachineAliasArn": alias_arn, "name": a.name, "description": a.description,
        "routingConfiguration": routing, "creationDate": seconds(a.created), "updateDate": seconds(a.updated)})
}

pub(super) async fn create(
    rt: &Runtime,
    i: CreateStateMachineAliasInput,
) -> Result<Value, ApiError> {
    let routing = routing(i.routing_configuration)?
        .ok_or_else(|| ApiError::validation("routingConfiguration is required"))?;
    let versions: Vec<&str> = routing.iter().map(|(a, _)| a.as_str()).collect();
    let machine = versions
        .first()
        .and_then(|v| stepd_runtime::split_version(v))
        .map(|(m, _)| m.to_string())
        .ok_or_else(|| ApiError::new(Code::InvalidArn, format!("Invalid Arn: '{versions:?}'")))?;
    let description = i.description.as_deref().unwrap_or("");
    let alias = rt
        .create_alias(&machine, &i.name, description, routing)
        .await?;
    let created = rt.alias(&alias).map_or(0, |a| a.created);
    Ok(json!({"stateMachineAliasArn": alias, "creationDate": seconds(created)}))
}

pub(super) fn describe(rt: &Runtime, i: DescribeStateMachineAliasInput) -> Result<Value, ApiError> {
    let alias = i.state_machine_alias_arn;
    Ok(render(&alias, &rt.alias(&alias)?))
}

pub(super) fn list(rt: &Runtime, i: ListStateMachineAliasesInput) -> Result<Value, ApiError> {
    let machine = i.state_machine_arn;
    let m = rt.state_machine(&machine)?;
    let items: Vec<Value> = m
        .aliases
        .values()
        .map(|a| json!({"stateMachineAliasArn": arn::alias(&machine, &a.name), "creationDate": seconds(a.created)}))
        .collect();
    page(
        items,
        "stateMachineAliases",
        i.max_results,
        i.next_token.as_deref(),
    )
}

pub(super) async fn update(
    rt: &Runtime,
    i: UpdateStateMachineAliasInput,
) -> Result<Value, ApiError> {
    let routing = routing(i.routing_configuration)?;
    let at = rt
        .update_alias(
            &i.state_machine_alias_arn,
            i.description.as_deref(),
            routing,
        )
        .await?;
    Ok(json!({"updateDate": seconds(at)}))
}

pub(super) async fn delete(
    rt: &Runtime,
    i: DeleteStateMachineAliasInput,
) -> Result<Value, ApiError> {
    rt.delete_alias(&i.state_machine_alias_arn).await?;
    Ok(json!({}))
}
