//! TestState: one state run on its own with a given input, as AWS's TestState API does. The state is put in
//! a machine of its own whose transition targets are stubs, run with virtual time (a Wait does not wait),
//! and stopped at the first answer: the state's output and the next state's name, or its error —
//! `FAILED`, `CAUGHT_ERROR` (a Catch took it; the output is what the catcher passes on) or `RETRIABLE` (a
//! Retry would run it again). A Task answers from `mock` when given, else through the adapters.

use crate::Error;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use stepd_adapter::{Adapter, Task, TaskError};
use stepd_core::{Driver, Event, Execution, Exprs, Identity, Invocation, Millis, drive};

/// A mocked Task answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Mock {
    Result(Value),
    Error { error: String, cause: String },
}

/// What TestState answers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TestOutcome {
    /// `SUCCEEDED`, `FAILED`, `RETRIABLE` or `CAUGHT_ERROR`.
    pub status: &'static str,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub next_state: Option<String>,
    /// The Task's result, when the state is a Task that answered.
    pub result: Option<Value>,
    /// DEBUG inspection: `afterInputPath`, `afterParameters`, `afterResultSelector`, `afterResultPath`
    /// (JSON text), as far as they apply.
    pub inspection: Map<String, Value>,
}

/// The state that sets TestState's `variables` before the tested state runs.
const SETUP: &str = "stepd:variables";

/// The tested state, its name, and the definition's QueryLanguage (when a whole definition was given).
type Tested = (Value, String, Option<Value>);

/// The machine that holds only the tested state, with a stub for every state it may go to.
fn harness(
    definition: &str,
    state_name: Option<&str>,
    variables: Option<&Map<String, Value>>,
) -> Result<(String, Tested), Error> {
    let invalid = |m: &str| Error::Validation(m.to_string());
    let doc: Value = serde_json::from_str(definition).map_err(|e| {
        Error::InvalidDefinition(format!("Invalid State Machine Definition: '{e}'"))
    })?;
    let (name, state, language) = match state_name {
        Some(name) => {
            let state = doc
                .pointer(&format!(
                    "/States/{}",
                    name.replace('~', "~0").replace('/', "~1")
                ))
                .ok_or_else(|| {
                    invalid(&format!(
                        "The state '{name}' is not in the definition's top-level States"
                    ))
                })?;
            (
                name.to_string(),
                state.clone(),
                doc.get("QueryLanguage").cloned(),
            )
        }
        None => {
            if doc.get("Type").is_none() {
                return Err(invalid(
                    "The definition must be one state (an object with a Type), or give stateName",
                ));
            }
            ("TestState".to_string(), doc, None)
        }
    };
    let mut targets = Vec::new();
    let mut collect = |v: Option<&Value>| {
        if let Some(Value::String(t)) = v {
            targets.push(t.clone());
        }
    };
    collect(state.get("Next"));
    collect(state.get("Default"));
    for key in ["Choices", "Catch"] {
        for item in state
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect(item.get("Next"));
        }
    }
    let tested = (state.clone(), name.clone(), language.clone());
    let mut states = Map::new();
    states.insert(name.clone(), state);
    for t in targets {
        if t != name {
            states.insert(t, json!({"Type": "Succeed"}));
        }
    }
    let mut start = name.clone();
    if let Some(vars) = variables.filter(|v| !v.is_empty()) {
        // A Pass that assigns them (and passes the input on unchanged) comes first.
        states.insert(
            SETUP.into(),
            json!({"Type": "Pass", "Assign": vars, "Next": name}),
        );
        start = SETUP.into();
    }
    let mut machine = json!({"StartAt": start, "States": states});
    if let Some(l) = language {
        machine["QueryLanguage"] = l;
    }
    Ok((machine.to_string(), tested))
}

/// Runs the test.
pub(crate) async fn run(
    definition: &str,
    state_name: Option<&str>,
    input: Value,
    variables: Option<&Map<String, Value>>,
    mock: Option<Mock>,
    adapters: &[Arc<dyn Adapter>],
    now: Millis,
) -> Result<TestOutcome, Error> {
    let (text, (tested, name, language)) = harness(definition, state_name, variables)?;
    let original = input.clone();
    let mut outcome = run_harness(&text, &name, input, mock, adapters, now).await?;
    outcome.inspection = crate::inspect::inspect(
        &tested,
        language.as_ref(),
        &original,
        outcome.result.as_ref(),
        now,
    );
    Ok(outcome)
}

/// Runs the harness machine until the tested state has answered.
async fn run_harness(
    text: &str,
    name: &str,
    input: Value,
    mock: Option<Mock>,
    adapters: &[Arc<dyn Adapter>],
    now: Millis,
) -> Result<TestOutcome, Error> {
    let report = stepd_asl::validate(text, stepd_asl::Options::default());
    let Some(def) = report.definition else {
        return Err(Error::InvalidDefinition(
            stepd_asl::invalid_definition_message(&report.diagnostics),
        ));
    };
    let identity = Identity::local("TestState", "test", now);
    let exec = Execution::new(
        Arc::new(def),
        Arc::new(Exprs::default()),
        identity,
        now as u64,
    )
    .with_token_key(crate::records::TokenSecret::fresh().0);
    let mut driver = Driver::new(exec);
    driver.push(Event::Start { input });
    let mut host = Harness {
        clock: now,
        name,
        mock,
        adapters,
        result: None,
        failed: false,
        rounds: 0,
    };
    match drive::drive(&mut driver, &mut host).await {
        drive::End::Finished(_) | drive::End::Stalled => {}
        drive::End::Broken(e) => return Err(Error::Validation(e.to_string())),
        drive::End::Stopped(Halt::Refused(e)) => return Err(e),
        drive::End::Stopped(Halt::Retriable) => {
            // Still in the state after a failure: a Retry will run it again.
            let (error, cause) = last_failure(&driver);
            let status = "RETRIABLE";
            return Ok(TestOutcome {
                status,
                error,
                cause,
                result: host.result,
                ..TestOutcome::default()
            });
        }
    }
    let (failed, mut outcome) = (
        host.failed,
        TestOutcome {
            result: host.result,
            ..TestOutcome::default()
        },
    );
    let history: Vec<Value> = driver.history.iter().map(|e| e.to_aws_json()).collect();
    let entered_other = history.iter().find_map(|e| {
        let kind = e["type"].as_str()?;
        let entered = e["stateEnteredEventDetails"]["name"].as_str()?;
        (kind.ends_with("StateEntered") && entered != name && entered != SETUP)
            .then(|| entered.to_string())
    });
    let exit_output = history.iter().find_map(|e| {
        (e["stateExitedEventDetails"]["name"].as_str()? == name)
            .then(|| e["stateExitedEventDetails"]["output"].as_str())
            .flatten()
            .and_then(|o| serde_json::from_str::<Value>(o).ok())
    });
    let end = history.last();
    if let Some(e) =
        end.filter(|e| e["type"] == "ExecutionFailed" || e["type"] == "ExecutionTimedOut")
    {
        let details = e
            .as_object()
            .and_then(|o| {
                o.values()
                    .find(|v| v.get("error").is_some() || v.get("cause").is_some())
            })
            .cloned()
            .unwrap_or_default();
        outcome.status = "FAILED";
        outcome.error = details["error"].as_str().map(String::from);
        outcome.cause = details["cause"].as_str().map(String::from);
        return Ok(outcome);
    }
    outcome.output = exit_output;
    outcome.next_state = entered_other;
    if failed
        || history.iter().any(|e| {
            e["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("Failed") && t != "ExecutionFailed")
        })
    {
        outcome.status = "CAUGHT_ERROR";
        (outcome.error, outcome.cause) = last_failure(&driver);
    } else {
        outcome.status = "SUCCEEDED";
    }
    Ok(outcome)
}

/// Why the harness stops before the machine ends.
enum Halt {
    /// The state failed and is still current: a Retry will run it again.
    Retriable,
    /// The test cannot run as asked.
    Refused(Error),
}

/// TestState's surroundings: virtual time, and Tasks answered by the mock or, without one, the adapters.
struct Harness<'a> {
    clock: Millis,
    name: &'a str,
    mock: Option<Mock>,
    adapters: &'a [Arc<dyn Adapter>],
    /// The last Task result.
    result: Option<Value>,
    /// Whether a Task answered with an error.
    failed: bool,
    rounds: usize,
}

impl drive::Host for Harness<'_> {
    type Stop = Halt;

    fn now(&mut self) -> Millis {
        self.clock
    }

    async fn invoke(
        &mut self,
        driver: &mut Driver,
        inv: Invocation,
        _: Millis,
    ) -> Result<(), Halt> {
        let answer = match &self.mock {
            Some(Mock::Result(v)) => Ok(v.clone()),
            Some(Mock::Error { error, cause }) => Err(TaskError {
                error: error.clone(),
                cause: cause.clone(),
            }),
            None if inv.token.is_some() => {
                return Err(Halt::Refused(Error::Validation(
                    "A callback or activity task cannot be tested without a mock".into(),
                )));
            }
            None => invoke(self.adapters, &inv).await,
        };
        let task = inv.task;
        match answer {
            Ok(output) => {
                self.result = Some(output.clone());
                driver.push(Event::TaskSucceeded { task, output });
            }
            Err(e) => {
                self.failed = true;
                driver.push(Event::TaskFailed {
                    task,
                    error: e.error,
                    cause: e.cause,
                });
            }
        }
        Ok(())
    }

    async fn wait(&mut self, driver: &mut Driver, due: Option<Millis>) -> Result<bool, Halt> {
        if self.failed && !exited(driver, self.name) {
            return Err(Halt::Retriable);
        }
        // A state answers within a few rounds; the bound only guards against a loop of timers.
        self.rounds += 1;
        match due {
            Some(due) if self.rounds < 10_000 => {
                self.clock = due.max(self.clock);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// Whether the tested state has exited.
fn exited(driver: &Driver, name: &str) -> bool {
    driver.history.iter().any(|e| {
        let v = e.to_aws_json();
        v["stateExitedEventDetails"]["name"].as_str() == Some(name)
    })
}

/// The error and cause of the last failure event in the history.
fn last_failure(driver: &Driver) -> (Option<String>, Option<String>) {
    for e in driver.history.iter().rev() {
        let v = e.to_aws_json();
        let failed = v["type"].as_str().is_some_and(|t| t.ends_with("Failed"));
        if let (true, Some(details)) = (
            failed,
            v.as_object()
                .and_then(|o| o.values().find(|d| d.get("error").is_some())),
        ) {
            return (
                details["error"].as_str().map(String::from),
                details["cause"].as_str().map(String::from),
            );
        }
    }
    (None, None)
}

async fn invoke(
    adapters: &[Arc<dyn Adapter>],
    inv: &stepd_core::Invocation,
) -> Result<Value, TaskError> {
    let task = Task {
        execution: "TestState".into(),
        state: inv.state.clone(),
        resource: inv.resource.clone(),
        input: inv.input.clone(),
        idempotency_key: inv.idempotency_key.clone(),
        timeout_seconds: inv.timeout_seconds,
    };
    stepd_adapter::start(adapters, task).await
}
