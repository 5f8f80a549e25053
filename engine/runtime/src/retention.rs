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
        let old = match self.store.scan(Table::Finished, &range, PER_SWEEP, false) {
            Ok(old) => old,
            Err(e) => {
                tracing::warn!(error = %e, "the retention sweep could not read finished executions; the next sweep tries again");
                return;
            }
        };
        for (key, _) in old {
            let mut r = KeyReader::new(&key);
            let (Some(_), Some(id)) = (r.i64(), r.str()) else {
                continue;
            };
            let arn = self.arns.execution_of(&id);
            let prefix = records::exec_key(&arn);
            // An execution whose rows cannot be read now stays until a later sweep reads them.
            let journal =
                self.store
                    .scan(Table::Journal, &Range::prefix(&prefix), usize::MAX, false);
            let record = self
                .store
                .get(Table::Executions, &prefix)
                .map_err(crate::Error::from)
                .and_then(|b| b.map(|b| records::read_execution(&arn, &b)).transpose());
            let (journal, record) = match (journal, record) {
                (Ok(j), Ok(r)) => (j, r),
                (Err(e), _) => {
                    tracing::warn!(execution = %arn, error = %e, "a finished execution's journal could not be read; it is kept for now");
                    continue;
                }
                (_, Err(e)) => {
                    tracing::warn!(execution = %arn, error = %e, "a finished execution's record could not be read; it is kept for now");
                    continue;
                }
            };
            for (k, _) in journal {
                batch.delete(Table::Journal, k);
            }
            if let Some(record) = record {
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
