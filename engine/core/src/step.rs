//! Running one state of one frame: entering it, acting by its type, and concluding (exit and transition,
//! suspend, or raise an error for Retry/Catch).

use crate::clock::parse_timestamp;
use crate::dataflow::{Env, MAX_PAYLOAD_BYTES, json_len, result_path};
use crate::event::{Effect, Invocation};
use crate::execution::{Execution, FrameId, Phase, Step, TaskWait, Waiter};
use crate::failure::{self, Failure};
use crate::fanout;
use crate::history::{self, Kind};
use serde_json::{Map, Value, json};
use std::cell::RefCell;
use std::sync::Arc;
use stepd_asl::model::{
    Dyn, Jitter, Kind as StateKind, QueryLanguage, State, Template, Transition, WaitFor,
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
        StateKind::Wait(w) => wait(exec, f, state, &w.until, &raw),
        StateKind::Task(_) => task(exec, f, state, &raw),
        StateKind::Parallel(_) | StateKind::Map(_) => fanout::start(exec, f, state, &raw),
    }
}

fn stringify(v: Value) -> String {
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

fn next_of(state: &State) -> Option<String> {
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
        for rule in &c.choices {
            if crate::choice::holds(env, &rule.condition, &effective, &st)? {
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
                None => Err(env.fail(failure::QUERY, format!("The JSONata expression '{}' specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was '{}' for value: {v}", e.source, crate::choice::type_name(&v)))),
            }
        }
        Dyn::Intrinsic(_) => Err(env.fail(failure::RUNTIME, "unexpected intrinsic")),
    }
}

fn wait(exec: &mut Execution, f: FrameId, state: &State, until: &WaitFor, raw: &Value) -> Step {
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

fn resource_type(resource: &str) -> (String, String) {
    // arn:aws:states:::lambda:invoke.waitForTaskToken -> ("lambda", "invoke.waitForTaskToken")
    let parts: Vec<&str> = resource.splitn(7, ':').collect();
    match (parts.get(5), parts.get(6)) {
        (Some(t), Some(r)) => (t.to_string(), r.to_string()),
        (Some(t), None) => (t.to_string(), String::new()),
        _ => (resource.to_string(), String::new()),
    }
}

fn task(exec: &mut Execution, f: FrameId, state: &State, raw: &Value) -> Step {
    let StateKind::Task(t) = &state.kind else {
        return Step::Raise(Failure::new(failure::RUNTIME, "not a Task state"));
    };
    let callback = t.resource.ends_with(".waitForTaskToken");
    let task_key = exec.key();
    let token = callback.then(|| {
        format!(
            "{:016x}{:016x}{:x}",
            exec.rng.next_u64(),
            exec.rng.next_u64(),
            task_key
        )
    });
    let prepared = with_env(
        exec,
        f,
        state,
        token.as_deref(),
        None,
        |env| -> Result<(Value, Option<u64>, Option<u64>), Failure> {
            let input = match state.query_language {
                QueryLanguage::JSONPath => {
                    let effective = env.input_path(state.io.input_path.as_ref(), raw)?;
                    match &state.io.parameters {
                        Some(p) => env.jsonpath_template(p, &effective)?,
                        None => effective.into_owned(),
                    }
                }
                QueryLanguage::JSONata => match &state.io.arguments {
                    Some(a) => {
                        env.jsonata_template(a, &states(env, raw, None, None), "Arguments")?
                    }
                    None => Value::clone(raw),
                },
            };
            let st = lazy_states(env, state, raw);
            let seconds = |d: &Option<Dyn<u64>>, field: &str| -> Result<Option<u64>, Failure> {
                Ok(match d {
                    None => None,
                    Some(Dyn::Fixed(n)) => Some(*n),
                    Some(Dyn::Path(p)) => {
                        let v = env.field_path(&format!("{field}Path"), p, raw)?;
                        Some(v.as_u64().filter(|n| *n > 0).ok_or_else(|| env.fail(failure::RUNTIME, format!("The {field}Path field refers to value {v} which is not a valid positive integer: {}", p.source)))?)
                    }
                    Some(Dyn::Expr(e)) => {
                        let v = env.jsonata(e, &st, field)?;
                        Some(v.as_u64().ok_or_else(|| env.fail(failure::QUERY, format!("The JSONata expression '{}' specified for the field '{field}' returned an unexpected result type. Expected 'integer', but was '{}' for value: {v}", e.source, crate::choice::type_name(&v))))?)
                    }
                    Some(Dyn::Intrinsic(_)) => None,
                })
            };
            Ok((
                input,
                seconds(&t.timeout_seconds, "TimeoutSeconds")?,
                seconds(&t.heartbeat_seconds, "HeartbeatSeconds")?,
            ))
        },
    );
    let (input, timeout, heartbeat) = match prepared {
        Ok(p) => p,
        Err(e) => return Step::Raise(e),
    };
    if json_len(&input) > MAX_PAYLOAD_BYTES {
        return Step::Raise(Failure::new(
            failure::DATA_LIMIT,
            "The state/task returned a result with a size exceeding the maximum number of bytes service limit.",
        ));
    }
    let (rtype, rname) = resource_type(&t.resource);
    let mut details = json!({"resourceType": rtype, "resource": rname, "region": "us-east-1", "parameters": input.to_string()});
    if let Some(obj) = details.as_object_mut() {
        if let Some(s) = timeout {
            obj.insert("timeoutInSeconds".into(), json!(s));
        }
        if let Some(s) = heartbeat {
            obj.insert("heartbeatInSeconds".into(), json!(s));
        }
    }
    exec.emit_for(f, Kind::TaskScheduled, Some(details));
    exec.emit_for(
        f,
        Kind::TaskStarted,
        Some(json!({"resourceType": rtype, "resource": rname})),
    );
    let (entered, attempt) = exec
        .frame(f)
        .map_or((0, 0), |fr| (fr.entered_event, fr.retry_count));
    exec.waits.insert(task_key, Waiter::Task(f));
    exec.out.effects.push(Effect::InvokeTask(Invocation {
        task: task_key,
        resource: t.resource.clone(),
        state: state.name.clone(),
        input,
        token,
        idempotency_key: format!("{}:{entered}:{attempt}", exec.identity.execution_arn),
        timeout_seconds: timeout,
        heartbeat_seconds: heartbeat,
    }));
    let now = exec.now;
    let timeout_timer = timeout
        .map(|s| exec.arm_timer(Waiter::TaskTimeout(f), now.saturating_add(s as i64 * 1000)));
    let heartbeat_timer = heartbeat.map(|s| {
        (
            exec.arm_timer(Waiter::Heartbeat(f), now.saturating_add(s as i64 * 1000)),
            s,
        )
    });
    if let Some(fr) = exec.frame_mut(f) {
        fr.phase = Phase::Task(Box::new(TaskWait {
            task: task_key,
            resource: t.resource.clone(),
            timeout: timeout_timer,
            heartbeat: heartbeat_timer,
        }));
    }
    Step::Suspend
}

fn stop_task_timers(exec: &mut Execution, f: FrameId) -> Option<TaskWait> {
    let fr = exec.frame_mut(f)?;
    let Phase::Task(tw) = std::mem::replace(&mut fr.phase, Phase::Act) else {
        return None;
    };
    if let Some(t) = tw.timeout {
        exec.cancel_timer(t);
    }
    if let Some((t, _)) = tw.heartbeat {
        exec.cancel_timer(t);
    }
    Some(*tw)
}

/// A task answered (`Ok(output)`) or failed.
pub(crate) fn task_result(
    exec: &mut Execution,
    f: FrameId,
    result: Result<Value, (Failure, Kind)>,
) {
    let def = exec.def();
    let Some(tw) = stop_task_timers(exec, f) else {
        return;
    };
    let Some(fr) = exec.frame(f) else { return };
    let (machine, index, raw) = (fr.machine, fr.state, Arc::clone(&fr.input));
    let state = &def.machine(machine).states[index];
    let (rtype, rname) = resource_type(&tw.resource);
    let step = match result {
        Err((failure, kind)) => {
            exec.emit_for(f, kind, Some(json!({"resourceType": rtype, "resource": rname, "error": failure.error, "cause": failure.cause})));
            Step::Raise(failure)
        }
        Ok(output) => {
            exec.emit_for(f, Kind::TaskSucceeded, Some(json!({"resourceType": rtype, "resource": rname, "output": output.to_string(), "outputDetails": {"truncated": false}})));
            if json_len(&output) > MAX_PAYLOAD_BYTES {
                Step::Raise(Failure::new(
                    failure::DATA_LIMIT,
                    "The state/task returned a result with a size exceeding the maximum number of bytes service limit.",
                ))
            } else {
                with_env(exec, f, state, None, None, |env| {
                    finish_result(env, state, &raw, output)
                })
                .unwrap_or_else(Step::Raise)
            }
        }
    };
    conclude(exec, f, state, step);
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

pub(crate) fn heartbeat(exec: &mut Execution, f: FrameId) {
    let now = exec.now;
    let Some(fr) = exec.frame_mut(f) else { return };
    let Phase::Task(tw) = &mut fr.phase else {
        return;
    };
    let Some((old, seconds)) = tw.heartbeat else {
        return;
    };
    exec.cancel_timer(old);
    let timer = exec.arm_timer(
        Waiter::Heartbeat(f),
        now.saturating_add(seconds as i64 * 1000),
    );
    if let Some(Phase::Task(tw)) = exec.frame_mut(f).map(|fr| &mut fr.phase) {
        tw.heartbeat = Some((timer, seconds));
    }
}

/// A task's TimeoutSeconds or HeartbeatSeconds ran out.
pub(crate) fn task_timed_out(exec: &mut Execution, f: FrameId, error: &str) {
    let task = match exec.frame(f).map(|fr| &fr.phase) {
        Some(Phase::Task(tw)) => tw.task,
        _ => return,
    };
    if exec.waits.remove(&task).is_some() {
        exec.out.effects.push(Effect::CancelTask { task });
    }
    let cause = if error == failure::TIMEOUT {
        "The task timed out."
    } else {
        "The task did not send a heartbeat in time."
    };
    task_result(
        exec,
        f,
        Err((Failure::new(error, cause), Kind::TaskTimedOut)),
    );
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
            if json_len(&output) > MAX_PAYLOAD_BYTES {
                let failure = Failure::new(
                    failure::DATA_LIMIT,
                    format!(
                        "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                        state.name
                    ),
                );
                return conclude(exec, f, state, Step::Raise(failure));
            }
            exit(exec, f, state, output, next, assigned);
        }
        Step::Succeed { output } => exit(exec, f, state, output, None, None),
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
        None => exec.fail_execution(fr.last_event, failure),
        Some((parent, slot)) => fanout::child_done(exec, parent, slot, fr.last_event, Err(failure)),
    }
}
