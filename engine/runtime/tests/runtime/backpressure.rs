//! Back-pressure: client requests wait for the writer in a bounded queue; past it they are refused at once
//! with `Error::Throttled` (the API's retryable ThrottlingException), and a refused request left nothing
//! behind, while every accepted one was done.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use serde_json::json;
use stepd_runtime::{Config, Error};

use crate::common;
use common::{open, process};

#[test]
fn a_full_queue_refuses_at_once_and_every_accepted_request_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        queue: 2,
        ..Config::default()
    };
    process().block_on(async {
        let rt = open(&dir.path().join("stepd.redb"), config);
        let sm = rt
            .register(
                "m",
                r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#,
            )
            .await
            .unwrap();
        // Far more starts at once than the queue holds: while the writer commits one group (an fsync),
        // the others find the queue full.
        let starts: Vec<_> = (0..300)
            .map(|i| {
                let rt = rt.clone();
                let sm = sm.clone();
                tokio::spawn(async move {
                    rt.start_execution(&sm, &format!("e{i}"), json!({"i": i}))
                        .await
                })
            })
            .collect();
        let (mut accepted, mut throttled) = (Vec::new(), Vec::new());
        for (i, s) in starts.into_iter().enumerate() {
            match s.await.unwrap() {
                Ok(arn) => accepted.push(arn),
                Err(Error::Throttled(n)) => {
                    assert_eq!(n, 2, "the error names the queue's bound");
                    throttled.push(i);
                }
                Err(e) => panic!("start {i}: {e}"),
            }
        }
        assert!(
            !throttled.is_empty(),
            "300 starts at once never found a queue of 2 full"
        );
        assert!(!accepted.is_empty());
        for arn in &accepted {
            rt.describe_execution(arn).unwrap();
        }
        for i in &throttled {
            let arn = rt.execution_arn("m", &format!("e{i}"));
            assert!(
                matches!(
                    rt.describe_execution(&arn),
                    Err(Error::ExecutionDoesNotExist(_))
                ),
                "{arn}"
            );
        }
        // Once the queue drains, the same requests go through.
        for i in &throttled {
            rt.start_execution(&sm, &format!("e{i}"), json!({"i": i}))
                .await
                .unwrap();
        }
        let message = Error::Throttled(2).to_string();
        assert!(message.contains("retry"), "{message}");
    });
}
