//! The timer sleeper: one task that reads the `timers` table in due order and tells the writer when a
//! timer is due, however many executions are parked on timers (none of them needs memory until then).
//!
//! It keeps a cursor past the last timer it reported. The writer sends it the earliest due time each commit
//! arms; one at or before the cursor moves the cursor back so nothing committed late is skipped. Reporting
//! a timer twice is harmless: the writer fires a timer only while the execution still has it armed.

use crate::writer::Request;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;
use stepd_core::Millis;
use stepd_store::{Key, KeyReader, Range, Store, Table};
use tokio::sync::mpsc;

/// Timers reported per read.
const PAGE: usize = 1_024;
/// Longest nap between reads (bounds the effect of a clock that jumps).
const NAP: Millis = 1_000;

pub(crate) async fn sleeper(
    arns: crate::records::Arns,
    store: Arc<dyn Store>,
    clock: fn() -> Millis,
    requests: mpsc::UnboundedSender<Request>,
    mut wake: mpsc::UnboundedReceiver<Millis>,
) {
    let mut cursor: Bound<Vec<u8>> = Bound::Unbounded;
    loop {
        let now = clock();
        let due = read(
            &store,
            Range {
                start: cursor.clone(),
                end: Bound::Excluded(Key::new().i64(now.saturating_add(1)).into_bytes()),
            },
            PAGE,
        )
        .await;
        for (key, _) in &due {
            let mut r = KeyReader::new(key);
            if let (Some(_), Some(id), Some(timer)) = (r.i64(), r.str(), r.u64())
                && requests
                    .send(Request::Timer {
                        execution: arns.execution_of(&id),
                        timer,
                    })
                    .is_err()
            {
                return;
            }
        }
        if let Some((key, _)) = due.last() {
            cursor = Bound::Excluded(key.clone());
        }
        if due.len() == PAGE {
            continue;
        }
        let next = read(
            &store,
            Range {
                start: cursor.clone(),
                end: Bound::Unbounded,
            },
            1,
        )
        .await;
        let next_due = next.first().and_then(|(k, _)| KeyReader::new(k).i64());
        let nap = next_due.map_or(NAP, |d| d.saturating_sub(clock()).clamp(0, NAP));
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(u64::try_from(nap).unwrap_or(0))) => {}
            armed = wake.recv() => {
                let Some(mut earliest) = armed else { return };
                while let Ok(d) = wake.try_recv() {
                    earliest = earliest.min(d);
                }
                let at_cursor = match &cursor {
                    Bound::Excluded(k) | Bound::Included(k) => KeyReader::new(k).i64(),
                    Bound::Unbounded => None,
                };
                if at_cursor.is_some_and(|c| c >= earliest) {
                    cursor = Bound::Included(Key::new().i64(earliest).into_bytes());
                }
            }
        }
    }
}

/// Reads timers off the async threads; a failed read is retried on the next round.
async fn read(store: &Arc<dyn Store>, range: Range, limit: usize) -> Vec<stepd_store::Entry> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || store.scan(Table::Timers, &range, limit, false))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default()
}
