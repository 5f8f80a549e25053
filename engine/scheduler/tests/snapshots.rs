//! Whole decisions for hand-made scenarios, as reviewed JSON snapshots: each placement's and reservation's
//! sentence is the explanation an operator reads, so the wording is part of what is checked.

mod common;

use common::*;
use stepd_scheduler::Decision;

const HOUR: u64 = 3_600_000;

fn snap(name: &str, d: &Decision) {
    insta::assert_json_snapshot!(name, d);
}

#[test]
fn priority_order() {
    // Three jobs for one slot at a time on a 16-CPU cluster: the newest has the highest priority, but
    // the oldest has waited 10 minutes, worth 600 points.
    let jobs = vec![
        job("etl-nightly", 1, 8, 32).prio(200).at(NOW - 600_000),
        job("report", 2, 8, 32).prio(500).at(NOW - 60_000),
        job("urgent-fix", 3, 8, 32).prio(900).at(NOW),
    ];
    let d = Case::new(jobs, vec![cluster("spark", 16, 64)]).run();
    snap("priority_order", &d);
}

#[test]
fn best_fit_across_two_clusters() {
    let clusters = vec![cluster("large", 64, 256), cluster("small", 8, 32)];
    let jobs = vec![
        job("wide", 1, 32, 128),
        job("narrow", 2, 6, 24),
        job("tiny", 3, 1, 4),
    ];
    let case = Case::new(jobs, clusters).allocs(vec![alloc("small", "t", 1, 4, Some(NOW + HOUR))]);
    snap("best_fit_across_two_clusters", &case.run());
}

#[test]
fn backfill_past_a_blocked_big_job() {
    // "slurm" (the only GPU cluster) runs 48 CPU of work for another hour; "train" needs 48 of its 64 CPU
    // and waits for that. A 20-minute GPU job backfills there (it ends before the hour is up), a small
    // unbounded one fits in the 16 CPU and 64 GiB train leaves spare, a 4-hour GPU job too large for what
    // is spare waits, and a 4-hour job without labels goes to the other cluster.
    let clusters = vec![
        labelled(cluster("slurm", 64, 256), &["gpu"]),
        cluster("spark", 16, 64),
    ];
    let jobs = vec![
        job("train", 1, 48, 192).prio(800).labels(&["gpu"]),
        job("quick-check", 2, 8, 32)
            .labels(&["gpu"])
            .limit(20 * 60_000),
        job("side-car", 3, 4, 16).labels(&["gpu"]),
        job("long-gpu", 4, 4, 64).labels(&["gpu"]).limit(4 * HOUR),
        job("long-etl", 5, 8, 32).limit(4 * HOUR),
    ];
    let case = Case::new(jobs, clusters).allocs(vec![
        alloc("slurm", "ml", 48, 128, Some(NOW + HOUR)),
        alloc("spark", "", 4, 16, None),
    ]);
    snap("backfill_past_a_blocked_big_job", &case.run());
}

#[test]
fn unschedulable_jobs() {
    let clusters = vec![
        labelled(cluster("big", 32, 256), &["ssd"]),
        stale(labelled(cluster("gpu-box", 16, 64), &["gpu"])),
    ];
    let jobs = vec![
        job("too-big", 1, 64, 512),
        job("needs-fpga", 2, 1, 4).labels(&["fpga"]),
        job("pinned-away", 3, 1, 4).pin("decommissioned"),
        job("gpu-later", 4, 4, 16).labels(&["gpu"]),
        job("fine", 5, 4, 16),
    ];
    snap("unschedulable_jobs", &Case::new(jobs, clusters).run());
}

#[test]
fn quota_hold() {
    // Tenant "ml" may hold 32 CPU and 128 GiB; it already runs 24 CPU, so its next 16-CPU job waits while
    // the analytics job behind it starts; the big report after that fits only in two hours and takes the
    // reservation, which the ml job, held by its quota, does not.
    let jobs = vec![
        job("ml-sweep", 1, 16, 64).tenant("ml").prio(900),
        job("dashboards", 2, 8, 32).tenant("analytics"),
        job("big-report", 3, 40, 64).tenant("analytics"),
    ];
    let case = Case::new(jobs, vec![cluster("shared", 64, 256)])
        .allocs(vec![alloc("shared", "ml", 24, 96, Some(NOW + 2 * HOUR))])
        .policy(|p| {
            p.quotas.insert("ml".into(), res(32, 128));
        });
    snap("quota_hold", &case.run());
}

#[test]
fn fair_share() {
    let jobs = vec![
        job("a-1", 1, 4, 8).tenant("a").prio(900),
        job("a-2", 2, 4, 8).tenant("a").prio(900),
        job("b-1", 3, 2, 16).tenant("b"),
        job("b-2", 4, 2, 16).tenant("b"),
    ];
    let case = Case::new(jobs, vec![cluster("pool", 8, 64)])
        .allocs(vec![alloc("pool", "b", 2, 16, None)])
        .policy(|p| p.fairness = true);
    snap("fair_share", &case.run());
}
