//! What the runtime stores about state machines and executions, and the keys it stores them under.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use stepd_core::{Event, Millis, Outcome};
use stepd_store::Key;

/// A registered state machine.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StateMachineRecord {
    pub arn: String,
    pub name: String,
    /// The id of its current definition, whose text is kept in the `definitions` table (records once held
    /// the text too; a field no longer read is ignored).
    pub definition_id: String,
    pub created: Millis,
    /// DeleteStateMachine was asked while executions ran; the record goes when the last one finishes.
    #[serde(default)]
    pub deleting: bool,
    /// An EXPRESS machine (executions run in memory, StartSyncExecution allowed).
    #[serde(default)]
    pub express: bool,
    /// The role given at creation (stepd assumes none; executions report it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub role_arn: String,
    /// When UpdateStateMachine last changed it.
    #[serde(default)]
    pub updated: Option<Millis>,
    /// The highest version number published (0: none; numbers are never reused).
    #[serde(default)]
    pub last_version: u64,
    /// Aliases by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, crate::AliasRecord>,
    #[serde(default)]
    pub tags: crate::Tags,
}

/// An execution: identity (enough to rebuild it by replay), status and outcome. Its ARN, name and state
/// machine are its key, so they are not stored again (`read_execution` fills them in).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExecutionRecord {
    #[serde(skip)]
    pub arn: String,
    #[serde(skip)]
    pub name: String,
    #[serde(skip)]
    pub state_machine_arn: String,
    /// The id of the definition it runs (and replays) with.
    pub definition_id: String,
    /// The version it was started on, if it was started with a version or alias ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// The alias it was started with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// The machine's role when it started (shown in ExecutionStarted and `$$.Execution.RoleArn`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub role_arn: String,
    pub input: serde_json::Value,
    pub start: Millis,
    pub seed: u64,
    /// The secret its task tokens are minted with (absent in records written before tokens had one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_key: Option<TokenSecret>,
    pub stop: Option<Millis>,
    pub outcome: Option<Outcome>,
    /// How many times RedriveExecution restarted it, and when last.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub redrive_count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redrive_date: Option<Millis>,
    /// The client tokens of the last ten redrives (a retried request answers the redrive it made).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redrive_tokens: Vec<String>,
}

/// A task-token secret: stored as hex, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(pub stepd_core::TokenKey);

impl TokenSecret {
    /// 256 bits from the operating system's CSPRNG.
    pub fn fresh() -> TokenSecret {
        let mut key = [0u8; 32];
        // Without the OS's randomness no token could be trusted; there is nothing sensible to go on with.
        getrandom::getrandom(&mut key).expect("the operating system's random source");
        TokenSecret(key)
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(..)")
    }
}

impl Serialize for TokenSecret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hex: String = self.0.iter().map(|b| format!("{b:02x}")).collect();
        s.serialize_str(&hex)
    }
}

impl<'de> Deserialize<'de> for TokenSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(d)?;
        let bad = || serde::de::Error::custom("a token secret is 64 hex digits");
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(bad());
        }
        let mut key = [0u8; 32];
        for (i, b) in key.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(TokenSecret(key))
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How long after its stop an execution may be redriven (AWS allows 14 days).
pub(crate) const REDRIVE_WINDOW: Millis = 14 * 24 * 3600 * 1000;

impl ExecutionRecord {
    /// Whether it may be redriven at `now`: it stopped at most `REDRIVE_WINDOW` ago and did not succeed
    /// (DescribeExecution's `redriveStatus`; RedriveExecution also needs the execution to have stopped in
    /// a state it can run again, which only its rebuilt execution knows).
    pub fn redrivable(&self, now: Millis) -> bool {
        self.stop.is_some_and(|stop| now - stop <= REDRIVE_WINDOW)
            && !matches!(self.outcome, Some(Outcome::Succeeded { .. }))
    }

    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `ABORTED`, as DescribeExecution says.
    pub fn status(&self) -> &'static str {
        match &self.outcome {
            None => "RUNNING",
            Some(Outcome::Succeeded { .. }) => "SUCCEEDED",
            Some(Outcome::Failed { .. }) => "FAILED",
            Some(Outcome::TimedOut { .. }) => "TIMED_OUT",
            Some(Outcome::Aborted { .. }) => "ABORTED",
        }
    }
}

/// One journal entry: an input event and the time it was applied at. The first entry, the start, leaves
/// its event out: the start's input is the record's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JournalEntry {
    pub at: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Event>,
}

/// Where a task token points. Activity tasks also carry their activity and input until a worker takes them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenTarget {
    /// The execution, as its short id (`machine:name`, see `short`).
    pub execution: String,
    pub task: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<serde_json::Value>,
    /// The task timed out or was cancelled; callbacks get TaskTimedOut.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
}

/// What the writer keeps beside a running execution (table `running`), rewritten with each transition: with
/// the journal it rebuilds the execution, so a parked execution need not stay in memory.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Parked {
    /// Journal entries written so far (the next one's sequence number).
    pub journal_seq: u64,
    /// Task key → token, for tokens still outstanding.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tokens: BTreeMap<u64, String>,
    /// Timer key → due time, for timers still armed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub timers: BTreeMap<u64, Millis>,
    /// Task keys of invocations handed to adapters and not yet answered (each has an outbox entry).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub tasks: BTreeSet<u64>,
    /// Tokens of tasks that timed out or were cancelled (they answer TaskTimedOut until the end).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expired: Vec<String>,
}

/// A task invocation committed for an adapter and not yet answered (table `outbox`, key (execution, task)):
/// redelivered with the same idempotency key after a restart.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutboxEntry {
    pub resource: String,
    pub state: String,
    pub input: serde_json::Value,
    pub idempotency_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

/// A registered activity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActivityRecord {
    pub arn: String,
    pub name: String,
    pub created: Millis,
    #[serde(default)]
    pub tags: crate::Tags,
}

/// A key of one string: a state machine or activity ARN, a job id, a task token, a schedule name.
pub(crate) fn str_key(s: &str) -> Vec<u8> {
    Key::new().str(s).into_bytes()
}

/// AWS's rule for state machine, execution and activity names: 1–80 characters, no whitespace, no
/// `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /` and no control characters. (Keys rely on the absence of
/// `:`.)
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=80).contains(&name.chars().count())
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c))
}

/// What identifies an execution on this server: its ARN after `:execution:`, i.e. `machine:name` (names
/// cannot hold a colon). Keys use it instead of the whole ARN: a parked execution's keys are its largest
/// cost on disk, and region and account are the same for every one.
pub(crate) fn short(execution_arn: &str) -> &str {
    stepd_core::arn::execution_short(execution_arn)
}

/// A state machine's name, from its (unqualified) ARN.
pub(crate) fn machine_short(machine_arn: &str) -> &str {
    stepd_core::arn::machine(machine_arn).map_or(machine_arn, |m| m.name)
}

/// Turns short ids back into ARNs (keys hold short ids; requests and answers use ARNs).
pub(crate) type Arns = stepd_core::arn::Scope;

/// Key of `executions`, and the prefix of the execution's rows in `journal` and `outbox`.
pub(crate) fn exec_key(execution_arn: &str) -> Vec<u8> {
    Key::new().str(short(execution_arn)).into_bytes()
}

/// Key of `journal` and `outbox` rows: (execution, sequence or task).
pub(crate) fn seq_key(execution_arn: &str, n: u64) -> Vec<u8> {
    Key::new().str(short(execution_arn)).u64(n).into_bytes()
}

/// Key of `running`: (state machine, execution), so a machine's running executions are one prefix.
pub(crate) fn running_key(machine_arn: &str, execution_arn: &str) -> Vec<u8> {
    Key::new()
        .str(machine_short(machine_arn))
        .str(short(execution_arn))
        .into_bytes()
}

/// The prefix of a machine's rows in `running` and `machine_executions`.
pub(crate) fn machine_prefix(machine_arn: &str) -> Vec<u8> {
    Key::new().str(machine_short(machine_arn)).into_bytes()
}

/// Key of `machine_executions`: (state machine, start, execution).
pub(crate) fn listing_key(machine_arn: &str, start: Millis, execution_arn: &str) -> Vec<u8> {
    Key::new()
        .str(machine_short(machine_arn))
        .i64(start)
        .str(short(execution_arn))
        .into_bytes()
}

/// Key of `timers` (and `finished`, with timer 0): (due, execution, timer).
pub(crate) fn timer_key(due: Millis, execution_arn: &str, timer: u64) -> Vec<u8> {
    Key::new()
        .i64(due)
        .str(short(execution_arn))
        .u64(timer)
        .into_bytes()
}

/// An execution record read back, with the identity its key stands for filled in.
pub(crate) fn read_execution(arn: &str, bytes: &[u8]) -> Result<ExecutionRecord, crate::Error> {
    let mut record: ExecutionRecord = from_bytes(bytes)?;
    let bad = || crate::Error::Corrupt(format!("not an execution ARN: {arn}"));
    let Some(stepd_core::arn::Arn::Execution { name, .. }) = stepd_core::arn::parse(arn) else {
        return Err(bad());
    };
    record.name = name.to_string();
    record.state_machine_arn = stepd_core::arn::machine_of_execution(arn).ok_or_else(bad)?;
    record.arn = arn.to_string();
    Ok(record)
}

/// Puts a record where the caller cannot refuse (an execution's end, a job's row): a record that cannot be
/// serialised is logged and not written, never written empty.
pub(crate) fn put(
    batch: &mut stepd_store::Batch,
    table: stepd_store::Table,
    key: Vec<u8>,
    v: &impl Serialize,
) {
    match to_bytes(v) {
        Ok(bytes) => {
            batch.put(table, key, bytes);
        }
        Err(e) => tracing::error!(table = table.name(), error = %e, "a record is not written"),
    }
}

/// A record as stored. Serialising our records cannot fail (every map key is a string or a number), but if
/// it ever did the write is refused rather than an empty value committed.
pub(crate) fn to_bytes<T: Serialize>(v: &T) -> Result<Vec<u8>, crate::Error> {
    serde_json::to_vec(v)
        .map_err(|e| crate::Error::Corrupt(format!("a record cannot be serialised: {e}")))
}

pub(crate) fn from_bytes<T: for<'de> Deserialize<'de>>(b: &[u8]) -> Result<T, crate::Error> {
    serde_json::from_slice(b).or_else(|e| {
        // serde_json stops at 128 levels. Payloads are held to fewer (stepd_asl::limits), but data
        // written before that bound existed may nest deeper: read it without the limit, on a stack that
        // grows on the heap, rather than leave the record unreadable forever.
        let mut de = serde_json::Deserializer::from_slice(b);
        de.disable_recursion_limit();
        T::deserialize(serde_stacker::Deserializer::new(&mut de))
            .map_err(|_| crate::Error::Corrupt(e.to_string()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redrivable_within_fourteen_days_unless_it_succeeded() {
        let stopped = |at: Option<Millis>, outcome: Option<Outcome>| ExecutionRecord {
            arn: String::new(),
            name: String::new(),
            state_machine_arn: String::new(),
            definition_id: String::new(),
            version: None,
            alias: None,
            role_arn: String::new(),
            input: serde_json::Value::Null,
            start: 0,
            seed: 0,
            token_key: None,
            stop: at,
            outcome,
            redrive_count: 0,
            redrive_date: None,
            redrive_tokens: Vec::new(),
        };
        let failed = || {
            Some(Outcome::Failed {
                error: "E".into(),
                cause: String::new(),
            })
        };
        let stop = 1_000;
        assert!(stopped(Some(stop), failed()).redrivable(stop + REDRIVE_WINDOW));
        assert!(!stopped(Some(stop), failed()).redrivable(stop + REDRIVE_WINDOW + 1));
        assert!(!stopped(None, None).redrivable(stop));
        let succeeded = Some(Outcome::Succeeded {
            output: serde_json::json!({}),
        });
        assert!(!stopped(Some(stop), succeeded).redrivable(stop));
    }
}
