//! AWS's wording for schema problems, in one place so every check says it the same way.
//!
//! Sources: AWS responses recorded in LocalStack snapshots and in public issue threads (cfn-lint, floci);
//! where AWS's text is unknown the wording follows the same patterns.

/// `These fields are required: [States, StartAt]`, at the object.
pub(crate) fn missing(fields: &[&str]) -> String {
    format!("These fields are required: [{}]", fields.join(", "))
}

/// `Expected value of type [STRING]`, at the field.
pub(crate) fn wrong_type(expected: &str) -> String {
    format!("Expected value of type [{expected}]")
}

/// `Field 'X' is not supported`, at the object holding it.
pub(crate) fn unknown_field(field: &str) -> String {
    format!("Field '{field}' is not supported")
}

/// A field of the other query language, at the state.
pub(crate) fn not_for_language(field: &str, ql: crate::model::QueryLanguage) -> String {
    use crate::model::QueryLanguage::{JSONPath, JSONata};
    let other = if ql == JSONata { JSONPath } else { JSONata };
    format!(
        "The QueryLanguage is set to '{}', but field '{field}' is only supported for the '{}' QueryLanguage",
        ql.as_str(),
        other.as_str()
    )
}

/// `Value should be one of the following: [A, B]`, at the field.
pub(crate) fn one_of(values: &[&str]) -> String {
    format!(
        "Value should be one of the following: [{}]",
        values.join(", ")
    )
}

pub(crate) const JSONPATH: &str = "Value must be a valid JSONPath.";

pub(crate) fn reference_path(reason: &str) -> String {
    format!("Value is not a Reference Path: {reason}")
}

/// For a `"key.$"` field, at the object holding it.
pub(crate) fn path_or_intrinsic(key: &str) -> String {
    format!(
        "The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"
    )
}

pub(crate) fn minimum(min: impl std::fmt::Display) -> String {
    format!("Minimum value is {min}")
}

pub(crate) fn maximum(max: impl std::fmt::Display) -> String {
    format!("Maximum value is {max}")
}

/// Two or more of mutually exclusive fields are set.
pub(crate) fn only_one(fields: &[&str]) -> String {
    format!(
        "There should only be one of the following fields: [{}]",
        fields.join(", ")
    )
}

/// None of the fields of which one is required is set.
pub(crate) fn need_one(fields: &[&str]) -> String {
    format!(
        "This object should have only one of the following fields: [{}]",
        fields.join(", ")
    )
}

pub(crate) const EMPTY: &str = "Value cannot be empty";
