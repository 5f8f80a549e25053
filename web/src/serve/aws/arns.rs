//! ARN shapes: a request whose `…Arn` field is not an ARN of the kind the field names is answered with
//! `InvalidArn` before anything else looks at it (a well-formed ARN of nothing is the resource's own
//! "does not exist" error instead, as in AWS). An ARN of another partition is `InvalidArn` too; one of
//! another region or account names nothing on this server (keys hold only the part after the account, so
//! without this check it would act on the local resource of the same name): the resource's "does not
//! exist" error, which is what a regional endpoint answers for a resource it does not hold.

use crate::serve::error::{ApiError, Code};
use serde_json::Value;
use stepd_runtime::Error;

/// What an ARN field may name.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A state machine, a version or an alias.
    Machine,
    /// A version or an alias.
    Qualified,
    /// A STANDARD or EXPRESS execution.
    Execution,
    Activity,
}

/// Which kinds each ARN field accepts.
fn kinds(field: &str) -> Option<&'static [Kind]> {
    Some(match field {
        "stateMachineArn" => &[Kind::Machine],
        "stateMachineVersionArn" | "stateMachineAliasArn" => &[Kind::Qualified],
        "executionArn" => &[Kind::Execution],
        "activityArn" => &[Kind::Activity],
        "resourceArn" => &[Kind::Machine, Kind::Activity],
        _ => return None,
    })
}

/// Whether `arn` is `arn:<partition>:states:<region>:<account>:<kind>:<names…>` (read by
/// `stepd_core::arn`, the one ARN parser) naming one of `allowed`, with a 12-digit account and names of
/// at most 80 characters.
fn well_formed(arn: &str, allowed: &[Kind]) -> bool {
    use stepd_core::arn::{self, Arn, Qualifier};
    let (Some(h), Some(parsed)) = (arn::header(arn), arn::parse(arn)) else {
        return false;
    };
    let kind = match parsed {
        Arn::StateMachine(m) if m.qualifier == Qualifier::Latest => Kind::Machine,
        Arn::StateMachine(_) => Kind::Qualified,
        Arn::Execution { .. } | Arn::Express { .. } => Kind::Execution,
        Arn::Activity { .. } => Kind::Activity,
    };
    let fits =
        allowed.contains(&kind) || (kind == Kind::Qualified && allowed.contains(&Kind::Machine));
    fits && h.partition.starts_with("aws")
        && !h.region.is_empty()
        && h.account.len() == 12
        && h.account.bytes().all(|b| b.is_ascii_digit())
        && h.names.split(':').all(|n| n.chars().count() <= 80)
}

/// The error for a well-formed ARN in field `field` that names nothing on this server.
fn not_here(field: &str, arn: &str) -> ApiError {
    match field {
        "stateMachineArn" => Error::StateMachineDoesNotExist(arn.into()).into(),
        "executionArn" => Error::ExecutionDoesNotExist(arn.into()).into(),
        "activityArn" => ApiError::new(
            Code::ActivityDoesNotExist,
            format!("Activity Does Not Exist: '{arn}'"),
        ),
        _ => Error::ResourceNotFound(arn.into()).into(),
    }
}

fn invalid(arn: &str) -> ApiError {
    ApiError::new(Code::InvalidArn, format!("Invalid Arn: '{arn}'"))
}

/// Checks one ARN field against its shape and this server's prefix (`arn:aws:states:<region>:<account>:`).
fn check_one(field: &str, arn: &str, own: &str) -> Result<(), ApiError> {
    let Some(allowed) = kinds(field) else {
        return Ok(());
    };
    if !well_formed(arn, allowed) {
        return Err(invalid(arn));
    }
    let partition = |a: &str| a.split(':').nth(1).map(str::to_string);
    if partition(arn) != partition(own) {
        return Err(invalid(arn));
    }
    if !arn.starts_with(own) {
        return Err(not_here(field, arn));
    }
    Ok(())
}

/// Checks every ARN field of a request, and the version ARNs of an alias's routing configuration; `own`
/// is this server's ARN prefix.
pub(super) fn check(input: &Value, own: &str) -> Result<(), ApiError> {
    let Some(fields) = input.as_object() else {
        return Ok(());
    };
    for (name, value) in fields {
        if let Some(arn) = value.as_str() {
            check_one(name, arn, own)?;
        }
    }
    let routes = input.get("routingConfiguration").and_then(Value::as_array);
    for route in routes.into_iter().flatten() {
        if let Some(arn) = route.get("stateMachineVersionArn").and_then(Value::as_str) {
            check_one("stateMachineVersionArn", arn, own)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let sm = kinds("stateMachineArn").unwrap_or_default();
        assert!(well_formed(
            "arn:aws:states:us-east-1:123456789012:stateMachine:m",
            sm
        ));
        assert!(well_formed(
            "arn:aws:states:us-east-1:123456789012:stateMachine:m:3",
            sm
        ));
        for bad in [
            "arn:nope",
            "m",
            "arn:aws:states:us-east-1:123456789012:activity:m",
            "arn:aws:states:us-east-1:123:stateMachine:m",
            "arn:aws:states:us-east-1:123456789012:stateMachine:",
            "arn:aws:lambda:us-east-1:123456789012:stateMachine:m",
        ] {
            assert!(!well_formed(bad, sm), "{bad}");
        }
        let ex = kinds("executionArn").unwrap_or_default();
        assert!(well_formed(
            "arn:aws:states:us-east-1:123456789012:execution:m:e",
            ex
        ));
        assert!(!well_formed(
            "arn:aws:states:us-east-1:123456789012:execution:m",
            ex
        ));
    }

    #[test]
    fn foreign_arns() {
        let own = "arn:aws:states:us-east-1:123456789012:";
        let name = |field: &str, arn: &str| check_one(field, arn, own).err().map(|e| e.code);
        let e = "execution:m:e";
        assert_eq!(name("executionArn", &format!("{own}{e}")), None);
        assert_eq!(
            name(
                "executionArn",
                &format!("arn:aws:states:eu-west-1:123456789012:{e}")
            ),
            Some(Code::ExecutionDoesNotExist)
        );
        assert_eq!(
            name(
                "executionArn",
                &format!("arn:aws:states:us-east-1:210987654321:{e}")
            ),
            Some(Code::ExecutionDoesNotExist)
        );
        assert_eq!(
            name(
                "executionArn",
                &format!("arn:aws-cn:states:us-east-1:123456789012:{e}")
            ),
            Some(Code::InvalidArn)
        );
        assert_eq!(
            name(
                "activityArn",
                "arn:aws:states:us-west-2:123456789012:activity:a"
            ),
            Some(Code::ActivityDoesNotExist)
        );
        assert_eq!(
            name(
                "stateMachineArn",
                "arn:aws:states:us-west-2:123456789012:stateMachine:m"
            ),
            Some(Code::StateMachineDoesNotExist)
        );
    }
}
