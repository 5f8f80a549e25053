//! The accept loop: the router on hyper connections with a timer, so a client that sends its request line
//! and headers too slowly is disconnected (`axum::serve` sets no timer, so it has no such timeout), and a
//! deadline on every request but event streams.

use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long a client may take to send a request's line and headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request may take, body and answer included (GetActivityTask long-polls for 60 seconds).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(90);

/// Serves `app` on `listener` until the process ends.
pub(crate) async fn serve(listener: TcpListener, app: Router) {
    loop {
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
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT);
            // A connection's own failure (a reset, a timeout) concerns only that connection.
            let _ = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Ends a request that takes longer than `REQUEST_TIMEOUT` with 408 `RequestTimeoutException` (event
/// streams are meant to last and are exempt).
pub(crate) async fn deadline(request: Request, next: Next) -> Response {
    if request.uri().path().ends_with("/events") {
        return next.run(request).await;
    }
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (
            axum::http::StatusCode::REQUEST_TIMEOUT,
            [("content-type", "application/x-amz-json-1.0")],
            r#"{"__type": "RequestTimeoutException", "message": "The request took too long"}"#,
        )
            .into_response(),
    }
}
