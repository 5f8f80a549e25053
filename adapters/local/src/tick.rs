//! The background task: every tick it follows the running jobs (ending them when their wrapper is gone,
//! stopping those past their time limit) and then starts, in submit order, each pending job that fits in
//! what is free.

use crate::cluster::LocalCluster;
use crate::job;
use crate::live::{Index, Phase, Run, Stop};
use crate::machine::now_ms;
use crate::process::{self, Launch, signal_group};
use rustix::process::Signal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use stepd_adapter::JobStatus;
use tokio::sync::Notify;

/// How often running jobs are looked at when nothing wakes the task sooner (a submit, a cancel or a
/// wrapper of ours ending all do).
const TICK: Duration = Duration::from_millis(200);

/// Runs until the cluster is dropped. It holds the cluster only for the length of a tick, so dropping the
/// last `Arc<LocalCluster>` ends it (and releases the directory's lock).
pub(crate) async fn background(cluster: Weak<LocalCluster>, wake: Arc<Notify>) {
    loop {
        match cluster.upgrade() {
            Some(c) => c.tick(),
            None => return,
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(TICK) => {}
        }
    }
}

impl LocalCluster {
    pub(crate) fn tick(&self) {
        let mut index = self.lock();
        let (now, now_ms) = (Instant::now(), now_ms());
        let running: Vec<String> = index
            .jobs
            .iter()
            .filter(|(_, j)| matches!(j.phase, Phase::Running(_)))
            .map(|(name, _)| name.clone())
            .collect();
        for name in running {
            if let Some(status) = self.follow(&mut index, &name, now, now_ms) {
                self.finish(&mut index, &name, status);
            }
        }
        self.pump(&mut index, now_ms);
    }

    /// One running job: its end if it has ended.
    fn follow(
        &self,
        index: &mut Index,
        name: &str,
        now: Instant,
        now_ms: u64,
    ) -> Option<JobStatus> {
        let live = index.jobs.get_mut(name)?;
        let Phase::Running(run) = &mut live.phase else {
            return None;
        };
        if run.stop.is_none()
            && let Some(limit) = live.spec.time_limit_seconds
            && now_ms.saturating_sub(run.started_ms) >= limit.saturating_mul(1000)
            && !live.dir.has(job::EXIT)
        {
            // The marker first, so that a restart in the middle of the kill still reports TIMEOUT.
            if let Err(e) = live.dir.mark(job::TIMEOUT, now_ms) {
                tracing::warn!(cluster = %self.name, job = %name, error = %e, "could not record the timeout");
            }
            tracing::info!(cluster = %self.name, job = %name, limit_s = limit,
                "job ran past its time limit; sending SIGTERM");
            run.stop = Some(Stop::Timeout);
        }
        if run.alive(&live.dir, now_ms) {
            if run.stop.is_some() {
                run.signal(&live.dir, now);
            }
            return None;
        }
        let status = run.ended(&live.dir, &live.spec, now_ms);
        if status.exit_code.is_none() && run.stop.is_none() {
            tracing::warn!(cluster = %self.name, job = %name, pid = ?run.pid,
                "the job's process ended without reporting its exit status");
        }
        Some(status)
    }

    /// Starts, in submit order, each pending job that fits in what the running jobs leave free.
    fn pump(&self, index: &mut Index, now_ms: u64) {
        let mut free = self.capacity.saturating_sub(index.used());
        let queued: Vec<(u64, String)> = index.queue.iter().cloned().collect();
        for key in queued {
            let Some(live) = index.jobs.get_mut(&key.1) else {
                index.queue.remove(&key);
                continue;
            };
            let demand = live.spec.demand;
            if !demand.fits(free) {
                continue;
            }
            index.queue.remove(&key);
            match self.start(&key.1, index, now_ms) {
                Ok(()) => free = free.saturating_sub(demand),
                Err(why) => {
                    tracing::warn!(cluster = %self.name, job = %key.1, error = %why, "the job could not be started");
                    let mut status =
                        crate::live::failed(format!("the job could not be started: {why}"));
                    status.started_ms = Some(now_ms);
                    self.finish(index, &key.1, status);
                }
            }
        }
    }

    /// Launches a pending job's wrapper and a task that waits on it, so it is reaped as soon as it ends.
    fn start(&self, name: &str, index: &mut Index, now_ms: u64) -> Result<(), std::io::Error> {
        let Some(live) = index.jobs.get_mut(name) else {
            return Ok(());
        };
        // Not when the run-once lock is taken: then a wrapper launched before a crash is the job, and its
        // start time is the one that counts (ours will find the lock and leave).
        let lock_taken_before = live.dir.has(job::STARTED);
        if !lock_taken_before {
            live.dir.write_number(job::STARTED_MS, now_ms)?;
        }
        let mut child = process::spawn(&Launch {
            dir: &live.dir,
            spec: &live.spec,
            enforce_memory: self.enforce_memory,
        })?;
        let pid = child.id().and_then(|p| i32::try_from(p).ok());
        let exited = Arc::new(AtomicBool::new(false));
        let (flag, wake, job) = (exited.clone(), self.wake.clone(), name.to_string());
        tokio::spawn(async move {
            if let Err(e) = child.wait().await {
                tracing::warn!(job = %job, error = %e, "waiting on the job's wrapper");
            }
            // A job is its process group: what it left running in the background ends with it. The
            // wrapper was just reaped, so its pid cannot have been reused in between.
            if let Some(pgid) = pid {
                signal_group(pgid, Signal::KILL);
            }
            flag.store(true, Ordering::Release);
            wake.notify_one();
        });
        tracing::info!(cluster = %self.name, job = %name, pid = ?pid, cpu_milli = live.spec.demand.cpu_milli,
            memory_mib = live.spec.demand.memory_mib, "job started");
        live.phase = Phase::Running(Run {
            started_ms: live.dir.read_number(job::STARTED_MS).unwrap_or(now_ms),
            pid,
            own: Some(exited),
            lock_taken_before,
            stop: None,
            term_at: None,
            kill_sent: false,
        });
        Ok(())
    }
}
