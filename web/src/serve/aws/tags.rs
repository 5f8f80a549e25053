//! The tag shapes of the API: `tags` as `[{"key", "value"}]` (CreateStateMachine, CreateActivity,
//! TagResource), `tagKeys` as strings (UntagResource), with botocore's length limits.

use super::ApiError;
use serde_json::{Value, json};
use stepd_runtime::Tags;

/// Reads the optional `tags` list; keys 1–128 characters, values up to 256, as botocore constrains them.
pub(super) fn parse(input: &Value) -> Result<Tags, ApiError> {
    let mut tags = Tags::new();
    let Some(list) = input.get("tags").filter(|v| !v.is_null()) else {
        return Ok(tags);
    };
    let items = list
        .as_array()
        .ok_or_else(|| invalid("'tags' must be a list"))?;
    for item in items {
        let text = |k: &str| item.get(k).and_then(Value::as_str);
        let key = text("key").ok_or_else(|| invalid("each tag needs a string 'key'"))?;
        let value = text("value").unwrap_or("");
        if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
            return Err(invalid(
                "tag keys must be 1 to 128 characters and values at most 256",
            ));
        }
        tags.insert(key.to_string(), value.to_string());
    }
    if tags.len() > stepd_runtime::MAX_TAGS {
        return Err(ApiError(
            "TooManyTags",
            format!("At most {} tags per resource", stepd_runtime::MAX_TAGS),
        ));
    }
    Ok(tags)
}

/// Reads `tagKeys`, a list of strings.
pub(super) fn keys(input: &Value) -> Result<Vec<String>, ApiError> {
    let list = input
        .get("tagKeys")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("'tagKeys' must be a list of strings"))?;
    list.iter()
        .map(|k| {
            k.as_str()
                .map(str::to_string)
                .ok_or_else(|| invalid("'tagKeys' must be a list of strings"))
        })
        .collect()
}

/// The `tags` list of ListTagsForResource.
pub(super) fn render(tags: &Tags) -> Value {
    let list: Vec<Value> = tags
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    json!({ "tags": list })
}

fn invalid(message: &str) -> ApiError {
    ApiError("ValidationException", message.to_string())
}
