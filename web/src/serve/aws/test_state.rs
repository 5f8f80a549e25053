//! TestState: one state run on its own (see `stepd_runtime::Runtime::test_state`).

use super::{ApiError, field, json_text, optional};
use serde_json::{Value, json};
use stepd_runtime::{Mock, Runtime};

pub(super) async fn test_state(rt: &Runtime, input: &Value) -> Result<Value, ApiError> {
    let definition = field(input, "definition")?;
    let state_input = json_text(input, "input", "InvalidExecutionInput")?;
    let variables = match optional(input, "variables")? {
        None => None,
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(vars)) => Some(vars),
            _ => {
                return Err(ApiError(
                    "ValidationException",
                    "'variables' must be a JSON object in a string".into(),
                ));
            }
        },
    };
    for unsupported in ["context", "stateConfiguration"] {
        if input.get(unsupported).is_some_and(|v| !v.is_null()) {
            return Err(ApiError(
                "ValidationException",
                format!("'{unsupported}' is not supported by this server's TestState"),
            ));
        }
    }
    let mock = match input.get("mock").filter(|m| !m.is_null()) {
        None => None,
        Some(m) => Some(match (m.get("result"), m.get("errorOutput")) {
            (Some(Value::String(r)), None) => {
                Mock::Result(serde_json::from_str(r).map_err(|e| {
                    ApiError(
                        "ValidationException",
                        format!("mock.result is not JSON: {e}"),
                    )
                })?)
            }
            (None, Some(e)) => Mock::Error {
                error: e.get("error").and_then(Value::as_str).unwrap_or("").into(),
                cause: e.get("cause").and_then(Value::as_str).unwrap_or("").into(),
            },
            _ => {
                return Err(ApiError(
                    "ValidationException",
                    "mock needs exactly one of 'result' (a JSON string) or 'errorOutput'".into(),
                ));
            }
        }),
    };
    let debug = matches!(optional(input, "inspectionLevel")?, Some("DEBUG" | "TRACE"));
    let done = rt
        .test_state(
            definition,
            optional(input, "stateName")?,
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
