//! The Task state: preparing the invocation (input, token, timeouts), answers, heartbeats and timeouts.

use crate::dataflow::check_payload;
use crate::event::{Effect, Invocation};
use crate::execution::{Execution, FrameId, Phase, Step, TaskWait, Waiter};
use crate::failure::{self, Failure};
use crate::history::Kind;
use crate::step::{conclude, finish_result, lazy_states, states, with_env};
use serde_json::{Value, json};
use std::sync::Arc;
use stepd_asl::model::{Dyn, Kind as StateKind, QueryLanguage, State};

fn resource_type(resource: &str) -> (String, String) {
    // arn:aws:states:::lambda:invoke.waitForTaskToken -> ("lambda", "invoke.waitForTaskToken")
    let parts: Vec<&str> = resource.splitn(7, ':').collect();
    match (parts.get(5), parts.get(6)) {
        (Some(t), Some(r)) => (t.to_string(), r.to_string()),
        (Some(t), None) => (t.to_string(), String::new()),
        _ => (resource.to_string(), String::new()),
    }
}

pub(crate) fn task(exec: &mut Execution, f: FrameId, state: &State, raw: &Value) -> Step {
    let StateKind::Task(t) = &state.kind else {
        return Step::Raise(Failure::new(failure::RUNTIME, "not a Task state"));
    };
    // Callback tasks and activity tasks are answered by token.
    let callback = t.resource.ends_with(".waitForTaskToken") || is_activity(&t.resource);
    let task_key = exec.key();
    let token = callback.then(|| match &exec.tokens.0 {
        Some(key) => crate::token::mint(key, task_key),
        // Executions recorded without a secret replay the tokens they handed out then.
        None => format!(
            "{:016x}{:016x}{:x}",
            exec.rng.next_u64(),
            exec.rng.next_u64(),
            task_key
        ),
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
                        Some(v.as_u64().ok_or_else(|| {
                            env.fail(
                                failure::QUERY,
                                crate::choice::unexpected_type(&e.source, field, "integer", &v),
                            )
                        })?)
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
    if let Err(failure) = check_payload(&input, &state.name) {
        return Step::Raise(failure);
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
            if let Err(failure) = check_payload(&output, &state.name) {
                Step::Raise(failure)
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

/// `arn:aws:states:<region>:<account>:activity:<name>`: a task workers take with GetActivityTask.
pub fn is_activity(resource: &str) -> bool {
    let parts: Vec<&str> = resource.split(':').collect();
    parts.len() == 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity"
}
