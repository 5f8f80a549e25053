//! The catalog in the writer: state machines (CreateStateMachine's registration; updates and versions are in
//! `versions`, aliases in `aliases`, deletion in `deletion`, tags in `tags`) and activities. Every change goes
//! into the group's batch and is answered after its commit.

use crate::Error;
use crate::after::{After, reply_after};
use crate::records::{self, ActivityRecord, StateMachineRecord};
use crate::requests::{AliasOp, CatalogOp};
use crate::writer::Writer;
use stepd_core::Millis;
use stepd_store::{Batch, Table};

impl Writer {
    /// Applies one catalog request to the group being built.
    pub(crate) fn catalog(
        &mut self,
        op: CatalogOp,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) {
        match op {
            CatalogOp::Register {
                mut spec,
                def,
                id,
                reply,
            } => {
                let publish = spec.publish.take();
                let result = self.register(spec, def, id, now, batch).and_then(|arn| {
                    let version = match publish {
                        Some(d) => Some(self.publish(&arn, None, d, now, batch)?.arn),
                        None => None,
                    };
                    Ok((arn, version))
                });
                reply_after(after, reply, result);
            }
            CatalogOp::Update {
                arn,
                definition,
                role_arn,
                publish,
                reply,
            } => {
                let result = self.update(&arn, definition, role_arn, publish, now, batch);
                reply_after(after, reply, result);
            }
            CatalogOp::Publish {
                arn,
                revision,
                description,
                reply,
            } => {
                let result = self.publish(&arn, revision.as_deref(), description, now, batch);
                reply_after(after, reply, result);
            }
            CatalogOp::Alias(op) => self.alias(op, now, batch, after),
            CatalogOp::DeleteVersion { arn, reply } => {
                let result = self.delete_version(&arn, batch);
                reply_after(after, reply, result);
            }
            CatalogOp::Retag {
                arn,
                add,
                remove,
                reply,
            } => {
                let result = self.retag(&arn, add, &remove, batch);
                reply_after(after, reply, result);
            }
            CatalogOp::CreateActivity { name, tags, reply } => {
                let result = self.create_activity(name, tags, now, batch);
                reply_after(after, reply, result);
            }
            CatalogOp::DeleteMachine { arn, reply } => {
                let result = self.delete_machine(&arn, batch);
                reply_after(after, reply, result);
            }
            CatalogOp::DeleteActivity { arn, reply } => {
                batch.delete(Table::Activities, records::str_key(&arn));
                reply_after(after, reply, Ok(()));
            }
        }
    }

    fn alias(&mut self, op: AliasOp, now: Millis, batch: &mut Batch, after: &mut Vec<After>) {
        match op {
            AliasOp::Create {
                machine,
                name,
                description,
                routing,
                reply,
            } => {
                let r = self.create_alias(&machine, &name, description, &routing, now, batch);
                reply_after(after, reply, r);
            }
            AliasOp::Update {
                arn,
                description,
                routing,
                reply,
            } => {
                let r = self.update_alias(&arn, description, routing.as_deref(), now, batch);
                reply_after(after, reply, r);
            }
            AliasOp::Delete { arn, reply } => {
                let r = self.delete_alias(&arn, batch);
                reply_after(after, reply, r);
            }
        }
    }

    fn create_activity(
        &mut self,
        name: String,
        tags: crate::Tags,
        now: Millis,
        batch: &mut Batch,
    ) -> Result<String, Error> {
        if !records::valid_name(&name) {
            return Err(Error::InvalidName(name));
        }
        let arn = self.arns.activity(&name);
        // Creating an existing activity again answers it unchanged (AWS is idempotent here).
        let key = records::str_key(&arn);
        let exists = match batch.latest(Table::Activities, &key) {
            Some(pending) => pending.is_some(),
            None => self.store.get(Table::Activities, &key)?.is_some(),
        };
        if !exists {
            let record = ActivityRecord {
                arn: arn.clone(),
                name,
                created: now,
                tags,
            };
            batch.put(Table::Activities, key, records::to_bytes(&record)?);
            self.activities.entry(arn.clone()).or_default();
        }
        Ok(arn)
    }

    fn register(
        &mut self,
        spec: crate::MachineSpec,
        def: stepd_asl::model::Definition,
        definition_id: String,
        now: Millis,
        batch: &mut Batch,
    ) -> Result<String, Error> {
        let crate::MachineSpec {
            name,
            definition,
            role_arn,
            tags,
            express,
            ..
        } = spec;
        let arn = self.arns.state_machine(&name);
        // As in AWS, creating again with the same definition answers the existing machine; a different one
        // under the same name is refused (running executions replay against the stored definition).
        if let Some(existing) = self.machines.get(&arn) {
            return if existing.deleting {
                Err(Error::StateMachineDeleting(arn))
            } else if existing.definition_id == definition_id && existing.express == express {
                Ok(arn)
            } else {
                Err(Error::StateMachineAlreadyExists(arn))
            };
        }
        self.keep_definition(&definition, &definition_id, def, batch);
        let record = StateMachineRecord {
            arn: arn.clone(),
            name,
            definition_id,
            created: now,
            deleting: false,
            express,
            role_arn,
            updated: None,
            last_version: 0,
            aliases: Default::default(),
            tags,
        };
        batch.put(
            Table::StateMachines,
            records::str_key(&arn),
            records::to_bytes(&record)?,
        );
        if express && let Ok(mut set) = self.express.write() {
            set.insert(arn.clone());
        }
        self.machines.insert(arn.clone(), record);
        Ok(arn)
    }
}
