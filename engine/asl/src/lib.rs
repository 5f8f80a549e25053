//! stepd-asl: the Amazon States Language — typed model, parser and validator. Pure: no I/O, no clock.
//!
//! `validate` reads definition text and returns the model together with every diagnostic, each with AWS's
//! code, wording and location. `parse` is the same for callers that only want a valid definition.

mod build;
mod check;
mod diagnostic;
pub mod intrinsic;
mod json;
mod jsonata;
pub mod limits;
pub mod model;
mod node;
pub mod path;
mod timestamp;

pub use diagnostic::{Code, Diagnostic, Severity, invalid_definition_message};
pub use json::{MAX_DEFINITION_BYTES, MAX_NESTING_DEPTH, drop_deep};
pub use model::Definition;
pub use timestamp::is_rfc3339;

/// What kind of state machine the definition is for; Express machines refuse some resources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    pub express: bool,
}

/// The outcome of validation: the model when there is no error, and every diagnostic found.
#[derive(Debug)]
pub struct Report {
    pub definition: Option<Definition>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn is_valid(&self) -> bool {
        self.definition.is_some()
    }
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The definition is not valid ASL; the message is AWS's `InvalidDefinition` text.
    #[error("{}", invalid_definition_message(.0))]
    InvalidDefinition(Vec<Diagnostic>),
}

/// Reads and checks a definition, collecting every problem rather than stopping at the first.
pub fn validate(text: &str, options: Options) -> Report {
    let value = match json::read_document(text) {
        Ok(v) => v,
        Err(d) => {
            return Report {
                definition: None,
                diagnostics: vec![d],
            };
        }
    };
    let mut diagnostics = Vec::new();
    let definition = build::build(value, options, &mut diagnostics);
    Report {
        definition,
        diagnostics,
    }
}

/// Like `validate`, for raw bytes: text that is not UTF-8 is reported as invalid JSON.
pub fn validate_bytes(bytes: &[u8], options: Options) -> Report {
    match std::str::from_utf8(bytes) {
        Ok(text) => validate(text, options),
        Err(e) => {
            let d = Diagnostic::unlocated(
                Code::InvalidJsonDescription,
                format!("Invalid JSON: text is not UTF-8 ({e})"),
            );
            Report {
                definition: None,
                diagnostics: vec![d],
            }
        }
    }
}

/// Reads a definition that must be valid.
pub fn parse(text: &str, options: Options) -> Result<Definition, Error> {
    let report = validate(text, options);
    match report.definition {
        Some(d) => Ok(d),
        None => Err(Error::InvalidDefinition(report.diagnostics)),
    }
}
