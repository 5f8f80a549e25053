//! The `Runtime` handle's execution commands: StartExecution (STANDARD through the writer, EXPRESS in
//! memory), StartSyncExecution, TestState, the task callbacks, StopExecution, RedriveExecution and the
//! activity workers' long poll. What enters is measured against the payload limits first (`fits`).

use crate::Error;
use crate::records;
use crate::requests::{Answer, Request};
use crate::runtime::Runtime;
use serde_json::Value;
use std::sync::Arc;
use stepd_core::Millis;
use tokio::sync::oneshot;

impl Runtime {
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
        let target = crate::aliases::resolve(machine, crate::executions::fresh_seed(0), |m, a| {
            Ok(self.state_machine(m)?.aliases.get(a).cloned())
        })?;
        // The version ARN the execution runs (the one given, or the one its alias routed to).
        let routed = match (target.alias, target.version) {
            (Some(_), Some(n)) => Some(stepd_core::arn::version(target.machine, n)),
            _ => None,
        };
        let machine = routed.as_deref().unwrap_or(machine);
        let (base, definition_id) = match target.version {
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
        let seed = crate::executions::fresh_seed(now as u64);
        let mut identity = stepd_core::Identity::in_scope(&self.arns, &m.name, name, now);
        identity.state_machine_arn = base;
        if !m.role_arn.is_empty() {
            identity.role_arn = m.role_arn.clone();
        }
        identity.execution_arn =
            self.arns
                .express_execution(&m.name, name, &format!("{seed:016x}"));
        Ok((identity, compiled, seed))
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

    /// Waits up to `wait` for a task of `activity`: its token and input, or `None` when none came.
    pub async fn get_activity_task(
        &self,
        activity: &str,
        wait: std::time::Duration,
    ) -> Result<Option<(String, Value)>, Error> {
        let (reply, answer) = oneshot::channel();
        let activity = activity.to_string();
        self.submit(Request::GetActivityTask { activity, reply })?;
        // As `ask`: a stop is learnt from the dropped reply, or from the closed channel.
        let answered = tokio::time::timeout(wait, async {
            tokio::select! {
                biased;
                task = answer => task.ok(),
                () = self.requests.closed() => None,
            }
        });
        match answered.await {
            Ok(Some(task)) => Ok(Some(task)),
            Ok(None) => Err(self.stopped()),
            Err(_) => Ok(None),
        }
    }
}

/// Refuses a payload beyond the limits every payload shares (stepd_asl::limits) before it reaches the
/// writer: what is accepted can always be stored, read back and replayed.
pub(crate) fn fits(v: &Value, refuse: fn(String) -> Error) -> Result<(), Error> {
    match stepd_asl::limits::measure(v).problem() {
        None => Ok(()),
        Some(why) => Err(refuse(why)),
    }
}
