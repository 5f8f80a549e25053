//! `arn:aws:states:::http:invoke`, AWS's HTTP Task: `ApiEndpoint`, `Method`, `Headers`, `QueryParameters`,
//! `RequestBody` and `Transform` (URL-encoded bodies with AWS's array formats) in; `{Headers, ResponseBody,
//! StatusCode, StatusText}` out. A status outside 2xx fails the task with `States.Http.StatusCode.<code>`,
//! a connection failure or the 60-second limit with `States.Http.Socket`, as in AWS.
//!
//! `Authentication.ConnectionArn` names an EventBridge connection on AWS; stepd has none, so it is accepted
//! and ignored (put credentials in `Headers`). Every request carries the invocation's idempotency key in an
//! `Idempotency-Key` header (unless `Headers` sets one) so a server can recognise a redelivery.

use serde_json::{Map, Value, json};
use std::time::Duration;
use stepd_adapter::{Adapter, Task, TaskError, TaskFuture};

/// The resource this adapter claims.
pub const RESOURCE: &str = "arn:aws:states:::http:invoke";

/// AWS ends an HTTP Task's request after 60 seconds.
const LIMIT: Duration = Duration::from_secs(60);
/// Largest response body read (a task result is capped at 256 KiB later anyway).
const MAX_BODY: u64 = 10 * 1024 * 1024;
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

/// The HTTP Task adapter.
#[derive(Clone)]
pub struct HttpInvoke {
    agent: ureq::Agent,
}

impl Default for HttpInvoke {
    fn default() -> HttpInvoke {
        HttpInvoke::new()
    }
}

impl HttpInvoke {
    pub fn new() -> HttpInvoke {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(LIMIT))
            .build()
            .new_agent();
        HttpInvoke { agent }
    }
}

impl Adapter for HttpInvoke {
    fn handles(&self, resource: &str) -> bool {
        resource == RESOURCE
    }

    fn describe(&self) -> String {
        RESOURCE.to_string()
    }

    fn invoke(&self, task: Task) -> TaskFuture {
        let agent = self.agent.clone();
        Box::pin(async move {
            let request = build(&task)?;
            tokio::task::spawn_blocking(move || send(&agent, request))
                .await
                .map_err(|e| socket(&e.to_string()))?
        })
    }
}

fn failed(error: &str, cause: String) -> TaskError {
    TaskError {
        error: error.to_string(),
        cause,
    }
}

fn socket(why: &str) -> TaskError {
    failed("States.Http.Socket", why.to_string())
}

fn invalid(why: String) -> TaskError {
    failed(stepd_adapter::names::RUNTIME, why)
}

/// Builds the request the task's parameters describe.
fn build(task: &Task) -> Result<ureq::http::Request<Vec<u8>>, TaskError> {
    let p = task
        .input
        .as_object()
        .ok_or_else(|| invalid("The HTTP Task's parameters must be an object".into()))?;
    let endpoint = p
        .get("ApiEndpoint")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("The HTTP Task needs ApiEndpoint, a string".into()))?;
    let method = p
        .get("Method")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .filter(|m| METHODS.contains(&m.as_str()))
        .ok_or_else(|| invalid(format!("The HTTP Task needs Method, one of {METHODS:?}")))?;
    let mut url = endpoint.to_string();
    if let Some(q) = p.get("QueryParameters") {
        let q = q
            .as_object()
            .ok_or_else(|| invalid("QueryParameters must be an object".into()))?;
        let encoded = url_encode(q, "REPEAT");
        if !encoded.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&encoded);
        }
    }
    let mut builder = ureq::http::Request::builder()
        .method(method.as_str())
        .uri(&url);
    let mut has_type = false;
    let mut has_key = false;
    if let Some(h) = p.get("Headers") {
        let h = h
            .as_object()
            .ok_or_else(|| invalid("Headers must be an object".into()))?;
        for (k, v) in h {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            has_type |= k.eq_ignore_ascii_case("content-type");
            has_key |= k.eq_ignore_ascii_case("idempotency-key");
            builder = builder.header(k.as_str(), v);
        }
    }
    if !has_key {
        builder = builder.header("Idempotency-Key", task.idempotency_key.as_str());
    }
    let encoding = task
        .input
        .pointer("/Transform/RequestBodyEncoding")
        .and_then(Value::as_str)
        .unwrap_or("NONE");
    let body = match (p.get("RequestBody"), encoding) {
        (None, _) => Vec::new(),
        (Some(Value::Object(o)), "URL_ENCODED") => {
            let format = task
                .input
                .pointer("/Transform/RequestEncodingOptions/ArrayFormat")
                .and_then(Value::as_str)
                .unwrap_or("REPEAT");
            if !has_type {
                builder = builder.header("Content-Type", "application/x-www-form-urlencoded");
            }
            url_encode(o, format).into_bytes()
        }
        (Some(_), "URL_ENCODED") => {
            return Err(invalid(
                "A URL_ENCODED RequestBody must be an object".into(),
            ));
        }
        (Some(Value::String(s)), _) => s.clone().into_bytes(),
        (Some(v), _) => {
            if !has_type {
                builder = builder.header("Content-Type", "application/json");
            }
            v.to_string().into_bytes()
        }
    };
    builder
        .body(body)
        .map_err(|e| invalid(format!("The HTTP Task's request is invalid: {e}")))
}

/// Sends the request and shapes the answer as AWS does.
fn send(agent: &ureq::Agent, request: ureq::http::Request<Vec<u8>>) -> Result<Value, TaskError> {
    let mut response = agent.run(request).map_err(|e| socket(&e.to_string()))?;
    let status = response.status();
    let mut headers = Map::new();
    for (name, value) in response.headers() {
        let entry = headers
            .entry(name.as_str().to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(values) = entry {
            values.push(Value::String(
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            ));
        }
    }
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(|e| socket(&e.to_string()))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    // A JSON body is returned as JSON, anything else as text.
    let body = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
    let out = json!({
        "Headers": headers,
        "ResponseBody": body,
        "StatusCode": status.as_u16(),
        "StatusText": status.canonical_reason().unwrap_or(""),
    });
    if status.is_success() {
        Ok(out)
    } else {
        Err(failed(
            &format!("States.Http.StatusCode.{}", status.as_u16()),
            out.to_string(),
        ))
    }
}

/// `a=1&b=x%20y`, with arrays as AWS's `ArrayFormat` says (REPEAT `a=1&a=2`, BRACKETS `a[]=1&a[]=2`,
/// INDICES `a[0]=1&a[1]=2`, COMMAS `a=1,2`) and nested objects as `a[b]=1`.
pub fn url_encode(object: &Map<String, Value>, format: &str) -> String {
    let mut pairs = Vec::new();
    for (k, v) in object {
        flatten(k, v, format, &mut pairs);
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn flatten(key: &str, value: &Value, format: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                flatten(&format!("{key}[{k}]"), v, format, out);
            }
        }
        Value::Array(items) => match format {
            "COMMAS" => out.push((
                key.to_string(),
                items.iter().map(scalar).collect::<Vec<_>>().join(","),
            )),
            "BRACKETS" => {
                for v in items {
                    flatten(&format!("{key}[]"), v, format, out);
                }
            }
            "INDICES" => {
                for (i, v) in items.iter().enumerate() {
                    flatten(&format!("{key}[{i}]"), v, format, out);
                }
            }
            _ => {
                for v in items {
                    flatten(key, v, format, out);
                }
            }
        },
        other => out.push((key.to_string(), scalar(other))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoding_follows_the_array_formats() {
        let o = json!({"a": [1, 2], "b": "x y&z", "c": {"d": true}});
        let o = o.as_object().unwrap();
        assert_eq!(url_encode(o, "REPEAT"), "a=1&a=2&b=x%20y%26z&c%5Bd%5D=true");
        assert_eq!(
            url_encode(o, "BRACKETS"),
            "a%5B%5D=1&a%5B%5D=2&b=x%20y%26z&c%5Bd%5D=true"
        );
        assert_eq!(
            url_encode(o, "INDICES"),
            "a%5B0%5D=1&a%5B1%5D=2&b=x%20y%26z&c%5Bd%5D=true"
        );
        assert_eq!(url_encode(o, "COMMAS"), "a=1%2C2&b=x%20y%26z&c%5Bd%5D=true");
    }

    #[test]
    fn bad_parameters_fail_the_task_without_a_request() {
        let task = |input: Value| Task {
            execution: "e".into(),
            state: "s".into(),
            resource: RESOURCE.into(),
            input,
            idempotency_key: "k".into(),
            timeout_seconds: None,
        };
        for input in [
            json!("x"),
            json!({"Method": "GET"}),
            json!({"ApiEndpoint": "http://127.0.0.1:1/", "Method": "BREW"}),
            json!({"ApiEndpoint": "http://127.0.0.1:1/", "Method": "GET", "Headers": []}),
            json!({"ApiEndpoint": "http://127.0.0.1:1/", "Method": "POST", "RequestBody": [1],
                   "Transform": {"RequestBodyEncoding": "URL_ENCODED"}}),
        ] {
            let err = build(&task(input.clone())).expect_err(&input.to_string());
            assert_eq!(err.error, "States.Runtime", "{input}");
        }
    }
}
