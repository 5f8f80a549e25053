//! API errors: AWS's error names as one typed `Code` (each with its HTTP status) and `ApiError`, the code
//! and its message, answered as AWS answers errors on every surface (the JSON protocol, the REST routes,
//! the intake and the signature check): `{"__type": <name>, "message": ...}` as
//! `application/x-amz-json-1.0`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use stepd_runtime::Error;

/// Declares `Code` with one variant per name; a variant's name is the error's `__type`.
macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// Every error name stepd answers with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Code {
            $($(#[$doc])* $name,)*
        }

        impl Code {
            /// The name AWS gives it (`__type`).
            pub(crate) fn name(&self) -> &'static str {
                match self {
                    $(Code::$name => stringify!($name),)*
                }
            }
        }
    };
}

codes! {
    // Step Functions' own (the botocore model), and stepd's job layer.
    ActivityDoesNotExist,
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    ExecutionNotRedrivable,
    InvalidArn,
    InvalidDefinition,
    InvalidExecutionInput,
    InvalidName,
    InvalidOutput,
    InvalidToken,
    JobAlreadyExists,
    MissingRequiredParameter,
    ResourceNotFound,
    StateMachineAlreadyExists,
    StateMachineDeleting,
    StateMachineDoesNotExist,
    StateMachineTypeNotSupported,
    TaskDoesNotExist,
    TaskTimedOut,
    TooManyTags,
    // AWS's common errors.
    ConflictException,
    InternalFailure,
    SerializationException,
    /// A server that cannot serve now (503): the request was fine and a restart serves it again; the
    /// botocore model has no Step Functions shape for it.
    ServiceUnavailable,
    /// Retryable in every AWS SDK (botocore lists it among its throttling errors).
    ThrottlingException,
    UnknownOperationException,
    ValidationException,
    // The front end's: the signature check, the body's intake, the request deadline.
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    RequestEntityTooLargeException,
    RequestTimeoutException,
    UnrecognizedClientException,
}

impl Code {
    /// The HTTP status it is answered with: 400 unless the request was fine (500, 503), conflicted (409),
    /// was not let in (403, 408, 413).
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Code::InternalFailure => StatusCode::INTERNAL_SERVER_ERROR,
            Code::ConflictException => StatusCode::CONFLICT,
            Code::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::InvalidSignatureException | Code::UnrecognizedClientException => {
                StatusCode::FORBIDDEN
            }
            Code::RequestEntityTooLargeException => StatusCode::PAYLOAD_TOO_LARGE,
            Code::RequestTimeoutException => StatusCode::REQUEST_TIMEOUT,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// An API error: AWS's name and a message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) code: Code,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// A `ValidationException`.
    pub(crate) fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::ValidationException, message)
    }

    /// A `SerializationException`: the request could not be read as its shape.
    pub(crate) fn serialization(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::SerializationException, message)
    }

    /// AWS's message for a required member that is absent.
    pub(crate) fn missing(member: &str) -> ApiError {
        ApiError::validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"__type": self.code.name(), "message": self.message}).to_string();
        (
            self.code.status(),
            [("content-type", "application/x-amz-json-1.0")],
            body,
        )
            .into_response()
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let code = match &e {
            Error::StateMachineDoesNotExist(_) => Code::StateMachineDoesNotExist,
            Error::ExecutionDoesNotExist(_) => Code::ExecutionDoesNotExist,
            Error::ExecutionAlreadyExists(_) => Code::ExecutionAlreadyExists,
            Error::StateMachineAlreadyExists(_) => Code::StateMachineAlreadyExists,
            Error::StateMachineDeleting(_) => Code::StateMachineDeleting,
            Error::ResourceNotFound(_) => Code::ResourceNotFound,
            Error::TooManyTags(_) => Code::TooManyTags,
            Error::TaskDoesNotExist(_) => Code::TaskDoesNotExist,
            Error::TaskTimedOut(_) => Code::TaskTimedOut,
            Error::InvalidDefinition(_) => Code::InvalidDefinition,
            Error::InvalidExecutionInput(_) => Code::InvalidExecutionInput,
            Error::InvalidOutput(_) => Code::InvalidOutput,
            Error::InvalidCursor => Code::InvalidToken,
            Error::Conflict(_) => Code::ConflictException,
            Error::JobAlreadyExists(_) => Code::JobAlreadyExists,
            Error::JobDoesNotExist(_) => Code::ResourceNotFound,
            Error::Validation(_) => Code::ValidationException,
            Error::ExecutionNotRedrivable(_) => Code::ExecutionNotRedrivable,
            Error::InvalidName(_) => Code::InvalidName,
            Error::StateMachineTypeNotSupported(_) => Code::StateMachineTypeNotSupported,
            Error::InvalidArn(_) => Code::InvalidArn,
            Error::Unavailable(_) => Code::ServiceUnavailable,
            Error::Throttled(_) => Code::ThrottlingException,
            Error::Store(_) | Error::Corrupt(_) | Error::Closed => Code::InternalFailure,
        };
        ApiError::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_statuses() {
        assert_eq!(Code::ValidationException.name(), "ValidationException");
        assert_eq!(Code::InvalidArn.name(), "InvalidArn");
        assert_eq!(Code::InvalidArn.status(), StatusCode::BAD_REQUEST);
        assert_eq!(Code::ThrottlingException.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            Code::InternalFailure.status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(Code::ConflictException.status(), StatusCode::CONFLICT);
        assert_eq!(
            Code::ServiceUnavailable.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let e = ApiError::from(Error::Throttled(3));
        assert_eq!(e.code, Code::ThrottlingException);
    }
}
