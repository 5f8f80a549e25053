//! Shared by the runtime's integration tests: a "process" that can die without warning, a runtime on a redb
//! file, waiting for an execution to settle, and the history check every test makes.

#![allow(dead_code, clippy::unwrap_used)] // not every test binary uses every helper

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

/// Waits (bounded) until the execution has left RUNNING; its record then.
pub async fn settled(rt: &Runtime, arn: &str) -> ExecutionRecord {
    for _ in 0..1000 {
        let r = rt.describe_execution(arn).unwrap();
        if r.status() != "RUNNING" {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{arn} did not finish");
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
