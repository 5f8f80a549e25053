//! Step Functions ARNs, built and taken apart in one place: `Scope` formats every ARN this server hands
//! out (`arn:aws:states:<region>:<account>:<kind>:<names…>`), `parse` reads one back into a typed `Arn`,
//! and `MachineRef` says which definition a state machine ARN means (latest, a version, an alias). Names
//! cannot hold a colon (see the name rule), which is what makes the parts unambiguous.

/// Where this server's resources live: the region and account in every ARN it makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    account: String,
    /// `arn:aws:states:<region>:<account>:`.
    prefix: String,
}

impl Scope {
    pub fn new(region: &str, account: &str) -> Scope {
        Scope {
            account: account.to_string(),
            prefix: format!("arn:aws:states:{region}:{account}:"),
        }
    }

    /// `arn:aws:states:<region>:<account>:`, what every ARN of this server starts with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn state_machine(&self, name: &str) -> String {
        format!("{}stateMachine:{name}", self.prefix)
    }

    /// An execution's ARN from its machine's name and its own.
    pub fn execution(&self, machine: &str, name: &str) -> String {
        format!("{}execution:{machine}:{name}", self.prefix)
    }

    /// An execution's ARN from its short id (`machine:name`, what store keys hold).
    pub fn execution_of(&self, short: &str) -> String {
        format!("{}execution:{short}", self.prefix)
    }

    /// An EXPRESS execution's ARN (AWS adds the execution's own id as a third part).
    pub fn express_execution(&self, machine: &str, name: &str, id: &str) -> String {
        format!("{}express:{machine}:{name}:{id}", self.prefix)
    }

    pub fn activity(&self, name: &str) -> String {
        format!("{}activity:{name}", self.prefix)
    }

    /// The role a state machine created without one reports (stepd assumes no IAM role).
    pub fn default_role(&self) -> String {
        format!("arn:aws:iam::{}:role/stepd", self.account)
    }
}

/// A version's ARN: its machine's ARN and the number.
pub fn version(machine_arn: &str, version: u64) -> String {
    format!("{machine_arn}:{version}")
}

/// An alias's ARN: its machine's ARN and the alias's name.
pub fn alias(machine_arn: &str, alias: &str) -> String {
    format!("{machine_arn}:{alias}")
}

/// Which definition a state machine ARN names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier<'a> {
    /// The machine itself: its latest revision.
    Latest,
    Version(u64),
    Alias(&'a str),
}

/// A state machine ARN, taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MachineRef<'a> {
    /// The unqualified machine ARN.
    pub machine: &'a str,
    /// The machine's name.
    pub name: &'a str,
    pub qualifier: Qualifier<'a>,
}

/// A Step Functions ARN, taken apart (every `&str` borrows from the ARN parsed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arn<'a> {
    StateMachine(MachineRef<'a>),
    Execution {
        /// `machine:name`, what store keys hold.
        short: &'a str,
        machine: &'a str,
        name: &'a str,
    },
    Express {
        machine: &'a str,
        name: &'a str,
    },
    Activity {
        name: &'a str,
    },
}

/// The parts of `arn:<partition>:states:<region>:<account>:<kind>:<names…>`: the prefix up to the kind,
/// the kind, and the rest.
fn split(arn: &str) -> Option<(&str, &str, &str)> {
    let mut at = 0;
    for _ in 0..5 {
        at += arn[at..].find(':')? + 1;
    }
    let (prefix, rest) = arn.split_at(at);
    let (kind, names) = rest.split_once(':')?;
    let ok = prefix.starts_with("arn:") && prefix.split(':').nth(2) == Some("states");
    ok.then_some((prefix, kind, names))
}

/// The parts of a Step Functions ARN before its kind, and the names after it (unsplit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    pub partition: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub kind: &'a str,
    pub names: &'a str,
}

/// The header of `arn:<partition>:states:<region>:<account>:<kind>:<names…>`, for checks of its scope.
pub fn header(arn: &str) -> Option<Header<'_>> {
    let (prefix, kind, names) = split(arn)?;
    let mut p = prefix.split(':');
    let (_, partition, _, region, account) =
        (p.next()?, p.next()?, p.next()?, p.next()?, p.next()?);
    Some(Header {
        partition,
        region,
        account,
        kind,
        names,
    })
}

/// Reads a Step Functions ARN (its shape only: whether it names anything is the store's to say).
pub fn parse(arn: &str) -> Option<Arn<'_>> {
    let (prefix, kind, names) = split(arn)?;
    // At most three name parts (an express execution's); read without allocating, as every store key
    // of an execution is built through here.
    let mut parts = [""; 3];
    let mut n = 0;
    for part in names.split(':') {
        if n == parts.len() || part.is_empty() {
            return None;
        }
        parts[n] = part;
        n += 1;
    }
    Some(match (kind, &parts[..n]) {
        ("stateMachine", [name]) => Arn::StateMachine(MachineRef {
            machine: arn,
            name,
            qualifier: Qualifier::Latest,
        }),
        ("stateMachine", [name, last]) => {
            let machine = &arn[..prefix.len() + kind.len() + 1 + name.len()];
            let qualifier = match last.parse() {
                Ok(n) => Qualifier::Version(n),
                Err(_) => Qualifier::Alias(last),
            };
            Arn::StateMachine(MachineRef {
                machine,
                name,
                qualifier,
            })
        }
        ("execution", [machine, name]) => Arn::Execution {
            short: names,
            machine,
            name,
        },
        ("express", [machine, name, _]) => Arn::Express { machine, name },
        ("activity", [name]) => Arn::Activity { name },
        _ => return None,
    })
}

/// A state machine ARN taken apart; `None` for any other ARN.
pub fn machine(arn: &str) -> Option<MachineRef<'_>> {
    match parse(arn)? {
        Arn::StateMachine(m) => Some(m),
        _ => None,
    }
}

/// What identifies an execution on this server: its ARN after `:execution:` (`machine:name`); any other
/// text is its own id.
pub fn execution_short(execution_arn: &str) -> &str {
    match parse(execution_arn) {
        Some(Arn::Execution { short, .. }) => short,
        _ => execution_arn,
    }
}

/// The state machine an execution ARN belongs to (`…:execution:M:N` → `…:stateMachine:M`).
pub fn machine_of_execution(execution_arn: &str) -> Option<String> {
    let (prefix, _, _) = split(execution_arn)?;
    match parse(execution_arn)? {
        Arn::Execution { machine, .. } | Arn::Express { machine, .. } => {
            Some(format!("{prefix}stateMachine:{machine}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "arn:aws:states:us-east-1:123456789012:";

    #[test]
    fn what_a_scope_builds_parses_back() {
        let s = Scope::new("us-east-1", "123456789012");
        assert_eq!(s.prefix(), P);
        let m = s.state_machine("m");
        assert_eq!(
            machine(&m),
            Some(MachineRef {
                machine: &m,
                name: "m",
                qualifier: Qualifier::Latest
            })
        );
        let v = version(&m, 7);
        assert_eq!(
            machine(&v),
            Some(MachineRef {
                machine: &m,
                name: "m",
                qualifier: Qualifier::Version(7)
            })
        );
        let a = alias(&m, "prod");
        assert_eq!(
            machine(&a).map(|r| r.qualifier),
            Some(Qualifier::Alias("prod"))
        );
        let e = s.execution("m", "e1");
        assert_eq!(
            parse(&e),
            Some(Arn::Execution {
                short: "m:e1",
                machine: "m",
                name: "e1"
            })
        );
        assert_eq!(execution_short(&e), "m:e1");
        assert_eq!(s.execution_of("m:e1"), e);
        assert_eq!(machine_of_execution(&e), Some(m.clone()));
        let x = s.express_execution("m", "e1", "abc");
        assert_eq!(
            parse(&x),
            Some(Arn::Express {
                machine: "m",
                name: "e1"
            })
        );
        assert_eq!(machine_of_execution(&x), Some(m));
        assert_eq!(parse(&s.activity("a")), Some(Arn::Activity { name: "a" }));
        assert_eq!(s.default_role(), "arn:aws:iam::123456789012:role/stepd");
    }

    #[test]
    fn other_texts_are_not_arns_of_ours() {
        for bad in [
            "",
            "arn:nope",
            "arn:aws:lambda:us-east-1:123456789012:function:f",
            &format!("{P}stateMachine:"),
            &format!("{P}stateMachine:m:1:2"),
            &format!("{P}execution:m"),
            &format!("{P}execution:m::"),
            &format!("{P}activity:a:b"),
            &format!("{P}table:t"),
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(execution_short("m:e"), "m:e");
    }

    #[test]
    fn a_header_names_the_scope_and_the_kind() {
        let h = header("arn:aws-cn:states:cn-north-1:123456789012:express:m:e:0f").unwrap();
        assert_eq!(
            (h.partition, h.region, h.account, h.kind, h.names),
            ("aws-cn", "cn-north-1", "123456789012", "express", "m:e:0f")
        );
        assert_eq!(header("arn:aws:lambda:r:a:function:f"), None);
        assert_eq!(header("arn:aws:states:r:a:stateMachine"), None, "no names");
    }
}
