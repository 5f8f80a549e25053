//! Builders for queued jobs, clusters and allocations, and the `check` helper that renders a decision as
//! one line so a test states its whole expected outcome.

#![allow(dead_code)]

use stepd_scheduler::{
    Allocation, ClusterView, Decision, Input, Policy, QueuedJob, Resources, place,
};

pub const NOW: u64 = 1_000_000;
pub const GIB: u64 = 1024;

/// CPUs and GiB as the tests write them.
pub fn res(cpu: u64, gib: u64) -> Resources {
    Resources::new(cpu * 1000, gib * GIB)
}

/// A job of priority 500 for tenant "t", enqueued `seq` ms after a common origin before `NOW`, so FIFO by
/// `seq` is also FIFO by time.
pub fn job(id: &str, seq: u64, cpu: u64, gib: u64) -> QueuedJob {
    QueuedJob {
        id: id.to_string(),
        tenant: "t".to_string(),
        priority: 500,
        demand: res(cpu, gib),
        enqueued_ms: NOW - 100_000 + seq,
        seq,
        cluster: None,
        labels: Vec::new(),
        time_limit_ms: None,
    }
}

pub trait JobExt {
    fn prio(self, p: u32) -> Self;
    fn tenant(self, t: &str) -> Self;
    fn at(self, enqueued_ms: u64) -> Self;
    fn pin(self, c: &str) -> Self;
    fn labels(self, l: &[&str]) -> Self;
    fn limit(self, ms: u64) -> Self;
}

impl JobExt for QueuedJob {
    fn prio(mut self, p: u32) -> Self {
        self.priority = p;
        self
    }
    fn tenant(mut self, t: &str) -> Self {
        self.tenant = t.to_string();
        self
    }
    fn at(mut self, enqueued_ms: u64) -> Self {
        self.enqueued_ms = enqueued_ms;
        self
    }
    fn pin(mut self, c: &str) -> Self {
        self.cluster = Some(c.to_string());
        self
    }
    fn labels(mut self, l: &[&str]) -> Self {
        self.labels = l.iter().map(|s| s.to_string()).collect();
        self
    }
    fn limit(mut self, ms: u64) -> Self {
        self.time_limit_ms = Some(ms);
        self
    }
}

pub fn cluster(name: &str, cpu: u64, gib: u64) -> ClusterView {
    ClusterView {
        name: name.to_string(),
        labels: Vec::new(),
        capacity: res(cpu, gib),
        available: true,
    }
}

pub fn labelled(mut c: ClusterView, l: &[&str]) -> ClusterView {
    c.labels = l.iter().map(|s| s.to_string()).collect();
    c
}

pub fn stale(mut c: ClusterView) -> ClusterView {
    c.available = false;
    c
}

pub fn alloc(cluster: &str, tenant: &str, cpu: u64, gib: u64, ends_ms: Option<u64>) -> Allocation {
    Allocation {
        cluster: cluster.to_string(),
        tenant: tenant.to_string(),
        demand: res(cpu, gib),
        ends_ms,
    }
}

pub struct Case {
    pub jobs: Vec<QueuedJob>,
    pub clusters: Vec<ClusterView>,
    pub allocations: Vec<Allocation>,
    pub policy: Policy,
}

impl Case {
    pub fn new(jobs: Vec<QueuedJob>, clusters: Vec<ClusterView>) -> Case {
        Case {
            jobs,
            clusters,
            allocations: Vec::new(),
            policy: Policy::default(),
        }
    }

    pub fn allocs(mut self, a: Vec<Allocation>) -> Case {
        self.allocations = a;
        self
    }

    pub fn policy(mut self, f: impl FnOnce(&mut Policy)) -> Case {
        f(&mut self.policy);
        self
    }

    pub fn run(&self) -> Decision {
        place(&Input {
            now_ms: NOW,
            queued: &self.jobs,
            clusters: &self.clusters,
            allocations: &self.allocations,
            policy: &self.policy,
        })
    }
}

/// The decision in one line: `a→small b→big*` (a `*` marks a backfill), then `| x: <reason>` for each
/// unschedulable job, then `| reserve h@big+<ms after NOW>` (or `@big+?` when unpredictable).
pub fn summary(d: &Decision) -> String {
    let mut parts: Vec<String> = d
        .placements
        .iter()
        .map(|p| {
            format!(
                "{}→{}{}",
                p.job,
                p.cluster,
                if p.backfilled { "*" } else { "" }
            )
        })
        .collect();
    if parts.is_empty() {
        parts.push("-".to_string());
    }
    let mut s = parts.join(" ");
    for u in &d.unschedulable {
        s.push_str(&format!(" | {}: {}", u.job, u.reason));
    }
    if let Some(r) = &d.reservation {
        let at = r
            .start_ms
            .map_or("?".to_string(), |t| (t as i128 - NOW as i128).to_string());
        s.push_str(&format!(" | reserve {}@{}+{}", r.job, r.cluster, at));
    }
    s
}

/// Runs the case and compares its one-line summary.
#[track_caller]
pub fn check(case: Case, expect: &str) {
    let d = case.run();
    assert_eq!(summary(&d), expect, "\nwhole decision: {d:#?}");
}
