//! Schedules: EventBridge Scheduler's `rate(…)`, `cron(…)` and `at(…)` expressions (with a time zone),
//! each starting an execution of a state machine with a fixed input. Records live in the `schedules`
//! table and in the writer; a sleeper wakes the writer at the earliest due time, and the writer starts the
//! execution and records the fire in one batch. The execution's name is the schedule's name and the fire
//! time, so a fire repeated after a crash finds its execution instead of starting a second one.
//!
//! After downtime a missed fire runs once, not once per missed period: the latest missed time fires when
//! the server is back, and the next is computed from then.

use crate::writer::{After, Writer};
use crate::{Error, Runtime, records};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stepd_core::Millis;
use stepd_store::{Batch, Range, Table};
use tokio::sync::oneshot;

/// A schedule, as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleRecord {
    pub name: String,
    pub expression: String,
    pub timezone: String,
    /// The state machine (or version or alias) ARN each fire starts.
    pub state_machine_arn: String,
    pub input: Value,
    pub enabled: bool,
    pub created_ms: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_fired_ms: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_execution: Option<String>,
    /// When it fires next (none: an `at` that has fired, or a cron whose years are over).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_ms: Option<Millis>,
}

/// What CreateSchedule asks for.
#[derive(Debug, Clone)]
pub struct ScheduleSpec {
    pub name: String,
    pub expression: String,
    pub timezone: Option<String>,
    pub state_machine_arn: String,
    pub input: Value,
    pub enabled: bool,
}

/// A schedule the writer keeps, with its parsed expression.
pub(crate) struct Kept {
    pub record: ScheduleRecord,
    pub parsed: stepd_schedule::Schedule,
}

fn parse(expression: &str, timezone: Option<&str>) -> Result<stepd_schedule::Schedule, Error> {
    stepd_schedule::Schedule::parse(expression, timezone)
        .map_err(|e| Error::Validation(format!("scheduleExpression: {e}")))
}

impl Writer {
    /// Loads the schedules (at start): each fires what it missed once, then goes on.
    pub(crate) fn recover_schedules(&mut self, now: Millis) -> Result<(), Error> {
        for (_, v) in self
            .store
            .scan(Table::Schedules, &Range::all(), usize::MAX, false)?
        {
            let mut record: ScheduleRecord = records::from_bytes(&v)?;
            let parsed = match parse(&record.expression, Some(&record.timezone)) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(schedule = %record.name, error = %e, "a stored schedule no longer reads; it is left as it is");
                    continue;
                }
            };
            let (due, next) =
                stepd_schedule::catch_up(&parsed, record.last_fired_ms, record.created_ms, now);
            record.next_ms = due.or(next);
            self.schedules
                .insert(record.name.clone(), Kept { record, parsed });
        }
        Ok(())
    }

    /// The earliest time a schedule is due.
    pub(crate) fn next_schedule(&self) -> Option<Millis> {
        self.schedules
            .values()
            .filter(|k| k.record.enabled)
            .filter_map(|k| k.record.next_ms)
            .min()
    }

    /// Applies one schedule request to the group being built.
    pub(crate) fn schedule(
        &mut self,
        op: crate::requests::ScheduleOp,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<crate::writer::After>,
    ) {
        use crate::requests::ScheduleOp;
        match op {
            ScheduleOp::Put {
                spec,
                parsed,
                replace,
                reply,
            } => {
                let result = self.put_schedule(*spec, *parsed, replace, now, batch);
                crate::writer::reply_after(after, reply, result);
            }
            ScheduleOp::Delete { name, reply } => {
                let result = self.delete_schedule(&name, batch);
                crate::writer::reply_after(after, reply, result);
            }
            ScheduleOp::Fire => self.fire_schedules(now, batch, after),
        }
    }

    pub(crate) fn put_schedule(
        &mut self,
        spec: ScheduleSpec,
        parsed: stepd_schedule::Schedule,
        replace: bool,
        now: Millis,
        batch: &mut Batch,
    ) -> Result<ScheduleRecord, Error> {
        let existing = self.schedules.get(&spec.name);
        if existing.is_some() && !replace {
            return Err(Error::Conflict(format!(
                "Schedule {} already exists.",
                spec.name
            )));
        }
        if existing.is_none() && replace {
            return Err(Error::ResourceNotFound(format!(
                "Schedule {} does not exist.",
                spec.name
            )));
        }
        let machine = spec
            .state_machine_arn
            .split(':')
            .take(7)
            .collect::<Vec<_>>()
            .join(":");
        if !self.machines.contains_key(&machine) {
            return Err(Error::StateMachineDoesNotExist(spec.state_machine_arn));
        }
        let created_ms = existing.map_or(now, |k| k.record.created_ms);
        let last_fired_ms = existing.and_then(|k| k.record.last_fired_ms);
        let record = ScheduleRecord {
            next_ms: parsed.next_after(now, created_ms),
            name: spec.name.clone(),
            expression: spec.expression,
            timezone: parsed.timezone().to_string(),
            state_machine_arn: spec.state_machine_arn,
            input: spec.input,
            enabled: spec.enabled,
            created_ms,
            last_fired_ms,
            last_execution: existing.and_then(|k| k.record.last_execution.clone()),
        };
        batch.put(
            Table::Schedules,
            records::str_key(&record.name),
            records::to_bytes(&record)?,
        );
        self.schedules.insert(
            record.name.clone(),
            Kept {
                record: record.clone(),
                parsed,
            },
        );
        Ok(record)
    }

    pub(crate) fn delete_schedule(&mut self, name: &str, batch: &mut Batch) -> Result<(), Error> {
        if self.schedules.remove(name).is_none() {
            return Err(Error::ResourceNotFound(format!(
                "Schedule {name} does not exist."
            )));
        }
        batch.delete(Table::Schedules, records::str_key(name));
        Ok(())
    }

    /// Starts an execution for every schedule due by `now`, recording each fire in the batch.
    pub(crate) fn fire_schedules(
        &mut self,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) {
        let due: Vec<String> = self
            .schedules
            .values()
            .filter(|k| k.record.enabled && k.record.next_ms.is_some_and(|n| n <= now))
            .map(|k| k.record.name.clone())
            .collect();
        for name in due {
            if name == crate::jobs::TICK_SCHEDULE {
                // The Job Scheduler's own schedule asks the job layer for a tick, which starts the
                // execution only while jobs wait and none runs (an idle server makes none); its fires are
                // not worth a commit each, so only memory keeps them.
                self.jobs.tick_wanted = true;
                if let Some(kept) = self.schedules.get_mut(&name) {
                    kept.record.last_fired_ms = kept.record.next_ms;
                    kept.record.next_ms = kept.parsed.next_after(now, kept.record.created_ms);
                }
                continue;
            }
            let Some(kept) = self.schedules.get(&name) else {
                continue;
            };
            let at = kept.record.next_ms.unwrap_or(now);
            let (machine, input) = (
                kept.record.state_machine_arn.clone(),
                kept.record.input.clone(),
            );
            let execution = format!("{name}-{at}");
            let started = match self.start(&machine, &execution, input, now, batch, after) {
                Ok(arn) => Some(arn),
                // Fired before a crash: the execution is there already.
                Err(Error::ExecutionAlreadyExists(arn)) => Some(arn),
                Err(e) => {
                    tracing::warn!(schedule = %name, error = %e, "a schedule's execution could not be started");
                    None
                }
            };
            let Some(kept) = self.schedules.get_mut(&name) else {
                continue;
            };
            kept.record.last_fired_ms = Some(at);
            kept.record.last_execution = started.or(kept.record.last_execution.take());
            kept.record.next_ms = kept.parsed.next_after(now, kept.record.created_ms);
            tracing::info!(schedule = %name, execution = ?kept.record.last_execution, next = ?kept.record.next_ms, "schedule fired");
            records::put(
                batch,
                Table::Schedules,
                records::str_key(&name),
                &kept.record,
            );
        }
    }
}

impl Runtime {
    /// CreateSchedule (or, with `replace`, UpdateSchedule): the expression is checked here, before the
    /// writer sees it.
    pub async fn put_schedule(
        &self,
        spec: ScheduleSpec,
        replace: bool,
    ) -> Result<ScheduleRecord, Error> {
        if !records::valid_name(&spec.name) {
            return Err(Error::InvalidName(spec.name));
        }
        let parsed = parse(&spec.expression, spec.timezone.as_deref())?;
        self.ask(|reply| {
            crate::writer::Request::Schedule(crate::requests::ScheduleOp::Put {
                spec: Box::new(spec),
                parsed: Box::new(parsed),
                replace,
                reply,
            })
        })
        .await
    }

    pub async fn delete_schedule(&self, name: &str) -> Result<(), Error> {
        let name = name.to_string();
        self.ask(|reply| {
            crate::writer::Request::Schedule(crate::requests::ScheduleOp::Delete { name, reply })
        })
        .await
    }

    pub fn schedule(&self, name: &str) -> Result<ScheduleRecord, Error> {
        match self.store.get(Table::Schedules, &records::str_key(name))? {
            Some(b) => records::from_bytes(&b),
            None => Err(Error::ResourceNotFound(format!(
                "Schedule {name} does not exist."
            ))),
        }
    }

    pub fn schedules(&self) -> Result<Vec<ScheduleRecord>, Error> {
        self.store
            .scan(Table::Schedules, &Range::all(), 10_000, false)?
            .iter()
            .map(|(_, v)| records::from_bytes(v))
            .collect()
    }
}

/// The sleeper: wakes the writer when the earliest schedule is due (the writer says when that is after
/// every commit that changes it).
pub(crate) async fn sleeper(
    requests: tokio::sync::mpsc::UnboundedSender<crate::writer::Request>,
    mut next: tokio::sync::watch::Receiver<Option<Millis>>,
    clock: fn() -> Millis,
) {
    loop {
        let due = *next.borrow_and_update();
        let nap = match due {
            // Naps are bounded so a clock that jumps is noticed within a second.
            Some(d) => d.saturating_sub(clock()).clamp(0, 1000) as u64,
            None => 1000,
        };
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_millis(nap)) => {
                if due.is_some_and(|d| d <= clock())
                    && requests.send(crate::writer::Request::Schedule(crate::requests::ScheduleOp::Fire)).is_err()
                {
                    return;
                }
            }
            changed = next.changed() => if changed.is_err() { return },
        }
    }
}

/// What a writer request about schedules answers.
pub(crate) type ScheduleReply = oneshot::Sender<Result<ScheduleRecord, Error>>;
