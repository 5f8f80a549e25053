//! Executions in the writer: starting one, finding one (from the in-memory cache, or rebuilt from its
//! journal when it was parked on disk), stopping one, answering its task tokens, and forgetting the least
//! recently used ones after a commit so memory stays bounded however many are parked.

use crate::Error;
use crate::definitions::Compiled;
use crate::records::{self, ExecutionRecord, Parked, TokenTarget};
use crate::writer::{After, Answer, Live, Writer};
use serde_json::Value;
use std::sync::Arc;
use stepd_core::{Event, Execution, Identity, Millis};
use stepd_store::{Batch, Table};

impl Writer {
    pub(crate) fn start(
        &mut self,
        machine: &str,
        name: &str,
        input: Value,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) -> Result<String, Error> {
        if !records::valid_name(name) {
            return Err(Error::InvalidName(name.to_string()));
        }
        // A version ARN runs that version's definition, an alias ARN the version it routes to (by weight);
        // the execution belongs to the machine.
        let target = machine;
        let resolved = crate::aliases::resolve(target, fresh_seed(now as u64), |m, a| {
            Ok(self.machines.get(m).and_then(|r| r.aliases.get(a)).cloned())
        })?;
        let alias = resolved.alias.map(str::to_string);
        let (machine, version) = (resolved.machine, resolved.version);
        let definition_id = match version {
            Some(n) => match self.version(machine, n, batch)? {
                Some(v) => Some(v.definition_id),
                None => return Err(Error::StateMachineDoesNotExist(target.to_string())),
            },
            None => None,
        };
        let Some(sm) = self.machines.get(machine) else {
            return Err(Error::StateMachineDoesNotExist(target.to_string()));
        };
        if sm.deleting {
            return Err(Error::StateMachineDeleting(machine.to_string()));
        }
        let arn = self.arns.execution(&sm.name, name);
        let definition_id = definition_id.unwrap_or_else(|| sm.definition_id.clone());
        // StartExecution is idempotent for a running execution with the same name and input; a closed one
        // (or another input) is ExecutionAlreadyExists, as in AWS.
        if let Some(live) = self.live.get(&arn) {
            return if live.record.input == input {
                Ok(arn)
            } else {
                Err(Error::ExecutionAlreadyExists(arn))
            };
        }
        if self.ended.contains(&arn) {
            return Err(Error::ExecutionAlreadyExists(arn));
        }
        if let Some(bytes) = self
            .store
            .get(Table::Executions, &records::exec_key(&arn))?
        {
            let existing = records::read_execution(&arn, &bytes)?;
            return if existing.outcome.is_none() && existing.input == input {
                Ok(arn)
            } else {
                Err(Error::ExecutionAlreadyExists(arn))
            };
        }
        // The seed feeds jitter, UUIDs and random numbers, which an execution reveals; its task tokens
        // come from a separate secret (`token_key`) that it never reveals.
        self.seeds = self.seeds.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let seed = fresh_seed(self.seeds);
        let record = ExecutionRecord {
            arn: arn.clone(),
            name: name.to_string(),
            state_machine_arn: machine.to_string(),
            definition_id,
            version,
            alias,
            role_arn: sm.role_arn.clone(),
            input: input.clone(),
            start: now,
            seed,
            token_key: Some(records::TokenSecret::fresh()),
            stop: None,
            outcome: None,
            redrive_count: 0,
            redrive_date: None,
            redrive_tokens: Vec::new(),
        };
        let compiled = self.definitions.get(&*self.store, &record.definition_id)?;
        let exec = execution(&record, &compiled, &self.arns);
        batch.put(
            Table::Executions,
            records::exec_key(&arn),
            records::to_bytes(&record)?,
        );
        batch.put(
            Table::MachineExecutions,
            records::listing_key(machine, now, &arn),
            Vec::new(),
        );
        self.keep(&arn, record, exec, Parked::default());
        self.apply(&arn, Event::Start { input }, now, batch, after);
        Ok(arn)
    }

    /// Makes sure a running execution is in memory: `Ok(false)` when it is not running (finished, or never
    /// was). A parked one is rebuilt by replaying its journal with the recorded times.
    pub(crate) fn load(&mut self, arn: &str) -> Result<bool, Error> {
        self.uses += 1;
        if let Some(live) = self.live.get_mut(arn) {
            live.touched = self.uses;
            return Ok(true);
        }
        if self.ended.contains(arn) {
            return Ok(false);
        }
        // Not in memory and not touched by this group, so the store has all of it. An execution that
        // cannot be rebuilt (unreadable, a failing or panicking replay) is quarantined, not retried
        // forever: every request naming it, and every restart, would meet the same failure.
        let rebuilt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.unpark(arn)));
        match rebuilt {
            Ok(Ok(Some((record, exec, parked)))) => {
                self.keep(arn, record, exec, parked);
                Ok(true)
            }
            Ok(Ok(None)) => Ok(false),
            Ok(Err(Error::Store(e))) => Err(Error::Store(e)),
            Ok(Err(e)) => {
                self.poison(arn, e.to_string());
                Ok(false)
            }
            Err(panic) => {
                let why = crate::quarantine::panic_message(&*panic);
                self.poison(arn, format!("replaying its journal failed: {why}"));
                Ok(false)
            }
        }
    }

    /// Reads a parked execution and replays its journal (`None`: it is not running).
    fn unpark(&mut self, arn: &str) -> Result<Option<(ExecutionRecord, Execution, Parked)>, Error> {
        let Some(bytes) = self.store.get(Table::Executions, &records::exec_key(arn))? else {
            return Ok(None);
        };
        let record = records::read_execution(arn, &bytes)?;
        if record.outcome.is_some() {
            return Ok(None);
        }
        let key = records::running_key(&record.state_machine_arn, arn);
        let parked: Parked = match self.store.get(Table::Running, &key)? {
            Some(b) => records::from_bytes(&b)?,
            None => return Err(Error::Corrupt(format!("{arn}: running without its entry"))),
        };
        let (record, exec, entries) = self.rebuild(record)?;
        if entries != parked.journal_seq {
            return Err(Error::Corrupt(format!("{arn}: journal length differs")));
        }
        Ok(Some((record, exec, parked)))
    }

    /// Forgets the least recently used executions beyond the cache's size (called after a commit, when
    /// everything in memory is also in the store).
    pub(crate) fn evict(&mut self) {
        if self.live.len() <= self.cache {
            return;
        }
        let keep = self.cache - self.cache / 10;
        let mut ages: Vec<(u64, &String)> = self.live.iter().map(|(k, l)| (l.touched, k)).collect();
        let surplus = ages.len() - keep;
        ages.select_nth_unstable(surplus - 1);
        let gone: Vec<String> = ages[..surplus].iter().map(|(_, k)| (*k).clone()).collect();
        for k in gone {
            self.live.remove(&k);
        }
    }

    /// RedriveExecution: rebuilds a FAILED, ABORTED or TIMED_OUT execution from its journal and runs it
    /// again from the state it stopped in (AWS allows this for 14 days after the stop).
    pub(crate) fn redrive(
        &mut self,
        arn: &str,
        client_token: Option<&str>,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) -> Result<Millis, Error> {
        let refuse = |why: &str| Err(Error::ExecutionNotRedrivable(format!("{arn}: {why}")));
        // A retried request (the same client token, which the AWS SDKs send) answers the redrive it made.
        if let Some(token) = client_token {
            let record = match self.live.get(arn) {
                Some(live) => Some(live.record.clone()),
                None if self.ended.contains(arn) => None,
                None => match self.store.get(Table::Executions, &records::exec_key(arn))? {
                    Some(bytes) => Some(records::read_execution(arn, &bytes)?),
                    None => None,
                },
            };
            if let Some(r) = record.filter(|r| r.redrive_tokens.iter().any(|t| t == token)) {
                return Ok(r.redrive_date.unwrap_or(now));
            }
        }
        if self.live.contains_key(arn) || self.ended.contains(arn) {
            return refuse("it is running or has just finished");
        }
        let Some(bytes) = self.store.get(Table::Executions, &records::exec_key(arn))? else {
            return Err(Error::ExecutionDoesNotExist(arn.to_string()));
        };
        let record = records::read_execution(arn, &bytes)?;
        let (Some(stop), Some(outcome)) = (record.stop, &record.outcome) else {
            return refuse("it is running");
        };
        if matches!(outcome, stepd_core::Outcome::Succeeded { .. }) {
            return refuse("it succeeded");
        }
        if !record.redrivable(now) {
            return refuse("it stopped more than 14 days ago");
        }
        if self
            .machines
            .get(&record.state_machine_arn)
            .is_none_or(|m| m.deleting)
        {
            return refuse("its state machine is deleted or being deleted");
        }
        let (mut record, exec, entries) = self.rebuild(record)?;
        if !exec.redrivable() {
            return refuse("it did not stop in a state it can run again");
        }
        batch.delete(Table::Finished, records::timer_key(stop, arn, 0));
        record.stop = None;
        record.outcome = None;
        record.redrive_count += 1;
        record.redrive_date = Some(now);
        if let Some(token) = client_token {
            record.redrive_tokens.push(token.to_string());
            let excess = record.redrive_tokens.len().saturating_sub(10);
            record.redrive_tokens.drain(..excess);
        }
        batch.put(
            Table::Executions,
            records::exec_key(arn),
            records::to_bytes(&record)?,
        );
        let parked = Parked {
            journal_seq: entries,
            ..Parked::default()
        };
        self.keep(arn, record, exec, parked);
        self.apply(arn, Event::Redrive, now, batch, after);
        Ok(now)
    }

    /// Puts an execution in the cache, as just used.
    fn keep(&mut self, arn: &str, record: ExecutionRecord, exec: Execution, parked: Parked) {
        self.uses += 1;
        let live = Live {
            exec,
            record,
            parked,
            touched: self.uses,
        };
        self.live.insert(arn.to_string(), live);
    }

    /// Rebuilds an execution from its record and its whole journal: the record, the execution, and how
    /// many journal entries there are.
    fn rebuild(
        &mut self,
        record: ExecutionRecord,
    ) -> Result<(ExecutionRecord, Execution, u64), Error> {
        let compiled = self.definitions.get(&*self.store, &record.definition_id)?;
        let exec = execution(&record, &compiled, &self.arns);
        let mut follower = crate::Follower::new(Arc::clone(&self.store), record, exec);
        follower.catch_up(|_| {})?;
        Ok(follower.into_parts())
    }

    pub(crate) fn stop(
        &mut self,
        execution: &str,
        error: Option<String>,
        cause: Option<String>,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) -> Result<(), Error> {
        if self.load(execution)? {
            self.apply(execution, Event::Stop { error, cause }, now, batch, after);
            return Ok(());
        }
        // Stopping an execution that already ended changes nothing.
        if self.ended.contains(execution)
            || self
                .store
                .get(Table::Executions, &records::exec_key(execution))?
                .is_some()
        {
            Ok(())
        } else {
            Err(Error::ExecutionDoesNotExist(execution.to_string()))
        }
    }

    pub(crate) fn callback(
        &mut self,
        token: &str,
        answer: Answer,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) -> Result<(), Error> {
        let unknown = || Error::TaskDoesNotExist(token.to_string());
        // A token parked earlier in this group is in the batch, not yet in the store (the batch is read
        // only then: it is long, and callbacks are many).
        let key = records::str_key(token);
        let bytes = match self.store.get(Table::Tokens, &key)? {
            Some(stored) => Some(stored),
            None => batch
                .latest(Table::Tokens, &key)
                .flatten()
                .map(<[u8]>::to_vec),
        };
        let Some(bytes) = bytes else {
            return Err(unknown());
        };
        let target: TokenTarget = records::from_bytes(&bytes)?;
        let execution = self.arns.execution_of(&target.execution);
        // The execution in memory is the authority (the stored token may be answered earlier in this group).
        if !self.load(&execution)? {
            return Err(unknown());
        }
        let Some(live) = self.live.get_mut(&execution) else {
            return Err(unknown());
        };
        if live.parked.tokens.get(&target.task).map(String::as_str) != Some(token) {
            return Err(if live.parked.expired.iter().any(|t| t == token) {
                Error::TaskTimedOut(token.to_string())
            } else {
                unknown()
            });
        }
        let task = target.task;
        let event = match answer {
            Answer::Success(output) => Event::TaskSucceeded { task, output },
            Answer::Failure { error, cause } => Event::TaskFailed { task, error, cause },
            Answer::Heartbeat => Event::TaskHeartbeat { task },
        };
        if !matches!(event, Event::TaskHeartbeat { .. }) {
            live.parked.tokens.remove(&task);
            batch.delete(Table::Tokens, records::str_key(token));
            batch.delete(Table::ActivityTasks, records::str_key(token));
        }
        self.apply(&execution, event, now, batch, after);
        Ok(())
    }
}

/// A seed from the OS's randomness (std seeds its hasher keys from it) mixed with `salt`: the one way an
/// execution's seed (its jitter, its UUIDs, its alias routing) is made.
pub fn fresh_seed(salt: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(salt);
    h.finish()
}

/// A fresh execution object for a record (the same identity and seed rebuild the same execution).
pub(crate) fn execution(
    record: &ExecutionRecord,
    (def, exprs): &Compiled,
    scope: &records::Arns,
) -> Execution {
    let machine = &record.state_machine_arn;
    let machine_name = records::machine_short(machine);
    let mut identity = Identity::in_scope(scope, machine_name, &record.name, record.start);
    identity.execution_arn = record.arn.clone();
    identity.state_machine_arn = machine.clone();
    if !record.role_arn.is_empty() {
        identity.role_arn = record.role_arn.clone();
    }
    let exec = Execution::new(Arc::clone(def), Arc::clone(exprs), identity, record.seed);
    match &record.token_key {
        Some(secret) => exec.with_token_key(secret.0),
        None => exec,
    }
}
