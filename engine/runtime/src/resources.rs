//! Which Task resources this server runs: a definition's Task states whose resource no adapter claims
//! (and that are neither activities nor the job queue) are reported as warnings naming the resource and the
//! adapters there are, at upload and validation, instead of surfacing as an execution waiting forever.

use std::sync::Arc;
use stepd_adapter::Adapter;
use stepd_asl::model::{Definition, Kind, MachineId};
use stepd_asl::{Code, Diagnostic, Severity};

/// Where a machine's states sit, as a validation location (`/States/P/Branches[0]`).
fn machine_pointer(def: &Definition, id: MachineId) -> String {
    let m = &def.machines[id.0];
    match m.owner {
        None => String::new(),
        Some((parent, index)) => {
            let owner = &def.machines[parent.0].states[index].name;
            format!("{}/States/{owner}/{}", machine_pointer(def, parent), m.via)
        }
    }
}

/// Warnings for every Task resource nothing here runs.
pub fn unrun_resources(def: &Definition, adapters: &[Arc<dyn Adapter>]) -> Vec<Diagnostic> {
    let available = || {
        let names: Vec<String> = adapters.iter().map(|a| a.describe()).collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join("; ")
        }
    };
    let mut out = Vec::new();
    for (i, machine) in def.machines.iter().enumerate() {
        for state in &machine.states {
            let Kind::Task(task) = &state.kind else {
                continue;
            };
            let r = task.resource.as_str();
            if r == crate::jobs::QUEUE_RESOURCE
                || r == crate::jobs::PLACE_RESOURCE
                || stepd_core::is_activity(r)
                || stepd_adapter::find(adapters, r).is_some()
            {
                continue;
            }
            let message = if r.ends_with(".waitForTaskToken") {
                format!(
                    "Nothing on this server delivers the task token of resource '{r}': its executions will wait at this state until a client that learns the token otherwise answers it, or the state times out. Resources run here: {}",
                    available()
                )
            } else {
                format!(
                    "No adapter on this server runs the resource '{r}': its executions will fail at this state with States.TaskFailed. Resources run here: {}",
                    available()
                )
            };
            out.push(Diagnostic {
                severity: Severity::Warning,
                code: Code::UnknownResource,
                message,
                location: Some(format!(
                    "{}/States/{}/Resource",
                    machine_pointer(def, MachineId(i)),
                    state.name
                )),
                line: None,
                column: None,
            });
        }
    }
    out
}

impl crate::Runtime {
    /// Warnings for the Task resources of `def` that no adapter of this server runs.
    pub fn resource_warnings(&self, def: &Definition) -> Vec<Diagnostic> {
        unrun_resources(def, &self.adapters)
    }
}
