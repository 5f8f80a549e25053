//! The crate's one error type: why a schedule expression or time zone was rejected.
//!
//! Every message names the form and, for cron, the field, so an operator can fix the expression from the
//! message alone (the API layer passes `Display` straight through as a `ValidationException` message).

/// Why [`crate::Schedule::parse`] rejected its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("schedule expression is empty")]
    Empty,
    #[error("schedule expression is {len} characters long; at most {max} are allowed", max = crate::MAX_EXPRESSION_LEN)]
    TooLong { len: usize },
    #[error(
        "schedule expression '{expression}' is not one of at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)"
    )]
    UnknownForm { expression: String },
    #[error("rate: {0}")]
    Rate(String),
    /// A problem with the cron expression as a whole (its shape rather than one field).
    #[error("cron: {0}")]
    Cron(String),
    #[error("cron: {field}: {problem}")]
    CronField {
        field: &'static str,
        problem: String,
    },
    #[error("at: {0}")]
    At(String),
    /// `detail` is empty for a plain unknown name, or explains that no zone database was found.
    #[error("unknown time zone '{name}'{detail}")]
    UnknownTimeZone { name: String, detail: String },
}
