//! Definitions, kept by content: every execution records the id (a hash) of the definition it started
//! with, and the text stays in the `definitions` table (deduplicated, never rewritten) so a parked
//! execution can be rebuilt, and its history derived, with exactly that definition even after its state
//! machine was updated or deleted.

use crate::Error;
use crate::records;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use stepd_asl::model::Definition;
use stepd_core::Exprs;
use stepd_store::{Store, Table};

/// A parsed definition and its expression cache.
pub(crate) type Compiled = (Arc<Definition>, Arc<Exprs>);

/// The id of a definition text: the first 16 bytes of its SHA-256, in hex.
pub(crate) fn id_of(text: &str) -> String {
    Sha256::digest(text.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Parses a definition the store holds (it was valid when stored; failing now means corruption).
pub(crate) fn compile(text: &str, id: &str) -> Result<Compiled, Error> {
    let report = stepd_asl::validate(text, stepd_asl::Options::default());
    let def = report
        .definition
        .ok_or_else(|| Error::Corrupt(format!("stored definition {id} is invalid")))?;
    Ok((Arc::new(def), Arc::new(Exprs::default())))
}

/// Parsed definitions by id, read from the store on first use.
#[derive(Default)]
pub(crate) struct Definitions {
    cache: HashMap<String, Compiled>,
}

impl Definitions {
    pub(crate) fn insert(&mut self, id: String, compiled: Compiled) {
        self.cache.insert(id, compiled);
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.cache.contains_key(id)
    }

    pub(crate) fn get(&mut self, store: &dyn Store, id: &str) -> Result<Compiled, Error> {
        if let Some(c) = self.cache.get(id) {
            return Ok(c.clone());
        }
        let bytes = store
            .get(Table::Definitions, &records::name_key(id))?
            .ok_or_else(|| Error::Corrupt(format!("definition {id} is missing")))?;
        let text = String::from_utf8(bytes).map_err(|e| Error::Corrupt(e.to_string()))?;
        let compiled = compile(&text, id)?;
        self.cache.insert(id.to_string(), compiled.clone());
        Ok(compiled)
    }
}

/// A new definition checked as CreateStateMachine and UpdateStateMachine check it (`InvalidDefinition`
/// with AWS's message).
pub(crate) fn validated(text: &str, express: bool) -> Result<Definition, Error> {
    let report = stepd_asl::validate(text, stepd_asl::Options { express });
    report.definition.ok_or_else(|| {
        Error::InvalidDefinition(stepd_asl::invalid_definition_message(&report.diagnostics))
    })
}

impl crate::writer::Writer {
    /// Keeps a validated definition (once per content) in this batch; answers its id.
    pub(crate) fn keep_definition(
        &mut self,
        text: &str,
        def: Definition,
        batch: &mut stepd_store::Batch,
    ) -> String {
        let id = id_of(text);
        if !self.definitions.contains(&id) {
            batch.put(
                Table::Definitions,
                records::name_key(&id),
                text.as_bytes().to_vec(),
            );
            self.definitions
                .insert(id.clone(), (Arc::new(def), Arc::new(Exprs::default())));
        }
        id
    }
}
