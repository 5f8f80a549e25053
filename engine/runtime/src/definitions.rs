//! Definitions, kept by content: every execution records the id (a hash) of the definition it started
//! with, and the text stays in the `definitions` table (deduplicated, never rewritten) so a parked
//! execution can be rebuilt, and its history derived, with exactly that definition even after its state
//! machine was updated or deleted.

use crate::Error;
use crate::records;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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

/// Parsed definitions by id, read from the store on first use and kept while they fit a budget (the
/// least recently used go first). A parsed definition costs about a dozen times its text, so keeping every
/// one ever created would grow memory without bound; one that is evicted is parsed again when next used.
/// Shared by the writer and the readers (cheap to clone); parsing happens outside the lock.
#[derive(Clone)]
pub(crate) struct Definitions {
    inner: Arc<Mutex<Lru>>,
}

struct Lru {
    entries: HashMap<String, Entry>,
    /// Bytes of definition text the cached entries were parsed from.
    held: usize,
    budget: usize,
    uses: u64,
}

struct Entry {
    compiled: Compiled,
    text_bytes: usize,
    used: u64,
}

impl Definitions {
    /// A cache keeping parsed definitions of up to `budget` bytes of text (always at least the newest).
    pub(crate) fn new(budget: usize) -> Definitions {
        Definitions {
            inner: Arc::new(Mutex::new(Lru {
                entries: HashMap::new(),
                held: 0,
                budget,
                uses: 0,
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        // Nothing panics while holding the lock; if something did, the cache is still consistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn insert(&self, id: &str, compiled: Compiled, text_bytes: usize) {
        let mut lru = self.lock();
        lru.uses += 1;
        let used = lru.uses;
        if let Some(old) = lru.entries.insert(
            id.to_string(),
            Entry {
                compiled,
                text_bytes,
                used,
            },
        ) {
            lru.held -= old.text_bytes;
        }
        lru.held += text_bytes;
        while lru.held > lru.budget && lru.entries.len() > 1 {
            let Some(oldest) = lru
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(e) = lru.entries.remove(&oldest) {
                lru.held -= e.text_bytes;
            }
        }
    }

    /// How many parsed definitions are held, and the bytes of text they came from.
    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        let lru = self.lock();
        (lru.entries.len(), lru.held)
    }

    pub(crate) fn get(&self, store: &dyn Store, id: &str) -> Result<Compiled, Error> {
        {
            let mut lru = self.lock();
            lru.uses += 1;
            let used = lru.uses;
            if let Some(e) = lru.entries.get_mut(id) {
                e.used = used;
                return Ok(e.compiled.clone());
            }
        }
        let text = text(store, id)?;
        let compiled = compile(&text, id)?;
        self.insert(id, compiled.clone(), text.len());
        Ok(compiled)
    }
}

/// The text of a stored definition.
pub(crate) fn text(store: &dyn Store, id: &str) -> Result<String, Error> {
    let bytes = store
        .get(Table::Definitions, &records::str_key(id))?
        .ok_or_else(|| Error::Corrupt(format!("definition {id} is missing")))?;
    String::from_utf8(bytes).map_err(|e| Error::Corrupt(e.to_string()))
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
    /// Keeps a validated definition, `id` being `id_of(text)`, in this batch (a put of the same content
    /// under the same id is harmless).
    pub(crate) fn keep_definition(
        &mut self,
        text: &str,
        id: &str,
        def: Definition,
        batch: &mut stepd_store::Batch,
    ) {
        batch.put(
            Table::Definitions,
            records::str_key(id),
            text.as_bytes().to_vec(),
        );
        self.definitions
            .insert(id, (Arc::new(def), Arc::new(Exprs::default())), text.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_what_fits_and_forgets_the_least_recently_used() {
        let store = stepd_store::MemoryStore::default();
        let text = |n: usize| {
            format!(
                r#"{{"Comment": "{}", "StartAt": "A", "States": {{"A": {{"Type": "Succeed"}}}}}}"#,
                "x".repeat(n)
            )
        };
        let texts: Vec<String> = (0..4).map(|i| text(1000 + i)).collect();
        let mut batch = stepd_store::Batch::new();
        for t in &texts {
            batch.put(
                Table::Definitions,
                records::str_key(&id_of(t)),
                t.as_bytes().to_vec(),
            );
        }
        stepd_store::Store::commit(&store, &batch).unwrap();
        let cache = Definitions::new(2_500);
        let ids: Vec<String> = texts.iter().map(|t| id_of(t)).collect();
        cache.get(&store, &ids[0]).unwrap();
        cache.get(&store, &ids[1]).unwrap();
        assert_eq!(cache.held().0, 2);
        cache.get(&store, &ids[0]).unwrap(); // 0 is now newer than 1
        cache.get(&store, &ids[2]).unwrap();
        let (n, bytes) = cache.held();
        assert_eq!(n, 2, "one had to go");
        assert!(bytes <= 2_500);
        assert!(
            cache.lock().entries.contains_key(&ids[0]),
            "the recently used one stays"
        );
        assert!(!cache.lock().entries.contains_key(&ids[1]));
        // A definition larger than the whole budget is still kept (alone) while it is the newest.
        let small = Definitions::new(10);
        small.get(&store, &ids[3]).unwrap();
        assert_eq!(small.held().0, 1);
    }
}
