//! `--mock` files for `stepd run`: canned Task answers per state name and call number, in the spirit of
//! Step Functions Local's MockedResponses.
//!
//! `{"StateName": {"0": {"Return": …}, "1-2": {"Throw": {"Error": …, "Cause": …}}, "3": {"Never": true}}}`.
//! Keys are call numbers (from 0) or ranges; calls past the last key get the last response. `"DelaySeconds"`
//! delays an answer (to exercise TimeoutSeconds); `"Never"` never answers (to exercise heartbeats/timeouts).

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::HashMap;

#[derive(Default)]
pub(crate) struct Mocks {
    states: HashMap<String, Vec<(usize, usize, Response)>>,
    calls: HashMap<String, usize>,
}

#[derive(Clone)]
pub(crate) struct Response {
    pub answer: Answer,
    pub delay_seconds: f64,
}

#[derive(Clone)]
pub(crate) enum Answer {
    Return(Value),
    Throw { error: String, cause: String },
    Never,
}

impl Mocks {
    pub(crate) fn parse(text: &str) -> Result<Mocks> {
        let v: Value = serde_json::from_str(text).context("the mock file is not valid JSON")?;
        let Value::Object(states) = v else {
            bail!("the mock file must be an object keyed by state name")
        };
        let mut out = Mocks::default();
        for (state, calls) in states {
            let Value::Object(calls) = calls else {
                bail!("mock for '{state}' must be an object keyed by call number")
            };
            let mut list = Vec::new();
            for (range, r) in calls {
                let parse = |s: &str| {
                    s.trim().parse::<usize>().with_context(|| {
                        format!("mock '{state}': '{range}' is not a call number or range")
                    })
                };
                let (from, to) = match range.split_once('-') {
                    Some((a, b)) => (parse(a)?, parse(b)?),
                    None => (parse(&range)?, parse(&range)?),
                };
                let answer = if let Some(v) = r.get("Return") {
                    Answer::Return(v.clone())
                } else if let Some(t) = r.get("Throw") {
                    let field = |k: &str| {
                        t.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    Answer::Throw {
                        error: field("Error"),
                        cause: field("Cause"),
                    }
                } else if r.get("Never").is_some() {
                    Answer::Never
                } else {
                    bail!("mock '{state}' call {range}: expected Return, Throw or Never");
                };
                let delay_seconds = r
                    .get("DelaySeconds")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0)
                    .max(0.0);
                list.push((
                    from,
                    to,
                    Response {
                        answer,
                        delay_seconds,
                    },
                ));
            }
            list.sort_by_key(|(from, _, _)| *from);
            out.states.insert(state, list);
        }
        Ok(out)
    }

    /// The answer to the next call of `state`'s task, if the file mocks it.
    pub(crate) fn next(&mut self, state: &str) -> Option<Response> {
        let n = self.calls.entry(state.to_string()).or_insert(0);
        let call = *n;
        *n += 1;
        let list = self.states.get(state)?;
        list.iter()
            .find(|(a, b, _)| (*a..=*b).contains(&call))
            .or(list.last())
            .map(|(_, _, r)| r.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_pick_their_range_and_repeat_the_last() {
        let mut m = Mocks::parse(r#"{"S": {"0": {"Throw": {"Error": "E", "Cause": "c"}}, "1-2": {"Return": 1}, "3": {"Return": 2}}}"#).unwrap();
        let answers: Vec<String> = (0..6)
            .map(|_| match m.next("S").unwrap().answer {
                Answer::Return(v) => v.to_string(),
                Answer::Throw { error, .. } => error,
                Answer::Never => "never".into(),
            })
            .collect();
        assert_eq!(answers, ["E", "1", "1", "2", "2", "2"]);
        assert!(m.next("Other").is_none());
        assert!(Mocks::parse(r#"{"S": {"x": {"Return": 1}}}"#).is_err());
        assert!(Mocks::parse(r#"{"S": {"0": {}}}"#).is_err());
    }
}
