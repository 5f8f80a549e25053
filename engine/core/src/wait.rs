//! The Wait state: when it ends (seconds, timestamp, from a path or an expression) and what it outputs.

use crate::clock::parse_timestamp;
use crate::dataflow::Env;
use crate::execution::{Execution, FrameId, Phase, Step, Waiter};
use crate::failure::{self, Failure};
use crate::step::{assign, conclude, lazy_states, next_of, output_or, stringify, with_env};
use serde_json::Value;
use std::sync::Arc;
use stepd_asl::model::{Dyn, QueryLanguage, State, WaitFor};

/// A `SecondsPath`/`MaxConcurrencyPath`-style integer read from the input, with AWS's errors.
fn wait_seconds(env: &Env<'_>, d: &Dyn<u64>, input: &Value, st: &Value) -> Result<u64, Failure> {
    match d {
        Dyn::Fixed(n) => Ok(*n),
        Dyn::Path(p) => {
            let v = env.field_path("SecondsPath", p, input)?;
            match v.as_i64() {
                Some(n) if n < 0 => Err(env.fail(
                    failure::RUNTIME,
                    format!(
                        "The SecondsPath parameter references a negative value: {} == {v}",
                        p.source
                    ),
                )),
                Some(n) => Ok(n as u64),
                None => Err(env.fail(
                    failure::RUNTIME,
                    format!(
                        "The SecondsPath parameter cannot be parsed as a long value: {} == {v}",
                        p.source
                    ),
                )),
            }
        }
        Dyn::Expr(e) => {
            let v = env.jsonata(e, st, "Seconds")?;
            match v.as_u64() {
                Some(n) => Ok(n),
                None => Err(env.fail(
                    failure::QUERY,
                    crate::choice::unexpected_type(&e.source, "Seconds", "integer", &v),
                )),
            }
        }
        Dyn::Intrinsic(_) => Err(env.fail(failure::RUNTIME, "unexpected intrinsic")),
    }
}

pub(crate) fn wait(
    exec: &mut Execution,
    f: FrameId,
    state: &State,
    until: &WaitFor,
    raw: &Value,
) -> Step {
    let now = exec.now;
    let due = with_env(
        exec,
        f,
        state,
        None,
        None,
        |env| -> Result<(i64, Value), Failure> {
            let effective = match state.query_language {
                QueryLanguage::JSONPath => env
                    .input_path(state.io.input_path.as_ref(), raw)?
                    .into_owned(),
                QueryLanguage::JSONata => Value::clone(raw),
            };
            let st = lazy_states(env, state, raw);
            let due = match until {
                WaitFor::Seconds(d) => now.saturating_add(
                    wait_seconds(env, d, &effective, &st)?.min(99_999_999) as i64 * 1000,
                ),
                WaitFor::Timestamp(d) => {
                    let (text, path) = match d {
                        Dyn::Fixed(s) => (Value::String(s.clone()), None),
                        Dyn::Path(p) => (env.field_path("TimestampPath", p, &effective)?, Some(p)),
                        Dyn::Expr(e) => (env.jsonata(e, &st, "Timestamp")?, None),
                        Dyn::Intrinsic(_) => (Value::Null, None),
                    };
                    match (text.as_str().and_then(parse_timestamp), path) {
                        (Some(t), _) => t,
                        (None, Some(p)) => {
                            return Err(env.fail(failure::RUNTIME, format!("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {}", p.source, stringify(text))));
                        }
                        (None, None) => {
                            return Err(env.fail(failure::QUERY, format!("The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {}", stringify(text))));
                        }
                    }
                }
            };
            Ok((due, effective))
        },
    );
    match due {
        Ok((due, effective)) => {
            let timer = exec.arm_timer(Waiter::Wait(f), due.max(now));
            if let Some(fr) = exec.frame_mut(f) {
                fr.phase = Phase::Sleep { timer, effective };
            }
            Step::Suspend
        }
        Err(e) => Step::Raise(e),
    }
}

/// A Wait state's timer fired.
pub(crate) fn wait_over(exec: &mut Execution, f: FrameId) {
    let def = exec.def();
    let Some(fr) = exec.frame_mut(f) else { return };
    let Phase::Sleep { effective, .. } = std::mem::replace(&mut fr.phase, Phase::Act) else {
        return;
    };
    let (machine, index, raw) = (fr.machine, fr.state, Arc::clone(&fr.input));
    let state = &def.machine(machine).states[index];
    let result = with_env(exec, f, state, None, None, |env| -> Result<Step, Failure> {
        let st = lazy_states(env, state, &raw);
        let assigned = assign(
            env,
            state.io.assign.as_ref(),
            state.query_language,
            &effective,
            &st,
        )?;
        let output = match state.query_language {
            QueryLanguage::JSONPath => env.output_path(state.io.output_path.as_ref(), effective)?,
            QueryLanguage::JSONata => output_or(env, state, &raw, None, Value::clone(&raw))?,
        };
        Ok(Step::Exit {
            output,
            next: next_of(state),
            assigned,
        })
    });
    conclude(exec, f, state, result.unwrap_or_else(Step::Raise));
}
