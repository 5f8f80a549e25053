//! The shadow of a reservation: when a cluster's holders will have freed enough for the head job, and what
//! will be spare beside it then.
//!
//! Holders release in order of their end times (a running job is killed at its time limit, so its end is
//! an upper bound); holders without one never release as far as the prediction goes. Sums are u128 so
//! releasing is exact subtraction however large the inputs.

use crate::Resources;
use crate::fit;

/// Something holding resources on the cluster, with the time it will have let go by.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Holder {
    pub demand: Resources,
    pub ends_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shadow {
    /// The earliest time the cluster has `need` free; `None` when releasing every holder with an end time
    /// is still not enough.
    pub start: Option<u64>,
    /// Free at `start` minus `need`; with no start, capacity minus `need` minus the holders that never end,
    /// `None` when that is negative in either dimension.
    pub leftover: Option<Resources>,
    /// Best-fit score of the leftover (clamped at zero), for breaking ties between clusters.
    pub score: u128,
}

#[derive(Clone, Copy, Default)]
struct Sum {
    cpu: u128,
    mem: u128,
}

impl Sum {
    fn add(&mut self, r: Resources) {
        self.cpu += u128::from(r.cpu_milli);
        self.mem += u128::from(r.memory_mib);
    }

    fn add_to(mut self, r: Resources) -> Sum {
        self.add(r);
        self
    }

    fn sub(&mut self, r: Resources) {
        self.cpu -= u128::from(r.cpu_milli);
        self.mem -= u128::from(r.memory_mib);
    }

    /// `cap - self`, `None` if negative in either dimension.
    fn below(self, cap: Resources) -> Option<Resources> {
        let cpu = u128::from(cap.cpu_milli).checked_sub(self.cpu)?;
        let mem = u128::from(cap.memory_mib).checked_sub(self.mem)?;
        // Both are at most the capacity, which is a u64.
        Some(Resources::new(
            u64::try_from(cpu).ok()?,
            u64::try_from(mem).ok()?,
        ))
    }
}

pub(crate) fn shadow(cap: Resources, holders: &mut [Holder], need: Resources, now: u64) -> Shadow {
    let mut held = Sum::default();
    let mut forever = Sum::default();
    for h in holders.iter() {
        held.add(h.demand);
        if h.ends_ms.is_none() {
            forever.add(h.demand);
        }
    }
    let spare = |held: Sum| held.below(cap).and_then(|free| free.checked_sub(need));
    if let Some(left) = spare(held) {
        return found(now, left, cap);
    }
    holders.sort_unstable_by_key(|h| h.ends_ms);
    // Bounded holders, soonest first; those ending together are released together, so the leftover
    // counts everything free at that instant.
    let mut bounded = holders.iter().filter_map(|h| Some((h.ends_ms?, h.demand)));
    let mut pending = bounded.next();
    while let Some((end, _)) = pending {
        while let Some((_, d)) = pending.filter(|&(e, _)| e == end) {
            held.sub(d);
            pending = bounded.next();
        }
        if let Some(left) = spare(held) {
            return found(end.max(now), left, cap);
        }
    }
    let leftover = forever.add_to(need).below(cap);
    Shadow {
        start: None,
        leftover,
        score: fit::score(leftover.unwrap_or(Resources::ZERO), cap),
    }
}

fn found(start: u64, left: Resources, cap: Resources) -> Shadow {
    Shadow {
        start: Some(start),
        leftover: Some(left),
        score: fit::score(left, cap),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(cpu: u64, mem: u64, ends: Option<u64>) -> Holder {
        Holder {
            demand: Resources::new(cpu, mem),
            ends_ms: ends,
        }
    }

    #[test]
    fn releases_in_end_order() {
        let cap = Resources::new(10, 10);
        let mut hs = [
            h(4, 4, Some(300)),
            h(4, 4, Some(100)),
            h(2, 2, None),
            h(0, 0, Some(50)),
        ];
        let s = shadow(cap, &mut hs, Resources::new(6, 6), 10);
        assert_eq!(s.start, Some(300));
        assert_eq!(s.leftover, Some(Resources::new(2, 2)));
        let s = shadow(cap, &mut hs, Resources::new(4, 4), 10);
        assert_eq!((s.start, s.leftover), (Some(100), Some(Resources::ZERO)));
    }

    #[test]
    fn unbounded_holders_never_release() {
        let cap = Resources::new(10, 10);
        let mut hs = [h(5, 1, None), h(5, 1, Some(100))];
        let s = shadow(cap, &mut hs, Resources::new(6, 1), 0);
        assert_eq!((s.start, s.leftover), (None, None));
        let s = shadow(cap, &mut hs, Resources::new(5, 1), 0);
        assert_eq!(s.start, Some(100));
    }

    #[test]
    fn overdue_holders_release_now_and_together() {
        let cap = Resources::new(4, 4);
        let mut hs = [h(2, 2, Some(5)), h(2, 2, Some(5))];
        let s = shadow(cap, &mut hs, Resources::new(1, 1), 50);
        assert_eq!(s.start, Some(50));
        assert_eq!(s.leftover, Some(Resources::new(3, 3)));
    }

    #[test]
    fn over_committed_cluster_is_exact() {
        let cap = Resources::new(u64::MAX, 1);
        let mut hs = [h(u64::MAX, 1, Some(9)), h(u64::MAX, 1, Some(7))];
        let s = shadow(cap, &mut hs, Resources::new(1, 1), 0);
        assert_eq!(s.start, Some(9));
    }
}
