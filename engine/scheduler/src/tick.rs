//! One tick of the policy: screen out what can never run, then examine jobs in order, placing each on its
//! best-fitting cluster, reserving for the first that fits nowhere, and backfilling around that reservation.

use crate::order::{Order, dominant_share};
use crate::shadow::{Holder, Shadow, shadow};
use crate::view::View;
use crate::words::{Duration, Route, Why};
use crate::{Decision, Input, Placement, Reservation, Resources, Unschedulable, fit, screen};

/// The head job's reservation while the tick runs.
struct Head {
    job: usize,
    cluster: usize,
    shadow: Shadow,
    /// What is still spare beside the head at its start; backfill inside it uses it up.
    leftover: Option<Resources>,
}

struct Tick<'v, 'a> {
    view: &'v View<'a>,
    /// Per cluster, free now, this tick's placements taken off.
    free: Vec<Resources>,
    /// Per tenant, held now, this tick's placements added.
    held: Vec<Resources>,
    /// This tick's placements as holders: cluster and (demand, end).
    placed: Vec<(usize, Holder)>,
    head: Option<Head>,
    total: Resources,
}

pub(crate) fn place(input: &Input<'_>) -> Decision {
    let view = View::new(input);
    let mut decision = Decision::default();
    let mut schedulable = Vec::with_capacity(view.jobs.len());
    // The smallest demand per dimension among jobs that could run: while no available cluster has that
    // much free, nothing can be placed, which makes a tick over a long queue on full clusters cheap.
    let mut min_demand = Resources::new(u64::MAX, u64::MAX);
    for (i, job) in view.jobs.iter().enumerate() {
        match screen::reason(&view, job) {
            Some(reason) => decision.unschedulable.push(Unschedulable {
                job: job.q.id.clone(),
                reason,
            }),
            None => {
                schedulable.push((i, job.tenant));
                let d = job.demand;
                min_demand.cpu_milli = min_demand.cpu_milli.min(d.cpu_milli);
                min_demand.memory_mib = min_demand.memory_mib.min(d.memory_mib);
            }
        }
    }
    let total = (view.clusters.iter())
        .filter(|c| c.available)
        .fold(Resources::ZERO, |t, c| t.saturating_add(c.capacity));
    let mut tick = Tick {
        free: (0..view.clusters.len()).map(|c| view.free(c)).collect(),
        held: view.held.clone(),
        placed: Vec::new(),
        head: None,
        total,
        view: &view,
    };
    let policy = view.policy;
    let mut order = Order::new(policy.fairness, schedulable, &tick.held, total);
    let mut exhausted = !tick.room_for(min_demand);
    while decision.placements.len() < policy.max_placements {
        if exhausted && tick.head.is_some() {
            break;
        }
        let Some(j) = order.next(&tick.held) else {
            break;
        };
        let job = &view.jobs[j];
        let group = view.group(job);
        // Over quota: the job waits without taking the reservation, which its tenant's own running jobs
        // would otherwise hold hostage.
        if let Some(quota) = view.quota[job.tenant]
            && tick.held[job.tenant]
                .saturating_add(job.demand)
                .exceeds(quota)
        {
            continue;
        }
        // Every cluster that could ever hold it is stale: it waits, and does not take the reservation,
        // since placements on other clusters cannot delay it.
        if !group.any_available || tick.hosts(j).next().is_none() {
            continue;
        }
        if let Some(p) = tick.try_place(j) {
            decision.placements.push(p);
            exhausted = !tick.room_for(min_demand);
            continue;
        }
        if tick.head.is_none() {
            let head = tick.reserve(j);
            decision.reservation = Some(tick.describe(&head));
            tick.head = Some(head);
            if !policy.backfill {
                break;
            }
        }
    }
    decision
}

impl<'a> Tick<'_, 'a> {
    /// Whether some available cluster has at least `need` free.
    fn room_for(&self, need: Resources) -> bool {
        (self.view.clusters.iter().zip(&self.free)).any(|(c, free)| c.available && need.fits(*free))
    }

    /// The available eligible clusters whose capacity can hold job `j`: the only ones it can start on,
    /// now or later.
    fn hosts(&self, j: usize) -> impl Iterator<Item = usize> + '_ {
        let view = self.view;
        let job = &view.jobs[j];
        (view.group(job).eligible.iter().copied()).filter(move |&c| {
            let cluster = view.clusters[c];
            cluster.available && job.demand.fits(cluster.capacity)
        })
    }

    /// Places job `j` on its best-fitting cluster if any may take it now.
    fn try_place(&mut self, j: usize) -> Option<Placement> {
        let view = self.view;
        let job = &view.jobs[j];
        let d = job.demand;
        let mut best: Option<(u128, usize, Route<'a>)> = None;
        let mut of = 0;
        for &c in &view.group(job).eligible {
            let cluster = view.clusters[c];
            if !cluster.available || !d.fits(self.free[c]) {
                continue;
            }
            let Some(route) = self.route(j, c) else {
                continue;
            };
            of += 1;
            let score = fit::score(self.free[c].saturating_sub(d), cluster.capacity);
            // Eligible clusters are visited in name order, so the first of equal scores is the earliest.
            if best.as_ref().is_none_or(|(s, _, _)| score < *s) {
                best = Some((score, c, route));
            }
        }
        let (_, c, route) = best?;
        let route = match route {
            Route::Fit { .. } => Route::Fit { of },
            other => other,
        };
        if let (Route::InLeftover { .. }, Some(head)) = (&route, self.head.as_mut()) {
            head.leftover = head.leftover.and_then(|l| l.checked_sub(d));
        }
        let fair = (view.policy.fairness).then(|| {
            (
                job.q.tenant.as_str(),
                dominant_share(self.held[job.tenant], self.total),
            )
        });
        self.free[c] = self.free[c].saturating_sub(d);
        self.held[job.tenant] = self.held[job.tenant].saturating_add(d);
        let ends_ms = (job.q.time_limit_ms).map(|l| view.now.saturating_add(l));
        self.placed.push((c, Holder { demand: d, ends_ms }));
        let why = Why {
            priority: job.q.priority,
            rank: j + 1,
            fair,
            past: (self.head.as_ref()).map(|h| {
                let hj = view.jobs[h.job].q.id.as_str();
                (hj, view.clusters[h.cluster].name.as_str())
            }),
            cluster: &view.clusters[c].name,
            route,
            leaves: self.free[c],
        };
        Some(Placement {
            job: job.q.id.clone(),
            cluster: view.clusters[c].name.clone(),
            backfilled: self.head.is_some(),
            why: why.to_string(),
        })
    }

    /// Whether job `j`, which fits cluster `c` now, may start there with regard to the reservation, and by
    /// which rule (EASY backfill): off the reserved cluster always; on it only if the job is killed before
    /// the head's start, or fits in what the head leaves spare.
    fn route(&self, j: usize, c: usize) -> Option<Route<'a>> {
        let Some(head) = self.head.as_ref().filter(|h| h.cluster == c) else {
            return Some(Route::Fit { of: 0 });
        };
        let view: &View<'a> = self.view;
        let q = view.jobs[j].q;
        let now = view.now;
        if let (Some(limit), Some(start)) = (q.time_limit_ms, head.shadow.start)
            && now.saturating_add(limit) <= start
        {
            let start_in = start - now;
            return Some(Route::BeforeStart { limit, start_in });
        }
        let leftover = head.leftover?;
        q.demand.fits(leftover).then(|| Route::InLeftover {
            leftover,
            head: view.jobs[head.job].q.id.as_str(),
        })
    }

    /// The head's reservation: across the clusters that can host it, the earliest predicted start
    /// (unpredictable last), then the tightest leftover, then the name.
    fn reserve(&self, j: usize) -> Head {
        let view = self.view;
        let job = &view.jobs[j];
        let eligible: Vec<usize> = self.hosts(j).collect();
        let mut holders: Vec<Vec<Holder>> = vec![Vec::new(); eligible.len()];
        let slot = |c: usize| eligible.binary_search(&c).ok();
        for a in view.allocations {
            if let Some(k) = view.cluster_index(&a.cluster).and_then(slot) {
                holders[k].push(Holder {
                    demand: a.demand,
                    ends_ms: a.ends_ms,
                });
            }
        }
        for (c, h) in &self.placed {
            if let Some(k) = slot(*c) {
                holders[k].push(*h);
            }
        }
        let best = (eligible.iter().zip(holders.iter_mut()))
            .map(|(&c, hs)| {
                let cap = view.clusters[c].capacity;
                (shadow(cap, hs, job.demand, view.now), c)
            })
            .min_by_key(|(s, c)| (s.start.is_none(), s.start, s.score, *c));
        // The caller checked that some cluster can host it; the fallback keeps this total anyway.
        let (shadow, cluster) = best.unwrap_or((
            Shadow {
                start: None,
                leftover: None,
                score: 0,
            },
            eligible.first().copied().unwrap_or(0),
        ));
        Head {
            job: j,
            cluster,
            shadow,
            leftover: shadow.leftover,
        }
    }

    fn describe(&self, head: &Head) -> Reservation {
        let view = self.view;
        let q = view.jobs[head.job].q;
        let name = view
            .clusters
            .get(head.cluster)
            .map_or("", |c| c.name.as_str());
        let s = head.shadow;
        let mut why = format!(
            "priority {} (aged rank {}) needs {}, more than any eligible cluster has free now; ",
            q.priority,
            head.job + 1,
            q.demand
        );
        match (s.start, s.leftover) {
            (Some(start), Some(left)) => why.push_str(&format!(
                "{name} frees enough in {}, with {left} to spare",
                Duration(start.saturating_sub(view.now))
            )),
            (None, Some(left)) => why.push_str(&format!(
                "no end time predicts when {name} frees enough; only jobs within the {left} to spare \
                 may start there"
            )),
            (_, None) => why.push_str(&format!(
                "no end time predicts when {name} frees enough, so nothing else may start there"
            )),
        }
        Reservation {
            job: q.id.clone(),
            cluster: name.to_string(),
            start_ms: s.start,
            leftover: s.leftover,
            why,
        }
    }
}
