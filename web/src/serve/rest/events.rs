//! The event stream of an execution (`GET …/events`): its history so far, then each new event as it
//! commits, as server-sent events.

use super::params::Names;
use crate::serve::error::ApiError;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use std::collections::VecDeque;
use std::convert::Infallible;
use stepd_runtime::Runtime;

/// Whether a history event ends the execution.
fn terminal(event: &stepd_core::HistoryEvent) -> bool {
    use stepd_core::HistoryKind as K;
    matches!(
        event.kind,
        K::ExecutionSucceeded | K::ExecutionFailed | K::ExecutionAborted | K::ExecutionTimedOut
    )
}

/// History events a stream takes from the journal at a time: what a slow reader holds stays this small
/// (the connection's write stalls before more is read), however long the history is.
const STREAM_BATCH: usize = 64;
/// And about this many bytes of their payloads.
const STREAM_BATCH_BYTES: usize = 256 << 10;

/// What the event stream remembers between events.
struct Follow {
    rt: Runtime,
    /// Lent to a blocking read while it catches up.
    follower: Option<stepd_runtime::Follower>,
    arn: String,
    changes: tokio::sync::broadcast::Receiver<String>,
    pending: VecDeque<stepd_core::HistoryEvent>,
    done: bool,
}

impl Follow {
    /// The next batch of committed events, replayed on a blocking thread (`Runtime::read`).
    async fn catch_up(&mut self) -> Option<Vec<stepd_core::HistoryEvent>> {
        let mut follower = self.follower.take()?;
        let (follower, batch) = self
            .rt
            .read(move |_| {
                let batch = follower.next_batch(STREAM_BATCH, STREAM_BATCH_BYTES);
                Ok((follower, batch))
            })
            .await
            .ok()?;
        self.follower = Some(follower);
        batch.ok()
    }
}

/// The execution's history so far, then each new event as it commits (`event:` its type, `id:` its id,
/// `data:` the event as GetExecutionHistory shows it); the stream ends after the execution's last event.
/// Events are read from the journal a batch at a time and turned into text one at a time, as the client
/// takes them.
pub(super) async fn events(
    State(rt): State<Runtime>,
    Names((machine, execution)): Names<(String, String)>,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let arn = rt.execution_arn(&machine, &execution);
    // Listen before reading, so nothing committed in between is missed.
    let changes = rt.subscribe();
    let follower = {
        let arn = arn.clone();
        rt.read(move |rt| rt.follow(&arn)).await?
    };
    let follow = Follow {
        rt,
        follower: Some(follower),
        arn,
        changes,
        pending: VecDeque::new(),
        done: false,
    };
    let stream = futures_util::stream::unfold(follow, |mut f| async move {
        loop {
            if let Some(e) = f.pending.pop_front() {
                f.done |= terminal(&e);
                let v = e.to_aws_json();
                let event = Event::default()
                    .event(e.kind.as_str())
                    .id(e.id.to_string())
                    .data(v.to_string());
                return Some((Ok(event), f));
            }
            if f.done {
                return None;
            }
            // Only the journal entries committed since the last look are read and applied.
            let batch = f.catch_up().await?;
            if !batch.is_empty() {
                f.pending.extend(batch);
                continue;
            }
            loop {
                match f.changes.recv().await {
                    Ok(changed) if changed == f.arn => break,
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
