//! Activity tasks in the writer: tasks waiting for workers and workers waiting for tasks (GetActivityTask's
//! long poll). Tasks are offered only after the batch that parks their token is durable (`After::Activity`).

use crate::writer::Writer;
use serde_json::Value;
use std::collections::VecDeque;
use tokio::sync::oneshot;

/// Activity tasks waiting for workers, and workers waiting for tasks.
#[derive(Default)]
pub(crate) struct Queue {
    pub pending: VecDeque<(String, Value)>,
    pub waiters: VecDeque<oneshot::Sender<(String, Value)>>,
}

impl Queue {
    /// Hands a task to the first worker still waiting, else keeps it.
    pub(crate) fn offer(&mut self, mut task: (String, Value)) {
        while let Some(w) = self.waiters.pop_front() {
            match w.send(task) {
                Ok(()) => return,
                Err(back) => task = back,
            }
        }
        self.pending.push_back(task);
    }
}

impl Writer {
    /// A worker asks for a task of `activity`: the first pending one, else it waits for the next offered.
    pub(crate) fn get_activity_task(
        &mut self,
        activity: String,
        reply: oneshot::Sender<(String, Value)>,
    ) {
        let queue = self.activities.entry(activity).or_default();
        // Delivery is not journaled: after a crash, tasks handed out but not answered are offered
        // again (at least once), as their tokens are still outstanding.
        match queue.pending.pop_front() {
            Some(task) => {
                if let Err(task) = reply.send(task) {
                    queue.pending.push_front(task);
                }
            }
            None => queue.waiters.push_back(reply),
        }
    }
}
