//! The `Cluster` trait: one place jobs run (a local process cluster, Slurm, Spark, Kubernetes), with the
//! five things the job layer asks of it — submit (idempotent by name), status with the real exit code,
//! cancel, the output a job wrote, and capacity with current use.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

/// What a cluster call resolves to.
pub type ClusterFuture<T> = Pin<Box<dyn Future<Output = Result<T, ClusterError>> + Send>>;

/// CPU in thousandths of a CPU, memory in MiB: the units every cluster is reduced to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    pub cpu_milli: u64,
    #[serde(rename = "memoryMiB")]
    pub memory_mib: u64,
}

impl Resources {
    pub fn new(cpu_milli: u64, memory_mib: u64) -> Resources {
        Resources {
            cpu_milli,
            memory_mib,
        }
    }

    pub fn saturating_add(self, other: Resources) -> Resources {
        Resources::new(
            self.cpu_milli.saturating_add(other.cpu_milli),
            self.memory_mib.saturating_add(other.memory_mib),
        )
    }

    pub fn saturating_sub(self, other: Resources) -> Resources {
        Resources::new(
            self.cpu_milli.saturating_sub(other.cpu_milli),
            self.memory_mib.saturating_sub(other.memory_mib),
        )
    }

    /// Whether `self` fits in `room` in both dimensions.
    pub fn fits(self, room: Resources) -> bool {
        self.cpu_milli <= room.cpu_milli && self.memory_mib <= room.memory_mib
    }
}

/// One job as a cluster is asked to run it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    /// The submission's name on the cluster, derived from the runtime's idempotency key: a second submit
    /// under the same name finds the first job instead of starting another.
    pub name: String,
    /// The stepd job this run belongs to (for the cluster's own labels and logs).
    #[serde(default)]
    pub job_id: String,
    /// The command and its arguments.
    pub command: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub workdir: Option<String>,
    pub demand: Resources,
    /// The job is ended (state `TIMEOUT`) past this many seconds.
    #[serde(default)]
    pub time_limit_seconds: Option<u64>,
}

/// A job's state, in the words Slurm uses (the Job Poller's Choice state reads them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
    Timeout,
    OutOfMemory,
}

impl JobState {
    /// Whether the job has ended (nothing will change it again).
    pub fn is_final(self) -> bool {
        !matches!(self, JobState::Pending | JobState::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "PENDING",
            JobState::Running => "RUNNING",
            JobState::Completed => "COMPLETED",
            JobState::Failed => "FAILED",
            JobState::Cancelled => "CANCELLED",
            JobState::Timeout => "TIMEOUT",
            JobState::OutOfMemory => "OUT_OF_MEMORY",
        }
    }
}

/// What a cluster says of one job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobStatus {
    pub state: JobState,
    /// The command's exit code (not a raw wait status); a job killed by a signal reports 128 + signal.
    pub exit_code: Option<i32>,
    /// Why it ended, in words, when the cluster says.
    pub reason: Option<String>,
    pub started_ms: Option<u64>,
    pub ended_ms: Option<u64>,
}

/// A cluster's size and what is in use on it, as of `at_ms` (epoch ms of the reading).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Capacity {
    pub total: Resources,
    pub used: Resources,
    pub at_ms: u64,
}

/// Which of a job's outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// A piece of a job's output from `offset`; `next` is where the following read starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogChunk {
    pub data: String,
    pub next: u64,
}

/// What went wrong talking to a cluster. Each has the ASL error name a task fails with, so a workflow's
/// Retry and Catch can tell them apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterError {
    /// The cluster cannot be reached or refused for now; worth retrying.
    #[error("{0}")]
    Unavailable(String),
    /// The cluster does not know the job.
    #[error("{0}")]
    JobNotFound(String),
    /// The cluster refused the submission as given (retrying will not help).
    #[error("{0}")]
    Rejected(String),
}

impl ClusterError {
    /// The ASL error name.
    pub fn error_name(&self) -> &'static str {
        match self {
            ClusterError::Unavailable(_) => "Cluster.Unavailable",
            ClusterError::JobNotFound(_) => "Cluster.JobNotFound",
            ClusterError::Rejected(_) => "Cluster.Rejected",
        }
    }
}

/// One cluster jobs can be placed on.
pub trait Cluster: Send + Sync {
    /// Its name in the configuration (what placements name).
    fn name(&self) -> &str;
    /// Its kind (`local`, `slurm`, `spark`, `kubernetes`).
    fn kind(&self) -> &str;
    /// Labels a job may require (`gpu`, `ssd`...).
    fn labels(&self) -> &[String];

    /// Submits a job, or finds the one already submitted under `spec.name`; returns the cluster's job id.
    fn submit(&self, spec: JobSpec) -> ClusterFuture<String>;
    fn status(&self, job_id: &str) -> ClusterFuture<JobStatus>;
    /// Ends a job (a job already ended is not an error).
    fn cancel(&self, job_id: &str) -> ClusterFuture<()>;
    /// Up to `max` bytes of a job's output from `offset`.
    fn logs(
        &self,
        job_id: &str,
        stream: LogStream,
        offset: u64,
        max: usize,
    ) -> ClusterFuture<LogChunk>;
    /// The last `max` bytes of what a job wrote on its error output (for a failure's cause).
    fn error_tail(&self, job_id: &str, max: usize) -> ClusterFuture<String>;
    fn capacity(&self) -> ClusterFuture<Capacity>;
}
