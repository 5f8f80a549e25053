//! TestState: one state run on its own (see `stepd_runtime::Runtime::test_state`).

use super::common::json_text;
use crate::serve::error::{ApiError, Code};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};
use stepd_runtime::{Mock, Runtime};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TestStateInput {
    definition: String,
    input: Option<String>,
    variables: Option<String>,
    context: Option<IgnoredAny>,
    state_configuration: Option<IgnoredAny>,
    /// Read as JSON: a `result` present as null beside `errorOutput` is refused, not ignored.
    mock: Option<Value>,
    inspection_level: Option<String>,
    state_name: Option<String>,
}

/// `variables`: a JSON object in a string.
fn variables(text: Option<&str>) -> Result<Option<serde_json::Map<String, Value>>, ApiError> {
    match text.map(serde_json::from_str::<Value>) {
        None => Ok(None),
        Some(Ok(Value::Object(vars))) => Ok(Some(vars)),
        Some(_) => Err(ApiError::validation(
            "'variables' must be a JSON object in a string",
        )),
    }
}

/// `mock`: exactly one of `result` (JSON in a string) or `errorOutput {error, cause}`.
fn mock(m: Option<&Value>) -> Result<Option<Mock>, ApiError> {
    let Some(m) = m else {
        return Ok(None);
    };
    Ok(Some(match (m.get("result"), m.get("errorOutput")) {
        (Some(Value::String(r)), None) => Mock::Result(
            serde_json::from_str(r)
                .map_err(|e| ApiError::validation(format!("mock.result is not JSON: {e}")))?,
        ),
        (None, Some(e)) => Mock::Error {
            error: e.get("error").and_then(Value::as_str).unwrap_or("").into(),
            cause: e.get("cause").and_then(Value::as_str).unwrap_or("").into(),
        },
        _ => {
            return Err(ApiError::validation(
                "mock needs exactly one of 'result' (a JSON string) or 'errorOutput'",
            ));
        }
    }))
}

pub(super) async fn test_state(rt: &Runtime, i: TestStateInput) -> Result<Value, ApiError> {
    let state_input = json_text("input", i.input.as_deref(), Code::InvalidExecutionInput)?;
    let variables = variables(i.variables.as_deref())?;
    for (unsupported, given) in [
        ("context", i.context.is_some()),
        ("stateConfiguration", i.state_configuration.is_some()),
    ] {
        if given {
            return Err(ApiError::validation(format!(
                "'{unsupported}' is not supported by this server's TestState"
            )));
        }
    }
    let mock = mock(i.mock.as_ref())?;
    let debug = matches!(i.inspection_level.as_deref(), Some("DEBUG" | "TRACE"));
    let done = rt
        .test_state(
            &i.definition,
            i.state_name.as_deref(),
            state_input.clone(),
            variables.as_ref(),
            mock,
        )
        .await?;
    let mut out = json!({"status": done.status});
    if let Some(o) = &done.output {
        out["output"] = json!(o.to_string());
    }
    if let Some(e) = &done.error {
        out["error"] = json!(e);
    }
    if let Some(c) = &done.cause {
        out["cause"] = json!(c);
    }
    if let Some(n) = &done.next_state {
        out["nextState"] = json!(n);
    }
    let mut inspection = json!({"input": state_input.to_string()});
    if debug {
        if let Some(r) = &done.result {
            inspection["result"] = json!(r.to_string());
        }
        for (k, v) in &done.inspection {
            inspection[k.as_str()] = v.clone();
        }
    }
    out["inspectionData"] = inspection;
    Ok(out)
}
