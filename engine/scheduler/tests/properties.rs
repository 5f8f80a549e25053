//! Properties over random queues, clusters and allocations, checked against simple oracles written here
//! independently of the crate: capacity and quotas are never exceeded, exactly the impossible jobs are
//! unschedulable, strict priority places a prefix of the rank order, the aging bound holds, backfill never
//! delays the reserved job, and the decision does not depend on the input's order.

use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use stepd_scheduler::{
    Allocation, ClusterView, Decision, Input, Policy, QueuedJob, Resources, place,
};

const NOW: u64 = 1_000_000;
const NAMES: [&str; 4] = ["c0", "c1", "c2", "c3"];
const TENANTS: [&str; 3] = ["a", "b", "c"];

fn labels() -> impl Strategy<Value = Vec<String>> {
    prop::sample::subsequence(vec!["gpu", "ssd"], 0..=2)
        .prop_map(|l| l.into_iter().map(String::from).collect())
}

fn resources(
    cpu: std::ops::RangeInclusive<u64>,
    mem: std::ops::RangeInclusive<u64>,
) -> impl Strategy<Value = Resources> {
    (cpu, mem).prop_map(|(c, m)| Resources::new(c, m))
}

fn clusters() -> impl Strategy<Value = Vec<ClusterView>> {
    prop::collection::vec(
        (
            labels(),
            resources(0..=20, 1..=20),
            prop::bool::weighted(0.8),
        ),
        1..=4,
    )
    .prop_map(|cs| {
        (cs.into_iter().enumerate())
            .map(|(i, (labels, capacity, available))| ClusterView {
                name: NAMES[i].to_string(),
                labels,
                capacity,
                available,
            })
            .collect()
    })
}

fn cluster_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["c0", "c1", "c2", "c3", "ghost"]).prop_map(String::from)
}

fn allocations() -> impl Strategy<Value = Vec<Allocation>> {
    let tenant = prop::sample::select(vec!["", "a", "b", "c"]).prop_map(String::from);
    let ends = prop::option::weighted(0.7, 0..60u64).prop_map(|e| e.map(|e| NOW - 5 + e));
    let one = (cluster_name(), tenant, resources(0..=10, 0..=10), ends).prop_map(
        |(cluster, tenant, demand, ends_ms)| Allocation {
            cluster,
            tenant,
            demand,
            ends_ms,
        },
    );
    prop::collection::vec(one, 0..8)
}

fn jobs() -> impl Strategy<Value = Vec<QueuedJob>> {
    let priority = prop_oneof![Just(0u32), Just(500), Just(1000), 0..=1000u32];
    let one = (
        prop::sample::select(TENANTS.to_vec()),
        priority,
        resources(0..=12, 1..=12),
        // Coarse enqueue times, so rank keys often tie and `seq` has to decide.
        prop_oneof![(0..20u64).prop_map(|x| x * 1000), 0..100_000u64],
        prop::option::weighted(0.15, cluster_name()),
        labels(),
        prop::option::weighted(0.6, 1..60u64),
    );
    prop::collection::vec(one, 0..40).prop_map(|js| {
        (js.into_iter().enumerate())
            .map(
                |(i, (tenant, priority, demand, ago, cluster, labels, limit))| QueuedJob {
                    id: format!("j{i}"),
                    tenant: tenant.to_string(),
                    priority,
                    demand,
                    enqueued_ms: NOW - ago,
                    seq: i as u64,
                    cluster,
                    labels: if labels.len() == 2 {
                        Vec::new()
                    } else {
                        labels
                    },
                    time_limit_ms: limit,
                },
            )
            .collect()
    })
}

fn policy() -> impl Strategy<Value = Policy> {
    let quota = prop::option::weighted(0.5, resources(0..=20, 0..=20));
    (
        prop::sample::select(vec![0u64, 1, 1000]),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(quota, 3),
        prop_oneof![Just(1000usize), 0..6usize],
    )
        .prop_map(|(aging, backfill, fairness, quotas, max)| Policy {
            aging_ms_per_point: aging,
            backfill,
            fairness,
            quotas: (TENANTS.iter().zip(quotas))
                .filter_map(|(t, q)| Some((t.to_string(), q?)))
                .collect(),
            max_placements: max,
        })
}

#[derive(Debug, Clone)]
struct World {
    jobs: Vec<QueuedJob>,
    clusters: Vec<ClusterView>,
    allocations: Vec<Allocation>,
    policy: Policy,
}

impl World {
    fn decide(&self) -> Decision {
        place(&Input {
            now_ms: NOW,
            queued: &self.jobs,
            clusters: &self.clusters,
            allocations: &self.allocations,
            policy: &self.policy,
        })
    }

    fn job(&self, id: &str) -> &QueuedJob {
        self.jobs
            .iter()
            .find(|j| j.id == id)
            .expect("a placed job is queued")
    }

    fn cluster(&self, name: &str) -> &ClusterView {
        (self.clusters.iter())
            .find(|c| c.name == name)
            .expect("placed on a known cluster")
    }

    fn eligible(&self, j: &QueuedJob, c: &ClusterView) -> bool {
        j.cluster.as_ref().is_none_or(|p| *p == c.name)
            && j.labels.iter().all(|l| c.labels.contains(l))
    }

    fn quota(&self, tenant: &str) -> Option<Resources> {
        self.policy.quotas.get(tenant).copied()
    }

    /// Oracle for rule 2.
    fn impossible(&self, j: &QueuedJob) -> bool {
        let fits_some =
            (self.clusters.iter()).any(|c| self.eligible(j, c) && j.demand.fits(c.capacity));
        !fits_some || self.quota(&j.tenant).is_some_and(|q| !j.demand.fits(q))
    }

    /// Whether some available eligible cluster could ever hold the job.
    fn hostable(&self, j: &QueuedJob) -> bool {
        (self.clusters.iter())
            .any(|c| c.available && self.eligible(j, c) && j.demand.fits(c.capacity))
    }

    fn allocated(&self, pick: impl Fn(&Allocation) -> bool) -> [u128; 2] {
        sum(self
            .allocations
            .iter()
            .filter(|a| pick(a))
            .map(|a| a.demand))
    }

    /// Oracle for the reservation start: the earliest t in {now} ∪ {max(end, now)} at which what is still
    /// held leaves `need` free on the cluster, holding (demand, end) pairs.
    fn start(
        &self,
        cluster: &str,
        extra: &[(Resources, Option<u64>)],
        need: Resources,
    ) -> Option<u64> {
        let cap = self.cluster(cluster).capacity;
        let holders: Vec<(Resources, Option<u64>)> = (self.allocations.iter())
            .filter(|a| a.cluster == cluster)
            .map(|a| (a.demand, a.ends_ms))
            .chain(extra.iter().copied())
            .collect();
        let mut times: Vec<u64> = holders
            .iter()
            .filter_map(|h| h.1)
            .map(|e| e.max(NOW))
            .collect();
        times.push(NOW);
        times.sort_unstable();
        times.into_iter().find(|&t| {
            let held = sum(holders
                .iter()
                .filter(|h| h.1.is_none_or(|e| e > t))
                .map(|h| h.0));
            u128::from(cap.cpu_milli) >= held[0] + u128::from(need.cpu_milli)
                && u128::from(cap.memory_mib) >= held[1] + u128::from(need.memory_mib)
        })
    }

    /// The jobs in rank order, by the formula.
    fn ranked(&self) -> Vec<&QueuedJob> {
        let aging = i128::from(self.policy.aging_ms_per_point);
        let mut order: Vec<&QueuedJob> = self.jobs.iter().collect();
        order.sort_by_key(|j| {
            (
                i128::from(j.enqueued_ms) - i128::from(j.priority.min(1000)) * aging,
                j.seq,
            )
        });
        order
    }
}

fn sum(rs: impl Iterator<Item = Resources>) -> [u128; 2] {
    rs.fold([0, 0], |[c, m], r| {
        [c + u128::from(r.cpu_milli), m + u128::from(r.memory_mib)]
    })
}

fn world() -> impl Strategy<Value = World> {
    (jobs(), clusters(), allocations(), policy()).prop_map(
        |(jobs, clusters, allocations, policy)| World {
            jobs,
            clusters,
            allocations,
            policy,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn capacity_is_never_exceeded(w in world()) {
        let d = w.decide();
        for c in &w.clusters {
            let placed = sum(d.placements.iter().filter(|p| p.cluster == c.name).map(|p| w.job(&p.job).demand));
            let used = w.allocated(|a| a.cluster == c.name);
            let free = [
                u128::from(c.capacity.cpu_milli).saturating_sub(used[0]),
                u128::from(c.capacity.memory_mib).saturating_sub(used[1]),
            ];
            prop_assert!(placed[0] <= free[0] && placed[1] <= free[1], "{c:?}: {d:#?}");
            if !c.available {
                prop_assert!(d.placements.iter().all(|p| p.cluster != c.name));
            }
        }
        for p in &d.placements {
            prop_assert!(w.eligible(w.job(&p.job), w.cluster(&p.cluster)));
        }
        prop_assert!(d.placements.len() <= w.policy.max_placements);
    }

    #[test]
    fn quotas_are_never_exceeded(w in world()) {
        let d = w.decide();
        for (tenant, quota) in &w.policy.quotas {
            let placed = sum((d.placements.iter().map(|p| w.job(&p.job)))
                .filter(|j| j.tenant == *tenant)
                .map(|j| j.demand));
            if placed == [0, 0] {
                continue;
            }
            let held = w.allocated(|a| a.tenant == *tenant);
            prop_assert!(held[0] + placed[0] <= u128::from(quota.cpu_milli));
            prop_assert!(held[1] + placed[1] <= u128::from(quota.memory_mib));
        }
    }

    #[test]
    fn unschedulable_is_exactly_the_impossible_jobs(w in world()) {
        let d = w.decide();
        let placed: Vec<&str> = d.placements.iter().map(|p| p.job.as_str()).collect();
        let unique: BTreeSet<&str> = placed.iter().copied().collect();
        prop_assert_eq!(unique.len(), placed.len(), "placed twice");
        let failed: BTreeSet<&str> = d.unschedulable.iter().map(|u| u.job.as_str()).collect();
        let impossible: BTreeSet<&str> =
            w.jobs.iter().filter(|j| w.impossible(j)).map(|j| j.id.as_str()).collect();
        prop_assert_eq!(&failed, &impossible);
        prop_assert!(unique.is_disjoint(&failed));
        if let Some(r) = &d.reservation {
            prop_assert!(!failed.contains(r.job.as_str()) && !unique.contains(r.job.as_str()));
        }
    }

    /// Rule 4's guarantee: the reserved start is what the oracle predicts from the allocations and the
    /// placements made before the head, and the backfilled placements do not move it later.
    #[test]
    fn backfill_never_delays_the_reserved_job(w in world()) {
        let d = w.decide();
        let Some(r) = &d.reservation else { return Ok(()) };
        let head = w.job(&r.job);
        let c = w.cluster(&r.cluster);
        prop_assert!(c.available && w.eligible(head, c) && head.demand.fits(c.capacity));
        let holders = |backfilled: bool| -> Vec<(Resources, Option<u64>)> {
            (d.placements.iter())
                .filter(|p| p.cluster == r.cluster && (backfilled || !p.backfilled))
                .map(|p| {
                    let j = w.job(&p.job);
                    (j.demand, j.time_limit_ms.map(|l| NOW + l))
                })
                .collect()
        };
        let before = w.start(&r.cluster, &holders(false), head.demand);
        let after = w.start(&r.cluster, &holders(true), head.demand);
        prop_assert_eq!(r.start_ms, before, "{:#?}", d);
        // And no other cluster that could host the head predicts an earlier start.
        let key = |s: Option<u64>| (s.is_none(), s);
        for other in w.clusters.iter().filter(|o| o.available && w.eligible(head, o) && head.demand.fits(o.capacity)) {
            let pre: Vec<(Resources, Option<u64>)> = (d.placements.iter())
                .filter(|p| p.cluster == other.name && !p.backfilled)
                .map(|p| (w.job(&p.job).demand, w.job(&p.job).time_limit_ms.map(|l| NOW + l)))
                .collect();
            prop_assert!(key(w.start(&other.name, &pre, head.demand)) >= key(before), "{} is earlier: {:#?}", other.name, d);
        }
        let later = match (before, after) {
            (Some(b), Some(a)) => a > b,
            (Some(_), None) => true,
            (None, _) => false,
        };
        prop_assert!(!later, "backfill moved {:?} to {:?}: {:#?}", before, after, d);
        // No placement made before the head is marked backfilled, and none after it is not.
        let first_backfill = d.placements.iter().position(|p| p.backfilled).unwrap_or(d.placements.len());
        prop_assert!(d.placements[first_backfill..].iter().all(|p| p.backfilled));
        if !w.policy.backfill {
            prop_assert_eq!(first_backfill, d.placements.len());
        }
    }

    /// Strict priority (no backfill, no fairness) places a prefix of the rank order: every job ranked
    /// before the last one placed (or the head) was placed, unless it is impossible, would exceed its
    /// tenant's quota given the placements ranked before it, or has no available cluster large enough.
    /// The head is the first job that is none of these and was not placed; nothing after it is placed.
    #[test]
    fn strict_priority_places_a_prefix_of_the_rank_order(mut w in world()) {
        w.policy.backfill = false;
        w.policy.fairness = false;
        let d = w.decide();
        let placed: BTreeMap<&str, usize> =
            d.placements.iter().enumerate().map(|(i, p)| (p.job.as_str(), i)).collect();
        let mut held: BTreeMap<&str, [u128; 2]> = BTreeMap::new();
        for a in &w.allocations {
            let h = held.entry(a.tenant.as_str()).or_default();
            h[0] += u128::from(a.demand.cpu_milli);
            h[1] += u128::from(a.demand.memory_mib);
        }
        let mut next_placement = 0;
        let mut stopped = false;
        for j in w.ranked() {
            let h = held.entry(j.tenant.as_str()).or_default();
            if let Some(&i) = placed.get(j.id.as_str()) {
                prop_assert!(!stopped, "{} placed after the head: {:#?}", j.id, d);
                prop_assert_eq!(i, next_placement, "placed out of rank order");
                next_placement += 1;
                h[0] += u128::from(j.demand.cpu_milli);
                h[1] += u128::from(j.demand.memory_mib);
                continue;
            }
            let over = w.quota(&j.tenant).is_some_and(|q| {
                h[0] + u128::from(j.demand.cpu_milli) > u128::from(q.cpu_milli)
                    || h[1] + u128::from(j.demand.memory_mib) > u128::from(q.memory_mib)
            });
            if stopped || w.impossible(j) || over || !w.hostable(j) {
                continue;
            }
            // The first job that could have been placed and was not: the head, or the placement limit.
            let is_head = d.reservation.as_ref().is_some_and(|r| r.job == j.id);
            prop_assert!(is_head || d.placements.len() == w.policy.max_placements, "{} skipped: {:#?}", j.id, d);
            stopped = true;
        }
        prop_assert_eq!(next_placement, d.placements.len());
    }

    /// No job left waiting could have started: free room and quota headroom only shrink during a tick, so
    /// a job that fits at the end (within its quota, and within the backfill rules on the reserved
    /// cluster) fitted when it was examined. Applies unless strict priority stopped at the head or the
    /// placement limit was reached.
    #[test]
    fn no_job_left_waiting_could_have_started(w in world()) {
        let d = w.decide();
        if d.placements.len() >= w.policy.max_placements || (!w.policy.backfill && d.reservation.is_some()) {
            return Ok(());
        }
        let placed: BTreeSet<&str> = d.placements.iter().map(|p| p.job.as_str()).collect();
        let placed_jobs = || d.placements.iter().map(|p| (p, w.job(&p.job)));
        // What the reservation has left spare at the end: backfills that end before its start took none.
        let spare = d.reservation.as_ref().and_then(|r| {
            let start = r.start_ms;
            placed_jobs()
                .filter(|(p, _)| p.cluster == r.cluster && p.backfilled)
                .filter(|(_, j)| j.time_limit_ms.zip(start).is_none_or(|(l, s)| NOW + l > s))
                .try_fold(r.leftover?, |left, (_, j)| left.checked_sub(j.demand))
        });
        for j in &w.jobs {
            if placed.contains(j.id.as_str()) || w.impossible(j) || d.reservation.as_ref().is_some_and(|r| r.job == j.id) {
                continue;
            }
            let held = sum(w.allocations.iter().filter(|a| a.tenant == j.tenant).map(|a| a.demand)
                .chain(placed_jobs().filter(|(_, p)| p.tenant == j.tenant).map(|(_, p)| p.demand)));
            let over = w.quota(&j.tenant).is_some_and(|q| {
                held[0] + u128::from(j.demand.cpu_milli) > u128::from(q.cpu_milli)
                    || held[1] + u128::from(j.demand.memory_mib) > u128::from(q.memory_mib)
            });
            if over {
                continue;
            }
            for c in w.clusters.iter().filter(|c| c.available && w.eligible(j, c)) {
                let used = sum(w.allocations.iter().filter(|a| a.cluster == c.name).map(|a| a.demand)
                    .chain(placed_jobs().filter(|(p, _)| p.cluster == c.name).map(|(_, j)| j.demand)));
                let fits = u128::from(c.capacity.cpu_milli) >= used[0] + u128::from(j.demand.cpu_milli)
                    && u128::from(c.capacity.memory_mib) >= used[1] + u128::from(j.demand.memory_mib);
                let allowed = match d.reservation.as_ref().filter(|r| r.cluster == c.name) {
                    None => true,
                    Some(r) => j.time_limit_ms.zip(r.start_ms).is_some_and(|(l, s)| NOW + l <= s)
                        || spare.is_some_and(|s| j.demand.fits(s)),
                };
                prop_assert!(!(fits && allowed), "{} could have started on {}: {:#?}", j.id, c.name, d);
            }
        }
    }

    /// The aging bound: a job of priority p is never ranked behind one enqueued more than
    /// (1000 - p) × aging after it, whatever the later job's priority.
    #[test]
    fn aging_bound(pa in 0..=1000u32, pb in 0..=1000u32, aging in 0..5000u64, extra in 1..1_000_000u64, ea in 0..1_000_000u64) {
        let eb = ea + u64::from(1000 - pa) * aging + extra;
        let job = |id: &str, seq, priority, enqueued_ms| QueuedJob {
            id: id.to_string(),
            tenant: "t".into(),
            priority,
            demand: Resources::new(1, 1),
            enqueued_ms,
            seq,
            cluster: None,
            labels: Vec::new(),
            time_limit_ms: None,
        };
        // B is given the smaller seq, so only the rank key can keep A first.
        let w = World {
            jobs: vec![job("b", 0, pb, eb), job("a", 1, pa, ea)],
            clusters: vec![ClusterView { name: "c".into(), labels: Vec::new(), capacity: Resources::new(1, 1), available: true }],
            allocations: Vec::new(),
            policy: Policy { aging_ms_per_point: aging, backfill: false, ..Policy::default() },
        };
        let d = w.decide();
        prop_assert_eq!(d.placements.len(), 1);
        prop_assert_eq!(&d.placements[0].job, "a");
    }

    /// Rule 8: the same input in any order gives the same decision, reasons and sentences included.
    #[test]
    fn order_of_the_input_does_not_matter(
        (w, jobs, clusters, allocations) in world().prop_flat_map(|w| {
            let (j, c, a) = (w.jobs.clone(), w.clusters.clone(), w.allocations.clone());
            (Just(w), Just(j).prop_shuffle(), Just(c).prop_shuffle(), Just(a).prop_shuffle())
        })
    ) {
        let shuffled = World { jobs, clusters, allocations, policy: w.policy.clone() };
        prop_assert_eq!(w.decide(), shuffled.decide());
    }
}
