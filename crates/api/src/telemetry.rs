//! Logging: `tracing` to stderr as text or JSON, a request id on every request (`X-Request-Id`
//! accepted when well-formed, else generated, and always returned), and one access-log line per
//! request. The access log records the path without its query string, and never headers or
//! bodies, so no token or password reaches a log line (SECURITY.md S24).

use crate::config::LogFormat;
use crate::error::REQUEST_ID;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Installs the global subscriber for the `portico` binary.
pub fn init(format: LogFormat, filter: &str) {
    init_with_writer(format, filter, std::io::stderr);
}

/// Installs the global subscriber writing to `writer` (tests capture logs this way). Does
/// nothing if one is installed already.
pub fn init_with_writer<W>(format: LogFormat, filter: &str, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_target(true);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// A client-supplied request id is kept only if short and plain, so it cannot forge log lines.
fn acceptable_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    ok.then(|| s.to_string())
}

/// The outermost middleware: request id, tracing span, access log.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(acceptable_request_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.path().to_string();
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let span = tracing::info_span!("request", request_id = %id);
    let result = REQUEST_ID
        .scope(id.clone(), crate::db::Db::shared_within(next.call(req)))
        .instrument(span.clone())
        .await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _enter = span.enter();
    match result {
        Ok(mut res) => {
            tracing::info!(target: "portico::access", %method, %path, status = res.status().as_u16(),
                elapsed_ms = format!("{elapsed_ms:.1}"), %peer, "request");
            if let Ok(value) = HeaderValue::from_str(&id) {
                res.headers_mut()
                    .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
            }
            Ok(res)
        }
        Err(e) => {
            tracing::info!(target: "portico::access", %method, %path, status = e.as_response_error().status_code().as_u16(),
                elapsed_ms = format!("{elapsed_ms:.1}"), %peer, "request");
            Err(e)
        }
    }
}
