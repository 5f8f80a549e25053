//! Recovery: on start, every RUNNING execution is rebuilt by replaying its journal (the same events at the
//! same times give the same state), and its timers and task tokens are loaded back. Nothing is appended
//! to any history while replaying.

use crate::Error;
use crate::records::{self, ExecutionRecord, JournalEntry, StateMachineRecord, TokenTarget};
use crate::writer::{Live, Writer, execution};
use std::collections::HashMap;
use std::sync::Arc;
use stepd_core::{Exprs, Millis};
use stepd_store::{KeyReader, Range, Table};

/// Timers to re-arm after recovery: (execution, timer, due).
pub(crate) type Rearm = Vec<(String, u64, Millis)>;

pub(crate) fn recover(w: &mut Writer) -> Result<Rearm, Error> {
    for (_, v) in w
        .store
        .scan(Table::StateMachines, &Range::all(), usize::MAX, false)?
    {
        let sm: StateMachineRecord = records::from_bytes(&v)?;
        let report = stepd_asl::validate(&sm.definition, stepd_asl::Options::default());
        let def = report
            .definition
            .ok_or_else(|| Error::Corrupt(format!("stored definition of {} is invalid", sm.arn)))?;
        w.machines.insert(
            sm.arn.clone(),
            (sm, Arc::new(def), Arc::new(Exprs::default())),
        );
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
        .scan(Table::Running, &Range::all(), usize::MAX, false)?
    {
        let arn = KeyReader::new(&k)
            .str()
            .ok_or_else(|| Error::Corrupt("running key".into()))?;
        let record: ExecutionRecord =
            match w.store.get(Table::Executions, &records::name_key(&arn))? {
                Some(b) => records::from_bytes(&b)?,
                None => {
                    return Err(Error::Corrupt(format!(
                        "running execution {arn} has no record"
                    )));
                }
            };
        let (sm, def, exprs) = w
            .machines
            .get(&record.state_machine_arn)
            .ok_or_else(|| Error::Corrupt(format!("{arn}: its state machine is gone")))?;
        let mut exec = execution(&record, sm, def, exprs);
        let journal = w.store.scan(
            Table::Journal,
            &Range::prefix(&records::name_key(&arn)),
            usize::MAX,
            false,
        )?;
        for (_, v) in &journal {
            let entry: JournalEntry = records::from_bytes(v)?;
            exec.apply(entry.event, entry.at)
                .map_err(|e| Error::Corrupt(format!("{arn}: replay: {e}")))?;
        }
        let live = Live {
            exec,
            record,
            journal_seq: journal.len() as u64,
            tokens: HashMap::new(),
            timers: HashMap::new(),
            expired: Vec::new(),
        };
        w.live.insert(arn, live);
    }
    for (k, v) in w
        .store
        .scan(Table::Tokens, &Range::all(), usize::MAX, false)?
    {
        let token = KeyReader::new(&k)
            .str()
            .ok_or_else(|| Error::Corrupt("token key".into()))?;
        let target: TokenTarget = records::from_bytes(&v)?;
        if let Some(live) = w.live.get_mut(&target.execution) {
            if target.timed_out {
                live.expired.push(token.clone());
            } else {
                live.tokens.insert(target.task, token.clone());
            }
            if let (Some(activity), Some(input)) = (&target.activity, &target.input) {
                let queue = w.activities.entry(activity.clone()).or_default();
                queue.pending.push_back((token.clone(), input.clone()));
            }
            w.tokens.insert(token, target);
        }
    }
    let mut rearm = Vec::new();
    for (k, _) in w
        .store
        .scan(Table::Timers, &Range::all(), usize::MAX, false)?
    {
        let mut r = KeyReader::new(&k);
        let (Some(due), Some(arn), Some(timer)) = (r.i64(), r.str(), r.u64()) else {
            return Err(Error::Corrupt("timer key".into()));
        };
        if let Some(live) = w.live.get_mut(&arn) {
            live.timers.insert(timer, due);
            rearm.push((arn, timer, due));
        }
    }
    Ok(rearm)
}
