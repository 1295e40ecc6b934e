//! What a call is, the same on every target: the typed methods describe it, a transport
//! (`native`: reqwest; `browser`: the browser's fetch or, to report upload progress,
//! `XMLHttpRequest`) carries it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Verb {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Patch => "PATCH",
            Verb::Delete => "DELETE",
        }
    }
}

/// A request body: bytes anywhere; in the browser also a file (a `Blob`), sent without
/// reading it into memory, optionally reporting its progress.
pub struct Body {
    pub(super) content: Content,
    #[cfg(target_arch = "wasm32")]
    pub(super) progress: Option<std::rc::Rc<dyn Fn(u64, u64)>>,
}

pub(super) enum Content {
    /// Natively anything reqwest sends: bytes, a stream.
    #[cfg(not(target_arch = "wasm32"))]
    Native(reqwest::Body),
    #[cfg(target_arch = "wasm32")]
    Bytes(Vec<u8>),
    #[cfg(target_arch = "wasm32")]
    Blob(web_sys::Blob),
}

impl Body {
    fn of(content: Content) -> Self {
        Body {
            content,
            #[cfg(target_arch = "wasm32")]
            progress: None,
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl<T: Into<reqwest::Body>> From<T> for Body {
    fn from(body: T) -> Self {
        Body::of(Content::Native(body.into()))
    }
}

#[cfg(target_arch = "wasm32")]
impl<T: Into<Vec<u8>>> From<T> for Body {
    fn from(bytes: T) -> Self {
        Body::of(Content::Bytes(bytes.into()))
    }
}

#[cfg(target_arch = "wasm32")]
impl Body {
    /// A file the person chose or dropped.
    pub fn file(file: &web_sys::File) -> Self {
        Body::of(Content::Blob(file.clone().into()))
    }

    /// Reports (bytes sent, total) while the body uploads.
    pub fn on_progress(mut self, progress: impl Fn(u64, u64) + 'static) -> Self {
        self.progress = Some(std::rc::Rc::new(progress));
        self
    }
}

/// One API call.
pub(super) struct Call {
    pub(super) verb: Verb,
    path: String,
    query: String,
    /// An encoding failure waits here until the call is sent, where it becomes an error.
    pub(super) body: Result<Option<Body>, String>,
    pub(super) content_type: Option<String>,
    /// Sent without the bearer token (sign-in, refresh, public pages).
    pub(super) anonymous: bool,
    /// Sends the refresh cookie the client holds (native; the browser sends its own).
    pub(super) refresh_cookie: bool,
}

impl Call {
    pub(super) fn new(verb: Verb, path: impl Into<String>) -> Self {
        Call {
            verb,
            path: path.into(),
            query: String::new(),
            body: Ok(None),
            content_type: None,
            anonymous: false,
            refresh_cookie: false,
        }
    }

    /// Adds query parameters (a struct or pairs; `None` values are left out).
    pub(super) fn query(mut self, params: &impl Serialize) -> Self {
        match serde_urlencoded::to_string(params) {
            Ok(encoded) if encoded.is_empty() => {}
            Ok(encoded) => {
                if !self.query.is_empty() {
                    self.query.push('&');
                }
                self.query.push_str(&encoded);
            }
            Err(e) => self.body = Err(format!("cannot encode the query: {e}")),
        }
        self
    }

    pub(super) fn json(mut self, body: &impl Serialize) -> Self {
        self.body = serde_json::to_vec(body)
            .map(|bytes| Some(Body::from(bytes)))
            .map_err(|e| format!("cannot encode the body: {e}"));
        self.content_type = Some("application/json".into());
        self
    }

    pub(super) fn bytes(mut self, body: impl Into<Body>, content_type: &str) -> Self {
        if self.body.is_ok() {
            self.body = Ok(Some(body.into()));
        }
        self.content_type = Some(content_type.into());
        self
    }

    pub(super) fn anonymous(mut self) -> Self {
        self.anonymous = true;
        self
    }

    pub(super) fn with_refresh_cookie(mut self) -> Self {
        self.refresh_cookie = true;
        self
    }

    pub(super) fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else if self.path.contains('?') {
            format!("{}&{}", self.path, self.query)
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
}

/// A call as a transport sends it.
pub(super) struct Outgoing {
    pub(super) method: &'static str,
    pub(super) url: String,
    pub(super) bearer: Option<String>,
    /// The browser sends its own cookie; only the native transport reads this.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(super) refresh_cookie: Option<String>,
    pub(super) content_type: Option<String>,
    pub(super) body: Option<Body>,
}

/// What came back.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: Vec<u8>,
    /// A refresh cookie the server set (`Some(None)`: cleared). Native only.
    pub(super) refresh_cookie: Option<Option<String>>,
}

impl Answer {
    pub(super) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
