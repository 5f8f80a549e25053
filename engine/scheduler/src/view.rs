//! The tick's indexed view of its input: clusters by name, tenants by name, jobs in rank order, and the
//! eligible clusters of each distinct (pin, labels) pair, built once so the main loop only indexes.

use crate::{Allocation, ClusterView, Input, MAX_PRIORITY, Policy, QueuedJob, Resources};
use std::collections::BTreeMap;

pub(crate) struct View<'a> {
    pub now: u64,
    pub policy: &'a Policy,
    pub allocations: &'a [Allocation],
    /// Sorted by name, one per name.
    pub clusters: Vec<&'a ClusterView>,
    /// Per cluster: what its allocations hold (saturating: an absurd total reads as full).
    pub used: Vec<Resources>,
    /// Sorted; every tenant named by a job or an allocation.
    pub tenants: Vec<&'a str>,
    /// Per tenant: what its allocations hold, on any cluster, known or not.
    pub held: Vec<Resources>,
    pub quota: Vec<Option<Resources>>,
    /// In rank order: `jobs[r]` has aged rank `r + 1`.
    pub jobs: Vec<Job<'a>>,
    pub groups: Vec<Group>,
}

pub(crate) struct Job<'a> {
    pub q: &'a QueuedJob,
    pub tenant: usize,
    pub group: usize,
}

/// The clusters a job may run on, shared by every job with the same pin and labels.
pub(crate) struct Group {
    /// Indices into `View::clusters`, ascending (so by name), available or not.
    pub eligible: Vec<usize>,
    pub any_available: bool,
}

/// The rank key: `enqueued_ms - priority * aging_ms_per_point`, lower first. Waiting `aging` ms is worth one
/// point, so this is "effective priority = priority + waited / aging" with the waiting measured from a
/// fixed origin: the key does not change with time, and neither does the order. i128 holds every value.
pub(crate) fn rank_key(job: &QueuedJob, aging_ms_per_point: u64) -> i128 {
    let priority = job.priority.min(MAX_PRIORITY);
    i128::from(job.enqueued_ms) - i128::from(priority) * i128::from(aging_ms_per_point)
}

impl<'a> View<'a> {
    pub fn new(input: &Input<'a>) -> View<'a> {
        let clusters = dedup_clusters(input.clusters);
        let mut view = View {
            now: input.now_ms,
            policy: input.policy,
            allocations: input.allocations,
            used: vec![Resources::ZERO; clusters.len()],
            clusters,
            tenants: tenants(input),
            held: Vec::new(),
            quota: Vec::new(),
            jobs: Vec::new(),
            groups: Vec::new(),
        };
        view.held = vec![Resources::ZERO; view.tenants.len()];
        view.quota = (view.tenants.iter())
            .map(|t| input.policy.quotas.get(*t).copied())
            .collect();
        for a in input.allocations {
            if let Some(c) = view.cluster_index(&a.cluster) {
                view.used[c] = view.used[c].saturating_add(a.demand);
            }
            if let Some(t) = view.tenant_index(&a.tenant) {
                view.held[t] = view.held[t].saturating_add(a.demand);
            }
        }
        view.jobs = view.rank(input.queued);
        view
    }

    pub fn cluster_index(&self, name: &str) -> Option<usize> {
        (self.clusters)
            .binary_search_by(|c| c.name.as_str().cmp(name))
            .ok()
    }

    pub fn tenant_index(&self, name: &str) -> Option<usize> {
        self.tenants.binary_search(&name).ok()
    }

    pub fn group(&self, job: &Job<'_>) -> &Group {
        &self.groups[job.group]
    }

    /// Free on a cluster before this tick's placements.
    pub fn free(&self, cluster: usize) -> Resources {
        self.clusters[cluster].capacity.saturating_sub(self.used[cluster])
    }

    /// Jobs sorted by (rank key, seq, id): the id only matters when `seq`s repeat, and keeps the order
    /// independent of the input's order even then.
    fn rank(&mut self, queued: &'a [QueuedJob]) -> Vec<Job<'a>> {
        let aging = self.policy.aging_ms_per_point;
        let mut keyed: Vec<(i128, &'a QueuedJob)> =
            queued.iter().map(|q| (rank_key(q, aging), q)).collect();
        keyed.sort_unstable_by(|(ka, a), (kb, b)| {
            ka.cmp(kb)
                .then(a.seq.cmp(&b.seq))
                .then_with(|| a.id.cmp(&b.id))
        });
        let mut groups: BTreeMap<(Option<&'a str>, &'a [String]), usize> = BTreeMap::new();
        let labels: Vec<Vec<&str>> = (self.clusters.iter())
            .map(|c| {
                let mut l: Vec<&str> = c.labels.iter().map(String::as_str).collect();
                l.sort_unstable();
                l
            })
            .collect();
        let mut jobs = Vec::with_capacity(keyed.len());
        for (_, q) in keyed {
            let key = (q.cluster.as_deref(), q.labels.as_slice());
            let group = match groups.get(&key) {
                Some(g) => *g,
                None => {
                    let g = self.groups.len();
                    self.groups.push(self.eligible(q, &labels));
                    groups.insert(key, g);
                    g
                }
            };
            // Every job's tenant was collected by `tenants`; the fallback is unreachable but harmless.
            let tenant = self.tenant_index(&q.tenant).unwrap_or(0);
            jobs.push(Job { q, tenant, group });
        }
        jobs
    }

    fn eligible(&self, q: &QueuedJob, labels: &[Vec<&str>]) -> Group {
        let has_labels =
            |c: usize| (q.labels.iter()).all(|l| labels[c].binary_search(&l.as_str()).is_ok());
        let eligible: Vec<usize> = match q.cluster.as_deref() {
            Some(pin) => self.cluster_index(pin).into_iter().collect(),
            None => (0..self.clusters.len()).collect(),
        };
        let eligible: Vec<usize> = eligible.into_iter().filter(|&c| has_labels(c)).collect();
        let any_available = eligible.iter().any(|&c| self.clusters[c].available);
        Group {
            eligible,
            any_available,
        }
    }
}

/// One cluster per name, chosen without regard to input order: the unavailable one if any, then the one
/// with the smaller capacity, so a duplicate can never make room that is not there.
fn dedup_clusters(clusters: &[ClusterView]) -> Vec<&ClusterView> {
    let mut sorted: Vec<&ClusterView> = clusters.iter().collect();
    sorted.sort_by(|a, b| {
        let key = |c: &ClusterView| {
            (
                c.available,
                c.capacity.cpu_milli,
                c.capacity.memory_mib,
                c.labels.clone(),
            )
        };
        a.name.cmp(&b.name).then_with(|| key(a).cmp(&key(b)))
    });
    sorted.dedup_by(|later, first| later.name == first.name);
    sorted
}

fn tenants<'a>(input: &Input<'a>) -> Vec<&'a str> {
    let mut names: Vec<&str> = (input.queued.iter().map(|j| j.tenant.as_str()))
        .chain(input.allocations.iter().map(|a| a.tenant.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}
