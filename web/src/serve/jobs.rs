//! The REST surface of the job layer: submit a job (checked field by field, then one Job Poller execution
//! named by the job's id), list and read jobs, cancel one (its execution is stopped and its run cancelled on
//! its cluster), read its output, and each cluster's capacity beside what stepd's jobs hold there.

use super::aws::generated_name;
use super::error::{ApiError, Code};
use super::rest::{Answer, limit, ok, param};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};
use stepd_adapter::{ClusterTasks, LogStream};
use stepd_runtime::Runtime;
use stepd_runtime::jobs::{JobFilter, JobState};

/// What the job routes need.
#[derive(Clone)]
pub(crate) struct Jobs {
    pub rt: Runtime,
    pub clusters: ClusterTasks,
    /// The Job Poller machine each job runs as.
    pub poller: String,
}

pub(crate) fn router(jobs: Jobs) -> Router {
    Router::new()
        .route("/jobs", get(list).post(submit))
        .route("/jobs/{id}", get(show))
        .route("/jobs/{id}/cancel", post(cancel))
        .route("/jobs/{id}/logs", get(logs))
        .route("/clusters", get(clusters))
        .with_state(jobs)
}

fn not_found(id: &str) -> ApiError {
    stepd_runtime::Error::JobDoesNotExist(id.to_string()).into()
}

/// `POST /jobs`, the job as the body: 201 `{id, executionArn}`.
async fn submit(State(j): State<Jobs>, body: Bytes) -> Answer {
    let job: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::serialization(format!("The job must be a JSON object: {e}")))?;
    let (spec, arn) = j.rt.submit_job(job, &j.poller, &generated_name()).await?;
    ok(
        StatusCode::CREATED,
        json!({ "id": spec.id, "executionArn": arn }),
    )
}

/// `GET /jobs?state=&tenant=&cluster=&minPriority=&limit=&next=`.
async fn list(State(j): State<Jobs>, RawQuery(query): RawQuery) -> Answer {
    let state = match param(&query, "state")? {
        None => None,
        Some(s) => Some(JobState::filter(&s)?),
    };
    let min_priority = match param(&query, "minPriority")? {
        None => None,
        Some(p) => Some(p.parse::<u32>().map_err(|_| {
            ApiError::validation(format!("'minPriority' must be an integer, not '{p}'"))
        })?),
    };
    let filter = JobFilter {
        state,
        tenant: param(&query, "tenant")?,
        cluster: param(&query, "cluster")?,
        min_priority,
    };
    let limit = limit(&query)?;
    let after = param(&query, "next")?;
    let page =
        j.rt.read(move |rt| rt.jobs(&filter, after.as_deref(), limit))
            .await?;
    let jobs: Vec<Value> = page.jobs.iter().map(|job| job.to_json()).collect();
    ok(StatusCode::OK, json!({ "jobs": jobs, "next": page.next }))
}

/// `GET /jobs/{id}`: the record, and the tail of its error output once its run failed.
async fn show(State(j): State<Jobs>, Path(id): Path<String>) -> Answer {
    let job = j.rt.job(&id)?.ok_or_else(|| not_found(&id))?;
    let mut v = job.to_json();
    let failed = matches!(job.cluster_state.as_deref(), Some(s) if s != "COMPLETED" && s != "RUNNING" && s != "PENDING");
    if let (true, Some(run), Some(p)) = (failed, &job.cluster_job_id, &job.placement)
        && let Some(cluster) = j.clusters.get(&p.cluster)
        && let Ok(tail) = cluster.error_tail(run, 2048).await
        && let Some(m) = v.as_object_mut()
    {
        m.insert("errorOutput".into(), json!(tail));
    }
    ok(StatusCode::OK, v)
}

/// `POST /jobs/{id}/cancel`: stops the job's execution (which cancels its run on its cluster).
async fn cancel(State(j): State<Jobs>, Path(id): Path<String>) -> Answer {
    let state = j.rt.cancel_job(&id).await?;
    ok(StatusCode::OK, json!({ "id": id, "state": state }))
}

/// `GET /jobs/{id}/logs?stream=stdout|stderr&offset=N&max=N`: a piece of the job's output.
async fn logs(State(j): State<Jobs>, Path(id): Path<String>, RawQuery(query): RawQuery) -> Answer {
    let job = j.rt.job(&id)?.ok_or_else(|| not_found(&id))?;
    let stream = match param(&query, "stream")?.as_deref() {
        None | Some("stdout") => LogStream::Stdout,
        Some("stderr") => LogStream::Stderr,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "'stream' must be stdout or stderr, not '{other}'"
            )));
        }
    };
    let number = |key: &str, default: u64| -> Result<u64, ApiError> {
        match param(&query, key)? {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                ApiError::validation(format!("'{key}' must be an integer, not '{v}'"))
            }),
        }
    };
    let offset = number("offset", 0)?;
    let max = number("max", 64 * 1024)?.min(1 << 20) as usize;
    let done = job.state.is_final();
    let (Some(run), Some(p)) = (&job.cluster_job_id, &job.placement) else {
        return ok(
            StatusCode::OK,
            json!({ "data": "", "next": offset, "done": done }),
        );
    };
    let cluster = j.clusters.get(&p.cluster).ok_or_else(|| not_found(&id))?;
    let chunk = cluster
        .logs(run, stream, offset, max)
        .await
        .map_err(|e| ApiError::new(Code::ServiceUnavailable, e.to_string()))?;
    ok(
        StatusCode::OK,
        json!({ "data": chunk.data, "next": chunk.next, "done": done }),
    )
}

/// `GET /clusters`: each cluster's capacity and use as it reports them.
async fn clusters(State(j): State<Jobs>) -> Answer {
    let mut out = Vec::new();
    for c in j.clusters.all() {
        let reading = c.capacity().await;
        out.push(match reading {
            Ok(cap) => json!({
                "name": c.name(), "kind": c.kind(), "labels": c.labels(), "available": true,
                "total": cap.total, "used": cap.used, "atMs": cap.at_ms,
            }),
            Err(e) => json!({
                "name": c.name(), "kind": c.kind(), "labels": c.labels(), "available": false,
                "error": e.to_string(),
            }),
        });
    }
    ok(StatusCode::OK, json!({ "clusters": out }))
}
