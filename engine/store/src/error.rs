//! The store's errors: the engine's own failures (I/O, corruption), never workflow errors.

/// What went wrong underneath.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("storage I/O failed: {0}")]
    Io(String),
    #[error("the database file is corrupt or from an incompatible version: {0}")]
    Corrupt(String),
    #[error("the store is closed after an earlier failure; reopen it")]
    Poisoned,
}

impl Error {
    pub(crate) fn io(e: impl std::fmt::Display) -> Error {
        Error::Io(e.to_string())
    }
}
