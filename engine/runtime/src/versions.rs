//! State machine versions, as AWS has them: UpdateStateMachine changes a machine's current definition (new
//! executions use it; running ones keep the one they started with), and publishing freezes the current
//! definition as version 1, 2, … (`<machine ARN>:<n>`, numbers never reused). StartExecution on a version
//! ARN runs that version. Publishing the same revision as the latest version answers that version.

use crate::Error;
use crate::records::{self, StateMachineRecord};
use crate::writer::Writer;
use serde::{Deserialize, Serialize};
use stepd_core::Millis;
use stepd_store::{Batch, Key, Range, Table};

/// A new definition for UpdateStateMachine, checked before it reaches the writer, and the machine type it
/// was checked as.
pub(crate) struct Checked {
    pub text: String,
    /// `definitions::id_of(text)`.
    pub id: String,
    pub def: stepd_asl::model::Definition,
    pub express: bool,
}

/// A published version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VersionRecord {
    /// `<machine ARN>:<version>`.
    pub arn: String,
    pub state_machine_arn: String,
    pub version: u64,
    pub definition_id: String,
    #[serde(default)]
    pub description: String,
    pub created: Millis,
}

/// What UpdateStateMachine answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Updated {
    pub revision_id: String,
    pub version_arn: Option<String>,
    pub updated: Millis,
}

/// A version ARN split into its machine's ARN and its number (`None` for anything else).
pub fn split_version(arn: &str) -> Option<(&str, u64)> {
    match stepd_core::arn::machine(arn)? {
        stepd_core::arn::MachineRef {
            machine,
            qualifier: stepd_core::arn::Qualifier::Version(n),
            ..
        } => Some((machine, n)),
        _ => None,
    }
}

/// Key of `versions`: (machine, version).
pub(crate) fn version_key(machine_arn: &str, version: u64) -> Vec<u8> {
    Key::new()
        .str(records::machine_short(machine_arn))
        .u64(version)
        .into_bytes()
}

/// The prefix of a machine's versions.
pub(crate) fn versions_prefix(machine_arn: &str) -> Vec<u8> {
    records::machine_prefix(machine_arn)
}

impl Writer {
    /// A version's record, read through this batch.
    pub(crate) fn version(
        &self,
        machine: &str,
        n: u64,
        batch: &Batch,
    ) -> Result<Option<VersionRecord>, Error> {
        let key = version_key(machine, n);
        let bytes = match batch.latest(Table::Versions, &key) {
            Some(pending) => pending.map(<[u8]>::to_vec),
            None => self.store.get(Table::Versions, &key)?,
        };
        bytes.map(|b| records::from_bytes(&b)).transpose()
    }

    pub(crate) fn active(&mut self, arn: &str) -> Result<&mut StateMachineRecord, Error> {
        match self.machines.get_mut(arn) {
            None => Err(Error::StateMachineDoesNotExist(arn.to_string())),
            Some(m) if m.deleting => Err(Error::StateMachineDeleting(arn.to_string())),
            Some(m) => Ok(m),
        }
    }

    pub(crate) fn publish(
        &mut self,
        arn: &str,
        revision: Option<&str>,
        description: String,
        now: Millis,
        batch: &mut Batch,
    ) -> Result<VersionRecord, Error> {
        let (current, last) = {
            let m = self.active(arn)?;
            (m.definition_id.clone(), m.last_version)
        };
        if let Some(r) = revision
            && r != current
        {
            return Err(Error::Conflict(format!(
                "The revisionId '{r}' is not the state machine's current revision '{current}'"
            )));
        }
        if last > 0
            && let Some(latest) = self.version(arn, last, batch)?
            && latest.definition_id == current
        {
            return Ok(latest);
        }
        let version = last + 1;
        let record = VersionRecord {
            arn: format!("{arn}:{version}"),
            state_machine_arn: arn.to_string(),
            version,
            definition_id: current,
            description,
            created: now,
        };
        batch.put(
            Table::Versions,
            version_key(arn, version),
            records::to_bytes(&record)?,
        );
        let m = self.active(arn)?;
        m.last_version = version;
        let bytes = records::to_bytes(&*m)?;
        batch.put(Table::StateMachines, records::str_key(arn), bytes);
        Ok(record)
    }

    pub(crate) fn update(
        &mut self,
        arn: &str,
        definition: Option<Checked>,
        role_arn: Option<String>,
        publish: Option<String>,
        now: Millis,
        batch: &mut Batch,
    ) -> Result<Updated, Error> {
        let express = self.active(arn)?.express;
        if let Some(checked) = definition {
            let def = if checked.express == express {
                checked.def
            } else {
                crate::definitions::validated(&checked.text, express)?
            };
            self.keep_definition(&checked.text, &checked.id, def, batch);
            self.active(arn)?.definition_id = checked.id;
        }
        let m = self.active(arn)?;
        if let Some(role) = role_arn {
            m.role_arn = role;
        }
        m.updated = Some(now);
        let revision_id = m.definition_id.clone();
        let bytes = records::to_bytes(&*m)?;
        batch.put(Table::StateMachines, records::str_key(arn), bytes);
        let version_arn = match publish {
            Some(description) => Some(self.publish(arn, None, description, now, batch)?.arn),
            None => None,
        };
        Ok(Updated {
            revision_id,
            version_arn,
            updated: now,
        })
    }

    /// Deletes a version (executions running it go on with their definition). Deleting one that does not
    /// exist succeeds.
    pub(crate) fn delete_version(&mut self, arn: &str, batch: &mut Batch) -> Result<(), Error> {
        let Some((machine, n)) = split_version(arn) else {
            return Err(Error::InvalidArn(arn.to_string()));
        };
        if let Some(alias) = self.routed(machine, n) {
            return Err(Error::Conflict(format!(
                "The version '{arn}' is routed to by the alias '{alias}'"
            )));
        }
        batch.delete(Table::Versions, version_key(machine, n));
        Ok(())
    }

    /// Deletes every version of a machine that is going away.
    pub(crate) fn delete_versions(&mut self, machine: &str, batch: &mut Batch) {
        let range = Range::prefix(&versions_prefix(machine));
        match self.store.scan(Table::Versions, &range, usize::MAX, false) {
            Ok(rows) => {
                for (k, _) in rows {
                    batch.delete(Table::Versions, k);
                }
            }
            // The machine goes; its versions stay unreachable rows (no listing finds them without it).
            Err(e) => {
                tracing::warn!(machine, error = %e, "a deleted machine's versions could not be read; their rows are left")
            }
        }
    }
}
