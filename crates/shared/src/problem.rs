//! RFC 9457 problem details: the body of every 4xx and 5xx response.

use serde::{Deserialize, Serialize};

/// The stable kinds of error. Clients branch on `type`, never on `title` or `detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemType {
    MalformedRequest,
    Validation,
    Unauthorized,
    InvalidCredentials,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    /// An emailed link (invitation, sign-in, reset, confirmation) that is unknown, used or expired.
    LinkExpired,
    PayloadTooLarge,
    /// The upload would take the tenant past its storage quota.
    QuotaExceeded,
    UnsupportedMediaType,
    /// A `Range` that the file cannot satisfy.
    RangeNotSatisfiable,
    TooManyRequests,
    RequestTimeout,
    Internal,
    Unavailable,
}

impl ProblemType {
    pub const ALL: [ProblemType; 17] = [
        Self::MalformedRequest,
        Self::Validation,
        Self::Unauthorized,
        Self::InvalidCredentials,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Conflict,
        Self::LinkExpired,
        Self::PayloadTooLarge,
        Self::QuotaExceeded,
        Self::UnsupportedMediaType,
        Self::RangeNotSatisfiable,
        Self::TooManyRequests,
        Self::RequestTimeout,
        Self::Internal,
        Self::Unavailable,
    ];

    /// The short name, the last segment of the `type` URI.
    pub fn slug(self) -> &'static str {
        match self {
            Self::MalformedRequest => "malformed-request",
            Self::Validation => "validation",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid-credentials",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::Conflict => "conflict",
            Self::LinkExpired => "link-expired",
            Self::PayloadTooLarge => "payload-too-large",
            Self::QuotaExceeded => "quota-exceeded",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::RangeNotSatisfiable => "range-not-satisfiable",
            Self::TooManyRequests => "too-many-requests",
            Self::RequestTimeout => "request-timeout",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }

    /// The `type` member: a relative URI reference (RFC 9457 §3.1.1), stable across releases.
    pub fn uri(self) -> String {
        format!("/problems/{}", self.slug())
    }

    /// Parses a `type` member back into a kind; unknown types give `None`.
    pub fn from_uri(uri: &str) -> Option<Self> {
        let slug = uri.rsplit('/').next()?;
        Self::ALL.into_iter().find(|t| t.slug() == slug)
    }
}

/// An error response (RFC 9457 `application/problem+json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI reference naming the kind of error, e.g. `/problems/not-found`. Stable: branch on it.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the kind of error.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For `/problems/validation`: one entry per invalid field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `/problems/too-many-requests`: seconds to wait (also in `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// The request id (also in the `X-Request-Id` header), to quote to support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl Problem {
    /// The kind of error, if the server sent a type this client knows.
    pub fn kind(&self) -> Option<ProblemType> {
        ProblemType::from_uri(&self.type_)
    }
}

/// One invalid field in a validation problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name in the request body (dotted for nested fields).
    pub field: String,
    /// Why the value was refused.
    pub message: String,
}
