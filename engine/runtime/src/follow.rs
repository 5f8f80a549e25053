//! Following an execution's journal: a replica of the execution, fed the entries committed since the last
//! look, gives exactly the new history events — O(new entries) per look, however long the history already
//! is. Event streams use it, GetExecutionHistory is one look, and the writer rebuilds a parked execution
//! with one.

use crate::Error;
use crate::records::{self, ExecutionRecord, JournalEntry};
use serde_json::Value;
use std::ops::Bound;
use std::sync::Arc;
use stepd_core::{Event, Execution, Transition};
use stepd_store::{Range, Store, Table};

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
    /// GetExecutionHistory shows them.
    pub fn next_events(&mut self) -> Result<Vec<Value>, Error> {
        let mut events = Vec::new();
        self.catch_up(|t| {
            events.extend(t.events.iter().map(stepd_core::HistoryEvent::to_aws_json))
        })?;
        Ok(events)
    }

    /// Applies the journal entries committed since the last call, with their recorded times; `each` sees
    /// every transition.
    pub(crate) fn catch_up(&mut self, mut each: impl FnMut(&Transition)) -> Result<(), Error> {
        let arn = &self.record.arn;
        let mut range = Range::prefix(&records::exec_key(arn));
        range.start = Bound::Included(records::seq_key(arn, self.next));
        let rows = self.store.scan(Table::Journal, &range, usize::MAX, false)?;
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
            each(&t);
            self.next += 1;
        }
        Ok(())
    }

    /// The record, the execution as replayed, and how many journal entries made it.
    pub(crate) fn into_parts(self) -> (ExecutionRecord, Execution, u64) {
        (self.record, self.exec, self.next)
    }
}
