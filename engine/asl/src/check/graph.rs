//! Transition checks per state machine: every target exists, every state is reachable, the top level has a
//! terminal state, and no two states anywhere share a name. Walks are iterative.

use crate::diagnostic::{Code, Diagnostic};
use crate::json::At;
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;

/// What the graph checks need to know about one machine, gathered while it is built.
#[derive(Debug, Default)]
pub(crate) struct Graph<'a> {
    /// Location of the machine object.
    pub(crate) at: At<'a>,
    pub(crate) start_at: Option<String>,
    pub(crate) nodes: Vec<Vertex<'a>>,
}

#[derive(Debug)]
pub(crate) struct Vertex<'a> {
    /// Borrowed from the definition text when the name has no escapes.
    pub(crate) name: Cow<'a, str>,
    /// States this state may go to, with the field that names each (locations are built only for errors).
    pub(crate) targets: Vec<(String, Via)>,
    /// `End: true`, Succeed or Fail.
    pub(crate) terminal: bool,
}

/// Which field of a state names a transition target.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Via {
    Next,
    Default,
    Choice(usize),
    Catch(usize),
}

impl Graph<'_> {
    fn state_ptr(&self, name: &str) -> String {
        format!("{}/States/{name}", self.at.render())
    }

    fn target_ptr(&self, state: &str, via: Via) -> String {
        let s = self.state_ptr(state);
        match via {
            Via::Next => format!("{s}/Next"),
            Via::Default => format!("{s}/Default"),
            Via::Choice(i) => format!("{s}/Choices[{i}]/Next"),
            Via::Catch(i) => format!("{s}/Catch[{i}]/Next"),
        }
    }
}

pub(crate) fn check(graphs: &[Graph<'_>], d: &mut Vec<Diagnostic>) {
    for (i, g) in graphs.iter().enumerate() {
        check_one(g, i == 0, d);
    }
    duplicate_names(graphs, d);
}

/// State names must be unique across the whole definition, branches and processors included.
fn duplicate_names(graphs: &[Graph<'_>], d: &mut Vec<Diagnostic>) {
    let mut seen = FxHashSet::default();
    for (g, n) in graphs
        .iter()
        .flat_map(|g| g.nodes.iter().map(move |n| (g, n)))
    {
        if !seen.insert(n.name.as_ref()) {
            let m = format!("Duplicate State name: {}", n.name);
            d.push(Diagnostic::error(
                Code::DuplicateStateName,
                g.state_ptr(&n.name),
                m,
            ));
        }
    }
}

/// Dangling targets first, then (top level only) a missing terminal state, else unreachable states, as AWS
/// orders them. AWS reports both dangling targets and unreachable states as `MISSING_TRANSITION_TARGET`.
fn check_one(g: &Graph<'_>, top: bool, d: &mut Vec<Diagnostic>) {
    let index: FxHashMap<&str, usize> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_ref(), i))
        .collect();
    let Some(start) = g.start_at.as_deref() else {
        return;
    };
    if g.nodes.is_empty() {
        return;
    }
    let first = index.get(start).copied();
    if first.is_none() {
        d.push(missing_target(start, &format!("{}/StartAt", g.at.render())));
    }
    for n in &g.nodes {
        for (target, via) in &n.targets {
            if !index.contains_key(target.as_str()) {
                d.push(missing_target(target, &g.target_ptr(&n.name, *via)));
            }
        }
    }
    let mut seen = vec![false; g.nodes.len()];
    let mut stack: Vec<usize> = first.into_iter().collect();
    for &i in &stack {
        seen[i] = true;
    }
    while let Some(i) = stack.pop() {
        let n = &g.nodes[i];
        for (t, _) in &n.targets {
            if let Some(&j) = index.get(t.as_str())
                && !seen[j]
            {
                seen[j] = true;
                stack.push(j);
            }
        }
    }
    // AWS asks only that the top level has a terminal state at all, not that one is reachable (a loop with no
    // exit inside a branch passes too).
    if top && !g.nodes.iter().any(|n| n.terminal) {
        d.push(Diagnostic::unlocated(
            Code::MissingEndState,
            "Workflow has no terminal state",
        ));
        return;
    }
    for (n, reached) in g.nodes.iter().zip(&seen) {
        if !reached {
            let m = format!("State \"{}\" is not reachable.", n.name);
            d.push(Diagnostic::error(
                Code::MissingTransitionTarget,
                g.state_ptr(&n.name),
                m,
            ));
        }
    }
}

fn missing_target(target: &str, ptr: &str) -> Diagnostic {
    // AWS says 'Next' whatever field (StartAt, Default, a Catch) named the missing state.
    Diagnostic::error(
        Code::MissingTransitionTarget,
        ptr,
        format!("Missing 'Next' target: {target}"),
    )
}
