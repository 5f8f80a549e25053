//! A job as it is submitted: read from JSON (the Job Poller's `job` input, or `SubmitJob`), checked field
//! by field with an error naming the field, and filled with the defaults, before anything is stored.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use stepd_adapter::Resources;

/// Bounds a job's fields are checked against.
pub const MAX_PRIORITY: u32 = 1000;
pub const DEFAULT_PRIORITY: u32 = 100;
const MAX_CPUS: f64 = 100_000.0;
/// 1 PiB in MiB: past it a size is a typo, not a job.
const MAX_MEMORY_MIB: u64 = 1 << 30;
const MAX_COMMAND_BYTES: usize = 64 * 1024;
const MAX_ENV: usize = 256;
const MAX_LABELS: usize = 32;
const MAX_TIME_LIMIT: u64 = 365 * 24 * 3600;
const MAX_POLL: u64 = 3600;

/// A job, checked and with its defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    pub id: String,
    pub name: String,
    pub tenant: String,
    pub priority: u32,
    pub cpus: f64,
    #[serde(rename = "memoryMiB")]
    pub memory_mib: u64,
    pub command: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
    /// Pinned to this cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Labels the cluster must carry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit_seconds: Option<u64>,
    /// How often the Job Poller asks the cluster for the job's status.
    pub poll_seconds: u64,
}

impl JobSpec {
    pub fn demand(&self) -> Resources {
        Resources::new((self.cpus * 1000.0).round() as u64, self.memory_mib)
    }
}

/// A job field that is wrong: `Display` names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("job.{field}: {problem}")]
pub struct SpecError {
    pub field: &'static str,
    pub problem: String,
}

fn bad(field: &'static str, problem: impl Into<String>) -> SpecError {
    SpecError {
        field,
        problem: problem.into(),
    }
}

/// Letters, digits, `.`, `_`, `-`; 1–80 characters (what ids, tenants and labels may be).
fn token_like(s: &str) -> bool {
    (1..=80).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// What the job layer knows of the clusters and tenants when it checks a job.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Configured clusters and their labels.
    pub clusters: BTreeMap<String, Vec<String>>,
    /// The tenants allowed; empty: any.
    pub tenants: Vec<String>,
}

/// The fields a job may have.
const FIELDS: [&str; 14] = [
    "id",
    "name",
    "tenant",
    "priority",
    "cpus",
    "memoryMiB",
    "command",
    "env",
    "workdir",
    "cluster",
    "labels",
    "timeLimitSeconds",
    "pollSeconds",
    "memory",
];

/// Reads and checks a job. `default_id` is used when the job names none (the execution's name). Fields are
/// checked in a fixed order, and the first problem is the one reported.
pub fn parse(job: &Value, default_id: &str, known: &Known) -> Result<JobSpec, SpecError> {
    let Value::Object(map) = job else {
        return Err(bad("", "a job is a JSON object"));
    };
    if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(SpecError {
            field: "",
            problem: format!("unknown field '{unknown}'"),
        });
    }
    let f = Fields(map);
    let id = f.text("id")?.unwrap_or_else(|| default_id.to_string());
    if !token_like(&id) {
        return Err(bad(
            "id",
            format!("'{id}' must be 1-80 letters, digits, '.', '_' or '-'"),
        ));
    }
    let name = f.text("name")?.unwrap_or_else(|| id.clone());
    if name.is_empty() || name.len() > 256 {
        return Err(bad("name", "must be 1-256 characters"));
    }
    Ok(JobSpec {
        id,
        name,
        tenant: f.tenant(known)?,
        priority: f.priority()?,
        cpus: f.cpus()?,
        memory_mib: f.memory()?,
        command: f.command()?,
        env: f.env()?,
        cluster: f.cluster(known)?,
        labels: f.labels()?,
        workdir: f.text("workdir")?,
        time_limit_seconds: f.seconds("timeLimitSeconds", MAX_TIME_LIMIT)?,
        poll_seconds: f.seconds("pollSeconds", MAX_POLL)?.unwrap_or(1),
    })
}

/// A job's fields, read one at a time (each reader checks its own field).
struct Fields<'a>(&'a serde_json::Map<String, Value>);

impl Fields<'_> {
    fn get(&self, field: &str) -> Option<&Value> {
        self.0.get(field).filter(|v| !v.is_null())
    }

    fn text(&self, field: &'static str) -> Result<Option<String>, SpecError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(field, "must be a string")),
        }
    }

    fn tenant(&self, known: &Known) -> Result<String, SpecError> {
        let tenant = self
            .text("tenant")?
            .unwrap_or_else(|| "default".to_string());
        if !token_like(&tenant) {
            return Err(bad(
                "tenant",
                format!("'{tenant}' is not a valid tenant name"),
            ));
        }
        if !known.tenants.is_empty() && !known.tenants.contains(&tenant) {
            return Err(bad(
                "tenant",
                format!(
                    "unknown tenant '{tenant}' (configured: {})",
                    known.tenants.join(", ")
                ),
            ));
        }
        Ok(tenant)
    }

    fn priority(&self) -> Result<u32, SpecError> {
        let Some(v) = self.get("priority") else {
            return Ok(DEFAULT_PRIORITY);
        };
        match v.as_u64() {
            Some(p) if p <= u64::from(MAX_PRIORITY) => Ok(p as u32),
            _ => Err(bad(
                "priority",
                format!("must be an integer from 0 to {MAX_PRIORITY}, not {v}"),
            )),
        }
    }

    fn cpus(&self) -> Result<f64, SpecError> {
        let Some(v) = self.get("cpus") else {
            return Ok(1.0);
        };
        match v.as_f64() {
            Some(c) if (0.001..=MAX_CPUS).contains(&c) => Ok(c),
            _ => Err(bad(
                "cpus",
                format!("must be a number from 0.001 to {MAX_CPUS}, not {v}"),
            )),
        }
    }

    /// `memoryMiB` (an integer) or `memory` (a size such as "4GiB"), not both; 256 MiB by default.
    fn memory(&self) -> Result<u64, SpecError> {
        match (self.0.get("memoryMiB"), self.0.get("memory")) {
            (Some(_), Some(_)) => Err(bad("memory", "give memoryMiB or memory, not both")),
            (Some(v), None) => match v.as_u64() {
                Some(m) if (1..=MAX_MEMORY_MIB).contains(&m) => Ok(m),
                _ => Err(bad(
                    "memoryMiB",
                    format!("must be an integer from 1 to {MAX_MEMORY_MIB}, not {v}"),
                )),
            },
            (None, Some(Value::String(s))) => parse_memory(s).map_err(|why| bad("memory", why)),
            (None, Some(v)) => Err(bad(
                "memory",
                format!("must be a size such as \"4GiB\", not {v}"),
            )),
            (None, None) => Ok(256),
        }
    }

    /// An argument vector, or a shell command line run by `/bin/sh -c`.
    fn command(&self) -> Result<Vec<String>, SpecError> {
        let command = match self.0.get("command") {
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("command", "must be an array of strings"))?,
            Some(Value::String(s)) if !s.trim().is_empty() => {
                vec!["/bin/sh".into(), "-c".into(), s.clone()]
            }
            None => return Err(bad("command", "is required")),
            Some(_) => {
                return Err(bad(
                    "command",
                    "must be a non-empty array of strings or a shell command line",
                ));
            }
        };
        let bytes: usize = command.iter().map(String::len).sum();
        if bytes > MAX_COMMAND_BYTES {
            return Err(bad(
                "command",
                format!("is {bytes} bytes; at most {MAX_COMMAND_BYTES}"),
            ));
        }
        if command.iter().any(|a| a.contains('\0')) {
            return Err(bad("command", "must not contain NUL characters"));
        }
        Ok(command)
    }

    fn env(&self) -> Result<BTreeMap<String, String>, SpecError> {
        let m = match self.get("env") {
            None => return Ok(BTreeMap::new()),
            Some(Value::Object(m)) if m.len() <= MAX_ENV => m,
            Some(_) => {
                return Err(bad(
                    "env",
                    format!("must be an object of at most {MAX_ENV} strings"),
                ));
            }
        };
        let mut env = BTreeMap::new();
        for (k, v) in m {
            let valid_key = !k.is_empty()
                && !k.as_bytes()[0].is_ascii_digit()
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            match v.as_str() {
                Some(v) if valid_key && !v.contains('\0') => {
                    env.insert(k.clone(), v.to_string());
                }
                _ => {
                    return Err(bad(
                        "env",
                        format!("'{k}' must be a variable name with a string value"),
                    ));
                }
            }
        }
        Ok(env)
    }

    fn cluster(&self, known: &Known) -> Result<Option<String>, SpecError> {
        let cluster = self.text("cluster")?;
        if let Some(c) = &cluster
            && !known.clusters.contains_key(c)
        {
            let names: Vec<&str> = known.clusters.keys().map(String::as_str).collect();
            return Err(bad(
                "cluster",
                format!("unknown cluster '{c}' (configured: {})", names.join(", ")),
            ));
        }
        Ok(cluster)
    }

    fn labels(&self) -> Result<Vec<String>, SpecError> {
        match self.get("labels") {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) if items.len() <= MAX_LABELS => items
                .iter()
                .map(|v| v.as_str().filter(|s| token_like(s)).map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    bad(
                        "labels",
                        "must be label names (letters, digits, '.', '_', '-')",
                    )
                }),
            Some(_) => Err(bad(
                "labels",
                format!("must be an array of at most {MAX_LABELS} names"),
            )),
        }
    }

    /// A number of seconds from 1 to `max`, if given.
    fn seconds(&self, field: &'static str, max: u64) -> Result<Option<u64>, SpecError> {
        let Some(v) = self.get(field) else {
            return Ok(None);
        };
        match v.as_u64() {
            Some(s) if (1..=max).contains(&s) => Ok(Some(s)),
            _ => Err(bad(
                field,
                format!("must be an integer from 1 to {max}, not {v}"),
            )),
        }
    }
}

/// `4GiB`, `512MiB`, `2G`, `100M`, `1TiB`, or a bare number of MiB.
pub fn parse_memory(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a size such as 4GiB or 512MiB"))?;
    let mib = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "m" | "mi" | "mib" | "mb" => n,
        "g" | "gi" | "gib" | "gb" => n * 1024.0,
        "t" | "ti" | "tib" | "tb" => n * 1024.0 * 1024.0,
        "k" | "ki" | "kib" | "kb" => n / 1024.0,
        other => {
            return Err(format!(
                "unknown unit '{other}' in '{s}' (use MiB, GiB or TiB)"
            ));
        }
    };
    let mib = mib.ceil();
    if !(1.0..=MAX_MEMORY_MIB as f64).contains(&mib) {
        return Err(format!("'{s}' is outside 1 MiB to 1 PiB"));
    }
    Ok(mib as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn known() -> Known {
        Known {
            clusters: [
                ("small".to_string(), vec![]),
                ("big".to_string(), vec!["gpu".to_string()]),
            ]
            .into_iter()
            .collect(),
            tenants: vec![],
        }
    }

    #[test]
    fn defaults_fill_what_is_not_given() {
        let spec = parse(&json!({"command": "true"}), "exec-1", &known()).expect("valid");
        assert_eq!(spec.id, "exec-1");
        assert_eq!(spec.name, "exec-1");
        assert_eq!(spec.tenant, "default");
        assert_eq!(
            (spec.priority, spec.cpus, spec.memory_mib, spec.poll_seconds),
            (100, 1.0, 256, 1)
        );
        assert_eq!(spec.command, ["/bin/sh", "-c", "true"]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let cases = [
            (json!({"command": "x", "cpus": -1}), "job.cpus"),
            (json!({"command": "x", "cpus": 0}), "job.cpus"),
            (json!({"command": "x", "cpus": 1e9}), "job.cpus"),
            (json!({"command": "x", "memoryMiB": 0}), "job.memoryMiB"),
            (
                json!({"command": "x", "memory": "12 parsecs"}),
                "job.memory",
            ),
            (json!({"command": "x", "priority": 5000}), "job.priority"),
            (json!({"command": "x", "priority": -3}), "job.priority"),
            (json!({"command": "x", "cluster": "nowhere"}), "job.cluster"),
            (json!({"command": []}), "job.command"),
            (json!({}), "job.command"),
            (json!({"command": "x".repeat(70_000)}), "job.command"),
            (json!({"command": "x", "id": "a b"}), "job.id"),
            (json!({"command": "x", "tenant": "t/1"}), "job.tenant"),
            (json!({"command": "x", "env": {"1A": "x"}}), "job.env"),
            (
                json!({"command": "x", "timeLimitSeconds": 0}),
                "job.timeLimitSeconds",
            ),
            (
                json!({"command": "x", "color": "red"}),
                "job.: unknown field 'color'",
            ),
        ];
        for (job, field) in cases {
            let e = parse(&job, "j", &known()).expect_err("invalid");
            assert!(e.to_string().starts_with(field), "{job}: {e}");
        }
        let tenants = Known {
            tenants: vec!["a".into()],
            ..known()
        };
        let e = parse(&json!({"command": "x", "tenant": "b"}), "j", &tenants).expect_err("unknown");
        assert!(e.to_string().contains("unknown tenant 'b'"), "{e}");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_memory("4GiB"), Ok(4096));
        assert_eq!(parse_memory("512MiB"), Ok(512));
        assert_eq!(parse_memory("1.5G"), Ok(1536));
        assert_eq!(parse_memory("300"), Ok(300));
        assert!(parse_memory("0").is_err());
        assert!(parse_memory("lots").is_err());
    }
}
