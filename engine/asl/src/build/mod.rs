//! Building the model from JSON: every field read, typed and checked, every problem collected.
//!
//! State machines are read from a work queue rather than by recursion, so nesting depth costs no stack.

mod choice;
mod fields;
mod map;
mod msg;
mod obj;
mod state;

use crate::Options;
use crate::check::graph::{Graph, Vertex};
use crate::diagnostic::{Code, Diagnostic};
use crate::json::At;
use crate::model::{Definition, Machine, MachineId, QueryLanguage};
use crate::node::Node;
use obj::Obj;
use rustc_hash::FxHashMap;
use std::collections::{HashMap, VecDeque};

/// Longest state name AWS accepts, in characters.
pub const MAX_STATE_NAME_CHARS: usize = 80;

/// A state machine waiting to be read.
struct Pending<'a> {
    id: MachineId,
    obj: Obj<'a>,
    owner: Option<(MachineId, usize)>,
    via: String,
}

pub(crate) struct Builder<'a> {
    pub(crate) d: Vec<Diagnostic>,
    pub(crate) options: Options,
    /// The top-level `QueryLanguage`; a JSONata machine may not contain JSONPath states.
    pub(crate) top_ql: QueryLanguage,
    queue: VecDeque<Pending<'a>>,
    next_id: usize,
    pub(crate) graphs: Vec<Graph<'a>>,
    /// Map labels seen so far, for the uniqueness check.
    pub(crate) labels: HashMap<String, String>,
}

impl<'a> Builder<'a> {
    /// Queues a branch or item processor and returns the id it will have.
    pub(crate) fn enqueue(
        &mut self,
        obj: Obj<'a>,
        owner: (MachineId, usize),
        via: String,
    ) -> MachineId {
        let id = MachineId(self.next_id);
        self.next_id += 1;
        self.queue.push_back(Pending {
            id,
            obj,
            owner: Some(owner),
            via,
        });
        id
    }
}

/// Reads a parsed document into a definition; `None` when any error was found (see `d`).
pub(crate) fn build(v: Node<'_>, options: Options, d: &mut Vec<Diagnostic>) -> Option<Definition> {
    let Node::Object(map) = v else {
        d.push(Diagnostic::unlocated(
            Code::InvalidJsonDescription,
            "Definition must be a valid JSON object",
        ));
        return None;
    };
    let mut top = Obj::new(At::root(), map);
    let mut b = Builder {
        d: std::mem::take(d),
        options,
        top_ql: QueryLanguage::JSONPath,
        queue: VecDeque::new(),
        next_id: 1,
        graphs: Vec::new(),
        labels: HashMap::new(),
    };
    let version = top.string("Version", &mut b.d);
    let timeout_seconds = top.uint("TimeoutSeconds", &mut b.d);
    if timeout_seconds == Some(0) {
        top.error("TimeoutSeconds", msg::minimum(1), &mut b.d);
    }
    let top_ql = query_language(&mut top, &mut b.d).unwrap_or_default();
    b.top_ql = top_ql;
    b.queue.push_back(Pending {
        id: MachineId(0),
        obj: top,
        owner: None,
        via: String::new(),
    });

    let mut machines = Vec::new();
    while let Some(p) = b.queue.pop_front() {
        machines.push(machine(&mut b, p));
    }
    crate::check::graph::check(&b.graphs, &mut b.d);
    *d = b.d;
    if d.iter().any(|x| x.severity == crate::Severity::Error) {
        return None;
    }
    let comment = machines
        .first_mut()
        .and_then(|m: &mut Machine| m.comment.clone());
    Some(Definition {
        comment,
        version,
        timeout_seconds,
        query_language: top_ql,
        machines,
    })
}

/// Reads `QueryLanguage` if present.
/// Reads `QueryLanguage` if present. As on AWS, only the exact string `JSONPath` means JSONPath: any other value
/// is reported and then treated as JSONata.
pub(crate) fn query_language(o: &mut Obj<'_>, d: &mut Vec<Diagnostic>) -> Option<QueryLanguage> {
    let v = o.take("QueryLanguage")?;
    match v.as_str() {
        Some("JSONPath") => Some(QueryLanguage::JSONPath),
        Some("JSONata") => Some(QueryLanguage::JSONata),
        Some(_) => {
            o.error("QueryLanguage", msg::one_of(&["JSONPath", "JSONata"]), d);
            Some(QueryLanguage::JSONata)
        }
        None => {
            o.error("QueryLanguage", msg::wrong_type("STRING"), d);
            Some(QueryLanguage::JSONata)
        }
    }
}

fn machine<'a>(b: &mut Builder<'a>, p: Pending<'a>) -> Machine {
    let Pending {
        id,
        mut obj,
        owner,
        via,
    } = p;
    let comment = obj.string("Comment", &mut b.d);
    let states_obj = if obj.has("States") {
        obj.object("States", &mut b.d)
    } else {
        obj.missing("States");
        None
    };
    let start_at = obj.req_string("StartAt", &mut b.d);
    let here = obj.at.clone();
    obj.finish(&mut b.d);

    let mut states = Vec::new();
    let mut index = FxHashMap::default();
    let mut graph = Graph {
        at: here,
        start_at: start_at.clone(),
        nodes: Vec::new(),
    };
    if let Some(states_obj) = states_obj {
        let (states_at, map) = states_obj.into_entries();
        states.reserve_exact(map.len());
        index.reserve(map.len());
        graph.nodes.reserve_exact(map.len());
        if map.is_empty() {
            b.d.push(Diagnostic::error(
                Code::SchemaValidationFailed,
                states_at.render(),
                msg::EMPTY,
            ));
        }
        for (name, v) in map {
            let here = states_at.key(name.clone());
            check_name(&name, &here, &mut b.d);
            let mut node = Vertex {
                name: name.clone(),
                targets: Vec::new(),
                terminal: false,
            };
            let name = name.into_owned();
            let position = states.len();
            if let Some(s) = state::build(b, name, here, v, (id, position), &mut node) {
                index.insert(s.name.clone(), position);
                states.push(s);
            }
            graph.nodes.push(node);
        }
    }
    debug_assert_eq!(b.graphs.len(), id.0);
    b.graphs.push(graph);
    let query_language = b.top_ql;
    Machine {
        owner,
        via,
        comment,
        start_at: start_at.unwrap_or_default(),
        query_language,
        states,
        index,
    }
}

fn check_name(name: &str, here: &At<'_>, d: &mut Vec<Diagnostic>) {
    let chars = name.chars().count();
    let why = if chars > MAX_STATE_NAME_CHARS {
        format!("State exceeds the {MAX_STATE_NAME_CHARS}-character limit allowed by the service")
    } else if chars == 0 {
        "State name cannot be empty".to_string()
    } else if name.chars().any(char::is_control) {
        "State name contains control characters".to_string()
    } else {
        return;
    };
    d.push(Diagnostic::error(
        Code::InvalidStateName,
        here.render(),
        format!("Invalid State name: {why}"),
    ));
}
