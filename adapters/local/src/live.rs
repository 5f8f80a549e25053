//! The jobs that have not ended, in memory: what each is doing, how a running one is followed and
//! stopped, and how a job is found again from its files after a restart. Ended jobs are not kept here;
//! their `status.json` answers for them.

use crate::job::{self, JobDir};
use crate::process::{self, signal_group};
use rustix::process::Signal;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use stepd_adapter::{JobSpec, JobState, JobStatus, Resources};

/// How long a stopped job has between SIGTERM and SIGKILL.
pub(crate) const KILL_AFTER: Duration = Duration::from_secs(5);
/// How long a wrapper that has taken the run-once lock is given to write its pid before the job is taken
/// for lost (the two are a few microseconds apart unless the wrapper was killed in between).
const PID_GRACE_MS: u64 = 10_000;

pub(crate) const LOST: &str = "the job's process ended without reporting (killed?)";

/// The jobs not yet ended, and the queue of those waiting for room.
#[derive(Default)]
pub(crate) struct Index {
    pub(crate) jobs: HashMap<String, Live>,
    /// Pending jobs by (submit sequence, name): the order they start in.
    pub(crate) queue: BTreeSet<(u64, String)>,
    pub(crate) next_seq: u64,
    /// Ended jobs whose `status.json` could not be written (a full disk): answered from here until the
    /// next restart, which works their end out again from their files.
    pub(crate) unrecorded: HashMap<String, JobStatus>,
}

impl Index {
    /// What the running jobs hold.
    pub(crate) fn used(&self) -> Resources {
        self.jobs
            .values()
            .filter(|j| matches!(j.phase, Phase::Running(_)))
            .fold(Resources::default(), |sum, j| {
                sum.saturating_add(j.spec.demand)
            })
    }
}

/// One job not yet ended.
pub(crate) struct Live {
    pub(crate) seq: u64,
    pub(crate) spec: JobSpec,
    pub(crate) dir: JobDir,
    pub(crate) phase: Phase,
}

pub(crate) enum Phase {
    Pending,
    Running(Run),
}

/// Why a running job is being stopped (what its end will be reported as).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    Cancelled,
    Timeout,
}

/// A running job, as far as it is followed.
pub(crate) struct Run {
    pub(crate) started_ms: u64,
    /// The wrapper's pid, which is also its process group's id. `None` only for a job found again after a
    /// restart whose wrapper has taken its lock but not yet written its pid.
    pub(crate) pid: Option<i32>,
    /// Set by the task that waits on the wrapper, when it was launched by this process: then the wrapper
    /// is alive exactly while this is false, with no /proc reading.
    pub(crate) own: Option<Arc<AtomicBool>>,
    /// Whether the run-once lock was already taken when this process launched its wrapper (a wrapper
    /// launched before a crash holds it): only then can another wrapper be the job once ours has left.
    pub(crate) lock_taken_before: bool,
    pub(crate) stop: Option<Stop>,
    pub(crate) term_at: Option<Instant>,
    pub(crate) kill_sent: bool,
}

impl Live {
    /// What `status` says of it.
    pub(crate) fn status(&self) -> JobStatus {
        let (state, reason, started_ms) = match &self.phase {
            Phase::Pending => (JobState::Pending, None, None),
            Phase::Running(run) => {
                let (state, reason) = match run.stop {
                    None => (JobState::Running, None),
                    // The stop is durable (its marker is written) and decides how the job ends, so it is
                    // reported at once, while its processes are still being ended.
                    Some(Stop::Cancelled) => (JobState::Cancelled, Some("cancelled")),
                    Some(Stop::Timeout) => (JobState::Timeout, Some("ran past its time limit")),
                };
                (state, reason, Some(run.started_ms))
            }
        };
        JobStatus {
            state,
            exit_code: None,
            reason: reason.map(str::to_string),
            started_ms,
            ended_ms: None,
        }
    }
}

impl Run {
    /// Whether the job's wrapper is still there.
    pub(crate) fn alive(&mut self, dir: &JobDir, now_ms: u64) -> bool {
        if let Some(exited) = &self.own {
            if !exited.load(Ordering::Acquire) {
                return true;
            }
            self.own = None;
            match dir.read_number::<i32>(job::PID) {
                // Ours wrote the pid and has ended.
                Some(p) if Some(p) == self.pid => return false,
                // Ours found the run-once lock taken by a wrapper launched before a crash, and left:
                // that one is the job, follow it.
                Some(p) => self.pid = Some(p),
                // Ours took the lock and ended before its pid was written (a TERM can end the `mv`):
                // it is gone, and nothing else holds the job.
                None if dir.has(job::STARTED) && self.lock_taken_before => self.pid = None,
                None => return false,
            }
        }
        if self.pid.is_none() {
            self.pid = dir.read_number(job::PID);
        }
        match self.pid {
            Some(pid) => process::is_wrapper(pid, dir.path()),
            None => dir
                .mtime_ms(job::STARTED)
                .is_some_and(|t| now_ms.saturating_sub(t) < PID_GRACE_MS),
        }
    }

    /// Moves a stopping job along: SIGTERM to its process group, SIGKILL once [`KILL_AFTER`] has passed.
    /// Only a group known to be this job's is signalled: our own wrapper not yet reaped, or a pid checked
    /// to be this job's wrapper just now, so a reused pid is never signalled.
    pub(crate) fn signal(&mut self, dir: &JobDir, now: Instant) {
        let Some(pgid) = self.pid else { return };
        let ours = match &self.own {
            Some(exited) => !exited.load(Ordering::Acquire),
            None => process::is_wrapper(pgid, dir.path()),
        };
        if !ours {
            return;
        }
        match self.term_at {
            None => {
                signal_group(pgid, Signal::TERM);
                self.term_at = Some(now);
            }
            Some(t) if !self.kill_sent && now.duration_since(t) >= KILL_AFTER => {
                tracing::info!(pgid, "the job outlived SIGTERM by 5 s; sending SIGKILL");
                signal_group(pgid, Signal::KILL);
                self.kill_sent = true;
            }
            Some(_) => {}
        }
    }

    /// How the job ended, from its files, once its wrapper is gone.
    pub(crate) fn ended(&self, dir: &JobDir, spec: &JobSpec, now_ms: u64) -> JobStatus {
        let exit: Option<i32> = dir.read_number(job::EXIT);
        // The exit file's mtime is when the command ended, even if nobody was watching then. The kernel
        // stamps it from a coarser clock than the one started_ms was read from, hence the max.
        let ended_ms = exit
            .and_then(|_| dir.mtime_ms(job::EXIT))
            .unwrap_or(now_ms)
            .max(self.started_ms);
        let (state, reason) = match (self.stop, exit) {
            (Some(Stop::Cancelled), _) => (JobState::Cancelled, "cancelled".to_string()),
            (Some(Stop::Timeout), _) => (
                JobState::Timeout,
                format!(
                    "ran past its time limit of {} s",
                    spec.time_limit_seconds.unwrap_or_default()
                ),
            ),
            (None, Some(0)) => (JobState::Completed, String::new()),
            (None, Some(code)) if code > 128 && code < 128 + 65 => (
                JobState::Failed,
                format!(
                    "the command exited with status {code} (how a shell reports death by signal {})",
                    code - 128
                ),
            ),
            (None, Some(code)) => (
                JobState::Failed,
                format!("the command exited with status {code}"),
            ),
            (None, None) => (JobState::Failed, LOST.to_string()),
        };
        JobStatus {
            state,
            exit_code: exit,
            reason: (!reason.is_empty()).then_some(reason),
            started_ms: Some(self.started_ms),
            ended_ms: Some(ended_ms),
        }
    }
}

/// A job directory as found when the cluster opens.
pub(crate) enum Found {
    /// Its `status.json` is written: nothing more to do.
    Ended,
    /// It ended while nobody was watching, or cannot run: record this status.
    Finish(JobStatus),
    Live(Live),
}

/// Works out where a job is from its files: not started (and not cancelled) → pending again; started →
/// running, followed by its pid file (the first tick sees whether it has ended meanwhile).
pub(crate) fn recover(dir: JobDir, capacity: Resources, now_ms: u64) -> (Option<u64>, Found) {
    let seq = dir.read_number(job::SEQ);
    match dir.read_status() {
        Ok(Some(_)) => return (seq, Found::Ended),
        Ok(None) => {}
        // status.json is written by rename, so it is never half there; an unreadable one is worked out
        // again from the other files rather than trusted.
        Err(e) => tracing::warn!(dir = %dir.path().display(), error = %e, "unreadable status.json"),
    }
    let spec = match dir.read_spec() {
        Ok(spec) => spec,
        Err(why) => {
            return (
                seq,
                Found::Finish(failed(format!("the job cannot be read: {why}"))),
            );
        }
    };
    let phase = if !dir.has(job::STARTED) {
        if dir.has(job::CANCELLED) {
            let mut status = failed("cancelled".into());
            status.state = JobState::Cancelled;
            status.ended_ms = Some(dir.mtime_ms(job::CANCELLED).unwrap_or(now_ms));
            return (seq, Found::Finish(status));
        }
        if !spec.demand.fits(capacity) {
            return (
                seq,
                Found::Finish(failed(format!(
                    "the job demands {} mCPU and {} MiB, more than this cluster now has ({} mCPU, {} MiB)",
                    spec.demand.cpu_milli,
                    spec.demand.memory_mib,
                    capacity.cpu_milli,
                    capacity.memory_mib
                ))),
            );
        }
        Phase::Pending
    } else {
        let stop = if dir.has(job::CANCELLED) {
            Some(Stop::Cancelled)
        } else if dir.has(job::TIMEOUT) {
            Some(Stop::Timeout)
        } else {
            None
        };
        Phase::Running(Run {
            started_ms: dir
                .read_number(job::STARTED_MS)
                .or_else(|| dir.mtime_ms(job::STARTED))
                .unwrap_or(now_ms),
            pid: dir.read_number(job::PID),
            own: None,
            lock_taken_before: true,
            stop,
            term_at: None,
            kill_sent: false,
        })
    };
    let live = Live {
        seq: seq.unwrap_or(u64::MAX),
        spec,
        dir,
        phase,
    };
    (seq, Found::Live(live))
}

/// A FAILED status that never ran.
pub(crate) fn failed(reason: String) -> JobStatus {
    JobStatus {
        state: JobState::Failed,
        exit_code: None,
        reason: Some(reason),
        started_ms: None,
        ended_ms: Some(crate::machine::now_ms()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exited_run(lock_taken_before: bool) -> Run {
        Run {
            started_ms: 0,
            pid: Some(4_000_000),
            own: Some(Arc::new(AtomicBool::new(true))),
            lock_taken_before,
            stop: Some(Stop::Cancelled),
            term_at: None,
            kill_sent: false,
        }
    }

    /// Our wrapper took the lock and was ended (a TERM can end its `mv`) before its pid file was
    /// written: the job has ended at once, not after a grace period meant for a wrapper of an earlier life.
    #[test]
    fn our_wrapper_gone_before_its_pid_was_written_has_ended() {
        let jobs = tempfile::tempdir().expect("dir");
        let dir = JobDir::new(jobs.path(), "j");
        std::fs::create_dir_all(dir.file(job::STARTED)).expect("lock");
        assert!(
            !exited_run(false).alive(&dir, 1),
            "ours held the lock and is gone"
        );
        // A lock taken before ours launched belongs to an earlier wrapper, which may still write its pid.
        assert!(exited_run(true).alive(&dir, 1));
    }
}
