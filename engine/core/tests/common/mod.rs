//! Test harness: runs a definition in virtual time with scripted task answers.

#![allow(dead_code)]

use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use stepd_core::{
    Driver, Event, Execution, Exprs, HistoryEvent, Identity, Invocation, Millis, Outcome, drive,
};

pub const T0: Millis = 1_700_000_000_000;

/// How a scripted task answers one call.
#[derive(Clone, Debug)]
pub enum Answer {
    Return(Value),
    Throw(String, String),
    /// Never answers (timeouts fire).
    Never,
    /// Answers after this many milliseconds.
    After(Millis, Box<Answer>),
}

pub struct Run {
    pub outcome: Outcome,
    pub history: Vec<HistoryEvent>,
    pub invocations: Vec<(Millis, Invocation)>,
    /// Most tasks outstanding at once.
    pub max_in_flight: usize,
    pub ended_at: Millis,
}

/// Builds an execution of `definition` (panics if invalid: tests use valid definitions).
pub fn execution(definition: &Value, seed: u64) -> Execution {
    let report = stepd_asl::validate(&definition.to_string(), stepd_asl::Options::default());
    let def = report
        .definition
        .unwrap_or_else(|| panic!("invalid test definition: {:?}", report.diagnostics));
    Execution::new(
        Arc::new(def),
        Arc::new(Exprs::default()),
        Identity::local("test", "run-1", T0),
        seed,
    )
}

/// Runs to the end. `script` maps a state name to its answers by call (the last one repeats).
pub fn run(definition: &Value, input: Value, script: &[(&str, Vec<Answer>)]) -> Run {
    let mut driver = Driver::new(execution(definition, 42));
    driver.push(Event::Start { input });
    let mut host = Scripted {
        script: script.iter().map(|(s, a)| (*s, a)).collect(),
        calls: HashMap::new(),
        now: T0,
        invocations: Vec::new(),
        max_in_flight: 0,
        rounds: 0,
    };
    match drive::block_on(drive::drive(&mut driver, &mut host)) {
        drive::End::Finished(outcome) => Run {
            outcome,
            history: driver.history,
            invocations: host.invocations,
            max_in_flight: host.max_in_flight,
            ended_at: host.now,
        },
        drive::End::Broken(e) => panic!("protocol: {e}"),
        drive::End::Stalled => panic!("nothing is due and nothing answers"),
        drive::End::Stopped(why) => panic!("{why}"),
    }
}

/// Virtual time, and each task answered by its state's script.
struct Scripted<'a> {
    script: HashMap<&'a str, &'a Vec<Answer>>,
    calls: HashMap<String, usize>,
    now: Millis,
    invocations: Vec<(Millis, Invocation)>,
    max_in_flight: usize,
    rounds: usize,
}

impl drive::Host for Scripted<'_> {
    type Stop = &'static str;

    fn now(&mut self) -> Millis {
        self.now
    }

    async fn invoke(
        &mut self,
        driver: &mut Driver,
        inv: Invocation,
        now: Millis,
    ) -> Result<(), Self::Stop> {
        let n = self.calls.entry(inv.state.clone()).or_insert(0);
        let answers = self
            .script
            .get(inv.state.as_str())
            .unwrap_or_else(|| panic!("no script for {}", inv.state));
        let mut answer = answers
            .get(*n)
            .or(answers.last())
            .cloned()
            .expect("an answer");
        *n += 1;
        let mut at = now;
        while let Answer::After(ms, inner) = answer {
            at += ms;
            answer = *inner;
        }
        let task = inv.task;
        self.invocations.push((now, inv));
        match answer {
            Answer::Return(output) => driver.schedule(at, Event::TaskSucceeded { task, output }),
            Answer::Throw(error, cause) => {
                driver.schedule(at, Event::TaskFailed { task, error, cause })
            }
            Answer::Never | Answer::After(..) => {}
        }
        Ok(())
    }

    async fn wait(&mut self, driver: &mut Driver, due: Option<Millis>) -> Result<bool, Self::Stop> {
        self.max_in_flight = self.max_in_flight.max(outstanding(driver));
        self.rounds += 1;
        if self.rounds > 100_000 {
            return Err("did not finish");
        }
        Ok(due.map(|d| self.now = d).is_some())
    }
}

fn outstanding(d: &Driver) -> usize {
    let scheduled = d
        .history
        .iter()
        .filter(|e| e.kind == stepd_core::HistoryKind::TaskScheduled)
        .count();
    let done = d
        .history
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                stepd_core::HistoryKind::TaskSucceeded
                    | stepd_core::HistoryKind::TaskFailed
                    | stepd_core::HistoryKind::TaskTimedOut
            )
        })
        .count();
    scheduled.saturating_sub(done)
}

/// The outcome as the `stepd run` line shows it.
pub fn line(o: &Outcome) -> Value {
    match o {
        Outcome::Succeeded { output } => {
            serde_json::json!({"status": "SUCCEEDED", "output": output})
        }
        Outcome::Failed { error, cause } => {
            serde_json::json!({"status": "FAILED", "error": error, "cause": cause})
        }
        Outcome::TimedOut { error, cause } => {
            serde_json::json!({"status": "TIMED_OUT", "error": error, "cause": cause})
        }
        Outcome::Aborted { error, cause } => {
            serde_json::json!({"status": "ABORTED", "error": error, "cause": cause})
        }
    }
}

/// The history as compact lines: `id prev Type details`, for snapshots.
pub fn compact(history: &[HistoryEvent]) -> Vec<String> {
    history
        .iter()
        .map(|e| {
            let d = e
                .details
                .as_ref()
                .map(|d| d.to_json().to_string())
                .unwrap_or_default();
            format!(
                "{:>3} {:>3} +{}ms {} {}",
                e.id,
                e.previous_event_id,
                e.timestamp - T0,
                e.kind.as_str(),
                d
            )
        })
        .collect()
}
