//! A small client of a running server's REST surface, for the `stepd jobs` and `stepd demo` commands:
//! JSON in and out, AWS's error shape turned into a readable error.

use anyhow::{Result, anyhow};
use serde_json::Value;
use std::time::Duration;

/// A server's REST surface at `endpoint` (`http://127.0.0.1:8080`).
pub(crate) struct Client {
    agent: ureq::Agent,
    endpoint: String,
}

impl Client {
    pub(crate) fn new(endpoint: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent();
        Client {
            agent,
            endpoint: endpoint.trim_end_matches('/').to_string(),
        }
    }

    pub(crate) fn get(&self, path: &str) -> Result<Value> {
        let url = format!("{}{path}", self.endpoint);
        let response = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| anyhow!("cannot reach {}: {e}", self.endpoint))?;
        answer(response)
    }

    pub(crate) fn put(&self, path: &str, body: &Value) -> Result<Value> {
        let url = format!("{}{path}", self.endpoint);
        let response = self
            .agent
            .put(&url)
            .header("content-type", "application/json")
            .send(body.to_string())
            .map_err(|e| anyhow!("cannot reach {}: {e}", self.endpoint))?;
        answer(response)
    }

    pub(crate) fn delete(&self, path: &str) -> Result<Value> {
        let url = format!("{}{path}", self.endpoint);
        let response = self
            .agent
            .delete(&url)
            .call()
            .map_err(|e| anyhow!("cannot reach {}: {e}", self.endpoint))?;
        answer(response)
    }

    pub(crate) fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let url = format!("{}{path}", self.endpoint);
        let response = self
            .agent
            .post(&url)
            .header("content-type", "application/json")
            .send(body.to_string())
            .map_err(|e| anyhow!("cannot reach {}: {e}", self.endpoint))?;
        answer(response)
    }
}

fn answer(mut response: ureq::http::Response<ureq::Body>) -> Result<Value> {
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(16 << 20)
        .read_to_string()
        .map_err(|e| anyhow!("reading the answer: {e}"))?;
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if (200..300).contains(&status) {
        return Ok(value);
    }
    let kind = value
        .get("__type")
        .and_then(Value::as_str)
        .unwrap_or("Error");
    let message = value
        .get("message")
        .and_then(Value::as_str)
        .map_or_else(|| value.to_string(), str::to_string);
    Err(anyhow!("{kind}: {message}"))
}
