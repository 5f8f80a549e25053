//! `Runtime`: the handle callers use. Every call that changes something returns only after its writes are
//! durable in the store.

use crate::Error;
use crate::records;
use crate::writer::{Request, Writer};
use std::sync::Arc;
use stepd_core::Millis;
use stepd_store::Store;
use tokio::sync::{mpsc, oneshot};

/// Where ARNs say the runtime lives, and how it keeps things.
#[derive(Clone)]
pub struct Config {
    pub region: String,
    pub account: String,
    /// Milliseconds since the epoch (tests may pass their own).
    pub clock: fn() -> Millis,
    /// How long finished executions and their history are kept.
    pub retention: std::time::Duration,
    /// How often the background sweep removes executions past retention.
    pub sweep_every: std::time::Duration,
    /// How many executions stay in memory after a commit; the others wait on disk until a callback,
    /// timer or stop names them.
    pub cache: usize,
    /// What runs Task resources other than callbacks and activities (the first that claims one runs it);
    /// none by default: the `stepd` binary builds them from its configuration.
    pub adapters: Vec<Arc<dyn crate::Adapter>>,
    /// How many heavy reads (`Runtime::read`: listings, history replays, validation) run at once, off the
    /// async workers; the others wait their turn, so they cannot starve cheap requests of the CPU.
    pub readers: usize,
    /// Bytes of definition text whose parsed form stays in memory (a parsed definition is about a
    /// dozen times its text); others are parsed again when used.
    pub definition_cache: usize,
    /// The job layer: known clusters and tenants, the placement policy, the Job Scheduler machine.
    pub jobs: crate::jobs::JobsConfig,
    /// Client requests waiting for the writer at most; past it they are refused with `Error::Throttled`
    /// at once, not queued without bound. (The runtime's own requests, task answers and timers, which
    /// only finish work already accepted, are not counted.)
    pub queue: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            region: "us-east-1".into(),
            account: "123456789012".into(),
            clock: wall_clock,
            // Step Functions keeps closed Standard executions for 90 days.
            retention: std::time::Duration::from_secs(90 * 24 * 3600),
            sweep_every: std::time::Duration::from_secs(60),
            cache: 10_000,
            adapters: Vec::new(),
            // Half the cores: the other half stays for the writer and the cheap requests.
            readers: std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
            definition_cache: 4 << 20,
            jobs: crate::jobs::JobsConfig::default(),
            // Eight full commit groups: about half a second of work at the writer's pace.
            queue: 8 * crate::writer::MAX_GROUP,
        }
    }
}

fn wall_clock() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

/// What CreateStateMachine asks for.
#[derive(Debug, Clone, Default)]
pub struct MachineSpec {
    pub name: String,
    pub definition: String,
    /// The role executions report (`$$.Execution.RoleArn`, ExecutionStarted); stepd assumes no IAM role.
    pub role_arn: String,
    pub tags: crate::Tags,
    pub express: bool,
    /// Publish version 1 with this description.
    pub publish: Option<String>,
}

impl MachineSpec {
    /// A STANDARD machine without tags, role or version.
    pub fn new(name: &str, definition: &str) -> MachineSpec {
        MachineSpec {
            name: name.to_string(),
            definition: definition.to_string(),
            ..MachineSpec::default()
        }
    }
}

/// A running runtime (cheap to clone).
#[derive(Clone)]
pub struct Runtime {
    /// Client requests (bounded: see `Config::queue`).
    pub(crate) requests: mpsc::Sender<Request>,
    pub(crate) store: Arc<dyn Store>,
    /// Parsed definitions (shared with the writer).
    pub(crate) definitions: crate::definitions::Definitions,
    pub(crate) arns: records::Arns,
    pub(crate) adapters: Arc<[Arc<dyn crate::Adapter>]>,
    pub(crate) clock: fn() -> Millis,
    changes: tokio::sync::broadcast::Sender<String>,
    /// EXPRESS machines (kept by the writer).
    pub(crate) express: Arc<std::sync::RwLock<std::collections::HashSet<String>>>,
    /// Why the writer stopped, once it has (set before it drops the requests it was holding).
    halted: Arc<std::sync::OnceLock<String>>,
    /// Turns for heavy reads (see `Config::readers`).
    pub(crate) readers: Arc<tokio::sync::Semaphore>,
    /// The clusters and tenants jobs are checked against (see `jobs::spec`).
    pub(crate) jobs_known: Arc<crate::jobs::Known>,
    /// Where recent history pages stopped (see `history::Cursor`).
    pub(crate) cursors: crate::history::Cursors,
}

impl Runtime {
    /// Loads what serving needs from `store` (not the parked executions: see `recovery`), delivers again
    /// the adapter tasks a crash interrupted, and starts the writer and the timer sleeper (call inside a
    /// tokio runtime).
    pub fn start(store: Arc<dyn Store>, config: Config) -> Result<Runtime, Error> {
        let (clients, from_clients) = mpsc::channel(config.queue.max(1));
        let (tx, rx) = mpsc::unbounded_channel();
        let (wake, woken) = mpsc::unbounded_channel();
        let arns = records::Arns::new(&config.region, &config.account);
        let (changes, _) = tokio::sync::broadcast::channel(4096);
        let halted = Arc::new(std::sync::OnceLock::new());
        let (schedule_wake, schedule_due) = tokio::sync::watch::channel(None);
        let mut writer = Writer::new(
            Arc::clone(&store),
            &config,
            crate::writer::Wiring {
                requests: tx.clone(),
                timers: wake,
                changes: changes.clone(),
                halted: Arc::clone(&halted),
                schedule_wake,
            },
        );
        let adapters = Arc::clone(&writer.adapters);
        let definitions = writer.definitions.clone();
        let express = Arc::clone(&writer.express);
        let redeliver = crate::recovery::recover(&mut writer)?;
        crate::jobs::recover(&mut writer)?;
        writer.recover_schedules((config.clock)())?;
        let _ = writer.schedule_wake.send(writer.next_schedule());
        tokio::spawn(crate::schedules::sleeper(
            tx.clone(),
            schedule_due,
            config.clock,
        ));
        for (execution, task, entry) in redeliver {
            crate::dispatch::dispatch(&writer.adapters, &tx, execution, task, entry);
        }
        tokio::spawn(crate::timers::sleeper(
            arns.clone(),
            Arc::clone(&store),
            config.clock,
            tx.clone(),
            woken,
        ));
        tokio::spawn(writer.run(rx, from_clients));
        let sweeper = tx.clone();
        let every = config.sweep_every;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if sweeper.send(Request::Sweep).is_err() {
                    return;
                }
            }
        });
        Ok(Runtime {
            requests: clients,
            store,
            definitions,
            arns,
            adapters,
            clock: config.clock,
            changes,
            express,
            halted,
            readers: Arc::new(tokio::sync::Semaphore::new(config.readers.max(1))),
            jobs_known: Arc::new(config.jobs.known.clone()),
            cursors: Arc::default(),
        })
    }

    /// What a request the writer can no longer answer fails with: the commit failure that stopped it, if
    /// one did.
    pub(crate) fn stopped(&self) -> Error {
        match self.halted.get() {
            Some(cause) => Error::Unavailable(cause.clone()),
            None => Error::Closed,
        }
    }

    /// The ARNs of executions as their changes commit (a receiver that falls behind gets `Lagged` and
    /// should re-read what it follows).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    /// The runtime's clock (`Config::clock`): milliseconds since the epoch.
    pub fn now(&self) -> Millis {
        (self.clock)()
    }

    /// The region and account of this server's ARNs (and its default role).
    pub fn scope(&self) -> &stepd_core::arn::Scope {
        &self.arns
    }

    /// `arn:aws:states:<region>:<account>:`, what every ARN of this server starts with (an ARN of another
    /// partition, region or account names nothing here).
    pub fn arn_prefix(&self) -> &str {
        self.arns.prefix()
    }

    /// The ARN of the state machine `name` on this server.
    pub fn state_machine_arn(&self, name: &str) -> String {
        self.arns.state_machine(name)
    }

    /// The ARN of execution `name` of state machine `machine` on this server.
    pub fn execution_arn(&self, machine: &str, name: &str) -> String {
        self.arns.execution(machine, name)
    }

    /// Hands a client request to the writer, or refuses it at once when the writer's queue is full.
    pub(crate) fn submit(&self, request: Request) -> Result<(), Error> {
        self.requests.try_send(request).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                tracing::warn!(
                    queue = self.requests.max_capacity(),
                    "the writer's queue is full: a request is throttled"
                );
                Error::Throttled(self.requests.max_capacity())
            }
            mpsc::error::TrySendError::Closed(_) => self.stopped(),
        })
    }

    pub(crate) async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, Error>>) -> Request,
    ) -> Result<T, Error> {
        let (reply, answer) = oneshot::channel();
        self.submit(make(reply))?;
        // The writer answers, or drops the reply when it stops. A request sent just as it stops can be
        // left in the closed channel (tokio drains it once, when the receiver goes): its caller learns of
        // the stop from the channel instead.
        tokio::select! {
            biased;
            answered = answer => answered.map_err(|_| self.stopped())?,
            () = self.requests.closed() => Err(self.stopped()),
        }
    }
}
