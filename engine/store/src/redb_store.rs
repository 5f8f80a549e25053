//! `RedbStore`: the store in one embedded redb file. A batch is one write transaction with immediate
//! durability and quick repair (two-phase commit); redb's copy-on-write commit makes it all-or-nothing
//! across crashes, and reopening after one does not walk the file.

use crate::{Batch, Entry, Error, Op, Range, Store, Table};
use redb::{Database, Durability, ReadableDatabase, StorageBackend, TableDefinition};
use std::path::Path;

type Guard<'a> = redb::AccessGuard<'a, &'static [u8]>;

fn definition(table: Table) -> TableDefinition<'static, &'static [u8], &'static [u8]> {
    TableDefinition::new(table.name())
}

/// redb's page cache. Its default (1 GiB) is what a repair after a crash fills when it walks a large file;
/// this bound keeps the process's memory in check (measured with a million parked executions).
const CACHE_BYTES: usize = 256 * 1024 * 1024;

/// The redb-backed store.
#[derive(Debug)]
pub struct RedbStore {
    db: Database,
}

impl RedbStore {
    /// Opens (or creates) the database file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<RedbStore, Error> {
        let path = path.as_ref();
        guarded(|| {
            let db = redb::Builder::new()
                .set_cache_size(CACHE_BYTES)
                .create(path)
                .map_err(|e| Error::Corrupt(e.to_string()))?;
            RedbStore::init(db)
        })
    }

    /// Opens a database on a custom backend (crash-consistency tests inject faults this way).
    pub fn with_backend(backend: impl StorageBackend) -> Result<RedbStore, Error> {
        let db = redb::Builder::new()
            .create_with_backend(backend)
            .map_err(|e| Error::Corrupt(e.to_string()))?;
        RedbStore::init(db)
    }

    /// Creates every table, so reads never meet a missing one.
    fn init(db: Database) -> Result<RedbStore, Error> {
        let txn = db.begin_write().map_err(Error::io)?;
        for t in Table::ALL {
            txn.open_table(definition(t)).map_err(Error::io)?;
        }
        txn.commit().map_err(Error::io)?;
        Ok(RedbStore { db })
    }
}

/// Runs a redb call, turning a panic into `Error::Corrupt`: on some damaged pages redb panics instead of
/// returning an error, and a damaged file must be reported, never abort the process.
fn guarded<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(Error::Corrupt(format!(
            "the database file is damaged: {why}"
        )))
    })
}

impl Store for RedbStore {
    fn commit(&self, batch: &Batch) -> Result<(), Error> {
        guarded(|| self.commit_unguarded(batch))
    }

    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        guarded(|| self.get_unguarded(table, key))
    }

    fn scan(
        &self,
        table: Table,
        range: &Range,
        limit: usize,
        reverse: bool,
    ) -> Result<Vec<Entry>, Error> {
        guarded(|| self.scan_unguarded(table, range, limit, reverse))
    }
}

impl RedbStore {
    fn commit_unguarded(&self, batch: &Batch) -> Result<(), Error> {
        let mut txn = self.db.begin_write().map_err(Error::io)?;
        txn.set_durability(Durability::Immediate)
            .map_err(Error::io)?;
        // Quick repair: each commit also saves the allocator state (two-phase commit), so opening after a
        // crash is immediate instead of a walk of the whole file. Measured with 200,000 parked executions:
        // restart after kill -9 5 ms instead of 309 ms (and 34 MB instead of 252 MB resident; 2 s at a
        // million), for a callback round trip of 0.66/1.04 ms (p50/p99) instead of 0.36/0.58 ms.
        txn.set_quick_repair(true);
        // One table open at a time; ops keep their order within a table (tables are independent).
        for t in Table::ALL {
            if !batch.ops.iter().any(|op| op_table(op) == t) {
                continue;
            }
            let mut table = txn.open_table(definition(t)).map_err(Error::io)?;
            for op in batch.ops.iter().filter(|op| op_table(op) == t) {
                match op {
                    Op::Put { key, value, .. } => {
                        table
                            .insert(key.as_slice(), value.as_slice())
                            .map_err(Error::io)?;
                    }
                    Op::Delete { key, .. } => {
                        table.remove(key.as_slice()).map_err(Error::io)?;
                    }
                }
            }
        }
        // If anything above failed, the transaction is dropped uncommitted: nothing of the batch persists.
        txn.commit().map_err(Error::io)
    }

    fn get_unguarded(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        let txn = self.db.begin_read().map_err(Error::io)?;
        let t = txn.open_table(definition(table)).map_err(Error::io)?;
        Ok(t.get(key).map_err(Error::io)?.map(|v| v.value().to_vec()))
    }

    fn scan_unguarded(
        &self,
        table: Table,
        range: &Range,
        limit: usize,
        reverse: bool,
    ) -> Result<Vec<Entry>, Error> {
        let txn = self.db.begin_read().map_err(Error::io)?;
        let t = txn.open_table(definition(table)).map_err(Error::io)?;
        let bounds = (
            range.start.as_ref().map(Vec::as_slice),
            range.end.as_ref().map(Vec::as_slice),
        );
        let iter = t.range::<&[u8]>(bounds).map_err(Error::io)?;
        let to_entry = |r: Result<(Guard<'_>, Guard<'_>), redb::StorageError>| {
            r.map(|(k, v)| (k.value().to_vec(), v.value().to_vec()))
                .map_err(Error::io)
        };
        if reverse {
            iter.rev().take(limit).map(to_entry).collect()
        } else {
            iter.take(limit).map(to_entry).collect()
        }
    }
}

fn op_table(op: &Op) -> Table {
    match op {
        Op::Put { table, .. } | Op::Delete { table, .. } => *table,
    }
}
