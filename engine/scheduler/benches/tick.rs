//! Benchmark: one scheduling tick over 100,000 queued jobs (mixed priorities, tenants, sizes; some pinned,
//! some labelled, some too large) and 20 clusters that are mostly full, so a few jobs fit and the rest must
//! all be looked at. Prints min/median/max over the runs.
//!
//! `cargo bench -p stepd-scheduler --bench tick`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;
use stepd_scheduler::{Allocation, ClusterView, Input, Policy, QueuedJob, Resources, place};

const JOBS: usize = 100_000;
const CLUSTERS: usize = 20;
const RUNS: usize = 15;
const NOW: u64 = 1_700_000_000_000;

/// A small deterministic generator (SplitMix64): the benchmark's input is the same every run.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn clusters() -> Vec<ClusterView> {
    (0..CLUSTERS)
        .map(|i| ClusterView {
            name: format!("cluster-{i:02}"),
            labels: match i % 4 {
                0 => vec!["gpu".to_string()],
                1 => vec!["ssd".to_string(), "spark".to_string()],
                _ => vec!["spark".to_string()],
            },
            capacity: Resources::new(512_000, 2048 * 1024),
            available: i != 7,
        })
        .collect()
}

/// Each cluster is held to within a few CPUs and GiB of its capacity by running jobs with end times, and
/// some foreign use without one.
fn allocations(rng: &mut Mix) -> Vec<Allocation> {
    let mut out = Vec::new();
    for i in 0..CLUSTERS {
        let mut cpu = 512_000 - 1000 - rng.below(4) * 1000;
        let mut mem = 2048 * 1024 - 4096 - rng.below(4) * 1024;
        for k in 0..64 {
            let (c, m) = (cpu / (64 - k), mem / (64 - k));
            cpu -= c;
            mem -= m;
            out.push(Allocation {
                cluster: format!("cluster-{i:02}"),
                tenant: if k == 0 {
                    String::new()
                } else {
                    format!("tenant-{}", rng.below(50))
                },
                demand: Resources::new(c, m),
                ends_ms: (k != 0).then(|| NOW + rng.below(6 * 3_600_000)),
            });
        }
    }
    out
}

fn jobs(rng: &mut Mix) -> Vec<QueuedJob> {
    (0..JOBS)
        .map(|i| {
            let size = rng.below(100);
            let (cpu, mem) = match size {
                0..=59 => (1000 + rng.below(8) * 1000, 2048 + rng.below(16) * 1024),
                60..=94 => (16_000 + rng.below(48) * 1000, 65_536 + rng.below(64) * 1024),
                // Larger than any cluster: reported unschedulable.
                _ => (1_024_000, 4096 * 1024),
            };
            let pinned = rng.below(10) == 0;
            QueuedJob {
                id: format!("job-{i:06}"),
                tenant: format!("tenant-{}", rng.below(50)),
                priority: u32::try_from(rng.below(1001)).unwrap_or(500),
                demand: Resources::new(cpu, mem),
                enqueued_ms: NOW - 86_400_000 + rng.below(86_400_000),
                seq: i as u64,
                cluster: pinned.then(|| format!("cluster-{:02}", rng.below(CLUSTERS as u64 + 1))),
                labels: match rng.below(10) {
                    0 => vec!["gpu".to_string()],
                    1 => vec!["spark".to_string(), "ssd".to_string()],
                    2 => vec!["spark".to_string()],
                    _ => Vec::new(),
                },
                time_limit_ms: (rng.below(3) != 0).then(|| 60_000 * (1 + rng.below(600))),
            }
        })
        .collect()
}

fn main() {
    let mut rng = Mix(42);
    let clusters = clusters();
    let allocations = allocations(&mut rng);
    let queued = jobs(&mut rng);
    let quotas: BTreeMap<String, Resources> = (0..10)
        .map(|t| (format!("tenant-{t}"), Resources::new(600_000, 3_000_000)))
        .collect();
    for (label, fairness) in [("rank order", false), ("fairness", true)] {
        let policy = Policy {
            fairness,
            quotas: quotas.clone(),
            ..Policy::default()
        };
        let input = Input {
            now_ms: NOW,
            queued: &queued,
            clusters: &clusters,
            allocations: &allocations,
            policy: &policy,
        };
        let mut times = Vec::with_capacity(RUNS);
        let mut last = None;
        for _ in 0..RUNS {
            let t = Instant::now();
            let d = black_box(place(black_box(&input)));
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            last = Some(d);
        }
        times.sort_by(f64::total_cmp);
        if let Some(d) = last {
            println!(
                "tick, {label}: {JOBS} jobs, {CLUSTERS} clusters, {} allocations → {} placed ({} backfilled), \
                 {} unschedulable, reservation {}",
                allocations.len(),
                d.placements.len(),
                d.placements.iter().filter(|p| p.backfilled).count(),
                d.unschedulable.len(),
                d.reservation
                    .as_ref()
                    .map_or("none", |r| r.cluster.as_str()),
            );
        }
        println!(
            "  min {:.2} ms, median {:.2} ms, max {:.2} ms over {RUNS} runs",
            times[0],
            times[RUNS / 2],
            times[RUNS - 1]
        );
    }
}
