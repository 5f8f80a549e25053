//! Shared by the runtime's integration tests: a "process" that can die without warning, a runtime on a redb
//! file, waiting for an execution to settle, and the history check every test makes.

#![allow(clippy::unwrap_used)] // test code

use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use stepd_runtime::{Config, ExecutionRecord, Runtime};
use stepd_store::RedbStore;

/// One "process": a fresh tokio runtime; dropping it kills every task mid-flight, like kill -9 does.
pub fn process() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A runtime on the redb file at `path`.
pub fn open(path: &Path, config: Config) -> Runtime {
    Runtime::start(Arc::new(RedbStore::open(path).unwrap()), config).unwrap()
}

/// Waits until `done()` holds: it looks again after each commit the runtime announces, and at least every
/// 100 ms for what no commit announces (a retention sweep); it fails after 10 seconds.
pub async fn until(rt: &Runtime, what: &str, mut done: impl FnMut() -> bool) {
    let mut changes = rt.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        let now = tokio::time::Instant::now();
        assert!(now < deadline, "not within 10 s: {what}");
        let _ = tokio::time::timeout(
            (deadline - now).min(Duration::from_millis(100)),
            changes.recv(),
        )
        .await;
    }
}

/// Waits (as `until`) for the execution to leave RUNNING; its record then.
pub async fn settled(rt: &Runtime, arn: &str) -> ExecutionRecord {
    let running = || rt.describe_execution(arn).unwrap().status() == "RUNNING";
    until(rt, &format!("{arn} finishes"), || !running()).await;
    rt.describe_execution(arn).unwrap()
}

/// History ids are 1, 2, 3, … with no gap and no duplicate.
pub fn ids_are_contiguous(history: &[Value]) {
    for (i, e) in history.iter().enumerate() {
        assert_eq!(
            e["id"],
            json!(i + 1),
            "history has a gap or a duplicate at {i}: {e}"
        );
    }
}
