//! The local cluster after a crash: the cluster and its runtime are dropped while jobs run and wait, and a
//! new one opened on the same directory finds every job again, running none twice.

mod common;

use common::*;
use std::path::Path;
use std::time::{Duration, Instant};
use stepd_adapter::{Cluster, JobState, Resources};
use stepd_cluster_local::LocalCluster;
use tokio::runtime::{Builder, Runtime};

const SOON: Duration = Duration::from_secs(10);

fn current_thread() -> std::io::Result<Runtime> {
    Builder::new_current_thread().enable_all().build()
}

/// Polls the file system (no cluster is open) until `path` exists.
fn wait_file(path: &Path, within: Duration) -> Result<(), String> {
    let deadline = Instant::now() + within;
    while !path.exists() {
        if Instant::now() > deadline {
            return Err(format!("{} did not appear", path.display()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

#[test]
fn jobs_are_found_again_after_a_crash() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("out");
    std::fs::create_dir(&out)?;
    let append = |file: &str| format!("echo ran >> '{}'", out.join(file).display());
    let slow = job("slow", &format!("sleep 2; {}", append("slow")), 1);
    let quick = job(
        "quick",
        &format!("sleep 0.3; {}; exit 4", append("quick")),
        1,
    );
    // Needs the whole cluster, so it waits for both.
    let big = job("big", &append("big"), 2);

    // The first life: a current-thread runtime runs nothing outside block_on, so once the cluster is
    // dropped and the runtime shut down, nothing of it is left, as after SIGKILL.
    let first = current_thread()?;
    let started_slow = first.block_on(async {
        let cluster = LocalCluster::open(config(dir.path(), 2, 1024))?;
        for spec in [slow.clone(), quick.clone(), big.clone()] {
            cluster.submit(spec).await?;
        }
        let slow = wait_state(cluster.as_ref(), "slow", JobState::Running, SOON).await?;
        wait_state(cluster.as_ref(), "quick", JobState::Running, SOON).await?;
        assert_eq!(cluster.status("big").await?.state, JobState::Pending);
        Ok::<_, Box<dyn std::error::Error>>(slow.started_ms)
    })?;
    first.shutdown_background();

    // While nobody watches, the quick job ends.
    wait_file(&dir.path().join("jobs/quick/exit"), SOON)?;

    let second = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    second.block_on(async {
        let cluster = LocalCluster::open(config(dir.path(), 2, 1024))?;
        let quick = wait_ended(cluster.as_ref(), "quick", SOON).await?;
        assert_eq!(
            (quick.state, quick.exit_code),
            (JobState::Failed, Some(4)),
            "{quick:?}"
        );
        let slow = cluster.status("slow").await?;
        assert_eq!(slow.state, JobState::Running, "{slow:?}");
        assert_eq!(slow.started_ms, started_slow);
        // The slow job still holds one CPU, so the big one waits for it.
        assert_eq!(cluster.status("big").await?.state, JobState::Pending);
        let used = cluster.capacity().await?.used;
        assert_eq!(used, Resources::new(1000, 64));
        let slow = wait_ended(cluster.as_ref(), "slow", SOON).await?;
        assert_eq!(slow.state, JobState::Completed, "{slow:?}");
        let big = wait_ended(cluster.as_ref(), "big", SOON).await?;
        assert_eq!(big.state, JobState::Completed, "{big:?}");
        // Submitting any of them again (as the runtime redelivers after a crash) runs nothing.
        for spec in [slow_spec(&dir), quick_spec(&dir)] {
            cluster.submit(spec).await?;
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    second.shutdown_timeout(Duration::from_secs(1));
    for file in ["slow", "quick", "big"] {
        assert_eq!(std::fs::read_to_string(out.join(file))?, "ran\n", "{file}");
    }
    Ok(())
}

fn slow_spec(dir: &tempfile::TempDir) -> stepd_adapter::JobSpec {
    job(
        "slow",
        &format!("echo again >> '{}'", dir.path().join("out/slow").display()),
        1,
    )
}

fn quick_spec(dir: &tempfile::TempDir) -> stepd_adapter::JobSpec {
    job(
        "quick",
        &format!("echo again >> '{}'", dir.path().join("out/quick").display()),
        1,
    )
}

#[test]
fn a_cancel_recorded_before_a_crash_is_carried_out_after_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let first = current_thread()?;
    let pgid = first.block_on(async {
        let cluster = LocalCluster::open(config(dir.path(), 1, 1024))?;
        cluster.submit(job("long", "sleep 60", 1)).await?;
        cluster.submit(job("queued", "echo ran", 1)).await?;
        let pgid = wait_pid(dir.path(), "long", SOON).await?;
        Ok::<_, Box<dyn std::error::Error>>(pgid)
    })?;
    first.shutdown_background();
    // The crash came between recording the cancellation and signalling the job.
    std::fs::write(dir.path().join("jobs/long/cancelled"), "0")?;
    let second = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    second.block_on(async {
        let cluster = LocalCluster::open(config(dir.path(), 1, 1024))?;
        let long = wait_ended(cluster.as_ref(), "long", SOON).await?;
        assert_eq!(long.state, JobState::Cancelled, "{long:?}");
        wait_group_gone(pgid, Duration::from_secs(3)).await?;
        let queued = wait_ended(cluster.as_ref(), "queued", SOON).await?;
        assert_eq!(queued.state, JobState::Completed, "{queued:?}");
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    second.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}
