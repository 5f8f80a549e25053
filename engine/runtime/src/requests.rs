//! What can be asked of the writer: one `Request` per operation that changes something, with the channel
//! its answer goes back on (the writer answers only after the commit that makes the change durable).

use crate::Error;
use serde_json::Value;
use stepd_adapter::TaskError;
use stepd_core::Millis;
use tokio::sync::oneshot;

/// Something asked of the writer.
pub(crate) enum Request {
    /// A change to the catalog: state machines, versions, aliases, tags, activities (see `catalog`).
    Catalog(CatalogOp),
    Start {
        state_machine: String,
        name: String,
        input: Value,
        reply: oneshot::Sender<Result<String, Error>>,
    },
    Callback {
        token: String,
        answer: Answer,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// A worker asks for an activity task; the reply waits until one is there (the caller bounds the wait).
    GetActivityTask {
        activity: String,
        reply: oneshot::Sender<(String, Value)>,
    },
    Stop {
        execution: String,
        error: Option<String>,
        cause: Option<String>,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// RedriveExecution (see `executions`).
    Redrive {
        execution: String,
        client_token: Option<String>,
        reply: oneshot::Sender<Result<Millis, Error>>,
    },
    /// A timer is due (sent by the timer sleeper; a timer already fired or cancelled is ignored).
    Timer { execution: String, timer: u64 },
    /// Remove finished executions past retention (sent periodically).
    Sweep,
    /// An adapter finished a task (a task no longer waited for is ignored).
    TaskDone(TaskDone),
    /// The Job Scheduler's place task (see `jobs::place`).
    Place {
        input: Value,
        reply: oneshot::Sender<Result<Value, TaskError>>,
    },
    /// A change to the schedules, or their fire (see `schedules`).
    Schedule(ScheduleOp),
}

/// An adapter's answer to a task.
pub(crate) struct TaskDone {
    pub execution: String,
    pub task: u64,
    /// The task's resource (the job layer follows its cluster tasks).
    pub resource: String,
    pub result: Result<Value, TaskError>,
}

/// A change to the catalog (answered after the commit that makes it durable).
pub(crate) enum CatalogOp {
    /// CreateStateMachine; with `publish` (a version description) it also publishes version 1. Answers the
    /// machine's ARN and the version's.
    Register {
        spec: crate::MachineSpec,
        /// The spec's definition, checked, and its id.
        def: stepd_asl::model::Definition,
        id: String,
        reply: oneshot::Sender<Result<(String, Option<String>), Error>>,
    },
    /// UpdateStateMachine (see `versions`).
    Update {
        arn: String,
        definition: Option<crate::versions::Checked>,
        role_arn: Option<String>,
        publish: Option<String>,
        reply: oneshot::Sender<Result<crate::Updated, Error>>,
    },
    /// PublishStateMachineVersion.
    Publish {
        arn: String,
        revision: Option<String>,
        description: String,
        reply: oneshot::Sender<Result<crate::VersionRecord, Error>>,
    },
    /// DeleteStateMachineVersion.
    DeleteVersion {
        arn: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// Create/Update/DeleteStateMachineAlias (see `aliases`).
    Alias(AliasOp),
    /// TagResource / UntagResource (see `tags`).
    Retag {
        arn: String,
        add: crate::Tags,
        remove: Vec<String>,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// DeleteStateMachine (see `deletion`).
    DeleteMachine {
        arn: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// Registers an activity; answers its ARN.
    CreateActivity {
        name: String,
        tags: crate::Tags,
        reply: oneshot::Sender<Result<String, Error>>,
    },
    /// Deletes an activity's record (tasks already waiting for it stay until they time out, as in AWS).
    DeleteActivity {
        arn: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
}

/// A change to the schedules.
pub(crate) enum ScheduleOp {
    /// CreateSchedule / UpdateSchedule.
    Put {
        spec: Box<crate::schedules::ScheduleSpec>,
        parsed: Box<stepd_schedule::Schedule>,
        replace: bool,
        reply: crate::schedules::ScheduleReply,
    },
    /// DeleteSchedule.
    Delete {
        name: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// A schedule is due (sent by the schedule sleeper).
    Fire,
}

/// A change to an alias; routing is (version ARN, weight).
pub(crate) enum AliasOp {
    Create {
        machine: String,
        name: String,
        description: String,
        routing: Vec<(String, u8)>,
        reply: oneshot::Sender<Result<String, Error>>,
    },
    Update {
        arn: String,
        description: Option<String>,
        routing: Option<Vec<(String, u8)>>,
        reply: oneshot::Sender<Result<Millis, Error>>,
    },
    Delete {
        arn: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
}

/// How a callback answers a task.
pub(crate) enum Answer {
    Success(Value),
    Failure { error: String, cause: String },
    Heartbeat,
}
