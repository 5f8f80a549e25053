//! The local cluster running real processes: exit codes and output, the capacity it enforces, submit by
//! name, cancel, time limits and the memory limit.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::time::Duration;
use stepd_adapter::{Cluster, ClusterError, JobState, LogStream, Resources};
use stepd_cluster_local::{Error, LocalCluster};

const SOON: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread")]
async fn a_job_completes_with_its_output_and_environment() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cluster = LocalCluster::open(config(dir.path(), 2, 1024))?;
    let mut spec = job(
        "hello",
        "echo hello; echo \"$STEPD_JOB_ID $STEPD_CPUS $STEPD_MEMORY_MIB $GREETING\"; pwd; echo note >&2",
        1,
    );
    spec.demand = Resources::new(1500, 100);
    spec.env = BTreeMap::from([("GREETING".to_string(), "hi".to_string())]);
    let id = cluster.submit(spec).await?;
    assert_eq!(id, "hello");
    let status = wait_ended(cluster.as_ref(), &id, SOON).await?;
    assert_eq!(status.state, JobState::Completed, "{status:?}");
    assert_eq!(status.exit_code, Some(0));
    assert!(status.started_ms.is_some() && status.ended_ms >= status.started_ms);
    let out = cluster.logs(&id, LogStream::Stdout, 0, 1 << 20).await?;
    let job_dir = std::fs::canonicalize(dir.path())?.join("jobs/hello");
    let expected = format!("hello\nstepd-hello 2 100 hi\n{}\n", job_dir.display());
    assert_eq!(out.data, expected);
    assert_eq!(out.next, expected.len() as u64);
    let rest = cluster.logs(&id, LogStream::Stdout, 6, 11).await?;
    assert_eq!((rest.data.as_str(), rest.next), ("stepd-hello", 17));
    assert_eq!(cluster.error_tail(&id, 100).await?, "note\n");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_job_reports_its_exit_code_and_error_output() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cluster = LocalCluster::open(config(dir.path(), 2, 1024))?;
    let id = cluster
        .submit(job(
            "bad",
            "echo starting; echo 'it broke: no input' >&2; exit 3",
            1,
        ))
        .await?;
    let status = wait_ended(cluster.as_ref(), &id, SOON).await?;
    assert_eq!(status.state, JobState::Failed, "{status:?}");
    assert_eq!(status.exit_code, Some(3));
    assert_eq!(cluster.error_tail(&id, 4096).await?, "it broke: no input\n");
    assert_eq!(cluster.error_tail(&id, 9).await?, "no input\n");
    let missing = cluster
        .submit(job("missing", "exec /no/such/program", 1))
        .await?;
    let status = wait_ended(cluster.as_ref(), &missing, SOON).await?;
    assert_eq!(
        (status.state, status.exit_code),
        (JobState::Failed, Some(127))
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_jobs_and_impossible_submissions_are_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cluster = LocalCluster::open(config(dir.path(), 2, 1024))?;
    for id in ["nope", "..", "", "a/b"] {
        let e = cluster.status(id).await.expect_err("unknown");
        assert!(matches!(e, ClusterError::JobNotFound(_)), "{id:?}: {e:?}");
        assert!(matches!(
            cluster.cancel(id).await,
            Err(ClusterError::JobNotFound(_))
        ));
    }
    let mut empty = job("empty", "", 1);
    empty.command.clear();
    let mut no_cpu = job("no-cpu", "true", 1);
    no_cpu.demand.cpu_milli = 0;
    let too_big = job("too-big", "true", 3);
    let mut too_much_memory = job("too-much-memory", "true", 1);
    too_much_memory.demand.memory_mib = 2048;
    for (name, spec) in [
        ("..", job("..", "true", 1)),
        (".", job(".", "true", 1)),
        ("empty name", job("", "true", 1)),
        ("empty", empty),
        ("no-cpu", no_cpu),
        ("too-big", too_big),
        ("too-much-memory", too_much_memory),
    ] {
        let e = cluster.submit(spec).await.expect_err(name);
        assert!(matches!(e, ClusterError::Rejected(_)), "{name}: {e:?}");
    }
    // A refused submission leaves nothing behind: the name can still be submitted properly.
    assert_eq!(cluster.submit(job("no-cpu", "true", 1)).await?, "no-cpu");
    assert!(matches!(
        LocalCluster::open(config(dir.path(), 1, 64)),
        Err(Error::Locked(_))
    ));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn capacity_is_enforced_in_submit_order() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cluster = LocalCluster::open(config(dir.path(), 2, 1024))?;
    let ids = [
        cluster.submit(job("one", "sleep 1", 1)).await?,
        cluster.submit(job("two", "sleep 1", 1)).await?,
        cluster.submit(job("three", "sleep 1", 1)).await?,
    ];
    let (mut most_running, mut third_waited) = (0, false);
    let deadline = std::time::Instant::now() + SOON;
    loop {
        let mut states = Vec::new();
        for id in &ids {
            states.push(cluster.status(id).await?.state);
        }
        let capacity = cluster.capacity().await?;
        assert!(
            capacity.used.fits(capacity.total),
            "{capacity:?} {states:?}"
        );
        let running = states.iter().filter(|s| **s == JobState::Running).count();
        assert!(running <= 2, "{states:?}");
        most_running = most_running.max(running);
        third_waited |= states == [JobState::Running, JobState::Running, JobState::Pending];
        if states.iter().all(|s| *s == JobState::Completed) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{states:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(most_running, 2);
    assert!(third_waited, "the third job never waited for room");
    // The third started only once one of the first two had ended.
    let ended: Vec<_> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(wait_ended(cluster.as_ref(), id, SOON).await?);
        }
        v
    };
    let first_end = ended[0].ended_ms.min(ended[1].ended_ms);
    assert!(ended[2].started_ms >= first_end, "{ended:?}");
    assert_eq!(cluster.capacity().await?.used, Resources::default());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn submitting_the_same_name_again_attaches() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ran = dir.path().join("ran");
    let cluster = LocalCluster::open(config(dir.path(), 2, 1024))?;
    let script = format!("sleep 0.2; echo once >> '{}'", ran.display());
    let first = cluster.submit(job("same", &script, 1)).await?;
    let second = cluster.submit(job("same", &script, 1)).await?;
    assert_eq!(first, second);
    wait_ended(cluster.as_ref(), &first, SOON).await?;
    // Even once it has ended, the name finds the same job rather than running it again.
    assert_eq!(cluster.submit(job("same", &script, 1)).await?, first);
    let status = cluster.status(&first).await?;
    assert_eq!(status.state, JobState::Completed);
    assert_eq!(std::fs::read_to_string(&ran)?, "once\n");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_a_running_job_ends_its_process_group() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cluster = LocalCluster::open(config(dir.path(), 2, 1024))?;
    let id = cluster
        .submit(job("long", "sleep 60 & sleep 60; wait", 1))
        .await?;
    wait_state(cluster.as_ref(), &id, JobState::Running, SOON).await?;
    let pgid = wait_pid(dir.path(), &id, SOON).await?;
    assert!(!group_members(pgid).is_empty());
    cluster.cancel(&id).await?;
    assert_eq!(cluster.status(&id).await?.state, JobState::Cancelled);
    let status = wait_ended(cluster.as_ref(), &id, SOON).await?;
    assert_eq!(status.state, JobState::Cancelled, "{status:?}");
    wait_group_gone(pgid, Duration::from_secs(3)).await?;
    assert_eq!(cluster.capacity().await?.used, Resources::default());
    // Cancelling an ended job is not an error, and changes nothing.
    cluster.cancel(&id).await?;
    assert_eq!(cluster.status(&id).await?, status);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_that_ignores_sigterm_gets_sigkill() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cluster = LocalCluster::open(config(dir.path(), 2, 1024))?;
    let id = cluster
        .submit(job("stubborn", "trap '' TERM; sleep 60", 1))
        .await?;
    let pgid = wait_pid(dir.path(), &id, SOON).await?;
    cluster.cancel(&id).await?;
    let status = wait_ended(cluster.as_ref(), &id, SOON).await?;
    assert_eq!(status.state, JobState::Cancelled, "{status:?}");
    wait_group_gone(pgid, Duration::from_secs(3)).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_pending_job_never_starts() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cluster = LocalCluster::open(config(dir.path(), 1, 1024))?;
    let blocker = cluster.submit(job("blocker", "sleep 60", 1)).await?;
    let waiting = cluster.submit(job("waiting", "echo ran", 1)).await?;
    wait_state(cluster.as_ref(), &blocker, JobState::Running, SOON).await?;
    assert_eq!(cluster.status(&waiting).await?.state, JobState::Pending);
    cluster.cancel(&waiting).await?;
    let status = cluster.status(&waiting).await?;
    assert_eq!(
        (status.state, status.started_ms),
        (JobState::Cancelled, None)
    );
    cluster.cancel(&blocker).await?;
    // A job submitted after it would start after it: once that one has run, the cancelled one has
    // had every chance to start, and must not have.
    let later = cluster.submit(job("later", "true", 1)).await?;
    wait_ended(cluster.as_ref(), &later, SOON).await?;
    assert_eq!(cluster.status(&later).await?.state, JobState::Completed);
    assert_eq!(cluster.status(&waiting).await?, status);
    assert!(!dir.path().join("jobs/waiting/started").exists());
    assert_eq!(
        cluster
            .logs(&waiting, LogStream::Stdout, 0, 100)
            .await?
            .data,
        ""
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_past_its_time_limit_times_out() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cluster = LocalCluster::open(config(dir.path(), 2, 1024))?;
    let mut spec = job("slow", "sleep 60", 1);
    spec.time_limit_seconds = Some(1);
    let id = cluster.submit(spec).await?;
    let pgid = wait_pid(dir.path(), &id, SOON).await?;
    let status = wait_ended(cluster.as_ref(), &id, SOON).await?;
    assert_eq!(status.state, JobState::Timeout, "{status:?}");
    let ran_for = status.ended_ms.unwrap_or(0) - status.started_ms.unwrap_or(0);
    // ended_ms comes from the exit file's mtime, which the kernel stamps from a clock a few ms coarser
    // than the one started_ms is read from.
    assert!((900..5000).contains(&ran_for), "{status:?}");
    wait_group_gone(pgid, Duration::from_secs(3)).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_whose_process_vanishes_fails_as_lost() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cluster = LocalCluster::open(config(dir.path(), 2, 1024))?;
    let id = cluster.submit(job("lost", "sleep 60", 1)).await?;
    let pid = wait_pid(dir.path(), &id, SOON).await?;
    let wrapper = rustix::process::Pid::from_raw(pid).ok_or("pid 0")?;
    rustix::process::kill_process(wrapper, rustix::process::Signal::KILL)?;
    let status = wait_ended(cluster.as_ref(), &id, SOON).await?;
    assert_eq!(
        (status.state, status.exit_code),
        (JobState::Failed, None),
        "{status:?}"
    );
    assert_eq!(
        status.reason.as_deref(),
        Some("the job's process ended without reporting (killed?)")
    );
    // What it left running (the sleep) ends with it.
    wait_group_gone(pid, Duration::from_secs(3)).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_is_held_to_the_demand() -> TestResult {
    let dir = tempfile::tempdir()?;
    let allocate = |name: &str| {
        let mut spec = job(name, "", 1);
        spec.command = vec![
            "python3".into(),
            "-c".into(),
            "x = bytearray(512 * 1024 * 1024)".into(),
        ];
        spec
    };
    let held = LocalCluster::open(config(&dir.path().join("held"), 2, 1024))?;
    let id = held.submit(allocate("greedy")).await?;
    let status = wait_ended(held.as_ref(), &id, SOON).await?;
    assert_eq!(status.state, JobState::Failed, "{status:?}");
    assert!(matches!(status.exit_code, Some(c) if c != 0), "{status:?}");
    assert!(held.error_tail(&id, 4096).await?.contains("MemoryError"));
    // The same job where memory is not enforced runs: the failure above was the limit's doing.
    let mut free_config = config(&dir.path().join("free"), 2, 1024);
    free_config.enforce_memory = false;
    let free = LocalCluster::open(free_config)?;
    let id = free.submit(allocate("greedy")).await?;
    let status = wait_ended(free.as_ref(), &id, SOON).await?;
    assert_eq!(status.state, JobState::Completed, "{status:?}");
    Ok(())
}
