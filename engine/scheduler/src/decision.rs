//! What one tick decides: placements, jobs that can never run, and the head job's reservation.

use crate::Resources;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Decision {
    /// In the order made.
    pub placements: Vec<Placement>,
    /// In rank order; none of these is placed.
    pub unschedulable: Vec<Unschedulable>,
    /// The head job, which fits nowhere now: where and when it is expected to start.
    pub reservation: Option<Reservation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub job: String,
    pub cluster: String,
    /// Started ahead of the reserved head job (EASY backfill).
    pub backfilled: bool,
    /// One sentence saying why this job, and why this cluster.
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unschedulable {
    pub job: String,
    /// In words, e.g. "no cluster has the labels [gpu]".
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub job: String,
    pub cluster: String,
    /// When the cluster's holders are expected to have freed enough (epoch ms); `None` when they have no end
    /// times that would, so the start cannot be predicted.
    pub start_ms: Option<u64>,
    /// What the cluster has spare beside the job at its start (before backfill used any of it); `None` when
    /// nothing is (the start cannot be predicted and what never ends leaves no room).
    pub leftover: Option<Resources>,
    pub why: String,
}
