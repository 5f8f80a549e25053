//! Diagnostics: what the validator reports, one per problem, in AWS's vocabulary.

use serde::Serialize;
use std::fmt;

/// The AWS diagnostic code of a problem, as `ValidateStateMachineDefinition` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    /// The text is not JSON, or not a JSON object, or is too large.
    InvalidJsonDescription,
    /// A field is missing, has the wrong type or value, or does not belong where it is.
    SchemaValidationFailed,
    /// A transition names a state that does not exist, or a state cannot be reached.
    MissingTransitionTarget,
    /// No terminal state can be reached at the top level.
    MissingEndState,
    /// Two states share a name anywhere in the definition.
    DuplicateStateName,
    /// A state name is empty or longer than 80 characters.
    InvalidStateName,
    /// A Map `Label` is too long or has forbidden characters.
    InvalidLabelName,
    /// Two Map states share a `Label`.
    DuplicateLabelName,
    /// A `{% %}` string is not a valid JSONata expression.
    InvalidJsonataExpression,
    /// A JSONata expression uses something Step Functions does not offer there.
    UnsupportedJsonataExpression,
    /// An `Assign` key is not a valid variable name.
    InvalidVariableName,
    /// An `Assign` key is a reserved name.
    ReservedVariableName,
    /// The JSON nests deeper than stepd accepts.
    TooDeeplyNested,
    /// Warning: a string that looks like a path is under a key without `.$`, so it is passed as text.
    NoDollar,
    /// Warning: a Pass state's `Result` has `.$` keys, which are not evaluated there.
    PassResultIsStatic,
    /// Warning (stepd's own): no adapter on this server runs a Task state's resource, so its executions
    /// would fail or wait there.
    UnknownResource,
}

impl Code {
    /// The code as AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidJsonDescription => "INVALID_JSON_DESCRIPTION",
            Code::SchemaValidationFailed => "SCHEMA_VALIDATION_FAILED",
            Code::MissingTransitionTarget => "MISSING_TRANSITION_TARGET",
            Code::MissingEndState => "MISSING_END_STATE",
            Code::DuplicateStateName => "DUPLICATE_STATE_NAME",
            Code::InvalidStateName => "INVALID_STATE_NAME",
            Code::InvalidLabelName => "INVALID_LABEL_NAME",
            Code::DuplicateLabelName => "DUPLICATE_LABEL_NAME",
            Code::InvalidJsonataExpression => "INVALID_JSONATA_EXPRESSION",
            Code::UnsupportedJsonataExpression => "UNSUPPORTED_JSONATA_EXPRESSION",
            Code::InvalidVariableName => "INVALID_VARIABLE_NAME",
            Code::ReservedVariableName => "RESERVED_VARIABLE_NAME",
            Code::TooDeeplyNested => "TOO_DEEPLY_NESTED",
            Code::NoDollar => "NO_DOLLAR",
            Code::PassResultIsStatic => "PASS_RESULT_IS_STATIC",
            Code::UnknownResource => "UNKNOWN_RESOURCE",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a diagnostic is; only errors make a definition invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in a definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    /// AWS's wording, without the code and location.
    pub message: String,
    /// Where, in AWS's notation: a JSON pointer whose array steps are written `[i]`
    /// (`/States/P/Branches[0]/States/A/Next`); `/` is the whole document. `None` when AWS gives none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// 1-based line and column, known for JSON syntax errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Diagnostic {
    /// An error-severity diagnostic at `location` (the empty string means the whole document, `/`).
    pub fn error(code: Code, location: impl Into<String>, message: impl Into<String>) -> Self {
        let location = location.into();
        let location = if location.is_empty() {
            "/".to_string()
        } else {
            location
        };
        Diagnostic {
            location: Some(location),
            ..Diagnostic::unlocated(code, message)
        }
    }

    /// A warning: reported, but the definition stays valid.
    pub fn warning(code: Code, location: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, location, message)
        }
    }

    /// An error-severity diagnostic with no location.
    pub fn unlocated(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: None,
            line: None,
            column: None,
        }
    }
}

/// Formats as AWS does inside `InvalidDefinition`: `CODE: message at /location` (`at null` when unlocated).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        match (&self.location, self.line, self.column) {
            (_, Some(line), Some(column)) => write!(f, " at line {line}, column {column}"),
            (Some(loc), _, _) => write!(f, " at {loc}"),
            (None, _, _) => f.write_str(" at null"),
        }
    }
}

/// The message of AWS's `InvalidDefinition` error for a list of diagnostics.
pub fn invalid_definition_message(diagnostics: &[Diagnostic]) -> String {
    let parts: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(ToString::to_string)
        .collect();
    format!("Invalid State Machine Definition: '{}'", parts.join(", "))
}
