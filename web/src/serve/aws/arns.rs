//! ARN shapes: a request whose `…Arn` field is not an ARN of the kind the field names is answered with
//! `InvalidArn` before anything else looks at it (a well-formed ARN of nothing is the resource's own
//! "does not exist" error instead, as in AWS). An ARN of another partition is `InvalidArn` too; one of
//! another region or account names nothing on this server (keys hold only the part after the account, so
//! without this check it would act on the local resource of the same name): the resource's "does not
//! exist" error, which is what a regional endpoint answers for a resource it does not hold.

use crate::serve::error::{ApiError, Code};
use serde_json::Value;
use stepd_runtime::Error;

/// Which resource kinds (the ARN's sixth part) each field accepts, and how many name parts follow.
fn kinds(field: &str) -> Option<&'static [(&'static str, usize, usize)]> {
    Some(match field {
        "stateMachineArn" => &[("stateMachine", 1, 2)],
        "stateMachineVersionArn" | "stateMachineAliasArn" => &[("stateMachine", 2, 2)],
        "executionArn" => &[("execution", 2, 2), ("express", 3, 3)],
        "activityArn" => &[("activity", 1, 1)],
        "resourceArn" => &[("stateMachine", 1, 2), ("activity", 1, 1)],
        _ => return None,
    })
}

/// Whether `arn` is `arn:<partition>:states:<region>:<account>:<kind>:<names…>` for one of `allowed`.
fn well_formed(arn: &str, allowed: &[(&str, usize, usize)]) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 7
        || parts[0] != "arn"
        || !parts[1].starts_with("aws")
        || parts[2] != "states"
        || parts[3].is_empty()
        || parts[4].len() != 12
        || !parts[4].bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    let names = &parts[6..];
    allowed.iter().any(|(kind, min, max)| {
        parts[5] == *kind
            && (*min..=*max).contains(&names.len())
            && names
                .iter()
                .all(|n| !n.is_empty() && n.chars().count() <= 80)
    })
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
