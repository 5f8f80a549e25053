//! Task tokens: once two outputs of the execution's SplitMix64 generator and a counter, so one token
//! gave away the next (a forged token completed another step). Now they are keyed hashes under a secret
//! the execution never reveals.

use crate::common::{aws_call, create_and_start, server};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const C1: u64 = 0xBF58_476D_1CE4_E5B9;
const C2: u64 = 0x94D0_49BB_1331_11EB;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(C1);
    z = (z ^ (z >> 27)).wrapping_mul(C2);
    z ^ (z >> 31)
}

fn unshift(y: u64, k: u32) -> u64 {
    let mut x = y;
    for _ in 0..(64 / k + 1) {
        x = y ^ (x >> k);
    }
    x
}

fn inverse(c: u64) -> u64 {
    let mut inv = c;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(c.wrapping_mul(inv)));
    }
    inv
}

/// The generator state that produced output `z` (SplitMix64's finalizer is a bijection).
fn unmix(z: u64) -> u64 {
    let z = unshift(z, 31).wrapping_mul(inverse(C2));
    let z = unshift(z, 27).wrapping_mul(inverse(C1));
    unshift(z, 30)
}

/// What the old scheme would have minted next, for each plausible task key: the attack of the review.
fn predicted_next_tokens(token: &str) -> Vec<String> {
    let Some(second) = token
        .get(16..32)
        .and_then(|h| u64::from_str_radix(h, 16).ok())
    else {
        return Vec::new();
    };
    let key = token
        .get(32..)
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .unwrap_or(0);
    let state = unmix(second);
    let (a, b) = (
        mix(state.wrapping_add(GAMMA)),
        mix(state.wrapping_add(GAMMA.wrapping_mul(2))),
    );
    (key + 1..key + 9)
        .map(|k| format!("{a:016x}{b:016x}{k:x}"))
        .collect()
}

/// The token the execution's latest `.waitForTaskToken` task was given, from its TaskScheduled event.
fn latest_token(url: &str, arn: &str, seen: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, h) = aws_call(
            url,
            "GetExecutionHistory",
            &json!({"executionArn": arn, "maxResults": 1000}),
        );
        assert_eq!(status, 200, "{h}");
        let tokens: Vec<String> = h["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "TaskScheduled")
            .filter_map(|e| e["taskScheduledEventDetails"]["parameters"].as_str())
            .filter_map(|p| serde_json::from_str::<Value>(p).ok())
            .filter_map(|p| p["token"].as_str().map(String::from))
            .collect();
        if tokens.len() > seen {
            return tokens[seen].clone();
        }
        assert!(Instant::now() < deadline, "no token #{seen} in {h}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn one_token_does_not_give_away_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let s = server(dir.path());
    let task = |next: &str| {
        json!({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
               "Parameters": {"token.$": "$$.Task.Token"}, "Next": next})
    };
    let definition = json!({"StartAt": "First", "States": {
        "First": task("Second"), "Second": task("Done"), "Done": {"Type": "Succeed"}}});
    let arn = create_and_start(&s.url, "two-callbacks", &definition, "{}");

    let first = latest_token(&s.url, &arn, 0);
    let forged = predicted_next_tokens(&first);
    let (status, v) = aws_call(
        &s.url,
        "SendTaskSuccess",
        &json!({"taskToken": first, "output": "{}"}),
    );
    assert_eq!(status, 200, "{v}");
    let second = latest_token(&s.url, &arn, 1);

    for token in &forged {
        let (status, v) = aws_call(
            &s.url,
            "SendTaskSuccess",
            &json!({"taskToken": token, "output": "{\"forged\": true}"}),
        );
        assert_eq!(
            (status, v["__type"].as_str()),
            (400, Some("TaskDoesNotExist")),
            "a token predicted from the previous one was accepted: {v}"
        );
    }
    assert!(!forged.contains(&second));
    assert_eq!(second.len(), 64, "{second}");
    assert!(second.bytes().all(|b| b.is_ascii_hexdigit()), "{second}");
    assert_ne!(first[..32], second[..32]);
    let (_, d) = aws_call(&s.url, "DescribeExecution", &json!({"executionArn": arn}));
    assert_eq!(d["status"], "RUNNING", "{d}");

    // The genuine token still completes its step.
    let (status, v) = aws_call(
        &s.url,
        "SendTaskSuccess",
        &json!({"taskToken": second, "output": "{}"}),
    );
    assert_eq!(status, 200, "{v}");
}
