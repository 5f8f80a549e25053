//! stepd-scheduler: the job placement policy — which queued jobs start now, and on which cluster.
//!
//! `place(&Input) -> Decision` is a pure function: no I/O, no clock (`now_ms` is an argument), no
//! randomness, no hashing order. The same input gives the same decision, whatever order its slices are in.
//! The runtime gathers the queue, each cluster's capacity and what holds resources on it, calls `place`
//! once a tick, and carries out the placements.
//!
//! # The rules
//!
//! 1. **Order: priority with aging.** Jobs are ranked by `enqueued_ms - priority × aging_ms_per_point`,
//!    lower first, then by `seq` (enqueue order). This is "effective priority = priority + time waited /
//!    aging interval", measured from a fixed origin, so ranks do not change as time passes. Priorities
//!    above 1000 count as 1000. `aging_ms_per_point` is what one point of priority is worth in waiting:
//!    0 makes the order pure FIFO, `u64::MAX` in effect strict priority. Guarantees:
//!    - jobs of equal priority start in enqueue order (FIFO);
//!    - of jobs enqueued at the same time, the higher priority ranks first;
//!    - **aging bound**: a job of priority `p` is never ranked behind a job enqueued more than
//!      `(1000 - p) × aging_ms_per_point` after it (nor one enqueued exactly that much later, when `seq`
//!      follows enqueue time). Its wait is therefore bounded by the work enqueued before that horizon
//!      (plus what was already running), however many higher-priority jobs arrive later.
//! 2. **Unschedulable: fail fast.** A job's eligible clusters are those carrying all its labels and, when
//!    it is pinned, only the cluster of that name; unavailable clusters count. A job with no eligible
//!    cluster, whose demand exceeds the capacity of every eligible cluster in CPU or memory, or whose
//!    demand alone exceeds its tenant's quota is reported in `unschedulable` with the reason in words, and
//!    is never placed: it could not run even on an empty cluster.
//! 3. **Best fit across clusters.** A cluster's free resources are its capacity minus its allocations
//!    minus this tick's placements (saturating at zero). A job fits a cluster that is available, eligible,
//!    and has its CPU and memory free. Among those it goes to the one it fills most tightly: the lowest
//!    `(free_cpu - cpu) / capacity_cpu + (free_mem - mem) / capacity_mem`, computed in integers (64.64
//!    fixed point), ties by cluster name. Tight packing keeps large holes for large jobs.
//! 4. **EASY backfill with one reservation.** Jobs are examined in order. The first that fits nowhere now
//!    (the *head*) gets a reservation: on each available eligible cluster large enough to hold it,
//!    holders are released in order of their end times (an allocation's `ends_ms`; a placement of this
//!    tick ends at now + its time limit; a holder without an end never releases), giving the earliest
//!    time enough is free; the cluster with the earliest start wins (an unpredictable start is the worst;
//!    ties by best fit of what is left, then name). Its *leftover* is what is free then, less the head's
//!    demand. Without backfill nothing after the head starts: strict priority, where the jobs placed are
//!    a prefix of the rank order, skipping only jobs that are unschedulable, held by their quota, or
//!    whose every cluster large enough is unavailable. With backfill, later jobs may start now on any
//!    other cluster they fit; on the reserved cluster only if they fit now and either have a time limit
//!    that ends by the reserved start, or fit in the leftover (which they then use up). When the start
//!    cannot be predicted only the leftover rule applies, the leftover being capacity − head − holders
//!    without end; since that is why no start could be predicted, in practice nothing backfills there.
//!    Jobs after the head that cannot start wait. A job whose every eligible cluster large enough is
//!    unavailable does not take the reservation: it waits, and placements elsewhere cannot delay it.
//!    - **Guarantee**: backfill never delays the reserved job. Recomputing its start on the reserved
//!      cluster with the tick's placements gives a time no later than without the backfilled ones,
//!      assuming holders end by their end times.
//!    - No job left waiting could have started: unless the tick stopped at the head (no backfill) or at
//!      `max_placements`, every job not placed is unschedulable, the head, held by its quota, or does
//!      not fit (under the rules above) anywhere that is still free at the end of the tick.
//! 5. **Quotas.** A tenant holds its allocations plus its placements this tick. A job whose placement
//!    would take its tenant over its quota in CPU or memory waits: it is skipped, and does not take the
//!    reservation. Guarantee: a tenant within its quota before the tick is within it after.
//! 6. **Fairness (optional): dominant resource fairness.** With `fairness`, the next job examined is the
//!    next one (in rank order) of the tenant with the lowest dominant share — the larger of its held CPU
//!    and memory as fractions of the total capacity of the available clusters — among tenants with jobs
//!    left to examine; ties by tenant name. Placements raise the share as they are made. Rank order and
//!    the aging bound hold within each tenant, not across tenants; reservation and backfill apply to this
//!    examination order as above.
//! 7. **Limits.** At most `max_placements` a tick; the tick ends there, so if the head has not been
//!    reached yet there is no reservation this tick. Once no available cluster has free the smallest demand
//!    of any schedulable job (per dimension), nothing more can start and the tick ends (after finding the
//!    head, if it has none yet), so a tick over a long queue on full clusters stays cheap. Time is
//!    O(n log n + n × clusters) for n queued jobs, plus O(a log a) for a allocations.
//! 8. **Determinism.** Outputs are built from sorted data only (clusters and tenants by name, jobs by rank,
//!    `seq`, then id); nothing depends on the order of the input slices. `validate` reports inputs that
//!    break the uniqueness assumptions (cluster names, job ids, `seq`); `place` stays total on them: of
//!    clusters sharing a name it keeps the unavailable, then the smaller one.

mod decision;
mod error;
mod fit;
mod model;
mod order;
mod resources;
mod screen;
mod shadow;
mod tick;
mod view;
mod words;

pub use decision::{Decision, Placement, Reservation, Unschedulable};
pub use error::{Error, validate};
pub use model::{Allocation, ClusterView, Input, MAX_PRIORITY, Policy, QueuedJob};
pub use resources::Resources;

/// Decides one tick: which queued jobs start now and where, which can never run, and the head job's
/// reservation. See the crate documentation for the rules.
pub fn place(input: &Input<'_>) -> Decision {
    tick::place(input)
}
