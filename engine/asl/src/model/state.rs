//! States: the fields common to all types (`State`, `Io`) and one struct per type that has its own.

use super::{Condition, Expr, MachineId, QueryLanguage, Template};
use crate::intrinsic::Call;
use crate::path::Path;

/// One named state.
#[derive(Debug)]
pub struct State {
    pub name: String,
    pub comment: Option<String>,
    /// The effective query language (own field, else the enclosing machine's).
    pub query_language: QueryLanguage,
    /// `Next` or `End`; `None` for Choice, Succeed and Fail, which set neither.
    pub transition: Option<Transition>,
    pub io: Io,
    pub kind: Kind,
}

impl State {
    /// The AWS type name (`Pass`, `Task`, ...).
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    Next(String),
    End,
}

/// Input/output processing. Absent path fields already hold their default `$`; a JSON `null` is `None`.
/// JSONPath states use the paths, `Parameters` and `ResultSelector`; JSONata states use `Arguments` and
/// `Output`; `Assign` is allowed in both.
#[derive(Debug, Default)]
pub struct Io {
    pub input_path: Option<Path>,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: Option<Path>,
    pub output_path: Option<Path>,
    pub arguments: Option<Template>,
    pub output: Option<Template>,
    pub assign: Option<Template>,
}

/// A value given literally, read from a JSONPath, computed by an intrinsic call (`ErrorPath`, `CausePath`)
/// or by a JSONata expression.
#[derive(Debug, Clone)]
pub enum Dyn<T> {
    Fixed(T),
    Path(Path),
    Intrinsic(Call),
    Expr(Expr),
}

/// What each state type adds.
#[derive(Debug)]
pub enum Kind {
    /// `Result`: a fixed value (a `Template::Literal`).
    Pass {
        result: Option<Template>,
    },
    Task(Task),
    Choice(Choice),
    Wait(Wait),
    Succeed,
    Fail(Fail),
    Parallel(Parallel),
    Map(Box<Map>),
}

impl Kind {
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Pass { .. } => "Pass",
            Kind::Task(_) => "Task",
            Kind::Choice(_) => "Choice",
            Kind::Wait(_) => "Wait",
            Kind::Succeed => "Succeed",
            Kind::Fail(_) => "Fail",
            Kind::Parallel(_) => "Parallel",
            Kind::Map(_) => "Map",
        }
    }

    /// Retry and Catch, for the types that have them.
    pub fn error_handling(&self) -> Option<(&[Retrier], &[Catcher])> {
        match self {
            Kind::Task(t) => Some((&t.retry, &t.catch)),
            Kind::Parallel(p) => Some((&p.retry, &p.catch)),
            Kind::Map(m) => Some((&m.retry, &m.catch)),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct Task {
    /// The resource ARN or URI, e.g. `arn:aws:states:::lambda:invoke.waitForTaskToken`.
    pub resource: String,
    pub timeout_seconds: Option<Dyn<u64>>,
    pub heartbeat_seconds: Option<Dyn<u64>>,
    pub credentials: Option<Template>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

#[derive(Debug)]
pub struct Choice {
    pub choices: Vec<ChoiceRule>,
    pub default: Option<String>,
}

#[derive(Debug)]
pub struct ChoiceRule {
    pub condition: Condition,
    pub next: String,
    pub comment: Option<String>,
    pub assign: Option<Template>,
    pub output: Option<Template>,
}

#[derive(Debug)]
pub struct Wait {
    pub until: WaitFor,
}

#[derive(Debug)]
pub enum WaitFor {
    Seconds(Dyn<u64>),
    /// An RFC 3339 timestamp (already checked when fixed).
    Timestamp(Dyn<String>),
}

#[derive(Debug, Default)]
pub struct Fail {
    pub error: Option<Dyn<String>>,
    pub cause: Option<Dyn<String>>,
}

#[derive(Debug)]
pub struct Parallel {
    pub branches: Vec<MachineId>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapMode {
    Inline,
    Distributed,
}

#[derive(Debug)]
pub struct Map {
    pub processor: MachineId,
    pub mode: MapMode,
    /// `ProcessorConfig.ExecutionType` of a distributed map (`STANDARD` or `EXPRESS`).
    pub execution_type: Option<String>,
    /// True when the definition used the legacy `Iterator` field.
    pub legacy_iterator: bool,
    /// JSONPath: where the items are (default `$`).
    pub items_path: Option<Path>,
    /// JSONata: the items, an array or an expression.
    pub items: Option<Template>,
    /// `ItemSelector`, or the legacy `Parameters` of a JSONPath Map.
    pub item_selector: Option<Template>,
    pub max_concurrency: Option<Dyn<u64>>,
    pub tolerated_failure_percentage: Option<Dyn<f64>>,
    pub tolerated_failure_count: Option<Dyn<u64>>,
    pub item_reader: Option<ItemReader>,
    pub item_batcher: Option<BatchSpec>,
    pub result_writer: Option<ResultWriter>,
    pub label: Option<String>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

#[derive(Debug)]
pub struct ItemReader {
    pub resource: String,
    pub reader_config: Option<Template>,
    /// `Parameters` (JSONPath) or `Arguments` (JSONata).
    pub arguments: Option<Template>,
}

#[derive(Debug)]
pub struct BatchSpec {
    pub max_items_per_batch: Option<Dyn<u64>>,
    pub max_input_bytes_per_batch: Option<Dyn<u64>>,
    pub batch_input: Option<Template>,
}

#[derive(Debug)]
pub struct ResultWriter {
    pub resource: Option<String>,
    pub writer_config: Option<Template>,
    pub arguments: Option<Template>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    None,
    Full,
}

#[derive(Debug)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: u64,
    pub max_attempts: u64,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub jitter: Jitter,
}

#[derive(Debug)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: String,
    /// JSONPath: where the error output goes (default `$`; `null` discards the input).
    pub result_path: Option<Path>,
    pub output: Option<Template>,
    pub assign: Option<Template>,
}
