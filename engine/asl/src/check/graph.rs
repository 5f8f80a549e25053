//! Transition checks per state machine: every target exists, every state is reachable, the top level has a
//! terminal state, and no two states anywhere share a name. Walks are iterative.

use crate::diagnostic::{Code, Diagnostic};
use std::collections::{HashMap, HashSet};

/// What the graph checks need to know about one machine, gathered while it is built.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    pub(crate) start_at: Option<String>,
    pub(crate) start_ptr: String,
    pub(crate) nodes: Vec<Node>,
}

#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) ptr: String,
    /// Names this state may go to (`Next`, `Default`, choice and catch targets), with the pointer of each.
    pub(crate) targets: Vec<(String, String)>,
    /// `End: true`, Succeed or Fail.
    pub(crate) terminal: bool,
}

pub(crate) fn check(graphs: &[Graph], d: &mut Vec<Diagnostic>) {
    for (i, g) in graphs.iter().enumerate() {
        check_one(g, i == 0, d);
    }
    duplicate_names(graphs, d);
}

/// State names must be unique across the whole definition, branches and processors included.
fn duplicate_names(graphs: &[Graph], d: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for n in graphs.iter().flat_map(|g| &g.nodes) {
        if !seen.insert(n.name.as_str()) {
            let m = format!("Duplicate State name: {}", n.name);
            d.push(Diagnostic::error(Code::DuplicateStateName, n.ptr.clone(), m));
        }
    }
}

/// Dangling targets first, then (top level only) a missing terminal state, else unreachable states, as AWS
/// orders them. AWS reports both dangling targets and unreachable states as `MISSING_TRANSITION_TARGET`.
fn check_one(g: &Graph, top: bool, d: &mut Vec<Diagnostic>) {
    let index: HashMap<&str, usize> = g.nodes.iter().enumerate().map(|(i, n)| (n.name.as_str(), i)).collect();
    let Some(start) = g.start_at.as_deref() else { return };
    if g.nodes.is_empty() {
        return;
    }
    let first = index.get(start).copied();
    if first.is_none() {
        d.push(missing_target(start, &g.start_ptr));
    }
    for n in &g.nodes {
        for (target, ptr) in &n.targets {
            if !index.contains_key(target.as_str()) {
                d.push(missing_target(target, ptr));
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
            if let Some(&j) = index.get(t.as_str()) {
                if !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
    }
    // AWS asks only that the top level has a terminal state at all, not that one is reachable (a loop with no
    // exit inside a branch passes too).
    if top && !g.nodes.iter().any(|n| n.terminal) {
        d.push(Diagnostic::unlocated(Code::MissingEndState, "Workflow has no terminal state"));
        return;
    }
    for (n, reached) in g.nodes.iter().zip(&seen) {
        if !reached {
            let m = format!("State \"{}\" is not reachable.", n.name);
            d.push(Diagnostic::error(Code::MissingTransitionTarget, n.ptr.clone(), m));
        }
    }
}

fn missing_target(target: &str, ptr: &str) -> Diagnostic {
    // AWS says 'Next' whatever field (StartAt, Default, a Catch) named the missing state.
    Diagnostic::error(Code::MissingTransitionTarget, ptr, format!("Missing 'Next' target: {target}"))
}
