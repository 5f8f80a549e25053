//! Jobs over the JSON API: stepd's own operations, beside the REST routes (`/jobs`) and the same in what
//! they check and answer — `SubmitJob {job}` → `{jobId, executionArn}`, `DescribeJob {jobId}` → `{job}`,
//! `ListJobs {state?, tenant?, cluster?, minPriority?, maxResults?, nextToken?}` → `{jobs, nextToken}`,
//! `CancelJob {jobId}` → `{jobId, state}` — sent as `X-Amz-Target: AWSStepFunctions.<Op>`.

use super::{ApiError, field, generated_name, optional};
use serde_json::{Value, json};
use stepd_runtime::Runtime;
use stepd_runtime::jobs::{JobFilter, JobState};

/// The Job Poller every server ships.
const POLLER: &str = "stepd-job-poller";

fn not_found(id: &str) -> ApiError {
    ApiError("ResourceNotFound", format!("Job Does Not Exist: '{id}'"))
}

pub(super) async fn handle(rt: &Runtime, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "SubmitJob" => {
            let job = input.get("job").cloned().ok_or_else(|| {
                ApiError(
                    "ValidationException",
                    "1 validation error detected: Value null at 'job' failed to satisfy constraint: Member must not be null".into(),
                )
            })?;
            let poller = rt.state_machine_arn(POLLER);
            let (spec, arn) = rt.submit_job(job, &poller, &generated_name()).await?;
            Ok(json!({ "jobId": spec.id, "executionArn": arn }))
        }
        "DescribeJob" => {
            let id = field(input, "jobId")?;
            let job = rt.job(id)?.ok_or_else(|| not_found(id))?;
            Ok(json!({ "job": job.to_json() }))
        }
        "CancelJob" => {
            let id = field(input, "jobId")?;
            let state = rt.cancel_job(id).await?;
            Ok(json!({ "jobId": id, "state": state }))
        }
        _ => {
            let state = match optional(input, "state")? {
                None => None,
                Some(s) => Some(JobState::parse(s).ok_or_else(|| {
                    ApiError(
                        "ValidationException",
                        format!("'state' must be QUEUED, PLACED, RUNNING, SUCCEEDED, FAILED or CANCELLED, not '{s}'"),
                    )
                })?),
            };
            let min_priority = match input.get("minPriority") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_u64().and_then(|p| u32::try_from(p).ok()).ok_or_else(
                    || {
                        ApiError(
                            "ValidationException",
                            "'minPriority' must be an integer".into(),
                        )
                    },
                )?),
            };
            let limit = match input.get("maxResults").and_then(Value::as_u64) {
                None | Some(0) => 100,
                Some(n) => n.min(1000) as usize,
            };
            let filter = JobFilter {
                state,
                tenant: optional(input, "tenant")?.map(str::to_string),
                cluster: optional(input, "cluster")?.map(str::to_string),
                min_priority,
            };
            let after = optional(input, "nextToken")?.map(str::to_string);
            let page = rt
                .read(move |rt| rt.jobs(&filter, after.as_deref(), limit))
                .await?;
            let jobs: Vec<Value> = page.jobs.iter().map(|j| j.to_json()).collect();
            Ok(json!({ "jobs": jobs, "nextToken": page.next }))
        }
    }
}
