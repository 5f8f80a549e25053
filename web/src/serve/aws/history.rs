//! GetExecutionHistory: one page of an execution's history, replayed from its journal.

use super::common::{invalid_token, max_results};
use crate::serve::error::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};
use stepd_runtime::Runtime;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GetExecutionHistoryInput {
    execution_arn: String,
    reverse_order: Option<bool>,
    include_execution_data: Option<bool>,
    next_token: Option<String>,
    max_results: Option<u64>,
}

pub(super) async fn get(rt: &Runtime, i: GetExecutionHistoryInput) -> Result<Value, ApiError> {
    let arn = i.execution_arn;
    let query = stepd_runtime::HistoryQuery {
        reverse: i.reverse_order.unwrap_or(false),
        include_data: i.include_execution_data.unwrap_or(true),
        after: i
            .next_token
            .map(|t| t.parse::<u64>().map_err(|_| invalid_token()))
            .transpose()?,
        limit: max_results(i.max_results),
    };
    let page = rt.read(move |rt| rt.history_page(&arn, &query)).await?;
    let mut out = json!({ "events": page.events });
    if let Some(n) = page.next {
        out["nextToken"] = json!(n.to_string());
    }
    Ok(out)
}
