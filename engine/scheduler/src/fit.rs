//! Best fit: the score that ranks clusters for a job, in integers so every machine agrees.
//!
//! The score of leaving `left` on a cluster of capacity `cap` is `left.cpu / cap.cpu + left.mem / cap.mem`:
//! the fraction of the cluster that would stay idle, summed over both dimensions. Lower is a tighter fit,
//! which keeps large holes open for large jobs. Each fraction is computed in 64.64 fixed point (u128), exact
//! to 2^-64 of a cluster; scores equal at that precision are broken by cluster name by the caller.

use crate::Resources;

/// `num / den` in 64.64 fixed point; a zero denominator counts as 0 (a cluster with no capacity in a
/// dimension can only be left with none of it).
pub(crate) fn fraction(num: u64, den: u64) -> u128 {
    if den == 0 {
        return 0;
    }
    // num < 2^64, so the shift cannot overflow u128.
    (u128::from(num) << 64) / u128::from(den)
}

/// The idle fraction `left` represents on a cluster of capacity `cap` (lower is a better fit).
pub(crate) fn score(left: Resources, cap: Resources) -> u128 {
    fraction(left.cpu_milli, cap.cpu_milli)
        .saturating_add(fraction(left.memory_mib, cap.memory_mib))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tighter_fit_scores_lower() {
        let cap = Resources::new(8000, 8192);
        let loose = score(Resources::new(4000, 4096), cap);
        let tight = score(Resources::new(1000, 4096), cap);
        assert!(tight < loose);
        assert_eq!(score(Resources::ZERO, cap), 0);
        assert_eq!(score(cap, cap), 2u128 << 64);
        assert_eq!(fraction(5, 0), 0);
        // Relative, not absolute: half of a small cluster idles as much as half of a big one.
        assert_eq!(
            score(Resources::new(1, 1), Resources::new(2, 2)),
            score(Resources::new(500, 500), Resources::new(1000, 1000))
        );
    }
}
