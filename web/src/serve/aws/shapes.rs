//! Request shapes from the botocore model (`shapes.json`, written from botocore's `service-2.json` by
//! `scripts/api-shapes.py`): every field a request sends is checked against its modelled type, enum and
//! integer range before a handler reads it, as AWS's front end does. A value of the wrong JSON type is a
//! `SerializationException` (the message names what was found, in AWS's words); a value of the right type
//! outside its enum or range is a `ValidationException` listing every such field. Fields the model does
//! not name are ignored, as AWS ignores them. String lengths are left to the handlers, which answer the
//! operation's own errors (`InvalidName`, `InvalidArn`, `InvalidToken`, the payload limit).

use crate::serve::error::ApiError;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Deserialize, Default)]
struct Model {
    /// Operation → its input shape.
    operations: HashMap<String, String>,
    shapes: HashMap<String, Shape>,
}

#[derive(Deserialize)]
struct Shape {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, rename = "enum")]
    values: Vec<String>,
    min: Option<i64>,
    max: Option<i64>,
    #[serde(default)]
    members: HashMap<String, String>,
    member: Option<String>,
    value: Option<String>,
}

/// Request shapes nest a few levels; this bounds the walk whatever a request nests.
const MAX_DEPTH: usize = 16;

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    // The file is part of the binary and a unit test parses it, so the default is never used.
    MODEL.get_or_init(|| serde_json::from_str(include_str!("shapes.json")).unwrap_or_default())
}

/// The enum values of a modelled string shape (REST query parameters reuse them).
pub(crate) fn enum_values(shape: &str) -> &'static [String] {
    model().shapes.get(shape).map_or(&[], |s| &s.values)
}

/// Whether the model has operation `op` (stepd's own operations, schedules and jobs, are not in it).
pub(super) fn modelled(op: &str) -> bool {
    model().operations.contains_key(op)
}

/// Checks a request of `op` (an operation the model does not know passes: the dispatcher answers it).
pub(super) fn check(op: &str, input: &Value) -> Result<(), ApiError> {
    let model = model();
    let Some(shape) = model.operations.get(op) else {
        return Ok(());
    };
    let mut problems = Vec::new();
    walk(model, shape, input, "", 0, &mut problems)?;
    match problems.len() {
        0 => Ok(()),
        n => Err(ApiError::validation(format!(
            "{n} validation error{} detected: {}",
            if n == 1 { "" } else { "s" },
            problems.join("; ")
        ))),
    }
}

/// AWS's name for the kind of JSON value found where another was expected.
fn found(v: &Value) -> &'static str {
    match v {
        Value::Bool(true) => "TRUE_VALUE",
        Value::Bool(false) => "FALSE_VALUE",
        Value::Number(n) if n.is_f64() => "DECIMAL_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::String(_) => "STRING_VALUE",
        Value::Null => "NULL_VALUE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// A value as a validation message quotes it (shortened: the message is no place for a large payload).
fn quoted(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match text.char_indices().nth(128) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

fn walk(
    model: &Model,
    shape_name: &str,
    v: &Value,
    at: &str,
    depth: usize,
    problems: &mut Vec<String>,
) -> Result<(), ApiError> {
    let Some(shape) = model.shapes.get(shape_name) else {
        return Ok(());
    };
    if v.is_null() || depth > MAX_DEPTH {
        return Ok(());
    }
    let java = match shape.kind.as_str() {
        "string" => "String",
        "integer" => "Integer",
        "long" => "Long",
        "float" | "double" => "Double",
        "boolean" => "Boolean",
        _ => "",
    };
    match (shape.kind.as_str(), v) {
        ("string", Value::String(s)) if !shape.values.is_empty() && !shape.values.contains(s) => {
            problems.push(format!(
                "Value '{}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                quoted(v),
                shape.values.join(", ")
            ));
        }
        ("string", Value::String(_)) => {}
        ("integer" | "long", Value::Number(n)) if !n.is_f64() => {
            let n = n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from))
                .unwrap_or_default();
            if let Some(max) = shape.max.filter(|max| n > i128::from(*max)) {
                problems.push(format!(
                    "Value '{n}' at '{at}' failed to satisfy constraint: Member must have value less than or equal to {max}"
                ));
            }
            if let Some(min) = shape.min.filter(|min| n < i128::from(*min)) {
                problems.push(format!(
                    "Value '{n}' at '{at}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
                ));
            }
        }
        ("float" | "double", Value::Number(_)) | ("boolean", Value::Bool(_)) => {}
        ("structure", Value::Object(fields)) => {
            for (name, value) in fields {
                if let Some(member) = shape.members.get(name) {
                    let path = if at.is_empty() {
                        name.clone()
                    } else {
                        format!("{at}.{name}")
                    };
                    walk(model, member, value, &path, depth + 1, problems)?;
                }
            }
        }
        ("list", Value::Array(items)) => {
            if let Some(member) = &shape.member {
                for (i, item) in items.iter().enumerate() {
                    let path = format!("{at}.{}.member", i + 1);
                    walk(model, member, item, &path, depth + 1, problems)?;
                }
            }
        }
        ("map", Value::Object(entries)) => {
            if let Some(value) = &shape.value {
                for (key, item) in entries {
                    walk(
                        model,
                        value,
                        item,
                        &format!("{at}.{key}"),
                        depth + 1,
                        problems,
                    )?;
                }
            }
        }
        (_, Value::Object(_)) => {
            return Err(ApiError::serialization(
                "Start of structure or map found where not expected",
            ));
        }
        ("structure" | "list" | "map", _) => {
            return Err(ApiError::serialization("Unexpected field type"));
        }
        (_, Value::Array(_)) => {
            return Err(ApiError::serialization(format!(
                "Unrecognized collection type class java.lang.{java}"
            )));
        }
        (_, other) if !java.is_empty() => {
            return Err(ApiError::serialization(format!(
                "{} cannot be converted to {java}",
                found(other)
            )));
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::error::Code;
    use serde_json::json;

    #[test]
    fn the_model_is_read() {
        let m = model();
        assert!(m.operations.len() >= 37, "{}", m.operations.len());
        assert_eq!(enum_values("ExecutionStatus").len(), 6);
    }

    fn error(op: &str, input: Value) -> Option<(Code, String)> {
        check(op, &input).err().map(|e| (e.code, e.message))
    }

    /// The error a request must have (a placeholder that fails the test when it has none).
    fn failure(op: &str, input: Value) -> (Code, String) {
        error(op, input).unwrap_or((Code::InternalFailure, String::new()))
    }

    #[test]
    fn types_enums_and_ranges() {
        let sm = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
        assert!(
            error(
                "ListExecutions",
                json!({"stateMachineArn": sm, "maxResults": 1000, "statusFilter": "RUNNING"})
            )
            .is_none()
        );
        assert_eq!(
            error(
                "ListExecutions",
                json!({"stateMachineArn": sm, "maxResults": "5"})
            ),
            Some((
                Code::SerializationException,
                "STRING_VALUE cannot be converted to Integer".into()
            ))
        );
        assert_eq!(
            error("ListExecutions", json!({"stateMachineArn": 7})),
            Some((
                Code::SerializationException,
                "NUMBER_VALUE cannot be converted to String".into()
            ))
        );
        let (name, message) = failure(
            "ListExecutions",
            json!({"stateMachineArn": sm, "maxResults": 1001, "statusFilter": ""}),
        );
        assert_eq!(name, Code::ValidationException);
        assert!(
            message.starts_with("2 validation errors detected: "),
            "{message}"
        );
        assert!(message.contains("at 'maxResults'"), "{message}");
        assert!(message.contains("Value '' at 'statusFilter'"), "{message}");
        // Nested: lists of structures, with AWS's `name.N.member` paths.
        let (_, message) = failure(
            "CreateStateMachineAlias",
            json!({"name": "a", "routingConfiguration": [{"stateMachineVersionArn": sm, "weight": 101}]}),
        );
        assert!(
            message.contains("at 'routingConfiguration.1.member.weight'"),
            "{message}"
        );
        assert_eq!(
            error(
                "GetExecutionHistory",
                json!({"executionArn": "x", "reverseOrder": "yes"})
            )
            .map(|e| e.0),
            Some(Code::SerializationException)
        );
        // Unknown fields and operations pass.
        assert!(
            error(
                "ListExecutions",
                json!({"stateMachineArn": sm, "surprise": [1]})
            )
            .is_none()
        );
        assert!(error("NoSuchOperation", json!({"maxResults": "x"})).is_none());
    }
}
