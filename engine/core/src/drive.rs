//! The one loop that runs an in-memory execution to its end: apply what is due, hand the task invocations to
//! a `Host`, and wait for what comes next. `stepd run` (mocks and real sleeps), EXPRESS executions (adapters
//! on tokio, a five-minute deadline), TestState (virtual time) and this crate's tests differ only in their
//! host. The durable runtime does not use it: its writer is the other driver.

use crate::clock::Millis;
use crate::driver::Driver;
use crate::event::{Invocation, Outcome};
use crate::execution::Error;

/// What a drive loop needs from its surroundings. A host answers a task through the driver (`push` for now,
/// `schedule` for later) or, for answers that arrive from elsewhere, while it `wait`s.
///
/// Its futures are awaited one at a time by `drive`; whether they are `Send` is the host's own (the loop
/// adds no bound, so a tokio host stays spawnable and a blocking host needs no runtime).
#[allow(async_fn_in_trait)]
pub trait Host {
    /// Why a host ends a run before the execution ends (a deadline, a test's early answer).
    type Stop;

    /// The time now: a wall clock, or virtual time the host moves in `wait`.
    fn now(&mut self) -> Millis;

    /// Starts answering one task invocation, made at `now`.
    async fn invoke(
        &mut self,
        driver: &mut Driver,
        invocation: Invocation,
        now: Millis,
    ) -> Result<(), Self::Stop>;

    /// Nothing is queued: waits until `due` (the earliest scheduled event; `None` when nothing is
    /// scheduled) or until an answer arrives (pushed on the driver). `Ok(false)` says nothing can come any
    /// more: the run is stalled.
    async fn wait(&mut self, driver: &mut Driver, due: Option<Millis>) -> Result<bool, Self::Stop>;
}

/// How a drive ended.
#[derive(Debug)]
pub enum End<S> {
    /// The execution finished.
    Finished(Outcome),
    /// The host ended it first.
    Stopped(S),
    /// Nothing is due and nothing can answer.
    Stalled,
    /// The interpreter refused an event (a broken protocol; not an ASL error, which fails the execution).
    Broken(Error),
}

/// Runs `driver` until its execution ends or `host` stops it.
pub async fn drive<H: Host>(driver: &mut Driver, host: &mut H) -> End<H::Stop> {
    loop {
        let now = host.now();
        let invocations = match driver.run(now) {
            Ok(i) => i,
            Err(e) => return End::Broken(e),
        };
        if let Some(outcome) = driver.outcome() {
            return End::Finished(outcome.clone());
        }
        for invocation in invocations {
            if let Err(stop) = host.invoke(driver, invocation, now).await {
                return End::Stopped(stop);
            }
        }
        if driver.has_queued() {
            continue;
        }
        let due = driver.next_due();
        match host.wait(driver, due).await {
            Ok(true) => {}
            Ok(false) => return End::Stalled,
            Err(stop) => return End::Stopped(stop),
        }
    }
}

/// Runs a future whose host never waits on another task (virtual time, or blocking sleeps) on this
/// thread, without an async runtime. A future that does wait on one is polled again after a yield until
/// it is ready, which is correct but spins: such hosts belong on tokio.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use serde_json::json;
    use std::sync::Arc;

    fn driver(def: serde_json::Value) -> Driver {
        let report = stepd_asl::validate(&def.to_string(), stepd_asl::Options::default());
        let def = report.definition.expect("valid");
        let exec = crate::Execution::new(
            Arc::new(def),
            Arc::default(),
            crate::Identity::local("m", "e", 1_000),
            1,
        );
        let mut d = Driver::new(exec);
        d.push(Event::Start {
            input: json!({"n": 1}),
        });
        d
    }

    /// Virtual time; each task answers its input after `delay` ms, or never.
    struct Virtual {
        now: Millis,
        delay: Option<Millis>,
        calls: usize,
    }

    impl Host for Virtual {
        type Stop = &'static str;
        fn now(&mut self) -> Millis {
            self.now
        }
        async fn invoke(
            &mut self,
            d: &mut Driver,
            inv: Invocation,
            now: Millis,
        ) -> Result<(), &'static str> {
            self.calls += 1;
            if self.calls > 3 {
                return Err("too many calls");
            }
            if let Some(delay) = self.delay {
                let event = Event::TaskSucceeded {
                    task: inv.task,
                    output: inv.input,
                };
                d.schedule(now + delay, event);
            }
            Ok(())
        }
        async fn wait(
            &mut self,
            _: &mut Driver,
            due: Option<Millis>,
        ) -> Result<bool, &'static str> {
            Ok(due.map(|d| self.now = self.now.max(d)).is_some())
        }
    }

    const TASK: &str = "arn:aws:states:::lambda:invoke";

    #[test]
    fn waits_and_delayed_answers_move_virtual_time_to_the_end() {
        let mut d = driver(json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 10, "Next": "T"},
            "T": {"Type": "Task", "Resource": TASK, "End": true}}}));
        let mut host = Virtual {
            now: 1_000,
            delay: Some(500),
            calls: 0,
        };
        let end = block_on(drive(&mut d, &mut host));
        assert!(
            matches!(end, End::Finished(Outcome::Succeeded { output }) if output == json!({"n": 1}))
        );
        assert_eq!((host.now, host.calls), (11_500, 1));
    }

    #[test]
    fn a_task_nobody_answers_stalls() {
        let mut d = driver(json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": TASK, "End": true}}}));
        let mut host = Virtual {
            now: 1_000,
            delay: None,
            calls: 0,
        };
        assert!(matches!(block_on(drive(&mut d, &mut host)), End::Stalled));
    }

    #[test]
    fn the_host_can_stop_a_run() {
        let mut d = driver(json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": TASK, "End": true,
                  "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 9, "IntervalSeconds": 1}]}}}));
        // Every answer is a failure, so the Retry calls again until the host has had enough.
        struct Failing(Virtual);
        impl Host for Failing {
            type Stop = &'static str;
            fn now(&mut self) -> Millis {
                self.0.now
            }
            async fn invoke(
                &mut self,
                d: &mut Driver,
                inv: Invocation,
                now: Millis,
            ) -> Result<(), &'static str> {
                self.0.calls += 1;
                if self.0.calls > 3 {
                    return Err("too many calls");
                }
                let error = Event::TaskFailed {
                    task: inv.task,
                    error: "E".into(),
                    cause: String::new(),
                };
                d.schedule(now, error);
                Ok(())
            }
            async fn wait(
                &mut self,
                d: &mut Driver,
                due: Option<Millis>,
            ) -> Result<bool, &'static str> {
                self.0.wait(d, due).await
            }
        }
        let mut host = Failing(Virtual {
            now: 1_000,
            delay: None,
            calls: 0,
        });
        assert!(matches!(
            block_on(drive(&mut d, &mut host)),
            End::Stopped("too many calls")
        ));
        assert_eq!(host.0.calls, 4);
    }
}
