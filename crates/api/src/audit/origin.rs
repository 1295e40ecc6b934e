//! Where a request came from, as the audit log records it: the client address (through
//! trusted proxies only), the user agent and the request id.

use super::Origin;
use crate::error::{ApiError, REQUEST_ID};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::{Ready, ready};
use std::net::IpAddr;

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy. A client can write
/// anything into the header, so entries are believed only as far as trusted hops vouch.
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    let mut last = peer;
    for hop in header.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => last = ip,
            Ok(ip) => return Some(ip),
            Err(_) => return Some(last),
        }
    }
    Some(last)
}

/// Longest user agent kept in the audit log.
const MAX_USER_AGENT: usize = 256;

impl FromRequest for Origin {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(origin_of(req)))
    }
}

/// Where a request came from: the client address (through trusted proxies only), the user
/// agent and the request id.
pub fn origin_of(req: &HttpRequest) -> Origin {
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.trusted_proxies.clone())
        .unwrap_or_default();
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let ip = client_ip(req.peer_addr().map(|a| a.ip()), forwarded, &trusted);
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(MAX_USER_AGENT).collect());
    Origin {
        ip: ip.map(|ip| ip.to_string()),
        user_agent,
        request_id: REQUEST_ID.try_with(Clone::clone).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let spoofed = Some("198.51.100.1, 203.0.113.7");
        assert_eq!(
            client_ip(Some(client), Some("198.51.100.1"), &[proxy]),
            Some(client)
        );
        assert_eq!(client_ip(Some(proxy), spoofed, &[proxy]), Some(client));
        assert_eq!(client_ip(Some(proxy), None, &[proxy]), Some(proxy));
        assert_eq!(
            client_ip(Some(proxy), Some("garbage"), &[proxy]),
            Some(proxy)
        );
    }
}
