//! Following an execution's journal: a replica of the execution, fed the entries committed since the last
//! look, gives exactly the new history events — O(new entries) per look, however long the history already
//! is. Event streams use it, GetExecutionHistory is one look, and the writer rebuilds a parked execution
//! with one.

use crate::Error;
use crate::records::{self, ExecutionRecord, JournalEntry};
use serde_json::Value;
use std::ops::{Bound, ControlFlow};
use std::sync::Arc;
use stepd_core::{Event, Execution, HistoryEvent, Transition};
use stepd_store::{Range, Store, Table};

/// Journal entries read from the store at a time.
const JOURNAL_CHUNK: usize = 256;

/// A replica of one execution that catches up with its journal.
pub struct Follower {
    store: Arc<dyn Store>,
    record: ExecutionRecord,
    exec: Execution,
    /// The next journal entry to apply.
    next: u64,
}

impl Follower {
    pub(crate) fn new(store: Arc<dyn Store>, record: ExecutionRecord, exec: Execution) -> Follower {
        Follower {
            store,
            record,
            exec,
            next: 0,
        }
    }

    /// The history events committed since the last call (all of them on the first), as
    /// GetExecutionHistory shows them. Holds them all: for tests and short histories; streams take
    /// `next_batch`, pages `Runtime::history_page`.
    pub fn next_events(&mut self) -> Result<Vec<Value>, Error> {
        let mut events = Vec::new();
        self.catch_up(|t| {
            events.extend(t.events.iter().map(stepd_core::HistoryEvent::to_aws_json))
        })?;
        Ok(events)
    }

    /// Up to about `max` of the events committed since the last call, or about `max_bytes` of their
    /// payloads: whole transitions are applied until either is reached (one transition may add more), so what a slow reader holds stays bounded however
    /// long the history is. Empty when nothing new was committed.
    pub fn next_batch(&mut self, max: usize, max_bytes: usize) -> Result<Vec<HistoryEvent>, Error> {
        let (mut events, mut bytes) = (Vec::new(), 0usize);
        self.catch_up_while(|t| {
            events.extend(t.events.iter().cloned());
            bytes += t.events.iter().map(|e| e.payload_bytes).sum::<usize>();
            if events.len() >= max || bytes >= max_bytes {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        Ok(events)
    }

    /// Applies the journal entries committed since the last call, with their recorded times; `each` sees
    /// every transition.
    pub(crate) fn catch_up(&mut self, mut each: impl FnMut(&Transition)) -> Result<(), Error> {
        self.catch_up_while(|t| {
            each(t);
            ControlFlow::Continue(())
        })
    }

    /// As `catch_up`, until `each` breaks (the entry it saw is applied; the next call goes on after it).
    /// The journal is read a chunk at a time, so only one chunk of entries is in memory at once.
    pub(crate) fn catch_up_while(
        &mut self,
        mut each: impl FnMut(&Transition) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        let arn = self.record.arn.clone();
        let prefix = Range::prefix(&records::exec_key(&arn));
        loop {
            let mut range = prefix.clone();
            range.start = Bound::Included(records::seq_key(&arn, self.next));
            let rows = self
                .store
                .scan(Table::Journal, &range, JOURNAL_CHUNK, false)?;
            let exhausted = rows.len() < JOURNAL_CHUNK;
            for (_, v) in &rows {
                let entry: JournalEntry = records::from_bytes(v)?;
                // The start's input is the record's.
                let event = entry.event.unwrap_or_else(|| Event::Start {
                    input: self.record.input.clone(),
                });
                let t = self
                    .exec
                    .apply(event, entry.at)
                    .map_err(|e| Error::Corrupt(format!("{arn}: replay: {e}")))?;
                self.next += 1;
                if each(&t).is_break() {
                    return Ok(());
                }
            }
            if exhausted {
                return Ok(());
            }
        }
    }

    /// The record, the execution as replayed, and how many journal entries made it.
    pub(crate) fn into_parts(self) -> (ExecutionRecord, Execution, u64) {
        (self.record, self.exec, self.next)
    }
}
