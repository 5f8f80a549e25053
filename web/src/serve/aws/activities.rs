//! Activities in the API: CreateActivity, DescribeActivity, DeleteActivity, ListActivities, and
//! GetActivityTask, a worker's long poll for a task.

use super::common::{page, seconds};
use super::tags;
use crate::serve::error::{ApiError, Code};
use serde::Deserialize;
use serde_json::{Value, json};
use stepd_runtime::{ActivityRecord, Runtime};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateActivityInput {
    name: String,
    tags: tags::TagList,
}

/// The input of DescribeActivity, DeleteActivity and GetActivityTask.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ActivityInput {
    activity_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListActivitiesInput {
    max_results: Option<u64>,
    next_token: Option<String>,
}

/// The activity `arn`, or `ActivityDoesNotExist`.
fn activity(rt: &Runtime, arn: &str) -> Result<ActivityRecord, ApiError> {
    rt.activity(arn)?.ok_or_else(|| {
        ApiError::new(
            Code::ActivityDoesNotExist,
            format!("Activity Does Not Exist: '{arn}'"),
        )
    })
}

pub(super) async fn create(rt: &Runtime, i: CreateActivityInput) -> Result<Value, ApiError> {
    let arn = rt
        .create_activity_tagged(&i.name, tags::parse(i.tags)?)
        .await?;
    Ok(json!({"activityArn": arn, "creationDate": seconds(rt.now())}))
}

pub(super) fn describe(rt: &Runtime, i: ActivityInput) -> Result<Value, ApiError> {
    let a = activity(rt, &i.activity_arn)?;
    Ok(json!({"activityArn": a.arn, "name": a.name, "creationDate": seconds(a.created)}))
}

pub(super) async fn delete(rt: &Runtime, i: ActivityInput) -> Result<Value, ApiError> {
    rt.delete_activity(&i.activity_arn).await?;
    Ok(json!({}))
}

pub(super) async fn list(rt: &Runtime, i: ListActivitiesInput) -> Result<Value, ApiError> {
    let all: Vec<Value> = rt
        .read(|rt| rt.activities())
        .await?
        .into_iter()
        .map(|a| json!({"activityArn": a.arn, "name": a.name, "creationDate": seconds(a.created)}))
        .collect();
    page(all, "activities", i.max_results, i.next_token.as_deref())
}

/// The long poll AWS documents: up to 60 seconds, then an empty answer.
pub(super) async fn get_task(rt: &Runtime, i: ActivityInput) -> Result<Value, ApiError> {
    let arn = i.activity_arn;
    activity(rt, &arn)?;
    match rt
        .get_activity_task(&arn, std::time::Duration::from_secs(60))
        .await?
    {
        Some((token, input)) => Ok(json!({"taskToken": token, "input": input.to_string()})),
        None => Ok(json!({})),
    }
}
