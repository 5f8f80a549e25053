//! The placement rules one by one, each case stated as its whole outcome in one line (see `common::check`).

mod common;

use common::*;

const HOUR: u64 = 3_600_000;

fn strict(p: &mut stepd_scheduler::Policy) {
    p.backfill = false;
}

// Rule 1: order.

#[test]
fn fifo_within_a_priority() {
    let jobs = vec![job("j3", 3, 2, 2), job("j1", 1, 2, 2), job("j2", 2, 2, 2)];
    let case = Case::new(jobs, vec![cluster("c1", 4, 4)]).policy(strict);
    check(case, "j1→c1 j2→c1 | reserve j3@c1+?");
}

#[test]
fn higher_priority_first_at_equal_enqueue_time() {
    let jobs = vec![
        job("lo", 1, 4, 4).prio(100).at(NOW),
        job("hi", 2, 4, 4).prio(900).at(NOW),
    ];
    let case = Case::new(jobs, vec![cluster("c1", 4, 4)]).policy(strict);
    check(case, "hi→c1 | reserve lo@c1+?");
}

#[test]
fn aging_bound() {
    // Priority 0 enqueued at T against priority 1000 enqueued later: with 1000 ms a point the bound is
    // (1000 - 0) × 1000 ms = 1,000,000 ms.
    const T: u64 = 10_000_000;
    let pair = |late: u64| {
        let jobs = vec![
            job("old", 1, 4, 4).prio(0).at(T),
            job("new", 2, 4, 4).prio(1000).at(T + late),
        ];
        Case::new(jobs, vec![cluster("c1", 4, 4)]).policy(strict)
    };
    check(pair(1_000_001), "old→c1 | reserve new@c1+?");
    // Exactly at the bound the keys tie and `seq` (enqueue order) keeps the older one first.
    check(pair(1_000_000), "old→c1 | reserve new@c1+?");
    check(pair(999_999), "new→c1 | reserve old@c1+?");
}

#[test]
fn the_aging_interval_weighs_priority_against_waiting() {
    let case = |aging| {
        let jobs = vec![
            job("ancient", 1, 4, 4).prio(0).at(0),
            job("fresh", 2, 4, 4).prio(1).at(NOW),
        ];
        Case::new(jobs, vec![cluster("c1", 4, 4)]).policy(|p| {
            p.backfill = false;
            p.aging_ms_per_point = aging;
        })
    };
    // A point is worth nothing: first come, first served.
    check(case(0), "ancient→c1 | reserve fresh@c1+?");
    check(case(NOW - 1), "ancient→c1 | reserve fresh@c1+?");
    check(case(NOW + 1), "fresh→c1 | reserve ancient@c1+?");
    // A point is worth more than any wait: strict priority.
    check(case(u64::MAX), "fresh→c1 | reserve ancient@c1+?");
}

#[test]
fn priorities_above_the_maximum_count_as_the_maximum() {
    let jobs = vec![
        job("a", 1, 4, 4).prio(1000).at(NOW),
        job("b", 2, 4, 4).prio(u32::MAX).at(NOW),
    ];
    let case = Case::new(jobs, vec![cluster("c1", 4, 4)]).policy(strict);
    check(case, "a→c1 | reserve b@c1+?");
}

// Rule 2: unschedulable.

#[test]
fn unschedulable_jobs_fail_fast_with_reasons() {
    let clusters = vec![
        labelled(cluster("big", 32, 256), &["ssd"]),
        cluster("small", 8, 32),
    ];
    let jobs = vec![
        job("ok", 1, 1, 1),
        job("huge", 2, 64, 512),
        job("gpu", 3, 1, 1).labels(&["gpu"]),
        job("lost", 4, 1, 1).pin("x"),
        job("picky", 5, 1, 1).pin("small").labels(&["ssd", "gpu"]),
        job("greedy", 6, 8, 8).tenant("q"),
    ];
    let case = Case::new(jobs, clusters).policy(|p| {
        p.quotas.insert("q".into(), res(4, 16));
    });
    check(
        case,
        "ok→small \
         | huge: needs 64 CPU and 512 GiB; the largest eligible cluster (big) has 32 CPU and 256 GiB \
         | gpu: no cluster has the labels [gpu] \
         | lost: pinned to unknown cluster 'x' \
         | picky: pinned to cluster 'small', which lacks the labels [ssd, gpu] \
         | greedy: needs 8 CPU and 8 GiB, which exceeds tenant q's quota of 4 CPU and 16 GiB",
    );
}

#[test]
fn the_largest_cluster_named_is_the_eligible_one_nearest_to_the_demand() {
    let clusters = vec![
        cluster("a-wide", 9, 50),
        cluster("b-deep", 5, 90),
        cluster("c-even", 8, 80),
        cluster("huge", 100, 1000),
    ];
    let jobs = vec![job("j", 1, 10, 100).labels(&["x"])];
    let mut case = Case::new(jobs, clusters);
    case.clusters = case
        .clusters
        .into_iter()
        .map(|c| labelled(c, &["x"]))
        .collect();
    case.clusters[3].labels.clear();
    check(
        case,
        "- | j: needs 10 CPU and 100 GiB; the largest eligible cluster (c-even) has 8 CPU and 80 GiB",
    );
}

#[test]
fn a_job_that_fits_only_a_stale_cluster_waits_without_blocking() {
    let clusters = vec![stale(cluster("big", 32, 128)), cluster("small", 4, 16)];
    let jobs = vec![job("large", 1, 16, 64), job("next", 2, 4, 16)];
    check(
        Case::new(jobs.clone(), clusters.clone()).policy(strict),
        "next→small",
    );
    // A stale cluster is not a missing one: the large job is not reported unschedulable, and nothing is
    // placed on the stale cluster even when it is empty.
    let jobs = vec![job("large", 1, 16, 64).pin("big")];
    check(Case::new(jobs, clusters), "-");
}

// Rule 3: best fit.

#[test]
fn best_fit_prefers_the_tighter_cluster() {
    let clusters = vec![cluster("big", 16, 64), cluster("small", 4, 16)];
    let jobs = vec![job("a", 1, 4, 16), job("b", 2, 2, 8)];
    let d = Case::new(jobs, clusters).run();
    assert_eq!(summary(&d), "a→small b→big");
    assert_eq!(
        d.placements[0].why,
        "priority 500 (aged rank 1): best fit on small of 2 clusters that fit (leaves 0 CPU and 0 MiB)"
    );
    assert_eq!(
        d.placements[1].why,
        "priority 500 (aged rank 2): fits only on big (leaves 14 CPU and 56 GiB)"
    );
}

#[test]
fn best_fit_is_relative_to_capacity_and_counts_allocations() {
    // 10% of big left over beats 100% of small.
    let clusters = vec![cluster("big", 100, 100), cluster("small", 10, 10)];
    let case = Case::new(vec![job("a", 1, 5, 5)], clusters).allocs(vec![alloc(
        "big",
        "t",
        90,
        90,
        Some(NOW + HOUR),
    )]);
    check(case, "a→big");
}

#[test]
fn equal_fits_go_by_name_and_earlier_placements_count() {
    let clusters = vec![cluster("y", 4, 4), cluster("x", 4, 4)];
    let jobs = vec![job("a", 1, 1, 1), job("b", 2, 1, 1), job("c", 3, 3, 3)];
    check(Case::new(jobs, clusters.clone()), "a→x b→x c→y");
    let case =
        Case::new(vec![job("a", 1, 2, 2)], clusters).allocs(vec![alloc("x", "t", 3, 3, None)]);
    check(case, "a→y");
}

#[test]
fn allocations_on_unknown_clusters_are_ignored_for_room() {
    let case = Case::new(vec![job("a", 1, 4, 4)], vec![cluster("c1", 4, 4)])
        .allocs(vec![alloc("gone", "t", 4, 4, None)]);
    check(case, "a→c1");
}

// Rule 4: reservation and backfill. `big` has 4 CPU and 16 GiB free until its running job ends in an
// hour; the head needs 30 CPU, so it leaves 2 CPU and 8 GiB spare at its start.

fn blocked(more: Vec<stepd_scheduler::QueuedJob>) -> Case {
    let mut jobs = vec![job("head", 1, 30, 120)];
    jobs.extend(more);
    Case::new(jobs, vec![cluster("big", 32, 128), cluster("small", 8, 32)]).allocs(vec![alloc(
        "big",
        "t",
        28,
        112,
        Some(NOW + HOUR),
    )])
}

#[test]
fn strict_priority_stops_at_the_head() {
    let case = blocked(vec![job("s", 2, 1, 1)]).policy(strict);
    check(case, "- | reserve head@big+3600000");
}

#[test]
fn backfill_runs_a_later_job_on_another_cluster() {
    let d = blocked(vec![job("s", 2, 4, 16)]).run();
    assert_eq!(summary(&d), "s→small* | reserve head@big+3600000");
    assert_eq!(
        d.placements[0].why,
        "priority 500 (aged rank 2): backfilled past head (reserved on big), fits only on small \
         (leaves 4 CPU and 16 GiB)"
    );
    let r = d.reservation.as_ref().expect("a reservation");
    assert_eq!(r.leftover, Some(res(2, 8)));
}

#[test]
fn backfill_on_the_reserved_cluster_when_the_limit_ends_before_its_start() {
    let case = blocked(vec![
        job("short", 2, 4, 16).limit(HOUR / 2),
        job("long", 3, 4, 16).limit(2 * HOUR),
    ]);
    let d = case.run();
    assert_eq!(
        summary(&d),
        "short→big* long→small* | reserve head@big+3600000"
    );
    assert_eq!(
        d.placements[0].why,
        "priority 500 (aged rank 2): backfilled on big: its 30 min limit ends before head's reserved \
         start in 1 h (leaves 0 CPU and 0 MiB)"
    );
    // A limit ending exactly at the start is allowed: it is gone by then.
    check(
        blocked(vec![job("edge", 2, 4, 16).limit(HOUR)]),
        "edge→big* | reserve head@big+3600000",
    );
}

#[test]
fn backfill_inside_the_leftover_uses_it_up() {
    let d = blocked(vec![job("fits", 2, 2, 8), job("more", 3, 2, 8)]).run();
    assert_eq!(
        summary(&d),
        "fits→big* more→small* | reserve head@big+3600000"
    );
    assert_eq!(
        d.placements[0].why,
        "priority 500 (aged rank 2): backfilled on big into the 2 CPU and 8 GiB that head leaves spare \
         at its start (leaves 2 CPU and 8 GiB)"
    );
}

#[test]
fn an_unpredictable_start_allows_no_backfill_on_its_cluster() {
    let case = Case::new(
        vec![job("head", 1, 30, 120), job("s", 2, 1, 1).limit(60_000)],
        vec![cluster("big", 32, 128), cluster("small", 8, 32)],
    )
    .allocs(vec![alloc("big", "", 28, 112, None)]);
    let d = case.run();
    assert_eq!(summary(&d), "s→small* | reserve head@big+?");
    let r = d.reservation.as_ref().expect("a reservation");
    assert_eq!(r.leftover, None);
    assert_eq!(
        r.why,
        "priority 500 (aged rank 1) needs 30 CPU and 120 GiB, more than any eligible cluster has free \
         now; no end time predicts when big frees enough, so nothing else may start there"
    );
}

#[test]
fn the_reservation_takes_the_earliest_start_and_only_one_is_made() {
    let clusters = vec![cluster("b1", 32, 128), cluster("b2", 32, 128)];
    let jobs = vec![job("h1", 1, 30, 120), job("h2", 2, 30, 120)];
    let case = Case::new(jobs, clusters).allocs(vec![
        alloc("b1", "t", 28, 112, Some(NOW + 2 * HOUR)),
        alloc("b2", "t", 20, 80, Some(NOW + 3 * HOUR)),
        alloc("b2", "t", 8, 32, Some(NOW + HOUR)),
    ]);
    // b2 frees 8 CPU in an hour, not enough; b1 frees 28 in two, before b2's three.
    check(case, "- | reserve h1@b1+7200000");
}

#[test]
fn a_predictable_start_beats_an_unpredictable_one() {
    let clusters = vec![cluster("a", 32, 128), cluster("b", 32, 128)];
    let case = Case::new(vec![job("h", 1, 30, 120)], clusters).allocs(vec![
        alloc("a", "", 28, 112, None),
        alloc("b", "t", 28, 112, Some(NOW + 9 * HOUR)),
    ]);
    check(case, "- | reserve h@b+32400000");
}

#[test]
fn equal_starts_go_to_the_tighter_leftover() {
    let clusters = vec![cluster("a", 64, 256), cluster("b", 32, 128)];
    let case = Case::new(vec![job("h", 1, 30, 120)], clusters).allocs(vec![
        alloc("a", "t", 64, 256, Some(NOW + HOUR)),
        alloc("b", "t", 32, 128, Some(NOW + HOUR)),
    ]);
    check(case, "- | reserve h@b+3600000");
}

#[test]
fn the_reservation_counts_this_ticks_earlier_placements() {
    let case = Case::new(
        vec![job("a", 1, 20, 80).limit(600_000), job("h", 2, 20, 80)],
        vec![cluster("big", 32, 128)],
    );
    check(case, "a→big | reserve h@big+600000");
}

#[test]
fn overdue_holders_are_expected_to_release_now() {
    let case = Case::new(vec![job("h", 1, 8, 8)], vec![cluster("c1", 8, 8)]).allocs(vec![alloc(
        "c1",
        "t",
        8,
        8,
        Some(NOW - 5),
    )]);
    check(case, "- | reserve h@c1+0");
}

#[test]
fn clusters_too_small_for_the_head_are_not_reserved() {
    // "small" can never hold the head; the reservation goes to the cluster that can.
    let clusters = vec![cluster("aa-small", 4, 4), cluster("big", 16, 16)];
    let case =
        Case::new(vec![job("h", 1, 16, 16)], clusters).allocs(vec![alloc("big", "", 16, 16, None)]);
    check(case, "- | reserve h@big+?");
}

// Rule 5: quotas.

#[test]
fn a_job_over_its_tenants_quota_waits_and_does_not_take_the_reservation() {
    let jobs = vec![
        job("q1", 1, 4, 16).tenant("q"),
        job("o1", 2, 4, 16).tenant("o"),
        job("o2", 3, 40, 40).tenant("o"),
        job("o3", 4, 28, 100).tenant("o"),
    ];
    let case = Case::new(jobs, vec![cluster("big", 32, 128)])
        .allocs(vec![alloc("big", "q", 6, 24, Some(NOW + HOUR))])
        .policy(|p| {
            p.quotas.insert("q".into(), res(8, 32));
        });
    check(
        case,
        "o1→big | o2: needs 40 CPU and 40 GiB; the largest eligible cluster (big) has 32 CPU and 128 GiB \
         | reserve o3@big+3600000",
    );
}

#[test]
fn quotas_count_this_ticks_placements() {
    let jobs = vec![
        job("q1", 1, 4, 16).tenant("q"),
        job("q2", 2, 4, 16).tenant("q"),
        job("q3", 3, 4, 16).tenant("q"),
        job("o1", 4, 4, 16).tenant("o"),
    ];
    let case = Case::new(jobs, vec![cluster("big", 32, 128)]).policy(|p| {
        p.quotas.insert("q".into(), res(8, 64));
    });
    check(case, "q1→big q2→big o1→big");
}

// Rule 6: fairness.

#[test]
fn fairness_alternates_tenants_by_dominant_share() {
    let jobs = vec![
        job("a1", 1, 1, 4).tenant("a").prio(900),
        job("a2", 2, 1, 4).tenant("a").prio(900),
        job("a3", 3, 1, 4).tenant("a").prio(900),
        job("b1", 4, 1, 4).tenant("b").prio(100),
        job("b2", 5, 1, 4).tenant("b").prio(100),
    ];
    let clusters = vec![cluster("c1", 4, 16)];
    check(
        Case::new(jobs.clone(), clusters.clone()),
        "a1→c1 a2→c1 a3→c1 b1→c1 | reserve b2@c1+?",
    );
    let d = Case::new(jobs, clusters)
        .policy(|p| p.fairness = true)
        .run();
    assert_eq!(summary(&d), "a1→c1 b1→c1 a2→c1 b2→c1 | reserve a3@c1+?");
    assert_eq!(
        d.placements[1].why,
        "priority 100 (aged rank 4), tenant b's turn at dominant share 0%: fits only on c1 \
         (leaves 2 CPU and 8 GiB)"
    );
}

#[test]
fn fairness_counts_what_tenants_already_hold() {
    let jobs = vec![
        job("a1", 1, 1, 4).tenant("a"),
        job("a2", 2, 1, 4).tenant("a"),
        job("a3", 3, 1, 4).tenant("a"),
        job("b1", 4, 1, 4).tenant("b"),
        job("b2", 5, 1, 4).tenant("b"),
        job("b3", 6, 1, 4).tenant("b"),
    ];
    // a holds 25%; each job is 12.5%.
    let case = Case::new(jobs, vec![cluster("c1", 8, 32)])
        .allocs(vec![alloc("c1", "a", 2, 8, None)])
        .policy(|p| p.fairness = true);
    check(case, "b1→c1 b2→c1 a1→c1 b3→c1 a2→c1 a3→c1");
}

// Rule 7: limits.

#[test]
fn at_most_max_placements() {
    let jobs = (1..=5).map(|i| job(&format!("j{i}"), i, 1, 1)).collect();
    let case = Case::new(jobs, vec![cluster("c1", 8, 8)]).policy(|p| p.max_placements = 2);
    check(case, "j1→c1 j2→c1");
}

#[test]
fn full_clusters_end_the_tick_but_still_reserve() {
    let jobs = (1..=1000).map(|i| job(&format!("j{i}"), i, 1, 1)).collect();
    let case = Case::new(jobs, vec![cluster("c1", 8, 8)]).allocs(vec![alloc(
        "c1",
        "t",
        8,
        8,
        Some(NOW + HOUR),
    )]);
    check(case, "- | reserve j1@c1+3600000");
}

#[test]
fn zero_demand_is_not_special() {
    // Nothing is free, but a job that needs nothing still fits: the early exit must not skip it.
    let full = || Case::new(vec![job("zero", 1, 0, 0)], vec![cluster("c1", 8, 8)]);
    check(full().allocs(vec![alloc("c1", "t", 8, 8, None)]), "zero→c1");
    // Beside a reservation whose start cannot be predicted, though, nothing backfills on its cluster.
    let mut case = full().allocs(vec![alloc("c1", "t", 8, 8, None)]);
    case.jobs.insert(0, job("h", 0, 1, 1));
    check(case, "- | reserve h@c1+?");
}

#[test]
fn nothing_to_do() {
    check(Case::new(Vec::new(), Vec::new()), "-");
    check(
        Case::new(vec![job("a", 1, 1, 1)], Vec::new()),
        "- | a: there are no clusters",
    );
}
