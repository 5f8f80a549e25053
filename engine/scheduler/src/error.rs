//! The crate's `Error`, and `validate`, which finds inputs whose identity assumptions do not hold.
//!
//! `place` never fails: it is total over its input, so a bad row cannot stop every job from being placed.
//! These checks are for the caller, which builds the input and can refuse or log what is wrong with it.

use crate::{Input, MAX_PRIORITY};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `place` keeps one of the two (the unavailable one, then the smaller), so it never over-commits,
    /// but which capacity was meant is unknown.
    #[error("two clusters are named '{0}'")]
    DuplicateCluster(String),
    #[error("two queued jobs have the id '{0}'")]
    DuplicateJob(String),
    /// `seq` is the final tie-break; with duplicates the order between the two depends on their ids.
    #[error("queued jobs '{first}' and '{second}' share seq {seq}")]
    DuplicateSeq {
        seq: u64,
        first: String,
        second: String,
    },
    #[error("job '{job}' has priority {priority}; the highest is {MAX_PRIORITY}")]
    Priority { job: String, priority: u32 },
}

/// Checks that cluster names, job ids and `seq`s are unique and priorities in range; reports the first
/// problem found in input order.
pub fn validate(input: &Input<'_>) -> Result<(), Error> {
    let mut names = BTreeSet::new();
    for c in input.clusters {
        if !names.insert(c.name.as_str()) {
            return Err(Error::DuplicateCluster(c.name.clone()));
        }
    }
    let mut ids = BTreeSet::new();
    let mut seqs: BTreeMap<u64, &str> = BTreeMap::new();
    for j in input.queued {
        if !ids.insert(j.id.as_str()) {
            return Err(Error::DuplicateJob(j.id.clone()));
        }
        if let Some(first) = seqs.insert(j.seq, &j.id) {
            return Err(Error::DuplicateSeq {
                seq: j.seq,
                first: first.to_string(),
                second: j.id.clone(),
            });
        }
        if j.priority > MAX_PRIORITY {
            return Err(Error::Priority {
                job: j.id.clone(),
                priority: j.priority,
            });
        }
    }
    Ok(())
}
