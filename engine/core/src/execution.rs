//! The execution: its frames (one per running state machine: the top level, each Parallel branch, each Map
//! iteration) and `apply`, which feeds one event in and runs every frame that can move until all of them
//! wait. Deterministic: the same events with the same `now` values give the same history and effects.

use crate::clock::Millis;
use crate::context::{Identity, StateInfo};
use crate::event::{Effect, Event, Outcome, Transition};
use crate::exprs::Exprs;
use crate::failure::{self, Failure};
use crate::history::{self, Details, HistoryEvent, Kind};
use crate::random::Rng;
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use stepd_asl::model::{Definition, MachineId, State};

/// Step Functions ends an execution whose history would pass this many events.
pub const MAX_HISTORY_EVENTS: u64 = 25_000;

/// Index of a frame in `Execution::frames`.
pub(crate) type FrameId = usize;

/// Engine failures: the caller broke the protocol (these are not ASL errors, which are data).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    #[error("the execution has already started")]
    AlreadyStarted,
    #[error("the execution has not started")]
    NotStarted,
    #[error("the execution has already finished")]
    Finished,
    #[error("no running task has key {0}")]
    UnknownTask(u64),
    #[error("no armed timer has key {0}")]
    UnknownTimer(u64),
    #[error("only a FAILED, ABORTED or TIMED_OUT execution can be redriven")]
    NotRedrivable,
}

/// Where a redrive resumes: the top-level state the execution stopped in.
#[derive(Debug, Clone)]
pub(crate) struct RedrivePoint {
    state: usize,
    input: Arc<Value>,
    vars: Map<String, Value>,
    /// For a Parallel or Map state: the outputs of the children that succeeded (the others run again).
    children: Option<Vec<Option<Value>>>,
}

impl RedrivePoint {
    fn of(frame: &Frame) -> RedrivePoint {
        let children = match &frame.phase {
            // Stopped or timed out while the children ran.
            Phase::Fanout(fan) => Some(fan.succeeded()),
            // Failed: what its children had done when it failed (if that was this entry of the state).
            _ => frame
                .failed_fanout
                .as_ref()
                .filter(|(entered, _)| *entered == frame.entered_event)
                .map(|(_, done)| done.clone()),
        };
        RedrivePoint {
            state: frame.state,
            input: Arc::clone(&frame.input),
            vars: frame.vars.clone(),
            children,
        }
    }
}

/// One execution of a definition.
#[derive(Debug)]
pub struct Execution {
    pub(crate) def: Arc<Definition>,
    pub(crate) exprs: Arc<Exprs>,
    pub(crate) identity: Identity,
    pub(crate) input: Value,
    pub(crate) frames: Vec<Option<Frame>>,
    pub(crate) rng: Rng,
    /// The secret task tokens are minted with (see `token.rs`).
    pub(crate) tokens: crate::token::Minter,
    /// What each task or timer key is for.
    pub(crate) waits: HashMap<u64, Waiter>,
    next_event_id: u64,
    next_key: u64,
    started: bool,
    pub(crate) outcome: Option<Outcome>,
    execution_timer: Option<u64>,
    redrive: Option<RedrivePoint>,
    /// Bytes of iteration inputs and results held by this execution's Parallel and Map states.
    pub(crate) fanout_budget: crate::fanout::Budget,
    /// An event was dropped at the history limit; the execution fails once the step in progress returns.
    pub(crate) history_full: bool,
    /// The timer that resumes frames a transition left ready when it reached `MAX_TRANSITION_BYTES`.
    resume: Option<u64>,
    // Scratch for the `apply` in progress.
    pub(crate) now: Millis,
    pub(crate) out: Transition,
    /// Bytes of payload the events of the transition in progress carry, and the last shared payload
    /// counted (a state's output is the next state's input: counted once).
    out_bytes: usize,
    last_counted: usize,
    /// Frames ready to step (left over between transitions only after a yield, see `run`).
    pub(crate) ready: VecDeque<FrameId>,
}

/// How many bytes of payload (state inputs and outputs, task parameters and results) one transition's
/// events may carry. A loop without Wait or Task runs within one transition, and all its events are held
/// until it ends — by the writer when it runs, by every reader that replays it — so past this the rest of
/// the work waits for a timer due at once (a commit later), which bounds them all. The history is the same
/// either way; only later events' timestamps move by that commit.
pub const MAX_TRANSITION_BYTES: usize = 1 << 20;

/// What a task or timer key wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waiter {
    Task(FrameId),
    TaskTimeout(FrameId),
    Heartbeat(FrameId),
    Wait(FrameId),
    Retry(FrameId),
    ExecutionTimeout,
    /// Go on with the frames a transition left ready (see `MAX_TRANSITION_BYTES`).
    Resume,
}

/// A running state machine: where it is and what it waits for.
#[derive(Debug)]
pub(crate) struct Frame {
    pub machine: MachineId,
    pub state: usize,
    /// The Parallel/Map frame this frame is a branch or iteration of, and its slot there.
    pub parent: Option<(FrameId, usize)>,
    /// The current state's raw input (shared with the history event that recorded it).
    pub input: Arc<Value>,
    /// Variables assigned in this scope (outer scopes are read through `parent`).
    pub vars: Map<String, Value>,
    /// The event the frame's next event follows (`previousEventId`).
    pub last_event: u64,
    pub entered_event: u64,
    pub entered_time: Millis,
    pub phase: Phase,
    /// Attempts used per Retrier of the current state.
    pub retries: Vec<u64>,
    pub retry_count: u32,
    /// A Parallel or Map state that failed: (its entered event, each child's output if it succeeded), so a
    /// redrive runs only the others.
    pub failed_fanout: Option<(u64, Vec<Option<Value>>)>,
    /// Set on the frame a redrive starts: the children's outputs to keep (taken by the state's start).
    pub redrive_children: Option<Vec<Option<Value>>>,
}

/// What a frame does next.
#[derive(Debug)]
pub(crate) enum Phase {
    /// Enter the current state (history `*StateEntered`), then act.
    Enter,
    /// Act (again, after a retry's backoff): the state has been entered.
    Act,
    /// A Task is out: `task` answers; timers guard it.
    Task(Box<TaskWait>),
    /// A Wait state sleeps until its timer fires.
    Sleep { timer: u64, effective: Value },
    /// A Retry backoff: the state acts again when the timer fires.
    Backoff { timer: u64 },
    /// A Parallel or Map state waits for its children.
    Fanout(Box<crate::fanout::Fanout>),
}

#[derive(Debug)]
pub(crate) struct TaskWait {
    pub task: u64,
    pub resource: String,
    /// The state's effective input (after InputPath), which ResultPath writes into... the raw input is on the frame.
    pub timeout: Option<u64>,
    pub heartbeat: Option<(u64, u64)>,
}

/// The result of acting on a state.
pub(crate) enum Step {
    /// The state is done with this output; go to `next` (`None`: the machine ends).
    Exit {
        output: Value,
        next: Option<String>,
        assigned: Option<Map<String, Value>>,
    },
    /// The state waits for an event; its phase says which.
    Suspend,
    /// The state raised an error (Retry/Catch apply).
    Raise(Failure),
    /// The state failed and nothing may catch it (a Fail state).
    FailMachine(Failure),
    /// The state succeeded the machine (Succeed state) with this output.
    Succeed { output: Value },
}

impl Execution {
    /// A new execution of `def`. `seed` feeds its randomness (give a fresh secret for unguessable task tokens).
    pub fn new(
        def: Arc<Definition>,
        exprs: Arc<Exprs>,
        identity: Identity,
        seed: u64,
    ) -> Execution {
        Execution {
            def,
            exprs,
            identity,
            input: Value::Null,
            frames: Vec::new(),
            rng: Rng::new(seed),
            tokens: crate::token::Minter::default(),
            waits: HashMap::new(),
            next_event_id: 1,
            next_key: 1,
            started: false,
            outcome: None,
            execution_timer: None,
            redrive: None,
            now: 0,
            out: Transition::default(),
            ready: VecDeque::new(),
            fanout_budget: crate::fanout::Budget::default(),
            history_full: false,
            resume: None,
            out_bytes: 0,
            last_counted: 0,
        }
    }

    /// Gives the execution the secret its task tokens are minted with, so they cannot be guessed from
    /// anything it reveals. Without one (executions recorded before tokens had a secret, tests) tokens come
    /// from the seeded generator, as they always did for those executions.
    pub fn with_token_key(mut self, key: crate::TokenKey) -> Execution {
        self.tokens = crate::token::Minter(Some(key));
        self
    }

    /// How the execution ended, once it has.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Feeds one event in and runs until every frame waits; returns what happened.
    pub fn apply(&mut self, event: Event, now: Millis) -> Result<Transition, Error> {
        self.now = now;
        self.out = Transition::default();
        self.out_bytes = 0;
        self.last_counted = 0;
        if event == Event::Redrive {
            self.redrive()?;
            self.run();
            return Ok(std::mem::take(&mut self.out));
        }
        if self.outcome.is_some() {
            return Err(Error::Finished);
        }
        match event {
            Event::Start { input } => self.start(input)?,
            Event::TaskSucceeded { task, output } => self.task_succeeded(task, output)?,
            Event::TaskFailed { task, error, cause } => {
                self.task_failed(task, Failure::new(error, cause))?
            }
            Event::TaskHeartbeat { task } => self.heartbeat(task)?,
            Event::TimerFired { timer } => self.timer_fired(timer)?,
            Event::Stop { error, cause } => {
                if !self.started {
                    return Err(Error::NotStarted);
                }
                let details = history::error(
                    error.as_deref().unwrap_or(""),
                    cause.as_deref().unwrap_or(""),
                );
                self.emit(0, Kind::ExecutionAborted, Some(details));
                self.finish(Outcome::Aborted { error, cause });
            }
            Event::Redrive => {}
        }
        self.run();
        Ok(std::mem::take(&mut self.out))
    }

    fn start(&mut self, input: Value) -> Result<(), Error> {
        if self.started {
            return Err(Error::AlreadyStarted);
        }
        self.started = true;
        self.input = input.clone();
        let details = serde_json::json!({
            "input": input.to_string(),
            "inputDetails": {"truncated": false},
            "roleArn": self.identity.role_arn,
        });
        let started = self.emit(0, Kind::ExecutionStarted, Some(details));
        self.arm_execution_timeout();
        let root = self.def.root();
        let state = root.position(&root.start_at).unwrap_or(0);
        let f = self.new_frame(MachineId(0), state, None, input, started);
        self.ready.push_back(f);
        Ok(())
    }

    /// Keeps where a top-level frame stood, for a redrive.
    pub(crate) fn remember_for_redrive(&mut self, frame: &Frame) {
        self.redrive = Some(RedrivePoint::of(frame));
    }

    /// Whether `Event::Redrive` would be accepted now.
    pub fn redrivable(&self) -> bool {
        self.redrive.is_some()
            && matches!(
                self.outcome,
                Some(Outcome::Failed { .. } | Outcome::Aborted { .. } | Outcome::TimedOut { .. })
            )
    }

    fn arm_execution_timeout(&mut self) {
        if let Some(seconds) = self.def.timeout_seconds {
            let timer = self.arm_timer(
                Waiter::ExecutionTimeout,
                self.now.saturating_add(seconds as i64 * 1000),
            );
            self.execution_timer = Some(timer);
        }
    }

    /// Runs a FAILED, ABORTED or TIMED_OUT execution again from the top-level state it stopped in, with
    /// that state's input and variables (retry counts start over; `$$.Execution.RedriveCount` goes up). A
    /// Parallel or Map state keeps its branches' or iterations' successful outputs and runs only the
    /// others, as AWS does.
    fn redrive(&mut self) -> Result<(), Error> {
        if !self.redrivable() {
            return Err(Error::NotRedrivable);
        }
        let Some(point) = self.redrive.take() else {
            return Err(Error::NotRedrivable);
        };
        self.outcome = None;
        self.identity.redrive_count += 1;
        let last = self.next_event_id - 1;
        let details = serde_json::json!({"redriveCount": self.identity.redrive_count});
        let redriven = self.emit(last, Kind::ExecutionRedriven, Some(details));
        self.arm_execution_timeout();
        let f = self.new_frame(MachineId(0), point.state, None, Value::Null, redriven);
        if let Some(fr) = self.frame_mut(f) {
            fr.input = point.input;
            fr.vars = point.vars;
            fr.redrive_children = point.children;
        }
        self.ready.push_back(f);
        Ok(())
    }

    pub(crate) fn new_frame(
        &mut self,
        machine: MachineId,
        state: usize,
        parent: Option<(FrameId, usize)>,
        input: Value,
        last_event: u64,
    ) -> FrameId {
        let frame = Frame {
            machine,
            state,
            parent,
            input: Arc::new(input),
            vars: Map::new(),
            last_event,
            entered_event: 0,
            entered_time: self.now,
            phase: Phase::Enter,
            retries: Vec::new(),
            retry_count: 0,
            failed_fanout: None,
            redrive_children: None,
        };
        self.frames.push(Some(frame));
        self.frames.len() - 1
    }

    /// Appends a history event after `previous` and returns its id. Past the history limit the execution
    /// fails instead, as Step Functions' does.
    pub(crate) fn emit(&mut self, previous: u64, kind: Kind, details: Option<Value>) -> u64 {
        self.emit_details(previous, kind, details.map(Details::Json))
    }

    pub(crate) fn emit_details(
        &mut self,
        previous: u64,
        kind: Kind,
        details: Option<Details>,
    ) -> u64 {
        let id = self.next_event_id;
        // One step can emit thousands of events (a Map starting all its iterations): past the limit only
        // the execution's own end is written, and `run` fails the execution as soon as the step returns.
        if id >= MAX_HISTORY_EVENTS && !kind.as_str().starts_with("Execution") {
            self.history_full = true;
            return id;
        }
        self.next_event_id += 1;
        let payload_bytes = self.count_payload(details.as_ref());
        self.out.events.push(HistoryEvent {
            id,
            previous_event_id: previous,
            timestamp: self.now,
            kind,
            details,
            payload_bytes,
        });
        id
    }

    /// Adds what an event's details carry to the transition's bytes (measured without recursion) and
    /// answers it.
    fn count_payload(&mut self, details: Option<&Details>) -> usize {
        let shared = match details {
            None => return 0,
            Some(Details::Json(v)) => {
                let n = stepd_asl::limits::measure(v).bytes;
                self.out_bytes += n;
                return n;
            }
            Some(Details::Entered { input, .. }) => input,
            Some(Details::Exited { output, .. }) => output,
        };
        let at = Arc::as_ptr(shared) as usize;
        if at == self.last_counted {
            return 0;
        }
        self.last_counted = at;
        let n = stepd_asl::limits::measure(shared).bytes;
        self.out_bytes += n;
        n
    }

    /// Emits an event that follows the frame's last one, and makes it the frame's last.
    pub(crate) fn emit_for(&mut self, f: FrameId, kind: Kind, details: Option<Value>) -> u64 {
        self.emit_for_details(f, kind, details.map(Details::Json))
    }

    pub(crate) fn emit_for_details(
        &mut self,
        f: FrameId,
        kind: Kind,
        details: Option<Details>,
    ) -> u64 {
        let previous = self.frame(f).map_or(0, |fr| fr.last_event);
        let id = self.emit_details(previous, kind, details);
        if let Some(fr) = self.frame_mut(f) {
            fr.last_event = id;
        }
        id
    }

    pub(crate) fn frame(&self, f: FrameId) -> Option<&Frame> {
        self.frames.get(f).and_then(Option::as_ref)
    }

    pub(crate) fn frame_mut(&mut self, f: FrameId) -> Option<&mut Frame> {
        self.frames.get_mut(f).and_then(Option::as_mut)
    }

    pub(crate) fn key(&mut self) -> u64 {
        let k = self.next_key;
        self.next_key += 1;
        k
    }

    pub(crate) fn arm_timer(&mut self, waiter: Waiter, due: Millis) -> u64 {
        let timer = self.key();
        self.waits.insert(timer, waiter);
        self.out.effects.push(Effect::ArmTimer { timer, due });
        timer
    }

    pub(crate) fn cancel_timer(&mut self, timer: u64) {
        if self.waits.remove(&timer).is_some() {
            self.out.effects.push(Effect::CancelTimer { timer });
        }
    }

    /// Variables visible to a frame: its own, then its ancestors' (inner names shadow outer ones).
    pub(crate) fn visible_vars(&self, f: FrameId) -> Map<String, Value> {
        let mut chain = Vec::new();
        let mut at = Some(f);
        while let Some(id) = at {
            let Some(fr) = self.frame(id) else { break };
            chain.push(&fr.vars);
            at = fr.parent.map(|(p, _)| p);
        }
        let mut out = Map::new();
        for vars in chain.into_iter().rev() {
            for (k, v) in vars {
                out.insert(k.clone(), v.clone());
            }
        }
        out
    }

    /// The context object for a frame's current state.
    pub(crate) fn context(
        &self,
        f: FrameId,
        state: &State,
        token: Option<&str>,
        map_item: Option<(usize, &Value)>,
    ) -> Value {
        let (entered_time, retry_count) = self
            .frame(f)
            .map_or((self.now, 0), |fr| (fr.entered_time, fr.retry_count));
        let retry_count = state.kind.error_handling().map(|_| retry_count);
        let info = StateInfo {
            name: &state.name,
            entered_time,
            retry_count,
            token,
            map_item,
        };
        crate::context::build(&self.identity, &self.input, &info)
    }

    /// Runs frames until none can move.
    fn run(&mut self) {
        while let Some(f) = self.ready.pop_front() {
            if self.outcome.is_some() {
                self.ready.clear();
                break;
            }
            // A step emits a handful of events: stop early enough that ExecutionFailed itself fits.
            if self.history_full || self.next_event_id + 8 > MAX_HISTORY_EVENTS {
                self.history_limit_reached();
                break;
            }
            if self.out_bytes >= MAX_TRANSITION_BYTES {
                // Yield: the frame waits with the others for the resume timer (one is enough).
                self.ready.push_front(f);
                if self.resume.is_none() {
                    let now = self.now;
                    self.resume = Some(self.arm_timer(Waiter::Resume, now));
                }
                break;
            }
            crate::step::step(self, f);
        }
        if self.history_full && self.outcome.is_none() {
            self.history_limit_reached();
        }
    }

    fn history_limit_reached(&mut self) {
        let cause =
            format!("The execution reached the limit of {MAX_HISTORY_EVENTS} history events.");
        self.fail_execution(0, Failure::new(failure::RUNTIME, cause));
    }

    /// Ends the execution: history, cancellation of everything outstanding, the `Finish` effect.
    pub(crate) fn finish(&mut self, outcome: Outcome) {
        self.resume = None;
        let mut keys: Vec<(u64, Waiter)> = self.waits.drain().collect();
        keys.sort_by_key(|(k, _)| *k);
        for (key, waiter) in keys {
            self.out.effects.push(match waiter {
                Waiter::Task(_) => Effect::CancelTask { task: key },
                _ => Effect::CancelTimer { timer: key },
            });
        }
        // Remember where the top level stood, for a redrive (a failed top-level frame was already
        // remembered as it was taken out).
        let root = self
            .frames
            .iter()
            .flatten()
            .find(|f| f.parent.is_none() && f.machine == MachineId(0))
            .map(RedrivePoint::of);
        if root.is_some() {
            self.redrive = root;
        }
        self.frames.iter_mut().for_each(|f| *f = None);
        self.out.effects.push(Effect::Finish(outcome.clone()));
        self.outcome = Some(outcome);
    }

    pub(crate) fn fail_execution(&mut self, previous: u64, failure: Failure) {
        let details = history::error(&failure.error, &failure.cause);
        self.emit(previous, Kind::ExecutionFailed, Some(details));
        self.finish(Outcome::Failed {
            error: failure.error,
            cause: failure.cause,
        });
    }

    fn task_succeeded(&mut self, task: u64, output: Value) -> Result<(), Error> {
        let Some(Waiter::Task(f)) = self.waits.get(&task).copied() else {
            return Err(Error::UnknownTask(task));
        };
        self.waits.remove(&task);
        crate::task::task_result(self, f, Ok(output));
        Ok(())
    }

    fn task_failed(&mut self, task: u64, failure: Failure) -> Result<(), Error> {
        let Some(Waiter::Task(f)) = self.waits.get(&task).copied() else {
            return Err(Error::UnknownTask(task));
        };
        self.waits.remove(&task);
        crate::task::task_result(self, f, Err((failure, Kind::TaskFailed)));
        Ok(())
    }

    fn heartbeat(&mut self, task: u64) -> Result<(), Error> {
        let Some(Waiter::Task(f)) = self.waits.get(&task).copied() else {
            return Err(Error::UnknownTask(task));
        };
        crate::task::heartbeat(self, f);
        Ok(())
    }

    fn timer_fired(&mut self, timer: u64) -> Result<(), Error> {
        let Some(waiter) = self.waits.remove(&timer) else {
            return Err(Error::UnknownTimer(timer));
        };
        match waiter {
            Waiter::ExecutionTimeout => {
                let (error, cause) = (
                    failure::TIMEOUT.to_string(),
                    "The execution timed out.".to_string(),
                );
                self.emit(
                    0,
                    Kind::ExecutionTimedOut,
                    Some(history::error(&error, &cause)),
                );
                self.finish(Outcome::TimedOut { error, cause });
            }
            Waiter::Wait(f) => crate::wait::wait_over(self, f),
            Waiter::Retry(f) => {
                if let Some(fr) = self.frame_mut(f) {
                    fr.phase = Phase::Act;
                    self.ready.push_back(f);
                }
            }
            Waiter::TaskTimeout(f) => crate::task::task_timed_out(self, f, failure::TIMEOUT),
            Waiter::Heartbeat(f) => {
                crate::task::task_timed_out(self, f, failure::HEARTBEAT_TIMEOUT)
            }
            // `run` goes on with the frames still ready.
            Waiter::Resume => self.resume = None,
            Waiter::Task(_) => return Err(Error::UnknownTimer(timer)),
        }
        Ok(())
    }

    /// The frame's current state, by reference into the shared definition.
    pub(crate) fn def(&self) -> Arc<Definition> {
        Arc::clone(&self.def)
    }
}
