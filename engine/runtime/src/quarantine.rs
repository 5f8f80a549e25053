//! Quarantine: an execution whose record or journal cannot be read back, whose replay fails, or whose
//! interpreter panics is failed with a clear cause and logged, and the server goes on serving every other
//! execution. Nothing about one execution may crash the process or make a restart crash again.

use crate::records::{self, ExecutionRecord, Parked};
use crate::writer::Writer;
use stepd_core::{Millis, Outcome};
use stepd_store::{Batch, Table};

/// An execution to fail at the end of the group being built.
pub(crate) struct Poisoned {
    arn: String,
    why: String,
    /// Its record and what it kept, when it was in memory (it may not be in the store yet).
    known: Option<(ExecutionRecord, Parked)>,
}

impl Writer {
    /// Takes an execution out of service: it is dropped from memory now and counts as ended for the rest
    /// of the group; `quarantine` writes its end.
    pub(crate) fn poison(&mut self, arn: &str, why: String) {
        let known = self.live.remove(arn).map(|l| (l.record, l.parked));
        self.ended.insert(arn.to_string());
        self.poisoned.push(Poisoned {
            arn: arn.to_string(),
            why,
            known,
        });
    }

    /// Fails the executions poisoned in this group (`States.Runtime`, the reason as the cause), in the
    /// group's batch.
    pub(crate) fn quarantine(
        &mut self,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<crate::writer::After>,
    ) {
        for p in std::mem::take(&mut self.poisoned) {
            tracing::error!(
                execution = %p.arn,
                reason = %p.why,
                "execution quarantined: it is failed and the server goes on"
            );
            let Some((record, parked)) = p.known.or_else(|| self.stored(&p.arn)) else {
                tracing::error!(execution = %p.arn, "the quarantined execution's record is unreadable; it stays as it is");
                continue;
            };
            if record.outcome.is_some() {
                continue;
            }
            let outcome = Outcome::Failed {
                error: stepd_core::names::RUNTIME.into(),
                cause: format!(
                    "stepd could not continue this execution and stopped it: {}",
                    p.why
                ),
            };
            self.job_closed(&p.arn, &outcome, now, batch, after);
            self.close(&p.arn, record, &parked, outcome, now, batch, after);
        }
    }

    /// The committed record and running entry of an execution (the entry may be missing or unreadable:
    /// then nothing it kept can be cleaned up, but the execution still ends).
    fn stored(&self, arn: &str) -> Option<(ExecutionRecord, Parked)> {
        let bytes = self
            .store
            .get(Table::Executions, &records::exec_key(arn))
            .ok()??;
        let record = records::read_execution(arn, &bytes).ok()?;
        let key = records::running_key(&record.state_machine_arn, arn);
        let parked = match self.store.get(Table::Running, &key) {
            Ok(Some(b)) => records::from_bytes(&b).unwrap_or_default(),
            _ => Parked::default(),
        };
        Some((record, parked))
    }
}

/// The message a panic carried, for the log and the cause.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}
