//! Failing fast: the jobs that no cluster could ever run, whatever else finishes, and why in words.
//!
//! A job is unschedulable when it has no eligible cluster (its pin names no cluster, or no cluster carries
//! its labels), when its demand exceeds the capacity of every eligible cluster in CPU or memory, or when it
//! alone exceeds its tenant's quota. Unavailable clusters count here: a cluster whose figures are stale
//! will come back, so a job that fits only there waits rather than fails.

use crate::resources::Resources;
use crate::view::{Job, View};

/// Why the job can never be placed, or `None` when some eligible cluster is large enough.
pub(crate) fn reason(view: &View<'_>, job: &Job<'_>) -> Option<String> {
    let q = job.q;
    let eligible = &view.group(job).eligible;
    if eligible.is_empty() {
        return Some(match q.cluster.as_deref() {
            Some(pin) if view.cluster_index(pin).is_none() => {
                format!("pinned to unknown cluster '{pin}'")
            }
            Some(pin) => format!(
                "pinned to cluster '{pin}', which lacks the labels [{}]",
                missing_labels(view, pin, &q.labels).join(", ")
            ),
            None if view.clusters.is_empty() => "there are no clusters".to_string(),
            None => format!("no cluster has the labels [{}]", q.labels.join(", ")),
        });
    }
    let d = job.demand;
    if !eligible.iter().any(|&c| d.fits(view.clusters[c].capacity)) {
        let largest = (eligible.iter().copied())
            .max_by(|&a, &b| {
                let (ca, cb) = (view.clusters[a].capacity, view.clusters[b].capacity);
                // Larger coverage wins; on a tie the earlier name (max_by keeps the last maximum).
                compare_coverage(d, ca, cb).then(b.cmp(&a))
            })
            .map(|c| view.clusters[c]);
        if let Some(c) = largest {
            return Some(format!(
                "needs {d}; the largest eligible cluster ({}) has {}",
                c.name, c.capacity
            ));
        }
    }
    if let Some(quota) = view.quota[job.tenant]
        && d.exceeds(quota)
    {
        return Some(format!(
            "needs {d}, which exceeds tenant {}'s quota of {quota}",
            q.tenant
        ));
    }
    None
}

/// The labels the pinned cluster lacks, in the job's order.
fn missing_labels<'a>(view: &View<'_>, pin: &str, labels: &'a [String]) -> Vec<&'a str> {
    let Some(c) = view.cluster_index(pin) else {
        return Vec::new();
    };
    let have = &view.clusters[c].labels;
    (labels.iter())
        .filter(|l| !have.contains(l))
        .map(String::as_str)
        .collect()
}

/// Orders two capacities by how much of `d` they could hold: the smaller of capacity/demand over the
/// dimensions the job needs, compared exactly by cross-multiplying in u128. "Largest" in a reason means
/// this, so the cluster named is the one that comes nearest to running the job.
fn compare_coverage(d: Resources, a: Resources, b: Resources) -> std::cmp::Ordering {
    let ratios = |c: Resources| {
        [(c.cpu_milli, d.cpu_milli), (c.memory_mib, d.memory_mib)]
            .into_iter()
            .filter(|&(_, need)| need > 0)
            .collect::<Vec<_>>()
    };
    let min = |rs: Vec<(u64, u64)>| {
        rs.into_iter().min_by(|&(n1, d1), &(n2, d2)| {
            (u128::from(n1) * u128::from(d2)).cmp(&(u128::from(n2) * u128::from(d1)))
        })
    };
    match (min(ratios(a)), min(ratios(b))) {
        (Some((n1, d1)), Some((n2, d2))) => {
            (u128::from(n1) * u128::from(d2)).cmp(&(u128::from(n2) * u128::from(d1)))
        }
        // A demand of zero in both dimensions fits everything and never reaches here.
        _ => std::cmp::Ordering::Equal,
    }
}
