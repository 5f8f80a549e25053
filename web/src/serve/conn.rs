//! The accept loop: the router on HTTP/1.1 connections with a timer, a cap on open connections, and a
//! deadline on every request but event streams.
//!
//! Only HTTP/1.1 is spoken (what the AWS CLI, the SDKs and browsers use here): hyper-util's automatic
//! HTTP/1-or-2 builder waits without a limit for the bytes that tell the two apart, so a silent connection
//! stayed open forever, and cleartext HTTP/2 multiplies what one connection can hold. hyper's header-read
//! timeout starts when the connection opens and again after each answer, so one timer closes a connection
//! that never sends a byte, one that sends its headers too slowly, and a keep-alive connection left idle.
//! An HTTP/2 preface is answered by closing the connection. Writes that the client does not take within the
//! stall timeout fail (`stall.rs`), so neither direction can be held open by a client that stops.

use super::error::{ApiError, Code};
use super::stall::StallLimited;
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Timeouts and caps of the HTTP front.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// How long a connection may wait for a request's line and headers: from its opening, and between
    /// requests on a kept-alive connection.
    pub header_timeout: Duration,
    /// How long a request may take, body and answer included.
    pub request_timeout: Duration,
    /// How long a client may leave a written answer untaken before the connection is dropped.
    pub stall_timeout: Duration,
    /// Open connections at most; more wait in the listen queue until one closes.
    pub max_connections: usize,
}

/// Largest read buffer of a connection, hence largest request head.
const HEADER_BUFFER: usize = 64 * 1024;

/// File descriptors kept for everything but client connections: the store, the listener, outbound
/// adapter calls.
const RESERVED_FDS: u64 = 256;

/// Raises the soft limit on open files to the hard one (as Go's runtime does) and returns the number of
/// connections that fits under it, at most `wanted`: the cap must be reached before the descriptor limit,
/// or `accept` fails and the server stops answering.
pub(crate) fn connection_cap(wanted: usize) -> usize {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            limit = getrlimit(Resource::Nofile);
        }
    }
    match limit.current {
        Some(files) => {
            let room = files.saturating_sub(RESERVED_FDS).max(1);
            wanted.min(usize::try_from(room).unwrap_or(usize::MAX))
        }
        None => wanted,
    }
    .max(1)
}

/// Serves `app` on `listener` until the process ends.
pub(crate) async fn serve(listener: TcpListener, app: Router, limits: Limits) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        // At the cap, stop accepting: new connections wait in the kernel's queue, costing no descriptor.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, say: wait a little rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                // The read buffer holds a request's headers (and body pieces in passing): 64 KiB rather
                // than hyper's 400 KiB bounds what a connection that never authenticates can pin.
                .max_buf_size(HEADER_BUFFER)
                .serve_connection(
                    TokioIo::new(StallLimited::new(stream, limits.stall_timeout)),
                    service,
                );
            // A connection's own failure (a reset, a timeout) concerns only that connection.
            let _ = connection.await;
        });
    }
}

/// Ends a request that takes longer than `timeout` with 408 `RequestTimeoutException` (event streams are
/// meant to last and are exempt). It wraps the intake, so reading the body counts.
pub(crate) async fn deadline(
    State(timeout): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path().ends_with("/events") {
        return next.run(request).await;
    }
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(Code::RequestTimeoutException, "The request took too long")
            .into_response(),
    }
}
