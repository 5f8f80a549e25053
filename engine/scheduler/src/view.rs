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
    /// `q.demand`, copied so the main loop reads it without touching the job.
    pub demand: Resources,
    pub tenant: usize,
    pub group: usize,
}

/// What sorting needs of one job, and what the main loop reads of it.
struct Row {
    key: i128,
    seq: u64,
    index: usize,
    tenant: usize,
    group: usize,
    demand: Resources,
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
        let (tenants, job_tenant, alloc_tenant) = intern_tenants(input);
        let mut view = View {
            now: input.now_ms,
            policy: input.policy,
            allocations: input.allocations,
            used: vec![Resources::ZERO; clusters.len()],
            clusters,
            tenants,
            held: Vec::new(),
            quota: Vec::new(),
            jobs: Vec::new(),
            groups: Vec::new(),
        };
        view.held = vec![Resources::ZERO; view.tenants.len()];
        view.quota = (view.tenants.iter())
            .map(|t| input.policy.quotas.get(*t).copied())
            .collect();
        for (a, &t) in input.allocations.iter().zip(&alloc_tenant) {
            if let Some(c) = view.cluster_index(&a.cluster) {
                view.used[c] = view.used[c].saturating_add(a.demand);
            }
            view.held[t] = view.held[t].saturating_add(a.demand);
        }
        view.jobs = view.rank(input.queued, &job_tenant);
        view
    }

    pub fn cluster_index(&self, name: &str) -> Option<usize> {
        (self.clusters)
            .binary_search_by(|c| c.name.as_str().cmp(name))
            .ok()
    }

    pub fn group(&self, job: &Job<'_>) -> &Group {
        &self.groups[job.group]
    }

    /// Free on a cluster before this tick's placements.
    pub fn free(&self, cluster: usize) -> Resources {
        self.clusters[cluster]
            .capacity
            .saturating_sub(self.used[cluster])
    }

    /// Jobs sorted by (rank key, seq, id): the id only matters when `seq`s repeat, and keeps the order
    /// independent of the input's order even then. `tenant[i]` is the tenant of `queued[i]`.
    ///
    /// Everything read from a job is read in input order, into a compact row, before sorting: walking
    /// 100,000 jobs in rank order instead would touch each one's memory at random.
    fn rank(&mut self, queued: &'a [QueuedJob], tenant: &[usize]) -> Vec<Job<'a>> {
        let aging = self.policy.aging_ms_per_point;
        let labels: Vec<Vec<&str>> = (self.clusters.iter())
            .map(|c| {
                let mut l: Vec<&str> = c.labels.iter().map(String::as_str).collect();
                l.sort_unstable();
                l
            })
            .collect();
        // Groups are keyed by numbers, not strings: the pin as a cluster slot (0 = none, then index + 1,
        // `usize::MAX` for an unknown name, whose group is empty whatever the name) and the label set by
        // its id (0 = none, the common case, which needs no lookup).
        let mut label_sets: BTreeMap<&'a [String], usize> = BTreeMap::new();
        let mut groups: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        let mut rows: Vec<Row> = Vec::with_capacity(queued.len());
        for (i, q) in queued.iter().enumerate() {
            let pin = match q.cluster.as_deref() {
                None => 0,
                Some(name) => self.cluster_index(name).map_or(usize::MAX, |c| c + 1),
            };
            let set = match q.labels.as_slice() {
                [] => 0,
                l => {
                    let next = label_sets.len() + 1;
                    *label_sets.entry(l).or_insert(next)
                }
            };
            let group = match groups.get(&(pin, set)) {
                Some(g) => *g,
                None => {
                    let g = self.groups.len();
                    self.groups.push(self.eligible(q, &labels));
                    groups.insert((pin, set), g);
                    g
                }
            };
            rows.push(Row {
                key: rank_key(q, aging),
                seq: q.seq,
                index: i,
                tenant: tenant[i],
                group,
                demand: q.demand,
            });
        }
        rows.sort_unstable_by(|a, b| {
            (a.key, a.seq)
                .cmp(&(b.key, b.seq))
                .then_with(|| queued[a.index].id.cmp(&queued[b.index].id))
        });
        (rows.into_iter())
            .map(|r| Job {
                q: &queued[r.index],
                demand: r.demand,
                tenant: r.tenant,
                group: r.group,
            })
            .collect()
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

/// Tenant names, sorted, and the tenant index of each queued job and each allocation. One map lookup per
/// row: ids are handed out in first-seen order, then renumbered in name order, so the numbering (which
/// fairness breaks ties by) does not depend on the input's order.
fn intern_tenants<'a>(input: &Input<'a>) -> (Vec<&'a str>, Vec<usize>, Vec<usize>) {
    let mut ids: BTreeMap<&'a str, usize> = BTreeMap::new();
    let mut id = |name: &'a str| {
        let next = ids.len();
        *ids.entry(name).or_insert(next)
    };
    let jobs: Vec<usize> = input.queued.iter().map(|j| id(&j.tenant)).collect();
    let allocs: Vec<usize> = input.allocations.iter().map(|a| id(&a.tenant)).collect();
    let mut by_name = vec![0; ids.len()];
    let mut names = Vec::with_capacity(ids.len());
    for (rank, (name, first)) in ids.into_iter().enumerate() {
        by_name[first] = rank;
        names.push(name);
    }
    let renumber = |v: Vec<usize>| v.into_iter().map(|i| by_name[i]).collect();
    (names, renumber(jobs), renumber(allocs))
}
