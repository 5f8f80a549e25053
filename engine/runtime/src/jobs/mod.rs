//! The job layer: a durable job queue in the runtime's own store and commits, the placement step the Job
//! Scheduler workflow calls, and the ticks that start that workflow when there is something to place.
//!
//! A job is one Job Poller execution. Its first Task, `arn:aws:states:::stepd:queue.waitForTaskToken`,
//! parks a task token like any callback task; the writer puts the job's queue row in the same batch
//! (`queue.rs`), so the job is queued exactly when its token is. `arn:aws:states:::stepd:scheduler.place`
//! (`place.rs`) runs the pure policy of `stepd-scheduler` over the queue and answers the chosen jobs'
//! tokens in one batch with their placements. The job's record then follows its execution: RUNNING when
//! its cluster accepted it, the cluster's state and exit code as the poller reads them, and SUCCEEDED,
//! FAILED or CANCELLED when the execution ends (a stopped job is cancelled on its cluster).

mod place;
mod queue;
mod reads;
pub mod spec;

pub(crate) use place::PlaceTasks;
pub(crate) use queue::{recover, sweep};
pub use reads::{JobFilter, JobPage};
pub use spec::{JobSpec, Known, SpecError};

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use stepd_core::Millis;

/// The Task resource that queues a job (a callback task: the scheduler answers its token).
pub const QUEUE_RESOURCE: &str = "arn:aws:states:::stepd:queue.waitForTaskToken";
/// The Task resource that places queued jobs.
pub const PLACE_RESOURCE: &str = "arn:aws:states:::stepd:scheduler.place";
/// The cluster resources whose answers the job's record follows.
pub(crate) const START_RESOURCE: &str = "arn:aws:states:::stepd:cluster.startJobRun";
pub(crate) const STATUS_RESOURCE: &str = "arn:aws:states:::stepd:cluster.getJobStatus";
pub(crate) const CANCEL_RESOURCE: &str = "arn:aws:states:::stepd:cluster.cancelJobRun";

/// The schedule whose fires ask for a tick of the Job Scheduler (a fire starts its execution only while
/// jobs wait and no tick runs; see `queue::maybe_tick`).
pub const TICK_SCHEDULE: &str = "stepd-job-scheduler";

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    Queued,
    Placed,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }

    pub fn parse(s: &str) -> Option<JobState> {
        Some(match s.to_ascii_uppercase().as_str() {
            "QUEUED" => JobState::Queued,
            "PLACED" => JobState::Placed,
            "RUNNING" => JobState::Running,
            "SUCCEEDED" => JobState::Succeeded,
            "FAILED" => JobState::Failed,
            "CANCELLED" => JobState::Cancelled,
            _ => return None,
        })
    }

    /// A `state` filter as a client gives it; any other name is a `Validation` error saying which are.
    pub fn filter(s: &str) -> Result<JobState, crate::Error> {
        JobState::parse(s).ok_or_else(|| {
            crate::Error::Validation(format!(
                "'state' must be QUEUED, PLACED, RUNNING, SUCCEEDED, FAILED or CANCELLED, not '{s}'"
            ))
        })
    }
}

/// Where the scheduler put a job, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Placement {
    pub cluster: String,
    pub at_ms: Millis,
    #[serde(default)]
    pub backfilled: bool,
    #[serde(default)]
    pub why: String,
}

/// The token a queued job waits on (never shown by the API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Waiting {
    pub token: String,
    pub task: u64,
}

/// One job, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRecord {
    pub spec: JobSpec,
    /// The Job Poller execution that carries it.
    pub execution: String,
    pub state: JobState,
    pub enqueued_ms: Millis,
    /// Enqueue order (FIFO within a priority).
    pub seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// The cluster's id for the run, once it accepted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_job_id: Option<String>,
    /// The cluster's last word on the run (`PENDING`, `RUNNING`, `COMPLETED`, `FAILED`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_ms: Option<Millis>,
    /// StartJobRun attempts (Retry makes more than one).
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// While queued: the token it waits on (kept in the store, never shown by the API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) waiting: Option<Waiting>,
}

impl JobRecord {
    /// The record as the API shows it (without the token it waits on).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(m) = v.as_object_mut() {
            m.remove("waiting");
        }
        v
    }
}

/// The job layer's settings.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Clusters and tenants jobs are checked against.
    pub known: Known,
    pub policy: stepd_scheduler::Policy,
    /// The Job Scheduler state machine the ticks start (none: nothing ticks; `place` still answers).
    pub scheduler_machine: Option<String>,
    /// How often a tick is considered while jobs are queued (enqueues and ends tick at once too): the
    /// rate of the schedule named `TICK_SCHEDULE`, which the binary keeps.
    pub tick_seconds: u64,
}

impl Default for JobsConfig {
    fn default() -> JobsConfig {
        JobsConfig {
            known: Known::default(),
            policy: stepd_scheduler::Policy::default(),
            scheduler_machine: None,
            tick_seconds: 5,
        }
    }
}

/// The writer's view of the jobs not yet ended.
#[derive(Default)]
pub(crate) struct Index {
    pub active: HashMap<String, JobRecord>,
    /// Execution short id → job id.
    pub by_execution: HashMap<String, String>,
    /// Queued job ids by enqueue order.
    pub queued: BTreeMap<u64, String>,
    pub next_seq: u64,
    /// A tick is wanted (a job was queued or ended, or the period passed).
    pub tick_wanted: bool,
    /// The tick execution running now, if any (one at a time, so no two ticks book the same room).
    pub tick_running: Option<String>,
    pub ticks: u64,
}

impl Index {
    /// Files an active job (at start, or when it is queued).
    pub fn insert(&mut self, job: JobRecord) {
        self.next_seq = self.next_seq.max(job.seq + 1);
        if job.state == JobState::Queued {
            self.queued.insert(job.seq, job.spec.id.clone());
        }
        self.by_execution.insert(
            crate::records::short(&job.execution).to_string(),
            job.spec.id.clone(),
        );
        self.active.insert(job.spec.id.clone(), job);
    }
}
