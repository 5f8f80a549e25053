//! `stepd run DEF.json --input JSON|@FILE [--mock MOCKS.json] [--history]`: one execution in memory, with
//! real waits; prints exactly one JSON line with the outcome (and the history when asked).

use crate::mocks::{Answer, Mocks};
use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use stepd_core::{Driver, Event, Execution, Exprs, Identity, Invocation, Millis, Outcome, drive};

#[derive(ClapArgs)]
pub(crate) struct Args {
    /// The ASL definition file.
    definition: PathBuf,
    /// The execution input: JSON text, or @FILE to read it from a file.
    #[arg(long, default_value = "{}")]
    input: String,
    /// Canned Task answers per state name and call number (README: "Testing with mocks").
    #[arg(long, value_name = "MOCKS.json")]
    mock: Option<PathBuf>,
    /// Include the execution history (GetExecutionHistory's event shapes) in the output line.
    #[arg(long)]
    history: bool,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    match execute(args) {
        Ok((line, ok)) => {
            println!("{line}");
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("stepd run: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn now() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

fn read_arg(text: &str) -> Result<String> {
    match text.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading {path}")),
        None => Ok(text.to_string()),
    }
}

fn execute(args: &Args) -> Result<(String, bool)> {
    let text = std::fs::read_to_string(&args.definition)
        .with_context(|| format!("reading {}", args.definition.display()))?;
    let report = stepd_asl::validate(&text, stepd_asl::Options::default());
    let Some(def) = report.definition else {
        let cause = stepd_asl::invalid_definition_message(&report.diagnostics);
        return Ok((
            json!({"status": "FAILED", "error": "InvalidDefinition", "cause": cause}).to_string(),
            false,
        ));
    };
    let input: Value =
        serde_json::from_str(&read_arg(&args.input)?).context("--input is not valid JSON")?;
    let mocks = match &args.mock {
        Some(p) => Mocks::parse(
            &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        )?,
        None => Mocks::default(),
    };
    let machine = args
        .definition
        .file_stem()
        .map_or("local".into(), |s| s.to_string_lossy().replace('.', "-"));
    let start = now();
    let seed = stepd_runtime::fresh_seed(start as u64);
    let name = format!("{:016x}", seed.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    let exec = Execution::new(
        Arc::new(def),
        Arc::new(Exprs::default()),
        Identity::local(&machine, &name, start),
        seed,
    )
    .with_token_key(stepd_runtime::TokenSecret::fresh().0);
    let mut driver = Driver::new(exec);
    driver.push(Event::Start { input });
    let mut host = Mocked { mocks };
    match drive::block_on(drive::drive(&mut driver, &mut host)) {
        drive::End::Finished(outcome) => Ok(render(outcome, args.history.then_some(&driver))),
        drive::End::Stalled => {
            anyhow::bail!("the execution is stuck: nothing is due and no task can answer")
        }
        drive::End::Broken(e) => Err(e.into()),
        drive::End::Stopped(never) => match never {},
    }
}

/// `stepd run`'s surroundings: the wall clock, real sleeps, and Tasks answered only by `--mock`.
struct Mocked {
    mocks: Mocks,
}

impl drive::Host for Mocked {
    type Stop = std::convert::Infallible;

    fn now(&mut self) -> Millis {
        now()
    }

    async fn invoke(
        &mut self,
        driver: &mut Driver,
        inv: Invocation,
        t: Millis,
    ) -> Result<(), Self::Stop> {
        let Some(response) = self.mocks.next(&inv.state) else {
            let cause = format!(
                "No mock for the state '{}' (resource {}): stepd run executes Tasks only through --mock",
                inv.state, inv.resource
            );
            let error = stepd_core::names::TASK_FAILED.into();
            driver.schedule(
                t,
                Event::TaskFailed {
                    task: inv.task,
                    error,
                    cause,
                },
            );
            return Ok(());
        };
        let event = match response.answer {
            Answer::Return(output) => Event::TaskSucceeded {
                task: inv.task,
                output,
            },
            Answer::Throw { error, cause } => Event::TaskFailed {
                task: inv.task,
                error,
                cause,
            },
            Answer::Never => return Ok(()),
        };
        driver.schedule(t + (response.delay_seconds * 1000.0) as Millis, event);
        Ok(())
    }

    async fn wait(&mut self, _: &mut Driver, due: Option<Millis>) -> Result<bool, Self::Stop> {
        let Some(due) = due else { return Ok(false) };
        let wait = due - now();
        if wait > 0 {
            std::thread::sleep(std::time::Duration::from_millis(wait as u64));
        }
        Ok(true)
    }
}

fn render(outcome: Outcome, history: Option<&Driver>) -> (String, bool) {
    let (mut line, ok) = match outcome {
        Outcome::Succeeded { output } => (json!({"status": "SUCCEEDED", "output": output}), true),
        // A Fail state without Error or Cause leaves them out, as DescribeExecution does.
        Outcome::Failed { error, cause } => {
            let mut line = json!({"status": "FAILED"});
            if !error.is_empty() {
                line["error"] = json!(error);
            }
            if !cause.is_empty() {
                line["cause"] = json!(cause);
            }
            (line, false)
        }
        Outcome::TimedOut { error, cause } => (
            json!({"status": "TIMED_OUT", "error": error, "cause": cause}),
            false,
        ),
        Outcome::Aborted { error, cause } => (
            json!({"status": "ABORTED", "error": error, "cause": cause}),
            false,
        ),
    };
    if let (Some(d), Some(obj)) = (history, line.as_object_mut()) {
        obj.insert(
            "history".into(),
            Value::Array(d.history.iter().map(|e| e.to_aws_json()).collect()),
        );
    }
    (line.to_string(), ok)
}
