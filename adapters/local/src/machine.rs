//! This machine: its size (for the embedded default configuration) and the wall clock, read in one place.

use std::time::{SystemTime, UNIX_EPOCH};
use stepd_adapter::Resources;

/// Memory left to the operating system and stepd itself when a cluster is sized to the machine.
const HEADROOM_MIB: u64 = 1024;
/// What a machine whose memory cannot be read is taken to have for jobs.
const FALLBACK_MIB: u64 = 4096;

/// This machine as a cluster: every CPU it lets this process use, and its memory less 1 GiB of headroom
/// (4 GiB when /proc/meminfo cannot be read). On a small machine the headroom is capped at half the
/// memory, so there is always something left to run jobs in.
pub fn size_of_this_machine() -> Resources {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get() as u64)
        .unwrap_or(1);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_total_mib(&text))
        .map(|total| total - HEADROOM_MIB.min(total / 2))
        .unwrap_or(FALLBACK_MIB);
    Resources::new(cpus * 1000, memory)
}

/// `MemTotal` from /proc/meminfo's text, in MiB.
fn mem_total_mib(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// Milliseconds since the epoch (0 if the clock is before it, which only a broken clock is).
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A file's modification time in epoch milliseconds.
pub(crate) fn mtime_ms(meta: &std::fs::Metadata) -> Option<u64> {
    let t = meta.modified().ok()?;
    Some(t.duration_since(UNIX_EPOCH).ok()?.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_is_read_in_mib() {
        let text = "MemTotal:       24683792 kB\nMemFree:        23949288 kB\n";
        assert_eq!(mem_total_mib(text), Some(24105));
        assert_eq!(mem_total_mib("nothing here"), None);
    }

    #[test]
    fn this_machine_has_something_to_offer() {
        let r = size_of_this_machine();
        assert!(r.cpu_milli >= 1000);
        assert!(r.memory_mib > 0);
    }
}
