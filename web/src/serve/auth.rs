//! Access keys and AWS Signature Version 4: with keys configured, every request must carry a valid SigV4
//! `Authorization` header (what the AWS CLI, the SDKs and `curl --aws-sigv4` send) signed with one of them,
//! for service `states` in the server's region, dated within 15 minutes, with `host` and the date header among
//! the signed headers, over the body actually received. Failures answer as AWS does:
//! `MissingAuthenticationTokenException`, `IncompleteSignatureException`, `UnrecognizedClientException`,
//! `InvalidSignatureException` (HTTP 400/403, `{"__type", "message"}`).
//!
//! The check runs in two halves so that nothing is read from an unauthenticated client: `precheck` looks
//! only at the request line and headers; `Signed::verify` then hashes the body that was received.

use super::error::{ApiError, Code};
use super::hex::{hex, unhex};
use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

type HmacSha256 = Hmac<Sha256>;

/// How far a request's date may be from the server's clock.
const SKEW_MS: i64 = 15 * 60 * 1000;

/// Access key id → secret access key, and the region signatures must be scoped to.
#[derive(Clone)]
pub(crate) struct Keys {
    pub secrets: Arc<HashMap<String, String>>,
    pub region: String,
}

/// Reads a keys file: a JSON object `{"ACCESS_KEY_ID": "SECRET_ACCESS_KEY", …}`. An empty id or secret is
/// refused: an empty secret would make every signature computable by anyone who knows the id.
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
    for (id, secret) in secrets.iter() {
        if id.trim().is_empty() {
            anyhow::bail!("{}: an access key id is empty", path.display());
        }
        // The id travels in `Credential=ID/date/region/service/aws4_request`: a slash or comma would make
        // the header ambiguous.
        if id.contains(['/', ',', ' ', '=']) {
            anyhow::bail!(
                "{}: the access key id {id:?} contains '/', ',', '=' or a space",
                path.display()
            );
        }
        if secret.is_empty() {
            anyhow::bail!(
                "{}: the secret of access key {id:?} is empty",
                path.display()
            );
        }
    }
    Ok(Keys {
        secrets: Arc::new(secrets),
        region: region.to_string(),
    })
}

/// What the request line and headers of a signed request establish; the body is checked by `verify`.
pub(crate) struct Signed {
    /// The canonical request up to (not including) the payload hash.
    canonical_head: String,
    /// `AWS4-HMAC-SHA256\n<timestamp>\n<scope>\n`: the string to sign up to the canonical request's hash.
    to_sign_head: String,
    /// The signing key derived from the secret and the scope.
    key: Vec<u8>,
    /// The signature the client sent.
    given: Vec<u8>,
    /// The `x-amz-content-sha256` header, when sent: it must be the hash of the body received.
    claimed_payload: Option<String>,
}

fn bad(code: Code, message: impl Into<String>) -> ApiError {
    ApiError::new(code, message)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(Code::InvalidSignatureException, message)
}

/// The header half of the check, pure: the request line, the headers, the secrets and the time. Nothing
/// here needs the body, so a request that fails it is refused before a byte of its body is read.
pub(crate) fn precheck(
    keys: &Keys,
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    now_ms: i64,
) -> Result<Signed, ApiError> {
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err(bad(
            Code::MissingAuthenticationTokenException,
            "Missing Authentication Token",
        ));
    };
    let incomplete = |what: &str| {
        bad(
            Code::IncompleteSignatureException,
            format!("Authorization header requires '{what}' parameter."),
        )
    };
    let Some(fields) = auth.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err(bad(
            Code::IncompleteSignatureException,
            "Only AWS4-HMAC-SHA256 signatures are accepted.",
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
        return Err(bad(
            Code::IncompleteSignatureException,
            format!("Credential '{credential}' is malformed."),
        ));
    };
    let Some(secret) = keys.secrets.get(key_id) else {
        return Err(ApiError::new(
            Code::UnrecognizedClientException,
            "The security token included in the request is invalid.",
        ));
    };
    if region != keys.region || service != "states" || terminal != "aws4_request" {
        return Err(invalid(format!(
            "Credential should be scoped to a valid region and the service 'states', not '{region}/{service}'."
        )));
    }
    // AWS takes the time from `X-Amz-Date`, or failing that from `Date` (SigV4's date handling).
    let (date_header, sent_date) = match headers.get("x-amz-date") {
        Some(v) => ("x-amz-date", v),
        None => match headers.get("date") {
            Some(v) => ("date", v),
            None => {
                return Err(bad(
                    Code::IncompleteSignatureException,
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
                ));
            }
        },
    };
    let sent_date = sent_date.to_str().unwrap_or("");
    let timestamp = request_timestamp(date_header, sent_date).ok_or_else(|| {
        invalid(format!(
            "{} '{sent_date}' is malformed.",
            if date_header == "date" {
                "Date"
            } else {
                "X-Amz-Date"
            }
        ))
    })?;
    let when = parse_amz_date(&timestamp).unwrap_or(i64::MIN / 2);
    if (when - now_ms).abs() > SKEW_MS || !timestamp.starts_with(date) {
        return Err(invalid(format!(
            "Signature expired or not yet valid: {timestamp} is more than 15 minutes from the server's time."
        )));
    }
    // A signature that does not cover the host or the date could be replayed against another server or
    // with a fresh date header, whatever its age.
    let names: Vec<&str> = signed.split(';').collect();
    if !names.iter().any(|n| n.eq_ignore_ascii_case("host")) {
        return Err(invalid(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    if !names.iter().any(|n| n.eq_ignore_ascii_case(date_header)) {
        return Err(invalid(format!(
            "'{}' must be a 'SignedHeader' in the AWS Authorization.",
            if date_header == "date" {
                "Date"
            } else {
                "X-Amz-Date"
            }
        )));
    }
    let mut canonical_headers = String::new();
    for name in &names {
        let values: Vec<String> = headers
            .get_all(*name)
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
    let given = unhex(signature).ok_or_else(|| invalid("The signature is not hexadecimal."))?;
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [date, region, service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    Ok(Signed {
        canonical_head: format!(
            "{method}\n{}\n{}\n{canonical_headers}\n{signed}\n",
            canonical_path(path),
            canonical_query(query)
        ),
        to_sign_head: format!(
            "AWS4-HMAC-SHA256\n{timestamp}\n{date}/{region}/{service}/aws4_request\n"
        ),
        key,
        given,
        claimed_payload: headers
            .get("x-amz-content-sha256")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
    })
}

impl Signed {
    /// The body half: the canonical request ends with the SHA-256 of the bytes received — never a hash the
    /// client claims — so a captured signature does not carry over to another body.
    pub(crate) fn verify(&self, body: &[u8]) -> Result<(), ApiError> {
        let payload = hex(&Sha256::digest(body));
        if let Some(claimed) = &self.claimed_payload
            && !claimed.trim().eq_ignore_ascii_case(&payload)
        {
            return Err(invalid(
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ));
        }
        let canonical = format!("{}{payload}", self.canonical_head);
        let to_sign = format!(
            "{}{}",
            self.to_sign_head,
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let mut mac = HmacSha256::new_from_slice(&self.key).map_err(|e| invalid(e.to_string()))?;
        mac.update(to_sign.as_bytes());
        // Constant-time comparison.
        mac.verify_slice(&self.given).map_err(|_| {
            invalid("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
        })
    }
}

/// Both halves at once (the unit tests' entry point).
#[cfg(test)]
pub(crate) fn check(
    keys: &Keys,
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
    now_ms: i64,
) -> Result<(), ApiError> {
    precheck(keys, method, path, query, headers, now_ms)?.verify(body)
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

/// The request's time as SigV4's `YYYYMMDDTHHMMSSZ`: `X-Amz-Date` is that already; `Date` may be that or an
/// HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn request_timestamp(header: &str, value: &str) -> Option<String> {
    if parse_amz_date(value).is_some() {
        return Some(value.to_string());
    }
    if header != "date" {
        return None;
    }
    let rest = value.split_once(", ")?.1;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts[..] else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? + 1;
    let time = time.replace(':', "");
    let stamp = format!("{year}{month:02}{day:0>2}T{time}Z");
    parse_amz_date(&stamp).map(|_| stamp)
}

/// `20261126T011500Z` → milliseconds since the epoch.
fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' || !s.is_ascii() {
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
        assert_eq!(
            refused.map_err(|e| e.code),
            Err(Code::InvalidSignatureException)
        );
        let late = now + 16 * 60 * 1000;
        let refused = check(&keys, "POST", "/", "", &headers, body, late);
        assert_eq!(
            refused.map_err(|e| e.code),
            Err(Code::InvalidSignatureException)
        );
    }

    fn botocore_request() -> (Keys, HeaderMap, i64) {
        let keys = Keys {
            secrets: Arc::new(HashMap::from([(
                "AKIDEXAMPLE".to_string(),
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_string(),
            )])),
            region: "us-east-1".into(),
        };
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "127.0.0.1:8080"),
            ("x-amz-date", "20261126T010000Z"),
            ("x-amz-target", "AWSStepFunctions.ListStateMachines"),
        ] {
            headers.insert(name, value.parse().unwrap_or_else(|_| unreachable!()));
        }
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature={SIGNATURE}"
        );
        headers.insert(
            "authorization",
            auth.parse().unwrap_or_else(|_| unreachable!()),
        );
        (
            keys,
            headers,
            parse_amz_date("20261126T010500Z").unwrap_or_default(),
        )
    }

    /// Issue 9, item 4: the payload hash came from `x-amz-content-sha256` when present, so a captured
    /// signature carried over to any body sent with that body's hash in the (unsigned) header.
    #[test]
    fn a_claimed_payload_hash_is_compared_with_the_body_not_trusted() {
        let (keys, mut headers, now) = botocore_request();
        let body = br#"{"maxResults": 1}"#;
        let other = br#"{"maxResults": 2}"#;
        let forged = hex(&Sha256::digest(other));
        headers.insert(
            "x-amz-content-sha256",
            forged.parse().unwrap_or_else(|_| unreachable!()),
        );
        let refused = check(&keys, "POST", "/", "", &headers, other, now);
        assert_eq!(
            refused.map_err(|e| e.code),
            Err(Code::InvalidSignatureException)
        );
        let refused = check(&keys, "POST", "/", "", &headers, body, now);
        assert!(refused.is_err_and(|e| e.message.contains("x-amz-content-sha256")));
        let unsigned = "UNSIGNED-PAYLOAD"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        headers.insert("x-amz-content-sha256", unsigned);
        assert!(check(&keys, "POST", "/", "", &headers, body, now).is_err());
        let honest = hex(&Sha256::digest(body))
            .parse()
            .unwrap_or_else(|_| unreachable!());
        headers.insert("x-amz-content-sha256", honest);
        assert_eq!(check(&keys, "POST", "/", "", &headers, body, now), Ok(()));
    }

    /// Issue 9, item 4: SignedHeaders without `host` or the date header were accepted.
    #[test]
    fn host_and_the_date_must_be_signed() {
        let (keys, mut headers, now) = botocore_request();
        for (signed, missing) in [
            ("x-amz-date;x-amz-target", "'Host'"),
            ("host;x-amz-target", "'X-Amz-Date'"),
        ] {
            let auth = format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/states/aws4_request, SignedHeaders={signed}, Signature={SIGNATURE}"
            );
            headers.insert(
                "authorization",
                auth.parse().unwrap_or_else(|_| unreachable!()),
            );
            let refused = precheck(&keys, "POST", "/", "", &headers, now).err();
            assert!(
                refused
                    .as_ref()
                    .is_some_and(|e| e.code == Code::InvalidSignatureException
                        && e.message.contains(missing)),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn a_date_header_may_carry_the_time() {
        assert_eq!(
            request_timestamp("date", "Thu, 26 Nov 2026 01:00:00 GMT").as_deref(),
            Some("20261126T010000Z")
        );
        assert_eq!(
            request_timestamp("date", "20261126T010000Z").as_deref(),
            Some("20261126T010000Z")
        );
        assert_eq!(
            request_timestamp("x-amz-date", "Thu, 26 Nov 2026 01:00:00 GMT"),
            None
        );
        assert_eq!(
            request_timestamp("date", "Thu, 26 Now 2026 01:00:00 GMT"),
            None
        );
    }

    /// botocore's signature for the request above.
    const SIGNATURE: &str = "dae764938c951cbc3e891d99e6ff2d3b6a82582f5e894718fdcf0d004227fe81";
}
