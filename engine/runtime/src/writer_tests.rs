//! The writer's unit tests, on the harness (`harness.rs`): virtual time, canned journals, one group at a
//! time, no sleeps. What they pin down: answers only after the commit, group commit, timers by virtual
//! time, executions rebuilt from their journal after a restart continuing exactly as if nothing happened,
//! heartbeats timing out, stops releasing tokens, retention, and what the writer logs instead of dropping.

#![allow(clippy::unwrap_used)] // tests

use crate::Error;
use crate::harness::{Harness, canned};
use crate::requests::{Answer, Request};
use serde_json::json;
use stepd_store::{Store, Table};

#[test]
fn a_callback_answers_after_its_commit_and_finishes_the_execution() {
    let (mut h, arn, token) = canned::parked_on_callback(None);
    let before = h.commits;
    h.succeed(&token, json!({"ok": true})).unwrap();
    assert_eq!(h.commits, before + 1, "one commit for the callback");
    assert_eq!(h.record(&arn).status(), "SUCCEEDED");
    assert!(h.tokens().is_empty(), "the token is gone with its task");
    assert_eq!(
        h.history(&arn),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    // The token was used: answering again is refused and changes nothing.
    let again = h.succeed(&token, json!({}));
    assert!(
        matches!(again, Err(Error::TaskDoesNotExist(_))),
        "{again:?}"
    );
    assert_eq!(h.commits, before + 1);
}

#[test]
fn many_requests_in_one_group_make_one_commit() {
    let mut h = Harness::new();
    let sm = h.register("m", &canned::callback_machine(None));
    let before = h.commits;
    let mut answers = Vec::new();
    let mut group = Vec::new();
    for i in 0..50 {
        let (reply, answer) = tokio::sync::oneshot::channel();
        group.push(Request::Start {
            state_machine: sm.clone(),
            name: format!("e{i}"),
            input: json!({}),
            reply,
        });
        answers.push(answer);
    }
    h.group(group);
    assert_eq!(h.commits, before + 1, "fifty starts, one commit");
    for mut a in answers {
        let arn = a.try_recv().unwrap().unwrap();
        assert_eq!(h.record(&arn).status(), "RUNNING");
    }
    assert_eq!(h.tokens().len(), 50);
}

#[test]
fn a_timer_fires_at_its_virtual_due_time_not_before() {
    let (mut h, arn) = canned::parked_on_timer(3600);
    h.advance(3_599_999);
    assert_eq!(h.fire_due(), 0, "not due yet");
    assert_eq!(h.record(&arn).status(), "RUNNING");
    h.advance(1);
    assert_eq!(h.fire_due(), 1);
    assert_eq!(h.record(&arn).status(), "SUCCEEDED");
    assert_eq!(h.rows(Table::Timers), 0, "the fired timer is removed");
    assert!(h.history(&arn).contains(&"WaitStateExited".to_string()));
}

#[test]
fn a_parked_execution_is_rebuilt_from_its_journal_after_a_restart() {
    // The same run twice, once with a restart (a new writer on the store) between its two steps.
    let run = |restart: bool| {
        let (mut h, arn, token) = canned::parked_on_callback(None);
        if restart {
            h = h.restart();
            assert!(
                h.writer.live.is_empty(),
                "nothing in memory after a restart"
            );
        }
        h.succeed(&token, json!({"n": 2})).unwrap();
        (h.history(&arn), h.record(&arn))
    };
    let (straight, straight_record) = run(false);
    let (restarted, restarted_record) = run(true);
    assert_eq!(restarted, straight);
    assert_eq!(restarted_record.status(), "SUCCEEDED");
    assert_eq!(
        format!("{:?}", restarted_record.outcome),
        format!("{:?}", straight_record.outcome)
    );
}

#[test]
fn a_timer_armed_before_a_restart_fires_after_it() {
    let (mut h, arn) = canned::parked_on_timer(60);
    let mut h2 = {
        h.advance(30_000);
        h.restart()
    };
    h2.advance(30_000);
    assert_eq!(h2.fire_due(), 1);
    assert_eq!(h2.record(&arn).status(), "SUCCEEDED");
}

#[test]
fn a_missed_heartbeat_times_the_task_out_and_its_token_says_so() {
    let (mut h, arn, token) = canned::parked_on_callback(Some(10));
    h.callback(&token, Answer::Heartbeat).unwrap();
    h.advance(9_000);
    assert_eq!(h.fire_due(), 0, "the heartbeat pushed the deadline");
    h.advance(1_500);
    assert_eq!(h.fire_due(), 1);
    let record = h.record(&arn);
    assert_eq!(record.status(), "FAILED");
    assert!(
        format!("{:?}", record.outcome).contains("States.HeartbeatTimeout"),
        "{:?}",
        record.outcome
    );
    // Its execution has ended with it, so the token is gone (see durable.rs for a timed-out token whose
    // execution goes on: TaskTimedOut).
    let late = h.succeed(&token, json!({}));
    assert!(late.is_err(), "{late:?}");
    assert_eq!(
        h.record(&arn).status(),
        "FAILED",
        "a late answer changes nothing"
    );
}

#[test]
fn a_stop_aborts_and_releases_the_token() {
    let (mut h, arn, token) = canned::parked_on_callback(None);
    let execution = arn.clone();
    h.ask(|reply| Request::Stop {
        execution,
        error: Some("Halt".into()),
        cause: None,
        reply,
    })
    .unwrap();
    assert_eq!(h.record(&arn).status(), "ABORTED");
    assert!(h.tokens().is_empty());
    assert_eq!(h.history(&arn).last().unwrap(), "ExecutionAborted");
    let late = h.succeed(&token, json!({}));
    assert!(late.is_err(), "{late:?}");
}

#[test]
fn retention_removes_what_finished_before_it_and_keeps_the_rest() {
    let (mut h, old, token) = canned::parked_on_callback(None);
    h.succeed(&token, json!({})).unwrap();
    let retention = h.writer.retention;
    h.advance(retention / 2);
    let sm = h.record(&old).state_machine_arn;
    let young = h.start(&sm, "young", json!({})).unwrap();
    let young_token = h.tokens().pop().unwrap();
    h.succeed(&young_token, json!({})).unwrap();
    h.advance(retention / 2 + 1);
    h.group(vec![Request::Sweep]);
    assert!(
        h.store
            .get(Table::Executions, &crate::records::exec_key(&old))
            .unwrap()
            .is_none(),
        "finished more than the retention period ago"
    );
    assert_eq!(h.record(&young).status(), "SUCCEEDED", "finished within it");
}

#[test]
fn an_unknown_token_is_refused_and_nothing_is_written() {
    let (mut h, arn, _) = canned::parked_on_callback(None);
    let before = h.commits;
    let r = h.succeed("not-a-token", json!({}));
    assert!(matches!(r, Err(Error::TaskDoesNotExist(_))), "{r:?}");
    assert_eq!(h.commits, before, "a refused request commits nothing");
    assert_eq!(h.record(&arn).status(), "RUNNING");
}
