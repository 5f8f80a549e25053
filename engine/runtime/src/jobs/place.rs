//! `arn:aws:states:::stepd:scheduler.place`: one scheduling decision. The writer reads its queue and what
//! its jobs hold on each cluster, asks the pure policy (`stepd-scheduler`) where the queued jobs go, and
//! in the same batch marks each chosen job PLACED and answers its token with its placement (the Job
//! Poller goes on to StartJobRun); a job no cluster could ever hold fails with `Job.Unschedulable`.
//! Ticks run one at a time, and a placed job holds its room from the moment it is placed, so two ticks
//! never book the same CPU or memory.

use super::{JobState, Placement};
use crate::writer::{After, Answer, Request, Writer};
use serde_json::{Value, json};
use stepd_adapter::{Adapter, Task, TaskError, TaskFuture};
use stepd_core::Millis;
use stepd_scheduler as policy;
use stepd_store::Batch;
use tokio::sync::{mpsc, oneshot};

/// How many unschedulable jobs a tick's result lists (the count is always whole).
const LISTED: usize = 100;

/// The adapter behind the place resource: it hands the task to the writer.
pub(crate) struct PlaceTasks {
    pub requests: mpsc::UnboundedSender<Request>,
}

impl Adapter for PlaceTasks {
    fn handles(&self, resource: &str) -> bool {
        resource == super::PLACE_RESOURCE
    }

    fn describe(&self) -> String {
        super::PLACE_RESOURCE.to_string()
    }

    fn invoke(&self, task: Task) -> TaskFuture {
        let requests = self.requests.clone();
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            let gone = || TaskError::new(stepd_core::names::TASK_FAILED, "the server is stopping");
            requests
                .send(Request::Place {
                    input: task.input,
                    reply,
                })
                .map_err(|_| gone())?;
            answer.await.map_err(|_| gone())?
        })
    }
}

/// A cluster as the capacity task reported it.
fn cluster_view(c: &Value) -> Option<(policy::ClusterView, policy::Resources, Millis)> {
    let res = |v: Option<&Value>| {
        let v = v?;
        Some(policy::Resources {
            cpu_milli: v.get("cpuMilli")?.as_u64()?,
            memory_mib: v.get("memoryMiB")?.as_u64()?,
        })
    };
    let name = c.get("name")?.as_str()?.to_string();
    let available = c.get("available").and_then(Value::as_bool).unwrap_or(false);
    let labels = c
        .get("labels")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|l| l.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let total = res(c.get("total"));
    let used = res(c.get("used")).unwrap_or_default();
    let at = c.get("atMs").and_then(Value::as_i64).unwrap_or(0);
    Some((
        policy::ClusterView {
            name,
            labels,
            capacity: total.unwrap_or_default(),
            available: available && total.is_some(),
        },
        used,
        at,
    ))
}

impl Writer {
    pub(crate) fn place_jobs(
        &mut self,
        input: &Value,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) -> Result<Value, TaskError> {
        let listed = input
            .get("capacity")
            .map(|c| c.get("clusters").unwrap_or(c))
            .and_then(Value::as_array)
            .ok_or_else(|| {
                TaskError::new(
                    stepd_core::names::RUNTIME,
                    "The place task's input needs 'capacity': the clusters the capacity task read",
                )
            })?;
        let mut clusters = Vec::new();
        let mut readings = Vec::new();
        for c in listed {
            if let Some((view, used, at)) = cluster_view(c) {
                readings.push((view.name.clone(), used, at));
                clusters.push(view);
            }
        }
        let queued = self.queued_jobs();
        let allocations = self.allocations(&readings);
        let mut config = self.jobs_config.policy.clone();
        if let Some(limit) = input.get("limit").and_then(Value::as_u64) {
            config.max_placements = config.max_placements.min(limit as usize);
        }
        let decision = policy::place(&policy::Input {
            now_ms: now as u64,
            queued: &queued,
            clusters: &clusters,
            allocations: &allocations,
            policy: &config,
        });
        let placed = self.book(&decision, now, batch, after);
        let unschedulable = self.refuse(&decision, now, batch, after);
        Ok(json!({
            "placed": placed.len(),
            "placements": placed,
            "unschedulable": decision.unschedulable.len(),
            "unschedulableJobs": unschedulable,
            "reservation": decision.reservation.as_ref().map(|r| json!({
                "job": r.job, "cluster": r.cluster, "startMs": r.start_ms,
            })),
            "queued": self.jobs.queued.len(),
        }))
    }

    /// The queued jobs as the policy reads them, in enqueue order.
    fn queued_jobs(&self) -> Vec<policy::QueuedJob> {
        let mut queued = Vec::with_capacity(self.jobs.queued.len());
        for id in self.jobs.queued.values() {
            let Some(job) = self.jobs.active.get(id) else {
                continue;
            };
            let s = &job.spec;
            let d = s.demand();
            queued.push(policy::QueuedJob {
                id: s.id.clone(),
                tenant: s.tenant.clone(),
                priority: s.priority,
                demand: policy::Resources {
                    cpu_milli: d.cpu_milli,
                    memory_mib: d.memory_mib,
                },
                enqueued_ms: job.enqueued_ms as u64,
                seq: job.seq,
                cluster: s.cluster.clone(),
                labels: s.labels.clone(),
                time_limit_ms: s.time_limit_seconds.map(|t| t * 1000),
            });
        }
        queued
    }

    /// What our jobs hold (every placed or running one: a run the cluster has not started yet still holds
    /// its room), and what each cluster reported beyond the runs it had when it was read (someone else's,
    /// held too, with no end). `readings`: (cluster, used, when read).
    fn allocations(
        &self,
        readings: &[(String, policy::Resources, Millis)],
    ) -> Vec<policy::Allocation> {
        let mut allocations = Vec::new();
        let mut ours_before: std::collections::HashMap<&str, policy::Resources> =
            Default::default();
        for job in self.jobs.active.values() {
            let (Some(p), JobState::Placed | JobState::Running) = (&job.placement, job.state)
            else {
                continue;
            };
            let d = job.spec.demand();
            let demand = policy::Resources {
                cpu_milli: d.cpu_milli,
                memory_mib: d.memory_mib,
            };
            let since = job.started_ms.unwrap_or(p.at_ms);
            allocations.push(policy::Allocation {
                cluster: p.cluster.clone(),
                tenant: job.spec.tenant.clone(),
                demand,
                ends_ms: job
                    .spec
                    .time_limit_seconds
                    .map(|t| (since as u64).saturating_add(t * 1000)),
            });
            if let Some((_, _, at)) = readings.iter().find(|(n, _, _)| *n == p.cluster)
                && job.started_ms.is_some_and(|s| s <= *at)
            {
                let e = ours_before.entry(p.cluster.as_str()).or_default();
                e.cpu_milli += demand.cpu_milli;
                e.memory_mib += demand.memory_mib;
            }
        }
        for (name, used, _) in readings {
            let ours = ours_before.get(name.as_str()).copied().unwrap_or_default();
            let foreign = policy::Resources {
                cpu_milli: used.cpu_milli.saturating_sub(ours.cpu_milli),
                memory_mib: used.memory_mib.saturating_sub(ours.memory_mib),
            };
            if foreign != policy::Resources::default() {
                allocations.push(policy::Allocation {
                    cluster: name.clone(),
                    tenant: String::new(),
                    demand: foreign,
                    ends_ms: None,
                });
            }
        }
        allocations
    }

    /// Marks the placed jobs PLACED and answers their queue tokens, in this batch; what the task reports.
    fn book(
        &mut self,
        decision: &policy::Decision,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) -> Vec<Value> {
        let mut placed = Vec::new();
        for p in &decision.placements {
            let Some(job) = self.jobs.active.get_mut(&p.job) else {
                continue;
            };
            let Some(waiting) = job.waiting.take() else {
                continue;
            };
            job.state = JobState::Placed;
            job.placement = Some(Placement {
                cluster: p.cluster.clone(),
                at_ms: now,
                backfilled: p.backfilled,
                why: p.why.clone(),
            });
            self.jobs.queued.remove(&job.seq);
            let answer = json!({ "cluster": p.cluster, "job": job.spec });
            let job = job.clone();
            tracing::debug!(job = %p.job, cluster = %p.cluster, why = %p.why, "job placed");
            self.put_job(&job, batch);
            if let Err(e) =
                self.callback(&waiting.token, Answer::Success(answer), now, batch, after)
            {
                tracing::warn!(job = %p.job, error = %e, "a placed job's token did not take its answer");
            }
            placed.push(json!({ "job": p.job, "cluster": p.cluster, "backfilled": p.backfilled }));
        }
        placed
    }

    /// Fails the queue tokens of the jobs no cluster can ever hold (`Job.Unschedulable`); the first
    /// `LISTED` of them, for the task's answer.
    fn refuse(
        &mut self,
        decision: &policy::Decision,
        now: Millis,
        batch: &mut Batch,
        after: &mut Vec<After>,
    ) -> Vec<Value> {
        let mut unschedulable = Vec::new();
        for u in &decision.unschedulable {
            let Some(job) = self.jobs.active.get_mut(&u.job) else {
                continue;
            };
            let Some(waiting) = job.waiting.take() else {
                continue;
            };
            self.jobs.queued.remove(&job.seq);
            let failure = Answer::Failure {
                error: "Job.Unschedulable".into(),
                cause: format!("job {}: {}", u.job, u.reason),
            };
            if let Err(e) = self.callback(&waiting.token, failure, now, batch, after) {
                tracing::warn!(job = %u.job, error = %e, "an unschedulable job's token did not take its answer");
            }
            if unschedulable.len() < LISTED {
                unschedulable.push(json!({ "job": u.job, "reason": u.reason }));
            }
        }
        unschedulable
    }
}
