//! The reads of `Runtime`: records, listings, versions, aliases and histories, straight from the store (they
//! do not go through the writer, so they never wait for a commit).

use crate::Error;
use crate::records::{self, ExecutionRecord};
use crate::runtime::Runtime;
use serde_json::Value;
use std::sync::Arc;
use stepd_store::{Range, Table};

/// Which executions a listing keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecutionFilter<'a> {
    /// Only this status (`RUNNING`, `SUCCEEDED`, …).
    pub status: Option<&'a str>,
    /// Only redriven executions (`Some(true)`), or only never-redriven ones (`Some(false)`).
    pub redriven: Option<bool>,
}

impl Runtime {
    /// Runs a heavy read (a listing, a history page, a validation) on tokio's blocking threads, one of at
    /// most `Config::readers` at a time, so the async workers stay free for cheap requests and commits.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Runtime) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let turn = self
            .readers
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::Closed)?;
        let rt = self.clone();
        // The turn is held until the read ends, even if the caller stops waiting for it.
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            f(&rt)
        })
        .await
        .map_err(|e| Error::Corrupt(format!("a read failed: {e}")))?
    }

    /// One alias.
    pub fn alias(&self, arn: &str) -> Result<crate::AliasRecord, Error> {
        let missing = || Error::ResourceNotFound(arn.to_string());
        let (machine, name) = crate::split_alias(arn).ok_or_else(missing)?;
        let m = self.state_machine(machine).map_err(|_| missing())?;
        m.aliases.get(name).cloned().ok_or_else(missing)
    }

    /// A machine's versions, newest first.
    pub fn versions(&self, machine: &str) -> Result<Vec<crate::VersionRecord>, Error> {
        self.state_machine(machine)?;
        let range = Range::prefix(&crate::versions::versions_prefix(machine));
        let rows = self.store.scan(Table::Versions, &range, usize::MAX, true)?;
        rows.iter().map(|(_, v)| records::from_bytes(v)).collect()
    }

    /// One version and its definition text.
    pub fn version(&self, arn: &str) -> Result<(crate::VersionRecord, String), Error> {
        let missing = || Error::StateMachineDoesNotExist(arn.to_string());
        let (machine, n) = crate::split_version(arn).ok_or_else(missing)?;
        let bytes = self
            .store
            .get(Table::Versions, &crate::versions::version_key(machine, n))?
            .ok_or_else(missing)?;
        let version: crate::VersionRecord = records::from_bytes(&bytes)?;
        let text = self
            .store
            .get(
                Table::Definitions,
                &records::str_key(&version.definition_id),
            )?
            .ok_or_else(|| Error::Corrupt(format!("definition of {arn} is missing")))?;
        let text = String::from_utf8(text).map_err(|e| Error::Corrupt(e.to_string()))?;
        Ok((version, text))
    }

    /// The tags of a state machine or activity.
    pub fn tags(&self, arn: &str) -> Result<crate::Tags, Error> {
        match self.state_machine(arn) {
            Ok(m) => return Ok(m.tags),
            Err(Error::StateMachineDoesNotExist(_)) => {}
            Err(e) => return Err(e),
        }
        match self.activity(arn)? {
            Some(a) => Ok(a.tags),
            None => Err(Error::ResourceNotFound(arn.to_string())),
        }
    }

    /// Registered state machines.
    pub fn state_machines(&self) -> Result<Vec<crate::records::StateMachineRecord>, Error> {
        let rows = self
            .store
            .scan(Table::StateMachines, &Range::all(), usize::MAX, false)?;
        rows.iter().map(|(_, v)| records::from_bytes(v)).collect()
    }

    /// The text of a definition by its id (a machine's `definition_id`, a version's).
    pub fn definition_text(&self, id: &str) -> Result<String, Error> {
        crate::definitions::text(&*self.store, id)
    }

    /// One state machine.
    pub fn state_machine(&self, arn: &str) -> Result<crate::records::StateMachineRecord, Error> {
        match self
            .store
            .get(Table::StateMachines, &records::str_key(arn))?
        {
            Some(b) => records::from_bytes(&b),
            None => Err(Error::StateMachineDoesNotExist(arn.to_string())),
        }
    }

    /// Every execution of a state machine, newest first (retention bounds how many there are).
    pub fn executions(&self, state_machine: &str) -> Result<Vec<ExecutionRecord>, Error> {
        Ok(self
            .list_executions(state_machine, &ExecutionFilter::default(), None, usize::MAX)?
            .0)
    }

    /// One page of a state machine's executions, newest first, those `filter` keeps (a version or alias
    /// ARN keeps the executions started on it): up to `limit` records and, when more may follow, the cursor
    /// to pass as `after` for the next page. Reads the machine's own index, so the cost is the page's, not
    /// the store's.
    pub fn list_executions(
        &self,
        state_machine: &str,
        filter: &ExecutionFilter<'_>,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<(Vec<ExecutionRecord>, Option<Vec<u8>>), Error> {
        use stepd_core::arn::Qualifier;
        let (machine, qualifier) = stepd_core::arn::machine(state_machine)
            .map_or((state_machine, Qualifier::Latest), |m| {
                (m.machine, m.qualifier)
            });
        let version = match qualifier {
            Qualifier::Version(n) => Some(n),
            _ => None,
        };
        let alias = match qualifier {
            Qualifier::Alias(a) => Some(a),
            _ => None,
        };
        let keep = |r: &ExecutionRecord| {
            filter.status.is_none_or(|s| s == r.status())
                && filter.redriven.is_none_or(|w| w == (r.redrive_count > 0))
                && version.is_none_or(|v| r.version == Some(v))
                && alias.is_none_or(|a| r.alias.as_deref() == Some(a))
        };
        let prefix = records::machine_prefix(machine);
        let mut range = Range::prefix(&prefix);
        if let Some(cursor) = after {
            if !cursor.starts_with(&prefix) {
                return Err(Error::InvalidCursor);
            }
            range.end = std::ops::Bound::Excluded(cursor.to_vec());
        }
        // One more than asked tells whether another page follows (AWS gives no token on the last page).
        let mut out: Vec<(Vec<u8>, ExecutionRecord)> = Vec::new();
        const CHUNK: usize = 256;
        loop {
            let rows = self
                .store
                .scan(Table::MachineExecutions, &range, CHUNK, true)?;
            let exhausted = rows.len() < CHUNK;
            for (key, _) in rows {
                range.end = std::ops::Bound::Excluded(key.clone());
                let mut r = stepd_store::KeyReader::new(&key);
                let (Some(_), Some(_), Some(id)) = (r.str(), r.i64(), r.str()) else {
                    return Err(Error::Corrupt("listing key".into()));
                };
                let arn = self.arns.execution_of(&id);
                let Some(bytes) = self
                    .store
                    .get(Table::Executions, &records::exec_key(&arn))?
                else {
                    continue;
                };
                let record = records::read_execution(&arn, &bytes)?;
                if keep(&record) {
                    out.push((key, record));
                    if out.len() > limit {
                        out.truncate(limit);
                        let cursor = out.last().map(|(k, _)| k.clone());
                        return Ok((out.into_iter().map(|(_, r)| r).collect(), cursor));
                    }
                }
            }
            if exhausted {
                return Ok((out.into_iter().map(|(_, r)| r).collect(), None));
            }
        }
    }

    /// Registered activities.
    pub fn activities(&self) -> Result<Vec<crate::records::ActivityRecord>, Error> {
        let rows = self
            .store
            .scan(Table::Activities, &Range::all(), usize::MAX, false)?;
        rows.iter().map(|(_, v)| records::from_bytes(v)).collect()
    }

    /// One activity, if it is registered.
    pub fn activity(&self, arn: &str) -> Result<Option<crate::records::ActivityRecord>, Error> {
        match self.store.get(Table::Activities, &records::str_key(arn))? {
            Some(b) => records::from_bytes(&b).map(Some),
            None => Ok(None),
        }
    }

    /// The stored record of an execution (status and outcome as of the last commit).
    pub fn describe_execution(&self, execution: &str) -> Result<ExecutionRecord, Error> {
        match self
            .store
            .get(Table::Executions, &records::exec_key(execution))?
        {
            Some(b) => records::read_execution(execution, &b),
            None => Err(Error::ExecutionDoesNotExist(execution.to_string())),
        }
    }

    /// The execution's history, as GetExecutionHistory shows the events. It is derived, not stored: the
    /// journal replayed with the execution's own definition gives exactly the events the run produced
    /// (the interpreter is deterministic), so a transition writes one journal entry instead of its events.
    pub fn history(&self, execution: &str) -> Result<Vec<Value>, Error> {
        // The journal only grows until retention removes the execution, so reading it after the record
        // gives a history at least as new as the record.
        self.follow(execution)?.next_events()
    }

    /// A follower of the execution's history: each `next_events` gives the events committed since the
    /// last (for streams that follow a running execution).
    pub fn follow(&self, execution: &str) -> Result<crate::Follower, Error> {
        let record = self.describe_execution(execution)?;
        let compiled = self.definitions.get(&*self.store, &record.definition_id)?;
        let exec = crate::executions::execution(&record, &compiled, &self.arns);
        Ok(crate::Follower::new(Arc::clone(&self.store), record, exec))
    }

    /// Task tokens currently waiting for a callback (for operators and tests).
    pub fn pending_tokens(&self) -> Result<Vec<String>, Error> {
        let rows = self
            .store
            .scan(Table::Tokens, &Range::all(), usize::MAX, false)?;
        let mut out = Vec::new();
        for (k, v) in rows {
            let target: crate::records::TokenTarget = records::from_bytes(&v)?;
            if let (false, Some(token)) = (target.timed_out, stepd_store::KeyReader::new(&k).str())
            {
                out.push(token);
            }
        }
        Ok(out)
    }
}
