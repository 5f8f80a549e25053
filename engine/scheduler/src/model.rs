//! What one tick reads: the queue, the clusters, what already holds resources, and the policy.

use crate::Resources;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The highest priority; higher values are treated as this (priorities are validated upstream, and the
/// aging bound is stated against it).
pub const MAX_PRIORITY: u32 = 1000;

/// A job waiting to be placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedJob {
    pub id: String,
    pub tenant: String,
    /// 0..=1000; larger values count as 1000.
    pub priority: u32,
    pub demand: Resources,
    /// When it entered the queue, epoch ms.
    pub enqueued_ms: u64,
    /// Enqueue order, unique: the last tie-break, so equal ranks keep FIFO order.
    pub seq: u64,
    /// Pinned to the cluster of this name.
    pub cluster: Option<String>,
    /// Every label must be on the cluster.
    pub labels: Vec<String>,
    /// The job is killed at this limit (like Slurm's `--time`); `None` = unbounded.
    pub time_limit_ms: Option<u64>,
}

/// One cluster as the tick sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterView {
    pub name: String,
    pub labels: Vec<String>,
    /// Total capacity; what is free is derived from the allocations.
    pub capacity: Resources,
    /// `false`: its capacity source is stale or unreachable, so nothing is placed there this tick; it still
    /// counts when deciding whether a job could ever run (a stale cluster is not a missing one).
    pub available: bool,
}

/// Something already holding resources on a cluster: a running job, one released but not yet reported
/// running, or foreign use (tenant `""`, no end) reported by the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub cluster: String,
    pub tenant: String,
    pub demand: Resources,
    /// Start + time limit; `None` = unknown or unbounded.
    pub ends_ms: Option<u64>,
}

/// The knobs of the policy; `Default` gives aging of one point a second, backfill on, fairness off, no
/// quotas and at most 1000 placements a tick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    /// One priority point is worth this much waiting. 0 makes priority worthless (pure FIFO); the larger it
    /// is, the longer a low-priority job waits behind later high-priority ones (`u64::MAX` is, in effect,
    /// strict priority with FIFO within a priority).
    pub aging_ms_per_point: u64,
    pub backfill: bool,
    /// Dominant resource fairness across tenants.
    pub fairness: bool,
    /// Per-tenant cap on resources held at once (running + released); a tenant absent here has none.
    pub quotas: BTreeMap<String, Resources>,
    pub max_placements: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            aging_ms_per_point: 1000,
            backfill: true,
            fairness: false,
            quotas: BTreeMap::new(),
            max_placements: 1000,
        }
    }
}

/// One tick's input. Nothing is read from anywhere else: `now_ms` is the only clock.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub now_ms: u64,
    pub queued: &'a [QueuedJob],
    pub clusters: &'a [ClusterView],
    pub allocations: &'a [Allocation],
    pub policy: &'a Policy,
}
