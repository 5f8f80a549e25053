//! `MemoryStore`: the same contract in memory (for tests and `stepd run`); a batch applies under one lock.

use crate::{Batch, Entry, Error, Op, Range, Store, Table};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Every table's ordered entries.
type Tables = HashMap<Table, BTreeMap<Vec<u8>, Vec<u8>>>;

#[derive(Debug, Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        // A panic while holding the lock cannot leave a half-applied batch (ops are applied infallibly).
        self.tables
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Store for MemoryStore {
    fn commit(&self, batch: &Batch) -> Result<(), Error> {
        let mut tables = self.lock();
        for op in &batch.ops {
            match op {
                Op::Put { table, key, value } => {
                    tables
                        .entry(*table)
                        .or_default()
                        .insert(key.clone(), value.clone());
                }
                Op::Delete { table, key } => {
                    if let Some(t) = tables.get_mut(table) {
                        t.remove(key);
                    }
                }
            }
        }
        Ok(())
    }

    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.lock().get(&table).and_then(|t| t.get(key).cloned()))
    }

    fn scan(
        &self,
        table: Table,
        range: &Range,
        limit: usize,
        reverse: bool,
    ) -> Result<Vec<Entry>, Error> {
        let tables = self.lock();
        let Some(t) = tables.get(&table) else {
            return Ok(Vec::new());
        };
        let bounds = (
            range.start.as_ref().map(Vec::as_slice),
            range.end.as_ref().map(Vec::as_slice),
        );
        let iter = t
            .range::<[u8], _>(bounds)
            .map(|(k, v)| (k.clone(), v.clone()));
        Ok(if reverse {
            iter.rev().take(limit).collect()
        } else {
            iter.take(limit).collect()
        })
    }
}
