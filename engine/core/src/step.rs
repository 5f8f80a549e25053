//! Running one state of one frame: entering it, acting by its type, and concluding (exit and transition,
//! suspend, or raise an error for Retry/Catch).

use crate::dataflow::{Env, check_payload, result_path};
use crate::execution::{Execution, FrameId, Phase, Step, Waiter};
use crate::failure::{self, Failure};
use crate::fanout;
use crate::history::{self, Kind};
use serde_json::{Map, Value, json};
use std::cell::RefCell;
use std::sync::Arc;
use stepd_asl::model::{
    Dyn, Jitter, Kind as StateKind, QueryLanguage, State, Template, Transition,
};

/// Runs the state evaluation `body` needs with an `Env` for frame `f`'s current state.
pub(crate) fn with_env<R>(
    exec: &mut Execution,
    f: FrameId,
    state: &State,
    token: Option<&str>,
    map_item: Option<(usize, &Value)>,
    body: impl FnOnce(&Env<'_>) -> R,
) -> R {
    let vars = exec.visible_vars(f);
    let exprs = Arc::clone(&exec.exprs);
    let entered_event = exec.frame(f).map_or(0, |fr| fr.entered_event);
    let mut rng = exec.rng.clone();
    let r = {
        let shared: &Execution = exec;
        let make = || shared.context(f, state, token, map_item);
        let env = Env {
            state: &state.name,
            entered_event,
            context: crate::dataflow::LazyContext::new(&make),
            vars: &vars,
            exprs: &exprs,
            rng: RefCell::new(&mut rng),
        };
        body(&env)
    };
    exec.rng = rng;
    r
}

/// `$states` for JSONata: input, context, and (when given) result / errorOutput.
pub(crate) fn states(
    env: &Env<'_>,
    input: &Value,
    result: Option<&Value>,
    error_output: Option<&Value>,
) -> Value {
    let mut m = Map::new();
    m.insert("input".into(), input.clone());
    m.insert("context".into(), env.context.get().clone());
    if let Some(r) = result {
        m.insert("result".into(), r.clone());
    }
    if let Some(e) = error_output {
        m.insert("errorOutput".into(), e.clone());
    }
    Value::Object(m)
}

/// `$states` for a JSONata state; `null` for a JSONPath one, which never reads it (saves building it).
pub(crate) fn lazy_states(env: &Env<'_>, state: &State, raw: &Value) -> Value {
    match state.query_language {
        QueryLanguage::JSONata => states(env, raw, None, None),
        QueryLanguage::JSONPath => Value::Null,
    }
}

/// Runs frame `f` from its current phase.
pub(crate) fn step(exec: &mut Execution, f: FrameId) {
    let def = exec.def();
    let Some(fr) = exec.frame(f) else { return };
    let (machine, index) = (fr.machine, fr.state);
    let state = &def.machine(machine).states[index];
    let phase = exec
        .frame_mut(f)
        .map(|fr| std::mem::replace(&mut fr.phase, Phase::Act));
    match phase {
        Some(Phase::Enter) => {
            let input = exec
                .frame(f)
                .map(|fr| Arc::clone(&fr.input))
                .unwrap_or_default();
            let details = history::Details::Entered {
                name: state.name.clone(),
                input,
            };
            let id = exec.emit_for_details(f, Kind::entered(state.type_name()), Some(details));
            let retriers = state.kind.error_handling().map_or(0, |(r, _)| r.len());
            let now = exec.now;
            if let Some(fr) = exec.frame_mut(f) {
                fr.entered_event = id;
                fr.entered_time = now;
                fr.retries = vec![0; retriers];
                fr.retry_count = 0;
            }
        }
        Some(Phase::Act) => {}
        Some(other) => {
            // Not runnable: put the phase back.
            if let Some(fr) = exec.frame_mut(f) {
                fr.phase = other;
            }
            return;
        }
        None => return,
    }
    let result = act(exec, f, state);
    conclude(exec, f, state, result);
}

fn act(exec: &mut Execution, f: FrameId, state: &State) -> Step {
    let raw = exec
        .frame(f)
        .map(|fr| Arc::clone(&fr.input))
        .unwrap_or_default();
    match &state.kind {
        StateKind::Pass { result } => with_env(exec, f, state, None, None, |env| {
            pass(env, state, result.as_ref(), &raw)
        }),
        StateKind::Choice(_) => {
            with_env(exec, f, state, None, None, |env| choice(env, state, &raw))
        }
        StateKind::Succeed => with_env(exec, f, state, None, None, |env| {
            match state.query_language {
                QueryLanguage::JSONPath => env
                    .input_path(state.io.input_path.as_ref(), &raw)
                    .and_then(|v| env.output_path(state.io.output_path.as_ref(), v.into_owned()))
                    .map_or_else(Step::Raise, |output| Step::Succeed { output }),
                QueryLanguage::JSONata => output_or(env, state, &raw, None, Value::clone(&raw))
                    .map_or_else(Step::Raise, |output| Step::Succeed { output }),
            }
        }),
        StateKind::Fail(fail) => with_env(exec, f, state, None, None, |env| {
            let text = |d: &Option<Dyn<String>>, field: &str| -> Result<Option<String>, Failure> {
                Ok(match d {
                    None => None,
                    Some(Dyn::Fixed(s)) => Some(s.clone()),
                    Some(Dyn::Path(p)) => Some(stringify(env.field_path(
                        &format!("{field}Path"),
                        p,
                        &raw,
                    )?)),
                    Some(Dyn::Intrinsic(c)) => Some(stringify(env.intrinsic(c, &raw)?)),
                    Some(Dyn::Expr(e)) => Some(stringify(env.jsonata(
                        e,
                        &states(env, &raw, None, None),
                        field,
                    )?)),
                })
            };
            match (text(&fail.error, "Error"), text(&fail.cause, "Cause")) {
                (Ok(error), Ok(cause)) => Step::FailMachine(Failure::new(
                    error.unwrap_or_default(),
                    cause.unwrap_or_default(),
                )),
                (Err(e), _) | (_, Err(e)) => Step::Raise(e),
            }
        }),
        StateKind::Wait(w) => crate::wait::wait(exec, f, state, &w.until, &raw),
        StateKind::Task(_) => crate::task::task(exec, f, state, &raw),
        StateKind::Parallel(_) | StateKind::Map(_) => fanout::start(exec, f, state, &raw),
    }
}

pub(crate) fn stringify(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// JSONata `Output` if the state has one, else `default`.
pub(crate) fn output_or(
    env: &Env<'_>,
    state: &State,
    raw: &Value,
    result: Option<&Value>,
    default: Value,
) -> Result<Value, Failure> {
    match &state.io.output {
        Some(t) => env.jsonata_template(t, &states(env, raw, result, None), "Output"),
        None => Ok(default),
    }
}

/// Evaluates `Assign` (JSONPath: with `$` = `basis`; JSONata: with `$states`).
pub(crate) fn assign(
    env: &Env<'_>,
    t: Option<&Template>,
    ql: QueryLanguage,
    basis: &Value,
    states_v: &Value,
) -> Result<Option<Map<String, Value>>, Failure> {
    let Some(t) = t else { return Ok(None) };
    let v = match ql {
        QueryLanguage::JSONPath => env.jsonpath_template(t, basis)?,
        QueryLanguage::JSONata => env.jsonata_template(t, states_v, "Assign")?,
    };
    Ok(match v {
        Value::Object(m) => Some(m),
        _ => None,
    })
}

pub(crate) fn next_of(state: &State) -> Option<String> {
    match &state.transition {
        Some(Transition::Next(n)) => Some(n.clone()),
        _ => None,
    }
}

fn pass(env: &Env<'_>, state: &State, result: Option<&Template>, raw: &Value) -> Step {
    let run = || -> Result<Step, Failure> {
        match state.query_language {
            QueryLanguage::JSONPath => {
                let effective = env.input_path(state.io.input_path.as_ref(), raw)?;
                let result = match (result, &state.io.parameters) {
                    (Some(Template::Literal(v)), _) => v.clone(),
                    (_, Some(p)) => env.jsonpath_template(p, &effective)?,
                    _ => effective.into_owned(),
                };
                // A Pass state has no ResultSelector: the rest is a Task's output processing.
                finish_result(env, state, raw, result)
            }
            QueryLanguage::JSONata => {
                let st = lazy_states(env, state, raw);
                let assigned = assign(
                    env,
                    state.io.assign.as_ref(),
                    state.query_language,
                    raw,
                    &st,
                )?;
                let output = output_or(env, state, raw, None, Value::clone(raw))?;
                Ok(Step::Exit {
                    output,
                    next: next_of(state),
                    assigned,
                })
            }
        }
    };
    run().unwrap_or_else(Step::Raise)
}

fn choice(env: &Env<'_>, state: &State, raw: &Value) -> Step {
    let StateKind::Choice(c) = &state.kind else {
        return Step::Raise(env.fail(failure::RUNTIME, "not a Choice state"));
    };
    let run = || -> Result<Step, Failure> {
        let effective = match state.query_language {
            QueryLanguage::JSONPath => env.input_path(state.io.input_path.as_ref(), raw)?,
            QueryLanguage::JSONata => std::borrow::Cow::Borrowed(raw),
        };
        let st = lazy_states(env, state, raw);
        let mut chosen = None;
        for (i, rule) in c.choices.iter().enumerate() {
            if crate::choice::holds(env, &rule.condition, &effective, &st, i)? {
                chosen = Some(rule);
                break;
            }
        }
        let (next, assign_t, output_t) = match chosen {
            Some(rule) => (
                rule.next.clone(),
                rule.assign.as_ref(),
                rule.output.as_ref().or(state.io.output.as_ref()),
            ),
            None => match &c.default {
                Some(d) => (
                    d.clone(),
                    state.io.assign.as_ref(),
                    state.io.output.as_ref(),
                ),
                None => return Err(Failure::new(failure::NO_CHOICE, "No Matches!")),
            },
        };
        let assigned = assign(env, assign_t, state.query_language, &effective, &st)?;
        let output = match state.query_language {
            QueryLanguage::JSONPath => {
                env.output_path(state.io.output_path.as_ref(), effective.into_owned())?
            }
            QueryLanguage::JSONata => match output_t {
                Some(t) => env.jsonata_template(t, &st, "Output")?,
                None => Value::clone(raw),
            },
        };
        Ok(Step::Exit {
            output,
            next: Some(next),
            assigned,
        })
    };
    run().unwrap_or_else(Step::Raise)
}

/// Output processing after a Task, Parallel or Map produced `result`.
pub(crate) fn finish_result(
    env: &Env<'_>,
    state: &State,
    raw: &Value,
    result: Value,
) -> Result<Step, Failure> {
    match state.query_language {
        QueryLanguage::JSONPath => {
            let selected = match &state.io.result_selector {
                Some(t) => env.jsonpath_template(t, &result)?,
                None => result,
            };
            let assigned = assign(
                env,
                state.io.assign.as_ref(),
                QueryLanguage::JSONPath,
                &selected,
                &Value::Null,
            )?;
            let merged = result_path(env, state.io.result_path.as_ref(), raw, selected)?;
            let output = env.output_path(state.io.output_path.as_ref(), merged)?;
            Ok(Step::Exit {
                output,
                next: next_of(state),
                assigned,
            })
        }
        QueryLanguage::JSONata => {
            let st = states(env, raw, Some(&result), None);
            let assigned = assign(
                env,
                state.io.assign.as_ref(),
                QueryLanguage::JSONata,
                &result,
                &st,
            )?;
            let output = match &state.io.output {
                Some(t) => env.jsonata_template(t, &st, "Output")?,
                None => result,
            };
            Ok(Step::Exit {
                output,
                next: next_of(state),
                assigned,
            })
        }
    }
}

/// Acts on the outcome of a state: exit and move on, raise for Retry/Catch, or end the frame.
pub(crate) fn conclude(exec: &mut Execution, f: FrameId, state: &State, step: Step) {
    match step {
        Step::Suspend => {}
        Step::Exit {
            output,
            next,
            assigned,
        } => {
            let checked = check_payload(&output, &state.name).and_then(|()| match &assigned {
                Some(vars) => vars
                    .values()
                    .try_for_each(|v| check_payload(v, &state.name)),
                None => Ok(()),
            });
            if let Err(failure) = checked {
                return conclude(exec, f, state, Step::Raise(failure));
            }
            exit(exec, f, state, output, next, assigned);
        }
        Step::Succeed { output } => match check_payload(&output, &state.name) {
            Ok(()) => exit(exec, f, state, output, None, None),
            Err(failure) => conclude(exec, f, state, Step::Raise(failure)),
        },
        Step::Raise(failure) => recover(exec, f, state, failure),
        Step::FailMachine(failure) => frame_failed(exec, f, failure),
    }
}

fn exit(
    exec: &mut Execution,
    f: FrameId,
    state: &State,
    output: Value,
    next: Option<String>,
    assigned: Option<Map<String, Value>>,
) {
    let output = Arc::new(output);
    let details = history::Details::Exited {
        name: state.name.clone(),
        output: Arc::clone(&output),
        assigned: assigned.clone(),
    };
    exec.emit_for_details(f, Kind::exited(state.type_name()), Some(details));
    let def = exec.def();
    let Some(fr) = exec.frame_mut(f) else { return };
    if let Some(vars) = assigned {
        fr.vars.extend(vars);
    }
    match next.and_then(|n| def.machine(fr.machine).position(&n)) {
        Some(position) => {
            fr.state = position;
            fr.input = output;
            fr.phase = Phase::Enter;
            exec.ready.push_back(f);
        }
        None => frame_done(exec, f, Arc::unwrap_or_clone(output)),
    }
}

/// Retry if a Retrier matches and has attempts left; else Catch if a Catcher matches; else fail the frame.
fn recover(exec: &mut Execution, f: FrameId, state: &State, failure: Failure) {
    let Some((retriers, catchers)) = state.kind.error_handling() else {
        return frame_failed(exec, f, failure);
    };
    if let Some(i) = retriers
        .iter()
        .position(|r| failure.matches(&r.error_equals))
    {
        let r = &retriers[i];
        let used = exec
            .frame(f)
            .and_then(|fr| fr.retries.get(i).copied())
            .unwrap_or(0);
        if used < r.max_attempts {
            let mut delay = r.interval_seconds as f64 * r.backoff_rate.powi(used.min(1000) as i32);
            if let Some(max) = r.max_delay_seconds {
                delay = delay.min(max as f64);
            }
            if r.jitter == Jitter::Full {
                delay *= exec.rng.next_f64();
            }
            let due = exec.now.saturating_add((delay * 1000.0).min(1e15) as i64);
            let timer = exec.arm_timer(Waiter::Retry(f), due);
            if let Some(fr) = exec.frame_mut(f) {
                if let Some(n) = fr.retries.get_mut(i) {
                    *n += 1;
                }
                fr.retry_count += 1;
                fr.phase = Phase::Backoff { timer };
            }
            return;
        }
    }
    let Some(c) = catchers.iter().find(|c| failure.matches(&c.error_equals)) else {
        return frame_failed(exec, f, failure);
    };
    let raw = exec
        .frame(f)
        .map(|fr| Arc::clone(&fr.input))
        .unwrap_or_default();
    let error_output = failure.output();
    let caught = with_env(
        exec,
        f,
        state,
        None,
        None,
        |env| -> Result<(Value, Option<Map<String, Value>>), Failure> {
            match state.query_language {
                QueryLanguage::JSONPath => {
                    let assigned = assign(
                        env,
                        c.assign.as_ref(),
                        QueryLanguage::JSONPath,
                        &error_output,
                        &Value::Null,
                    )?;
                    Ok((
                        result_path(env, c.result_path.as_ref(), &raw, error_output.clone())?,
                        assigned,
                    ))
                }
                QueryLanguage::JSONata => {
                    let st = states(env, &raw, None, Some(&error_output));
                    let assigned = assign(
                        env,
                        c.assign.as_ref(),
                        QueryLanguage::JSONata,
                        &error_output,
                        &st,
                    )?;
                    let output = match &c.output {
                        Some(t) => env.jsonata_template(t, &st, "Output")?,
                        None => error_output.clone(),
                    };
                    Ok((output, assigned))
                }
            }
        },
    );
    match caught {
        Ok((output, assigned)) => exit(exec, f, state, output, Some(c.next.clone()), assigned),
        Err(e) => frame_failed(exec, f, e),
    }
}

/// A frame reached a terminal state successfully.
pub(crate) fn frame_done(exec: &mut Execution, f: FrameId, output: Value) {
    let Some(fr) = exec.frames.get_mut(f).and_then(Option::take) else {
        return;
    };
    match fr.parent {
        None => {
            let details =
                json!({"output": output.to_string(), "outputDetails": {"truncated": false}});
            exec.emit(fr.last_event, Kind::ExecutionSucceeded, Some(details));
            exec.finish(crate::event::Outcome::Succeeded { output });
        }
        Some((parent, slot)) => fanout::child_done(exec, parent, slot, fr.last_event, Ok(output)),
    }
}

/// A frame failed with nothing left to catch the error.
pub(crate) fn frame_failed(exec: &mut Execution, f: FrameId, failure: Failure) {
    let Some(fr) = exec.frames.get_mut(f).and_then(Option::take) else {
        return;
    };
    match fr.parent {
        None => {
            exec.remember_for_redrive(&fr);
            exec.fail_execution(fr.last_event, failure)
        }
        Some((parent, slot)) => fanout::child_done(exec, parent, slot, fr.last_event, Err(failure)),
    }
}
