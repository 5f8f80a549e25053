//! The typed model of a whole ASL definition, for both query languages.
//!
//! State machines are kept in a flat arena (`Definition::machines`): a Parallel branch or a Map processor is a
//! `MachineId`, not a nested value. Ten thousand nested Parallel levels therefore cost no stack to build, walk
//! or drop, and the interpreter can address any state as (machine, index).

mod choice;
mod state;
mod template;

pub use choice::{Cmp, Condition, Operand, Rhs, Test, TypeTest};
pub use state::{
    BatchSpec, Catcher, Choice, ChoiceRule, Dyn, Fail, Io, ItemReader, Jitter, Kind, Map, MapMode,
    Parallel, ResultWriter, Retrier, State, Task, Transition, Wait, WaitFor,
};
pub use template::{Expr, Template};

use rustc_hash::FxHashMap;

/// Which language a state's fields are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum QueryLanguage {
    #[default]
    JSONPath,
    JSONata,
}

impl QueryLanguage {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryLanguage::JSONPath => "JSONPath",
            QueryLanguage::JSONata => "JSONata",
        }
    }
}

/// Index of a state machine in `Definition::machines`; 0 is the top-level machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MachineId(pub usize);

/// A whole, valid definition.
#[derive(Debug)]
pub struct Definition {
    pub comment: Option<String>,
    pub version: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub query_language: QueryLanguage,
    /// Every state machine of the definition: the top level first, then branches and processors.
    pub machines: Vec<Machine>,
}

impl Definition {
    /// The top-level state machine.
    pub fn root(&self) -> &Machine {
        &self.machines[0]
    }

    pub fn machine(&self, id: MachineId) -> &Machine {
        &self.machines[id.0]
    }

    /// Where a machine is in the document, in AWS's notation (`/States/P/Branches[0]`; empty at the top).
    /// Computed by walking the owners, so the model need not store ever longer strings.
    pub fn machine_location(&self, id: MachineId) -> String {
        let mut parts = Vec::new();
        let mut at = id;
        while let Some((owner, index)) = self.machine(at).owner {
            let m = self.machine(at);
            parts.push(format!(
                "/States/{}/{}",
                self.machine(owner).states[index].name,
                m.via
            ));
            at = owner;
        }
        parts.reverse();
        parts.concat()
    }

    /// Where a state is in the document, e.g. `/States/P/Branches[0]/States/A`.
    pub fn state_location(&self, id: MachineId, index: usize) -> String {
        format!(
            "{}/States/{}",
            self.machine_location(id),
            self.machine(id).states[index].name
        )
    }

    /// Number of states across all machines.
    pub fn state_count(&self) -> usize {
        self.machines.iter().map(|m| m.states.len()).sum()
    }
}

/// One state machine: the top level, a Parallel branch or a Map item processor.
#[derive(Debug)]
pub struct Machine {
    /// The state that contains this machine (Parallel or Map), if any.
    pub owner: Option<(MachineId, usize)>,
    /// The owner's field holding this machine: `Branches[2]`, `ItemProcessor` or `Iterator` (empty at the top).
    pub via: String,
    pub comment: Option<String>,
    pub start_at: String,
    /// Query language states inherit unless they set their own.
    pub query_language: QueryLanguage,
    /// States in document order.
    pub states: Vec<State>,
    pub(crate) index: FxHashMap<String, usize>,
}

impl Machine {
    /// Looks a state up by name.
    pub fn state(&self, name: &str) -> Option<&State> {
        self.index.get(name).map(|&i| &self.states[i])
    }

    /// Position of a state in `states`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}
