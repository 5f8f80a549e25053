//! Benchmark (c) of the durable-runtime issue: many executions parked on task tokens. It starts N Job
//! Poller executions (the shipped workflow; each parks in `JobQueueRequest` with a token, a heartbeat
//! timer and the execution's timeout timer), then measures:
//! - bytes on disk per execution (the redb file's size / N; goal <= 2 KiB);
//! - a fresh process's time from spawn to serving (store opened, runtime started, one callback durable),
//!   after a clean stop and after `kill -9` (goal <= 5 s);
//! - that process's resident memory after it has also answered 1,000 callbacks (goal <= 500 MB).
//!
//! The start rate is printed beside the fsync ceiling of the same disk.
//!
//! `cargo bench -p stepd-runtime --bench parked` (N = 1,000,000; `STEPD_PARKED=N` to change it).

mod common;
use common::fsync_ceiling;
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;
use stepd_runtime::{Config, Runtime};
use stepd_store::{Range, RedbStore, Store, Table};

const POLLER: &str = include_str!("../../../workflows/job-poller.asl.json");
const CLIENTS: usize = 1_000;

fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        serve(
            &args[i + 1],
            args.get(i + 2).map(String::as_str) == Some("--hang"),
        );
        return;
    }
    let n: usize = std::env::var("STEPD_PARKED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("stepd.redb");
    let ceiling = fsync_ceiling(dir.path());
    let started = Instant::now();
    tokio().block_on(async {
        let store = Arc::new(RedbStore::open(&path).expect("store"));
        let rt = Runtime::start(store, Config::default()).expect("runtime");
        let sm = rt.register("job-poller", POLLER).await.expect("register");
        let mut clients = Vec::new();
        for c in 0..CLIENTS {
            let (rt, sm) = (rt.clone(), sm.clone());
            clients.push(tokio::spawn(async move {
                for i in (c..n).step_by(CLIENTS) {
                    let job = json!({"job": {"name": format!("job-{i:07}"), "priority": i % 10,
                        "cpus": 4, "memoryMiB": 16384, "command": "spark-submit etl.py"}});
                    rt.start_execution(&sm, &format!("job-{i:07}"), job)
                        .await
                        .expect("start");
                }
            }));
        }
        for c in clients {
            c.await.expect("client");
        }
    });
    let build = started.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&path).expect("file").len();
    println!(
        "{n} Job Poller executions parked on task tokens (each also holds a heartbeat and a timeout timer)"
    );
    println!(
        "started in {build:.1} s ({:.0} starts/s durable; fsync ceiling {ceiling:.0}/s)",
        n as f64 / build
    );
    println!(
        "bytes on disk per execution: {:.0} (file {:.1} MiB; goal <= 2048)",
        bytes as f64 / n as f64,
        bytes as f64 / 1048576.0
    );
    let store = RedbStore::open(&path).expect("store");
    let mut per_table = Vec::new();
    for table in Table::ALL {
        let rows = store
            .scan(table, &Range::all(), usize::MAX, false)
            .expect("scan");
        let size: usize = rows.iter().map(|(k, v)| k.len() + v.len()).sum();
        if size > 0 {
            per_table.push(format!("{} {:.0}", table.name(), size as f64 / n as f64));
        }
    }
    drop(store);
    println!(
        "  of which keys + values per execution: {}",
        per_table.join(", ")
    );
    let dir_arg = path.to_str().expect("utf-8 path");
    let (ready, report) = restart(dir_arg, false);
    println!("after a clean stop: spawn -> serving {ready:.3} s (goal <= 5 s); {report}");
    let (ready, report) = restart(dir_arg, true);
    println!("after kill -9:      spawn -> serving {ready:.3} s (goal <= 5 s); {report}");
}

/// Spawns a serving process; answers (seconds to its "ready" line, its report). With `crash`, a first
/// process is killed with SIGKILL once it serves, and the measured one starts on the file it left.
fn restart(path: &str, crash: bool) -> (f64, String) {
    let exe = std::env::current_exe().expect("exe");
    if crash {
        let mut victim = Command::new(&exe)
            .args(["--serve", path, "--hang"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut line = String::new();
        let out = victim.stdout.take().expect("stdout");
        BufReader::new(out).read_line(&mut line).expect("line");
        victim.kill().expect("kill -9");
        victim.wait().expect("reap");
    }
    let start = Instant::now();
    let mut child = Command::new(&exe)
        .args(["--serve", path])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let ready = lines.next().expect("ready").expect("line");
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(ready, "ready", "the child said {ready}");
    let report = lines.next().expect("report").expect("line");
    child.wait().expect("reap");
    (elapsed, report)
}

/// The child: open, start, answer one callback durably, say "ready"; then answer 1,000 more (each
/// rebuilding a parked execution) and report memory. With `hang`, it waits to be killed after "ready",
/// in the middle of more callbacks.
fn serve(path: &str, hang: bool) {
    tokio().block_on(async {
        let store = Arc::new(RedbStore::open(path).expect("store"));
        let rt = Runtime::start(Arc::clone(&store) as Arc<dyn Store>, Config::default())
            .expect("runtime");
        let tokens: Vec<String> = store
            .scan(Table::Tokens, &Range::all(), 1_001, false)
            .expect("tokens")
            .into_iter()
            .filter_map(|(k, _)| stepd_store::KeyReader::new(&k).str())
            .collect();
        let placement = json!({"cluster": "slurm-a"});
        rt.send_task_success(&tokens[0], placement.clone())
            .await
            .expect("callback");
        println!("ready");
        std::io::stdout().flush().expect("flush");
        let start = Instant::now();
        let mut answered = 0;
        for t in &tokens[1..] {
            // After a crash some of these were answered by the killed process: TaskDoesNotExist then.
            if rt.send_task_success(t, placement.clone()).await.is_ok() {
                answered += 1;
            }
        }
        let per = start.elapsed().as_secs_f64() * 1e3 / (tokens.len() - 1) as f64;
        if hang {
            std::future::pending::<()>().await;
        }
        println!(
            "{answered} more callbacks on parked executions at {per:.2} ms each; RSS {} (peak {}; goal <= 500 MB)",
            status("VmRSS"),
            status("VmHWM")
        );
    });
}

fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .map(|l| l[field.len() + 1..].trim().to_string())
        .unwrap_or_default()
}
