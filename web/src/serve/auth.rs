//! Access keys and AWS Signature Version 4: with keys configured, every request must carry a valid SigV4
//! `Authorization` header (what the AWS CLI, the SDKs and `curl --aws-sigv4` send) signed with one of them,
//! for service `states` in the server's region, dated within 15 minutes. Failures answer as AWS does:
//! `MissingAuthenticationTokenException`, `IncompleteSignatureException`, `UnrecognizedClientException`,
//! `InvalidSignatureException` (HTTP 400/403, `{"__type", "message"}`).

use super::hex::{hex, unhex};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

type HmacSha256 = Hmac<Sha256>;

/// Largest body the signature check reads (the API's own limit is smaller).
const MAX_BODY: usize = 8 * 1024 * 1024;
/// How far a request's `X-Amz-Date` may be from the server's clock.
const SKEW_MS: i64 = 15 * 60 * 1000;

/// Access key id → secret access key, and the region signatures must be scoped to.
#[derive(Clone)]
pub(crate) struct Keys {
    pub secrets: Arc<HashMap<String, String>>,
    pub region: String,
}

/// Reads a keys file: a JSON object `{"ACCESS_KEY_ID": "SECRET_ACCESS_KEY", …}`.
pub(crate) fn load(path: &std::path::Path, region: &str) -> anyhow::Result<Keys> {
    let text = std::fs::read_to_string(path)?;
    let secrets: HashMap<String, String> = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: expected {{\"KEY_ID\": \"SECRET\"}}: {e}",
            path.display()
        )
    })?;
    if secrets.is_empty() {
        anyhow::bail!("{}: no access keys", path.display());
    }
    Ok(Keys {
        secrets: Arc::new(secrets),
        region: region.to_string(),
    })
}

fn refuse(status: StatusCode, name: &str, message: &str) -> Response {
    let body = json!({"__type": name, "message": message}).to_string();
    (
        status,
        [("content-type", "application/x-amz-json-1.0")],
        body,
    )
        .into_response()
}

/// The middleware: verifies the signature, then hands the request (body intact) on.
pub(crate) async fn verify(State(keys): State<Keys>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ValidationException",
            "Request body too large",
        );
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let query = parts.uri.query().unwrap_or("");
    if let Err((status, name, message)) = check(
        &keys,
        parts.method.as_str(),
        parts.uri.path(),
        query,
        &parts.headers,
        &bytes,
        now,
    ) {
        return refuse(status, name, &message);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

type Refusal = (StatusCode, &'static str, String);

/// The signature check, pure: the request's parts, the secrets, and the time.
pub(crate) fn check(
    keys: &Keys,
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
    now_ms: i64,
) -> Result<(), Refusal> {
    let bad = StatusCode::BAD_REQUEST;
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err((
            bad,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token".into(),
        ));
    };
    let incomplete = |what: &str| {
        (
            bad,
            "IncompleteSignatureException",
            format!("Authorization header requires '{what}' parameter."),
        )
    };
    let Some(fields) = auth.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err((
            bad,
            "IncompleteSignatureException",
            "Only AWS4-HMAC-SHA256 signatures are accepted.".into(),
        ));
    };
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for field in fields.split(',') {
        match field.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let credential = credential.ok_or_else(|| incomplete("Credential"))?;
    let signed = signed.ok_or_else(|| incomplete("SignedHeaders"))?;
    let signature = signature.ok_or_else(|| incomplete("Signature"))?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [key_id, date, region, service, terminal] = scope[..] else {
        return Err((
            bad,
            "IncompleteSignatureException",
            format!("Credential '{credential}' is malformed."),
        ));
    };
    let Some(secret) = keys.secrets.get(key_id) else {
        return Err((
            StatusCode::FORBIDDEN,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.".into(),
        ));
    };
    let invalid = |m: String| (StatusCode::FORBIDDEN, "InvalidSignatureException", m);
    if region != keys.region || service != "states" || terminal != "aws4_request" {
        return Err(invalid(format!(
            "Credential should be scoped to a valid region and the service 'states', not '{region}/{service}'."
        )));
    }
    let amz_date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| incomplete("X-Amz-Date"))?;
    let when = parse_amz_date(amz_date)
        .ok_or_else(|| invalid(format!("X-Amz-Date '{amz_date}' is malformed.")))?;
    if (when - now_ms).abs() > SKEW_MS || !amz_date.starts_with(date) {
        return Err(invalid(format!(
            "Signature expired or not yet valid: {amz_date} is more than 15 minutes from the server's time."
        )));
    }
    let mut canonical_headers = String::new();
    for name in signed.split(';') {
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| collapse(&String::from_utf8_lossy(v.as_bytes())))
            .collect();
        if values.is_empty() {
            return Err(invalid(format!(
                "The signed header '{name}' is not in the request."
            )));
        }
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload = headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
        .filter(|v| *v != "UNSIGNED-PAYLOAD")
        .map_or_else(|| hex(&Sha256::digest(body)), str::to_string);
    let canonical = format!(
        "{method}\n{}\n{}\n{canonical_headers}\n{signed}\n{payload}",
        canonical_path(path),
        canonical_query(query)
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/{service}/aws4_request\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [date, region, service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let given =
        unhex(signature).ok_or_else(|| invalid("The signature is not hexadecimal.".into()))?;
    let mut mac = HmacSha256::new_from_slice(&key).map_err(|e| invalid(e.to_string()))?;
    mac.update(to_sign.as_bytes());
    // Constant-time comparison.
    mac.verify_slice(&given).map_err(|_| {
        invalid("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.".into())
    })
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Trims a header value and collapses runs of spaces, as SigV4 canonicalises them.
fn collapse(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each path segment URI-encoded (the request's path arrives encoded once already; keep it as sent).
fn canonical_path(path: &str) -> String {
    if path.is_empty() {
        "/".into()
    } else {
        path.to_string()
    }
}

/// Query parameters sorted by name then value, each already encoded as sent.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    pairs.sort_unstable();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `20261126T011500Z` → milliseconds since the epoch.
fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        s.get(0..4)?,
        s.get(4..6)?,
        s.get(6..8)?,
        s.get(9..11)?,
        s.get(11..13)?,
        s.get(13..15)?
    );
    stepd_core::parse_timestamp(&rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signature made by botocore (the reference implementation) verifies; a changed body or a stale
    /// date does not.
    #[test]
    fn a_botocore_signature_verifies_and_a_changed_byte_does_not() {
        // botocore: SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "states",
        // "us-east-1").add_auth() over POST http://127.0.0.1:8080/ with this body and target at 2026-11-26 01:00Z.
        let keys = Keys {
            secrets: Arc::new(HashMap::from([(
                "AKIDEXAMPLE".to_string(),
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_string(),
            )])),
            region: "us-east-1".into(),
        };
        let body = br#"{"maxResults": 1}"#;
        let mut headers = HeaderMap::new();
        headers.insert(
            "host",
            "127.0.0.1:8080".parse().unwrap_or_else(|_| unreachable!()),
        );
        headers.insert(
            "x-amz-date",
            "20261126T010000Z"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        headers.insert(
            "x-amz-target",
            "AWSStepFunctions.ListStateMachines"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        let sig = SIGNATURE;
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature={sig}"
        );
        headers.insert(
            "authorization",
            auth.parse().unwrap_or_else(|_| unreachable!()),
        );
        let now = parse_amz_date("20261126T010500Z").unwrap_or_default();
        assert_eq!(check(&keys, "POST", "/", "", &headers, body, now), Ok(()));
        let tampered = br#"{"maxResults": 2}"#;
        let refused = check(&keys, "POST", "/", "", &headers, tampered, now);
        assert_eq!(refused.map_err(|e| e.1), Err("InvalidSignatureException"));
        let late = now + 16 * 60 * 1000;
        let refused = check(&keys, "POST", "/", "", &headers, body, late);
        assert_eq!(refused.map_err(|e| e.1), Err("InvalidSignatureException"));
    }

    /// botocore's signature for the request above.
    const SIGNATURE: &str = "dae764938c951cbc3e891d99e6ff2d3b6a82582f5e894718fdcf0d004227fe81";
}
