//! One storage suite, run against both implementations: atomic batches, ordered scans, prefixes, reverse
//! scans with limits, overwrites and deletes; for redb also persistence across reopening.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use stepd_store::{Batch, Key, MemoryStore, Range, RedbStore, Store, Table};

fn history_key(exec: &str, id: u64) -> Vec<u8> {
    Key::new().str(exec).u64(id).into_bytes()
}

fn suite(store: &dyn Store) {
    // Empty reads.
    assert_eq!(store.get(Table::Executions, b"nope").unwrap(), None);
    assert!(
        store
            .scan(Table::Outbox, &Range::all(), 10, false)
            .unwrap()
            .is_empty()
    );

    // One batch over several tables lands together.
    let mut b = Batch::new();
    for id in [3u64, 1, 2, 10] {
        b.put(Table::Outbox, history_key("exec-a", id), format!("a{id}"));
    }
    b.put(Table::Outbox, history_key("exec-b", 1), "b1");
    b.put(Table::Outbox, history_key("exec", 7), "x7");
    b.put(Table::Executions, "exec-a", "RUNNING");
    b.put(Table::Running, "exec-a", "");
    store.commit(&b).unwrap();

    // A prefix scan returns one execution's events in id order, not another's (even a prefix-named one).
    let prefix = Key::new().str("exec-a").into_bytes();
    let got: Vec<Vec<u8>> = store
        .scan(Table::Outbox, &Range::prefix(&prefix), 100, false)
        .unwrap()
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        got,
        [
            b"a1".to_vec(),
            b"a2".to_vec(),
            b"a3".to_vec(),
            b"a10".to_vec()
        ]
    );
    let last_two: Vec<Vec<u8>> = store
        .scan(Table::Outbox, &Range::prefix(&prefix), 2, true)
        .unwrap()
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(last_two, [b"a10".to_vec(), b"a3".to_vec()]);
    let from_2 = Range::between(history_key("exec-a", 2), history_key("exec-a", 10));
    assert_eq!(
        store
            .scan(Table::Outbox, &from_2, 100, false)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store
            .scan(
                Table::Outbox,
                &Range::prefix(&Key::new().str("exec").into_bytes()),
                100,
                false
            )
            .unwrap()
            .len(),
        1
    );

    // Overwrite and delete in one batch; tables are independent.
    let mut b = Batch::new();
    b.put(Table::Executions, "exec-a", "SUCCEEDED")
        .delete(Table::Running, "exec-a");
    store.commit(&b).unwrap();
    assert_eq!(
        store.get(Table::Executions, b"exec-a").unwrap(),
        Some(b"SUCCEEDED".to_vec())
    );
    assert_eq!(store.get(Table::Running, b"exec-a").unwrap(), None);
    assert_eq!(
        store.get(Table::Outbox, &history_key("exec-a", 1)).unwrap(),
        Some(b"a1".to_vec())
    );

    // Timers come back in due order whatever order they were armed in.
    let mut b = Batch::new();
    for (due, exec, timer) in [
        (300i64, "e1", 1u64),
        (-5, "e2", 9),
        (100, "e1", 2),
        (100, "e0", 3),
    ] {
        b.put(Table::Timers, Key::new().i64(due).str(exec).u64(timer), "");
    }
    store.commit(&b).unwrap();
    let due_by_200 = Range {
        start: std::ops::Bound::Unbounded,
        end: std::ops::Bound::Excluded(Key::new().i64(200).into_bytes()),
    };
    let order: Vec<(i64, String, u64)> = store
        .scan(Table::Timers, &due_by_200, 100, false)
        .unwrap()
        .into_iter()
        .map(|(k, _)| {
            let mut r = stepd_store::KeyReader::new(&k);
            (r.i64().unwrap(), r.str().unwrap(), r.u64().unwrap())
        })
        .collect();
    assert_eq!(
        order,
        [
            (-5, "e2".to_string(), 9),
            (100, "e0".to_string(), 3),
            (100, "e1".to_string(), 2)
        ]
    );

    // A big batch (group commit joins many executions' writes).
    let mut big = Batch::new();
    for i in 0..5_000u64 {
        big.put(
            Table::Journal,
            Key::new().str("exec-c").u64(i),
            vec![7u8; 64],
        );
    }
    store.commit(&big).unwrap();
    assert_eq!(
        store
            .scan(Table::Journal, &Range::all(), usize::MAX, false)
            .unwrap()
            .len(),
        5_000
    );
}

#[test]
fn memory_store_passes_the_suite() {
    suite(&MemoryStore::new());
}

#[test]
fn redb_store_passes_the_suite_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    {
        let store = RedbStore::open(&path).unwrap();
        suite(&store);
    }
    let reopened = RedbStore::open(&path).unwrap();
    assert_eq!(
        reopened.get(Table::Executions, b"exec-a").unwrap(),
        Some(b"SUCCEEDED".to_vec())
    );
    assert_eq!(
        reopened
            .scan(Table::Journal, &Range::all(), usize::MAX, false)
            .unwrap()
            .len(),
        5_000
    );
}

#[test]
fn a_file_that_is_not_a_database_is_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.redb");
    std::fs::write(&path, vec![0xAB; 4096]).unwrap();
    assert!(RedbStore::open(&path).is_err());
}
