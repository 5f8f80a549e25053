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

    /// The version an alias sends an execution to, chosen by weight with the execution's seed.
    pub(crate) fn route(&self, arn: &str, seed: u64) -> Result<(String, u64), Error> {
        let missing = || Error::StateMachineDoesNotExist(arn.to_string());
        let (machine, name) = split_alias(arn).ok_or_else(missing)?;
        let alias = self
            .machines
            .get(machine)
            .and_then(|m| m.aliases.get(name))
            .ok_or_else(missing)?;
        let version = pick(alias, seed).ok_or_else(missing)?;
        Ok((machine.to_string(), version))
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
