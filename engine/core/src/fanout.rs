//! Parallel and Map states: starting children (branches or iterations) as frames, honouring MaxConcurrency,
//! collecting results in order, tolerating failures, and cancelling the rest when one fails.

use crate::dataflow::Env;
use crate::event::Effect;
use crate::execution::{Execution, FrameId, Phase, Step};
use crate::failure::{self, Failure};
use crate::history::Kind;
use crate::step::{conclude, finish_result, lazy_states, states, with_env};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use stepd_asl::model::{Dyn, Kind as StateKind, MachineId, QueryLanguage, State};

/// A Parallel or Map state waiting for its children.
#[derive(Debug)]
pub(crate) struct Fanout {
    map: bool,
    /// Results by slot; `None` until that child ends.
    results: Vec<Option<Value>>,
    /// Which children succeeded (a tolerated failure has a result too).
    succeeded: Vec<bool>,
    /// Live child frames by slot.
    children: Vec<Option<FrameId>>,
    /// Map iterations not started yet (slot, input), waiting for MaxConcurrency room.
    pending: VecDeque<(usize, Value)>,
    running: usize,
    remaining: usize,
    max_concurrency: usize,
    failed: u64,
    tolerated_count: Option<u64>,
    tolerated_percentage: Option<f64>,
    /// The `ParallelStateStarted` / `MapStateStarted` event.
    started_event: u64,
    /// The bytes of inputs and results this state holds, counted against the execution's budget.
    held: Held,
}

/// How many bytes of branch and iteration inputs and results one execution may hold at once: a Map over
/// many large items fails with `States.DataLimitExceeded` instead of exhausting the server's memory.
/// (256 payloads of the largest size; AWS's own inline Map runs at most 40 iterations at a time.)
pub const MAX_FANOUT_BYTES: usize = 64 << 20;

/// The bytes held by one execution's Parallel and Map states, shared with each state's `Held`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Budget(Arc<AtomicUsize>);

/// Bytes one Parallel or Map state holds; given back to the execution's budget when it is dropped, by
/// whichever way the state ends (completion, failure, cancellation, the execution's end).
#[derive(Debug)]
pub(crate) struct Held {
    budget: Budget,
    bytes: usize,
}

impl Held {
    fn new(budget: &Budget) -> Held {
        Held {
            budget: budget.clone(),
            bytes: 0,
        }
    }

    /// Counts `value`'s bytes, or refuses when the execution would hold more than the budget.
    fn add(&mut self, value: &Value, state: &str) -> Result<(), Failure> {
        let n = stepd_asl::limits::measure(value).bytes;
        let before = self.budget.0.fetch_add(n, Ordering::Relaxed);
        if before + n > MAX_FANOUT_BYTES {
            self.budget.0.fetch_sub(n, Ordering::Relaxed);
            return Err(Failure::new(
                failure::DATA_LIMIT,
                format!(
                    "The state '{state}' would hold more than {} MiB of branch or iteration inputs and results, the limit for one execution.",
                    MAX_FANOUT_BYTES >> 20
                ),
            ));
        }
        self.bytes += n;
        Ok(())
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.budget.0.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

impl Fanout {
    /// Each child's output if it succeeded.
    pub(crate) fn succeeded(&self) -> Vec<Option<Value>> {
        self.results
            .iter()
            .zip(&self.succeeded)
            .map(|(r, ok)| r.clone().filter(|_| *ok))
            .collect()
    }
}

/// Enters the fan-out: evaluates input, items and limits, then starts the first children.
pub(crate) fn start(exec: &mut Execution, f: FrameId, state: &State, raw: &Value) -> Step {
    let mut held = Held::new(&exec.fanout_budget);
    let prepared = with_env(exec, f, state, None, None, |env| {
        prepare(env, state, raw, &mut held)
    });
    let (inputs, max_concurrency, tolerated_count, tolerated_percentage) = match prepared {
        Ok(p) => p,
        Err(e) => return Step::Raise(e),
    };
    let map = matches!(state.kind, StateKind::Map(_));
    let started_event = if map {
        exec.emit_for(
            f,
            Kind::MapStateStarted,
            Some(json!({"length": inputs.len()})),
        )
    } else {
        exec.emit_for(f, Kind::ParallelStateStarted, None)
    };
    let n = inputs.len();
    // A redrive keeps the children that succeeded before (the same input gives the same children).
    let kept = exec
        .frame_mut(f)
        .and_then(|fr| fr.redrive_children.take())
        .filter(|k| k.len() == n)
        .unwrap_or_else(|| vec![None; n]);
    let succeeded: Vec<bool> = kept.iter().map(Option::is_some).collect();
    let pending: VecDeque<(usize, Value)> = inputs
        .into_iter()
        .enumerate()
        .filter(|(slot, _)| !succeeded[*slot])
        .collect();
    let remaining = pending.len();
    let mut fan = Box::new(Fanout {
        map,
        results: kept,
        succeeded,
        children: vec![None; n],
        pending,
        running: 0,
        remaining,
        max_concurrency,
        failed: 0,
        tolerated_count,
        tolerated_percentage,
        started_event,
        held,
    });
    if remaining == 0 {
        return complete(exec, f, state, *fan);
    }
    launch(exec, f, state, &mut fan);
    if let Some(fr) = exec.frame_mut(f) {
        fr.phase = Phase::Fanout(fan);
    }
    Step::Suspend
}

type Prepared = (Vec<Value>, usize, Option<u64>, Option<f64>);

fn prepare(
    env: &Env<'_>,
    state: &State,
    raw: &Value,
    held: &mut Held,
) -> Result<Prepared, Failure> {
    let jsonpath = state.query_language == QueryLanguage::JSONPath;
    let effective = if jsonpath {
        env.input_path(state.io.input_path.as_ref(), raw)?
            .into_owned()
    } else {
        Value::clone(raw)
    };
    match &state.kind {
        StateKind::Parallel(p) => {
            let input = if jsonpath {
                match &state.io.parameters {
                    Some(t) => env.jsonpath_template(t, &effective)?,
                    None => effective,
                }
            } else {
                match &state.io.arguments {
                    Some(t) => {
                        env.jsonata_template(t, &states(env, raw, None, None), "Arguments")?
                    }
                    None => effective,
                }
            };
            for _ in &p.branches {
                held.add(&input, &state.name)?;
            }
            Ok((vec![input; p.branches.len()], 0, None, None))
        }
        StateKind::Map(m) => {
            let st = lazy_states(env, state, raw);
            let items = if jsonpath {
                env.input_path(m.items_path.as_ref(), &effective)?
                    .into_owned()
            } else {
                match &m.items {
                    Some(t) => {
                        let v = env.jsonata_template(t, &st, "Items")?;
                        if let (stepd_asl::model::Template::Expr(e), false) = (t, v.is_array()) {
                            return Err(env.fail(
                                failure::QUERY,
                                crate::choice::unexpected_type(&e.source, "Items", "array", &v),
                            ));
                        }
                        v
                    }
                    None => Value::clone(raw),
                }
            };
            let Value::Array(items) = items else {
                let error = if jsonpath {
                    failure::RUNTIME
                } else {
                    failure::QUERY
                };
                return Err(env.fail(
                    error,
                    format!("Map state input must be an array but was: {items}"),
                ));
            };
            let max = count(
                env,
                m.max_concurrency.as_ref(),
                &effective,
                &st,
                "MaxConcurrency",
            )?
            .unwrap_or(0);
            let tolerated_count = count(
                env,
                m.tolerated_failure_count.as_ref(),
                &effective,
                &st,
                "ToleratedFailureCount",
            )?;
            let tolerated_percentage = percentage(
                env,
                m.tolerated_failure_percentage.as_ref(),
                &effective,
                &st,
            )?;
            let mut inputs = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let input = match &m.item_selector {
                    None => item,
                    Some(t) => item_input(env, state, t, i, &item, &effective, raw)?,
                };
                held.add(&input, &state.name)?;
                inputs.push(input);
            }
            Ok((inputs, max as usize, tolerated_count, tolerated_percentage))
        }
        _ => Err(env.fail(failure::RUNTIME, "not a Parallel or Map state")),
    }
}

/// `ItemSelector` for one item: `$$.Map.Item` (JSONPath) or `$states.context.Map.Item` (JSONata) is set.
fn item_input(
    env: &Env<'_>,
    state: &State,
    t: &stepd_asl::model::Template,
    index: usize,
    item: &Value,
    effective: &Value,
    raw: &Value,
) -> Result<Value, Failure> {
    let mut context = env.context.get().clone();
    if let Some(obj) = context.as_object_mut() {
        obj.insert(
            "Map".into(),
            json!({"Item": {"Index": index, "Value": item}}),
        );
    }
    let mut rng = env.rng.borrow_mut();
    let item_env = Env {
        state: env.state,
        entered_event: env.entered_event,
        context: crate::dataflow::LazyContext::ready(context),
        vars: env.vars,
        exprs: env.exprs,
        rng: std::cell::RefCell::new(&mut **rng),
    };
    match state.query_language {
        QueryLanguage::JSONPath => item_env.jsonpath_template(t, effective),
        QueryLanguage::JSONata => {
            item_env.jsonata_template(t, &states(&item_env, raw, None, None), "ItemSelector")
        }
    }
}

/// An integer limit given literally, by path or by expression, with AWS's errors.
fn count(
    env: &Env<'_>,
    d: Option<&Dyn<u64>>,
    input: &Value,
    st: &Value,
    field: &str,
) -> Result<Option<u64>, Failure> {
    Ok(match d {
        None => None,
        Some(Dyn::Fixed(n)) => Some(*n),
        Some(Dyn::Path(p)) => {
            let v = env.field_path(&format!("{field}Path"), p, input)?;
            let n = match &v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.parse::<i64>().ok(),
                _ => None,
            };
            match n {
                Some(n) if n < 0 => {
                    return Err(env.fail(failure::RUNTIME, format!("{field} cannot be negative.")));
                }
                Some(n) => Some(n as u64),
                None => {
                    let shown = match &v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    return Err(env.fail(failure::RUNTIME, format!("The {field}Path field refers to value \"{shown}\" which is not a valid integer: {}", p.source)));
                }
            }
        }
        Some(Dyn::Expr(e)) => {
            let v = env.jsonata(e, st, field)?;
            match v.as_i64() {
                Some(n) if n < 0 => {
                    return Err(env.fail(failure::QUERY, format!("{field} cannot be negative.")));
                }
                Some(n) => Some(n as u64),
                None => {
                    return Err(env.fail(
                        failure::QUERY,
                        crate::choice::unexpected_type(&e.source, field, "integer", &v),
                    ));
                }
            }
        }
        Some(Dyn::Intrinsic(_)) => None,
    })
}

fn percentage(
    env: &Env<'_>,
    d: Option<&Dyn<f64>>,
    input: &Value,
    st: &Value,
) -> Result<Option<f64>, Failure> {
    let field = "ToleratedFailurePercentage";
    let (v, error) = match d {
        None => return Ok(None),
        Some(Dyn::Fixed(f)) => (Some(*f), failure::RUNTIME),
        Some(Dyn::Path(p)) => {
            let v = env.field_path(&format!("{field}Path"), p, input)?;
            let f = match &v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.parse::<f64>().ok(),
                _ => None,
            };
            if f.is_none() {
                let shown = match &v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                return Err(env.fail(failure::RUNTIME, format!("The {field}Path field refers to value \"{shown}\" which is not a valid float: {}", p.source)));
            }
            (f, failure::RUNTIME)
        }
        Some(Dyn::Expr(e)) => (env.jsonata(e, st, field)?.as_f64(), failure::QUERY),
        Some(Dyn::Intrinsic(_)) => return Ok(None),
    };
    match v {
        Some(f) if (0.0..=100.0).contains(&f) => Ok(Some(f)),
        _ => Err(env.fail(error, format!("{field} must be between 0 and 100."))),
    }
}

/// Starts children while MaxConcurrency allows.
fn launch(exec: &mut Execution, f: FrameId, state: &State, fan: &mut Fanout) {
    let def = exec.def();
    while (fan.max_concurrency == 0 || fan.running < fan.max_concurrency) && !exec.history_full {
        let Some((slot, input)) = fan.pending.pop_front() else {
            break;
        };
        let machine = match &state.kind {
            StateKind::Parallel(p) => p.branches[slot],
            StateKind::Map(m) => m.processor,
            _ => MachineId(0),
        };
        let previous = if fan.map {
            let details = json!({"name": state.name, "index": slot});
            exec.emit(fan.started_event, Kind::MapIterationStarted, Some(details))
        } else {
            fan.started_event
        };
        let m = def.machine(machine);
        let start = m.position(&m.start_at).unwrap_or(0);
        let child = exec.new_frame(machine, start, Some((f, slot)), input, previous);
        fan.children[slot] = Some(child);
        fan.running += 1;
        exec.ready.push_back(child);
    }
}

/// A child ended; record it, start the next, and finish the state when all are done or one failed.
pub(crate) fn child_done(
    exec: &mut Execution,
    p: FrameId,
    slot: usize,
    last_event: u64,
    result: Result<Value, Failure>,
) {
    let def = exec.def();
    let Some(fr) = exec.frame_mut(p) else { return };
    let Phase::Fanout(mut fan) = std::mem::replace(&mut fr.phase, Phase::Act) else {
        return;
    };
    let (machine, index) = (fr.machine, fr.state);
    let state = &def.machine(machine).states[index];
    fan.children[slot] = None;
    fan.running = fan.running.saturating_sub(1);
    fan.remaining = fan.remaining.saturating_sub(1);
    let result = result.and_then(|output| fan.held.add(&output, &state.name).map(|()| output));
    match result {
        Ok(output) => {
            if fan.map {
                exec.emit(
                    last_event,
                    Kind::MapIterationSucceeded,
                    Some(json!({"name": state.name, "index": slot})),
                );
            }
            fan.results[slot] = Some(output);
            fan.succeeded[slot] = true;
        }
        Err(failure) => {
            if fan.map {
                exec.emit(
                    last_event,
                    Kind::MapIterationFailed,
                    Some(json!({"name": state.name, "index": slot})),
                );
            }
            fan.failed += 1;
            let total = fan.results.len() as f64;
            let tolerated = fan.map
                && (fan.tolerated_count.is_some_and(|n| fan.failed <= n)
                    || fan
                        .tolerated_percentage
                        .is_some_and(|pct| (fan.failed as f64) * 100.0 / total <= pct));
            if tolerated {
                fan.results[slot] = Some(failure.output());
            } else {
                cancel_children(exec, &mut fan);
                if let Some(fr) = exec.frame_mut(p) {
                    fr.failed_fanout = Some((fr.entered_event, fan.succeeded()));
                }
                let kind = if fan.map {
                    Kind::MapStateFailed
                } else {
                    Kind::ParallelStateFailed
                };
                exec.emit_for(p, kind, None);
                let failure = if fan.map
                    && (fan.tolerated_count.is_some() || fan.tolerated_percentage.is_some())
                {
                    Failure::new(
                        failure::TOLERATED,
                        "The specified tolerated failure threshold was exceeded",
                    )
                } else {
                    failure
                };
                return conclude(exec, p, state, Step::Raise(failure));
            }
        }
    }
    if fan.remaining == 0 {
        let step = complete(exec, p, state, *fan);
        return conclude(exec, p, state, step);
    }
    launch(exec, p, state, &mut fan);
    if let Some(fr) = exec.frame_mut(p) {
        fr.phase = Phase::Fanout(fan);
    }
}

/// All children succeeded (or were tolerated): the results array goes through output processing.
fn complete(exec: &mut Execution, f: FrameId, state: &State, fan: Fanout) -> Step {
    let kind = if fan.map {
        Kind::MapStateSucceeded
    } else {
        Kind::ParallelStateSucceeded
    };
    exec.emit_for(f, kind, None);
    let results = Value::Array(
        fan.results
            .into_iter()
            .map(|r| r.unwrap_or(Value::Null))
            .collect(),
    );
    let raw = exec
        .frame(f)
        .map(|fr| std::sync::Arc::clone(&fr.input))
        .unwrap_or_default();
    with_env(exec, f, state, None, None, |env| {
        finish_result(env, state, &raw, results)
    })
    .unwrap_or_else(Step::Raise)
}

/// Cancels every live child (and their children, tasks and timers).
fn cancel_children(exec: &mut Execution, fan: &mut Fanout) {
    fan.pending.clear();
    let live: Vec<FrameId> = fan.children.iter_mut().filter_map(Option::take).collect();
    let mut stack = live;
    while let Some(c) = stack.pop() {
        let Some(fr) = exec.frames.get_mut(c).and_then(Option::take) else {
            continue;
        };
        match fr.phase {
            Phase::Task(tw) => {
                if exec.waits.remove(&tw.task).is_some() {
                    exec.out.effects.push(Effect::CancelTask { task: tw.task });
                }
                for t in tw.timeout.into_iter().chain(tw.heartbeat.map(|(t, _)| t)) {
                    exec.cancel_timer(t);
                }
            }
            Phase::Sleep { timer, .. } | Phase::Backoff { timer } => exec.cancel_timer(timer),
            Phase::Fanout(mut inner) => {
                inner.pending.clear();
                stack.extend(inner.children.iter_mut().filter_map(Option::take));
            }
            _ => {}
        }
    }
    // Ready-queue entries of cancelled frames find their slot empty and are skipped.
}
