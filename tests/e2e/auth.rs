//! `stepd serve --access-keys`: real SigV4 from boto3 and the AWS CLI is accepted, wrong or missing
//! signatures get AWS's errors, and listening beyond loopback without keys is refused.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use std::process::Command;

use crate::common;
use common::server_with;

const KEY_ID: &str = "AKIDSTEPDTEST";
const SECRET: &str = "s3cr3t/with+symbols";

#[test]
fn listening_beyond_loopback_needs_access_keys() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(common::STEPD)
        .args(["serve", "--listen", "0.0.0.0:0", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--access-keys"));
}

/// `stepd serve --access-keys` with this file's one key, listening on `listen`.
fn keyed_server(dir: &std::path::Path, listen: &str) -> common::Server {
    let keys = dir.join("keys.json");
    std::fs::write(&keys, format!(r#"{{"{KEY_ID}": "{SECRET}"}}"#)).unwrap();
    server_with(
        &dir.join("data"),
        &["--listen", listen, "--access-keys", keys.to_str().unwrap()],
    )
}

#[test]
fn signed_clients_work_and_everyone_else_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = keyed_server(dir.path(), "0.0.0.0:0");
    let url = s.url.replace("0.0.0.0", "127.0.0.1");

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/clients/boto3_auth.py");
    let out = Command::new("python3")
        .args([script, &url, KEY_ID, SECRET])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let cli = |secret: &str| {
        Command::new("aws")
            .args([
                "stepfunctions",
                "list-state-machines",
                "--endpoint-url",
                &url,
            ])
            .args(["--region", "us-east-1", "--output", "json"])
            .env("AWS_ACCESS_KEY_ID", KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap()
    };
    let ok = cli(SECRET);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("signed"));
    let refused = cli("wrong");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("InvalidSignatureException"));

    // Unsigned and half-signed requests.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let send = |auth: Option<&str>| {
        let mut req = agent
            .post(url.as_str())
            .header("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
            .header("Content-Type", "application/x-amz-json-1.0");
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let mut resp = req.send("{}").unwrap();
        let body: serde_json::Value =
            serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        (
            resp.status().as_u16(),
            body["__type"].as_str().unwrap_or("?").to_string(),
        )
    };
    assert_eq!(
        send(None),
        (400, "MissingAuthenticationTokenException".into())
    );
    assert_eq!(
        send(Some(
            "AWS4-HMAC-SHA256 Credential=AKIDSTEPDTEST/20261126/us-east-1/states/aws4_request"
        )),
        (400, "IncompleteSignatureException".into())
    );
    assert_eq!(
        send(Some("Basic dXNlcjpwYXNz")),
        (400, "IncompleteSignatureException".into())
    );
}

#[test]
fn the_job_cli_signs_its_requests_for_a_server_with_keys() {
    let dir = tempfile::tempdir().unwrap();
    let s = keyed_server(dir.path(), "127.0.0.1:0");
    let cli = |args: &[&str], creds: Option<(&str, &str)>| {
        let mut cmd = Command::new(common::STEPD);
        // The endpoint goes before the job's own arguments (everything after `--` is its command).
        cmd.arg(args[0])
            .args(["--endpoint", &s.url])
            .args(&args[1..]);
        cmd.env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY");
        if let Some((id, secret)) = creds {
            cmd.env("AWS_ACCESS_KEY_ID", id)
                .env("AWS_SECRET_ACCESS_KEY", secret)
                .env("AWS_DEFAULT_REGION", "us-east-1");
        }
        cmd.output().unwrap()
    };
    let unsigned = cli(&["jobs", "list"], None);
    assert!(!unsigned.status.success());
    assert!(
        String::from_utf8_lossy(&unsigned.stderr).contains("MissingAuthenticationTokenException")
    );
    let wrong = cli(&["jobs", "list"], Some((KEY_ID, "not-the-secret")));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("InvalidSignatureException"),
        "{wrong:?}"
    );
    let good = Some((KEY_ID, SECRET));
    let submitted = cli(
        &[
            "jobs", "submit", "--id", "signed-1", "--memory", "64MiB", "--", "echo", "signed",
        ],
        good,
    );
    assert!(
        submitted.status.success(),
        "{}",
        String::from_utf8_lossy(&submitted.stderr)
    );
    let listed = cli(&["jobs", "list", "--state", "QUEUED", "--json"], good);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let shown = cli(&["jobs", "show", "signed-1", "--json"], good);
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("\"signed-1\""),
        "{shown:?}"
    );
    let schedules = cli(&["schedules", "list"], good);
    assert!(
        schedules.status.success(),
        "{}",
        String::from_utf8_lossy(&schedules.stderr)
    );
}
