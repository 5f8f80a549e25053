//! Recovery: what a start needs before it serves. State machines and activities are loaded, activity tasks
//! not yet answered are queued for workers again, and adapter invocations committed but not answered are
//! read back from the outbox to be delivered again with their idempotency keys. Running executions are
//! not touched: each is rebuilt from its journal when a request (callback, timer, stop) names it, and the
//! timer sleeper finds due timers in the store, so start-up time does not grow with parked executions.

use crate::Error;
use crate::records::{self, OutboxEntry, StateMachineRecord, TokenTarget};
use crate::writer::Writer;
use stepd_store::{KeyReader, Range, Table};

/// Invocations to deliver again: (execution, task, entry).
pub(crate) type Redeliver = Vec<(String, u64, OutboxEntry)>;

pub(crate) fn recover(w: &mut Writer) -> Result<Redeliver, Error> {
    for (_, v) in w
        .store
        .scan(Table::StateMachines, &Range::all(), usize::MAX, false)?
    {
        // Definitions are parsed when first used, not here: start-up does not grow with them.
        let sm: StateMachineRecord = records::from_bytes(&v)?;
        if sm.express
            && let Ok(mut set) = w.express.write()
        {
            set.insert(sm.arn.clone());
        }
        w.machines.insert(sm.arn.clone(), sm);
    }
    for (_, v) in w
        .store
        .scan(Table::Activities, &Range::all(), usize::MAX, false)?
    {
        let a: records::ActivityRecord = records::from_bytes(&v)?;
        w.activities.entry(a.arn).or_default();
    }
    for (k, _) in w
        .store
        .scan(Table::ActivityTasks, &Range::all(), usize::MAX, false)?
    {
        let Some(bytes) = w.store.get(Table::Tokens, &k)? else {
            continue;
        };
        let target: TokenTarget = records::from_bytes(&bytes)?;
        let token = KeyReader::new(&k)
            .str()
            .ok_or_else(|| Error::Corrupt("activity task key".into()))?;
        if let (Some(activity), Some(input)) = (target.activity, target.input) {
            let queue = w.activities.entry(activity).or_default();
            queue.pending.push_back((token, input));
        }
    }
    let mut redeliver = Vec::new();
    for (k, v) in w
        .store
        .scan(Table::Outbox, &Range::all(), usize::MAX, false)?
    {
        let mut r = KeyReader::new(&k);
        let (Some(id), Some(task)) = (r.str(), r.u64()) else {
            return Err(Error::Corrupt("outbox key".into()));
        };
        redeliver.push((w.arns.execution_of(&id), task, records::from_bytes(&v)?));
    }
    Ok(redeliver)
}
