//! Retention: finished executions older than the retention period are removed in the background (record,
//! history, journal, listing entry), a thousand per sweep, so the redb file does not grow without bound
//! (redb reuses the freed pages).

use crate::records::{self, ExecutionRecord};
use crate::writer::Writer;
use std::ops::Bound;
use stepd_core::Millis;
use stepd_store::{Batch, Key, KeyReader, Range, Table};

/// Most executions one sweep removes (one commit group).
const PER_SWEEP: usize = 1_000;

impl Writer {
    pub(crate) fn sweep(&mut self, now: Millis, batch: &mut Batch) {
        let before = Key::new()
            .i64(now.saturating_sub(self.retention))
            .into_bytes();
        let range = Range {
            start: Bound::Unbounded,
            end: Bound::Excluded(before),
        };
        let Ok(old) = self.store.scan(Table::Finished, &range, PER_SWEEP, false) else {
            return;
        };
        for (key, _) in old {
            let mut r = KeyReader::new(&key);
            let (Some(_), Some(arn)) = (r.i64(), r.str()) else {
                continue;
            };
            let prefix = records::name_key(&arn);
            for table in [Table::History, Table::Journal] {
                let Ok(rows) = self
                    .store
                    .scan(table, &Range::prefix(&prefix), usize::MAX, false)
                else {
                    continue;
                };
                for (k, _) in rows {
                    batch.delete(table, k);
                }
            }
            if let Ok(Some(bytes)) = self.store.get(Table::Executions, &prefix)
                && let Ok(record) = records::from_bytes::<ExecutionRecord>(&bytes)
            {
                batch.delete(
                    Table::MachineExecutions,
                    records::listing_key(&record.state_machine_arn, record.start, &arn),
                );
            }
            batch.delete(Table::Executions, prefix);
            batch.delete(Table::Finished, key);
        }
    }
}
