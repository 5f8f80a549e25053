//! `LocalCluster`: opening the directory (and finding its jobs again), and the `Cluster` calls. Starting,
//! following and ending jobs is the background task's, in `tick.rs`.

use crate::job::{self, JobDir, Published};
use crate::live::{Found, Index, Live, Phase, Stop, recover};
use crate::machine::now_ms;
use crate::{Error, KIND, LocalConfig, logs};
use rustix::fs::{FlockOperation, flock};
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use stepd_adapter::{
    Capacity, Cluster, ClusterError, ClusterFuture, JobSpec, JobStatus, LogChunk, LogStream,
    Resources,
};
use tokio::sync::Notify;

/// The local process cluster: each job's command runs as a child process of this machine, within the
/// configured capacity. See the crate documentation for what is enforced and the directory's layout.
pub struct LocalCluster {
    pub(crate) name: String,
    pub(crate) labels: Vec<String>,
    pub(crate) capacity: Resources,
    pub(crate) enforce_memory: bool,
    pub(crate) jobs_dir: PathBuf,
    staging_dir: PathBuf,
    pub(crate) index: Mutex<Index>,
    /// Wakes the background task: a job was submitted or cancelled, or a wrapper ended.
    pub(crate) wake: Arc<Notify>,
    /// Holds the directory's flock for as long as the cluster is open.
    _lock: File,
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

impl LocalCluster {
    /// Opens the cluster on its directory (creating it if needed), finds the jobs it holds again and
    /// starts its background task on the current tokio runtime, which must have its IO and time drivers
    /// enabled. Jobs that had not started go back in the queue in submit order; running ones are followed
    /// again by their pid files; nothing is run twice.
    pub fn open(config: LocalConfig) -> Result<Arc<LocalCluster>, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let config_error = |why: &str| Error::Config {
            name: config.name.clone(),
            why: why.to_string(),
        };
        if config.name.is_empty() {
            return Err(config_error("a cluster needs a name"));
        }
        if config.capacity.cpu_milli == 0 || config.capacity.memory_mib == 0 {
            return Err(config_error("its capacity must have CPUs and memory"));
        }
        fs::create_dir_all(&config.dir).map_err(io_error("creating", &config.dir))?;
        // Absolute, because the path is part of each wrapper's argv, which is how a pid is recognised as a
        // job's after a restart (whatever the working directory then).
        let dir = fs::canonicalize(&config.dir).map_err(io_error("resolving", &config.dir))?;
        let lock_path = dir.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error("opening", &lock_path))?;
        match flock(&lock, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => return Err(Error::Locked(dir)),
            Err(e) => return Err(io_error("locking", &lock_path)(e.into())),
        }
        let (jobs_dir, staging_dir) = (dir.join("jobs"), dir.join("staging"));
        for d in [&jobs_dir, &staging_dir] {
            fs::create_dir_all(d).map_err(io_error("creating", d))?;
        }
        // Staged submissions that were never published: their submit never returned, so the runtime
        // delivers them again.
        for entry in fs::read_dir(&staging_dir)
            .map_err(io_error("reading", &staging_dir))?
            .flatten()
        {
            let _ = fs::remove_dir_all(entry.path());
        }
        let index = scan(&config, &jobs_dir)?;
        let cluster = Arc::new(LocalCluster {
            name: config.name,
            labels: config.labels,
            capacity: config.capacity,
            enforce_memory: config.enforce_memory,
            jobs_dir,
            staging_dir,
            index: Mutex::new(index),
            wake: Arc::new(Notify::new()),
            _lock: lock,
        });
        runtime.spawn(crate::tick::background(
            Arc::downgrade(&cluster),
            cluster.wake.clone(),
        ));
        Ok(cluster)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Index> {
        // A panic while holding the lock leaves the index as consistent as the files it mirrors; going on
        // with it beats taking the whole cluster down.
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn job_dir(&self, id: &str) -> Result<JobDir, ClusterError> {
        if !job::valid_name(id) {
            return Err(ClusterError::JobNotFound(format!(
                "no job '{id}' on cluster '{}'",
                self.name
            )));
        }
        Ok(JobDir::new(&self.jobs_dir, id))
    }

    fn not_found(&self, id: &str) -> ClusterError {
        ClusterError::JobNotFound(format!("no job '{id}' on cluster '{}'", self.name))
    }

    /// Refuses what could never run here.
    fn check(&self, spec: &JobSpec) -> Result<(), String> {
        if spec.command.is_empty() || spec.command[0].is_empty() {
            return Err("the job has no command".into());
        }
        let nul = |s: &String| s.contains('\0');
        if spec.command.iter().any(nul) || spec.workdir.as_ref().is_some_and(nul) {
            return Err("the job's command or workdir holds a NUL character".into());
        }
        if spec
            .env
            .iter()
            .any(|(k, v)| k.is_empty() || k.contains('=') || nul(k) || nul(v))
        {
            return Err(
                "the job's env has a name that is empty, holds '=' or NUL, or a value holding NUL"
                    .into(),
            );
        }
        let d = spec.demand;
        if d.cpu_milli == 0 {
            return Err("the job demands no CPU".into());
        }
        if d.memory_mib == 0 && self.enforce_memory {
            return Err(
                "the job demands no memory, and this cluster holds jobs to their memory".into(),
            );
        }
        if !d.fits(self.capacity) {
            return Err(format!(
                "the job demands {} mCPU and {} MiB, more than all of cluster '{}' ({} mCPU, {} MiB)",
                d.cpu_milli,
                d.memory_mib,
                self.name,
                self.capacity.cpu_milli,
                self.capacity.memory_mib
            ));
        }
        Ok(())
    }

    fn submit_now(&self, spec: JobSpec) -> Result<String, ClusterError> {
        let name = spec.name.clone();
        if !job::valid_name(&name) {
            return Err(ClusterError::Rejected(format!(
                "'{name}' is not a job name (letters, digits, '.', '_', '-'; not '.' or '..')"
            )));
        }
        let mut index = self.lock();
        let dir = JobDir::new(&self.jobs_dir, &name);
        if index.jobs.contains_key(&name) || dir.exists() {
            tracing::debug!(cluster = %self.name, job = %name, "submitted again: attached");
            return Ok(name);
        }
        self.check(&spec).map_err(ClusterError::Rejected)?;
        let seq = index.next_seq;
        index.next_seq += 1;
        match job::publish(&self.staging_dir, &self.jobs_dir, &spec, seq) {
            Ok(Published::Exists) => return Ok(name),
            Ok(Published::Created) => {}
            Err(e) => {
                return Err(ClusterError::Unavailable(format!(
                    "cluster '{}' could not record job '{name}': {e}",
                    self.name
                )));
            }
        }
        tracing::info!(cluster = %self.name, job = %name, seq, cpu_milli = spec.demand.cpu_milli,
            memory_mib = spec.demand.memory_mib, "job submitted");
        index.queue.insert((seq, name.clone()));
        index.jobs.insert(
            name.clone(),
            Live {
                seq,
                spec,
                dir,
                phase: Phase::Pending,
            },
        );
        drop(index);
        self.wake.notify_one();
        Ok(name)
    }

    fn status_now(&self, id: &str) -> Result<JobStatus, ClusterError> {
        let dir = self.job_dir(id)?;
        {
            let index = self.lock();
            if let Some(live) = index.jobs.get(id) {
                return Ok(live.status());
            }
            if let Some(status) = index.unrecorded.get(id) {
                return Ok(status.clone());
            }
        }
        // Not live: a job is written its status.json before it leaves the index, so an ended job has one.
        match dir.read_status() {
            Ok(Some(status)) => Ok(status),
            Ok(None) if dir.exists() => Err(ClusterError::Unavailable(format!(
                "job '{id}' on cluster '{}' has no recorded state (was its directory made by hand?)",
                self.name
            ))),
            Ok(None) => Err(self.not_found(id)),
            Err(e) => Err(ClusterError::Unavailable(format!(
                "reading the status of job '{id}': {e}"
            ))),
        }
    }

    fn cancel_now(&self, id: &str) -> Result<(), ClusterError> {
        let dir = self.job_dir(id)?;
        let mut index = self.lock();
        let unavailable = |e: std::io::Error| {
            ClusterError::Unavailable(format!("recording the cancellation of job '{id}': {e}"))
        };
        let now = now_ms();
        let Some(live) = index.jobs.get_mut(id) else {
            // Ended already (not an error), or never here.
            return if dir.exists() {
                Ok(())
            } else {
                Err(self.not_found(id))
            };
        };
        match &mut live.phase {
            Phase::Pending => {
                live.dir.mark(job::CANCELLED, now).map_err(unavailable)?;
                let mut status = crate::live::failed("cancelled before it started".into());
                status.state = stepd_adapter::JobState::Cancelled;
                let seq = live.seq;
                index.queue.remove(&(seq, id.to_string()));
                tracing::info!(cluster = %self.name, job = %id, "pending job cancelled");
                self.finish(&mut index, id, status);
            }
            Phase::Running(run) => {
                // A job that has written its exit status has ended on its own; the next tick records it.
                if run.stop.is_none() && !live.dir.has(job::EXIT) {
                    live.dir.mark(job::CANCELLED, now).map_err(unavailable)?;
                    run.stop = Some(Stop::Cancelled);
                    tracing::info!(cluster = %self.name, job = %id, "running job cancelled; sending SIGTERM");
                    run.signal(&live.dir, Instant::now());
                }
            }
        }
        drop(index);
        self.wake.notify_one();
        Ok(())
    }

    fn capacity_now(&self) -> Capacity {
        Capacity {
            total: self.capacity,
            used: self.lock().used(),
            at_ms: now_ms(),
        }
    }

    /// Records a job's end: its `status.json` first, then out of the index, so whoever finds it gone from
    /// the index finds its status on disk.
    pub(crate) fn finish(&self, index: &mut Index, id: &str, status: JobStatus) {
        let Some(live) = index.jobs.remove(id) else {
            return;
        };
        tracing::info!(cluster = %self.name, job = %id, state = status.state.as_str(),
            exit_code = ?status.exit_code, reason = ?status.reason, "job ended");
        if let Err(e) = live.dir.write_status(&status) {
            tracing::error!(cluster = %self.name, job = %id, error = %e,
                "could not record the job's end; it is kept in memory");
            index.unrecorded.insert(id.to_string(), status);
        }
    }
}

/// Reads every job directory: the index of those not ended, the next submit sequence number, and the
/// status of those that ended unrecorded (written at once).
fn scan(config: &LocalConfig, jobs_dir: &Path) -> Result<Index, Error> {
    let mut index = Index::default();
    let now = now_ms();
    let mut max_seq = None;
    let mut found = Vec::new();
    for entry in fs::read_dir(jobs_dir)
        .map_err(io_error("reading", jobs_dir))?
        .flatten()
    {
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if !job::valid_name(&name) || !entry.path().is_dir() {
            continue;
        }
        let (seq, state) = recover(JobDir::new(jobs_dir, &name), config.capacity, now);
        max_seq = max_seq.max(seq);
        found.push((name, state));
    }
    for (name, state) in found {
        match state {
            Found::Ended => {}
            Found::Finish(status) => {
                tracing::info!(cluster = %config.name, job = %name, state = status.state.as_str(),
                    reason = ?status.reason, "job found ended");
                if let Err(e) = JobDir::new(jobs_dir, &name).write_status(&status) {
                    tracing::error!(cluster = %config.name, job = %name, error = %e, "could not record the job's end");
                    index.unrecorded.insert(name, status);
                }
            }
            Found::Live(live) => {
                match &live.phase {
                    Phase::Pending => {
                        tracing::info!(cluster = %config.name, job = %name, "pending job queued again");
                        index.queue.insert((live.seq, name.clone()));
                    }
                    Phase::Running(run) => {
                        tracing::info!(cluster = %config.name, job = %name, pid = ?run.pid, "running job followed again");
                    }
                }
                index.jobs.insert(name, live);
            }
        }
    }
    index.next_seq = max_seq.map_or(0, |s: u64| s.saturating_add(1));
    Ok(index)
}

impl Cluster for LocalCluster {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &str {
        KIND
    }

    fn labels(&self) -> &[String] {
        &self.labels
    }

    fn submit(&self, spec: JobSpec) -> ClusterFuture<String> {
        let r = self.submit_now(spec);
        Box::pin(std::future::ready(r))
    }

    fn status(&self, job_id: &str) -> ClusterFuture<JobStatus> {
        let r = self.status_now(job_id);
        Box::pin(std::future::ready(r))
    }

    fn cancel(&self, job_id: &str) -> ClusterFuture<()> {
        let r = self.cancel_now(job_id);
        Box::pin(std::future::ready(r))
    }

    fn logs(
        &self,
        job_id: &str,
        stream: LogStream,
        offset: u64,
        max: usize,
    ) -> ClusterFuture<LogChunk> {
        let file = match stream {
            LogStream::Stdout => job::STDOUT,
            LogStream::Stderr => job::STDERR,
        };
        let found = self.found(job_id).map(|dir| dir.file(file));
        Box::pin(async move {
            let path = found?;
            blocking(move || logs::read_chunk(&path, offset, max)).await
        })
    }

    fn error_tail(&self, job_id: &str, max: usize) -> ClusterFuture<String> {
        let found = self.found(job_id).map(|dir| dir.file(job::STDERR));
        Box::pin(async move {
            let path = found?;
            blocking(move || logs::read_tail(&path, max)).await
        })
    }

    fn capacity(&self) -> ClusterFuture<Capacity> {
        Box::pin(std::future::ready(Ok(self.capacity_now())))
    }
}

impl LocalCluster {
    /// The directory of a job this cluster has.
    fn found(&self, id: &str) -> Result<JobDir, ClusterError> {
        let dir = self.job_dir(id)?;
        if dir.exists() {
            Ok(dir)
        } else {
            Err(self.not_found(id))
        }
    }
}

/// Runs a file read off the async threads: a log chunk can be megabytes.
async fn blocking<T: Send + 'static>(
    read: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, ClusterError> {
    match tokio::task::spawn_blocking(read).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(ClusterError::Unavailable(format!(
            "reading the job's output: {e}"
        ))),
        Err(e) => Err(ClusterError::Unavailable(format!(
            "reading the job's output: {e}"
        ))),
    }
}
