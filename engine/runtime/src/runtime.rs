//! `Runtime`: the handle callers use. Every call that changes something returns only after its writes are
//! durable in the store.

use crate::Error;
use crate::records;
use crate::writer::{Answer, Request, Writer};
use serde_json::Value;
use std::collections::HashMap;
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
    requests: mpsc::Sender<Request>,
    pub(crate) store: Arc<dyn Store>,
    /// Parsed definitions (shared with the writer).
    pub(crate) definitions: crate::definitions::Definitions,
    pub(crate) arns: records::Arns,
    pub(crate) adapters: Arc<[Arc<dyn crate::Adapter>]>,
    clock: fn() -> Millis,
    changes: tokio::sync::broadcast::Sender<String>,
    /// EXPRESS machines (kept by the writer).
    express: Arc<std::sync::RwLock<std::collections::HashSet<String>>>,
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
        let mut writer = Writer {
            halted: Arc::clone(&halted),
            store: Arc::clone(&store),
            clock: config.clock,
            machines: HashMap::new(),
            express: Arc::default(),
            definitions: crate::definitions::Definitions::new(config.definition_cache),
            live: HashMap::new(),
            cache: config.cache.max(1),
            uses: 0,
            ended: std::collections::HashSet::new(),
            activities: HashMap::new(),
            adapters: {
                // The place resource is the runtime's own: it reads and answers the job queue.
                let mut adapters = config.adapters;
                adapters.push(Arc::new(crate::jobs::PlaceTasks {
                    requests: tx.clone(),
                }));
                adapters.into()
            },
            retention: config.retention.as_millis() as Millis,
            requests: tx.clone(),
            timers: wake,
            earliest: None,
            changed: Vec::new(),
            poisoned: Vec::new(),
            changes: changes.clone(),
            arns: arns.clone(),
            seeds: (config.clock)() as u64,
            jobs: crate::jobs::Index::default(),
            jobs_config: config.jobs.clone(),
            schedules: Default::default(),
            schedule_wake,
        };
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
    fn stopped(&self) -> Error {
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
    fn submit(&self, request: Request) -> Result<(), Error> {
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
        answer.await.map_err(|_| self.stopped())?
    }

    /// Registers (or replaces) a state machine; returns its ARN.
    pub async fn register(&self, name: &str, definition: &str) -> Result<String, Error> {
        self.register_tagged(name, definition, crate::Tags::new())
            .await
    }

    /// Registers a state machine with tags, in one commit.
    pub async fn register_tagged(
        &self,
        name: &str,
        definition: &str,
        tags: crate::Tags,
    ) -> Result<String, Error> {
        let spec = MachineSpec {
            tags,
            ..MachineSpec::new(name, definition)
        };
        Ok(self.create_state_machine(spec).await?.0)
    }

    /// CreateStateMachine: registers a machine and, with `publish` (a version description), publishes
    /// version 1 in the same commit. Answers the machine's ARN and the version's.
    pub async fn create_state_machine(
        &self,
        spec: MachineSpec,
    ) -> Result<(String, Option<String>), Error> {
        // Checked here, off the async workers, not in the writer: a 1 MiB definition takes long enough to
        // check that it would hold up every commit behind it.
        let (spec, def, id) = self
            .read(move |_| {
                if !records::valid_name(&spec.name) {
                    return Err(Error::InvalidName(spec.name));
                }
                let def = crate::definitions::validated(&spec.definition, spec.express)?;
                let id = crate::definitions::id_of(&spec.definition);
                Ok((spec, def, id))
            })
            .await?;
        self.ask(|reply| Request::Register {
            spec,
            def,
            id,
            reply,
        })
        .await
    }

    /// StartSyncExecution: runs an EXPRESS machine's execution to its end in memory and answers how it
    /// ended (nothing is stored). A STANDARD machine is `StateMachineTypeNotSupported`, as in AWS.
    pub async fn start_sync_execution(
        &self,
        machine: &str,
        name: &str,
        input: Value,
    ) -> Result<crate::SyncOutcome, Error> {
        fits(&input, Error::InvalidExecutionInput)?;
        let (identity, compiled, seed) = self.express_identity(machine, name)?;
        let adapters = Arc::clone(&self.adapters);
        Ok(crate::express::run(&compiled, identity, seed, input, adapters, self.clock).await)
    }

    /// TestState: runs one state (a state's JSON, or `state_name` of a whole definition) on `input`, with
    /// `variables` assigned first.
    pub async fn test_state(
        &self,
        definition: &str,
        state_name: Option<&str>,
        input: Value,
        variables: Option<&serde_json::Map<String, Value>>,
        mock: Option<crate::Mock>,
    ) -> Result<crate::TestOutcome, Error> {
        fits(&input, Error::InvalidExecutionInput)?;
        if let Some(vars) = variables {
            vars.values()
                .try_for_each(|v| fits(v, Error::InvalidExecutionInput))?;
        }
        if let Some(crate::Mock::Result(v)) = &mock {
            fits(v, Error::Validation)?;
        }
        let now = (self.clock)();
        let adapters = &self.adapters;
        crate::test_state::run(
            definition, state_name, input, variables, mock, adapters, now,
        )
        .await
    }

    /// Identity, definition and seed for an EXPRESS execution of `machine` (or a version of it).
    fn express_identity(
        &self,
        machine: &str,
        name: &str,
    ) -> Result<(stepd_core::Identity, crate::definitions::Compiled, u64), Error> {
        if !records::valid_name(name) {
            return Err(Error::InvalidName(name.to_string()));
        }
        let routed = match crate::split_alias(machine) {
            Some((base, name)) => {
                let m = self.state_machine(base)?;
                let alias = m
                    .aliases
                    .get(name)
                    .ok_or_else(|| Error::StateMachineDoesNotExist(machine.to_string()))?;
                let n = crate::aliases::pick(alias, crate::executions::fresh_seed(0))
                    .ok_or_else(|| Error::StateMachineDoesNotExist(machine.to_string()))?;
                Some(stepd_core::arn::version(base, n))
            }
            None => None,
        };
        let machine = routed.as_deref().unwrap_or(machine);
        let (base, definition_id) = match crate::split_version(machine) {
            Some(_) => {
                let (v, _) = self.version(machine)?;
                (v.state_machine_arn, Some(v.definition_id))
            }
            None => (machine.to_string(), None),
        };
        let m = self.state_machine(&base)?;
        if !m.express {
            return Err(Error::StateMachineTypeNotSupported(machine.to_string()));
        }
        let id = definition_id.unwrap_or(m.definition_id);
        let compiled = self.definitions.get(&*self.store, &id)?;
        let now = (self.clock)();
        let seed = {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_i64(now);
            h.finish()
        };
        let mut identity = stepd_core::Identity::local(&m.name, name, now);
        identity.state_machine_arn = base;
        if !m.role_arn.is_empty() {
            identity.role_arn = m.role_arn.clone();
        }
        identity.execution_arn =
            self.arns
                .express_execution(&m.name, name, &format!("{seed:016x}"));
        Ok((identity, compiled, seed))
    }

    /// UpdateStateMachine: a new current definition and role (if given) and, with `publish`, a new version.
    pub async fn update_state_machine(
        &self,
        arn: &str,
        definition: Option<&str>,
        role_arn: Option<&str>,
        publish: Option<&str>,
    ) -> Result<crate::Updated, Error> {
        let arn = arn.to_string();
        let definition = match definition {
            None => None,
            Some(text) => {
                // Checked off the writer (see `create_state_machine`) as the machine's type asks; the
                // writer checks again only if the type changed in between (the machine was replaced).
                let express = self.state_machine(&arn)?.express;
                let text = text.to_string();
                Some(
                    self.read(move |_| {
                        let def = crate::definitions::validated(&text, express)?;
                        let id = crate::definitions::id_of(&text);
                        Ok(crate::versions::Checked {
                            text,
                            id,
                            def,
                            express,
                        })
                    })
                    .await?,
                )
            }
        };
        let role_arn = role_arn.map(str::to_string);
        let publish = publish.map(str::to_string);
        self.ask(|reply| Request::Update {
            arn,
            definition,
            role_arn,
            publish,
            reply,
        })
        .await
    }

    /// PublishStateMachineVersion (`revision`, if given, must be the current one).
    pub async fn publish_version(
        &self,
        arn: &str,
        revision: Option<&str>,
        description: &str,
    ) -> Result<crate::VersionRecord, Error> {
        let (arn, description) = (arn.to_string(), description.to_string());
        let revision = revision.map(str::to_string);
        self.ask(|reply| Request::Publish {
            arn,
            revision,
            description,
            reply,
        })
        .await
    }

    /// CreateStateMachineAlias: `routing` is (version ARN, weight); answers the alias ARN.
    pub async fn create_alias(
        &self,
        machine: &str,
        name: &str,
        description: &str,
        routing: Vec<(String, u8)>,
    ) -> Result<String, Error> {
        let (machine, name, description) = (
            machine.to_string(),
            name.to_string(),
            description.to_string(),
        );
        self.ask(|reply| {
            Request::Alias(crate::writer::AliasOp::Create {
                machine,
                name,
                description,
                routing,
                reply,
            })
        })
        .await
    }

    /// UpdateStateMachineAlias; answers the update's time.
    pub async fn update_alias(
        &self,
        arn: &str,
        description: Option<&str>,
        routing: Option<Vec<(String, u8)>>,
    ) -> Result<Millis, Error> {
        let (arn, description) = (arn.to_string(), description.map(str::to_string));
        self.ask(|reply| {
            Request::Alias(crate::writer::AliasOp::Update {
                arn,
                description,
                routing,
                reply,
            })
        })
        .await
    }

    /// DeleteStateMachineAlias (deleting one that does not exist succeeds).
    pub async fn delete_alias(&self, arn: &str) -> Result<(), Error> {
        let arn = arn.to_string();
        self.ask(|reply| Request::Alias(crate::writer::AliasOp::Delete { arn, reply }))
            .await
    }

    /// DeleteStateMachineVersion.
    pub async fn delete_version(&self, arn: &str) -> Result<(), Error> {
        let arn = arn.to_string();
        self.ask(|reply| Request::DeleteVersion { arn, reply })
            .await
    }

    /// Adds and removes tags of a state machine or activity.
    pub async fn retag(
        &self,
        arn: &str,
        add: crate::Tags,
        remove: Vec<String>,
    ) -> Result<(), Error> {
        let arn = arn.to_string();
        self.ask(|reply| Request::Retag {
            arn,
            add,
            remove,
            reply,
        })
        .await
    }

    /// Starts an execution; returns its ARN once the start is durable.
    pub async fn start_execution(
        &self,
        state_machine: &str,
        name: &str,
        input: Value,
    ) -> Result<String, Error> {
        fits(&input, Error::InvalidExecutionInput)?;
        // An EXPRESS machine's execution runs in memory, at most once, and is not stored (as on AWS, its
        // ARN cannot be described afterwards).
        let base = stepd_core::arn::machine(state_machine).map_or(state_machine, |m| m.machine);
        if self.express.read().is_ok_and(|set| set.contains(base)) {
            let (identity, compiled, seed) = self.express_identity(state_machine, name)?;
            let arn = identity.execution_arn.clone();
            let (adapters, clock) = (Arc::clone(&self.adapters), self.clock);
            tokio::spawn(async move {
                crate::express::run(&compiled, identity, seed, input, adapters, clock).await
            });
            return Ok(arn);
        }
        let (state_machine, name) = (state_machine.to_string(), name.to_string());
        self.ask(|reply| Request::Start {
            state_machine,
            name,
            input,
            reply,
        })
        .await
    }

    pub async fn send_task_success(&self, token: &str, output: Value) -> Result<(), Error> {
        fits(&output, Error::InvalidOutput)?;
        let token = token.to_string();
        self.ask(|reply| Request::Callback {
            token,
            answer: Answer::Success(output),
            reply,
        })
        .await
    }

    pub async fn send_task_failure(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), Error> {
        let (token, error, cause) = (token.to_string(), error.to_string(), cause.to_string());
        self.ask(|reply| Request::Callback {
            token,
            answer: Answer::Failure { error, cause },
            reply,
        })
        .await
    }

    pub async fn send_task_heartbeat(&self, token: &str) -> Result<(), Error> {
        let token = token.to_string();
        self.ask(|reply| Request::Callback {
            token,
            answer: Answer::Heartbeat,
            reply,
        })
        .await
    }

    pub async fn stop_execution(
        &self,
        execution: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<(), Error> {
        let execution = execution.to_string();
        self.ask(|reply| Request::Stop {
            execution,
            error,
            cause,
            reply,
        })
        .await
    }

    /// RedriveExecution: answers the redrive's time once it is durable. With `client_token`, a repeated
    /// request (one of the last ten tokens) answers the redrive it made instead of failing.
    pub async fn redrive_execution(
        &self,
        execution: &str,
        client_token: Option<&str>,
    ) -> Result<Millis, Error> {
        let execution = execution.to_string();
        let client_token = client_token.map(str::to_string);
        self.ask(|reply| Request::Redrive {
            execution,
            client_token,
            reply,
        })
        .await
    }

    /// Registers an activity (idempotent on its name); returns its ARN.
    pub async fn create_activity(&self, name: &str) -> Result<String, Error> {
        self.create_activity_tagged(name, crate::Tags::new()).await
    }

    /// Registers an activity with tags, in one commit (an existing one is answered unchanged).
    pub async fn create_activity_tagged(
        &self,
        name: &str,
        tags: crate::Tags,
    ) -> Result<String, Error> {
        let name = name.to_string();
        self.ask(|reply| Request::CreateActivity { name, tags, reply })
            .await
    }

    /// Deletes a state machine: `DELETING` until its running executions finish, then gone.
    pub async fn delete_state_machine(&self, arn: &str) -> Result<(), Error> {
        let arn = arn.to_string();
        self.ask(|reply| Request::DeleteMachine { arn, reply })
            .await
    }

    /// Deletes an activity (deleting one that does not exist succeeds, as in AWS).
    pub async fn delete_activity(&self, arn: &str) -> Result<(), Error> {
        let arn = arn.to_string();
        self.ask(|reply| Request::DeleteActivity { arn, reply })
            .await
    }

    /// Waits up to `wait` for a task of `activity`: its token and input, or `None` when none came.
    pub async fn get_activity_task(
        &self,
        activity: &str,
        wait: std::time::Duration,
    ) -> Result<Option<(String, Value)>, Error> {
        let (reply, answer) = oneshot::channel();
        let activity = activity.to_string();
        self.submit(Request::GetActivityTask { activity, reply })?;
        match tokio::time::timeout(wait, answer).await {
            Ok(Ok(task)) => Ok(Some(task)),
            Ok(Err(_)) => Err(self.stopped()),
            Err(_) => Ok(None),
        }
    }
}

/// Refuses a payload beyond the limits every payload shares (stepd_asl::limits) before it reaches the
/// writer: what is accepted can always be stored, read back and replayed.
fn fits(v: &Value, refuse: fn(String) -> Error) -> Result<(), Error> {
    match stepd_asl::limits::measure(v).problem() {
        None => Ok(()),
        Some(why) => Err(refuse(why)),
    }
}
