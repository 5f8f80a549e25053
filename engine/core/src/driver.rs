//! An in-memory driver: keeps the timers and the queue of events for one execution, applies them in order,
//! and hands task invocations to the caller. It does no I/O and reads no clock: `stepd run` passes the wall
//! clock and sleeps until `next_due`; tests pass virtual time and jump to it. `drive` holds the loop around it.
//! (The durable runtime is the other driver.)

use crate::clock::Millis;
use crate::event::{Effect, Event, Invocation, Outcome};
use crate::execution::{Error, Execution};
use crate::history::HistoryEvent;
use std::collections::{BTreeMap, VecDeque};

/// Drives one execution in memory.
#[derive(Debug)]
pub struct Driver {
    pub exec: Execution,
    /// Every history event so far, in order.
    pub history: Vec<HistoryEvent>,
    queue: VecDeque<Event>,
    /// Due events by (due time, sequence number): timers and delayed task answers.
    due: BTreeMap<(Millis, u64), Event>,
    sequence: u64,
    outcome: Option<Outcome>,
}

impl Driver {
    pub fn new(exec: Execution) -> Driver {
        Driver {
            exec,
            history: Vec::new(),
            queue: VecDeque::new(),
            due: BTreeMap::new(),
            sequence: 0,
            outcome: None,
        }
    }

    /// Queues an event to apply at the next `run`.
    pub fn push(&mut self, event: Event) {
        self.queue.push_back(event);
    }

    /// Queues an event for `at` (a delayed task answer, say).
    pub fn schedule(&mut self, at: Millis, event: Event) {
        self.sequence += 1;
        self.due.insert((at, self.sequence), event);
    }

    /// How the execution ended, once it has.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// Whether events wait to be applied at the next `run` (pushed, not scheduled).
    pub fn has_queued(&self) -> bool {
        !self.queue.is_empty()
    }

    /// When the earliest scheduled event is due.
    pub fn next_due(&self) -> Option<Millis> {
        self.due.keys().next().map(|(t, _)| *t)
    }

    /// Applies every queued event, and every scheduled one due by `now`, at `now`. Returns the task
    /// invocations the caller must answer (with `push` or `schedule`).
    pub fn run(&mut self, now: Millis) -> Result<Vec<Invocation>, Error> {
        while let Some(entry) = self.due.first_entry() {
            if entry.key().0 > now {
                break;
            }
            self.queue.push_back(entry.remove());
        }
        let mut invocations = Vec::new();
        while let Some(event) = self.queue.pop_front() {
            if self.outcome.is_some() {
                break;
            }
            let t = match self.exec.apply(event, now) {
                Ok(t) => t,
                // An answer for a task or timer that was cancelled meanwhile is stale, not an error here.
                Err(Error::UnknownTask(_) | Error::UnknownTimer(_)) => continue,
                Err(e) => return Err(e),
            };
            self.history.extend(t.events);
            for effect in t.effects {
                match effect {
                    Effect::InvokeTask(inv) => invocations.push(inv),
                    Effect::ArmTimer { timer, due } => {
                        self.schedule(due, Event::TimerFired { timer })
                    }
                    Effect::CancelTimer { timer } => {
                        self.due.retain(|_, e| *e != Event::TimerFired { timer })
                    }
                    Effect::CancelTask { task } => {
                        invocations.retain(|i| i.task != task);
                        self.due.retain(|_, e| !answers(e, task));
                        self.queue.retain(|e| !answers(e, task));
                    }
                    Effect::Finish(outcome) => self.outcome = Some(outcome),
                }
            }
        }
        Ok(invocations)
    }
}

fn answers(e: &Event, task: u64) -> bool {
    matches!(e, Event::TaskSucceeded { task: t, .. } | Event::TaskFailed { task: t, .. } | Event::TaskHeartbeat { task: t } if *t == task)
}
