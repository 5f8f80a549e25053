//! Compiled JSONata expressions of one definition, compiled on first use and shared by its executions.

use crate::jsonata::Compiled;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The cache; cheap to share behind an `Arc`.
#[derive(Default)]
pub struct Exprs {
    compiled: Mutex<HashMap<String, Arc<Compiled>>>,
}

impl std::fmt::Debug for Exprs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exprs")
    }
}

impl Exprs {
    /// The compiled form of `source` (the text between `{%` and `%}`); `Err` is a compile error's cause.
    pub(crate) fn get(&self, source: &str) -> Result<Arc<Compiled>, String> {
        let mut map = self
            .compiled
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(c) = map.get(source) {
            return Ok(Arc::clone(c));
        }
        let c = Arc::new(Compiled::new(source)?);
        map.insert(source.to_string(), Arc::clone(&c));
        Ok(c)
    }
}
