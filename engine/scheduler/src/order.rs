//! The order jobs are examined in: rank order, or with fairness on, dominant resource fairness (DRF)
//! across tenants with rank order inside each tenant.

use crate::Resources;
use crate::fit::fraction;
use std::collections::BTreeSet;

/// A tenant's dominant share in 64.64 fixed point: the larger of its held CPU and memory, each as a
/// fraction of the total capacity of the available clusters.
pub(crate) fn dominant_share(held: Resources, total: Resources) -> u128 {
    fraction(held.cpu_milli, total.cpu_milli).max(fraction(held.memory_mib, total.memory_mib))
}

pub(crate) enum Order {
    /// Indices of the jobs to examine, in rank order.
    Rank {
        jobs: Vec<usize>,
        next: usize,
    },
    Fair(Fair),
}

pub(crate) struct Fair {
    /// Per tenant (by index), its jobs in rank order and how many have been examined.
    queues: Vec<(Vec<usize>, usize)>,
    /// Tenants with unexamined jobs, lowest (share, tenant index) first; tenant indices follow name order,
    /// so equal shares go by name.
    ready: BTreeSet<(u128, usize)>,
    /// The tenant whose job was handed out last: its share may have changed, so it is put back into
    /// `ready` only on the next call.
    out: Option<usize>,
    total: Resources,
}

impl Order {
    /// `jobs` in rank order with each job's tenant; `held` per tenant; `total` the capacity the shares are
    /// measured against.
    pub fn new(
        fairness: bool,
        jobs: Vec<(usize, usize)>,
        held: &[Resources],
        total: Resources,
    ) -> Order {
        if !fairness {
            let jobs = jobs.into_iter().map(|(j, _)| j).collect();
            return Order::Rank { jobs, next: 0 };
        }
        let mut queues = vec![(Vec::new(), 0); held.len()];
        for (j, t) in jobs {
            queues[t].0.push(j);
        }
        let ready = (queues.iter().enumerate())
            .filter(|(_, (q, _))| !q.is_empty())
            .map(|(t, _)| (dominant_share(held[t], total), t))
            .collect();
        Order::Fair(Fair {
            queues,
            ready,
            out: None,
            total,
        })
    }

    /// The next job to examine, given what each tenant holds now (placements included).
    pub fn next(&mut self, held: &[Resources]) -> Option<usize> {
        match self {
            Order::Rank { jobs, next } => {
                let j = jobs.get(*next).copied();
                *next += 1;
                j
            }
            Order::Fair(fair) => fair.next(held),
        }
    }
}

impl Fair {
    fn next(&mut self, held: &[Resources]) -> Option<usize> {
        if let Some(t) = self.out.take() {
            let (q, done) = &self.queues[t];
            if *done < q.len() {
                self.ready.insert((dominant_share(held[t], self.total), t));
            }
        }
        let (_, t) = self.ready.pop_first()?;
        let (q, done) = &mut self.queues[t];
        let j = q.get(*done).copied();
        *done += 1;
        self.out = Some(t);
        j
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_share_goes_first_and_ties_go_by_name() {
        let total = Resources::new(100, 100);
        // Tenant 0 holds 50% CPU, tenant 1 holds 10% memory, tenant 2 nothing.
        let mut held = vec![
            Resources::new(50, 0),
            Resources::new(0, 10),
            Resources::ZERO,
        ];
        let jobs = vec![(0, 0), (1, 1), (2, 2), (3, 2), (4, 1)];
        let mut order = Order::new(true, jobs, &held, total);
        assert_eq!(order.next(&held), Some(2)); // tenant 2, share 0
        held[2] = Resources::new(20, 0); // its job was placed: 20%
        assert_eq!(order.next(&held), Some(1)); // tenant 1, 10%
        assert_eq!(order.next(&held), Some(4)); // still tenant 1 (nothing placed)
        assert_eq!(order.next(&held), Some(3)); // tenant 2 at 20% before tenant 0 at 50%
        assert_eq!(order.next(&held), Some(0));
        assert_eq!(order.next(&held), None);
    }
}
