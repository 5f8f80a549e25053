//! The adapters stepd ships in the runtime (cluster adapters live in their own crates).

pub mod http;

use crate::Adapter;
use std::sync::Arc;

/// The adapters a runtime has unless its configuration says otherwise.
pub(crate) fn builtin() -> Vec<Arc<dyn Adapter>> {
    vec![Arc::new(http::HttpInvoke::new())]
}
