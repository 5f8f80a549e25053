//! `ClusterTasks`: the adapter behind the `arn:aws:states:::stepd:cluster.*` resources, over every
//! configured cluster. It turns a Task's input into a `Cluster` call and the answer into the task's
//! result, and cluster errors into ASL errors a workflow can Retry or Catch.
//!
//! | resource | input | result |
//! |---|---|---|
//! | `stepd:cluster.startJobRun` | `cluster`, `job` (`command`, `cpus`, `memoryMiB`, `env`, `workdir`, `timeLimitSeconds`, `id`), optional `idempotencyKey` | `{cluster, jobId}` |
//! | `stepd:cluster.getJobStatus` | `cluster`, `jobId` | `{state, exitCode, reason, errorOutput}` (`errorOutput`: the tail of stderr once the job failed, else `""`) |
//! | `stepd:cluster.cancelJobRun` | `cluster`, `jobId` | `{cluster, jobId, cancelled: true}` |
//! | `stepd:cluster.capacity` | optional `clusters` (names; all when absent or empty) | `{clusters: [{name, kind, labels, available, total, used, atMs, error}]}` |

use crate::cluster::{Cluster, ClusterError, JobSpec, Resources};
use crate::{Adapter, Task, TaskError, TaskFuture};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Every cluster resource starts with this.
pub const CLUSTER_PREFIX: &str = "arn:aws:states:::stepd:cluster.";

/// How much of a failed job's stderr its status carries (and so its execution's cause).
const ERROR_TAIL: usize = 2048;

/// The cluster resources, over the configured clusters.
#[derive(Clone)]
pub struct ClusterTasks {
    clusters: Arc<BTreeMap<String, Arc<dyn Cluster>>>,
}

impl ClusterTasks {
    pub fn new(clusters: impl IntoIterator<Item = Arc<dyn Cluster>>) -> ClusterTasks {
        let clusters = clusters
            .into_iter()
            .map(|c| (c.name().to_string(), c))
            .collect();
        ClusterTasks {
            clusters: Arc::new(clusters),
        }
    }

    /// The cluster named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Cluster>> {
        self.clusters.get(name)
    }

    /// Every cluster, by name.
    pub fn all(&self) -> impl Iterator<Item = &Arc<dyn Cluster>> {
        self.clusters.values()
    }

    fn cluster(&self, input: &Value) -> Result<Arc<dyn Cluster>, TaskError> {
        let name = field_str(input, "cluster")?;
        self.clusters.get(name).cloned().ok_or_else(|| {
            let known: Vec<&str> = self.clusters.keys().map(String::as_str).collect();
            TaskError::new(
                "Cluster.UnknownCluster",
                format!(
                    "No cluster is named '{name}' (configured: {})",
                    known.join(", ")
                ),
            )
        })
    }
}

fn field_str<'a>(input: &'a Value, field: &str) -> Result<&'a str, TaskError> {
    input.get(field).and_then(Value::as_str).ok_or_else(|| {
        TaskError::new(
            crate::names::RUNTIME,
            format!("The task input has no string field '{field}'"),
        )
    })
}

fn failed(e: ClusterError) -> TaskError {
    TaskError::new(e.error_name(), e.to_string())
}

/// A name a cluster accepts for a submission: the key's letters, digits, `.`, `_` and `-`, bounded.
fn submission_name(key: &str) -> String {
    let mut name: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    name.truncate(200);
    name
}

/// Reads the job part of a `startJobRun` input into what a cluster is asked to run.
pub(crate) fn job_spec(job: &Value, name: String) -> Result<JobSpec, TaskError> {
    let bad = |why: String| TaskError::new("Cluster.Rejected", why);
    let command: Vec<String> = match job.get("command") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("job.command must be an array of strings".into()))?,
        Some(Value::String(s)) if !s.is_empty() => vec!["/bin/sh".into(), "-c".into(), s.clone()],
        _ => {
            return Err(bad(
                "job.command must be a non-empty array of strings".into()
            ));
        }
    };
    let cpus = job.get("cpus").and_then(Value::as_f64).unwrap_or(1.0);
    if !(cpus > 0.0 && cpus <= 1_000_000.0) {
        return Err(bad(format!("job.cpus must be above 0, not {cpus}")));
    }
    let memory = job.get("memoryMiB").and_then(Value::as_u64).unwrap_or(256);
    let env = match job.get("env") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("job.env values must be strings".into()))?,
        Some(_) => return Err(bad("job.env must be an object of strings".into())),
    };
    Ok(JobSpec {
        name,
        job_id: job
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        command,
        env,
        workdir: job
            .get("workdir")
            .and_then(Value::as_str)
            .map(str::to_string),
        demand: Resources::new((cpus * 1000.0).round() as u64, memory),
        time_limit_seconds: job.get("timeLimitSeconds").and_then(Value::as_u64),
    })
}

impl Adapter for ClusterTasks {
    fn handles(&self, resource: &str) -> bool {
        matches!(
            resource.strip_prefix(CLUSTER_PREFIX),
            Some("startJobRun" | "getJobStatus" | "cancelJobRun" | "capacity")
        )
    }

    fn describe(&self) -> String {
        let names: Vec<String> = self
            .clusters
            .values()
            .map(|c| format!("{} ({})", c.name(), c.kind()))
            .collect();
        format!(
            "{CLUSTER_PREFIX}{{startJobRun,getJobStatus,cancelJobRun,capacity}} on {}",
            if names.is_empty() {
                "no clusters".to_string()
            } else {
                names.join(", ")
            }
        )
    }

    fn invoke(&self, task: Task) -> TaskFuture {
        let this = self.clone();
        Box::pin(async move {
            let op = task.resource.strip_prefix(CLUSTER_PREFIX).unwrap_or("");
            let input = &task.input;
            match op {
                "startJobRun" => {
                    let cluster = this.cluster(input)?;
                    let key = input
                        .get("idempotencyKey")
                        .and_then(Value::as_str)
                        .unwrap_or(&task.idempotency_key);
                    let job = input.get("job").unwrap_or(&Value::Null);
                    let spec = job_spec(job, submission_name(key))?;
                    let id = cluster.submit(spec).await.map_err(failed)?;
                    Ok(json!({ "cluster": cluster.name(), "jobId": id }))
                }
                "getJobStatus" => {
                    let cluster = this.cluster(input)?;
                    let id = field_str(input, "jobId")?;
                    let status = cluster.status(id).await.map_err(failed)?;
                    let ended_badly =
                        status.state.is_final() && status.state != crate::JobState::Completed;
                    let error_output = if ended_badly {
                        cluster.error_tail(id, ERROR_TAIL).await.unwrap_or_default()
                    } else {
                        String::new()
                    };
                    Ok(json!({
                        "state": status.state,
                        "exitCode": status.exit_code,
                        "reason": status.reason,
                        "errorOutput": error_output,
                    }))
                }
                "cancelJobRun" => {
                    let cluster = this.cluster(input)?;
                    let id = field_str(input, "jobId")?;
                    cluster.cancel(id).await.map_err(failed)?;
                    Ok(json!({ "cluster": cluster.name(), "jobId": id, "cancelled": true }))
                }
                "capacity" => Ok(capacity(&this, input).await),
                _ => Err(TaskError::new(
                    crate::names::TASK_FAILED,
                    format!("No adapter runs the resource '{}'", task.resource),
                )),
            }
        })
    }
}

/// Every asked-for cluster's reading; one that cannot be read is reported unavailable with its error,
/// so the scheduler holds placements there rather than guess.
async fn capacity(this: &ClusterTasks, input: &Value) -> Value {
    let wanted: Vec<&str> = input
        .get("clusters")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for cluster in this.clusters.values() {
        if !wanted.is_empty() && !wanted.contains(&cluster.name()) {
            continue;
        }
        let mut entry = Map::new();
        entry.insert("name".into(), json!(cluster.name()));
        entry.insert("kind".into(), json!(cluster.kind()));
        entry.insert("labels".into(), json!(cluster.labels()));
        match cluster.capacity().await {
            Ok(c) => {
                entry.insert("available".into(), json!(true));
                entry.insert("total".into(), json!(c.total));
                entry.insert("used".into(), json!(c.used));
                entry.insert("atMs".into(), json!(c.at_ms));
            }
            Err(e) => {
                entry.insert("available".into(), json!(false));
                entry.insert("error".into(), json!(e.to_string()));
            }
        }
        out.push(Value::Object(entry));
    }
    json!({ "clusters": out })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_only_what_clusters_accept() {
        assert_eq!(
            submission_name("job-1-2026-12-03T16:00:00.000Z"),
            "job-1-2026-12-03T16_00_00.000Z"
        );
        assert_eq!(submission_name(&"x".repeat(500)).len(), 200);
    }

    #[test]
    fn a_job_spec_is_read_with_its_units() {
        let spec = job_spec(
            &json!({"command": ["echo", "hi"], "cpus": 0.5, "memoryMiB": 512, "id": "j1"}),
            "n".into(),
        )
        .expect("valid");
        assert_eq!(spec.demand, Resources::new(500, 512));
        assert_eq!(spec.command, ["echo", "hi"]);
        let shell = job_spec(&json!({"command": "exit 3"}), "n".into()).expect("valid");
        assert_eq!(shell.command, ["/bin/sh", "-c", "exit 3"]);
        for bad in [
            json!({}),
            json!({"command": []}),
            json!({"command": ["a"], "cpus": 0}),
        ] {
            let e = job_spec(&bad, "n".into()).expect_err("invalid");
            assert_eq!(e.error, "Cluster.Rejected", "{bad}");
        }
    }
}
