//! A store whose commits start failing (a full disk): the writer stops, and every write asked of it then,
//! pending or later, is answered `Unavailable` with the store's cause; reads go on; nothing panics.

#![allow(clippy::unwrap_used)] // test code

use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use stepd_runtime::{Config, Error, ExecutionFilter, Runtime};
use stepd_store::{Batch, Entry, MemoryStore, Range, Store, Table};

use crate::common;
use common::process;

/// `MemoryStore`, whose commits fail once `full` is set, as redb's do on ENOSPC.
#[derive(Default)]
struct FillingStore {
    inner: MemoryStore,
    full: AtomicBool,
}

const CAUSE: &str = "No space left on device (os error 28)";

impl Store for FillingStore {
    fn commit(&self, batch: &Batch) -> Result<(), stepd_store::Error> {
        if self.full.load(Ordering::SeqCst) {
            return Err(stepd_store::Error::Io(CAUSE.into()));
        }
        self.inner.commit(batch)
    }

    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, stepd_store::Error> {
        self.inner.get(table, key)
    }

    fn scan(
        &self,
        table: Table,
        range: &Range,
        limit: usize,
        reverse: bool,
    ) -> Result<Vec<Entry>, stepd_store::Error> {
        self.inner.scan(table, range, limit, reverse)
    }
}

const CALLBACK: &str = r#"{"StartAt": "Queue", "States": {
  "Queue": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token"}, "End": true}}}"#;

fn unavailable<T: std::fmt::Debug>(r: Result<T, Error>, what: &str) {
    match r {
        Err(Error::Unavailable(cause)) => assert!(cause.contains(CAUSE), "{what}: {cause}"),
        other => panic!("{what}: expected Unavailable with the cause, got {other:?}"),
    }
}

/// Before: a failed commit dropped every caller's reply, which they saw as `Closed` ("the runtime has
/// stopped"), with the store's cause lost (nothing logged it either).
#[test]
fn a_failed_commit_answers_every_write_with_its_cause_and_reads_go_on() {
    let store = Arc::new(FillingStore::default());
    process().block_on(async {
        let rt = Runtime::start(Arc::clone(&store) as Arc<dyn Store>, Config::default()).unwrap();
        let sm = rt.register("m", CALLBACK).await.unwrap();
        let before = rt
            .start_execution(&sm, "before", json!({"n": 1}))
            .await
            .unwrap();
        let token = rt.pending_tokens().unwrap().pop().unwrap();
        let activity = rt.create_activity("work").await.unwrap();
        // A worker already waiting when the disk fills: its request is pending in the writer.
        let waiting = {
            let rt = rt.clone();
            let activity = activity.clone();
            tokio::spawn(async move {
                rt.get_activity_task(&activity, Duration::from_secs(60))
                    .await
            })
        };
        tokio::task::yield_now().await;

        store.full.store(true, Ordering::SeqCst);
        // Several writes at once, so that some share the failing group and others queue behind it.
        let starts: Vec<_> = (0..8)
            .map(|i| {
                let (rt, sm) = (rt.clone(), sm.clone());
                tokio::spawn(
                    async move { rt.start_execution(&sm, &format!("e{i}"), json!({})).await },
                )
            })
            .collect();
        for s in starts {
            unavailable(s.await.unwrap(), "a start in or after the failing group");
        }
        unavailable(
            tokio::time::timeout(Duration::from_secs(10), waiting)
                .await
                .expect("the waiting worker is answered at once, not after its 60 s")
                .unwrap(),
            "a worker waiting for an activity task",
        );
        unavailable(
            rt.send_task_success(&token, json!({})).await,
            "a later callback",
        );
        unavailable(rt.stop_execution(&before, None, None).await, "a later stop");
        unavailable(rt.create_activity("other").await, "a later create");

        // Reads are answered from what was committed.
        assert_eq!(rt.describe_execution(&before).unwrap().status(), "RUNNING");
        assert!(!rt.history(&before).unwrap().is_empty());
        let filter = ExecutionFilter {
            status: None,
            redriven: None,
        };
        let (listed, _) = rt.list_executions(&sm, &filter, None, 100).unwrap();
        assert_eq!(listed.len(), 1, "only the committed execution is listed");
        assert!(rt.state_machine(&sm).is_ok());
    });
}
