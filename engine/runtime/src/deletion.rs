//! DeleteStateMachine as AWS does it: the machine turns `DELETING` at once (no new executions), and its
//! record goes away with the commit that finishes its last running execution, so recovery never meets a
//! running execution whose definition is gone.

use crate::Error;
use crate::records;
use crate::writer::Writer;
use stepd_store::{Batch, Op, Range, Table};

impl Writer {
    /// Marks `arn` deleting, and removes it now if nothing of it is running. Deleting an unknown machine
    /// succeeds, as in AWS.
    pub(crate) fn delete_machine(&mut self, arn: &str, batch: &mut Batch) -> Result<(), Error> {
        let Some(record) = self.machines.get_mut(arn) else {
            return Ok(());
        };
        record.deleting = true;
        batch.put(
            Table::StateMachines,
            records::str_key(arn),
            records::to_bytes(&*record)?,
        );
        self.forget_machine_if_idle(arn, batch);
        Ok(())
    }

    /// Removes a deleting machine once no execution of it is running (called after one finishes). The
    /// store's running index is read through this batch: executions finished in it no longer count.
    pub(crate) fn forget_machine_if_idle(&mut self, arn: &str, batch: &mut Batch) {
        let deleting = self.machines.get(arn).is_some_and(|r| r.deleting);
        if !deleting {
            return;
        }
        let prefix = records::machine_prefix(arn);
        let in_batch = |op: &Op| match op {
            Op::Put { table, key, .. } | Op::Delete { table, key } => {
                *table == Table::Running && key.starts_with(&prefix)
            }
        };
        let touched: Vec<Vec<u8>> = batch
            .ops
            .iter()
            .filter(|op| in_batch(op))
            .map(|op| match op {
                Op::Put { key, .. } | Op::Delete { key, .. } => key.clone(),
            })
            .collect();
        // If more are running than this batch removes, one of the first `touched + 1` stored is still on.
        let Ok(stored) = self.store.scan(
            Table::Running,
            &Range::prefix(&prefix),
            touched.len() + 1,
            false,
        ) else {
            return;
        };
        let running = stored
            .into_iter()
            .map(|(k, _)| k)
            .chain(touched)
            .any(|k| batch.latest(Table::Running, &k) != Some(None));
        if !running {
            self.delete_versions(arn, batch);
            self.machines.remove(arn);
            if let Ok(mut set) = self.express.write() {
                set.remove(arn);
            }
            batch.delete(Table::StateMachines, records::str_key(arn));
        }
    }
}
