//! Tags in the API: TagResource, UntagResource and ListTagsForResource, and the `tags` list that
//! CreateStateMachine and CreateActivity take too (`[{"key", "value"}]`), with botocore's length limits.

use crate::serve::error::{ApiError, Code};
use serde::Deserialize;
use serde_json::{Value, json};
use stepd_runtime::{Runtime, Tags};

/// The optional `tags` list (an entry may be null, and is refused).
pub(super) type TagList = Option<Vec<Option<Tag>>>;

#[derive(Deserialize)]
pub(super) struct Tag {
    key: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TagResourceInput {
    resource_arn: String,
    tags: TagList,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UntagResourceInput {
    resource_arn: String,
    tag_keys: Option<Vec<Option<String>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListTagsForResourceInput {
    resource_arn: String,
}

/// Reads the optional `tags` list; keys 1–128 characters, values up to 256, as botocore constrains them.
pub(super) fn parse(list: TagList) -> Result<Tags, ApiError> {
    let mut tags = Tags::new();
    for item in list.into_iter().flatten() {
        let (key, value) = match item {
            Some(Tag {
                key: Some(key),
                value,
            }) => (key, value.unwrap_or_default()),
            _ => return Err(ApiError::validation("each tag needs a string 'key'")),
        };
        if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
            return Err(ApiError::validation(
                "tag keys must be 1 to 128 characters and values at most 256",
            ));
        }
        tags.insert(key, value);
    }
    if tags.len() > stepd_runtime::MAX_TAGS {
        return Err(ApiError::new(
            Code::TooManyTags,
            format!("At most {} tags per resource", stepd_runtime::MAX_TAGS),
        ));
    }
    Ok(tags)
}

pub(super) async fn tag(rt: &Runtime, i: TagResourceInput) -> Result<Value, ApiError> {
    rt.retag(&i.resource_arn, parse(i.tags)?, Vec::new())
        .await?;
    Ok(json!({}))
}

pub(super) async fn untag(rt: &Runtime, i: UntagResourceInput) -> Result<Value, ApiError> {
    let keys = i
        .tag_keys
        .and_then(|keys| keys.into_iter().collect::<Option<Vec<String>>>())
        .ok_or_else(|| ApiError::validation("'tagKeys' must be a list of strings"))?;
    rt.retag(&i.resource_arn, Tags::new(), keys).await?;
    Ok(json!({}))
}

/// The `tags` list of ListTagsForResource.
pub(super) fn list(rt: &Runtime, i: ListTagsForResourceInput) -> Result<Value, ApiError> {
    let list: Vec<Value> = rt
        .tags(&i.resource_arn)?
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    Ok(json!({ "tags": list }))
}
