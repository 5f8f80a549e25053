//! A small client of a running server's REST surface, for the `stepd jobs` and `stepd demo` commands:
//! JSON in and out, AWS's error shape turned into a readable error.

use anyhow::{Result, anyhow};
use serde_json::Value;
use std::time::Duration;

/// Where a command finds its server, and how it prints (shared by `stepd jobs` and `stepd schedules`).
#[derive(clap::Args)]
pub(crate) struct Remote {
    /// The server's address.
    #[arg(
        long,
        global = true,
        default_value = "http://127.0.0.1:8080",
        env = "STEPD_ENDPOINT"
    )]
    pub endpoint: String,
    /// Print the server's JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

/// A server's REST surface at `endpoint` (`http://127.0.0.1:8080`); requests are signed (SigV4) when
/// the environment holds AWS credentials.
pub(crate) struct Client {
    agent: ureq::Agent,
    endpoint: String,
    creds: Option<crate::sign::Credentials>,
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
            creds: crate::sign::Credentials::from_env(),
        }
    }

    /// Sends `method path` with `body` (signed when there are credentials).
    fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let url = format!("{}{path}", self.endpoint);
        let text = body.map(Value::to_string).unwrap_or_default();
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        if let Some(creds) = &self.creds {
            let host = self
                .endpoint
                .split_once("://")
                .map_or(self.endpoint.as_str(), |(_, h)| h);
            let signed = crate::sign::headers(
                creds,
                method,
                host,
                path,
                text.as_bytes(),
                &crate::sign::now(),
            );
            for (name, value) in signed {
                request = request.header(name, value);
            }
        }
        let request = request
            .body(text)
            .map_err(|e| anyhow!("building the request: {e}"))?;
        let response = self
            .agent
            .run(request)
            .map_err(|e| anyhow!("cannot reach {}: {e}", self.endpoint))?;
        answer(response)
    }

    pub(crate) fn get(&self, path: &str) -> Result<Value> {
        self.send("GET", path, None)
    }

    pub(crate) fn put(&self, path: &str, body: &Value) -> Result<Value> {
        self.send("PUT", path, Some(body))
    }

    pub(crate) fn delete(&self, path: &str) -> Result<Value> {
        self.send("DELETE", path, None)
    }

    pub(crate) fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.send("POST", path, Some(body))
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
