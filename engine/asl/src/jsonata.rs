//! The JSONata bridge for validation: syntax via `jlens-core`, plus the references Step Functions refuses.

use crate::diagnostic::Code;

/// Checks the text between `{%` and `%}`. `$states.errorOutput` exists only in a Catch's `Output`/`Assign`.
pub(crate) fn check(text: &str, in_catch: bool) -> Result<(), (Code, String)> {
    if let Err(e) = jlens_core::parse(text) {
        return Err((Code::InvalidJsonataExpression, e.message()));
    }
    let code = outside_strings(text);
    if code.contains("$$") {
        return Err((
            Code::UnsupportedJsonataExpression,
            "Reference to '$$' is not supported.".into(),
        ));
    }
    if !in_catch && mentions(&code, "$states.errorOutput") {
        return Err((
            Code::UnsupportedJsonataExpression,
            "Field '$states.errorOutput' does not exist.".into(),
        ));
    }
    Ok(())
}

/// True when `name` occurs and is not just the prefix of a longer identifier.
fn mentions(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(i, _)| {
        !code[i + name.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
    })
}

/// The expression with string literals and comments blanked, so names inside them do not count.
fn outside_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                out.push(' ');
                let mut escaped = false;
                for n in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if n == '\\' {
                        escaped = true;
                    } else if n == c {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut prev = ' ';
                for n in chars.by_ref() {
                    if prev == '*' && n == '/' {
                        break;
                    }
                    prev = n;
                }
                out.push(' ');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_carry_the_parser_message() {
        let (code, msg) = check("$states.input.", false).unwrap_err();
        assert_eq!(code, Code::InvalidJsonataExpression);
        assert!(!msg.is_empty() && !msg.starts_with('S'), "{msg}");
        assert!(check("$sum([1,2,3]) % 2", false).is_ok());
        assert!(check(&"(".repeat(100_000), false).is_err());
    }

    #[test]
    fn unsupported_references_are_refused_outside_strings() {
        assert_eq!(
            check("$$.Execution", false).unwrap_err().0,
            Code::UnsupportedJsonataExpression
        );
        assert!(check("'$$ is fine in a string'", false).is_ok());
        assert!(check("$states.errorOutput.Error", false).is_err());
        assert!(check("$states.errorOutput.Error", true).is_ok());
        assert!(check("\"$states.errorOutput\"", false).is_ok());
    }
}
