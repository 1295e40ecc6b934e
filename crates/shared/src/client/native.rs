//! The native transport: reqwest (tests, tools, `portico seed-demo`). Also keeps the refresh
//! cookie, which the browser keeps for the SPA.

use super::call::{Answer, Content, Outgoing};
use super::{Client, ClientError, ClientResult};
use crate::auth::REFRESH_COOKIE;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};

pub(super) struct Transport {
    http: reqwest::Client,
}

impl Transport {
    pub(super) fn new() -> Self {
        Transport {
            http: reqwest::Client::new(),
        }
    }

    pub(super) async fn carry(&self, out: Outgoing) -> ClientResult<Answer> {
        let method = reqwest::Method::from_bytes(out.method.as_bytes())
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let mut req = self.http.request(method, out.url);
        if let Some(token) = out.bearer {
            req = req.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(value) = out.refresh_cookie {
            req = req.header(COOKIE, format!("{REFRESH_COOKIE}={value}"));
        }
        if let Some(content_type) = out.content_type {
            req = req.header(CONTENT_TYPE, content_type);
        }
        if let Some(body) = out.body {
            let Content::Native(body) = body.content;
            req = req.body(body);
        }
        let res = req.send().await.map_err(transport_error)?;
        let status = res.status().as_u16();
        let refresh_cookie = refresh_cookie_set(&res);
        let body = res.bytes().await.map_err(transport_error)?.to_vec();
        Ok(Answer {
            status,
            body,
            refresh_cookie,
        })
    }
}

fn transport_error(e: reqwest::Error) -> ClientError {
    ClientError::Transport(e.to_string())
}

/// The refresh cookie a response sets, if it sets one (empty: cleared).
fn refresh_cookie_set(res: &reqwest::Response) -> Option<Option<String>> {
    res.headers().get_all(SET_COOKIE).iter().find_map(|header| {
        let value = header
            .to_str()
            .ok()?
            .strip_prefix(REFRESH_COOKIE)?
            .strip_prefix('=')?
            .split(';')
            .next()
            .unwrap_or_default();
        Some((!value.is_empty()).then(|| value.to_string()))
    })
}

/// Native extras for tests and tools: raw requests for what the typed methods do not model.
impl Client {
    /// A client over a reqwest client of the caller's (timeouts, redirects, cookie store).
    pub fn with_http(http: reqwest::Client, base_url: impl Into<String>) -> Self {
        Self::over(Transport { http }, base_url)
    }

    /// The underlying HTTP client, for calls this client does not model.
    pub fn http(&self) -> &reqwest::Client {
        &self.transport.http
    }

    /// A request to `path` (relative to the server root) with the bearer token, if any.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut req = self
            .transport
            .http
            .request(method, format!("{}{}", self.base_url, path));
        if let Some(token) = self.access_token() {
            req = req.bearer_auth(token);
        }
        req
    }
}

/// Reads a JSON body on success, a problem otherwise (for raw reqwest responses in tests).
pub async fn decode<T: serde::de::DeserializeOwned>(res: reqwest::Response) -> ClientResult<T> {
    let status = res.status().as_u16();
    let bytes = res.bytes().await.map_err(transport_error)?;
    super::decode_answer(status, &bytes)
}
