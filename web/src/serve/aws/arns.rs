//! ARN shapes: a request whose `…Arn` field is not an ARN of the kind the field names is answered with
//! `InvalidArn` before anything else looks at it (a well-formed ARN of nothing is the resource's own
//! "does not exist" error instead, as in AWS).

use super::ApiError;
use serde_json::Value;

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

/// Checks every ARN field of a request.
pub(super) fn check(input: &Value) -> Result<(), ApiError> {
    let Some(fields) = input.as_object() else {
        return Ok(());
    };
    for (name, value) in fields {
        if let (Some(allowed), Some(arn)) = (kinds(name), value.as_str())
            && !well_formed(arn, allowed)
        {
            return Err(ApiError("InvalidArn", format!("Invalid Arn: '{arn}'")));
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
}
