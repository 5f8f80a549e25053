//! State machine aliases, as AWS has them: `<machine ARN>:<alias>` routes StartExecution to one version, or
//! splits it between two by weight. Aliases live in their machine's record (so they commit with it and go
//! with it); a version an alias routes to cannot be deleted.

use crate::Error;
use crate::records;
use crate::versions::split_version;
use crate::writer::Writer;
use serde::{Deserialize, Serialize};
use stepd_core::Millis;
use stepd_store::{Batch, Table};

/// An alias and where it routes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AliasRecord {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// (version number, weight in percent); one or two entries whose weights add up to 100.
    pub routing: Vec<(u64, u8)>,
    pub created: Millis,
    pub updated: Millis,
}

/// An alias ARN split into its machine's ARN and the alias name (`None` for anything else).
pub fn split_alias(arn: &str) -> Option<(&str, &str)> {
    match stepd_core::arn::machine(arn)? {
        stepd_core::arn::MachineRef {
            machine,
            qualifier: stepd_core::arn::Qualifier::Alias(name),
            ..
        } => Some((machine, name)),
        _ => None,
    }
}

/// What an execution's target ARN runs: the machine (its unqualified ARN), the version (a version ARN's,
/// or the one an alias routes to), and the alias it came through.
pub(crate) struct Target<'a> {
    pub machine: &'a str,
    pub version: Option<u64>,
    pub alias: Option<&'a str>,
}

/// Resolves a StartExecution target, the one place a machine, version or alias ARN is told apart: an
/// alias routes by weight with `seed`, its record found by `alias_of(machine, alias)` (the writer's
/// machines, or the store). Any other text is a machine of its own (the caller finds it, or not).
pub(crate) fn resolve(
    target: &str,
    seed: u64,
    alias_of: impl FnOnce(&str, &str) -> Result<Option<AliasRecord>, Error>,
) -> Result<Target<'_>, Error> {
    use stepd_core::arn::Qualifier;
    let missing = || Error::StateMachineDoesNotExist(target.to_string());
    let Some(m) = stepd_core::arn::machine(target) else {
        return Ok(Target {
            machine: target,
            version: None,
            alias: None,
        });
    };
    Ok(match m.qualifier {
        Qualifier::Latest => Target {
            machine: m.machine,
            version: None,
            alias: None,
        },
        Qualifier::Version(n) => Target {
            machine: m.machine,
            version: Some(n),
            alias: None,
        },
        Qualifier::Alias(name) => {
            let alias = alias_of(m.machine, name)?.ok_or_else(missing)?;
            Target {
                machine: m.machine,
                version: Some(pick(&alias, seed).ok_or_else(missing)?),
                alias: Some(name),
            }
        }
    })
}

/// The version an execution goes to: weights are percentages of `seed % 100`.
pub(crate) fn pick(alias: &AliasRecord, seed: u64) -> Option<u64> {
    let mut roll = (seed % 100) as u8;
    for (version, weight) in &alias.routing {
        if roll < *weight {
            return Some(*version);
        }
        roll -= weight;
    }
    alias.routing.last().map(|(v, _)| *v)
}

/// AWS's alias names: 1–80 of `[a-zA-Z0-9_.-]`, not digits only.
fn valid_name(name: &str) -> bool {
    (1..=80).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !name.bytes().all(|b| b.is_ascii_digit())
}

impl Writer {
    /// Checks a routing configuration against the machine's versions: one or two distinct versions of
    /// this machine, weights adding up to 100.
    fn routing(
        &self,
        machine: &str,
        routing: &[(String, u8)],
        batch: &Batch,
    ) -> Result<Vec<(u64, u8)>, Error> {
        let invalid = |m: &str| Err(Error::Validation(m.to_string()));
        if routing.is_empty() || routing.len() > 2 {
            return invalid("routingConfiguration needs one or two versions");
        }
        if routing.iter().map(|(_, w)| u32::from(*w)).sum::<u32>() != 100 {
            return invalid("The weights of routingConfiguration must add up to 100");
        }
        let mut out = Vec::new();
        for (arn, weight) in routing {
            let Some((base, n)) = split_version(arn) else {
                return Err(Error::InvalidArn(arn.clone()));
            };
            if base != machine {
                return invalid("Every version of an alias must belong to its state machine");
            }
            if self.version(machine, n, batch)?.is_none() {
                return Err(Error::ResourceNotFound(arn.clone()));
            }
            if out.iter().any(|(v, _)| *v == n) {
                return invalid("routingConfiguration names the same version twice");
            }
            out.push((n, *weight));
        }
        Ok(out)
    }

    pub(crate) fn create_alias(
        &mut self,
        machine: &str,
        name: &str,
        description: String,
        routing: &[(String, u8)],
        now: Millis,
        batch: &mut Batch,
    ) -> Result<String, Error> {
        if !valid_name(name) {
            return Err(Error::InvalidName(name.to_string()));
        }
        let routing = self.routing(machine, routing, batch)?;
        let m = self.active(machine)?;
        let arn = format!("{machine}:{name}");
        if let Some(existing) = m.aliases.get(name) {
            // Creating it again as it is answers it; otherwise it is a conflict, as in AWS.
            return if existing.routing == routing && existing.description == description {
                Ok(arn)
            } else {
                Err(Error::Conflict(format!("The alias '{arn}' already exists")))
            };
        }
        let alias = AliasRecord {
            name: name.to_string(),
            description,
            routing,
            created: now,
            updated: now,
        };
        m.aliases.insert(name.to_string(), alias);
        let bytes = records::to_bytes(&*m)?;
        batch.put(Table::StateMachines, records::str_key(machine), bytes);
        Ok(arn)
    }

    pub(crate) fn update_alias(
        &mut self,
        arn: &str,
        description: Option<String>,
        routing: Option<&[(String, u8)]>,
        now: Millis,
        batch: &mut Batch,
    ) -> Result<Millis, Error> {
        let Some((machine, name)) = split_alias(arn) else {
            return Err(Error::InvalidArn(arn.to_string()));
        };
        let routing = match routing {
            Some(r) => Some(self.routing(machine, r, batch)?),
            None => None,
        };
        let m = self.active(machine)?;
        let Some(alias) = m.aliases.get_mut(name) else {
            return Err(Error::ResourceNotFound(arn.to_string()));
        };
        if let Some(d) = description {
            alias.description = d;
        }
        if let Some(r) = routing {
            alias.routing = r;
        }
        alias.updated = now;
        let bytes = records::to_bytes(&*m)?;
        batch.put(Table::StateMachines, records::str_key(machine), bytes);
        Ok(now)
    }

    pub(crate) fn delete_alias(&mut self, arn: &str, batch: &mut Batch) -> Result<(), Error> {
        let Some((machine, name)) = split_alias(arn) else {
            return Err(Error::InvalidArn(arn.to_string()));
        };
        let Some(m) = self.machines.get_mut(machine) else {
            return Err(Error::ResourceNotFound(arn.to_string()));
        };
        if m.aliases.remove(name).is_some() {
            let bytes = records::to_bytes(&*m)?;
            batch.put(Table::StateMachines, records::str_key(machine), bytes);
        }
        Ok(())
    }

    /// Whether an alias routes to this version (such a version cannot be deleted).
    pub(crate) fn routed(&self, machine: &str, version: u64) -> Option<String> {
        let m = self.machines.get(machine)?;
        m.aliases
            .values()
            .find(|a| a.routing.iter().any(|(v, _)| *v == version))
            .map(|a| format!("{machine}:{}", a.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::unwrap_used)]
    fn targets_resolve_to_machine_version_and_alias() {
        let m = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
        let prod = AliasRecord {
            name: "prod".into(),
            description: String::new(),
            routing: vec![(3, 10), (4, 90)],
            created: 0,
            updated: 0,
        };
        let none = |_: &str, _: &str| -> Result<Option<AliasRecord>, Error> { Ok(None) };
        let t = resolve(m, 0, none).unwrap();
        assert_eq!((t.machine, t.version, t.alias), (m, None, None));
        let v = format!("{m}:7");
        let t = resolve(&v, 0, none).unwrap();
        assert_eq!((t.machine, t.version, t.alias), (m, Some(7), None));
        let a = format!("{m}:prod");
        let found = |machine: &str, alias: &str| {
            assert_eq!((machine, alias), (m, "prod"));
            Ok(Some(prod.clone()))
        };
        // Weights are percentages of the seed: 0..10 → version 3, 10..100 → version 4.
        assert_eq!(resolve(&a, 5, found).unwrap().version, Some(3));
        let t = resolve(&a, 55, found).unwrap();
        assert_eq!((t.machine, t.version, t.alias), (m, Some(4), Some("prod")));
        assert!(matches!(
            resolve(&a, 0, none),
            Err(Error::StateMachineDoesNotExist(arn)) if arn == a
        ));
        let t = resolve("not-an-arn", 0, none).unwrap();
        assert_eq!((t.machine, t.version), ("not-an-arn", None));
    }

    #[test]
    fn alias_arns_and_names() {
        let m = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
        assert_eq!(split_alias(&format!("{m}:prod")), Some((m, "prod")));
        assert_eq!(split_alias(&format!("{m}:3")), None, "a version");
        assert_eq!(split_alias(m), None, "the machine itself");
        assert!(valid_name("prod-2.x"));
        assert!(!valid_name("123"));
        assert!(!valid_name("a b"));
        assert!(!valid_name(""));
    }

    #[test]
    fn weights_split_executions_between_two_versions() {
        let alias = AliasRecord {
            name: "canary".into(),
            description: String::new(),
            routing: vec![(1, 90), (2, 10)],
            created: 0,
            updated: 0,
        };
        let to_2 = (0..1000u64).filter(|s| pick(&alias, *s) == Some(2)).count();
        assert_eq!(to_2, 100, "10% of the rolls");
        assert_eq!(pick(&alias, 89), Some(1));
        assert_eq!(pick(&alias, 90), Some(2));
    }
}
