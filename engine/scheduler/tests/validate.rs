//! `validate`: inputs whose uniqueness assumptions fail are reported, and `place` stays total on them.

mod common;

use common::*;
use stepd_scheduler::{Error, Input, Policy, validate};

fn input_check(case: &Case) -> Result<(), Error> {
    validate(&Input {
        now_ms: NOW,
        queued: &case.jobs,
        clusters: &case.clusters,
        allocations: &case.allocations,
        policy: &case.policy,
    })
}

#[test]
fn reports_the_first_problem() {
    let ok = Case::new(vec![job("a", 1, 1, 1)], vec![cluster("c", 4, 4)]);
    assert_eq!(input_check(&ok), Ok(()));
    let dup_cluster = Case::new(Vec::new(), vec![cluster("c", 4, 4), cluster("c", 8, 8)]);
    assert_eq!(
        input_check(&dup_cluster).map_err(|e| e.to_string()),
        Err("two clusters are named 'c'".to_string())
    );
    let dup_job = Case::new(vec![job("a", 1, 1, 1), job("a", 2, 1, 1)], Vec::new());
    assert_eq!(input_check(&dup_job), Err(Error::DuplicateJob("a".into())));
    let dup_seq = Case::new(vec![job("a", 1, 1, 1), job("b", 1, 1, 1)], Vec::new());
    assert_eq!(
        input_check(&dup_seq).map_err(|e| e.to_string()),
        Err("queued jobs 'a' and 'b' share seq 1".to_string())
    );
    let prio = Case::new(vec![job("a", 1, 1, 1).prio(1001)], Vec::new());
    assert_eq!(
        input_check(&prio),
        Err(Error::Priority {
            job: "a".into(),
            priority: 1001
        })
    );
}

#[test]
fn duplicate_clusters_keep_the_cautious_one_whatever_the_order() {
    let jobs = vec![job("a", 1, 6, 6)];
    let small_first = Case::new(jobs.clone(), vec![cluster("c", 4, 4), cluster("c", 8, 8)]);
    let big_first = Case::new(jobs.clone(), vec![cluster("c", 8, 8), cluster("c", 4, 4)]);
    // The smaller capacity is kept, so the job cannot be placed on room that may not exist (and it is
    // reported against that capacity).
    let expect =
        "- | a: needs 6 CPU and 6 GiB; the largest eligible cluster (c) has 4 CPU and 4 GiB";
    check(small_first, expect);
    check(big_first, expect);
    let stale_twin = Case::new(jobs, vec![cluster("c", 8, 8), stale(cluster("c", 8, 8))]);
    check(stale_twin, "-");
}

#[test]
fn policy_defaults_are_the_documented_ones() {
    let p = Policy::default();
    assert_eq!(
        (
            p.aging_ms_per_point,
            p.backfill,
            p.fairness,
            p.quotas.len(),
            p.max_placements
        ),
        (1000, true, false, 0, 1000)
    );
}
