//! The configuration file (`stepd serve --config FILE`, TOML): clusters, tenants, the scheduler's policy
//! and schedules. With no file, an embedded default: one local cluster sized to this machine. Credentials
//! are never written in the file: a cluster names the environment variable that holds them.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct File {
    #[serde(default)]
    pub scheduler: SchedulerSection,
    /// The tenants jobs may name (empty: any).
    #[serde(default)]
    pub tenants: Vec<String>,
    #[serde(default)]
    pub clusters: Vec<ClusterSection>,
    #[serde(default)]
    pub schedules: Vec<ScheduleSection>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SchedulerSection {
    /// Seconds between ticks while jobs are queued (enqueues and job ends tick at once too).
    #[serde(default = "five")]
    pub tick_seconds: u64,
    /// Aging: each point of priority is worth this many seconds of waiting.
    #[serde(default = "one")]
    pub aging_seconds_per_point: f64,
    #[serde(default = "yes")]
    pub backfill: bool,
    #[serde(default)]
    pub fairness: bool,
    #[serde(default = "thousand")]
    pub max_placements: usize,
    /// Per-tenant caps on what its jobs hold at once.
    #[serde(default)]
    pub quotas: BTreeMap<String, Quota>,
}

impl Default for SchedulerSection {
    fn default() -> SchedulerSection {
        SchedulerSection {
            tick_seconds: five(),
            aging_seconds_per_point: one(),
            backfill: true,
            fairness: false,
            max_placements: thousand(),
            quotas: BTreeMap::new(),
        }
    }
}

fn five() -> u64 {
    5
}
fn one() -> f64 {
    1.0
}
fn yes() -> bool {
    true
}
fn thousand() -> usize {
    1000
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Quota {
    pub cpus: f64,
    pub memory: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClusterSection {
    pub name: String,
    /// `local` (the only kind built so far).
    pub kind: String,
    /// The capacity a local cluster offers (default: this machine's).
    pub cpus: Option<f64>,
    pub memory: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    /// Local clusters: hold each job to its memory (address-space limit).
    #[serde(default = "yes")]
    pub enforce_memory: bool,
    /// Local clusters: where jobs' files go (default `<data>/clusters/<name>`).
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScheduleSection {
    pub name: String,
    /// `rate(5 minutes)`, `cron(0/5 * * * ? *)` or `at(2026-12-24T10:00:00)`.
    pub expression: String,
    pub timezone: Option<String>,
    /// The state machine's name or ARN.
    pub state_machine: String,
    /// The input every execution starts with (JSON text; `{}` when absent).
    pub input: Option<String>,
}

impl File {
    /// Reads and checks a configuration file.
    pub(crate) fn load(path: &Path) -> Result<File> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let file: File =
            toml::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
        file.check()
            .with_context(|| format!("checking {}", path.display()))?;
        Ok(file)
    }

    /// The embedded default: one local cluster sized to this machine.
    pub(crate) fn embedded() -> File {
        File {
            clusters: vec![ClusterSection {
                name: "local".into(),
                kind: "local".into(),
                cpus: None,
                memory: None,
                labels: Vec::new(),
                enforce_memory: true,
                dir: None,
            }],
            ..File::default()
        }
    }

    fn check(&self) -> Result<()> {
        let mut names = std::collections::BTreeSet::new();
        for c in &self.clusters {
            if !valid_name(&c.name) {
                bail!(
                    "clusters: '{}' is not a valid cluster name (letters, digits, '.', '_', '-')",
                    c.name
                );
            }
            if !names.insert(&c.name) {
                bail!("clusters: '{}' is named twice", c.name);
            }
            if c.kind != "local" {
                bail!(
                    "clusters.{}: kind '{}' is not built yet (kinds: local)",
                    c.name,
                    c.kind
                );
            }
            if let Some(cpus) = c.cpus
                && !(cpus > 0.0 && cpus <= 100_000.0)
            {
                bail!("clusters.{}.cpus: must be above 0, not {cpus}", c.name);
            }
            if let Some(m) = &c.memory {
                stepd_runtime::jobs::spec::parse_memory(m)
                    .map_err(|e| anyhow::anyhow!("clusters.{}.memory: {e}", c.name))?;
            }
        }
        if self.clusters.is_empty() {
            bail!("clusters: at least one cluster is needed");
        }
        let s = &self.scheduler;
        if !(1..=3600).contains(&s.tick_seconds) {
            bail!(
                "scheduler.tick_seconds: must be a whole number of seconds from 1 to 3600, not {}",
                s.tick_seconds
            );
        }
        if !(s.aging_seconds_per_point >= 0.0 && s.aging_seconds_per_point <= 86_400.0) {
            bail!("scheduler.aging_seconds_per_point: must be from 0 to 86400");
        }
        if s.max_placements == 0 {
            bail!("scheduler.max_placements: must be at least 1");
        }
        for (tenant, q) in &s.quotas {
            if q.cpus.is_nan() || q.cpus <= 0.0 {
                bail!("scheduler.quotas.{tenant}.cpus: must be above 0");
            }
            stepd_runtime::jobs::spec::parse_memory(&q.memory)
                .map_err(|e| anyhow::anyhow!("scheduler.quotas.{tenant}.memory: {e}"))?;
        }
        for t in &self.tenants {
            if !valid_name(t) {
                bail!("tenants: '{t}' is not a valid tenant name");
            }
        }
        let mut schedules = std::collections::BTreeSet::new();
        for sch in &self.schedules {
            if !valid_name(&sch.name) || !schedules.insert(&sch.name) {
                bail!("schedules: '{}' is not a valid or unique name", sch.name);
            }
            if let Some(input) = &sch.input {
                serde_json::from_str::<serde_json::Value>(input)
                    .map_err(|e| anyhow::anyhow!("schedules.{}.input: not JSON: {e}", sch.name))?;
            }
        }
        Ok(())
    }
}

fn valid_name(s: &str) -> bool {
    (1..=80).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_reads() {
        let text = r#"
            tenants = ["analytics", "ml"]
            [scheduler]
            tick_seconds = 2
            aging_seconds_per_point = 0.5
            backfill = true
            fairness = true
            [scheduler.quotas.ml]
            cpus = 8
            memory = "16GiB"
            [[clusters]]
            name = "small"
            kind = "local"
            cpus = 2
            memory = "2GiB"
            [[clusters]]
            name = "big"
            kind = "local"
            cpus = 8
            memory = "16GiB"
            labels = ["ssd"]
            [[schedules]]
            name = "nightly"
            expression = "cron(0 2 * * ? *)"
            timezone = "Europe/Berlin"
            state_machine = "etl"
            input = '{"day": "today"}'
        "#;
        let file: File = toml::from_str(text).expect("parses");
        file.check().expect("valid");
        assert_eq!(file.clusters.len(), 2);
        assert_eq!(file.scheduler.quotas["ml"].cpus, 8.0);
    }

    #[test]
    fn mistakes_name_their_field() {
        for (text, want) in [
            ("[[clusters]]\nname = \"a\"\nkind = \"moon\"", "kind 'moon'"),
            (
                "[[clusters]]\nname = \"a\"\nkind = \"local\"\ncpus = -1",
                "clusters.a.cpus",
            ),
            (
                "[[clusters]]\nname = \"a\"\nkind = \"local\"\nmemory = \"lots\"",
                "clusters.a.memory",
            ),
            (
                "tenants = [\"a b\"]\n[[clusters]]\nname = \"a\"\nkind = \"local\"",
                "tenants",
            ),
            (
                "[scheduler]\ntick_seconds = 0\n[[clusters]]\nname = \"a\"\nkind = \"local\"",
                "scheduler.tick_seconds",
            ),
        ] {
            let file: File = toml::from_str(text).expect("parses");
            let e = file.check().expect_err("invalid").to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
        assert!(toml::from_str::<File>("colour = 1").is_err());
    }
}
