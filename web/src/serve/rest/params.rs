//! What the REST routes read from a request besides the body's bytes: query parameters (percent-decoded,
//! enums, `limit`), path names (axum's refusals answered as AWS's errors) and JSON bodies.

use crate::serve::aws::{payload_size, shapes};
use crate::serve::error::{ApiError, Code};
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde_json::{Value, json};

/// `key=value&…` (values percent-decoded) → the value of `key`.
pub(crate) fn param(query: &Option<String>, key: &str) -> Result<Option<String>, ApiError> {
    let Some(query) = query.as_deref() else {
        return Ok(None);
    };
    query
        .split('&')
        .find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == key).then(|| percent_decode(v))
        })
        .transpose()
}

/// A parameter whose values are those of the API's enum `shape` (`status`: ListExecutions' `statusFilter`).
pub(super) fn enum_param(
    query: &Option<String>,
    key: &str,
    shape: &str,
) -> Result<Option<String>, ApiError> {
    let value = param(query, key)?;
    let allowed = shapes::enum_values(shape);
    match value {
        Some(v) if !allowed.contains(&v) => Err(ApiError::validation(format!(
            "'{key}' must be one of [{}], not '{v}'",
            allowed.join(", ")
        ))),
        value => Ok(value),
    }
}

/// Percent-decoding (and `+` as a space). Bytes that are not UTF-8 once decoded are refused rather than
/// replaced: replacing them would give two spellings (`%FF`, `%FE`) the same name.
fn percent_decode(s: &str) -> Result<String, ApiError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| {
        ApiError::validation(format!(
            "The query parameter '{s}' is not UTF-8 once percent-decoded"
        ))
    })
}

/// Path parameters (names, tokens), percent-decoded by axum, which refuses bytes that are not UTF-8; its
/// refusal is answered as AWS's JSON error instead of axum's plain text.
pub(super) struct Names<T>(pub(super) T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for Names<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(t)) => Ok(Names(t)),
            Err(e) => Err(ApiError::validation(e.body_text())),
        }
    }
}

/// A JSON body (empty means `{}`) standing for the API field `name`, within the same size limit.
pub(super) fn json_body(body: &Bytes, name: &str, invalid: Code) -> Result<Value, ApiError> {
    payload_size(name, body)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::new(invalid, format!("Invalid JSON: {e}")))
}

/// `?limit=N`: 0 or absent means 100, at most 1000 (as the API's `maxResults`).
pub(crate) fn limit(query: &Option<String>) -> Result<usize, ApiError> {
    Ok(match param(query, "limit")? {
        None => 100,
        Some(l) => match l.parse::<usize>() {
            Ok(0) => 100,
            Ok(n) if n <= 1000 => n,
            _ => {
                return Err(ApiError::validation(format!(
                    "'limit' must be an integer from 0 to 1000, not '{l}'"
                )));
            }
        },
    })
}

/// A `?next=` that no page gave.
pub(super) fn invalid_next() -> ApiError {
    ApiError::new(Code::InvalidToken, "Invalid Token: 'next'")
}
