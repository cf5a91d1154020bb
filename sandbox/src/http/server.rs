//! The HTTP server: one loopback origin for both vendors, the outbox pages
//! and the controls.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::vendor::{self, error_response, vendor_of, ConnectionKill};
use crate::harness::controls;
use crate::sandbox::Sandbox;
use crate::{beyond_identity, bindid, ui};

fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .merge(beyond_identity::routes())
        .merge(bindid::routes())
        .merge(controls::routes())
        .merge(ui::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            sandbox.clone(),
            vendor::layer,
        ))
        .with_state(sandbox)
}

async fn not_found(uri: Uri) -> Response {
    unrouted(&uri, StatusCode::NOT_FOUND)
}

async fn method_not_allowed(uri: Uri) -> Response {
    unrouted(&uri, StatusCode::METHOD_NOT_ALLOWED)
}

/// What neither API nor the controls route, in the format of the vendor
/// whose paths it is under; the sandbox's own paths answer a bare status.
fn unrouted(uri: &Uri, status: StatusCode) -> Response {
    match vendor_of(uri.path()) {
        Some(vendor) => error_response(vendor, status),
        None => status.into_response(),
    }
}

/// Serves `sandbox` on `listener` until `shutdown` resolves, and works
/// through its batch queue meanwhile. The listener must be bound to a
/// loopback address: the sandbox speaks plain HTTP and has well-known
/// credentials.
pub async fn serve(
    listener: TcpListener,
    sandbox: Sandbox,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    if !listener.local_addr()?.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the sandbox only listens on loopback addresses",
        ));
    }
    let batch_worker = tokio::spawn(beyond_identity::batch_worker::run(sandbox.clone()));
    let router = router(sandbox);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                // Out of file descriptors and the like: back off, go on.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
    batch_worker.abort();
    Ok(())
}

/// axum's own `serve` cannot drop a connection from inside a handler, which
/// the `drop_*` faults need; this loop gives each connection a kill switch.
async fn serve_connection(stream: TcpStream, router: Router) {
    let kill = Arc::new(Notify::new());
    let handle = ConnectionKill(kill.clone());
    let service = service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        router.clone().oneshot(request.map(Body::new))
    });
    let _ = stream.set_nodelay(true);
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        // Dropping the connection closes the socket with nothing sent.
        () = kill.notified() => {}
    }
}
