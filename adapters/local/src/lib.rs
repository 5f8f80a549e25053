//! stepd-cluster-local: the local process cluster. It runs each job's command as a child process on this
//! machine, within a declared CPU and memory capacity, and keeps everything it knows in its own directory
//! so that a stepd killed with SIGKILL and started again finds every job where it was.
//!
//! # What is enforced, and how
//!
//! - **Capacity** is enforced by admission: a job starts only when its demand fits what the running jobs
//!   leave free, in submit order, so the cluster's allocation never exceeds its capacity even if the
//!   scheduler above over-places. A job larger than the whole capacity is refused at submit.
//! - **Memory**, when [`LocalConfig::enforce_memory`] is set, is enforced with `ulimit -v` (RLIMIT_AS) at
//!   the job's demand: this limits *address space*, not resident memory. Programs that reserve much more
//!   virtual memory than they use (JVMs, Go binaries, glibc's per-thread malloc arenas) need headroom in
//!   their demand, or a cluster with `enforce_memory` off.
//! - **CPU** is accounted, not enforced: this machine has no writable cgroups, so a job may use more CPUs
//!   than it asked for. Its demand is handed to it as `STEPD_CPUS` so it can size its thread pools.
//! - **Time limits** are enforced by the background task: SIGTERM to the job's process group, SIGKILL
//!   five seconds later.
//!
//! # The directory
//!
//! ```text
//! <dir>/lock              held (flock) by the one LocalCluster using the directory
//! <dir>/staging/          a submission is written here, then renamed into jobs/ whole
//! <dir>/jobs/<name>/      one job; its name is the cluster's job id
//!     spec.json seq       what was submitted, and its place in the queue
//!     started/            the wrapper's run-once lock (mkdir is atomic)
//!     started_ms pid      when it was launched, and the wrapper's pid (= its process group)
//!     stdout stderr       its output
//!     exit                the command's exit status, written by the wrapper
//!     cancelled timeout   markers: why the job was stopped
//!     status.json         the final status, written once the job has ended; ended jobs are never
//!                         looked at again except to answer for them
//! ```

mod cluster;
mod job;
mod live;
mod logs;
mod machine;
mod process;
mod tick;

pub use cluster::LocalCluster;
pub use machine::size_of_this_machine;

use std::path::PathBuf;
use stepd_adapter::Resources;

/// The kind every local cluster reports.
pub const KIND: &str = "local";

/// How a local cluster is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalConfig {
    /// Its name in the configuration (what placements name).
    pub name: String,
    /// Its own directory (e.g. `<data>/clusters/<name>`); created if missing.
    pub dir: PathBuf,
    /// What it offers in all: jobs run only while their demands add up to no more than this.
    pub capacity: Resources,
    /// Labels a job may require.
    pub labels: Vec<String>,
    /// Whether each job is held to its memory demand (as an address-space limit).
    pub enforce_memory: bool,
}

impl LocalConfig {
    /// A configuration with no labels and memory enforced.
    pub fn new(
        name: impl Into<String>,
        dir: impl Into<PathBuf>,
        capacity: Resources,
    ) -> LocalConfig {
        LocalConfig {
            name: name.into(),
            dir: dir.into(),
            capacity,
            labels: Vec::new(),
            enforce_memory: true,
        }
    }
}

/// What can go wrong opening a local cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the cluster directory {} is already used by another local cluster", .0.display())]
    Locked(PathBuf),
    #[error(
        "a local cluster is opened inside a tokio runtime (it spawns its background task there)"
    )]
    NoRuntime,
    #[error("local cluster '{name}': {why}")]
    Config { name: String, why: String },
}
