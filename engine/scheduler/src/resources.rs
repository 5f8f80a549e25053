//! `Resources`: a CPU and memory amount, its arithmetic, and how it reads in words.

use serde::{Deserialize, Serialize};
use std::fmt;

/// CPU in thousandths of a CPU, memory in MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Resources {
    pub cpu_milli: u64,
    pub memory_mib: u64,
}

impl Resources {
    pub const ZERO: Resources = Resources::new(0, 0);

    pub const fn new(cpu_milli: u64, memory_mib: u64) -> Self {
        Resources {
            cpu_milli,
            memory_mib,
        }
    }

    /// Whether this demand fits in `free`: both dimensions at most what is free.
    pub const fn fits(&self, free: Resources) -> bool {
        self.cpu_milli <= free.cpu_milli && self.memory_mib <= free.memory_mib
    }

    /// Whether this amount exceeds `limit` in either dimension (the negation of `fits`, named for quotas).
    pub const fn exceeds(&self, limit: Resources) -> bool {
        !self.fits(limit)
    }

    pub fn checked_add(self, other: Resources) -> Option<Resources> {
        Some(Resources::new(
            self.cpu_milli.checked_add(other.cpu_milli)?,
            self.memory_mib.checked_add(other.memory_mib)?,
        ))
    }

    /// `None` when `other` is larger in either dimension.
    pub fn checked_sub(self, other: Resources) -> Option<Resources> {
        Some(Resources::new(
            self.cpu_milli.checked_sub(other.cpu_milli)?,
            self.memory_mib.checked_sub(other.memory_mib)?,
        ))
    }

    /// Sums saturate at `u64::MAX`, which is larger than any capacity, so a saturated total still reads as
    /// "full" wherever it is compared: saturation can only make the scheduler more cautious.
    pub fn saturating_add(self, other: Resources) -> Resources {
        Resources::new(
            self.cpu_milli.saturating_add(other.cpu_milli),
            self.memory_mib.saturating_add(other.memory_mib),
        )
    }

    pub fn saturating_sub(self, other: Resources) -> Resources {
        Resources::new(
            self.cpu_milli.saturating_sub(other.cpu_milli),
            self.memory_mib.saturating_sub(other.memory_mib),
        )
    }

    pub const fn is_zero(&self) -> bool {
        self.cpu_milli == 0 && self.memory_mib == 0
    }
}

/// "0.5 CPU and 512 MiB", "32 CPU and 256 GiB": the wording placements and reasons use.
impl fmt::Display for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} and {}", Cpu(self.cpu_milli), Memory(self.memory_mib))
    }
}

/// CPU in words: whole CPUs, with up to three decimals when fractional ("0.5 CPU", "1.25 CPU").
pub(crate) struct Cpu(pub u64);

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, milli) = (self.0 / 1000, self.0 % 1000);
        if milli == 0 {
            return write!(f, "{whole} CPU");
        }
        let decimals = format!("{milli:03}");
        write!(f, "{whole}.{} CPU", decimals.trim_end_matches('0'))
    }
}

/// Memory in words: GiB when a whole number of GiB, MiB otherwise, so the figure is always exact.
pub(crate) struct Memory(pub u64);

impl fmt::Display for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 != 0 && self.0.is_multiple_of(1024) {
            write!(f, "{} GiB", self.0 / 1024)
        } else {
            write!(f, "{} MiB", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_in_words() {
        assert_eq!(Resources::new(500, 512).to_string(), "0.5 CPU and 512 MiB");
        assert_eq!(
            Resources::new(32_000, 256 * 1024).to_string(),
            "32 CPU and 256 GiB"
        );
        assert_eq!(
            Resources::new(1250, 1536).to_string(),
            "1.25 CPU and 1536 MiB"
        );
        assert_eq!(Resources::new(1, 0).to_string(), "0.001 CPU and 0 MiB");
    }

    #[test]
    fn arithmetic() {
        let a = Resources::new(2, 3);
        assert_eq!(a.checked_sub(Resources::new(3, 0)), None);
        assert_eq!(a.saturating_sub(Resources::new(3, 1)), Resources::new(0, 2));
        assert_eq!(
            Resources::new(u64::MAX, 1).saturating_add(a),
            Resources::new(u64::MAX, 4)
        );
        assert_eq!(Resources::new(u64::MAX, 1).checked_add(a), None);
        assert!(a.fits(Resources::new(2, 3)) && !a.fits(Resources::new(1, 9)));
        assert!(a.exceeds(Resources::new(2, 2)));
    }
}
