//! Jobs over the JSON API: stepd's own operations, beside the REST routes (`/jobs`) and the same in what
//! they check and answer — `SubmitJob {job}` → `{jobId, executionArn}`, `DescribeJob {jobId}` → `{job}`,
//! `ListJobs {state?, tenant?, cluster?, minPriority?, maxResults?, nextToken?}` → `{jobs, nextToken}`,
//! `CancelJob {jobId}` → `{jobId, state}` — sent as `X-Amz-Target: AWSStepFunctions.<Op>`.

use super::common::generated_name;
use crate::serve::error::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};
use stepd_runtime::Runtime;
use stepd_runtime::jobs::{JobFilter, JobState};

/// The Job Poller every server ships.
const POLLER: &str = "stepd-job-poller";

#[derive(Deserialize)]
pub(super) struct SubmitJobInput {
    /// Checked field by field by the runtime (`jobs::spec`).
    job: Value,
}

/// DescribeJob's and CancelJob's input.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JobIdInput {
    job_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListJobsInput {
    state: Option<String>,
    /// Any JSON: a value that is not a priority is refused.
    min_priority: Option<Value>,
    /// Any JSON: a value that is not a count means the default.
    max_results: Option<Value>,
    tenant: Option<String>,
    cluster: Option<String>,
    next_token: Option<String>,
}

fn not_found(id: &str) -> ApiError {
    stepd_runtime::Error::JobDoesNotExist(id.to_string()).into()
}

/// A job state's name, as a filter takes it.
fn state(s: &str) -> Result<JobState, ApiError> {
    Ok(JobState::filter(s)?)
}

pub(super) async fn submit(rt: &Runtime, i: SubmitJobInput) -> Result<Value, ApiError> {
    let poller = rt.state_machine_arn(POLLER);
    let (spec, arn) = rt.submit_job(i.job, &poller, &generated_name()).await?;
    Ok(json!({ "jobId": spec.id, "executionArn": arn }))
}

pub(super) fn describe(rt: &Runtime, i: JobIdInput) -> Result<Value, ApiError> {
    let id = i.job_id;
    let job = rt.job(&id)?.ok_or_else(|| not_found(&id))?;
    Ok(json!({ "job": job.to_json() }))
}

pub(super) async fn cancel(rt: &Runtime, i: JobIdInput) -> Result<Value, ApiError> {
    let state = rt.cancel_job(&i.job_id).await?;
    Ok(json!({ "jobId": i.job_id, "state": state }))
}

pub(super) async fn list(rt: &Runtime, i: ListJobsInput) -> Result<Value, ApiError> {
    let state = i.state.as_deref().map(state).transpose()?;
    let min_priority = match i.min_priority {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|p| u32::try_from(p).ok())
                .ok_or_else(|| ApiError::validation("'minPriority' must be an integer"))?,
        ),
    };
    let limit = match i.max_results.as_ref().and_then(Value::as_u64) {
        None | Some(0) => 100,
        Some(n) => n.min(1000) as usize,
    };
    let filter = JobFilter {
        state,
        tenant: i.tenant,
        cluster: i.cluster,
        min_priority,
    };
    let after = i.next_token;
    let page = rt
        .read(move |rt| rt.jobs(&filter, after.as_deref(), limit))
        .await?;
    let jobs: Vec<Value> = page.jobs.iter().map(|j| j.to_json()).collect();
    Ok(json!({ "jobs": jobs, "nextToken": page.next }))
}
