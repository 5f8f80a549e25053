//! What `stepd serve` builds from its configuration before it serves: the clusters, the adapters the
//! runtime is given (HTTP invoke and the cluster resources), the job layer's settings, and the shipped
//! Job Poller and Job Scheduler state machines (registered, or updated when the shipped text changed).

use crate::config::{ClusterSection, File};
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::Arc;
use stepd_adapter::{Adapter, Cluster, ClusterTasks, Resources};
use stepd_runtime::Runtime;
use stepd_runtime::jobs::{JobsConfig, Known, spec::parse_memory};

/// The shipped workflows, as the runtime registers them.
pub(crate) const POLLER: &str = "stepd-job-poller";
pub(crate) const SCHEDULER: &str = "stepd-job-scheduler";
const POLLER_TEXT: &str = include_str!("../../../workflows/job-poller.asl.json");
const SCHEDULER_TEXT: &str = include_str!("../../../workflows/job-scheduler.asl.json");

/// The built clusters and the settings derived from the file.
pub(crate) struct Fleet {
    pub clusters: ClusterTasks,
    pub adapters: Vec<Arc<dyn Adapter>>,
    pub jobs: JobsConfig,
}

fn mib(text: &str) -> Result<u64> {
    parse_memory(text).map_err(|e| anyhow::anyhow!(e))
}

fn local(section: &ClusterSection, data: &Path) -> Result<Arc<dyn Cluster>> {
    let machine = stepd_cluster_local::size_of_this_machine();
    let capacity = Resources::new(
        section
            .cpus
            .map_or(machine.cpu_milli, |c| (c * 1000.0).round() as u64),
        match &section.memory {
            Some(m) => mib(m)?,
            None => machine.memory_mib,
        },
    );
    let dir = section
        .dir
        .clone()
        .unwrap_or_else(|| data.join("clusters").join(&section.name));
    let config = stepd_cluster_local::LocalConfig {
        name: section.name.clone(),
        dir,
        capacity,
        labels: section.labels.clone(),
        enforce_memory: section.enforce_memory,
    };
    let cluster = stepd_cluster_local::LocalCluster::open(config)
        .with_context(|| format!("opening local cluster '{}'", section.name))?;
    Ok(cluster)
}

/// Builds the clusters and settings `file` describes (call inside the tokio runtime).
pub(crate) fn build(file: &File, data: &Path, scheduler_arn: String) -> Result<Fleet> {
    let mut clusters = Vec::new();
    for section in &file.clusters {
        clusters.push(local(section, data)?);
    }
    let known = Known {
        clusters: clusters
            .iter()
            .map(|c| (c.name().to_string(), c.labels().to_vec()))
            .collect(),
        tenants: file.tenants.clone(),
    };
    let s = &file.scheduler;
    let mut quotas = std::collections::BTreeMap::new();
    for (tenant, q) in &s.quotas {
        quotas.insert(
            tenant.clone(),
            stepd_scheduler::Resources {
                cpu_milli: (q.cpus * 1000.0).round() as u64,
                memory_mib: mib(&q.memory)?,
            },
        );
    }
    let policy = stepd_scheduler::Policy {
        aging_ms_per_point: (s.aging_seconds_per_point * 1000.0).round() as u64,
        backfill: s.backfill,
        fairness: s.fairness,
        quotas,
        max_placements: s.max_placements,
    };
    let tasks = ClusterTasks::new(clusters);
    let adapters: Vec<Arc<dyn Adapter>> = vec![
        Arc::new(stepd_adapter_http::HttpInvoke::new()),
        Arc::new(tasks.clone()),
    ];
    Ok(Fleet {
        clusters: tasks,
        adapters,
        jobs: JobsConfig {
            known,
            policy,
            scheduler_machine: Some(scheduler_arn),
            tick_seconds: s.tick_seconds,
        },
    })
}

/// Registers the shipped workflows, or updates them when the shipped text differs from theirs (running
/// executions keep the definition they started with).
pub(crate) async fn register_workflows(rt: &Runtime) -> Result<()> {
    for (name, text) in [(POLLER, POLLER_TEXT), (SCHEDULER, SCHEDULER_TEXT)] {
        match rt.register(name, text).await {
            Ok(_) => {}
            Err(stepd_runtime::Error::StateMachineAlreadyExists(arn)) => {
                rt.update_state_machine(&arn, Some(text), None, None)
                    .await
                    .with_context(|| format!("updating the shipped workflow {name}"))?;
            }
            Err(e) => {
                return Err(e).with_context(|| format!("registering the shipped workflow {name}"));
            }
        }
    }
    Ok(())
}

/// Keeps the Job Scheduler's schedule (`rate(N seconds)`, `scheduler.tick_seconds`): its fires ask the
/// job layer for a tick.
pub(crate) async fn keep_tick_schedule(rt: &Runtime, seconds: u64) -> Result<()> {
    let name = stepd_runtime::jobs::TICK_SCHEDULE;
    let unit = if seconds == 1 { "second" } else { "seconds" };
    let spec = stepd_runtime::ScheduleSpec {
        name: name.to_string(),
        expression: format!("rate({seconds} {unit})"),
        timezone: None,
        state_machine_arn: rt.state_machine_arn(SCHEDULER),
        input: serde_json::json!({}),
        enabled: true,
    };
    let exists = rt.schedule(name).is_ok();
    rt.put_schedule(spec, exists)
        .await
        .context("keeping the job scheduler's schedule")?;
    Ok(())
}

/// Creates or replaces the schedules the configuration file names (others, made through the API, stay).
pub(crate) async fn apply_schedules(
    rt: &Runtime,
    schedules: &[crate::config::ScheduleSection],
) -> Result<()> {
    for s in schedules {
        let input = match &s.input {
            Some(text) => serde_json::from_str(text)?,
            None => serde_json::json!({}),
        };
        let spec = stepd_runtime::ScheduleSpec {
            name: s.name.clone(),
            expression: s.expression.clone(),
            timezone: s.timezone.clone(),
            state_machine_arn: if s.state_machine.starts_with("arn:") {
                s.state_machine.clone()
            } else {
                rt.state_machine_arn(&s.state_machine)
            },
            input,
            enabled: true,
        };
        let exists = rt.schedule(&s.name).is_ok();
        rt.put_schedule(spec, exists)
            .await
            .with_context(|| format!("schedules.{}", s.name))?;
    }
    Ok(())
}
