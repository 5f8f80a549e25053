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

impl Runtime {
    /// One page of the execution's history.
    pub fn history_page(&self, execution: &str, q: &HistoryQuery) -> Result<HistoryPage, Error> {
        let limit = q.limit.max(1);
        let mut follower = self.follow(execution)?;
        if !q.reverse {
            let after = q.after.unwrap_or(0);
            let (mut events, mut bytes, mut more) = (Vec::new(), 0usize, false);
            follower.catch_up_while(|t| {
                for e in t.events.iter().filter(|e| e.id > after) {
                    if events.len() >= limit || (bytes >= PAGE_BYTES && !events.is_empty()) {
                        more = true;
                        return ControlFlow::Break(());
                    }
                    let (v, size) = shown(e, q.include_data);
                    bytes += size;
                    events.push((e.id, v));
                }
                ControlFlow::Continue(())
            })?;
            let next = if more {
                events.last().map(|(id, _)| *id)
            } else {
                None
            };
            return Ok(HistoryPage {
                events: events.into_iter().map(|(_, v)| v).collect(),
                next,
            });
        }
        // Newest first: the events before the cursor are replayed in order and only the newest that fit
        // the page are kept.
        let before = q.after.unwrap_or(u64::MAX);
        let (mut window, mut bytes, mut dropped) = (VecDeque::new(), 0usize, false);
        follower.catch_up_while(|t| {
            for e in &t.events {
                if e.id >= before {
                    return ControlFlow::Break(());
                }
                let (v, size) = shown(e, q.include_data);
                bytes += size;
                window.push_back((e.id, v, size));
                while window.len() > limit || (bytes > PAGE_BYTES && window.len() > 1) {
                    if let Some((_, _, size)) = window.pop_front() {
                        bytes -= size;
                        dropped = true;
                    }
                }
            }
            ControlFlow::Continue(())
        })?;
        let next = if dropped {
            window.front().map(|(id, _, _)| *id)
        } else {
            None
        };
        Ok(HistoryPage {
            events: window.into_iter().rev().map(|(_, v, _)| v).collect(),
            next,
        })
    }
}
