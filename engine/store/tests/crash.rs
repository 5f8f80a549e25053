//! Crash consistency below the process: a redb backend that loses power at its Nth sync (every write not yet
//! synced is gone, the failing sync and everything after it fail). After each simulated crash the database
//! reopens from what was durable and must show every acknowledged batch whole and no batch in part.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::sync::{Arc, Mutex};
use stepd_store::{Batch, Key, Range, RedbStore, Store, Table};

/// The disk: what the device holds now, and what survived the last completed sync.
#[derive(Debug, Default)]
struct Disk {
    current: Vec<u8>,
    durable: Vec<u8>,
    syncs: u64,
    crashed: bool,
}

#[derive(Debug, Clone)]
struct CrashingBackend {
    disk: Arc<Mutex<Disk>>,
    /// The sync at which power fails (1-based); `u64::MAX` for never.
    fail_at: u64,
}

impl CrashingBackend {
    fn power_lost() -> std::io::Error {
        std::io::Error::other("power lost")
    }

    fn disk(&self) -> std::sync::MutexGuard<'_, Disk> {
        self.disk.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl redb::StorageBackend for CrashingBackend {
    fn len(&self) -> Result<u64, std::io::Error> {
        let d = self.disk();
        if d.crashed {
            return Err(Self::power_lost());
        }
        Ok(d.current.len() as u64)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        let d = self.disk();
        if d.crashed {
            return Err(Self::power_lost());
        }
        let start = offset as usize;
        let src = d
            .current
            .get(start..start + out.len())
            .ok_or_else(|| std::io::Error::other("out of range"))?;
        out.copy_from_slice(src);
        Ok(())
    }

    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        let mut d = self.disk();
        if d.crashed {
            return Err(Self::power_lost());
        }
        d.current.resize(len as usize, 0);
        Ok(())
    }

    fn sync_data(&self) -> Result<(), std::io::Error> {
        let mut d = self.disk();
        if d.crashed {
            return Err(Self::power_lost());
        }
        d.syncs += 1;
        if d.syncs >= self.fail_at {
            d.crashed = true;
            return Err(Self::power_lost());
        }
        d.durable = d.current.clone();
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        let mut d = self.disk();
        if d.crashed {
            return Err(Self::power_lost());
        }
        let start = offset as usize;
        if d.current.len() < start + data.len() {
            d.current.resize(start + data.len(), 0);
        }
        d.current[start..start + data.len()].copy_from_slice(data);
        Ok(())
    }
}

/// Batch `i` writes ten keys in two tables; either all are there or none.
fn batch(i: u64) -> Batch {
    let mut b = Batch::new();
    for j in 0..8 {
        b.put(
            Table::Journal,
            Key::new().str("exec").u64(i * 100 + j),
            format!("event {i}.{j}"),
        );
    }
    b.put(
        Table::Executions,
        Key::new().str(&format!("exec-{i}")),
        "RUNNING",
    );
    b.put(
        Table::Outbox,
        Key::new().str("exec").u64(i),
        vec![i as u8; 300],
    );
    b
}

fn present(store: &RedbStore, i: u64) -> usize {
    let mut n = store
        .scan(
            Table::Journal,
            &Range::between(
                Key::new().str("exec").u64(i * 100).into_bytes(),
                Key::new().str("exec").u64(i * 100 + 100).into_bytes(),
            ),
            100,
            false,
        )
        .unwrap()
        .len();
    n += usize::from(
        store
            .get(
                Table::Executions,
                &Key::new().str(&format!("exec-{i}")).into_bytes(),
            )
            .unwrap()
            .is_some(),
    );
    n += usize::from(
        store
            .get(Table::Outbox, &Key::new().str("exec").u64(i).into_bytes())
            .unwrap()
            .is_some(),
    );
    n
}

#[test]
fn every_crash_point_leaves_whole_batches() {
    // Count the syncs a clean run makes, then crash at each of them in turn.
    let clean = CrashingBackend {
        disk: Arc::default(),
        fail_at: u64::MAX,
    };
    let store = RedbStore::with_backend(clean.clone()).unwrap();
    for i in 0..20 {
        store.commit(&batch(i)).unwrap();
    }
    drop(store);
    let total_syncs = clean.disk().syncs;
    assert!(
        total_syncs >= 20,
        "each commit syncs at least once ({total_syncs})"
    );

    let mut crashes = 0;
    for fail_at in 1..=total_syncs {
        let disk = Arc::new(Mutex::new(Disk::default()));
        let mut acknowledged = 0;
        let opened = RedbStore::with_backend(CrashingBackend {
            disk: Arc::clone(&disk),
            fail_at,
        });
        let created = opened.is_ok();
        if let Ok(store) = opened {
            for i in 0..20 {
                if store.commit(&batch(i)).is_err() {
                    break;
                }
                acknowledged = i + 1;
            }
        }
        crashes += 1;
        // Reboot from what survived.
        let image = disk.lock().unwrap().durable.clone();
        if image.is_empty() {
            assert_eq!(acknowledged, 0);
            continue;
        }
        let survivor = Disk {
            current: image.clone(),
            durable: image,
            syncs: 0,
            crashed: false,
        };
        let reopened = RedbStore::with_backend(CrashingBackend {
            disk: Arc::new(Mutex::new(survivor)),
            fail_at: u64::MAX,
        });
        if !created {
            // Power failed while the file was being created: nothing was acknowledged, and the half-made file
            // is refused with an error (never a panic); the runtime then creates it afresh.
            assert_eq!(acknowledged, 0);
            continue;
        }
        let store = reopened
            .unwrap_or_else(|e| panic!("crash at sync {fail_at}: the database must reopen: {e}"));
        for i in 0..20 {
            let n = present(&store, i);
            assert!(
                n == 0 || n == 10,
                "crash at sync {fail_at}: batch {i} is half there ({n}/10)"
            );
            if i < acknowledged {
                assert_eq!(
                    n, 10,
                    "crash at sync {fail_at}: acknowledged batch {i} was lost"
                );
            }
        }
        // And it keeps working.
        store.commit(&batch(99)).unwrap();
        assert_eq!(present(&store, 99), 10);
    }
    assert_eq!(crashes, total_syncs);
    eprintln!("simulated {crashes} power failures, one at each sync of a 20-batch run");
}
