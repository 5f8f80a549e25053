//! DeleteStateMachine as AWS does it: the machine turns `DELETING` at once (no new executions), and its
//! record goes away with the commit that finishes its last running execution, so recovery never meets a
//! running execution whose definition is gone.

use crate::Error;
use crate::records;
use crate::writer::Writer;
use stepd_store::{Batch, Table};

impl Writer {
    /// Marks `arn` deleting, and removes it now if nothing of it is running. Deleting an unknown machine
    /// succeeds, as in AWS.
    pub(crate) fn delete_machine(&mut self, arn: &str, batch: &mut Batch) -> Result<(), Error> {
        let Some((record, _, _)) = self.machines.get_mut(arn) else {
            return Ok(());
        };
        record.deleting = true;
        batch.put(
            Table::StateMachines,
            records::name_key(arn),
            records::to_bytes(&*record),
        );
        self.forget_machine_if_idle(arn, batch);
        Ok(())
    }

    /// Removes a deleting machine once no execution of it is running (called after one finishes).
    pub(crate) fn forget_machine_if_idle(&mut self, arn: &str, batch: &mut Batch) {
        let deleting = self.machines.get(arn).is_some_and(|(r, _, _)| r.deleting);
        if deleting
            && !self
                .live
                .values()
                .any(|l| l.record.state_machine_arn == arn)
        {
            self.machines.remove(arn);
            batch.delete(Table::StateMachines, records::name_key(arn));
        }
    }
}
