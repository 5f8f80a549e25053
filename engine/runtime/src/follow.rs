//! Following an execution's history: a replica of the execution, fed the journal entries committed since
//! the last look, gives exactly the new history events — O(new entries) per look, however long the
//! history already is (server-sent event streams use it; GetExecutionHistory is one look).

use crate::Error;
use crate::records::{self, ExecutionRecord, JournalEntry};
use serde_json::Value;
use std::ops::Bound;
use std::sync::Arc;
use stepd_core::{Event, Execution};
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
        let arn = &self.record.arn;
        let mut range = Range::prefix(&records::exec_key(arn));
        range.start = Bound::Included(records::seq_key(arn, self.next));
        let rows = self.store.scan(Table::Journal, &range, usize::MAX, false)?;
        let mut events = Vec::new();
        for (_, v) in &rows {
            let entry: JournalEntry = records::from_bytes(v)?;
            let event = entry.event.unwrap_or_else(|| Event::Start {
                input: self.record.input.clone(),
            });
            let t = self
                .exec
                .apply(event, entry.at)
                .map_err(|e| Error::Corrupt(format!("{arn}: replay: {e}")))?;
            events.extend(t.events.iter().map(stepd_core::HistoryEvent::to_aws_json));
            self.next += 1;
        }
        Ok(events)
    }
}
