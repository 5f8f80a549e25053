//! Request intake: what a request must pass before its body is read, and how the body is read. With access
//! keys, the signature's header half is checked first (an unauthenticated client never gets a byte of its
//! body buffered); then the body is read under a size limit, a time limit and a server-wide byte budget, and
//! only then is the signature checked against the bytes received.
//!
//! Memory held by bodies being read is bounded by design: each request may hold `FREE` bytes on its own
//! (so the connection cap bounds those), and every byte beyond that is drawn from one shared budget. A
//! request that finds the budget spent is refused at once with `ThrottlingException`, which the SDKs retry.

use super::auth::{self, Keys, Signed};
use super::error::{ApiError, Code};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bytes of body any request may hold without drawing on the shared budget: most API calls are smaller.
const FREE: usize = 64 * 1024;

/// How requests are let in.
pub(crate) struct Intake {
    /// With keys, every request must be signed with one of them.
    pub keys: Option<Keys>,
    /// Largest body accepted (a larger one is refused with 413 before it is read).
    pub max_body: usize,
    /// How long a client may take to send its body.
    pub body_timeout: Duration,
    /// Bytes of bodies beyond `FREE` each that may be held at once, server-wide.
    pub budget: Arc<Semaphore>,
}

impl Intake {
    pub(crate) fn new(
        keys: Option<Keys>,
        max_body: usize,
        body_timeout: Duration,
        budget: usize,
    ) -> Intake {
        // A budget smaller than one largest body would refuse such bodies forever.
        let budget = budget.max(max_body).min(Semaphore::MAX_PERMITS);
        Intake {
            keys,
            max_body,
            body_timeout,
            budget: Arc::new(Semaphore::new(budget)),
        }
    }
}

/// An AWS JSON 1.0 error answer.
fn refuse(code: Code, message: &str) -> Response {
    ApiError::new(code, message).into_response()
}

/// The middleware: header checks, then the body, then the signature over it; the request goes on with its
/// body in memory, and the budget it drew on is given back once the answer is ready.
pub(crate) async fn admit(
    State(intake): State<Arc<Intake>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let signed = match &intake.keys {
        Some(keys) => match precheck(keys, &parts) {
            Ok(signed) => Some(signed),
            Err(r) => return r.into_response(),
        },
        None => None,
    };
    let declared = parts
        .headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > intake.max_body as u64) {
        return too_large(intake.max_body);
    }
    let declared = declared.map_or(0, |n| n as usize);
    let mut held = Held::default();
    if let Err(stop) = held.grow(&intake.budget, declared) {
        return stop.response(intake.max_body);
    }
    let read = read_body(body, declared, intake.max_body, &intake.budget, &mut held);
    let bytes = match tokio::time::timeout(intake.body_timeout, read).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(stop)) => return stop.response(intake.max_body),
        Err(_) => {
            return refuse(
                Code::RequestTimeoutException,
                "The request body was not received in time",
            );
        }
    };
    if let Some(signed) = signed
        && let Err(r) = signed.verify(&bytes)
    {
        return r.into_response();
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    drop(held);
    response
}

fn precheck(keys: &Keys, parts: &Parts) -> Result<Signed, ApiError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    auth::precheck(
        keys,
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or(""),
        &parts.headers,
        now,
    )
}

/// 413 as a JSON error (AWS's own front answers a bare text line, which the SDKs cannot parse).
fn too_large(max: usize) -> Response {
    refuse(
        Code::RequestEntityTooLargeException,
        &format!("HTTP content length exceeded {max} bytes."),
    )
}

/// Why a body was not read to its end.
enum Stop {
    TooLarge,
    Throttled,
    Broken,
}

impl Stop {
    fn response(self, max: usize) -> Response {
        match self {
            Stop::TooLarge => too_large(max),
            // Waiting would let stalled clients queue up everyone else; the SDKs retry this one.
            Stop::Throttled => refuse(Code::ThrottlingException, "Rate exceeded"),
            Stop::Broken => refuse(
                Code::ValidationException,
                "The request body was not received completely",
            ),
        }
    }
}

/// Budget this request holds: `bytes` of room beyond `FREE`, given back on drop.
#[derive(Default)]
struct Held {
    bytes: usize,
    permit: Option<OwnedSemaphorePermit>,
}

impl Held {
    /// Makes room for a body of `size` bytes, or stops when the server's budget is spent.
    fn grow(&mut self, budget: &Arc<Semaphore>, size: usize) -> Result<(), Stop> {
        let want = size.saturating_sub(FREE);
        if want <= self.bytes {
            return Ok(());
        }
        let more = u32::try_from(want - self.bytes).unwrap_or(u32::MAX);
        let Ok(permit) = budget.clone().try_acquire_many_owned(more) else {
            return Err(Stop::Throttled);
        };
        self.bytes += more as usize;
        match &mut self.permit {
            Some(held) => held.merge(permit),
            None => self.permit = Some(permit),
        }
        Ok(())
    }
}

/// Reads the body into one buffer whose capacity never exceeds what `held` accounts for.
async fn read_body(
    body: Body,
    declared: usize,
    max: usize,
    budget: &Arc<Semaphore>,
    held: &mut Held,
) -> Result<Bytes, Stop> {
    let mut buf: Vec<u8> = Vec::with_capacity(declared);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return Err(Stop::Broken);
        };
        let len = buf.len() + chunk.len();
        if len > max {
            return Err(Stop::TooLarge);
        }
        if len > buf.capacity() {
            // Grow as a Vec would (doubling), but account for the new capacity first.
            let capacity = len.max(buf.capacity() * 2).min(max);
            held.grow(budget, capacity)?;
            buf.reserve_exact(capacity - buf.len());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}
