//! A damaged database file is reported, never a panic: bytes are overwritten at offsets across a real
//! redb file and it is opened and read in full; every outcome must be `Ok` or an `Error`.

#![allow(clippy::unwrap_used)] // test helpers

use stepd_store::{Batch, Range, RedbStore, Store, Table};

#[test]
fn damaged_pages_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    {
        let store = RedbStore::open(&path).unwrap();
        for round in 0..20u32 {
            let mut batch = Batch::new();
            for i in 0..50u32 {
                let key = format!("key-{round:03}-{i:03}").into_bytes();
                batch.put(Table::Journal, key, vec![round as u8; 300]);
            }
            store.commit(&batch).unwrap();
        }
    }
    let pristine = std::fs::read(&path).unwrap();
    // A panic caught here (not by the store) is the failure this test looks for.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let (mut opened, mut refused, mut escaped) = (0, 0, Vec::new());
    let step = (pristine.len() / 97).max(1);
    for offset in (0..pristine.len()).step_by(step) {
        let mut bytes = pristine.clone();
        for b in bytes.iter_mut().skip(offset).take(64) {
            *b ^= 0xA5;
        }
        std::fs::write(&path, &bytes).unwrap();
        let outcome = std::panic::catch_unwind(|| match RedbStore::open(&path) {
            Err(_) => false,
            Ok(store) => {
                for t in Table::ALL {
                    let _ = store.scan(t, &Range::all(), usize::MAX, false);
                    let _ = store.get(t, b"key-010-010");
                }
                let mut batch = Batch::new();
                batch.put(Table::Journal, b"after".to_vec(), b"x".to_vec());
                let _ = store.commit(&batch);
                true
            }
        });
        match outcome {
            Ok(true) => opened += 1,
            Ok(false) => refused += 1,
            Err(_) => escaped.push(offset),
        }
    }
    std::panic::set_hook(previous);
    eprintln!(
        "damaged at {} offsets: {opened} opened, {refused} refused",
        opened + refused + escaped.len()
    );
    assert!(
        escaped.is_empty(),
        "redb panicked through the store at offsets {escaped:?}"
    );
}
