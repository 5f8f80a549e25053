//! An execution that cannot be rebuilt is quarantined — failed with a clear cause — and the runtime goes on
//! serving every other one, now and after a restart; it never crash-loops on one bad execution.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use serde_json::json;
use std::sync::Arc;
use stepd_runtime::{Config, Runtime};
use stepd_store::{Batch, RedbStore, Store, Table};

use crate::common;
use common::{process, settled};

const WAITS: &str = r#"{"StartAt": "Nap", "States": {
  "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
  "Done": {"Type": "Pass", "Result": "woke", "End": true}}}"#;

/// Overwrites every journal entry whose key mentions `name` with bytes that are not a journal entry.
fn corrupt_journal(store: &RedbStore, name: &str) -> usize {
    let entries = store
        .scan(
            Table::Journal,
            &stepd_store::Range::all(),
            usize::MAX,
            false,
        )
        .unwrap();
    let mut batch = Batch::new();
    let mut n = 0;
    for (key, _) in entries {
        if key.windows(name.len()).any(|w| w == name.as_bytes()) {
            batch.put(Table::Journal, key, b"{\"not\": \"an entry\"".to_vec());
            n += 1;
        }
    }
    store.commit(&batch).unwrap();
    n
}

#[test]
fn an_unreadable_journal_fails_that_execution_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    let config = || Config {
        cache: 1, // every request rebuilds its execution from the store
        ..Config::default()
    };
    let (bad, good) = process().block_on(async {
        let rt = Runtime::start(Arc::new(RedbStore::open(&path).unwrap()), config()).unwrap();
        let sm = rt.register("waits", WAITS).await.unwrap();
        let bad = rt.start_execution(&sm, "bad", json!({})).await.unwrap();
        let good = rt.start_execution(&sm, "good", json!({})).await.unwrap();
        (bad, good)
    });
    // The "process" is gone (its timers pending); damage one execution's journal on disk.
    {
        let store = RedbStore::open(&path).unwrap();
        assert!(corrupt_journal(&store, ":bad") > 0, "found the journal");
    }
    // Restart twice: the timers are overdue, so the bad execution is met at once each time.
    for round in 0..2 {
        process().block_on(async {
            let rt = Runtime::start(Arc::new(RedbStore::open(&path).unwrap()), config()).unwrap();
            let b = settled(&rt, &bad).await;
            assert_eq!(b.status(), "FAILED", "round {round}");
            let Some(stepd_core::Outcome::Failed { error, cause }) = &b.outcome else {
                panic!("{:?}", b.outcome)
            };
            assert_eq!(error, "States.Runtime");
            assert!(
                cause.starts_with("stepd could not continue this execution and stopped it: "),
                "{cause}"
            );
            let g = settled(&rt, &good).await;
            assert_eq!(g.status(), "SUCCEEDED");
            // The server still answers about it: stopping a failed execution changes nothing.
            rt.stop_execution(&bad, None, None).await.unwrap();
        });
    }
}
