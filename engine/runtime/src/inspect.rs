//! TestState's DEBUG inspection for JSONPath states: the data after InputPath, after Parameters, after
//! ResultSelector and after ResultPath. Each is computed by running the tested state's own fields alone in a
//! one-state machine (a Pass for the input side, a mocked Task for the result side), so the values come from
//! the interpreter itself, not from a second implementation of the data flow.

use serde_json::{Map, Value, json};
use std::sync::Arc;
use stepd_core::{Driver, Event, Execution, Exprs, Identity, Millis, Outcome};

/// The inspection fields AWS returns at DEBUG (values are JSON text), as far as they apply to `state`.
pub(crate) fn inspect(
    state: &Value,
    top_language: Option<&Value>,
    input: &Value,
    result: Option<&Value>,
    now: Millis,
) -> Map<String, Value> {
    let mut out = Map::new();
    let language = state.get("QueryLanguage").or(top_language);
    if language.and_then(Value::as_str) == Some("JSONata") {
        return out;
    }
    let pick = |keys: &[&str]| -> Map<String, Value> {
        keys.iter()
            .filter_map(|k| state.get(*k).map(|v| ((*k).to_string(), v.clone())))
            .collect()
    };
    let mut record = |name: &str, v: Option<Value>| {
        if let Some(v) = v {
            out.insert(name.into(), Value::String(v.to_string()));
        }
    };
    record(
        "afterInputPath",
        alone(pass(pick(&["InputPath"])), input, None, now),
    );
    if state.get("Parameters").is_some() {
        let fields = pick(&["InputPath", "Parameters"]);
        record("afterParameters", alone(pass(fields), input, None, now));
    }
    if let (Some("Task"), Some(result)) = (state.get("Type").and_then(Value::as_str), result) {
        let mut selector = pick(&["ResultSelector"]);
        selector.insert("ResultPath".into(), json!("$"));
        record(
            "afterResultSelector",
            alone(task(selector), input, Some(result), now),
        );
        let path = pick(&["ResultSelector", "ResultPath"]);
        record(
            "afterResultPath",
            alone(task(path), input, Some(result), now),
        );
    }
    out
}

fn pass(fields: Map<String, Value>) -> Value {
    let mut state = fields;
    state.insert("Type".into(), json!("Pass"));
    state.insert("End".into(), json!(true));
    Value::Object(state)
}

fn task(fields: Map<String, Value>) -> Value {
    let mut state = fields;
    state.insert("Type".into(), json!("Task"));
    state.insert("Resource".into(), json!("arn:aws:states:::stepd:inspect"));
    state.insert("End".into(), json!(true));
    Value::Object(state)
}

/// Runs `state` alone on `input` (a Task answers `result`) and gives its output, if it succeeds.
fn alone(state: Value, input: &Value, result: Option<&Value>, now: Millis) -> Option<Value> {
    let text = json!({"StartAt": "S", "States": {"S": state}}).to_string();
    let def = stepd_asl::validate(&text, stepd_asl::Options::default()).definition?;
    let identity = Identity::local("TestState", "inspect", now);
    let exec = Execution::new(Arc::new(def), Arc::new(Exprs::default()), identity, 0);
    let mut driver = Driver::new(exec);
    driver.push(Event::Start {
        input: input.clone(),
    });
    for inv in driver.run(now).ok()? {
        driver.push(Event::TaskSucceeded {
            task: inv.task,
            output: result?.clone(),
        });
    }
    driver.run(now).ok()?;
    match driver.outcome()? {
        Outcome::Succeeded { output } => Some(output.clone()),
        _ => None,
    }
}
