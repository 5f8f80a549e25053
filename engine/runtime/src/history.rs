//! GetExecutionHistory's pages. A history is derived by replaying the journal (see `follow.rs`); a page
//! replays only as far as it needs (forward) or keeps only the newest events it may return (reverse), and
//! is bounded by a count and by bytes, so no request holds a whole history however long it is or however
//! large its payloads are.

use crate::Error;
use crate::runtime::Runtime;
use serde_json::Value;
use std::collections::VecDeque;
use std::ops::ControlFlow;
use stepd_core::HistoryEvent;

/// The most a page holds of events' JSON, however many `limit` allows (at least one event is returned).
pub const PAGE_BYTES: usize = 4 << 20;

/// Which events a page holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Newest first.
    pub reverse: bool,
    /// With the events' inputs, outputs and parameters (GetExecutionHistory's `includeExecutionData`).
    pub include_data: bool,
    /// The previous page's cursor: events after this id (before it, in reverse).
    pub after: Option<u64>,
    /// At most this many events (at least one).
    pub limit: usize,
}

/// One page of a history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    pub events: Vec<Value>,
    /// Where the next page starts, when more events follow.
    pub next: Option<u64>,
}

/// An event as GetExecutionHistory shows it, with or without its data, and its size.
fn shown(e: &HistoryEvent, include_data: bool) -> (Value, usize) {
    let mut v = e.to_aws_json();
    if !include_data {
        // Leave out the data (inputs and outputs), keep the events' shape.
        for d in v
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
            .filter_map(Value::as_object_mut)
        {
            for k in ["input", "output", "parameters"] {
                d.remove(k);
            }
        }
    }
    let size = stepd_asl::limits::measure(&v).bytes;
    (v, size)
}

/// Where a forward page stopped: the replica that produced it, positioned after its last journal entry,
/// and the events of that entry the page had no room for. The next page (whose `after` is this `after`)
/// goes on from here instead of replaying from the start, so paging through a history costs one replay.
pub(crate) struct Cursor {
    arn: String,
    after: u64,
    follower: crate::Follower,
    leftover: VecDeque<HistoryEvent>,
}

/// How many cursors are kept (the oldest is forgotten; its next page replays from the start).
const CURSORS: usize = 16;

/// Cursors kept between pages (shared by the `Runtime` handle's clones).
pub(crate) type Cursors = std::sync::Arc<std::sync::Mutex<VecDeque<Cursor>>>;

impl Runtime {
    fn take_cursor(&self, arn: &str, after: u64) -> Option<Cursor> {
        let mut cursors = self.cursors.lock().unwrap_or_else(|e| e.into_inner());
        let at = cursors
            .iter()
            .position(|c| c.after == after && c.arn == arn)?;
        cursors.remove(at)
    }

    fn keep_cursor(&self, cursor: Cursor) {
        let mut cursors = self.cursors.lock().unwrap_or_else(|e| e.into_inner());
        if cursors.len() >= CURSORS {
            cursors.pop_front();
        }
        cursors.push_back(cursor);
    }

    /// One page of the execution's history.
    pub fn history_page(&self, execution: &str, q: &HistoryQuery) -> Result<HistoryPage, Error> {
        let limit = q.limit.max(1);
        if !q.reverse {
            let after = q.after.unwrap_or(0);
            // The execution must still exist (retention may have removed it since the last page).
            self.describe_execution(execution)?;
            let (mut follower, mut leftover) = match self.take_cursor(execution, after) {
                Some(c) => (c.follower, c.leftover),
                None => (self.follow(execution)?, VecDeque::new()),
            };
            let (mut events, mut bytes, mut more) = (Vec::new(), 0usize, false);
            let mut take = |e: &HistoryEvent| {
                if e.id <= after {
                    return ControlFlow::Continue(());
                }
                if events.len() >= limit || (bytes >= PAGE_BYTES && !events.is_empty()) {
                    more = true;
                    return ControlFlow::Break(());
                }
                let (v, size) = shown(e, q.include_data);
                bytes += size;
                events.push((e.id, v));
                ControlFlow::Continue(())
            };
            let mut full = false;
            while let Some(e) = leftover.pop_front() {
                if take(&e).is_break() {
                    leftover.push_front(e);
                    full = true;
                    break;
                }
            }
            if !full {
                follower.catch_up_while(|t| {
                    for (i, e) in t.events.iter().enumerate() {
                        if take(e).is_break() {
                            leftover.extend(t.events[i..].iter().cloned());
                            return ControlFlow::Break(());
                        }
                    }
                    ControlFlow::Continue(())
                })?;
            }
            let next = if more || full {
                events.last().map(|(id, _)| *id)
            } else {
                None
            };
            if let Some(after) = next {
                self.keep_cursor(Cursor {
                    arn: execution.to_string(),
                    after,
                    follower,
                    leftover,
                });
            }
            return Ok(HistoryPage {
                events: events.into_iter().map(|(_, v)| v).collect(),
                next,
            });
        }
        let mut follower = self.follow(execution)?;
        // Newest first: the events before the cursor are replayed in order and only the newest that may
        // be on the page are kept (shared, not yet turned into JSON); then they are shown newest first
        // until the page is full.
        let before = q.after.unwrap_or(u64::MAX);
        let (mut window, mut held) = (VecDeque::<HistoryEvent>::new(), 0usize);
        let mut older = false;
        follower.catch_up_while(|t| {
            for e in &t.events {
                if e.id >= before {
                    return ControlFlow::Break(());
                }
                held += e.payload_bytes;
                window.push_back(e.clone());
                while window.len() > limit || (held > PAGE_BYTES && window.len() > 1) {
                    if let Some(old) = window.pop_front() {
                        held -= old.payload_bytes;
                        older = true;
                    }
                }
            }
            ControlFlow::Continue(())
        })?;
        let (mut events, mut bytes) = (Vec::new(), 0usize);
        let mut last_id = None;
        while let Some(e) = window.pop_back() {
            if bytes >= PAGE_BYTES && !events.is_empty() {
                older = true;
                break;
            }
            let (v, size) = shown(&e, q.include_data);
            bytes += size;
            last_id = Some(e.id);
            events.push(v);
        }
        Ok(HistoryPage {
            events,
            next: if older { last_id } else { None },
        })
    }
}
