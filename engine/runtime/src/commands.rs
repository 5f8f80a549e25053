//! The `Runtime` handle's catalog commands: state machines (create, update, delete), versions, aliases,
//! tags and activities. Each is a request to the writer, answered once its change is durable.

use crate::Error;
use crate::records;
use crate::requests::{AliasOp, CatalogOp, Request};
use crate::runtime::{MachineSpec, Runtime};
use stepd_core::Millis;

impl Runtime {
    /// Registers (or replaces) a state machine; returns its ARN.
    pub async fn register(&self, name: &str, definition: &str) -> Result<String, Error> {
        self.register_tagged(name, definition, crate::Tags::new())
            .await
    }

    /// Registers a state machine with tags, in one commit.
    pub async fn register_tagged(
        &self,
        name: &str,
        definition: &str,
        tags: crate::Tags,
    ) -> Result<String, Error> {
        let spec = MachineSpec {
            tags,
            ..MachineSpec::new(name, definition)
        };
        Ok(self.create_state_machine(spec).await?.0)
    }

    /// CreateStateMachine: registers a machine and, with `publish` (a version description), publishes
    /// version 1 in the same commit. Answers the machine's ARN and the version's.
    pub async fn create_state_machine(
        &self,
        spec: MachineSpec,
    ) -> Result<(String, Option<String>), Error> {
        // Checked here, off the async workers, not in the writer: a 1 MiB definition takes long enough to
        // check that it would hold up every commit behind it.
        let (spec, def, id) = self
            .read(move |_| {
                if !records::valid_name(&spec.name) {
                    return Err(Error::InvalidName(spec.name));
                }
                let def = crate::definitions::validated(&spec.definition, spec.express)?;
                let id = crate::definitions::id_of(&spec.definition);
                Ok((spec, def, id))
            })
            .await?;
        self.ask(|reply| {
            Request::Catalog(CatalogOp::Register {
                spec,
                def,
                id,
                reply,
            })
        })
        .await
    }

    /// UpdateStateMachine: a new current definition and role (if given) and, with `publish`, a new version.
    pub async fn update_state_machine(
        &self,
        arn: &str,
        definition: Option<&str>,
        role_arn: Option<&str>,
        publish: Option<&str>,
    ) -> Result<crate::Updated, Error> {
        let arn = arn.to_string();
        let definition = match definition {
            None => None,
            Some(text) => {
                // Checked off the writer (see `create_state_machine`) as the machine's type asks; the
                // writer checks again only if the type changed in between (the machine was replaced).
                let express = self.state_machine(&arn)?.express;
                let text = text.to_string();
                Some(
                    self.read(move |_| {
                        let def = crate::definitions::validated(&text, express)?;
                        let id = crate::definitions::id_of(&text);
                        Ok(crate::versions::Checked {
                            text,
                            id,
                            def,
                            express,
                        })
                    })
                    .await?,
                )
            }
        };
        let role_arn = role_arn.map(str::to_string);
        let publish = publish.map(str::to_string);
        self.ask(|reply| {
            Request::Catalog(CatalogOp::Update {
                arn,
                definition,
                role_arn,
                publish,
                reply,
            })
        })
        .await
    }

    /// PublishStateMachineVersion (`revision`, if given, must be the current one).
    pub async fn publish_version(
        &self,
        arn: &str,
        revision: Option<&str>,
        description: &str,
    ) -> Result<crate::VersionRecord, Error> {
        let (arn, description) = (arn.to_string(), description.to_string());
        let revision = revision.map(str::to_string);
        self.ask(|reply| {
            Request::Catalog(CatalogOp::Publish {
                arn,
                revision,
                description,
                reply,
            })
        })
        .await
    }

    /// CreateStateMachineAlias: `routing` is (version ARN, weight); answers the alias ARN.
    pub async fn create_alias(
        &self,
        machine: &str,
        name: &str,
        description: &str,
        routing: Vec<(String, u8)>,
    ) -> Result<String, Error> {
        let (machine, name, description) = (
            machine.to_string(),
            name.to_string(),
            description.to_string(),
        );
        self.ask(|reply| {
            Request::Catalog(CatalogOp::Alias(AliasOp::Create {
                machine,
                name,
                description,
                routing,
                reply,
            }))
        })
        .await
    }

    /// UpdateStateMachineAlias; answers the update's time.
    pub async fn update_alias(
        &self,
        arn: &str,
        description: Option<&str>,
        routing: Option<Vec<(String, u8)>>,
    ) -> Result<Millis, Error> {
        let (arn, description) = (arn.to_string(), description.map(str::to_string));
        self.ask(|reply| {
            Request::Catalog(CatalogOp::Alias(AliasOp::Update {
                arn,
                description,
                routing,
                reply,
            }))
        })
        .await
    }

    /// DeleteStateMachineAlias (deleting one that does not exist succeeds).
    pub async fn delete_alias(&self, arn: &str) -> Result<(), Error> {
        let arn = arn.to_string();
        self.ask(|reply| Request::Catalog(CatalogOp::Alias(AliasOp::Delete { arn, reply })))
            .await
    }

    /// DeleteStateMachineVersion.
    pub async fn delete_version(&self, arn: &str) -> Result<(), Error> {
        let arn = arn.to_string();
        self.ask(|reply| Request::Catalog(CatalogOp::DeleteVersion { arn, reply }))
            .await
    }

    /// Adds and removes tags of a state machine or activity.
    pub async fn retag(
        &self,
        arn: &str,
        add: crate::Tags,
        remove: Vec<String>,
    ) -> Result<(), Error> {
        let arn = arn.to_string();
        self.ask(|reply| {
            Request::Catalog(CatalogOp::Retag {
                arn,
                add,
                remove,
                reply,
            })
        })
        .await
    }

    /// Registers an activity (idempotent on its name); returns its ARN.
    pub async fn create_activity(&self, name: &str) -> Result<String, Error> {
        self.create_activity_tagged(name, crate::Tags::new()).await
    }

    /// Registers an activity with tags, in one commit (an existing one is answered unchanged).
    pub async fn create_activity_tagged(
        &self,
        name: &str,
        tags: crate::Tags,
    ) -> Result<String, Error> {
        let name = name.to_string();
        self.ask(|reply| Request::Catalog(CatalogOp::CreateActivity { name, tags, reply }))
            .await
    }

    /// Deletes a state machine: `DELETING` until its running executions finish, then gone.
    pub async fn delete_state_machine(&self, arn: &str) -> Result<(), Error> {
        let arn = arn.to_string();
        self.ask(|reply| Request::Catalog(CatalogOp::DeleteMachine { arn, reply }))
            .await
    }

    /// Deletes an activity (deleting one that does not exist succeeds, as in AWS).
    pub async fn delete_activity(&self, arn: &str) -> Result<(), Error> {
        let arn = arn.to_string();
        self.ask(|reply| Request::Catalog(CatalogOp::DeleteActivity { arn, reply }))
            .await
    }
}
