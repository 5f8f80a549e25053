//! Retention: finished executions older than the retention period are removed in the background (record,
//! history, journal, listing entry), and ended jobs with them, a thousand of each per sweep, so the redb file does not grow without bound
//! (redb reuses the freed pages).

use crate::records;
use crate::writer::Writer;
use std::ops::Bound;
use stepd_core::Millis;
use stepd_store::{Batch, Key, KeyReader, Range, Table};

/// Most executions one sweep removes (one commit group).
const PER_SWEEP: usize = 1_000;

impl Writer {
    pub(crate) fn sweep(&mut self, now: Millis, batch: &mut Batch) {
        // Ended jobs go after the same period as the executions they ran as.
        crate::jobs::sweep(self, now.saturating_sub(self.retention), PER_SWEEP, batch);
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
            let (Some(_), Some(id)) = (r.i64(), r.str()) else {
                continue;
            };
            let arn = self.arns.execution_of(&id);
            let prefix = records::exec_key(&arn);
            if let Ok(rows) =
                self.store
                    .scan(Table::Journal, &Range::prefix(&prefix), usize::MAX, false)
            {
                for (k, _) in rows {
                    batch.delete(Table::Journal, k);
                }
            }
            if let Ok(Some(bytes)) = self.store.get(Table::Executions, &prefix)
                && let Ok(record) = records::read_execution(&arn, &bytes)
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
