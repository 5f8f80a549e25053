//! The sentences that explain placements and reservations; kept apart so the policy code reads as policy.

use crate::Resources;
use std::fmt::{self, Display};

/// A duration in the largest unit that states it exactly ("30 min", "90 s", "1500 ms").
pub(crate) struct Duration(pub u64);

impl Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        match ms {
            0 => write!(f, "0 s"),
            _ if ms.is_multiple_of(3_600_000) => write!(f, "{} h", ms / 3_600_000),
            _ if ms.is_multiple_of(60_000) => write!(f, "{} min", ms / 60_000),
            _ if ms.is_multiple_of(1000) => write!(f, "{} s", ms / 1000),
            _ => write!(f, "{ms} ms"),
        }
    }
}

/// A 64.64 share as a whole percentage, rounded down.
pub(crate) fn percent(share: u128) -> u128 {
    share.saturating_mul(100) >> 64
}

/// How the cluster was chosen, for the second half of a placement's sentence.
pub(crate) enum Route<'a> {
    /// Best fit among `of` clusters (no reservation in the way, or not the reserved cluster).
    Fit { of: usize },
    /// On the reserved cluster, ending before the head's start.
    BeforeStart { limit: u64, start_in: u64 },
    /// On the reserved cluster, inside what the head leaves spare.
    InLeftover { leftover: Resources, head: &'a str },
}

pub(crate) struct Why<'a> {
    pub priority: u32,
    pub rank: usize,
    /// Tenant and dominant share when fairness chose the tenant.
    pub fair: Option<(&'a str, u128)>,
    /// Head job and its cluster when this placement is a backfill.
    pub past: Option<(&'a str, &'a str)>,
    pub cluster: &'a str,
    pub route: Route<'a>,
    pub leaves: Resources,
}

impl Display for Why<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "priority {} (aged rank {})", self.priority, self.rank)?;
        if let Some((tenant, share)) = self.fair {
            write!(
                f,
                ", tenant {tenant}'s turn at dominant share {}%",
                percent(share)
            )?;
        }
        let c = self.cluster;
        match (&self.route, self.past) {
            (Route::Fit { of }, past) => {
                if let Some((head, reserved)) = past {
                    write!(f, ": backfilled past {head} (reserved on {reserved}),")?;
                } else {
                    write!(f, ":")?;
                }
                if *of == 1 {
                    write!(f, " fits only on {c}")?;
                } else {
                    write!(f, " best fit on {c} of {of} clusters that fit")?;
                }
            }
            (Route::BeforeStart { limit, start_in }, past) => {
                let head = past.map_or("the head job", |(h, _)| h);
                write!(
                    f,
                    ": backfilled on {c}: its {} limit ends before {head}'s reserved start in {}",
                    Duration(*limit),
                    Duration(*start_in)
                )?;
            }
            (Route::InLeftover { leftover, head }, _) => {
                write!(
                    f,
                    ": backfilled on {c} into the {leftover} that {head} leaves spare at its start"
                )?;
            }
        }
        write!(f, " (leaves {})", self.leaves)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_exact() {
        let d = |ms| Duration(ms).to_string();
        assert_eq!(d(1_800_000), "30 min");
        assert_eq!(d(7_200_000), "2 h");
        assert_eq!(d(90_000), "90 s");
        assert_eq!(d(1500), "1500 ms");
        assert_eq!(d(0), "0 s");
        assert_eq!(percent(1u128 << 63), 50);
    }
}
