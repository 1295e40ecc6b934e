//! Middleware that hardens every response and request: a deadline between the chunks of a
//! request body (a client that stalls mid-body is cut off, SECURITY.md S23), HSTS when the
//! portal is served over HTTPS, and a content security policy for the API explorer.

use crate::state::AppState;
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use futures_util::StreamExt;
use std::pin::Pin;
use std::time::Duration;

/// Browsers remember for a year that the portal speaks HTTPS only (RFC 6797).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The API explorer (Swagger UI) loads its own script and styles and sets inline styles.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'none'";

/// Wraps the request body so that each chunk must arrive within the configured time; a
/// stalled body fails with a timed-out error, which handlers answer with 408.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let idle = req
        .app_data::<web::Data<AppState>>()
        .map(|s| Duration::from_secs(s.config.body_timeout))
        .unwrap_or(Duration::from_secs(30));
    let payload = req.take_payload();
    let guarded = futures_util::stream::unfold(Some(payload), move |payload| async move {
        let mut payload = payload?;
        match tokio::time::timeout(idle, payload.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(payload))),
            Ok(None) => None,
            Err(_) => Some((Err(timed_out()), None)),
        }
    });
    let boxed: Pin<Box<dyn futures_util::Stream<Item = Result<bytes::Bytes, PayloadError>>>> =
        Box::pin(guarded);
    req.set_payload(actix_web::dev::Payload::from(boxed));
    next.call(req).await
}

fn timed_out() -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the request body stalled",
    ))
}

/// HSTS when the request came over HTTPS — the public URL is `https://`, or a trusted proxy
/// says so with `X-Forwarded-Proto` — and a CSP for the API explorer.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| over_https(&req, state));
    let docs = req.path().starts_with("/api/docs");
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if docs {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
    }
    Ok(res)
}

fn over_https(req: &ServiceRequest, state: &AppState) -> bool {
    if state.config.public_url().starts_with("https://") {
        return true;
    }
    let from_proxy = req
        .peer_addr()
        .is_some_and(|peer| state.config.trusted_proxies.contains(&peer.ip()));
    from_proxy
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}
