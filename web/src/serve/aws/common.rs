//! What several operations share: dates as AWS sends them, the payload limit, JSON text members, pages of
//! a list, and names for executions started without one.

use crate::serve::error::{ApiError, Code};
use serde_json::{Value, json};
use stepd_core::Millis;

/// A date as the JSON protocol sends it: epoch seconds, with the milliseconds as a fraction.
pub(crate) fn seconds(ms: Millis) -> Value {
    json!(ms as f64 / 1000.0)
}

/// The size limit of every input and output an entry point accepts (JSON API fields and REST bodies alike):
/// `stepd_asl::limits::MAX_PAYLOAD_BYTES` bytes of UTF-8, as AWS counts them (not characters).
pub(crate) fn payload_size(name: &str, text: &[u8]) -> Result<(), ApiError> {
    if text.len() > stepd_asl::limits::MAX_PAYLOAD_BYTES {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at '{name}' failed to satisfy constraint: Member must have length less than or equal to {} (bytes of UTF-8)",
            stepd_asl::limits::MAX_PAYLOAD_BYTES
        )));
    }
    Ok(())
}

/// A JSON text member (`input`, `output`: JSON inside a string, `{}` when absent) within `payload_size`;
/// text that is not JSON is `invalid`.
pub(super) fn json_text(name: &str, text: Option<&str>, invalid: Code) -> Result<Value, ApiError> {
    let text = text.unwrap_or("{}");
    payload_size(name, text.as_bytes())?;
    serde_json::from_str(text).map_err(|e| ApiError::new(invalid, format!("Invalid {name}: {e}")))
}

/// `maxResults`: 0 or absent means 100; AWS allows at most 1000.
pub(super) fn max_results(n: Option<u64>) -> usize {
    n.filter(|n| *n > 0).unwrap_or(100).min(1000) as usize
}

pub(super) fn invalid_token() -> ApiError {
    ApiError::new(Code::InvalidToken, "Invalid pagination token")
}

/// One page of a list under `key` (`maxResults` up to 1,000, default 100; `nextToken` is the offset).
pub(super) fn page(
    all: Vec<Value>,
    key: &str,
    max_results: Option<u64>,
    next_token: Option<&str>,
) -> Result<Value, ApiError> {
    let max = self::max_results(max_results);
    let start = match next_token {
        Some(t) => t.parse::<usize>().map_err(|_| invalid_token())?,
        None => 0,
    };
    let mut out = json!({ key: all.iter().skip(start).take(max).cloned().collect::<Vec<_>>() });
    if start + max < all.len() {
        out["nextToken"] = json!((start + max).to_string());
    }
    Ok(out)
}

/// A name for an execution started without one: UUID-shaped and unique within this process (time, pid and
/// a counter, mixed).
pub(crate) fn generated_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    // The wall clock here is entropy, not a date: a runtime's clock may stand still (in tests).
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let (a, b) = (mix(time ^ u64::from(std::process::id()) << 40), mix(n));
    let (hi, lo) = ((a & !0xF000) | 0x4000, (b & !(0b11 << 62)) | (0b10 << 62));
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}
