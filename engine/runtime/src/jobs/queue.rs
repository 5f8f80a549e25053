//! The writer's side of the job queue: a job's row is written in the batch that parks its queue token,
//! follows the answers of its cluster tasks, and ends with its execution. Every change is one more put in
//! the group's batch, so the queue is exactly as durable as the executions it belongs to.

use super::{JobRecord, JobState, Waiting};
use crate::records;
use crate::writer::{After, Writer};
use serde_json::Value;
use stepd_adapter::TaskError;
use stepd_core::{Millis, Outcome};
use stepd_store::{Batch, Table};

/// The cluster states after which a run will not change again.
fn cluster_final(state: &str) -> bool {
    !matches!(state, "PENDING" | "RUNNING")
}

impl Writer {
    /// Stores a job's record in the batch (and in the active set while it has not ended).
    pub(crate) fn put_job(&self, job: &JobRecord, batch: &mut Batch) {
        let key = records::str_key(&job.spec.id);
        records::put(batch, Table::Jobs, key.clone(), job);
        if job.state.is_final() {
            batch.delete(Table::ActiveJobs, key);
            let ended = job.ended_ms.unwrap_or(job.enqueued_ms);
            batch.put(Table::JobsEnded, ended_key(ended, &job.spec.id), Vec::new());
        } else {
            batch.put(Table::ActiveJobs, key, Vec::new());
        }
    }

    /// A Job Poller entered its queue task (its token is parked in this batch): the job is checked and
    /// queued, or its task fails at once with an error naming the field.
    pub(crate) fn enqueue_job(
        &mut self,
        arn: &str,
        (task, token, input): (u64, String, Value),
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) {
        let name = arn.rsplit(':').next().unwrap_or(arn);
        let job = input.get("job").unwrap_or(&input);
        let spec = match super::spec::parse(job, name, &self.jobs_config.known) {
            Ok(spec) => spec,
            Err(e) => {
                after.push(After::FailToken {
                    token,
                    error: TaskError::new("Job.InvalidSpec", e.to_string()),
                });
                return;
            }
        };
        let key = records::str_key(&spec.id);
        let taken = self.jobs.active.contains_key(&spec.id)
            || match batch.latest(Table::Jobs, &key) {
                Some(pending) => pending.is_some(),
                None => self.store.get(Table::Jobs, &key).ok().flatten().is_some(),
            };
        if taken {
            after.push(After::FailToken {
                token,
                error: TaskError::new(
                    "Job.DuplicateId",
                    format!("job.id: a job with id '{}' exists already", spec.id),
                ),
            });
            return;
        }
        let job = JobRecord {
            spec,
            execution: arn.to_string(),
            state: JobState::Queued,
            enqueued_ms: now,
            seq: self.jobs.next_seq,
            placement: None,
            cluster_job_id: None,
            cluster_state: None,
            exit_code: None,
            started_ms: None,
            ended_ms: None,
            attempts: 0,
            error: None,
            cause: None,
            waiting: Some(Waiting { token, task }),
        };
        tracing::info!(job = %job.spec.id, execution = %arn, priority = job.spec.priority, "job queued");
        self.put_job(&job, batch);
        self.jobs.insert(job);
        self.jobs.tick_wanted = true;
    }

    /// A job's execution asked its cluster to start the run `attempts` more times (Retry makes more).
    pub(crate) fn job_run_attempted(&mut self, arn: &str, attempts: u32, batch: &mut Batch) {
        let Some(job) = self.job_of(arn) else { return };
        job.attempts += attempts;
        let job = job.clone();
        self.put_job(&job, batch);
    }

    /// A cluster task of a job's execution answered.
    pub(crate) fn job_task_done(
        &mut self,
        arn: &str,
        resource: &str,
        result: &Result<Value, TaskError>,
        now: Millis,
        batch: &mut Batch,
    ) {
        let Some(job) = self.job_of(arn) else { return };
        let changed = match (resource, result) {
            (super::START_RESOURCE, Ok(out)) => {
                job.state = JobState::Running;
                job.cluster_job_id = out.get("jobId").and_then(Value::as_str).map(str::to_string);
                job.started_ms = Some(now);
                job.error = None;
                tracing::info!(job = %job.spec.id, run = ?job.cluster_job_id, "job submitted");
                true
            }
            (super::START_RESOURCE, Err(e)) => {
                job.error = Some(e.error.clone());
                job.cause = Some(e.cause.clone());
                true
            }
            (super::STATUS_RESOURCE, Ok(out)) => {
                let state = out.get("state").and_then(Value::as_str).map(str::to_string);
                let exit = out.get("exitCode").and_then(Value::as_i64);
                let changed = state != job.cluster_state || exit != job.exit_code;
                job.cluster_state = state;
                job.exit_code = exit;
                changed
            }
            _ => false,
        };
        if changed {
            let job = job.clone();
            self.put_job(&job, batch);
        }
    }

    /// A job's execution ended (in this batch): so does the job. A run its cluster may still be running
    /// is cancelled there once the batch is durable.
    pub(crate) fn job_closed(
        &mut self,
        arn: &str,
        outcome: &Outcome,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) {
        if self.jobs.tick_running.as_deref() == Some(arn) {
            self.jobs.tick_running = None;
        }
        let short = records::short(arn);
        let Some(id) = self.jobs.by_execution.remove(short) else {
            return;
        };
        let Some(mut job) = self.jobs.active.remove(&id) else {
            return;
        };
        self.jobs.queued.remove(&job.seq);
        let (state, error, cause) = match outcome {
            Outcome::Succeeded { .. } => (JobState::Succeeded, None, None),
            Outcome::Aborted { error, cause } => {
                (JobState::Cancelled, error.clone(), cause.clone())
            }
            Outcome::Failed { error, cause } | Outcome::TimedOut { error, cause } => {
                (JobState::Failed, Some(error.clone()), Some(cause.clone()))
            }
        };
        job.state = state;
        job.ended_ms = Some(now);
        if error.is_some() {
            job.error = error;
            job.cause = cause;
        }
        job.waiting = None;
        let still_running = !job.cluster_state.as_deref().is_some_and(cluster_final);
        if let (Some(run), Some(p)) = (&job.cluster_job_id, &job.placement)
            && still_running
        {
            after.push(After::CancelRun {
                job: job.spec.id.clone(),
                cluster: p.cluster.clone(),
                run: run.clone(),
            });
        }
        tracing::info!(job = %job.spec.id, state = ?job.state, "job ended");
        self.put_job(&job, batch);
        self.jobs.tick_wanted = true;
    }

    fn job_of(&mut self, arn: &str) -> Option<&mut JobRecord> {
        let id = self.jobs.by_execution.get(records::short(arn))?;
        self.jobs.active.get_mut(id)
    }

    /// At the end of a group: starts a tick of the Job Scheduler when one is wanted, none is running and
    /// jobs are queued (one at a time, so two ticks never book the same room).
    pub(crate) fn maybe_tick(&mut self, now: Millis, batch: &mut Batch, after: &mut Vec<After>) {
        if !self.jobs.tick_wanted || self.jobs.tick_running.is_some() {
            return;
        }
        self.jobs.tick_wanted = false;
        if self.jobs.queued.is_empty() {
            return;
        }
        let Some(machine) = self.jobs_config.scheduler_machine.clone() else {
            return;
        };
        self.jobs.ticks += 1;
        let name = format!("tick-{now}-{}", self.jobs.ticks);
        match self.start(&machine, &name, serde_json::json!({}), now, batch, after) {
            Ok(arn) => self.jobs.tick_running = Some(arn),
            Err(e) => tracing::warn!(error = %e, "the job scheduler could not be started"),
        }
    }
}

/// Key of `jobs_ended`: (end time, job id).
fn ended_key(ended: Millis, id: &str) -> Vec<u8> {
    stepd_store::Key::new().i64(ended).str(id).into_bytes()
}

/// Removes up to `max` jobs that ended before `before` (with the executions they ran as, by retention).
pub(crate) fn sweep(w: &Writer, before: Millis, max: usize, batch: &mut Batch) {
    use stepd_store::{Key, KeyReader, Range};
    let range = Range {
        start: std::ops::Bound::Unbounded,
        end: std::ops::Bound::Excluded(Key::new().i64(before).into_bytes()),
    };
    let old = match w.store.scan(Table::JobsEnded, &range, max, false) {
        Ok(old) => old,
        Err(e) => {
            tracing::warn!(error = %e, "the retention sweep could not read ended jobs; it tries again next time");
            return;
        }
    };
    for (key, _) in old {
        let mut r = KeyReader::new(&key);
        if let (Some(_), Some(id)) = (r.i64(), r.str()) {
            batch.delete(Table::Jobs, records::str_key(&id));
        }
        batch.delete(Table::JobsEnded, key);
    }
}

/// Loads the jobs not yet ended (at start).
pub(crate) fn recover(w: &mut Writer) -> Result<(), crate::Error> {
    use stepd_store::Range;
    for (k, _) in w
        .store
        .scan(Table::ActiveJobs, &Range::all(), usize::MAX, false)?
    {
        let Some(bytes) = w.store.get(Table::Jobs, &k)? else {
            continue;
        };
        w.jobs.insert(records::from_bytes(&bytes)?);
    }
    w.jobs.tick_wanted = !w.jobs.queued.is_empty();
    Ok(())
}
