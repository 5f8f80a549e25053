//! The pure step between the interpreter and the store: one transition's effects turned into writes (the
//! journal entry, tokens, timers, outbox entries, the parked record) and the actions due once they are
//! durable, with no I/O and no writer state beyond the execution's own `Parked`. The writer adds what needs
//! the rest of the group (jobs, the final record) around it.

use crate::Error;
use crate::records::{self, JournalEntry, OutboxEntry, Parked, TokenTarget};
use crate::writer::After;
use serde_json::Value;
use std::collections::BTreeMap;
use stepd_core::{Effect, Millis, Outcome};
use stepd_store::{Batch, Table};

/// What one transition writes, and what follows its commit.
#[derive(Default)]
pub(crate) struct Persisted {
    pub batch: Batch,
    pub after: Vec<After>,
    /// The earliest timer it armed.
    pub earliest: Option<Millis>,
    /// Job queue tasks it parked: (task, token, the job as given).
    pub queued_jobs: Vec<(u64, String, Value)>,
    /// How many cluster runs it started (each counts as an attempt of its job).
    pub started_runs: u32,
    /// Adapter tasks it gave up whose outbox entries were written by an earlier transition: their rows are
    /// deleted here; the writer, which can read them, tells their adapters.
    pub abandoned: Vec<u64>,
    /// How the execution ended, if it did (the parked record is then left to the writer's close).
    pub finished: Option<Outcome>,
}

/// The writes of one transition of execution `arn` (belonging to `machine`), whose journal entry is
/// `journal`; `parked` is brought up to date.
pub(crate) fn persist(
    arn: &str,
    machine: &str,
    parked: &mut Parked,
    journal: &JournalEntry,
    effects: Vec<Effect>,
) -> Result<Persisted, Error> {
    let mut step = Step {
        arn,
        parked,
        out: Persisted::default(),
        invoked: BTreeMap::new(),
    };
    step.out.batch.put(
        Table::Journal,
        records::seq_key(arn, step.parked.journal_seq),
        records::to_bytes(journal)?,
    );
    step.parked.journal_seq += 1;
    for effect in effects {
        match effect {
            Effect::InvokeTask(mut inv) => match inv.token.take() {
                Some(token) => step.callback_task(inv, token)?,
                None => step.adapter_task(inv)?,
            },
            Effect::ArmTimer { timer, due } => {
                step.out.batch.put(
                    Table::Timers,
                    records::timer_key(due, arn, timer),
                    Vec::new(),
                );
                step.parked.timers.insert(timer, due);
                step.out.earliest = Some(step.out.earliest.map_or(due, |e| e.min(due)));
            }
            Effect::CancelTimer { timer } => {
                if let Some(due) = step.parked.timers.remove(&timer) {
                    step.out
                        .batch
                        .delete(Table::Timers, records::timer_key(due, arn, timer));
                }
            }
            Effect::CancelTask { task } => step.cancel_task(task)?,
            Effect::Finish(outcome) => step.out.finished = Some(outcome),
        }
    }
    let Step {
        parked, mut out, ..
    } = step;
    if out.finished.is_none() {
        out.batch.put(
            Table::Running,
            records::running_key(machine, arn),
            records::to_bytes(&*parked)?,
        );
    }
    Ok(out)
}

/// One transition's writes being built.
struct Step<'a> {
    arn: &'a str,
    parked: &'a mut Parked,
    out: Persisted,
    /// Outbox entries this transition writes (resource, idempotency key), should it also give their task up.
    invoked: BTreeMap<u64, (String, String)>,
}

impl Step<'_> {
    /// A task answered by a callback (its token), and offered to workers if it is an activity's.
    fn callback_task(&mut self, inv: stepd_core::Invocation, token: String) -> Result<(), Error> {
        let batch = &mut self.out.batch;
        let activity = stepd_core::is_activity(&inv.resource).then(|| inv.resource.clone());
        if let Some(a) = &activity {
            batch.put(Table::ActivityTasks, records::str_key(&token), Vec::new());
            self.out.after.push(After::Activity {
                activity: a.clone(),
                token: token.clone(),
                input: inv.input.clone(),
            });
        }
        let target = TokenTarget {
            execution: records::short(self.arn).to_string(),
            task: inv.task,
            input: activity.as_ref().map(|_| inv.input.clone()),
            activity,
            timed_out: false,
        };
        batch.put(
            Table::Tokens,
            records::str_key(&token),
            records::to_bytes(&target)?,
        );
        if inv.resource == crate::jobs::QUEUE_RESOURCE {
            self.out
                .queued_jobs
                .push((inv.task, token.clone(), inv.input));
        }
        self.parked.tokens.insert(inv.task, token);
        Ok(())
    }

    /// A task an adapter runs: its outbox entry, dispatched after the commit.
    fn adapter_task(&mut self, inv: stepd_core::Invocation) -> Result<(), Error> {
        if inv.resource == crate::jobs::START_RESOURCE {
            self.out.started_runs += 1;
        }
        let entry = OutboxEntry {
            resource: inv.resource,
            state: inv.state,
            input: inv.input,
            idempotency_key: inv.idempotency_key,
            timeout_seconds: inv.timeout_seconds,
        };
        let key = records::seq_key(self.arn, inv.task);
        self.out
            .batch
            .put(Table::Outbox, key, records::to_bytes(&entry)?);
        self.parked.tasks.insert(inv.task);
        self.invoked.insert(
            inv.task,
            (entry.resource.clone(), entry.idempotency_key.clone()),
        );
        self.out.after.push(After::Dispatch {
            execution: self.arn.to_string(),
            task: inv.task,
            entry,
        });
        Ok(())
    }

    /// A task given up (it timed out, or its branch was cancelled): a callback's token now answers
    /// TaskTimedOut until the execution ends; an adapter's outbox entry goes and its adapter is told.
    fn cancel_task(&mut self, task: u64) -> Result<(), Error> {
        let batch = &mut self.out.batch;
        if let Some(token) = self.parked.tokens.remove(&task) {
            let target = TokenTarget {
                execution: records::short(self.arn).to_string(),
                task,
                activity: None,
                input: None,
                timed_out: true,
            };
            batch.put(
                Table::Tokens,
                records::str_key(&token),
                records::to_bytes(&target)?,
            );
            batch.delete(Table::ActivityTasks, records::str_key(&token));
            self.parked.expired.push(token);
        } else if self.parked.tasks.remove(&task) {
            match self.invoked.remove(&task) {
                Some((resource, idempotency_key)) => self.out.after.push(After::Cancel {
                    resource,
                    idempotency_key,
                }),
                None => self.out.abandoned.push(task),
            }
            batch.delete(Table::Outbox, records::seq_key(self.arn, task));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;
    use stepd_core::{Event, Invocation};
    use stepd_store::Op;

    const ARN: &str = "arn:aws:states:us-east-1:123456789012:execution:m:e";
    const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:m";

    fn invocation(task: u64, resource: &str, token: Option<&str>) -> Invocation {
        Invocation {
            task,
            resource: resource.into(),
            state: "S".into(),
            input: json!({"x": task}),
            token: token.map(String::from),
            idempotency_key: format!("key-{task}"),
            timeout_seconds: None,
            heartbeat_seconds: None,
        }
    }

    fn journal() -> JournalEntry {
        JournalEntry {
            at: 5,
            event: Some(Event::TimerFired { timer: 1 }),
        }
    }

    /// The batch as (table, key, whether it is a put) in order.
    fn writes(batch: &Batch) -> Vec<(Table, Vec<u8>, bool)> {
        batch
            .ops
            .iter()
            .map(|op| match op {
                Op::Put { table, key, .. } => (*table, key.clone(), true),
                Op::Delete { table, key } => (*table, key.clone(), false),
            })
            .collect()
    }

    #[test]
    fn a_transition_writes_its_journal_entry_effects_and_parked_record() {
        let mut parked = Parked {
            journal_seq: 3,
            ..Parked::default()
        };
        let effects = vec![
            Effect::InvokeTask(invocation(1, "arn:aws:states:::lambda:invoke", None)),
            Effect::InvokeTask(invocation(
                2,
                "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                Some("tok"),
            )),
            Effect::ArmTimer { timer: 7, due: 900 },
            Effect::ArmTimer { timer: 8, due: 400 },
        ];
        let p = persist(ARN, MACHINE, &mut parked, &journal(), effects).unwrap();
        assert_eq!(
            writes(&p.batch),
            vec![
                (Table::Journal, records::seq_key(ARN, 3), true),
                (Table::Outbox, records::seq_key(ARN, 1), true),
                (Table::Tokens, records::str_key("tok"), true),
                (Table::Timers, records::timer_key(900, ARN, 7), true),
                (Table::Timers, records::timer_key(400, ARN, 8), true),
                (Table::Running, records::running_key(MACHINE, ARN), true),
            ]
        );
        assert_eq!(parked.journal_seq, 4);
        assert_eq!(parked.tasks.iter().copied().collect::<Vec<_>>(), [1]);
        assert_eq!(parked.tokens.get(&2).map(String::as_str), Some("tok"));
        assert_eq!(p.earliest, Some(400));
        assert!(matches!(
            p.after.as_slice(),
            [After::Dispatch { task: 1, .. }]
        ));
        let stored: Parked = records::from_bytes(
            p.batch
                .latest(Table::Running, &records::running_key(MACHINE, ARN))
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(stored, parked, "the parked record written is the one kept");
    }

    #[test]
    fn an_activity_task_is_offered_after_the_commit_and_a_job_is_queued() {
        let mut parked = Parked::default();
        let activity = "arn:aws:states:us-east-1:123456789012:activity:a";
        let effects = vec![
            Effect::InvokeTask(invocation(1, activity, Some("t1"))),
            Effect::InvokeTask(invocation(2, crate::jobs::QUEUE_RESOURCE, Some("t2"))),
            Effect::InvokeTask(invocation(3, crate::jobs::START_RESOURCE, None)),
        ];
        let p = persist(ARN, MACHINE, &mut parked, &journal(), effects).unwrap();
        assert!(matches!(p.after.first(), Some(After::Activity { token, .. }) if token == "t1"));
        assert!(
            p.batch
                .latest(Table::ActivityTasks, &records::str_key("t1"))
                .is_some()
        );
        let target: TokenTarget = records::from_bytes(
            p.batch
                .latest(Table::Tokens, &records::str_key("t1"))
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            (target.execution.as_str(), target.activity.as_deref()),
            ("m:e", Some(activity))
        );
        assert_eq!(
            p.queued_jobs
                .iter()
                .map(|(t, tok, _)| (*t, tok.as_str()))
                .collect::<Vec<_>>(),
            [(2, "t2")]
        );
        assert_eq!(p.started_runs, 1);
    }

    #[test]
    fn cancelled_work_is_unwritten_and_its_adapter_told() {
        let mut parked = Parked {
            tokens: [(4, "old".to_string())].into(),
            timers: [(9, 700)].into(),
            tasks: [5].into(),
            ..Parked::default()
        };
        let effects = vec![
            // Invoked and given up in the same transition: this step knows the entry itself.
            Effect::InvokeTask(invocation(6, "arn:aws:states:::lambda:invoke", None)),
            Effect::CancelTask { task: 6 },
            Effect::CancelTask { task: 5 },
            Effect::CancelTask { task: 4 },
            Effect::CancelTimer { timer: 9 },
            Effect::CancelTimer { timer: 99 },
        ];
        let p = persist(ARN, MACHINE, &mut parked, &journal(), effects).unwrap();
        assert!(
            matches!(&p.after[..], [After::Dispatch { task: 6, .. }, After::Cancel { idempotency_key, .. }] if idempotency_key == "key-6")
        );
        assert_eq!(
            p.abandoned,
            [5],
            "an entry of an earlier transition is the writer's to read"
        );
        assert_eq!(
            p.batch.latest(Table::Outbox, &records::seq_key(ARN, 5)),
            Some(None)
        );
        assert_eq!(
            p.batch
                .latest(Table::Timers, &records::timer_key(700, ARN, 9)),
            Some(None)
        );
        let expired: TokenTarget = records::from_bytes(
            p.batch
                .latest(Table::Tokens, &records::str_key("old"))
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        assert!(expired.timed_out);
        assert_eq!(parked.expired, ["old"]);
        assert!(parked.tasks.is_empty() && parked.tokens.is_empty() && parked.timers.is_empty());
    }

    #[test]
    fn a_finished_execution_leaves_its_parked_record_to_the_close() {
        let mut parked = Parked::default();
        let outcome = Outcome::Succeeded { output: json!(1) };
        let p = persist(
            ARN,
            MACHINE,
            &mut parked,
            &journal(),
            vec![Effect::Finish(outcome.clone())],
        )
        .unwrap();
        assert_eq!(p.finished, Some(outcome));
        assert_eq!(
            writes(&p.batch),
            vec![(Table::Journal, records::seq_key(ARN, 0), true)]
        );
    }
}
