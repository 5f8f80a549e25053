//! The runtime's errors, named as the Step Functions API names them where a caller can cause them.

/// What a runtime call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("State Machine Does Not Exist: '{0}'")]
    StateMachineDoesNotExist(String),
    #[error("Execution Does Not Exist: '{0}'")]
    ExecutionDoesNotExist(String),
    #[error("Resource not found: '{0}'")]
    ResourceNotFound(String),
    #[error("Too many tags on '{0}' (at most 50)")]
    TooManyTags(String),
    #[error("State Machine is being deleted: '{0}'")]
    StateMachineDeleting(String),
    #[error("State Machine Already Exists: '{0}'")]
    StateMachineAlreadyExists(String),
    #[error("Execution Already Exists: '{0}'")]
    ExecutionAlreadyExists(String),
    #[error("Task Does Not Exist: '{0}'")]
    TaskDoesNotExist(String),
    #[error("Task Timed Out: '{0}'")]
    TaskTimedOut(String),
    #[error("{0}")]
    InvalidDefinition(String),
    /// An execution input that is not a payload stepd can keep (too deep or too large).
    #[error("Invalid execution input: {0}")]
    InvalidExecutionInput(String),
    /// A task output (SendTaskSuccess) that is not a payload stepd can keep.
    #[error("Invalid output: {0}")]
    InvalidOutput(String),
    #[error("{0}")]
    Conflict(String),
    /// A job id already taken (`SubmitJob`).
    #[error("job.id: a job with id '{0}' exists already")]
    JobAlreadyExists(String),
    #[error("Job Does Not Exist: '{0}'")]
    JobDoesNotExist(String),
    #[error("{0}")]
    Validation(String),
    #[error("Invalid Name: '{0}'")]
    InvalidName(String),
    #[error("Execution Not Redrivable: {0}")]
    ExecutionNotRedrivable(String),
    #[error("This operation is not supported by this type of state machine: '{0}'")]
    StateMachineTypeNotSupported(String),
    #[error("Invalid Arn: '{0}'")]
    InvalidArn(String),
    #[error("Invalid Token: the paging token was not issued for this request")]
    InvalidCursor,
    #[error("storage failed: {0}")]
    Store(#[from] stepd_store::Error),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The writer's queue of client requests is full: retry later (nothing was done).
    #[error("Rate exceeded: {0} requests are waiting for the writer; retry with backoff")]
    Throttled(usize),
    #[error("the runtime has stopped (after a storage failure it must be restarted to recover)")]
    Closed,
    /// A commit failed (the disk is full, say): the writer stopped, as its memory ran ahead of the store.
    /// Every write asked of it since, and those of the group that failed, answer this with the cause;
    /// reads go on. A restart recovers from what was committed.
    #[error(
        "stepd cannot write: a commit failed ({0}); writes are refused until the server is restarted (reads still work; a restart, with the cause fixed, recovers every acknowledged request)"
    )]
    Unavailable(String),
}
